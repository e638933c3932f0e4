"""Benchmark of the buffix runtime (a script, not a test):

    .venv/bin/python tests/bench/bench_runtime.py [--quick] [--profile]

Prints, for 1 KB / 1 MB / 50 MB bodies and each client: end-to-end time per response over the local server
without and with the runtime; the runtime's own overhead per response, isolated from HTTP (first body access on
freshly built response objects, then their finalization, with vs without hooks); the cost of `body[:]` through
the proxy; and traced peak memory over repeated downloads. Targets: <= 2 us added per first access, body[:] <= 1 us,
memory flat. `--profile` adds a cProfile of the isolated hooked path (requests) to show where the time goes.
`--only instructions` (needs valgrind; minutes) counts the machine instructions a first access + drop adds: the
figure to compare commits by on a loaded machine, where the clock's figures move by half.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import http.client
import importlib
import io
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import tracemalloc
import urllib.request
from typing import Any, Callable, Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

# The instruction counter's child (`--child`) imports only the client it counts: every other import moves the heap,
# and with it the ids the runtime keys response states by (dict probing): up to ~1,500 instructions between runs.
if "--child" not in sys.argv:
    import aiohttp  # noqa: E402
    import httpx  # noqa: E402
    import requests  # noqa: E402
    import urllib3  # noqa: E402

from buffix import runtime  # noqa: E402
from buffix.runtime.settings import Settings  # noqa: E402
from tests import payloads  # noqa: E402
from tests.httpserver import serve  # noqa: E402

KB, MB = 1000, 1000 * 1000
SIZES = {"1 KB": KB, "1 MB": MB, "50 MB": 50 * MB}


# --- end to end: one GET and one body access per response ------------------------------------------------------
def end_to_end(url_of: Callable[[int], str], size: int, reps: int) -> Dict[str, float]:
    """Seconds per response for each client (connections reused where the client does so)."""
    url = url_of(size)
    session, client, pool = requests.Session(), httpx.Client(), urllib3.PoolManager()

    def time_sync(get: Callable[[], Any]) -> float:
        get()  # warm: connection, caches
        start = time.perf_counter()
        for _ in range(reps):
            get()
        return (time.perf_counter() - start) / reps

    def via_urlopen() -> int:
        with urllib.request.urlopen(url) as r:
            return len(r.read())

    async def via_aiohttp() -> float:
        async with aiohttp.ClientSession() as s:
            async def once() -> int:
                async with s.get(url) as r:
                    return len(await r.read())
            await once()
            start = time.perf_counter()
            for _ in range(reps):
                await once()
            return (time.perf_counter() - start) / reps

    try:
        return {
            "requests": time_sync(lambda: len(session.get(url).content)),
            "httpx": time_sync(lambda: len(client.get(url).content)),
            "aiohttp": asyncio.run(via_aiohttp()),
            "urllib3": time_sync(lambda: len(pool.request("GET", url).data)),
            "urlopen": time_sync(via_urlopen),
        }
    finally:
        session.close(), client.close(), pool.clear()


# --- the runtime's own cost, isolated from HTTP ------------------------------------------------------------------
class _Socket:
    """What http.client.HTTPResponse reads a canned response from."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def makefile(self, mode: str) -> io.BytesIO:
        return io.BytesIO(self.raw)


def _builders(body: bytes) -> Dict[str, Callable[[], Any]]:
    """Freshly built response objects, body already in hand, and how the program reads the body."""
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)

    def requests_response() -> Any:
        r = requests.models.Response()
        r._content, r._content_consumed, r.status_code = body, True, 200
        return r

    def urlopen_response() -> Any:
        r = http.client.HTTPResponse(_Socket(head + body))  # type: ignore[arg-type]
        r.begin()
        return r

    return {
        "requests": requests_response,
        "httpx": lambda: httpx.Response(200, content=body),
        "urllib3": lambda: urllib3.HTTPResponse(body=body, preload_content=False),
        "urlopen": urlopen_response,
    }


READERS: Dict[str, Callable[[Any], Any]] = {
    "requests": lambda r: r.content,
    "httpx": lambda r: r.content,
    "urllib3": lambda r: r.data,
    "urlopen": lambda r: r.read(),
}


