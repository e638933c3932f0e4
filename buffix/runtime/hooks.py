"""Where the runtime plugs into each client library: the hook points of the library files
(buffix/knowledge/libraries/), and one small wrapper factory per kind of hook point. Installing replaces class
attributes; uninstalling puts the very same original objects back (identity preserved), so a library looks exactly as
if buffix had never been there.
"""

from __future__ import annotations

import asyncio.coroutines
import functools
import importlib
import inspect
import os
import sys
from typing import Any, Callable, Dict, List, Optional, Tuple

import wrapt

from buffix.knowledge.libraries import all_hooks
from buffix.knowledge.model import DELETE, HookPoint
from buffix.runtime.core import READING, Runtime
from buffix.runtime.registry import Site

# The hook points are the library files' (buffix/knowledge/libraries/): the order there is the install order.
HOOK_POINTS: Tuple[HookPoint, ...] = tuple(point for hooks in all_hooks() for point in hooks.points)

# Code in these packages reads its own bodies; it gets the real body (see callsite.py).
LIBRARY_PACKAGES: Dict[str, Tuple[str, ...]] = {hooks.library: hooks.packages for hooks in all_hooks()}

# Lazy installs wait for this module's import to finish (its package imports every hooked submodule).
IMPORT_TRIGGERS: Dict[str, str] = {hooks.library: hooks.trigger for hooks in all_hooks()}


# --- one wrapper factory per kind -----------------------------------------------------------------------------

def _like(original: Any, wrapper: Any) -> Any:
    """A hook of a coroutine function is a plain function returning a coroutine: mark it a coroutine function, so
    introspection answers as it did (mock's autospec of an `async def` is awaitable; aiohttp's test_proxy)."""
    if inspect.iscoroutinefunction(original):
        mark = getattr(inspect, "markcoroutinefunction", None)  # 3.12+
        if mark is not None:
            return mark(wrapper)
        wrapper._is_coroutine = asyncio.coroutines._is_coroutine  # type: ignore[attr-defined]  # before 3.12
    return wrapper


def _clearer(point: HookPoint) -> Callable[[Any], None]:
    def clear(response: Any) -> None:
        if point.cache_empty is DELETE:
            vars(response).pop(point.cache_attr, None)
        else:
            setattr(response, point.cache_attr, point.cache_empty)

    return clear


def _cached_property(rt: Runtime, point: HookPoint, original: property) -> property:
    getter, clear = original.fget, _clearer(point)
    assert getter is not None  # a hooked body attribute is a readable property

    states, internal, classify = rt.states, rt.classifier.internal_cache, rt.classifier.is_internal_frame
    wrap, source = rt.wrap, point.source

    def get_body(response: Any) -> Any:  # the hottest hook: guard and caller check inlined
        if rt.released_any:  # (until a release, no state can refuse: the lookup is skipped)
            state = states.get(id(response))
            if state is not None and state.released:
                rt.guard(response, point.attribute)
        body = getter(response)
        frame = sys._getframe(1)
        library = internal.get(frame.f_code.co_filename)  # one lookup: None until the file is classified
        if library is None:
            library = classify(frame)
        if library:
            return body
        return wrap(response, body, source, clear, frame)

    return property(get_body, original.fset, original.fdel, original.__doc__)


