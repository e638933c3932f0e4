"""Run the per-file stages — read → prefilter → analyze — over many files, fast and crash-proof.

- The cache answers first, from a stat, without reading the file.
- Small runs read and prefilter in this process: nothing starts when every file is answered or filtered out, and
  the analyzer (and libcst) is never imported.
- Large runs hand whole files to worker processes started once per run; each keeps its analyzer for all its
  files and receives paths in chunks.
- The analyzer itself always runs in a worker where `fork` is available, even for one file: code nested deep
  enough kills LibCST's native parser with SIGSEGV, and a dead worker must cost only that file. The pipeline knows
  which file each worker is on, so after a death it re-runs that file alone in a fresh process (a crash there
  becomes a FileError "crashed the parser: ...") and hands the rest of the chunk to the other workers.
- Results come back sorted by path whatever `jobs` is.

`analyze_one(path, source) -> FileResult` and `prefilter(path, source) -> bool` must be picklable (module-level
functions or `functools.partial` of them) when the platform has no `fork`.
"""

from __future__ import annotations

import gc
import os
import signal
import stat
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Deque,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    Optional,
    Tuple,
    Union,
)

from buffix.cache import Cache, Signature, digest, signature
from buffix.core.findings import FileError, FileResult, slotted
from buffix.core.process import FORK as _FORK
from buffix.core.process import crash_message, end_with_parent

Analyze = Callable[[str, bytes], FileResult]
# (path, source) -> may hold a finding, or (that, the other files the answer was read from)
Prefilter = Callable[[str, bytes], Union[bool, Tuple[bool, Tuple[str, ...]]]]
Progress = Callable[[int, int], None]
Refresh = Callable[[FileResult], bool]  # a cached result that must be analyzed again (`fix`: it has a fix to apply)


@slotted
@dataclass(frozen=True)
class Reworked(FileResult):
    """What an `analyze_one` that does more than analyze returns (`fix` fixes each file in the worker that analyzed
    it, so no process holds other files' results): its `payload` (the FileFix) rides back with the findings. When
    `of_bytes_read` is False the findings are of other bytes (the fixed text): the cache must not keep them."""

    payload: Any = None
    of_bytes_read: bool = True

MAX_BYTES = 16 * 1024 * 1024  # larger files are prefiltered, not parsed (the analyzer of a file above 256 KiB
# parses it a few statements at a time, ~10 bytes of memory per byte: analysis/bounded.py)
INLINE_LIMIT = 64  # up to this many uncached files are read in-process (a worker pool costs more)

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

# BUFFIX_PROFILE_STAGES=1: each process prints its CPU seconds and file count per stage to stderr when it is done
# (tests/bench/bench_cli.py sums them). Off, it costs one bool test per stage call.
PROFILE = os.environ.get("BUFFIX_PROFILE_STAGES") == "1"
_stages: Dict[str, List[float]] = {}


def _timed(stage: str, function: Callable[..., Any], *args: Any) -> Any:
    if not PROFILE:
        return function(*args)
    import time

    started = time.process_time()
    try:
        return function(*args)
    finally:
        count_stage(stage, time.process_time() - started)


def count_stage(stage: str, seconds: float, files: int = 1) -> None:
    if not _stages:
        import atexit

        atexit.register(_report_stages, "parent")  # workers end by os._exit: they report themselves
    entry = _stages.setdefault(stage, [0.0, 0])
    entry[0] += seconds
    entry[1] += files


def _report_stages(role: str) -> None:
    import json
    import sys

    if _stages:
        print("buffix-profile " + json.dumps({"pid": os.getpid(), "role": role, "stages": _stages}), file=sys.stderr,
              flush=True)


FILE_TIMEOUT = float(os.environ.get("BUFFIX_FILE_TIMEOUT", "300"))  # seconds one file may take: a hung worker


def default_jobs() -> int:
    """The CPUs this process may run on (a container's share, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# -- one file ----------------------------------------------------------------------------------------------------

def read_source(path: str) -> bytes:
    """The file's bytes; never blocks on a named pipe. Raises OSError / ValueError with a clear cause."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with open(fd, "rb", closefd=True) as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("not a regular file")
        return handle.read()