def isolated(body: bytes, n: int, batches: int) -> Dict[str, Dict[str, float]]:
    """Per response: first body access, then drop (finalization included). Built responses are not timed, so
    what remains is the access plus the runtime's bookkeeping. The drop figure of the hooked run includes the
    drain of the deaths it queued (the work a later runtime call would pay), so no deferred cost hides.

    A loaded machine only ever adds time: each figure is the minimum over `batches` batches, plain and hooked
    batches interleaved, so both see the same load."""
    results: Dict[str, Dict[str, float]] = {}
    for name, build in _builders(body).items():
        read = READERS[name]
        best = {key: float("inf") for key in ("access off", "drop off", "access on", "drop on")}
        # an urlopen response holds its own copy of the body: keep a batch's responses within ~64 MB
        count = n if name != "urlopen" else max(50, min(n, (64 * MB) // max(len(body), 1)))
        for _ in range(batches):
            for mode in ("off", "on"):
                responses = [build() for _ in range(count)]
                gc.collect()
                gc.disable()
                try:
                    if mode == "on":
                        with runtime.installed() as rt:
                            rt.registry.drain()
                            access, drop = _access_and_drop(responses, read, rt.registry.drain)
                    else:
                        access, drop = _access_and_drop(responses, read, None)
                finally:
                    gc.enable()
                best["access " + mode] = min(best["access " + mode], access)
                best["drop " + mode] = min(best["drop " + mode], drop)
        best["overhead"] = (best["access on"] + best["drop on"]) - (best["access off"] + best["drop off"])
        results[name] = best
    return results


def _access_and_drop(responses: List[Any], read: Callable[[Any], Any],
                     drain: Optional[Callable[[], None]]) -> tuple:
    n = len(responses)
    start = time.perf_counter()
    for r in responses:
        b = read(r)
        del b
    middle = time.perf_counter()
    responses.clear()
    if drain is not None:
        drain()
    end = time.perf_counter()
    return (middle - start) / n, (end - middle) / n


def python_calls(body: bytes, n: int) -> Dict[str, float]:
    """Python-level calls the runtime adds per first access and drop (sys.setprofile): the work counted without a
    clock, so a loaded machine cannot blur it. The hooked drop includes the drain of the deaths it queued."""

    def count(build: Callable[[], Any], read: Callable[[Any], Any], hooked: bool) -> float:
        responses = [build() for _ in range(n)]
        calls = [0]

        def profile(frame: Any, event: str, arg: Any) -> None:
            if event == "call":
                calls[0] += 1

        with runtime.installed() if hooked else contextlib.nullcontext() as rt:
            drain = rt.registry.drain if rt is not None else (lambda: None)
            drain()
            gc.disable()
            sys.setprofile(profile)
            try:
                for r in responses:
                    b = read(r)
                    del b
                responses.clear()
                drain()
            finally:
                sys.setprofile(None)
                gc.enable()
        return calls[0] / n

    return {name: count(build, READERS[name], True) - count(build, READERS[name], False)
            for name, build in _builders(body).items()}


def _child_accesses(name: str, n: int, hooked: bool, each: bool, shift: int = 0) -> None:
    """The child of `instructions()`: n first accesses + drop (and drain) of `name`'s fresh responses; all built
    first and dropped after the last access, or (`each`) each dropped right after its access, as
    `urlopen(u).read()` does. `shift` responses built first and kept move every later one's address."""
    if name != "urlopen":
        globals()[name] = importlib.import_module(name)  # (only this client: see the imports above)
    build, read = _builders(payloads.body(KB))[name], READERS[name]
    shifted = [build() for _ in range(shift)]  # noqa: F841  (held to the end)
    gc.collect()
    gc.disable()  # a collection's cost depends on everything imported, not on the runtime's work
    responses = [build() for _ in range(n)] if not each else []
    with runtime.installed() if hooked else contextlib.nullcontext() as rt:
        drain = rt.registry.drain if rt is not None else (lambda: None)
        warm = [build() for _ in range(50)]
        for r in warm:
            read(r)
        warm.clear()
        drain()
        if each:
            for _ in range(n):
                r = build()
                b = read(r)
                del b, r
        for r in responses:
            b = read(r)
            del b
        responses.clear()
        drain()


def instructions(clients: List[str], each: bool = False, shifts: int = 1) -> Dict[str, List[float]]:
    """Machine instructions added per first access + drop, counted by valgrind (cachegrind): a child process runs
    500 and 2,500 accesses, hooked and not; the difference of differences leaves the runtime's own work. Unlike a
    clock, the count does not move with the machine's load (PYTHONHASHSEED is fixed: dict probing is the same).
    It does move with the heap's layout: the runtime keys response states by id(), so where the responses land
    decides how often `states` probes collide (any change of code or imports moves them). With `shifts` > 1 the
    count is repeated with the responses moved (`shift` responses built first), one figure per layout."""
    def count(name: str, n: int, mode: str, shift: int) -> int:
        done = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", sys.executable,
             os.path.abspath(__file__), "--child", f"{name},{n},{mode},{'each' if each else 'kept'},{shift}"],
            env={**os.environ, "PYTHONHASHSEED": "0"}, capture_output=True, text=True, check=True)
        found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
        assert found, done.stderr[-2000:]
        return int(found.group(1).replace(",", ""))

    out = {}
    for name in clients:
        count(name, 10, "on", 0)  # compiles what the first run would: both counted runs start alike
        out[name] = []
        for shift in SHIFTS[:shifts]:
            on = count(name, 2500, "on", shift) - count(name, 500, "on", shift)
            off = count(name, 2500, "off", shift) - count(name, 500, "off", shift)
            out[name].append((on - off) / 2000)
    return out


