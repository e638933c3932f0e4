"""Every client ACCESS PATH as data: how a program gets a response body from each HTTP client library.

`AccessPath.fetch(url, use=None) -> Fetched` downloads `url` the way an ordinary program would (library calls are
looked up at call time, so runtime hooks installed later take effect) and returns what the program saw:
`bodies` (one element for whole-body paths, the chunk list for streaming ones), `responses` (the response objects,
already closed or released exactly as the idiom leaves them) and `results` (`use(body)` for each body, called at the
moment the program sees it, i.e. while the response is still open; a raising `use` propagates out of `fetch`).
Paths whose library is missing are left out of `ACCESS_PATHS` (see `MISSING`).
"""

from __future__ import annotations

import asyncio
import importlib.util
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Tuple

TIMEOUT = 10.0  # seconds; the server is local, so anything slower is a hang
CHUNK = 64 * 1024  # chunk size for the streaming idioms that take one

Use = Optional[Callable[[Any], Any]]


@dataclass
class Fetched:
    """What one fetch gave the program."""

    bodies: List[Any] = field(default_factory=list)
    responses: List[Any] = field(default_factory=list)
    results: List[Any] = field(default_factory=list)
    use: Use = None

    def see(self, body: Any) -> Any:
        """Record one body the moment the program receives it."""
        self.bodies.append(body)
        if self.use is not None:
            self.results.append(self.use(body))
        return body


@dataclass(frozen=True)
class AccessPath:
    """One way to read a body: `name` (the idiom), `client` (import name), `streaming` (bodies are chunks)."""

    name: str
    client: str
    streaming: bool
    is_async: bool
    run: Callable[[str, Fetched], Any]  # does the download, calling out.see(body) for each body

    def fetch(self, url: str, use: Use = None) -> Fetched:
        out = Fetched(use=use)
        if self.is_async:
            asyncio.run(self.run(url, out))
        else:
            self.run(url, out)
        return out

    def __str__(self) -> str:
        return self.name


# -- requests ------------------------------------------------------------------------------------------------
def _requests_content(url: str, out: Fetched) -> None:
    import requests

    r = requests.get(url, timeout=TIMEOUT)
    out.responses.append(r)
    out.see(r.content)


def _requests_iter_content(url: str, out: Fetched) -> None:
    import requests

    with requests.get(url, stream=True, timeout=TIMEOUT) as r:
        out.responses.append(r)
        for chunk in r.iter_content(chunk_size=CHUNK):
            out.see(chunk)


def _requests_raw_read(url: str, out: Fetched) -> None:
    import requests

    with requests.get(url, stream=True, timeout=TIMEOUT) as r:
        out.responses.append(r)
        out.see(r.raw.read(decode_content=True))  # decode_content: the program wants the body, not gzip


# -- httpx ---------------------------------------------------------------------------------------------------
def _httpx_content(url: str, out: Fetched) -> None:
    import httpx

    r = httpx.get(url, timeout=TIMEOUT)
    out.responses.append(r)
    out.see(r.content)


def _httpx_read(url: str, out: Fetched) -> None:
    import httpx

    with httpx.Client(timeout=TIMEOUT) as client, client.stream("GET", url) as r:
        out.responses.append(r)
        out.see(r.read())


def _httpx_iter_bytes(url: str, out: Fetched) -> None:
    import httpx

    with httpx.Client(timeout=TIMEOUT) as client, client.stream("GET", url) as r:
        out.responses.append(r)
        for chunk in r.iter_bytes():
            out.see(chunk)


async def _httpx_async_content(url: str, out: Fetched) -> None:
    import httpx

    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        r = await client.get(url)
        out.responses.append(r)
        out.see(r.content)


async def _httpx_aread(url: str, out: Fetched) -> None:
    import httpx

    async with httpx.AsyncClient(timeout=TIMEOUT) as client, client.stream("GET", url) as r:
        out.responses.append(r)
        out.see(await r.aread())


async def _httpx_aiter_bytes(url: str, out: Fetched) -> None:
    import httpx

    async with httpx.AsyncClient(timeout=TIMEOUT) as client, client.stream("GET", url) as r:
        out.responses.append(r)
        async for chunk in r.aiter_bytes():
            out.see(chunk)


# -- aiohttp -------------------------------------------------------------------------------------------------
def _aiohttp_session():
    import aiohttp

    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT))


async def _aiohttp_read(url: str, out: Fetched) -> None:
    async with _aiohttp_session() as session, session.get(url) as r:
        out.responses.append(r)
        out.see(await r.read())