def read_stdin(path: str, max_bytes: int = MAX_BYTES) -> Tuple[bytes, Optional[FileResult]]:
    """Up to `max_bytes` of stdin, and the FileResult to report instead when it holds more (a file that large is
    not parsed either: a 10 MB input used 4-8 GB)."""
    import sys

    data = sys.stdin.buffer.read(max_bytes + 1)
    if len(data) <= max_bytes:
        return data, None
    limit = max_bytes / 1024 / 1024
    return data, FileResult(path, error=FileError(path, f"too large to analyze (over {limit:.0f} MiB read from stdin)"))


def _read(path: str) -> Tuple[Optional[bytes], Optional[FileResult]]:
    try:
        return read_source(path), None
    except OSError as exc:
        return None, FileResult(path, error=FileError(path, f"cannot read: {exc.strerror or exc}"))
    except ValueError as exc:
        return None, FileResult(path, error=FileError(path, str(exc)))


def _screen(path: str, source: bytes, prefilter: Optional[Prefilter], max_bytes: int) -> Optional[FileResult]:
    """The result when the file needs no analysis, else None."""
    if prefilter is not None:
        # a bool, or (bool, the other files the answer was read from); a prefilter that fails (a stack too deep
        # even on a deep one) keeps the file: the analyzer then decides, or says why it cannot
        verdict = guarded(lambda: prefilter(path, source), lambda message: True)
        keep, depends_on = verdict if isinstance(verdict, tuple) else (verdict, ())
        if not keep:
            return FileResult(path, depends_on=depends_on)
    if len(source) > max_bytes:
        size = len(source) / 1024 / 1024
        return FileResult(path, error=FileError(
            path, f"too large to analyze ({size:.1f} MiB; the limit is {max_bytes / 1024 / 1024:.0f} MiB)"))
    return None


def analyze_guarded(analyze: Analyze, path: str, source: bytes) -> FileResult:
    """Run the analyzer; an exception costs only this file. The one guarded place: code nested deeper than the
    default recursion limit (a 500-term sum, a 300-branch elif: CPython compiles them) is analyzed again on a deep
    stack, so only code that CPython itself cannot handle is an error."""
    try:
        result = analyze(path, source)
        if result.error is None or _DEEP not in result.error.message:
            return result
    except RecursionError:
        pass
    except MemoryError:
        # CPython's own parser raises a bare MemoryError on deep nesting (e.g. 100k unary minus signs)
        return FileResult(path, error=FileError(path, "crashed the parser: out of memory (MemoryError); code nested "
                                                      "too deeply is the usual cause"))
    except Exception as exc:  # an analyzer bug must not end the run; the message says it is ours
        return FileResult(path, error=FileError(path, f"internal error: {type(exc).__name__}: {exc}"))
    try:
        return on_deep_stack(analyze, path, source)
    except (RecursionError, MemoryError):
        return FileResult(path, error=FileError(path, "crashed the parser: code nested too deeply (RecursionError)"))
    except Exception as exc:
        return FileResult(path, error=FileError(path, f"internal error: {type(exc).__name__}: {exc}"))


def guarded(work: Callable[[], Any], failed: Callable[[str], Any]) -> Any:
    """`work()`, retried on a deep stack after a RecursionError; any other failure is `failed(message)`: for the
    steps outside the analyzer (the fixer's rewrite and proof) that must cost only their file too."""
    try:
        try:
            return work()
        except RecursionError:
            return on_deep_stack(work)
    except (RecursionError, MemoryError) as exc:
        return failed(f"code nested too deeply to fix ({type(exc).__name__})")
    except Exception as exc:
        return failed(f"internal error: {type(exc).__name__}: {exc}")


_DEEP = "nested too deeply"  # what the analyzer's own RecursionError messages say
_DEEP_STACK = 512 * 1024 * 1024  # virtual: only the pages a deep file touches are used
_DEEP_LIMIT = 60_000


