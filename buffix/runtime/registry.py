"""Thread-safe accounting of every body the runtime wrapped.

A body (`bytes` / `bytearray`) cannot be weakly referenced (docs/semantics.md, fact 8), so the runtime tracks what
it can: the proxies it handed out (weakly) and whether the response still caches the body. A body is *live* while
a proxy of it is alive or its response still caches it; its bytes count towards `bytes_live` until then.
"""

from __future__ import annotations

import collections
import sys
import threading
import weakref
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

FINALIZED = "<finalization>"


@dataclass(frozen=True)
class LeakSuspect:
    """A body whose proxy the program still held when its response closed or was finalized."""

    size: int
    source: str  # e.g. "requests Response.content"
    created_at: str  # program site that first received the body
    closed_at: str  # program site of the close, or FINALIZED when the response was garbage-collected

    def describe(self) -> str:
        ending = "was garbage-collected" if self.closed_at == FINALIZED else f"closed at {self.closed_at}"
        return (
            f"{self.size} bytes from {self.source}, created at {self.created_at}, "
            f"still held by the program when its response {ending}"
        )


@dataclass(frozen=True)
class Stats:
    bodies_wrapped: int
    bytes_live: int
    peak_bytes: int
    released: int
    leak_suspects: Tuple[LeakSuspect, ...]

    def summary(self) -> str:
        return (
            f"buffix runtime: {self.bodies_wrapped} bodies wrapped, {self.bytes_live} bytes live, "
            f"peak {self.peak_bytes} bytes, {self.released} released, {len(self.leak_suspects)} leak suspects"
        )


class BodyRecord:
    """What the runtime knows about one body. Holds no reference to the body or its response."""

    __slots__ = (
        "size", "source", "site", "body_id", "cached_by", "holder", "proxies", "accesses", "registry",
        "live", "released", "released_at", "suspected", "warned_slow_copy", "__weakref__",
    )

    def __init__(self, registry: "Registry", body_id: int, size: int, source: str, site: Tuple[str, int]) -> None:
        self.registry = registry
        self.body_id = body_id  # id() of the body, valid while a holder keeps it alive
        self.size = size
        self.source = source
        self.site = site  # (file, line) of the program code that first received the body
        self.cached_by: Optional[ResponseState] = None  # set while the response itself caches the body
        # A cached body's proxy is held strongly while its response lives (the response pins the body anyway):
        # cheaper than a weak reference with a callback, and sys.getrefcount tells whether the program holds it.
        self.holder: Optional[object] = None
        self.proxies: List[weakref.ref] = []  # every other proxy handed out, weakly
        self.accesses: Dict[str, int] = {}
        self.live = True
        self.released = False
        self.released_at = ""
        self.suspected = False
        self.warned_slow_copy = False

    @property
    def created_at(self) -> str:
        return f"{self.site[0]}:{self.site[1]}"

    def alive_proxies(self) -> List[object]:
        found = [proxy for proxy in (ref() for ref in self.proxies) if proxy is not None]
        return found if self.holder is None else [self.holder, *found]

    def held_by_program(self) -> bool:
        """Does anything but buffix hold a proxy of this body? (the holder slot and the call's argument are 2)"""
        return bool(self.proxies) or (self.holder is not None and sys.getrefcount(self.holder) > 2)

    def let_go(self) -> None:
        """The response is gone: stop pinning the proxy; follow it weakly if the program still holds it."""
        holder, self.holder = self.holder, None
        if holder is not None and sys.getrefcount(holder) > 2:  # holder local + argument
            self.proxies.append(self.registry.watch(holder, self.proxy_died))

    def proxy_died(self, ref: weakref.ref) -> None:
        """Handler (run by Registry.drain) of each proxy handed out for this body."""
        with self.registry.lock:
            try:
                self.proxies.remove(ref)
            except ValueError:
                pass
            if self.live and self.cached_by is None and not self.proxies:
                self.registry.retire(self)

    def touch(self, operation: str) -> None:
        # a lost increment under a thread race is acceptable here: access counts are diagnostics only
        self.accesses[operation] = self.accesses.get(operation, 0) + 1



