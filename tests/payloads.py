"""Expected bytes for every endpoint of the test server: the one place both the server and the tests read.

`body(n)` is what `/bytes/<n>`, `/chunked/<n>` and `/gzip/<n>` deliver (after decoding); `payload(kind)` is what
`/payload/<kind>` delivers; `expected(path)` maps any such path to its bytes.  Everything is deterministic
(no clock, no randomness), so a test can compare a download against it byte for byte.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import io
import json
import pickle
import struct
import wave
import zlib
from typing import Dict, Tuple

KIB = 1024
MIB = 1024 * KIB
SIZES: Tuple[int, ...] = (0, KIB, MIB, 5 * MIB, 50 * MIB)  # the body sizes the runtime tests use
MAX_BODY = 64 * MIB  # larger requests are refused, so a typo cannot eat the machine's memory

_SEED = b"buffix test body"


@functools.lru_cache(maxsize=8)
def body(n: int) -> bytes:
    """`n` deterministic, non-repeating bytes (SHAKE-128 stream: ~0.15 s for 50 MiB, cached)."""
    if not 0 <= n <= MAX_BODY:
        raise ValueError(f"body size {n} outside 0..{MAX_BODY}")
    return hashlib.shake_128(_SEED).digest(n)


@functools.lru_cache(maxsize=8)
def gzip_body(n: int) -> bytes:
    """`body(n)` gzip-compressed, as `/gzip/<n>` sends it on the wire (level 1: the body is incompressible anyway)."""
    return gzip.compress(body(n), compresslevel=1, mtime=0)


def chunk_sizes(n: int) -> Tuple[int, ...]:
    """How `/chunked/<n>` splits its body: four chunks for small bodies, 64 KiB chunks for large ones."""
    if n == 0:
        return ()
    size = min(64 * KIB, max(1, -(-n // 4)))
    full, rest = divmod(n, size)
    return (size,) * full + ((rest,) if rest else ())


# Structured payloads: each is what a sink in tests/sinks.py parses.
TEXT = ("buffix test text: the quick brown fox jumps over the lazy dog.\n" * 64).encode("ascii")
STRUCT_FIELDS = (0xDEADBEEF, 0x0102, 0x7F)  # struct.unpack_from(">IHB", payload("struct"))
JSON_OBJECT = {"name": "buffix", "sizes": list(SIZES[:3]), "nested": {"ok": True, "ratio": 0.5}, "text": "héllo"}
PICKLE_OBJECT = {"name": "buffix", "numbers": [1, 2, 3], "blob": b"\x00\x01\x02", "tuple": (1.5, None)}
WAV_PARAMS = (1, 2, 8000, 64)  # channels, sample width, frame rate, frame count
BMP_SIZE = (2, 2)  # a tiny 24-bit BMP, for PIL when it is installed


def _wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        channels, width, rate, frames = WAV_PARAMS
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", (i * 997) % 65536 - 32768) for i in range(frames)))
    return out.getvalue()


def _bmp() -> bytes:
    width, height = BMP_SIZE
    row = bytes(range(3 * width)) + b"\0" * (-3 * width % 4)  # rows are padded to 4 bytes
    pixels = row * height
    header = b"BM" + struct.pack("<IHHI", 54 + len(pixels), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return header + info + pixels


def _xml() -> bytes:
    items = "".join(f'<item id="{i}">value {i}</item>' for i in range(16))
    return f'<?xml version="1.0" encoding="utf-8"?><root kind="buffix">{items}</root>'.encode("utf-8")


PAYLOADS: Dict[str, bytes] = {
    "binary": body(KIB),  # any bytes body will do (generic buffer sinks)
    "text": TEXT,  # valid UTF-8 (ASCII)
    "gzipdata": gzip.compress(TEXT, mtime=0),  # gzip bytes served without Content-Encoding
    "zlibdata": zlib.compress(TEXT),
    "pickle": pickle.dumps(PICKLE_OBJECT, protocol=4),
    "xml": _xml(),
    "wav": _wav(),
    "bmp": _bmp(),
    "struct": struct.pack(">IHB", *STRUCT_FIELDS) + b"trailing bytes",
    "base64": base64.b64encode(body(768)),  # ASCII base64 text
    "json": json.dumps(JSON_OBJECT).encode("utf-8"),
}
PAYLOAD_KINDS: Tuple[str, ...] = tuple(PAYLOADS)


def payload(kind: str) -> bytes:
    """The body of `/payload/<kind>`; KeyError names the known kinds."""
    try:
        return PAYLOADS[kind]
    except KeyError:
        raise KeyError(f"unknown payload kind {kind!r}; known: {', '.join(PAYLOAD_KINDS)}") from None


def expected(path: str) -> bytes:
    """The bytes a client sees (after content decoding) for a GET of `path`, e.g. "/gzip/1024"."""
    parts = path.split("?", 1)[0].strip("/").split("/")
    if len(parts) == 2 and parts[0] in ("bytes", "chunked", "gzip"):
        return body(int(parts[1]))
    if len(parts) == 2 and parts[0] == "payload":
        return payload(parts[1])
    raise ValueError(f"no expected body for path {path!r}")


def echo_reply(data: bytes) -> dict:
    """What `POST /echo` answers (as JSON) for a request body `data`."""
    return {"sha256": hashlib.sha256(data).hexdigest(), "length": len(data)}