def on_deep_stack(function: Callable[..., Any], *args: Any) -> Any:
    """`function(*args)` in a thread with a 512 MiB stack and a recursion limit to match; raises what it raises."""
    import sys
    import threading

    outcome: List[Any] = []

    def target() -> None:
        try:
            outcome.append((True, function(*args)))
        except BaseException as exc:  # handed to the caller's thread
            outcome.append((False, exc))

    old_size, old_limit = threading.stack_size(), sys.getrecursionlimit()
    threading.stack_size(_DEEP_STACK)
    sys.setrecursionlimit(max(old_limit, _DEEP_LIMIT))
    try:
        thread = threading.Thread(target=target, name="buffix-deep")
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old_size)
        sys.setrecursionlimit(old_limit)
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


# -- workers -------------------------------------------------------------------------------------------------------

def _worker(conn: Connection, analyze: Analyze, prefilter: Optional[Prefilter], max_bytes: int,
            known: FrozenSet[str], hashing: bool) -> None:
    """Answer chunks of (index, path) with lists of (index, digest, result); result None = "cached by digest".

    Answers are sent in batches (one message per file costs the parent more than screening the file), and the batch
    is always sent before a file is analyzed: if the analyzer kills this process, every file before it is answered,
    so the parent knows which one did it."""
    end_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    # What the parent built (catalog, project) lives as long as the worker, and an analyzed file's tree is freed by
    # reference counting: the cycle collector would only walk the same objects again (~10% of analysis time).
    gc.freeze()
    gc.set_threshold(50_000, 50, 1000)
    _stages.clear()  # the parent's figures are the parent's to report
    try:
        _answer_chunks(conn, analyze, prefilter, max_bytes, known, hashing)
    except (EOFError, ConnectionError):  # the parent is gone: nobody to answer
        return
    _report_stages("worker")


def _answer_chunks(conn: Connection, analyze: Analyze, prefilter: Optional[Prefilter], max_bytes: int,
                   known: FrozenSet[str], hashing: bool) -> None:
    while True:
        chunk = conn.recv()
        if chunk is None:
            return
        answers: List[Tuple[int, Optional[str], Optional[FileResult]]] = []
        for index, path, screened in chunk:
            source, failed = _timed("read", _read, path)
            if failed is not None:
                answers.append((index, None, failed))
                continue
            key = digest(source) if hashing else None
            if key is not None and key in known:
                answers.append((index, key, None))
                continue
            result = None if screened else _screen(path, source, prefilter, max_bytes)
            if result is None:
                if answers:
                    conn.send(answers)
                    answers = []
                result = _timed("analyze", analyze_guarded, analyze, path, source)
            answers.append((index, key, result))
        conn.send(answers)


class _Pool:
    """Processes started once; each is fed one chunk at a time so the pipeline knows what a dead one was doing."""

    def __init__(self, size: int, args: tuple) -> None:
        import multiprocessing

        self.context = multiprocessing.get_context("fork" if _FORK else None)
        self.args = args
        self.size = size
        self.busy: Dict[Connection, Tuple[Any, List[Tuple[int, str, bool]], float]] = {}  # + last answer
        self.idle: List[Tuple[Connection, Any]] = []

    def start_one(self, fresh: bool = False) -> Tuple[Connection, Any]:
        """A new worker; `fresh` ones know no cached digests, so they always analyze."""
        args = self.args[:-2] + (frozenset(),) + self.args[-1:] if fresh else self.args
        ours, theirs = self.context.Pipe()
        process = self.context.Process(target=_worker, args=(theirs, *args), daemon=True)
        process.start()
        theirs.close()
        return ours, process

    def give(self, chunk: List[Tuple[int, str, bool]]) -> None:
        conn, process = self.idle.pop() if self.idle else self.start_one()
        conn.send(chunk)
        self.busy[conn] = (process, list(chunk), _now())

    def close(self) -> None:
        for conn, process in self.idle:
            _stop_worker(conn, process)
        for conn, (process, _, _) in self.busy.items():
            process.kill()
            process.join()
            conn.close()
        self.idle.clear()
        self.busy.clear()


