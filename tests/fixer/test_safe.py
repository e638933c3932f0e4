"""buffix.safe.as_buffer: the real buffer behind any proxy, the same object on bytes, loud on str/None/int."""

from __future__ import annotations

import array
import hashlib
import io

import pytest
import wrapt

from buffix.safe import as_buffer

BODY = b"\x89PNG\r\n" + bytes(range(256)) * 4


class GetattrOnly:
    """A JS-style proxy: forwards attribute lookups, but no dunder reaches the body."""

    def __init__(self, target):
        object.__setattr__(self, "_target", target)

    def __getattr__(self, name):
        return getattr(object.__getattribute__(self, "_target"), name)


class WrappedOnly:
    """Forwards nothing; only says what it wraps."""

    def __init__(self, target):
        self.__wrapped__ = target


def test_bytes_is_returned_itself():
    assert as_buffer(BODY) is BODY


def test_bytearray_gives_an_equal_copy_of_the_same_type():
    body = bytearray(BODY)
    result = as_buffer(body)
    assert type(result) is bytearray and result == body and result is not body


def test_memoryview_gives_a_view():
    view = memoryview(BODY)
    result = as_buffer(view)
    assert type(result) is memoryview and result.obj is BODY


def test_array_is_a_buffer_too():
    samples = array.array("B", BODY)
    assert as_buffer(samples) == samples


@pytest.mark.parametrize("proxy", [wrapt.ObjectProxy(BODY), wrapt.ObjectProxy(wrapt.ObjectProxy(BODY))])
def test_wrapt_proxy_gives_the_body(proxy):
    with pytest.raises(TypeError):
        memoryview(proxy)  # the failure being fixed
    assert as_buffer(proxy) is BODY
    assert hashlib.sha256(as_buffer(proxy)).digest() == hashlib.sha256(BODY).digest()


def test_wrapt_proxy_of_bytearray():
    result = as_buffer(wrapt.ObjectProxy(bytearray(BODY)))
    assert type(result) is bytearray and result == BODY


def test_getattr_only_proxy_gives_the_body():
    proxy = GetattrOnly(BODY)
    with pytest.raises(TypeError):
        proxy[:]  # `x[:]` cannot reach through it; the explicit __getitem__ can
    assert as_buffer(proxy) is BODY
    assert io.BytesIO(as_buffer(proxy)).read() == BODY


def test_wrapped_only_object_is_unwrapped():
    assert as_buffer(WrappedOnly(WrappedOnly(BODY))) is BODY


def test_a_cycle_of_wrapped_ends_with_type_error():
    loop = WrappedOnly(None)
    loop.__wrapped__ = loop
    with pytest.raises(TypeError, match="WrappedOnly"):
        as_buffer(loop)


@pytest.mark.parametrize(
    "value",
    ["text", None, 5, True, [1, 2], wrapt.ObjectProxy("text"), GetattrOnly("text"), WrappedOnly("text"), object()],
)
def test_non_buffers_raise_type_error(value):
    with pytest.raises(TypeError, match="as_buffer\\(\\) needs a bytes-like body"):
        as_buffer(value)


def test_argument_is_evaluated_once():
    reads = []

    def read():
        reads.append(1)
        return BODY if len(reads) == 1 else b""  # like urlopen().read(): a second read is empty

    assert as_buffer(read()) == BODY and len(reads) == 1


def test_errors_of_the_body_itself_propagate():
    class Released:
        def __getitem__(self, index):
            raise RuntimeError("body released")

    with pytest.raises(RuntimeError, match="released"):
        as_buffer(Released())