SHIFTS = (0, 1, 3, 7, 13, 29)  # responses built before counting: each moves the later ones' addresses


def floor(body: bytes, n: int, batches: int) -> Dict[str, float]:
    """What the unavoidable parts of a first access cost alone (the floor under the hooked figure)."""
    import weakref

    from buffix.runtime.core import _new_proxy
    from buffix.runtime.proxy import BodyProxy

    class Target:
        pass

    targets = [Target() for _ in range(n)]

    def proxy_new() -> None:
        for _ in range(n):
            p = _new_proxy(BodyProxy)
            p.__wrapped__ = body

    def proxy_init() -> None:
        for _ in range(n):
            BodyProxy(body)

    def weakref_new() -> None:
        for t in targets:
            weakref.ref(t)

    def getframe() -> None:
        for _ in range(n):
            _ = sys._getframe(1).f_code.co_filename

    def empty() -> None:
        for _ in range(n):
            pass

    out = {}
    for label, call in (("loop", empty), ("wrapt proxy: __new__ + __wrapped__", proxy_new),
                        ("wrapt proxy: BodyProxy(body)", proxy_init), ("weakref.ref()", weakref_new),
                        ("sys._getframe(1).f_code.co_filename", getframe)):
        out[label] = min(timeit.repeat(call, number=1, repeat=batches)) / n
    loop = out.pop("loop")
    return {label: value - loop for label, value in out.items()}


def aiohttp_cached_read(url: str, n: int, batches: int) -> Dict[str, float]:
    """aiohttp: a ClientResponse cannot be built without a connection, so time `await resp.read()` on an already
    read response (the hooked coroutine plus a new proxy each time), with vs without hooks."""

    async def measure() -> float:
        async with aiohttp.ClientSession() as s, s.get(url) as r:
            await r.read()
            start = time.perf_counter()
            for _ in range(n):
                b = await r.read()
                del b
            return (time.perf_counter() - start) / n

    off = on = float("inf")
    for _ in range(batches):  # the minimum of interleaved batches, as in isolated()
        off = min(off, asyncio.run(measure()))
        with runtime.installed():
            on = min(on, asyncio.run(measure()))
    return {"access off": off, "access on": on, "overhead": on - off}


def _per_call(call: Callable[[], Any], number: int) -> float:
    return min(timeit.repeat(call, number=number, repeat=5)) / number