def _reader(rt: Runtime, point: HookPoint, original: Callable[..., Any],
            adapt: Optional[Callable[[Any, Any, Site], Any]]) -> Callable[..., Any]:
    """The shape every read hook shares: find the response the body belongs to, refuse a released one, and
    let the library call through untouched unless the program itself is asking; then `adapt(owner, made, site)`
    with what the library's call returned (a coroutine or an iterator: nothing is read yet) and `site`, where the
    program asked, kept as code and instruction offset. No `adapt`: a plain read whose result is wrapped.

    It is a plain function even for coroutines: who is asking is decided where the call is written, not where
    the coroutine happens to be awaited (a task created by asyncio.gather runs from the event loop).
    """
    where, linked, source = point.attribute + "()", point.linked, point.source
    clear = _clearer(point) if point.cache_attr else None
    states, internal, classify = rt.states, rt.classifier.internal_cache, rt.classifier.is_internal_frame
    wrap, reading = rt.wrap, READING

    if adapt is None and _takes_an_amount(original):
        # `read(self, amt=None)` (http.client's, botocore's): hooked with that very signature, so a call packs no
        # *args, **kwargs (a dict per call). The same steps as `hooked` below, which an extra call would cost.
        @functools.wraps(original)
        def read(obj: Any, amt: Any = None) -> Any:
            owner = rt.owner_of(obj) if linked else obj
            if owner is None:
                return original(obj) if amt is None else original(obj, amt)
            state = states.get(id(owner))
            if state is not None and state() is not owner:
                state = None
            if state is not None:
                if state.released:
                    rt.guard(owner, where)
                if state.c_reader:
                    return original(obj) if amt is None else original(obj, amt)
            frame = sys._getframe(1)
            library = internal.get(frame.f_code.co_filename)
            if library is None:
                library = classify(frame)
            if library:
                return original(obj) if amt is None else original(obj, amt)
            if state is None:
                body = original(obj) if amt is None else original(obj, amt)
            else:
                token = reading.set(True)
                try:
                    body = original(obj) if amt is None else original(obj, amt)
                finally:
                    reading.reset(token)
            return wrap(owner, body, source, clear, frame, None, state)

        return read

    @functools.wraps(original)
    # hot: the guard and the caller check are inlined; a call without arguments is forwarded as one (unpacking an
    # empty *args, **kwargs costs more than the rest of the check)
    def hooked(obj: Any, *args: Any, **kwargs: Any) -> Any:
        owner = rt.owner_of(obj) if linked else obj
        if owner is None:  # a stream that belongs to no client response
            return original(obj, *args, **kwargs) if args or kwargs else original(obj)
        state = states.get(id(owner))
        if state is not None and state() is not owner:
            state = None  # left by a dead response whose id this one reuses (its death is not handled yet)
        if state is not None:
            if state.released:
                rt.guard(owner, where)
            if state.c_reader:
                return original(obj, *args, **kwargs) if args or kwargs else original(obj)
        frame = sys._getframe(1)
        library = internal.get(frame.f_code.co_filename)  # (as in _cached_property)
        if library is None:
            library = classify(frame)
        if library:
            return original(obj, *args, **kwargs) if args or kwargs else original(obj)
        if adapt is not None:
            return adapt(owner, original(obj, *args, **kwargs), (frame.f_code, frame.f_lasti))
        if state is None:  # a close during the read finds no state either: the flag would change nothing
            body = original(obj, *args, **kwargs) if args or kwargs else original(obj)
        else:
            token = reading.set(True)
            try:
                body = original(obj, *args, **kwargs) if args or kwargs else original(obj)
            finally:
                reading.reset(token)
        return wrap(owner, body, source, clear, frame, None, state)

    return _like(original, hooked)


def _method(rt: Runtime, point: HookPoint, original: Callable[..., Any]) -> Callable[..., Any]:
    return _reader(rt, point, original, None)


def _coroutine(rt: Runtime, point: HookPoint, original: Callable[..., Any]) -> Callable[..., Any]:
    clear, source, wrap = _clearer(point) if point.cache_attr else None, point.source, rt.wrap

    async def read(owner: Any, awaitable: Any, site: Site) -> Any:
        token = READING.set(True)
        try:
            body = await awaitable
        finally:
            READING.reset(token)
        return wrap(owner, body, source, clear, site=site)

    return _reader(rt, point, original, read)


def _chunks(rt: Runtime, point: HookPoint, original: Callable[..., Any]) -> Callable[..., Any]:
    return _reader(rt, point, original, lambda owner, made, site: rt.chunks(owner, made, point.source, site))


