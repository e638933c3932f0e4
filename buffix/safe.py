"""`as_buffer(body)`: the real bytes-like body behind a proxy, for `buffix fix --fix-style helper`.

    hashlib.sha256(as_buffer(resp.content))

`body` is evaluated once (it is an argument), so `as_buffer(resp.read())` reads once. The helper tries, in
order: `body[:]` (any proxy that forwards `__getitem__`: wrapt, lazy-object-proxy, werkzeug, Django), then
`body.__getitem__(slice(None))` (getattr-only proxies, which forward attributes but no dunders), then the
same on `body.__wrapped__`. The result must export the buffer protocol (bytes, bytearray, memoryview, array,
mmap, …); anything else, a `str` above all, raises TypeError instead of slipping through. No `hasattr` or
`isinstance` guard decides the path: proxies fool both (docs/semantics.md, facts 3 and 6).
"""

from __future__ import annotations

from typing import Any

__all__ = ["as_buffer"]

_MAX_UNWRAP = 8  # proxies of proxies; a cycle of __wrapped__ must not loop forever
_BUFFER_TYPES = (bytes, bytearray, memoryview)


def as_buffer(body: Any) -> Any:
    """Return a real buffer with the body's bytes: the body itself on `bytes`, a slice copy otherwise."""
    current = body
    for _ in range(_MAX_UNWRAP):
        if current is None or isinstance(current, (str, int)):  # also a proxy of str: isinstance forwards
            break
        for take in (_sliced, _getitem_sliced):
            try:
                result = take(current)
            except (TypeError, AttributeError):
                continue
            if _is_buffer(result):
                return result
        try:
            current = current.__wrapped__
        except AttributeError:
            break
    raise TypeError(f"as_buffer() needs a bytes-like body, not {type(body).__name__!r}")


def _sliced(body: Any) -> Any:
    return body[:]


def _getitem_sliced(body: Any) -> Any:
    return body.__getitem__(slice(None))


def _is_buffer(value: Any) -> bool:
    if issubclass(type(value), _BUFFER_TYPES):  # type(), not isinstance(): a proxy claims to be bytes
        return True
    try:
        memoryview(value).release()
    except TypeError:
        return False
    return True
