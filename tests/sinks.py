"""The operations of the semantics failure table (docs/semantics.md) as data, grouped by what a proxy does to them.

Each `SinkOp` has `name` (the source spelling, `p` is the body), `sink` (the target of the sink catalog,
buffix.knowledge.sinks, it goes through: `builtins.memoryview`, `*.write`, `a + body`), `family` (the code prefix
of that sink's group, so the catalog decides it; None for FORWARDED_OPS), `payload` (the `tests.payloads` kind its
body must be; "binary" ops accept any bytes, though `p == body` compares with that payload), `needs` (an optional
module; skip when `op.available` is False) and `op(p)`: runs the operation on `p` and returns a comparable result.
The sink is the first thing applied to `p`, so `op(proxy)` fails exactly where the sink does, and `op(body)` /
`op(proxy[:])` give the reference result.
Re-upload ops post to `$BUFFIX_TEST_URL/echo` (the `server` fixture sets it).

  FAILING_OPS          BFX1 buffer consumers, BFX2 writers, BFX3 re-uploads: TypeError on every proxy
  PROXY_DEPENDENT_OPS  BFX4: work on wrapt-like proxies, fail on getattr-only (strict) ones
  SLOW_COPY_OPS        BFX5: work by iterating int by int
  FORWARDED_OPS        must keep working, with the reference result, on a wrapt-like proxy (family None)
"""

from __future__ import annotations

import array
import asyncio
import base64
import codecs
import gzip
import hashlib
import hmac
import importlib.util
import io
import json
import os
import pickle
import re
import socket
import struct
import tempfile
import threading
import urllib.request
import wave
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass
from typing import Any, Callable, Optional, Tuple

from buffix.knowledge.sinks import group_of
from tests import payloads

URL_ENV = "BUFFIX_TEST_URL"
HMAC_KEY = b"buffix-key"


@dataclass(frozen=True)
class SinkOp:
    """One operation on a body `p`; see the module docstring."""

    name: str
    family: Optional[str]  # None for FORWARDED_OPS
    payload: str
    op: Callable[[Any], Any]
    needs: Optional[str] = None
    sink: Optional[str] = None  # a target of buffix.knowledge.sinks

    @property
    def available(self) -> bool:
        return self.needs is None or importlib.util.find_spec(self.needs) is not None

    def __call__(self, p: Any) -> Any:
        return self.op(p)

    def __str__(self) -> str:
        return self.name


def echo_url() -> str:
    try:
        return os.environ[URL_ENV].rstrip("/") + "/echo"
    except KeyError:
        raise RuntimeError(f"re-upload ops need ${URL_ENV} (the test server's base URL)") from None


# -- ops needing more than one expression ------------------------------------------------------------------------
def _hash_update(p: Any) -> str:
    h = hashlib.sha256()
    h.update(p)
    return h.hexdigest()


def _file_write(p: Any) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "body.bin")
        with open(path, "wb") as f:
            f.write(p)
        with open(path, "rb") as f:
            return f.read()


def _os_write(p: Any) -> bytes:
    with tempfile.TemporaryFile() as f:
        fd = f.fileno()
        written = os.write(fd, p)
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, written + 1)


def _sendall(p: Any) -> bytes:
    a, b = socket.socketpair()
    received = []

    def drain() -> None:
        while True:
            data = b.recv(1 << 16)
            if not data:
                return
            received.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        with a:
            a.sendall(p)
    finally:  # a is closed: the reader sees EOF and ends before b closes
        reader.join(10)
        b.close()
    return b"".join(received)


def _bytesio_write(p: Any) -> bytes:
    buf = io.BytesIO()
    buf.write(p)
    return buf.getvalue()


def _wave_open(p: Any) -> Tuple[Any, bytes]:
    with wave.open(io.BytesIO(p)) as w:
        return tuple(w.getparams()), w.readframes(w.getnframes())


def _numpy_frombuffer(p: Any) -> bytes:
    import numpy

    return numpy.frombuffer(p, dtype=numpy.uint8).tobytes()


