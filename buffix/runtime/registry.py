"""Thread-safe accounting of every body the runtime wrapped.

A body (`bytes` / `bytearray`) cannot be weakly referenced (docs/semantics.md, fact 8), so the runtime tracks what
it can: the proxies it handed out (weakly) and whether the response still caches the body. A body is *live* while
a proxy of it is alive or its response still caches it; its bytes count towards `bytes_live` until then.
"""

from __future__ import annotations

import collections
import threading
import weakref
from dataclasses import dataclass
from types import CodeType
from typing import Callable, Dict, List, Optional, Tuple

FINALIZED = "<finalization>"
SWEEP_AT = 256
PRUNE_AT = 64


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


Site = Tuple[CodeType, int]  # (code, f_lasti) of the program frame: its line is looked up only when reported


def line_of(site: Site) -> int:
    """The line of the instruction at `lasti` (co_lines; the code's first line when it has none)."""
    code, lasti = site
    for start, end, line in code.co_lines():
        if start <= lasti < end:
            return line if line is not None else code.co_firstlineno
    return code.co_firstlineno


def site_text(site: Site) -> str:
    return f"{site[0].co_filename}:{line_of(site)}"


class BodyRecord(weakref.ref):
    """What the runtime knows about one body. Holds no reference to the body or its response.

    It is itself the weak reference to the body's first proxy (no callback: cheap): one object, not two, on every
    first access of a body (the hot path). The program pins that proxy (and the response the body, when it caches
    it); nothing of buffix's does, so a dropped body is freed at once. A body the response does not keep (a read(),
    a chunk) is retired once that proxy is found dead: at the next body of the same response, at the response's
    death, at a sweep (Registry.sweep_locked) or at stats(). `Runtime.wrap` sets the slots; the rarely changed
    fields are class defaults, written to the instance dict only when they change."""

    __slots__ = ("body_id", "size", "source", "site", "cached_by", "proxies", "accesses", "live", "__dict__")
    body_id: int  # id() of the body, valid while a holder keeps it alive
    size: int
    source: str
    site: Site  # where the program code first received the body
    cached_by: Optional["ResponseState"]  # set while the response itself caches the body
    # every other proxy handed out (and the first one once its response died), followed with a callback; a shared
    # empty tuple until the first one (a list then)
    proxies: "List[Watch] | Tuple[()]"
    accesses: "Dict[str, int] | None"  # per operation, built on the first access through a proxy
    live: bool
    released = False
    released_at = ""
    suspected = False
    warned_slow_copy = False

    @property
    def created_at(self) -> str:
        return site_text(self.site)

    def held(self) -> Optional[object]:
        """The first proxy, while anything holds it."""
        return self()

    def alive_proxies(self) -> List[object]:
        found = [proxy for proxy in (ref() for ref in self.proxies) if proxy is not None]
        first = self()
        return found if first is None or any(proxy is first for proxy in found) else [first, *found]

    def held_by_program(self) -> bool:
        """Does anything but buffix hold a proxy of this body? (buffix holds none strongly)"""
        return bool(self.proxies) or self() is not None


class Watch(weakref.ref):
    """A weak reference whose death is only queued: its callback is `deque.append` (C code), so no Python code runs
    inside garbage collection (CPython 3.11 can crash when it does, issue 11); `handler` runs at the next drain."""

    __slots__ = ("handler",)
    handler: Callable[["Watch"], None]


class Follow(Watch):
    """A proxy of a record followed with a callback (queued, see Watch): its death may retire the record."""

    __slots__ = ("record",)
    record: BodyRecord


class ResponseState(Watch):
    """The runtime's view of one response object, keyed by its id while it lives; it is itself the weak reference
    to the response (one object per response: built on every first access of a fresh response)."""

    __slots__ = ("key", "last", "records", "prune_at", "cached", "closed_at", "released", "clear_cache", "c_reader")
    key: int
    last: Optional[BodyRecord]  # the last body read from it that it does not keep (a read(), a chunk)
    # the bodies read before `last`, and a cached body it no longer keeps; a shared empty tuple until the first one
    records: "List[BodyRecord] | Tuple[()]"
    prune_at: int  # (set with the list) its length at which `keep` drops the retired records from it
    cached: Optional[BodyRecord]  # the body the response itself keeps (`_content`, `_body`...)
    closed_at: Optional[Site]  # where the program closed the response (None while it has not)
    released: bool
    clear_cache: Optional[Callable[[object], None]]
    c_reader: bool  # wrapped by a C reader (io.BufferedReader...): its reads are library reads

    def keep(self, record: BodyRecord) -> None:
        """Account `record` (a body read from the response before its last one, or one it no longer keeps) among
        its bodies. The retired ones are dropped from the list whenever it has doubled (a long stream's chunks,
        retired by the sweeps while the response lives, would otherwise stay listed until it dies)."""
        records = self.records
        if not records:
            self.records = [record]
            self.prune_at = PRUNE_AT
            return
        records.append(record)
        if len(records) >= self.prune_at:
            kept = [listed for listed in records if listed.live]
            self.records = kept
            self.prune_at = max(PRUNE_AT, 2 * len(kept))

    def bodies(self) -> List[BodyRecord]:
        """Every body read from this response: those it does not keep, then the one it keeps."""
        return [*self.records, *(record for record in (self.last, self.cached) if record is not None)]