async def _aiohttp_content_read(url: str, out: Fetched) -> None:
    async with _aiohttp_session() as session, session.get(url) as r:
        out.responses.append(r)
        out.see(await r.content.read())


async def _aiohttp_iter_chunked(url: str, out: Fetched) -> None:
    async with _aiohttp_session() as session, session.get(url) as r:
        out.responses.append(r)
        async for chunk in r.content.iter_chunked(CHUNK):
            out.see(chunk)


async def _aiohttp_iter_any(url: str, out: Fetched) -> None:
    async with _aiohttp_session() as session, session.get(url) as r:
        out.responses.append(r)
        async for chunk in r.content.iter_any():
            out.see(chunk)


# -- urllib3 -------------------------------------------------------------------------------------------------
def _urllib3_pool():
    import urllib3

    # urllib3 sends no Accept-Encoding by itself; ask for gzip so its decoder is exercised like the others'.
    return urllib3.PoolManager(timeout=TIMEOUT, headers=urllib3.make_headers(accept_encoding=True))


def _urllib3_data(url: str, out: Fetched) -> None:
    with _urllib3_pool() as pool:
        r = pool.request("GET", url)
        out.responses.append(r)
        out.see(r.data)


def _urllib3_read(url: str, out: Fetched) -> None:
    with _urllib3_pool() as pool:
        r = pool.request("GET", url, preload_content=False)
        out.responses.append(r)
        out.see(r.read())
        r.release_conn()


def _urllib3_stream(url: str, out: Fetched) -> None:
    with _urllib3_pool() as pool:
        r = pool.request("GET", url, preload_content=False)
        out.responses.append(r)
        for chunk in r.stream(CHUNK):
            out.see(chunk)
        r.release_conn()


# -- urllib.request (http.client) ----------------------------------------------------------------------------
def _urlopen_read(url: str, out: Fetched) -> None:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as r:  # sends no Accept-Encoding: /gzip/ comes as identity
        out.responses.append(r)
        out.see(r.read())


_ALL: Tuple[AccessPath, ...] = (
    AccessPath("requests .content", "requests", False, False, _requests_content),
    AccessPath("requests iter_content(chunk_size)", "requests", True, False, _requests_iter_content),
    AccessPath("requests stream=True raw.read()", "requests", False, False, _requests_raw_read),
    AccessPath("httpx .content", "httpx", False, False, _httpx_content),
    AccessPath("httpx stream .read()", "httpx", False, False, _httpx_read),
    AccessPath("httpx stream iter_bytes()", "httpx", True, False, _httpx_iter_bytes),
    AccessPath("httpx async .content", "httpx", False, True, _httpx_async_content),
    AccessPath("httpx async stream aread()", "httpx", False, True, _httpx_aread),
    AccessPath("httpx async stream aiter_bytes()", "httpx", True, True, _httpx_aiter_bytes),
    AccessPath("aiohttp await resp.read()", "aiohttp", False, True, _aiohttp_read),
    AccessPath("aiohttp resp.content.read()", "aiohttp", False, True, _aiohttp_content_read),
    AccessPath("aiohttp content.iter_chunked(n)", "aiohttp", True, True, _aiohttp_iter_chunked),
    AccessPath("aiohttp content.iter_any()", "aiohttp", True, True, _aiohttp_iter_any),
    AccessPath("urllib3 .data", "urllib3", False, False, _urllib3_data),
    AccessPath("urllib3 preload_content=False .read()", "urllib3", False, False, _urllib3_read),
    AccessPath("urllib3 .stream(n)", "urllib3", True, False, _urllib3_stream),
    AccessPath("urllib.request urlopen().read()", "urllib", False, False, _urlopen_read),
)


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


ACCESS_PATHS: Tuple[AccessPath, ...] = tuple(p for p in _ALL if _installed(p.client))
MISSING: Tuple[AccessPath, ...] = tuple(p for p in _ALL if not _installed(p.client))
WHOLE_BODY_PATHS: Tuple[AccessPath, ...] = tuple(p for p in ACCESS_PATHS if not p.streaming)
STREAMING_PATHS: Tuple[AccessPath, ...] = tuple(p for p in ACCESS_PATHS if p.streaming)
CLIENTS: Tuple[str, ...] = tuple(dict.fromkeys(p.client for p in ACCESS_PATHS))


def access_path(name: str) -> AccessPath:
    """Look a path up by its name."""
    for path in ACCESS_PATHS:
        if path.name == name:
            return path
    raise KeyError(f"unknown access path {name!r}")