# -- the run -------------------------------------------------------------------------------------------------------

Task = Tuple[int, str, bool]  # (index, path, already screened)


def check_files(
    files: Iterable[Any],
    analyze_one: Analyze,
    *,
    prefilter: Optional[Prefilter] = None,
    jobs: Optional[int] = None,
    cache: Optional[Cache] = None,
    progress: Optional[Progress] = None,
    max_bytes: int = MAX_BYTES,
    isolate: bool = True,
    prepare: Optional[Callable[[int], Any]] = None,
    timeout: float = FILE_TIMEOUT,
    refresh: Optional[Refresh] = None,
) -> Iterator[FileResult]:
    """One FileResult per file, sorted by path. `cache=None` is `--no-cache`; `isolate=False` runs the analyzer
    in this process (no crash isolation) — the default is to isolate wherever `fork` makes it cheap.
    `prepare(processes)` runs once before the first file is prefiltered or analyzed (so forked workers inherit what it
    builds, with up to `processes` processes of its own), and not at all when the cache answers every file.
    A cached result for which `refresh(result)` is true is not used: the file is analyzed again."""
    yield from _CheckRun(files, analyze_one, prefilter, jobs, cache, progress, max_bytes, isolate, prepare,
                         timeout, refresh).run()


class _CheckRun:
    """One `check_files` call, phase by phase: cache lookup by stat, inline read and prefilter (small runs), prepare,
    dispatch to the worker pool, collect the workers' answers. Results are yielded in path order as they fill in."""

    def __init__(self, files: Iterable[Any], analyze_one: Analyze, prefilter: Optional[Prefilter],
                 jobs: Optional[int], cache: Optional[Cache], progress: Optional[Progress], max_bytes: int,
                 isolate: bool, prepare: Optional[Callable[[int], Any]], timeout: float,
                 refresh: Optional[Refresh] = None) -> None:
        self.paths = sorted({os.fspath(f) for f in files})
        self.total = len(self.paths)
        self.jobs = max(1, min(jobs or default_jobs(), default_jobs()))  # CPU-bound: more workers only cost memory
        self.analyze_one, self.prefilter, self.max_bytes = analyze_one, prefilter, max_bytes
        self.cache, self.progress, self.isolate, self.timeout = cache, progress, isolate, timeout
        self.refresh = refresh
        self.hashing = cache is not None  # workers send each file's digest, for the cache
        self.prepare = prepare  # None once it has run
        self.results: List[Optional[FileResult]] = [None] * self.total
        self.sigs: List[Optional[Signature]] = [None] * self.total
        self.done = 0
        self.next_out = 0  # the first result not yet yielded
        self.size = 0  # the pool's worker count (lowered when the process limit is reached)
        self.tasks: Deque[List[Task]] = deque()

    pool: _Pool  # started by `dispatch`

    def run(self) -> Iterator[FileResult]:
        pending = self.look_up_cache()
        yield from self.ready()
        if len(pending) <= INLINE_LIMIT or self.jobs == 1:
            work = self.read_inline(pending, use_pool=self.isolate and _FORK or len(pending) > INLINE_LIMIT)
            yield from self.ready()
        else:
            work = [(index, self.paths[index], False) for index in pending]
        if work:
            yield from self.dispatch(work)
        if self.cache is not None:
            self.cache.save()
        yield from self.ready()

    def finish(self, index: int, key: Optional[str], result: FileResult) -> None:
        self.results[index] = result
        self.done += 1
        if self.cache is not None and key is not None and getattr(result, "of_bytes_read", True):
            self.cache.store(self.paths[index], self.sigs[index], key, result)
        if self.progress is not None:
            self.progress(self.done, self.total)

    def ready(self) -> Iterator[FileResult]:
        while self.next_out < self.total and self.results[self.next_out] is not None:
            yield self.results[self.next_out]  # type: ignore[misc]
            self.next_out += 1

    # -- phase 1: the cache, from a stat ----------------------------------------------------------------------------

    def look_up_cache(self) -> List[int]:
        """The indexes of the files the cache does not answer from their stat."""
        pending: List[int] = []
        for index, path in enumerate(self.paths):
            if self.cache is not None:
                try:
                    self.sigs[index] = sig = signature(os.stat(path))
                except OSError:
                    pass  # the read reports it
                else:
                    hit = self.cache.lookup_stat(path, sig)
                    if hit is not None and not self.stale(hit):
                        self.results[index] = hit
                        self.done += 1
                        continue
            pending.append(index)
        if self.progress is not None and self.done:
            self.progress(self.done, self.total)
        return pending

    def stale(self, hit: FileResult) -> bool:
        return self.refresh is not None and self.refresh(hit)

    # -- phase 2: small runs read and prefilter here ----------------------------------------------------------------

    def read_inline(self, pending: List[int], use_pool: bool) -> List[Task]:
        """Read and prefilter `pending` in this process (and analyze here too unless `use_pool`); the candidates
        left for the pool."""
        work: List[Task] = []
        for index in pending:
            path = self.paths[index]
            source, failed = _timed("read", _read, path)
            if failed is not None:
                self.finish(index, None, failed)
                continue
            key = digest(source) if self.hashing else None
            hit = self.cache.lookup_content(path, self.sigs[index], key) if self.cache is not None and key else None
            if hit is not None and self.stale(hit):
                hit = None
            if hit is None:
                self.ensure_prepared()
            result = hit or _screen(path, source, self.prefilter, self.max_bytes)
            if result is None and not use_pool:
                result = _timed("analyze", analyze_guarded, self.analyze_one, path, source)
            if result is None:
                work.append((index, path, True))
            else:
                self.finish(index, None if hit else key, result)
        return work

    # -- phase 3: prepare, once --------------------------------------------------------------------------------------

    def ensure_prepared(self, processes: int = 1) -> None:
        prepare, self.prepare = self.prepare, None
        if prepare is None:
            return
        with _collector_paused():
            self._prepare(prepare, processes)

    @staticmethod
    def _prepare(prepare: Callable[[int], Any], processes: int) -> None:
        if not PROFILE:
            prepare(processes)
            return
        import resource  # the index is built by forked shards too: count their CPU (waited for) as well

        def cpu() -> float:
            own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
            return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

        started = cpu()
        prepare(processes)
        count_stage("prepare (method index)", cpu() - started)

    # -- phase 4: the pool ---------------------------------------------------------------------------------------------

    def dispatch(self, work: List[Task]) -> Iterator[FileResult]:
        """Hand `work` to the workers in chunks, collect their answers, and yield results as they are ready."""
        from multiprocessing.connection import wait

        self.size = min(self.jobs, len(work))
        self.ensure_prepared(self.size)  # before the workers fork, so that they inherit it
        # with `refresh`, a worker cannot tell which cached digests would be refreshed: it analyzes what it is given
        known = frozenset(self.cache.by_digest) if self.cache is not None and self.refresh is None else frozenset()
        chunk_size = max(1, min(64, len(work) // (self.size * 8) or 1))
        self.tasks = deque(work[i:i + chunk_size] for i in range(0, len(work), chunk_size))
        self.pool = pool = _Pool(self.size, (self.analyze_one, self.prefilter, self.max_bytes, known, self.hashing))
        try:
            self.fill()
            while pool.busy:
                ready_conns = wait(list(pool.busy), timeout=self.timeout)
                self.stop_hung(ready_conns)
                for conn in ready_conns:
                    self.collect(conn)  # type: ignore[arg-type]  # wait() returns what it was given: Connections
                self.fill()
                if self.tasks and not pool.busy and not pool.idle:  # every fork failed: the rest runs here
                    while self.tasks:
                        self.give()
                yield from self.ready()
        finally:
            pool.close()

    def fill(self) -> None:
        """Give chunks to idle or new workers, up to the pool's size."""
        while self.tasks and len(self.pool.busy) < self.size and self.give():
            pass

    def give(self) -> bool:
        """Start the next chunk; at the process limit (fork fails) run it here when no worker is left."""
        try:
            self.pool.give(self.tasks[0])
        except OSError:
            if self.pool.busy:
                self.size = len(self.pool.busy)  # run with the workers there are
                return False
            for index, path, screened in self.tasks[0]:
                source, failed = _read(path)
                result = failed or (None if screened else _screen(path, source, self.prefilter,  # type: ignore
                                                                  self.max_bytes))
                key = digest(source) if self.hashing and source is not None else None
                self.finish(index, key, result or analyze_guarded(self.analyze_one, path, source))  # type: ignore
        self.tasks.popleft()
        return True

    # -- phase 5: the workers' answers ---------------------------------------------------------------------------------

    def stop_hung(self, ready_conns: List[Any]) -> None:
        """The watchdog: a worker silent for `timeout` seconds hangs on its file; that file is reported, the rest of
        its chunk goes back to the queue."""
        pool, now = self.pool, _now()
        for conn in [c for c in pool.busy if c not in ready_conns and now - pool.busy[c][2] >= self.timeout]:
            process, remaining, _ = pool.busy.pop(conn)
            process.kill()
            process.join()
            conn.close()
            if remaining[1:]:
                self.tasks.appendleft(remaining[1:])
            self.finish(remaining[0][0], None, _timed_out(remaining[0][1], self.timeout))

    def collect(self, conn: Connection) -> None:
        """One worker's answers; after its death, the file it was on is re-run alone and the rest is queued again."""
        pool = self.pool
        process, remaining, _ = pool.busy[conn]
        try:
            answers = conn.recv()
        except (EOFError, OSError):
            del pool.busy[conn]
            conn.close()
            process.join()
            suspect, rest = remaining[0], remaining[1:]
            if rest:
                self.tasks.appendleft(rest)
            self.finish(suspect[0], _digest_of(suspect[1]) if self.hashing else None,
                        _run_alone(suspect, pool, self.timeout))
            return
        pool.busy[conn] = (process, remaining, _now())
        for index, key, result in answers:
            remaining.pop(0)
            if result is None:  # the worker found this content in the cache
                path = self.paths[index]
                result = self.cache.lookup_content(path, self.sigs[index], key) if self.cache else None
                result = result or analyze_guarded(self.analyze_one, path, read_source(path))
            self.finish(index, key, result)
        if not remaining:
            del pool.busy[conn]
            pool.idle.append((conn, process))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cycle collection while `prepare` builds the method index: its ~200,000 objects all live on and form no
    garbage cycles, so each collection would only walk them again (a fifth of the parent's CPU on the bench
    corpus, where it runs before any worker starts)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _timed_out(path: str, timeout: float) -> FileResult:
    return FileResult(path, error=FileError(path, f"analysis did not finish within {timeout:g} s "
                                                  "(BUFFIX_FILE_TIMEOUT); skipped"))


def _now() -> float:
    import time

    return time.monotonic()


def _digest_of(path: str) -> Optional[str]:
    try:
        return digest(read_source(path))
    except (OSError, ValueError):
        return None


def _run_alone(item: Tuple[int, str, bool], pool: _Pool, timeout: float) -> FileResult:
    """Re-run the file a worker died on, alone in a fresh process: a second death convicts it."""
    index, path, _ = item
    try:
        conn, process = pool.start_one(fresh=True)
    except OSError as exc:  # the process limit: the file is reported, not retried here (it killed a worker)
        return FileResult(path, error=FileError(path, f"crashed the parser, and no process could be started to "
                                                      f"retry it: {exc.strerror or exc}"))
    try:
        conn.send([item])
        if not conn.poll(timeout):
            process.kill()
            process.join()
            return _timed_out(path, timeout)
        try:
            return conn.recv()[0][2]
        except (EOFError, OSError):
            pass
        process.join()
        return FileResult(path, error=FileError(path, crash_message(process)))
    finally:
        _stop_worker(conn, process)


def _stop_worker(conn: Connection, process: Any) -> None:
    """Ask a worker to exit (None), and make sure it does."""
    try:
        conn.send(None)
    except OSError:
        pass
    conn.close()
    process.join(timeout=5)
    if process.is_alive():
        process.kill()
        process.join()