def repeated_access(body: bytes, number: int) -> Dict[str, Dict[str, float]]:
    """Per access of a body the response already caches (the hook, the caller check and handing out the same
    proxy again), for each client and each runtime mode; the figure the <= 2 us per access target is about."""
    results: Dict[str, Dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        modes: Dict[str, Dict[str, Any]] = {
            "wrapt": {"profile": "wrapt"}, "strict": {"profile": "strict"},
            "observe": {"settings": Settings(observe=os.path.join(folder, "observed.json"))},
        }
        for name, build in _builders(body).items():
            if name == "urlopen":
                continue  # read() drains the stream: no repeated access to time
            read, response = READERS[name], build()
            read(response)
            row = {"off": _per_call(lambda: read(response), number)}  # noqa: B023 (timed before the next loop)
            for mode, options in modes.items():
                response = build()
                with runtime.installed(**options):
                    held = read(response)  # the program holds it, as `body = r.content` does
                    row[mode] = _per_call(lambda: read(response), number)  # noqa: B023
                    del held
            results[name] = row
    return results


def slice_cost(body: bytes) -> Dict[str, float]:
    with runtime.installed():
        r = requests.models.Response()
        r._content, r._content_consumed = body, True
        proxy = r.content
        through_proxy = min(timeit.repeat(lambda: proxy[:], number=20000, repeat=5)) / 20000
        assert proxy[:] is body
    plain = min(timeit.repeat(lambda: body[:], number=20000, repeat=5)) / 20000
    return {"bytes[:]": plain, "proxy[:]": through_proxy}


# --- memory over repeated downloads ----------------------------------------------------------------------------
def memory(url: str, loops: int, keep: bool) -> Dict[str, tuple]:
    """(peak, final) traced bytes over `loops` requests downloads; `keep`: every response is kept in a list and
    closed, as a cache or a retry log would."""
    out = {}
    for mode in ("no runtime", "track", "release_on_close"):
        session = requests.Session()
        _ = session.get(url).content  # warm
        gc.collect()
        tracemalloc.start()
        kept: List[Any] = []

        def loop(session=session, kept=kept) -> None:
            for _ in range(loops):
                r = session.get(url)
                assert len(r.content) > 0
                if keep:
                    kept.append(r)
                r.close()

        try:
            if mode == "no runtime":
                loop()
            else:
                with runtime.installed(policy=mode):
                    loop()
            gc.collect()
            current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            session.close()
        out[mode] = (peak, current)
    return out


def profile_isolated(body: bytes, n: int) -> None:
    build, read = _builders(body)["requests"], READERS["requests"]
    responses = [build() for _ in range(n)]
    with runtime.installed():
        profiler = cProfile.Profile()
        profiler.enable()
        for r in responses:
            read(r)
        responses.clear()
        profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(14)


def _counts(counts: List[float]) -> str:
    """One count, or the median of several and each of them."""
    if len(counts) == 1:
        return f"{counts[0]:9.0f}"
    listed = ", ".join(f"{count:.0f}" for count in counts)
    return f"{statistics.median(counts):9.0f}  (median of {listed})"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:9.2f} µs"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:9.3f} ms"


def mib(n: int) -> str:
    return f"{n / (1 << 20):7.1f} MiB"