def _pil_open(p: Any) -> Tuple[Any, ...]:
    from PIL import Image

    with Image.open(io.BytesIO(p)) as im:
        return im.format, im.size, im.tobytes()


def _reply(body: Any) -> dict:
    # The echo reply may itself come back proxied under the runtime; [:] reads it safely either way.
    return json.loads(body[:])


def _requests_post(p: Any) -> dict:
    import requests

    return _reply(requests.post(echo_url(), data=p, timeout=10).content)


def _httpx_post(p: Any) -> dict:
    import httpx

    return _reply(httpx.post(echo_url(), content=p, timeout=10).content)


def _urlopen_post(p: Any) -> dict:
    request = urllib.request.Request(echo_url(), data=p, headers={"Content-Type": "application/octet-stream"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return _reply(r.read())


def _aiohttp_post(p: Any) -> dict:
    import aiohttp

    async def post() -> dict:
        async with aiohttp.ClientSession() as session, session.post(echo_url(), data=p) as r:
            return _reply(await r.read())

    return asyncio.run(post())


def _op(name: str, sink: str, payload: str, op: Callable[[Any], Any], needs: Optional[str] = None) -> SinkOp:
    """An op through the catalog's `sink`: its family is that sink group's."""
    return SinkOp(name, group_of(sink).code[:4], payload, op, needs, sink)


def _forwarded(name: str, payload: str, op: Callable[[Any], Any], needs: Optional[str] = None,
               sink: Optional[str] = None) -> SinkOp:
    """An op a wrapt-like proxy forwards (family None), measuring the catalog's `sink` when it names one."""
    return SinkOp(name, None, payload, op, needs, sink)


FAILING_OPS: Tuple[SinkOp, ...] = (
    # BFX1: buffer consumers
    _op("memoryview(p)", "builtins.memoryview", "binary", lambda p: bytes(memoryview(p))),
    _op("io.BytesIO(p)", "io.BytesIO", "binary", lambda p: io.BytesIO(p).read()),
    _op("base64.b64encode(p)", "base64.b64encode", "binary", lambda p: base64.b64encode(p)),
    _op("base64.b64decode(p)", "base64.b64decode", "base64", lambda p: base64.b64decode(p)),
    _op("hashlib.sha256(p)", "hashlib.sha256", "binary", lambda p: hashlib.sha256(p).hexdigest()),
    _op("h.update(p)", "*.update", "binary", _hash_update),
    _op("hmac.new(k, p, 'sha256')", "hmac.new", "binary", lambda p: hmac.new(HMAC_KEY, p, "sha256").hexdigest()),
    _op("hmac.compare_digest(p, p[:])", "hmac.compare_digest", "binary", lambda p: hmac.compare_digest(p, p[:])),
    _op("zlib.crc32(p)", "zlib.crc32", "binary", lambda p: zlib.crc32(p)),
    _op("zlib.decompress(p)", "zlib.decompress", "zlibdata", lambda p: zlib.decompress(p)),
    _op("gzip.decompress(p)", "gzip.decompress", "gzipdata", lambda p: gzip.decompress(p)),
    _op("struct.unpack_from('>IHB', p)", "struct.unpack_from", "struct", lambda p: struct.unpack_from(">IHB", p)),
    _op("numpy.frombuffer(p, dtype=uint8)", "numpy.frombuffer", "binary", _numpy_frombuffer, needs="numpy"),
    _op("str(p, 'utf-8')", "builtins.str", "text", lambda p: str(p, "utf-8")),
    _op("codecs.decode(p, 'utf-8')", "codecs.decode", "text", lambda p: codecs.decode(p, "utf-8")),
    _op("codecs.getincrementaldecoder('latin-1')().decode(p)", "codecs.IncrementalDecoder.decode", "text",
        lambda p: codecs.getincrementaldecoder("latin-1")().decode(p)),
    _op("pickle.loads(p)", "pickle.loads", "pickle", lambda p: pickle.loads(p)),
    _op("ET.fromstring(p)", "xml.etree.ElementTree.fromstring", "xml", lambda p: ET.tostring(ET.fromstring(p))),
    _op("re.match(rb'...', p, re.S)", "re.match", "binary", lambda p: re.match(rb"(.)(.{3})", p, re.S).groups()),
    _op("wave.open(io.BytesIO(p))", "io.BytesIO", "wav", _wave_open),
    _op("PIL.Image.open(io.BytesIO(p))", "io.BytesIO", "bmp", _pil_open, needs="PIL"),
    # BFX2: binary writers
    _op("open(path, 'wb').write(p)", "*.write", "binary", _file_write),
    _op("os.write(fd, p)", "os.write", "binary", _os_write),
    _op("sock.sendall(p)", "*.sendall", "binary", _sendall),
    _op("BytesIO().write(p)", "*.write", "binary", _bytesio_write),
    _op('b"".join([p, p])', "*.join", "binary", lambda p: b"".join([p, p])),
    # BFX3: re-uploads
    _op("requests.post(url, data=p)", "requests.post", "binary", _requests_post, needs="requests"),
    _op("httpx.post(url, content=p)", "httpx.post", "binary", _httpx_post, needs="httpx"),
    _op("urlopen(Request(url, data=p))", "urllib.request.Request", "binary", _urlopen_post),
)

PROXY_DEPENDENT_OPS: Tuple[SinkOp, ...] = (
    _op("bytes(p)", "builtins.bytes", "binary", lambda p: bytes(p)),
    _op('b"x" + p', "a + body", "binary", lambda p: b"x" + p),
    _op('p + b"x"', "a + body", "binary", lambda p: p + b"x"),
)

SLOW_COPY_OPS: Tuple[SinkOp, ...] = (
    _op("bytearray(p)", "builtins.bytearray", "binary", lambda p: bytearray(p)),
    _op("array.array('B', p)", "array.array", "binary", lambda p: array.array("B", p).tobytes()),
)

_BINARY = payloads.payload("binary")
_TEXT = payloads.payload("text")

FORWARDED_OPS: Tuple[SinkOp, ...] = (
    _forwarded("len(p)", "binary", lambda p: len(p)),
    _forwarded("p[0]", "binary", lambda p: p[0]),
    _forwarded("p[:]", "binary", lambda p: p[:]),
    _forwarded("p[1:5]", "binary", lambda p: p[1:5]),
    _forwarded("b'fox' in p", "text", lambda p: b"fox" in p),
    _forwarded("p == body", "binary", lambda p: p == _BINARY),
    _forwarded("p != body", "binary", lambda p: p != _BINARY),
    _forwarded("hash(p)", "binary", lambda p: hash(p)),
    _forwarded("bool(p)", "binary", lambda p: bool(p)),
    _forwarded("p.decode()", "text", lambda p: p.decode()),
    _forwarded("p.startswith(prefix)", "text", lambda p: p.startswith(_TEXT[:6])),
    _forwarded("p.hex()", "binary", lambda p: p.hex()),
    _forwarded("int.from_bytes(p, 'big')", "binary", lambda p: int.from_bytes(p, "big")),
    _forwarded("json.loads(p)", "json", lambda p: json.loads(p)),
    _forwarded("isinstance(p, bytes)", "binary", lambda p: isinstance(p, bytes), sink="isinstance(body, bytes)"),
    # Measured: aiohttp uploads work through a wrapt-like proxy, because aiohttp slices the body itself
    # (BytesPayload.write_with_length writes value[:content_length]) after an isinstance check the proxy passes.
    _forwarded("aiohttp session.post(url, data=p)", "binary", _aiohttp_post, needs="aiohttp",
               sink="aiohttp.ClientSession.post"),
)

ALL_OPS: Tuple[SinkOp, ...] = FAILING_OPS + PROXY_DEPENDENT_OPS + SLOW_COPY_OPS + FORWARDED_OPS


def sink_op(name: str) -> SinkOp:
    """Look an op up by its name."""
    for op in ALL_OPS:
        if op.name == name:
            return op
    raise KeyError(f"unknown sink op {name!r}")
