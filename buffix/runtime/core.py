"""The runtime: hands each program a tracking proxy of every response body and accounts for it until it is gone.

Hooks (buffix.runtime.hooks) call in here; this module knows no client library.
"""

from __future__ import annotations

import contextvars
import gc
import sys
import threading
import time
import weakref
from types import FrameType
from typing import Any, AsyncIterator, Callable, Dict, Iterator, Optional, cast

from buffix.runtime.callsite import CallerClassifier
from buffix.runtime.proxy import (
    BodyProxy,
    BodyReleasedError,
    BufferBodyProxy,
    ObserveBodyProxy,
    StrictBodyProxy,
    release_proxy,
    set_wrapped,
)
from buffix.runtime.registry import (
    FINALIZED,
    UNWATCHED,
    BodyRecord,
    Registry,
    ResponseState,
    Site,
    Stats,
    site_text,
)
from buffix.runtime.settings import RuntimeUnavailable, Settings

BODY_TYPES = (bytes, bytearray)
_new_proxy = BodyProxy.__new__  # wrapt's C __new__, shared by every proxy class
_set_wrapped = set_wrapped

LOOK_UP: Any = object()  # wrap(): no state was looked up for the response before the read

# Set while a hooked read is running: a client that closes its own response mid-read (httpx at the end of the
# stream, aiohttp on EOF) is not the program closing it.
READING: contextvars.ContextVar[bool] = contextvars.ContextVar("buffix_reading", default=False)