SECTIONS = ("e2e", "isolated", "calls", "instructions", "floor", "repeated", "slice", "memory")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a rough look in ~20 s)")
    parser.add_argument("--profile", action="store_true", help="cProfile the isolated hooked path")
    parser.add_argument("--only", default=",".join(section for section in SECTIONS if section != "instructions"),
                        help=f"comma-separated sections of {', '.join(SECTIONS)} (all but `instructions`, which "
                             "takes minutes, by default)")
    parser.add_argument("--batches", type=int, default=25, help="batches per figure (the minimum is reported)")
    parser.add_argument("--shifts", type=int, default=1, choices=range(1, len(SHIFTS) + 1),
                        help="instructions: heap layouts to count each figure in (the spread shows the layout's part)")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)  # CLIENT,N,on|off,kept|each,SHIFT

    args = parser.parse_args()
    if args.child:
        name, n, mode, pattern, shift = args.child.split(",")
        _child_accesses(name, int(n), mode == "on", pattern == "each", int(shift))
        return 0
    only = set(args.only.split(","))
    if "instructions" in only and not shutil.which("valgrind"):
        only.discard("instructions")
        print("(no valgrind: section `instructions` skipped)")
    if only - set(SECTIONS):
        parser.error(f"unknown section(s): {', '.join(sorted(only - set(SECTIONS)))}")
    reps = {"1 KB": 50, "1 MB": 10, "50 MB": 2} if args.quick else {"1 KB": 300, "1 MB": 40, "50 MB": 5}
    n_isolated = 500 if args.quick else 2000

    for size in SIZES.values():
        payloads.body(size)  # the server's bodies are built before any timing
    print(f"buffix runtime benchmark — Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"wrapt {__import__('wrapt').__version__}, load {os.getloadavg()[0]:.2f}"
          f"{' (quick)' if args.quick else ''}")
    with serve() as server:
        url_of = lambda n: server.url_for(f"/bytes/{n}")  # noqa: E731

        if "e2e" in only:
            print("\n1. End to end, time per response (GET + one body access; local server)")
            print(f"{'size':>6} {'client':<9} {'without':>12} {'with':>12} {'difference':>12}")
            for label, size in SIZES.items():
                off = end_to_end(url_of, size, reps[label])
                with runtime.installed():
                    on = end_to_end(url_of, size, reps[label])
                for client in off:
                    print(f"{label:>6} {client:<9} {ms(off[client])} {ms(on[client])} {us(on[client] - off[client])}")

        if "isolated" in only:
            print(f"\n2. First access of a fresh response, isolated from HTTP ({n_isolated} responses a batch, "
                  f"minimum of {args.batches} interleaved batches; 'drop on' includes the drain)")
            print(f"{'size':>6} {'client':<9} {'access off':>12} {'access on':>12} {'drop off':>12} {'drop on':>12}"
                  f" {'overhead':>12}")
            for label in ("1 KB", "1 MB"):
                body = payloads.body(SIZES[label])
                for client, row in isolated(body, n_isolated, args.batches).items():
                    print(f"{label:>6} {client:<9} {us(row['access off'])} {us(row['access on'])}"
                          f" {us(row['drop off'])} {us(row['drop on'])} {us(row['overhead'])}")
                row = aiohttp_cached_read(url_of(SIZES[label]), n_isolated // 4, args.batches)
                note = "(repeated read() on one response)"
                print(f"{label:>6} {'aiohttp':<9} {us(row['access off'])} {us(row['access on'])} {note:>25}"
                      f" {us(row['overhead'])}")
            print(f"load {os.getloadavg()[0]:.2f}")

        if "calls" in only:
            print("\n2c. Python-level calls added per first access + drop (sys.setprofile; no clock)")
            for client, calls in python_calls(payloads.body(KB), 200).items():
                print(f"  {client:<9} {calls:5.1f}")

        if "instructions" in only:
            print("\n2d. Machine instructions added per first access + drop (valgrind; no clock, load-independent)")
            print(f"  ({args.shifts} heap layout{'s' if args.shifts > 1 else ''} each: see --shifts)")
            for client, counts in instructions(["requests", "httpx", "urllib3", "urlopen"], shifts=args.shifts).items():
                print(f"  {client:<9} {_counts(counts)}")
            for client, counts in instructions(["urlopen"], each=True, shifts=args.shifts).items():
                print(f"  {client:<9} {_counts(counts)}  (each response dropped right after its read)")

        if "floor" in only:
            print("\n2a. The floor: unavoidable parts of a first access, alone")
            for what, cost in floor(payloads.body(KB), n_isolated, args.batches).items():
                print(f"  {what:<40} {us(cost)}")

        if "repeated" in only:
            print("\n2b. Per body access, repeated on one response (the response caches the body), by runtime mode")
            print(f"{'client':<9} {'off':>12} " + " ".join(f"{mode + ' (added)':>22}" for mode in ("wrapt", "strict",
                                                                                                   "observe")))
            for client, row in repeated_access(payloads.body(KB), n_isolated).items():
                print(f"{client:<9} {us(row['off'])} " + " ".join(
                    f"{us(row[mode])} ({us(row[mode] - row['off']).strip():>9})" for mode in ("wrapt", "strict",
                                                                                          "observe")))

        if "slice" in only:
            print("\n3. body[:] (the safe form)")
            for label, size in SIZES.items():
                row = slice_cost(payloads.body(size))
                print(f"{label:>6} bytes[:] {us(row['bytes[:]'])}   through the proxy {us(row['proxy[:]'])}")

        if "memory" in only:
            print("\n4. Traced memory over repeated downloads (requests, 5 MB body; peak / left after the loop)")
            for loops in ((5, 20) if not args.quick else (5, 10)):
                for keep in (False, True):
                    result = memory(url_of(5 * MB), loops, keep)
                    what = f"{loops:>3} downloads, responses {'kept' if keep else 'dropped'}"
                    cells = "  ".join(f"{mode}: {mib(peak)} / {mib(final)}"
                                      for mode, (peak, final) in result.items())
                    print(f"{what:<34} {cells}")
    if args.profile:
        print("\n5. cProfile: requests, first access + drop of fresh responses, hooks installed")
        profile_isolated(payloads.body(KB), n_isolated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
