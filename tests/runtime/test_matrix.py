"""Every client access path × every operation of the semantics report's tables, against the real server.

Under the runtime the program sees a proxy; every failing operation raises TypeError; its safe form `op(body[:])`
gives exactly what the operation gives on the un-proxied bytes (taken from tests/payloads.py, not from the proxy).
"""

from __future__ import annotations

from typing import Any, Tuple

import pytest

from buffix.runtime import BodyProxy, StrictBodyProxy
from buffix.runtime.proxy import HINT
from tests import payloads
from tests.clients import ACCESS_PATHS, STREAMING_PATHS, WHOLE_BODY_PATHS
from tests.sinks import FAILING_OPS, FORWARDED_OPS, PROXY_DEPENDENT_OPS, SLOW_COPY_OPS, SinkOp


def outcome(op: SinkOp, value: Any) -> Tuple[str, Any]:
    """What an op gives: its result, or the type of what it raised (a partial chunk may not parse either way)."""
    try:
        return "ok", op(value)
    except Exception as error:  # noqa: BLE001 - the comparison is the point
        return "raised", type(error)


def pieces(bodies, expected: bytes):
    """Each body (chunk) the program saw, with the exact bytes it stands for."""
    offset = 0
    for body in bodies:
        size = len(body)
        yield body, expected[offset:offset + size]
        offset += size
    assert offset == len(expected), "the chunks do not add up to the payload"


def _needs(op: SinkOp) -> None:
    if not op.available:
        pytest.skip(f"{op.needs} is not installed")


@pytest.mark.parametrize("op", FAILING_OPS, ids=str)
@pytest.mark.parametrize("path", ACCESS_PATHS, ids=str)
def test_failing_op_raises_and_safe_form_is_exact(downloaded, path, op):
    _needs(op)
    bodies = downloaded("wrapt", path, f"/payload/{op.payload}")
    for body, real in pieces(bodies, payloads.payload(op.payload)):
        assert issubclass(type(body), BodyProxy) and type(body) is not bytes
        with pytest.raises(TypeError):
            op(body)
        assert outcome(op, body[:]) == outcome(op, real)


@pytest.mark.parametrize("op", PROXY_DEPENDENT_OPS + SLOW_COPY_OPS, ids=str)
@pytest.mark.parametrize("path", ACCESS_PATHS, ids=str)
def test_strict_refuses_what_only_wrapt_like_proxies_allow(downloaded, path, op):
    strict = downloaded("strict", path, f"/payload/{op.payload}")
    lenient = downloaded("wrapt", path, f"/payload/{op.payload}")
    for (body, real), (wrapt_body, _) in zip(pieces(strict, payloads.payload(op.payload)),
                                             pieces(lenient, payloads.payload(op.payload))):
        assert issubclass(type(body), StrictBodyProxy)
        with pytest.raises(TypeError, match=r"body\[:\]") as refused:
            op(body)
        # our own refusals name the family; bytearray() replaces the message but keeps the type name's hint
        assert op.family in str(refused.value) or HINT in str(refused.value)
        assert outcome(op, body[:]) == outcome(op, real)
        assert outcome(op, wrapt_body) == outcome(op, real)  # the wrapt profile forwards it, as wrapt does


@pytest.mark.parametrize("profile", ["wrapt", "strict"])
@pytest.mark.parametrize("op", FORWARDED_OPS, ids=str)
@pytest.mark.parametrize("path", WHOLE_BODY_PATHS, ids=str)
def test_forwarded_ops_behave_as_on_the_real_body(downloaded, path, op, profile):
    _needs(op)
    (body,) = downloaded(profile, path, f"/payload/{op.payload}")
    if profile == "strict" and op.name in STRICT_CONVERSIONS:
        with pytest.raises(TypeError, match="BFX4"):
            op(body)
        return
    assert outcome(op, body) == outcome(op, payloads.payload(op.payload))


# int.from_bytes goes through __bytes__, which strict refuses as a getattr-only proxy would (docs/semantics.md, fact 2)
STRICT_CONVERSIONS = {"int.from_bytes(p, 'big')"}

SIZES = (0, payloads.KIB, payloads.MIB)


@pytest.mark.parametrize("url_path", [f"/bytes/{n}" for n in SIZES] + [f"/chunked/{payloads.MIB}",
                                                                        f"/gzip/{payloads.MIB}"])
@pytest.mark.parametrize("path", ACCESS_PATHS, ids=str)
def test_every_size_transfer_and_encoding_is_proxied(downloaded, server, path, url_path):
    bodies = downloaded("wrapt", path, url_path)
    expected = server.expected(url_path)
    assert all(issubclass(type(body), BodyProxy) for body in bodies)
    assert b"".join(body[:] for body in bodies) == expected
    if bodies:
        with pytest.raises(TypeError):
            memoryview(bodies[0])


@pytest.mark.parametrize("path", [p for p in ACCESS_PATHS if p.name in (
    "requests .content", "httpx stream iter_bytes()", "aiohttp await resp.read()", "urllib.request urlopen().read()")],
    ids=str)
def test_fifty_megabytes(wrapt_runtime, server, path):
    url_path = f"/bytes/{50 * payloads.MIB}"
    bodies = path.fetch(server.url_for(url_path)).bodies
    import hashlib

    with pytest.raises(TypeError):
        hashlib.sha256(bodies[0])
    digest = hashlib.sha256()
    for body in bodies:
        digest.update(body[:])
    assert digest.digest() == hashlib.sha256(server.expected(url_path)).digest()


def test_streaming_paths_yield_one_proxy_per_chunk(downloaded, server):
    for path in STREAMING_PATHS:
        bodies = downloaded("wrapt", path, f"/chunked/{payloads.MIB}")
        assert len(bodies) > 1, path.name
        assert len({id(body) for body in bodies}) == len(bodies)


def test_large_iteration_copy_warns_with_the_faster_form(wrapt_runtime, server):
    import warnings

    import requests

    from buffix.runtime import SlowCopyWarning

    body = requests.get(server.url_for(f"/bytes/{payloads.MIB}")).content
    with pytest.warns(SlowCopyWarning, match=r"bytearray\(body\[:\]\)"):
        copy = bytearray(body)
    assert copy == server.body(payloads.MIB)
    small = requests.get(server.url_for("/bytes/1024")).content
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bytearray(small)  # below the threshold: silent


def test_each_access_is_recorded(wrapt_runtime, server):
    import requests

    body = requests.get(server.url_for("/payload/text")).content
    len(body), body[:4], body[:], b"fox" in body, body == b""
    record = body._self_record
    assert record.accesses == {"len()": 1, "[]": 2, "in": 1, "==": 1}
    assert record.source == "requests Response.content"
    assert record.created_at.endswith(f"test_matrix.py:{test_each_access_is_recorded.__code__.co_firstlineno + 3}")