class _Unwatched:
    """What the state of a response that cannot be weakly referenced refers to instead (it never dies)."""


UNWATCHED = _Unwatched()


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
        self.recent_sites: "collections.deque[Site]" = collections.deque(maxlen=1024)
        # records of bodies their response does not keep, followed only by their first proxy's weak reference,
        # that are no longer the last body read from their response (or whose response cannot be followed): swept
        # for dead proxies when `bodies_wrapped` reaches `next_sweep` (set to twice what a sweep visits, so
        # sweeping stays O(1) per body) and at every snapshot
        self.unheld: List[BodyRecord] = []
        self.next_sweep = SWEEP_AT

    def follow(self, record: BodyRecord, proxy: object) -> None:
        """Follow `proxy` of `record` with a callback (its death is handled at a drain); the caller holds the lock."""
        ref = Follow(proxy, self._died)
        ref.handler, ref.record = self._proxy_died, record  # type: ignore[assignment]
        if record.proxies:
            record.proxies.append(ref)
        else:
            record.proxies = [ref]

    def _proxy_died(self, ref: "Follow") -> None:
        """Handler (run by drain, under the lock) of each proxy followed with a callback."""
        record = ref.record
        try:
            record.proxies.remove(ref)  # type: ignore[union-attr]
        except (ValueError, AttributeError):  # not there (or none at all: the empty tuple)
            pass
        if record.live and record.cached_by is None and not record.proxies and record() is None:
            self.retire(record)

    def watch(self, obj: object, handler: Callable[[Watch], None]) -> Watch:
        """Follow `obj` weakly; once it is gone, `handler(ref)` runs at the next drain(), outside the GC."""
        ref = Watch(obj, self._died)
        ref.handler = handler
        return ref

    def drain(self) -> None:
        """Run the handlers of everything that died since the last drain (any thread)."""
        if self.dead:
            with self.lock:
                self.drain_locked()

    def drain_locked(self) -> None:
        """drain() for a caller holding the lock: every handler runs under it, so none takes it itself."""
        dead = self.dead
        while dead:
            ref = dead.popleft()  # (under the lock: no other drain takes it first)
            ref.handler(ref)

    def reset(self) -> None:
        with self.lock:
            self.bodies_wrapped = self.bytes_live = self.peak_bytes = self.released = 0
            self.leak_suspects = []
            self.next_sweep = SWEEP_AT

    def new_state(self, response: object, key: int, handler: Callable[[ResponseState], None],
                  clear_cache: Optional[Callable[[object], None]],
                  states: Dict[int, ResponseState]) -> ResponseState:
        """A fresh state of `response` (whose id is `key`), registered in `states`; `handler(state)` runs at the
        drain after the response died. A response that cannot be weakly referenced gets a state that follows
        nothing and is not registered (its bodies are accounted; it cannot be closed). The caller holds the lock."""
        try:
            state = ResponseState(response, self._died)
            watched = True
        except TypeError:
            state, watched = ResponseState(UNWATCHED), False
        state.handler = handler  # type: ignore[assignment]
        state.key = key
        state.records = ()
        state.last = state.cached = state.closed_at = None
        state.released = state.c_reader = False
        state.clear_cache = clear_cache
        if watched:  # last: the hooks read `states` without the lock, so they must never see half a state
            states[key] = state
        return state

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

    def sweep_locked(self) -> None:
        """Retire the unheld records whose one proxy died, and set when the next sweep runs; the caller holds
        `self.lock`."""
        kept = []
        for record in self.unheld:
            if not record.live:
                continue
            if record.proxies:  # followed with callbacks now (its response died first): no longer swept
                continue
            if record() is None and record.cached_by is None:
                self.retire(record)
            else:
                kept.append(record)
        self.unheld = kept
        self.next_sweep = self.bodies_wrapped + max(SWEEP_AT, 2 * len(kept))

    def snapshot(self) -> Stats:
        self.drain()
        with self.lock:
            self.sweep_locked()
            return Stats(
                self.bodies_wrapped, self.bytes_live, self.peak_bytes, self.released, tuple(self.leak_suspects)
            )
