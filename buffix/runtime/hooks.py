"""Where the runtime plugs into each client library: a catalog of hook points (data), and one small wrapper
factory per kind of hook point. Installing replaces class attributes; uninstalling puts the very same original
objects back (identity preserved), so a library looks exactly as if buffix had never been there.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import wrapt

from buffix.runtime.core import Runtime

DELETE = object()  # cache_empty value meaning "delete the attribute" (httpx tests `hasattr(self, "_content")`)


@dataclass(frozen=True)
class HookPoint:
    library: str  # the distribution a user would name ("requests", "httpx", ...)
    module: str
    owner: str  # class name inside `module`
    attribute: str
    kind: str  # one of WRAPPER_FACTORIES
    source: str = ""  # how findings and reports name the body ("requests Response.content")
    cache_attr: str = ""  # where the response keeps the body it returns again (cleared on release)
    cache_empty: Any = None
    related: Tuple[str, ...] = ()  # "link": attributes of the response that are its body streams
    linked: bool = False  # the hooked object is a stream; its bodies belong to the response linked to it


HOOK_POINTS: Tuple[HookPoint, ...] = (
    # requests: the body is cached in _content; raw.read() is urllib3's and hooked there
    HookPoint("requests", "requests.models", "Response", "content", "cached_property",
              "requests Response.content", "_content"),
    HookPoint("requests", "requests.models", "Response", "iter_content", "chunks", "requests Response.iter_content()"),
    HookPoint("requests", "requests.models", "Response", "close", "close"),
    # httpx, sync and async: the client closes the response itself right after reading it
    HookPoint("httpx", "httpx", "Response", "content", "cached_property", "httpx Response.content",
              "_content", DELETE),
    HookPoint("httpx", "httpx", "Response", "read", "cached_method", "httpx Response.read()", "_content", DELETE),
    HookPoint("httpx", "httpx", "Response", "aread", "cached_coroutine", "httpx Response.aread()", "_content", DELETE),
    HookPoint("httpx", "httpx", "Response", "iter_bytes", "chunks", "httpx Response.iter_bytes()"),
    HookPoint("httpx", "httpx", "Response", "iter_raw", "chunks", "httpx Response.iter_raw()"),
    HookPoint("httpx", "httpx", "Response", "aiter_bytes", "async_chunks", "httpx Response.aiter_bytes()"),
    HookPoint("httpx", "httpx", "Response", "aiter_raw", "async_chunks", "httpx Response.aiter_raw()"),
    HookPoint("httpx", "httpx", "Response", "close", "close"),
    HookPoint("httpx", "httpx", "Response", "aclose", "close"),
    # aiohttp: ClientResponse caches _body; resp.content is a StreamReader
    HookPoint("aiohttp", "aiohttp", "ClientResponse", "read", "cached_coroutine", "aiohttp ClientResponse.read()",
              "_body"),
    HookPoint("aiohttp", "aiohttp", "ClientResponse", "start", "link", related=("content",)),
    HookPoint("aiohttp", "aiohttp", "ClientResponse", "close", "close"),
    HookPoint("aiohttp", "aiohttp", "ClientResponse", "release", "close"),
    *(
        HookPoint("aiohttp", "aiohttp.streams", reader, method, kind, f"aiohttp resp.content.{method}()", linked=True)
        for reader, method, kind in (
            ("StreamReader", "read", "coroutine"),
            ("StreamReader", "readany", "coroutine"),
            ("StreamReader", "readexactly", "coroutine"),
            ("StreamReader", "iter_chunked", "async_chunks"),
            ("StreamReader", "iter_any", "async_chunks"),
            ("EmptyStreamReader", "read", "coroutine"),
            ("EmptyStreamReader", "readany", "coroutine"),
            ("EmptyStreamReader", "readexactly", "coroutine"),
        )
    ),
    # urllib3 (also what requests' `raw` is)
    HookPoint("urllib3", "urllib3.response", "HTTPResponse", "data", "cached_property", "urllib3 HTTPResponse.data",
              "_body"),
    HookPoint("urllib3", "urllib3.response", "HTTPResponse", "read", "method", "urllib3 HTTPResponse.read()"),
    HookPoint("urllib3", "urllib3.response", "HTTPResponse", "stream", "chunks", "urllib3 HTTPResponse.stream()"),
    HookPoint("urllib3", "urllib3.response", "HTTPResponse", "close", "close"),
    HookPoint("urllib3", "urllib3.response", "HTTPResponse", "readable", "c_reader_probe"),
    # boto3 / botocore: the program reads an S3 object's StreamingBody; botocore's own reads (of urllib3, and of
    # the body in a checksum check) are library reads by location
    *(
        HookPoint("botocore", module, owner, method, kind, f"botocore StreamingBody.{method}()")
        for module, owner, method, kind in (
            ("botocore.response", "StreamingBody", "read", "method"),
            ("botocore.response", "StreamingBody", "__next__", "method"),
            ("botocore.response", "StreamingBody", "iter_chunks", "chunks"),
            ("botocore.response", "StreamingBody", "iter_lines", "chunks"),
            ("botocore.response", "StreamingBody", "__iter__", "chunks"),
            ("botocore.response", "StreamingBody", "close", "close"),
            ("botocore.response", "StreamingBody", "__exit__", "close"),
            ("botocore.httpchecksum", "StreamingChecksumBody", "read", "method"),
        )
    ),
    # aiobotocore: the async twin (its reads of aiohttp are library reads)
    *(
        HookPoint("aiobotocore", module, owner, method, kind, f"aiobotocore StreamingBody.{method}()")
        for module, owner, method, kind in (
            ("aiobotocore.response", "AioStreamingBody", "read", "coroutine"),
            ("aiobotocore.response", "AioStreamingBodyBase", "__anext__", "coroutine"),
            ("aiobotocore.response", "AioStreamingBodyBase", "iter_chunks", "async_chunks"),
            ("aiobotocore.response", "AioStreamingBodyBase", "iter_lines", "async_chunks"),
            ("aiobotocore.response", "AioStreamingBodyBase", "__aiter__", "async_chunks"),
            ("aiobotocore.response", "AioStreamingBody", "close", "close"),
            ("aiobotocore.response", "AioStreamingBodyBase", "__aexit__", "close"),
            ("aiobotocore.httpchecksum", "_ChecksumMixin", "read", "coroutine"),
        )
    ),
    # urllib.request.urlopen(...) returns http.client.HTTPResponse; nothing is cached (a second read() is b"")
    HookPoint("urllib", "http.client", "HTTPResponse", "read", "method", "urlopen() HTTPResponse.read()"),
    HookPoint("urllib", "http.client", "HTTPResponse", "close", "close"),
    HookPoint("urllib", "http.client", "HTTPResponse", "readable", "c_reader_probe"),
)

# Code in these packages reads its own bodies; it gets the real body (see callsite.py).
LIBRARY_PACKAGES: Dict[str, Tuple[str, ...]] = {
    "requests": ("requests",),
    "httpx": ("httpx", "httpcore"),
    "aiohttp": ("aiohttp",),
    "urllib3": ("urllib3",),
    "botocore": ("botocore",),
    "aiobotocore": ("aiobotocore",),
    "urllib": (),  # the standard library is always library code
}

# Lazy installs wait for this module's import to finish (its package imports every hooked submodule).
IMPORT_TRIGGERS: Dict[str, str] = {
    "requests": "requests", "httpx": "httpx", "aiohttp": "aiohttp", "urllib3": "urllib3", "urllib": "http.client",
    "botocore": "botocore.httpchecksum", "aiobotocore": "aiobotocore.httpchecksum",  # each imports .response
}


# --- one wrapper factory per kind -----------------------------------------------------------------------------

def _clearer(point: HookPoint) -> Callable[[Any], None]:
    def clear(response: Any) -> None:
        if point.cache_empty is DELETE:
            vars(response).pop(point.cache_attr, None)
        else:
            setattr(response, point.cache_attr, point.cache_empty)

    return clear


def _cached_property(rt: Runtime, point: HookPoint, original: property) -> property:
    getter, clear = original.fget, _clearer(point)

    states, internal, classify = rt.states, rt.classifier.internal_cache, rt.classifier.is_internal_file

    def get_body(response: Any) -> Any:  # the hottest hook: guard and caller check inlined
        state = states.get(id(response))
        if state is not None and state.released:
            rt.guard(response, point.attribute)
        body = getter(response)
        filename = sys._getframe(1).f_code.co_filename
        if internal.get(filename) or (filename not in internal and classify(filename)):
            return body
        return rt.wrap(response, body, point.source, clear)

    return property(get_body, original.fset, original.fdel, original.__doc__)


def _reader(rt: Runtime, point: HookPoint, original: Callable[..., Any],
            adapt: Callable[[Any, Callable[[], Any]], Any]) -> Callable[..., Any]:
    """The shape every read hook shares: find the response the body belongs to, refuse a released one, and
    let the library call through untouched unless the program itself is asking; then `adapt(owner, call)`.

    It is a plain function even for coroutines: who is asking is decided where the call is written, not where
    the coroutine happens to be awaited (a task created by asyncio.gather runs from the event loop).
    """
    where, linked = point.attribute + "()", point.linked
    states, internal, classify = rt.states, rt.classifier.internal_cache, rt.classifier.is_internal_file

    @functools.wraps(original)
    def hooked(obj: Any, *args: Any, **kwargs: Any) -> Any:  # hot: the guard and the caller check are inlined
        owner = rt.owner_of(obj) if linked else obj
        if owner is None:  # a stream that belongs to no client response
            return original(obj, *args, **kwargs)
        state = states.get(id(owner))
        if state is not None and state.response_ref is not None and state.response_ref() is not owner:
            state = None  # left by a dead response whose id this one reuses (its death is not handled yet)
        if state is not None:
            if state.released:
                rt.guard(owner, where)
            if state.c_reader:
                return original(obj, *args, **kwargs)
        filename = sys._getframe(1).f_code.co_filename
        if internal.get(filename) or (filename not in internal and classify(filename)):
            return original(obj, *args, **kwargs)
        return adapt(owner, lambda: original(obj, *args, **kwargs))

    return hooked


def _method(rt: Runtime, point: HookPoint, original: Callable[..., Any]) -> Callable[..., Any]:
    clear = _clearer(point) if point.cache_attr else None
    return _reader(rt, point, original, lambda owner, call: rt.wrap(owner, rt.read(call), point.source, clear))


def _coroutine(rt: Runtime, point: HookPoint, original: Callable[..., Any]) -> Callable[..., Any]:
    clear = _clearer(point) if point.cache_attr else None

    async def wrapped(owner: Any, awaitable: Any) -> Any:
        return rt.wrap(owner, await rt.read_async(awaitable), point.source, clear)

    return _reader(rt, point, original, lambda owner, call: wrapped(owner, call()))


def _chunks(rt: Runtime, point: HookPoint, original: Callable[..., Any]) -> Callable[..., Any]:
    return _reader(rt, point, original, lambda owner, call: rt.chunks(owner, call(), point.source))


def _async_chunks(rt: Runtime, point: HookPoint, original: Callable[..., Any]) -> Callable[..., Any]:
    return _reader(rt, point, original, lambda owner, call: rt.achunks(owner, call(), point.source))


def _close(rt: Runtime, point: HookPoint, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def close(response: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(response, *args, **kwargs)
        rt.closed(response)
        return result

    return close


def _c_reader_probe(rt: Runtime, point: HookPoint, original: Callable[..., Any]) -> Callable[..., Any]:
    """io.BufferedReader and io.TextIOWrapper (C) ask `readable()` when they wrap a stream; asked from no Python
    library frame, that is a C reader taking over the reads, which are library reads (the real body)."""
    internal, classify = rt.classifier.internal_cache, rt.classifier.is_internal_file

    @functools.wraps(original)
    def readable(response: Any, *args: Any, **kwargs: Any) -> Any:
        filename = sys._getframe(1).f_code.co_filename
        if not (internal.get(filename) or (filename not in internal and classify(filename))):
            rt.read_by_c_reader(response)
        return original(response, *args, **kwargs)

    return readable


def _link(rt: Runtime, point: HookPoint, original: Callable[..., Any]) -> Callable[..., Any]:
    async def linked(response: Any, awaitable: Any) -> Any:
        result = await awaitable
        for name in point.related:
            stream = getattr(response, name, None)
            if stream is not None:
                rt.link(stream, response)
        return result

    @functools.wraps(original)
    def start(response: Any, *args: Any, **kwargs: Any) -> Any:
        return linked(response, original(response, *args, **kwargs))

    return start


WRAPPER_FACTORIES: Dict[str, Callable[[Runtime, HookPoint, Any], Any]] = {
    "cached_property": _cached_property,
    "cached_method": _method,
    "method": _method,
    "cached_coroutine": _coroutine,
    "coroutine": _coroutine,
    "chunks": _chunks,
    "async_chunks": _async_chunks,
    "close": _close,
    "link": _link,
    "c_reader_probe": _c_reader_probe,
}

_MISSING = object()


class Installer:
    """Applies and reverts HOOK_POINTS for the libraries that are importable.

    A lazy install hooks each library when the program imports it (wrapt's post-import hooks), so `buffix run`
    does not pay for importing aiohttp into a process that never uses it.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._patched: List[Tuple[type, str, Any]] = []  # (owner, attribute, original from owner.__dict__)
        self.libraries: Tuple[str, ...] = ()
        self._pending: Tuple[str, ...] = ()  # lazily awaited libraries
        self._generation = 0  # an uninstall turns hooks registered before it into no-ops

    @property
    def active(self) -> bool:
        return bool(self._patched or self._pending)

    def install(self, libraries: Optional[Tuple[str, ...]] = None, lazy: bool = False) -> Tuple[str, ...]:
        if self.active:
            return self.libraries
        wanted = libraries or tuple(LIBRARY_PACKAGES)
        for library in wanted:
            if library not in LIBRARY_PACKAGES:
                raise ValueError(f"unknown library {library!r}; expected one of {', '.join(LIBRARY_PACKAGES)}")
        for library in wanted:
            if lazy and IMPORT_TRIGGERS[library] not in sys.modules:
                self._pending += (library,)
                generation = self._generation
                wrapt.register_post_import_hook(
                    lambda _module, lib=library: self._imported(lib, generation), IMPORT_TRIGGERS[library]
                )
            elif self._install_library(library):
                self.libraries += (library,)
        return self.libraries

    def _imported(self, library: str, generation: int) -> None:
        if generation == self._generation and library in self._pending:
            self._pending = tuple(name for name in self._pending if name != library)
            if self._install_library(library):
                self.libraries += (library,)

    def _install_library(self, library: str) -> bool:
        points = [point for point in HOOK_POINTS if point.library == library]
        owners = {}
        for point in points:
            try:
                owners[point] = getattr(importlib.import_module(point.module), point.owner)
            except (ImportError, AttributeError):
                return False  # not installed (or an unknown version): skipped, not an error
        for package in LIBRARY_PACKAGES[library]:
            module = importlib.import_module(package)
            self.runtime.classifier.add_library_dirs([os.path.dirname(module.__file__ or "")])
        for point in points:
            owner = owners[point]
            original = vars(owner).get(point.attribute, _MISSING)
            current = original if original is not _MISSING else getattr(owner, point.attribute)
            setattr(owner, point.attribute, WRAPPER_FACTORIES[point.kind](self.runtime, point, current))
            self._patched.append((owner, point.attribute, original))
        return True

    def uninstall(self) -> None:
        for owner, attribute, original in reversed(self._patched):
            if original is _MISSING:
                delattr(owner, attribute)
            else:
                setattr(owner, attribute, original)
        self._patched = []
        self.libraries = ()
        self._pending = ()
        self._generation += 1
