"""Rule families: one per measured behaviour of a proxied body (docs/semantics.md, facts 1-4).

The analyzer's rules belong to these families and the runtime names them when it explains a failure,
so a user sees the same code in `buffix check` output and in a failing test.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    code: str  # code prefix, e.g. "BFX1"
    name: str
    behaviour: str  # what a proxied body does here
    safe_form: str  # the rewrite, with `body` standing for the argument
    effect: str  # what goes wrong, in a few words: the end of a finding's message


def family_of(code: str) -> "Family | None":
    """The family of a rule code (BFX9, about buffix's own comments, has none)."""
    return next((family for family in FAMILIES if code.startswith(family.code)), None)


BUFFER_CONSUMER = Family(
    "BFX1",
    "buffer-consumer",
    "needs the C buffer protocol, which no proxy provides: TypeError on every proxy",
    "pass body[:] (e.g. memoryview(body[:]), io.BytesIO(body[:]), hashlib.sha256(body[:]))",
    "a proxied body raises TypeError",
)
BINARY_WRITER = Family(
    "BFX2",
    "binary-writer",
    "writes or joins raw buffers: TypeError on every proxy",
    "write body[:] / join chunk[:] (e.g. f.write(body[:]), b''.join(c[:] for c in chunks))",
    "a proxied body raises TypeError",
)
REUPLOAD = Family(
    "BFX3",
    "re-upload",
    "HTTP clients send only real buffers: TypeError on every proxy",
    "send body[:] (e.g. requests.post(url, data=body[:]))",
    "a proxied body raises TypeError",
)
PROXY_DEPENDENT = Family(
    "BFX4",
    "proxy-dependent-conversion",
    "works only on proxies that forward __bytes__/__add__/__radd__ (wrapt-like), fails on getattr-only ones",
    "convert body[:] (e.g. bytes(body[:]), b'prefix' + body[:])",
    "needs a proxy that forwards __bytes__/__add__",
)
SLOW_COPY = Family(
    "BFX5",
    "slow-copy",
    "copies the body by iterating it int by int: 80-670x slower than a memcpy",
    "copy body[:] (e.g. bytearray(body[:]), array.array('B', body[:]))",
    "copied byte by byte from a proxy (80-670x slower)",
)
TYPE_CHECK = Family(
    "BFX6",
    "proxy-blind-type-check",
    "type(body) is bytes is always False and isinstance(body, bytes) lies True through a proxy",
    "test body[:] instead (type(body[:]) is bytes)",
    "wrong for a proxied body",
)

FAMILIES = (BUFFER_CONSUMER, BINARY_WRITER, REUPLOAD, PROXY_DEPENDENT, SLOW_COPY, TYPE_CHECK)