def _async_chunks(rt: Runtime, point: HookPoint, original: Callable[..., Any]) -> Callable[..., Any]:
    return _reader(rt, point, original, lambda owner, made, site: rt.achunks(owner, made, point.source, site))


def _close(rt: Runtime, point: HookPoint, original: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(original):  # httpx's aclose(), aiobotocore's __aexit__
        return _async_close(rt, original)

    states = rt.states

    if _takes_only_self(original):  # every close() hooked today: no *args, **kwargs to pack (a dict per call)
        @functools.wraps(original)
        def close_only(response: Any) -> Any:
            result = original(response)
            # io.IOBase's finalizer sets `_finalizing` before it calls close(): that is the response being collected
            # (handled by its state's death), not the program closing it (`is True`: a class whose __getattr__
            # answers any name says nothing). A response never read through a hook has no state: nothing to do
            if getattr(response, "_finalizing", False) is not True and states.get(id(response)) is not None:
                rt.closed(response)
            return result

        return _like(original, close_only)

    @functools.wraps(original)
    def close(response: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(response, *args, **kwargs) if args or kwargs else original(response)
        if getattr(response, "_finalizing", False) is not True and states.get(id(response)) is not None:  # (above)
            rt.closed(response)
        return result

    return _like(original, close)


def _takes_only_self(function: Any) -> bool:
    """A plain Python function whose one parameter is positional (`def close(self)`)."""
    code = getattr(function, "__code__", None)
    return (code is not None and code.co_argcount == 1 and not code.co_kwonlyargcount
            and not code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS))


def _takes_an_amount(function: Any) -> bool:
    """A plain Python function shaped `def read(self, amt=None)`: the name too, so a keyword call binds alike."""
    code = getattr(function, "__code__", None)
    return (code is not None and code.co_argcount == 2 and code.co_varnames[1] == "amt"
            and function.__defaults__ == (None,) and not code.co_kwonlyargcount
            and not code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS))


def _async_close(rt: Runtime, original: Callable[..., Any]) -> Callable[..., Any]:
    """An async close closes when it is awaited, not when its coroutine is made: the close is recorded once the
    awaited close returns (a coroutine never awaited closes nothing), at the site where the program called it
    (looked up at the call: once awaited, the stack above is the event loop's)."""

    async def closing(response: Any, args: Any, kwargs: Any, site: Site) -> Any:
        # the library's coroutine is made here, when awaited: one never awaited is never made (no second
        # "never awaited" warning), and this one's warning names the library's close as it would
        result = await original(response, *args, **kwargs)
        rt.closed(response, site)
        return result

    closing.__name__, closing.__qualname__ = original.__name__, original.__qualname__

    @functools.wraps(original)
    def aclose(response: Any, *args: Any, **kwargs: Any) -> Any:
        if READING.get():  # the client closing its own response mid-read
            return original(response, *args, **kwargs)
        return closing(response, args, kwargs, rt.classifier.program_frame(2))

    return _like(original, aclose)


def _c_reader_probe(rt: Runtime, point: HookPoint, original: Callable[..., Any]) -> Callable[..., Any]:
    """io.BufferedReader and io.TextIOWrapper (C) ask `readable()` when they wrap a stream; asked from no Python
    library frame, that is a C reader taking over the reads, which are library reads (the real body)."""
    internal, classify = rt.classifier.internal_cache, rt.classifier.is_internal_frame

    @functools.wraps(original)
    def readable(response: Any, *args: Any, **kwargs: Any) -> Any:
        frame = sys._getframe(1)
        filename = frame.f_code.co_filename
        if not (internal.get(filename) or (filename not in internal and classify(frame))):
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

    return _like(original, start)


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
                wrapt.register_post_import_hook(self._waiting(library, self._generation), IMPORT_TRIGGERS[library])
            elif self._install_library(library):
                self.libraries += (library,)
        return self.libraries

    def _waiting(self, library: str, generation: int) -> Callable[[Any], None]:
        return lambda _module: self._imported(library, generation)

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