class ResponseState:
    """The runtime's view of one response object, keyed by its id while it lives."""

    __slots__ = ("source", "records", "cached", "closed_at", "released", "clear_cache", "response_ref", "c_reader",
                 "__weakref__")

    def __init__(self, source: str, clear_cache: Optional[Callable[[object], None]]) -> None:
        self.source = source
        self.records: List[BodyRecord] = []
        self.cached: Optional[BodyRecord] = None  # the body the response itself keeps (`_content`, `_body`...)
        self.closed_at = ""
        self.released = False
        self.clear_cache = clear_cache
        self.response_ref: Optional[weakref.ref] = None  # its callback tells the runtime the response is gone
        self.c_reader = False  # wrapped by a C reader (io.BufferedReader...): its reads are library reads


class Watch(weakref.ref):
    """A weak reference whose death is only queued: its callback is `deque.append` (C code), so no Python code runs
    inside garbage collection (CPython 3.11 can crash when it does, issue 11); `handler` runs at the next drain."""

    __slots__ = ("handler",)
    handler: Callable[["Watch"], None]


class Registry:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.dead: "collections.deque[Watch]" = collections.deque()  # appended to by the GC, drained by the runtime
        self._died = self.dead.append
        self.bodies_wrapped = 0
        self.bytes_live = 0
        self.peak_bytes = 0
        self.released = 0
        self.leak_suspects: List[LeakSuspect] = []
        # where the program received its latest bodies: explains a refusal whose message names no type and whose
        # frames hold no proxy (`hashlib.md5(requests.get(u).content)`)
        self.recent_sites: "collections.deque[Tuple[str, int]]" = collections.deque(maxlen=1024)

    def watch(self, obj: object, handler: Callable[[Watch], None]) -> Watch:
        """Follow `obj` weakly; once it is gone, `handler(ref)` runs at the next drain(), outside the GC."""
        ref = Watch(obj, self._died)
        ref.handler = handler
        return ref

    def drain(self) -> None:
        """Run the handlers of everything that died since the last drain (any thread; popleft is atomic)."""
        dead = self.dead
        while dead:
            try:
                ref = dead.popleft()
            except IndexError:  # another thread took the last one
                return
            ref.handler(ref)

    def reset(self) -> None:
        with self.lock:
            self.bodies_wrapped = self.bytes_live = self.peak_bytes = self.released = 0
            self.leak_suspects = []

    def new_record_locked(self, body: object, source: str, site: Tuple[str, int], response: ResponseState,
                          cached: bool) -> BodyRecord:
        """Account for a new body; the caller holds `self.lock`."""
        record = BodyRecord(self, id(body), len(body), source, site)  # type: ignore[arg-type]
        self.recent_sites.append(site)
        self.bodies_wrapped += 1
        self.bytes_live += record.size
        if self.bytes_live > self.peak_bytes:
            self.peak_bytes = self.bytes_live
        response.records.append(record)
        if cached:
            record.cached_by = response
            response.cached = record
        return record

    def mark_released(self, record: BodyRecord, where: str) -> None:
        with self.lock:
            if record.released:
                return
            record.released = True
            record.released_at = where
            record.cached_by = None
            self.released += 1
            if record.live:
                self.retire(record)

    def suspect(self, record: BodyRecord, closed_at: str) -> None:
        with self.lock:
            if record.suspected:
                return
            record.suspected = True
            self.leak_suspects.append(LeakSuspect(record.size, record.source, record.created_at, closed_at))

    def retire(self, record: BodyRecord) -> None:
        """The body is no longer reachable through anything buffix knows of; the caller holds `self.lock`."""
        record.live = False
        self.bytes_live -= record.size

    def snapshot(self) -> Stats:
        self.drain()
        with self.lock:
            return Stats(
                self.bodies_wrapped, self.bytes_live, self.peak_bytes, self.released, tuple(self.leak_suspects)
            )