class Runtime:
    def __init__(self) -> None:
        self.registry = Registry()
        self.classifier = CallerClassifier()
        self.states: Dict[int, ResponseState] = {}
        self._links: Dict[int, weakref.ref] = {}  # id(stream) -> the response it belongs to (aiohttp's content)
        self._last_collect = float("-inf")  # the first large release always collects
        self._collect_lock = threading.Lock()
        self.observer: Any = None  # observe mode's recorder (buffix.runtime.observe)
        self._finalize = self._finalized  # one bound method for every state (not a new one per response)
        # set by the first release: until then no state is released, so the cached-property hook skips its guard
        self.released_any = False
        self.configure(Settings())

    # --- configuration -------------------------------------------------------------------------------------
    def configure(self, settings: Settings) -> None:
        if settings.buffer_export and sys.version_info < (3, 12):
            raise RuntimeUnavailable(
                "buffer-export (root-cause) mode needs Python 3.12+ (PEP 688 __buffer__); "
                f"this is Python {sys.version_info.major}.{sys.version_info.minor}"
            )
        self.settings = settings
        self._last_collect = float("-inf")  # a new configuration starts a new collection interval
        self.classifier.set_proxy_libraries(settings.proxy_libraries)
        BodyProxy.slow_copy_warn_bytes = settings.slow_copy_warn_bytes
        if settings.observe:
            from buffix.runtime.observe import Observer

            if self.observer is None or self.observer.output != settings.observe:
                self.observer = Observer(self, settings.observe)
            ObserveBodyProxy.observer = self.observer
            self._proxy_class: type = ObserveBodyProxy
        elif settings.buffer_export:
            self._proxy_class = BufferBodyProxy
        else:
            self._proxy_class = StrictBodyProxy if settings.profile == "strict" else BodyProxy

    @property
    def proxy_class(self) -> type:
        return self._proxy_class

    def stats(self) -> Stats:
        """Exact: every body whose proxies are gone is retired first."""
        registry = self.registry
        registry.drain()
        with registry.lock:
            # the last body read from each live response is left to the response's next body or death (wrap: a
            # response read once puts nothing on `Registry.unheld`), so it is looked at here; snapshot() sweeps
            # `unheld` for the others
            for state in self.states.values():
                last = state.last
                if last is not None and last.live and not last.proxies and last() is None:
                    registry.retire(last)
            return registry.snapshot()

    # --- response state ------------------------------------------------------------------------------------
    def link(self, stream: Any, response: Any) -> None:
        """Bodies read from `stream` belong to `response` (which holds the stream, so it outlives the link)."""
        key = id(stream)
        links = self._links

        def unlink(ref: weakref.ref) -> None:
            if links.get(key) is ref:  # not a newer stream that took the same id
                del links[key]

        self.registry.drain()
        links[key] = self.registry.watch(response, unlink)

    def owner_of(self, stream: Any) -> Any:
        ref = self._links.get(id(stream))
        return ref() if ref is not None else None

    def read_by_c_reader(self, response: Any) -> None:
        """A C reader (io.BufferedReader, io.TextIOWrapper) wraps `response`: it reads the real body from now on.
        It has no Python frame to classify, so its probe of `readable()` is what tells."""
        registry = self.registry
        registry.drain()
        with registry.lock:
            state = self.states.get(id(response))
            if state is None:
                state = registry.new_state(response, id(response), self._finalize, None, self.states)
            state.c_reader = True

    def guard(self, response: Any, operation: str) -> None:
        """Refuse any access through a response whose body was released."""
        self.registry.drain()  # a state left by a dead response that had the same id is gone after this
        state = self.states.get(id(response))
        if state is not None and state.released:
            bodies = state.bodies()
            if bodies:  # (a state a C reader made, released while it had no body, has nothing to refuse)
                raise BodyReleasedError(bodies[0], operation)

    # --- wrapping ------------------------------------------------------------------------------------------
    def wrap(self, response: Any, body: Any, source: str, clear_cache: Optional[Callable[[Any], None]] = None,
             frame: Optional[FrameType] = None, site: Optional[Site] = None, known: Any = LOOK_UP) -> Any:
        """Proxy `body` for the program. With `clear_cache` the response keeps the body (repeated reads return
        the same object, so the same proxy is handed out again while the program holds one). `frame` (the
        program frame asking) or `site` saves looking for the program frame when the body is new. `known` is the
        response's state (or None) that a read hook looked up before the read: it stands in for this lookup, as
        nothing but that read, by the thread reading the stream, gives the response a state in between.

        This is the per-body hot path: one lock (the deaths since the last call are handled under it too), the new
        body's record and its response's state built here, no helper call it can avoid."""
        if type(body) not in BODY_TYPES:
            return body
        registry = self.registry
        key = id(response)
        lock = registry.lock
        lock.acquire()  # not `with`: it binds two methods per use, and this runs for every body
        try:
            if registry.dead:  # first the deaths since the last call: a dead response's state must not be reused
                registry.drain_locked()
            state = self.states.get(key) if known is LOOK_UP else known
            if state is not None and state() is not response:
                state = None  # a dead response's, whose id this one took before its death was drained: not reused
            watched = True  # (a state in `states` follows its response)
            if state is None:  # a fresh response (Registry.new_state, inlined)
                try:
                    state = ResponseState(response, registry._died)
                except TypeError:  # it cannot be weakly referenced: followed by nothing, never closed
                    state, watched = ResponseState(UNWATCHED), False
                state.handler = self._finalize  # type: ignore[assignment]
                state.key = key
                state.records = ()
                state.last = state.cached = state.closed_at = None
                state.released = state.c_reader = False
                state.clear_cache = clear_cache
                if watched:  # last: the hooks read `states` without the lock, so they must never see half a state
                    self.states[key] = state
            elif clear_cache is not None:
                record = state.cached
                if record is not None:
                    if record.body_id == id(body) and not record.released:
                        return self._again(state, record, body)
                    record.cached_by = None  # the response caches another body now
                    state.keep(record)
                if state.clear_cache is None:
                    state.clear_cache = clear_cache
            else:
                previous = state.last  # the body read from this response before this one
                if previous is not None and previous.live:
                    if previous() is None and not previous.proxies:  # gone already: nothing is left to account
                        registry.retire(previous)
                    else:  # no longer the last body read from it: its death is found by a sweep
                        registry.unheld.append(previous)
                        state.keep(previous)
            if frame is not None:
                site = (frame.f_code, frame.f_lasti)
            elif site is None:
                site = self.classifier.program_frame(2)
            proxy: Any = _new_proxy(self._proxy_class)
            _set_wrapped(proxy, body)  # not cls(body): wrapt's __init__ raises and clears an AttributeError (~1 us)
            record = BodyRecord(proxy)  # itself the weak reference to its first proxy
            proxy._self_record = record  # (a plain store: cheaper than calling the slot's __set__, a method-wrapper)
            record.body_id = id(body)
            record.size = size = len(body)
            record.source = source
            record.site = site
            record.proxies = ()
            record.accesses = None
            record.live = True
            registry.recent_sites.append(site)
            wrapped = registry.bodies_wrapped = registry.bodies_wrapped + 1
            live = registry.bytes_live = registry.bytes_live + size
            if live > registry.peak_bytes:
                registry.peak_bytes = live
            if clear_cache is not None:
                record.cached_by = state
                state.cached = record
            else:  # nothing pins the body but that proxy. While it is the last body read from its response, its
                # death is found at the response's next body, at the response's death, or by stats(); a body of a
                # response that cannot be followed (no death, no next body) is swept from `unheld`
                record.cached_by = None
                state.last = record
                if not watched:
                    registry.unheld.append(record)
                if wrapped >= registry.next_sweep:
                    registry.sweep_locked()
            return proxy
        finally:
            lock.release()

    def _again(self, state: ResponseState, record: BodyRecord, body: Any) -> Any:
        """The proxy of a body the response caches, read again: the one the program holds, else a new one. The
        caller holds the lock."""
        proxy = record()
        if proxy is not None:
            return proxy
        for ref in record.proxies:
            proxy = ref()
            if proxy is not None:
                return proxy
        # Every earlier proxy is gone, so no proxy refers to `record` any more: a new record, the new proxy's weak
        # reference, stands for the body from now on (`await resp.read()` repeated; following the new proxy with a
        # callback cost a handler per dropped proxy). Its fields carry over; the old record is no longer live (a
        # queued death of an old proxy finds it so), and the body's bytes stay counted once.
        fresh: Any = _new_proxy(self._proxy_class)
        _set_wrapped(fresh, body)
        renewed = BodyRecord(fresh)
        fresh._self_record = renewed
        renewed.body_id, renewed.size, renewed.source, renewed.site = record.body_id, record.size, record.source, \
            record.site
        renewed.cached_by, renewed.proxies, renewed.accesses, renewed.live = state, (), record.accesses, record.live
        if vars(record):  # the rarely set fields (suspected, warned_slow_copy...)
            vars(renewed).update(vars(record))
        record.live, record.cached_by = False, None
        state.cached = renewed
        return fresh

    # --- reading helpers for hooks -------------------------------------------------------------------------
    def chunks(self, response: Any, iterator: Iterator[Any], source: str, site: Optional[Site] = None) -> Iterator[Any]:
        iterator = iter(iterator)
        try:
            while True:
                token = READING.set(True)
                try:
                    chunk = next(iterator)
                except StopIteration:
                    return
                finally:
                    READING.reset(token)
                yield self.wrap(response, chunk, source, site=site)
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    async def achunks(self, response: Any, iterable: Any, source: str,
                      site: Optional[Site] = None) -> AsyncIterator[Any]:
        iterator = iterable.__aiter__()
        while True:
            token = READING.set(True)
            try:
                chunk = await iterator.__anext__()
            except StopAsyncIteration:
                return
            finally:
                READING.reset(token)
            yield self.wrap(response, chunk, source, site=site)

    # --- close, finalization, release ----------------------------------------------------------------------
    def closed(self, response: Any, site: Optional[Site] = None) -> None:
        """The program closed `response` (close(), release(), context exit) at `site` (else its caller's)."""
        if READING.get():
            return
        self.registry.drain()
        state = self.states.get(id(response))
        if state is None or state.closed_at is not None:
            return
        # its line is looked up only if a report needs it
        state.closed_at = site if site is not None else self.classifier.program_frame(2)
        self._end_of_response(state, response, state.closed_at)

    def _finalized(self, state: ResponseState) -> None:
        """The response was garbage-collected: its cache is gone; a body the program still holds is a suspect.
        Run by the registry's drain, under its lock.

        Finalization alone never releases, whatever the policy: `data = requests.get(u).content` drops the response
        at once while the program goes on using its body (issue 12). Only the program closing the response does."""
        states, key = self.states, state.key
        if states.get(key) is state:
            del states[key]
        held = False
        # each body read from it: nothing holds it (the common case, inlined as Registry.retire), or _orphaned.
        # Named one by one, not looped over: a tuple and its iterator cost more than the rest (~500 instructions)
        record = state.cached  # the body it cached, in common cases the only one
        if record is not None:
            record.cached_by = None
            if record() is None and not record.proxies:
                if record.live:
                    record.live = False
                    self.registry.bytes_live -= record.size
            else:
                held = self._orphaned(record)
        record = state.last  # the last body read from it (a read(), a chunk)
        if record is not None:
            if record() is None and not record.proxies:
                if record.live:
                    record.live = False
                    self.registry.bytes_live -= record.size
            else:
                held = self._orphaned(record) or held
        if state.records:
            for record in state.records:  # those read before the last one, and a cached body it no longer keeps
                if record() is None and not record.proxies:
                    if record.live:
                        record.live = False
                        self.registry.bytes_live -= record.size
                else:
                    held = self._orphaned(record) or held
        if held and state.closed_at is not None:  # closed by the program earlier: a refused release is retried now
            self._end_of_response(state, None, state.closed_at)
        elif held:
            for record in state.bodies():
                if not record.released and record.held_by_program():
                    self.registry.suspect(record, FINALIZED)

    def _orphaned(self, record: BodyRecord) -> bool:
        """The response of `record` died: follow a proxy the program still holds (True), else retire it."""
        proxy = record()
        if proxy is not None and not any(ref() is proxy for ref in record.proxies):
            self.registry.follow(record, proxy)  # the first proxy is followed with a callback from now on
        if record.proxies and not record.released:
            return True
        if record.live:
            self.registry.retire(record)
        return False

    def _end_of_response(self, state: ResponseState, response: Any, site: Site) -> None:
        if self.settings.policy == "release_on_close":
            self.release(state, response, site_text(site))
            return
        for record in state.bodies():
            if not record.released and record.held_by_program():
                self.registry.suspect(record, site_text(site))

    def release(self, state: ResponseState, response: Any, site: str) -> None:
        """Drop every reference the runtime, the proxy and the response hold to the body the response caches.

        Only that body: what the response keeps is what a retained response pins. A body the program read from a
        stream (urllib's `read()`, chunks) was never the response's, and `with urlopen(u) as r: data = r.read()`
        followed by a use of `data` is correct code that must keep working."""
        state.released = self.released_any = True
        record = state.cached
        if response is not None and record is not None and state.clear_cache is not None:
            state.clear_cache(response)
        if record is None or record.released:
            return
        try:
            for proxy in record.alive_proxies():
                release_proxy(cast(BodyProxy, proxy))
        except BufferError as refused:  # root-cause mode: a view of the body is still exported
            self.registry.suspect(record, f"{site} (release refused: {refused})")
            return  # state.cached stays: the release is retried when the response is finalized
        self.registry.mark_released(record, site)
        state.cached = None
        state.keep(record)  # still among its bodies (the refusals name it)
        if record.size >= self.settings.gc_threshold:
            self._maybe_collect()

    def _maybe_collect(self) -> None:
        now = time.monotonic()
        with self._collect_lock:
            if now - self._last_collect < self.settings.gc_min_interval:
                return
            self._last_collect = now
        gc.collect()
