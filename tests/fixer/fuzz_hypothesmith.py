"""Fuzz the fixer with generated programs (hypothesmith) and the standard library, at least 10,000 programs.

    .venv/bin/python tests/fixer/fuzz_hypothesmith.py [--programs N] [--seed N] [--no-stdlib]

Every generated program gets sink calls on response bodies inserted at statement positions (tests/fixer/injection.py:
without them hypothesmith's CST-based half has no call sites at all). Each program goes through `fix_source` with
every call site as a target (at most 40), in a rotating style, and the result is checked by tests/fixer/fuzzing.py
(it parses, only target lines changed, same call sites). A crash of the fixer (any exception, a RecursionError included) is a failure.
Each chunk of --chunk-size programs (or stdlib files) runs in a fresh child process that hands back its counts and
failures: hypothesis and the fixer grow across draws (one process reached 2.3 GB at 7,250 programs), a child's memory
goes with it. Prints the figures for each half (grammar-based, CST-based, stdlib), the failures by kind and the peak
RSS of the largest chunk; exits 1 on any failure. A script, not part of the suite: it runs for minutes.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import resource
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Dict, Hashable, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixer.fuzzing import check_source  # noqa: E402

STYLES = ("slice", "getitem", "helper")
HALVES = ("from_grammar", "from_node")
# What a failure message says, for the figures by kind (tests/fixer/fuzzing.py words them).
FAILURE_KINDS = (
    ("crash", "crash"),
    ("does not parse", "result does not parse"),
    ("line without a target changed", "a line without a target changed"),
    ("text removed", "text was removed"),
    ("line count changed", "lines became"),
    ("call sites changed", "call sites became"),
    ("second run changed something", "a second run changed"),
    ("targets not accounted for", "targets not all accounted for"),
    ("refusal without a reason", "a refusal without a reason"),
    ("BOM lost or added", "BOM lost or added"),
    ("chunk process died", "process died"),
)


def failure_kind(message: str) -> str:
    return next((kind for kind, words in FAILURE_KINDS if words in message), "other")


def generated(count: int, seed: Hashable, half: str, each) -> None:
    """Call `each(name, source, inserted)` for `count` programs of one `half` (hypothesmith's grammar-based or
    CST-based strategy), each with sink calls inserted at statement positions (tests/fixer/injection.py; `inserted`
    says whether they could be), as they are drawn."""
    import hypothesmith
    from fixer.injection import with_sites
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed

    strategies = {"from_grammar": hypothesmith.from_grammar, "from_node": hypothesmith.from_node}
    drawn = [0]

    @hseed(seed)
    @settings(max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(with_sites(strategies[half]()))
    def run(program):
        source, inserted = program
        drawn[0] += 1
        each(f"<generated {drawn[0]}>", source.encode("utf-8", "surrogatepass"), inserted)

    run()


def stdlib_files() -> List[str]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    return [str(path) for path in sorted(stdlib.rglob("*.py")) if "site-packages" not in path.parts]


def run_chunk(half: str, index: int, count: int, size: int, seed: int) -> Dict[str, Any]:
    """One chunk, in its own process: `count` programs of `half` (or the `index`-th `size` stdlib files), its totals
    and failures. Its seeds come from (seed, half, index): the same --seed gives the same programs."""
    rng = random.Random(f"{seed}/{half}/{index}")
    totals: collections.Counter = collections.Counter()
    failures: List[str] = []
    offset = index * size  # the style rotates over the whole half, as in one long run

    def each(path: str, data: bytes, inserted: bool = False) -> None:
        style = STYLES[(offset + totals["programs"]) % 3]
        totals["programs"] += 1
        totals["programs with sites inserted"] += inserted
        try:
            result = check_source(data, style, path, rng, 40)
        except Exception as error:  # a crash of the fixer or of the checking is a failure too
            failures.append(f"{path}: crash {type(error).__name__}: {error}")
            return
        if result is None:
            totals["skipped (Python cannot parse it)"] += 1
            return
        totals["programs with sites"] += result.sites > 0
        totals["sites"] += result.sites
        totals["edits applied"] += result.applied
        totals["targets refused"] += result.refused
        failures.extend(f"[{style}] {failure}" for failure in result.failures)

    if half == "stdlib":
        for path in stdlib_files()[offset:offset + size]:
            each(path, Path(path).read_bytes())
    else:
        generated(count, seed if index == 0 else f"{seed}/{index}", half, each)  # chunk 0: the old run's seed
    return {"totals": dict(totals), "failures": failures}


def in_child(half: str, index: int, count: int, size: int, seed: int) -> Tuple[Dict[str, Any], float]:
    """`run_chunk` in a fresh process (hypothesis and the fixer's caches grow across draws: a chunk's memory is
    freed with its process), and that process's peak RSS in MiB. A child that dies is a failure."""
    command = [sys.executable, __file__, "--chunk", half, str(index), str(count), "--chunk-size", str(size),
               "--seed", str(seed)]
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(command, stdout=out)
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            if child.returncode is None and child.poll() is None:
                child.kill()
                child.wait()
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        lines = out.read().decode("utf-8", "replace").splitlines()
    rss = usage.ru_maxrss / 1024
    if child.returncode != 0 or not lines:
        return {"totals": {}, "failures": [f"chunk {half} {index}: process died ({describe(child.returncode)})"]}, rss
    return json.loads(lines[-1]), rss


def describe(code: int) -> str:
    return f"killed by signal {-code}" if code < 0 else f"exit status {code}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=10_000, help="generated programs (default 10,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-stdlib", action="store_true", help="only the generated programs")
    parser.add_argument("--half", choices=HALVES, help="only this strategy's programs")
    parser.add_argument("--chunk-size", type=int, default=500, help="programs (or stdlib files) per child process")
    parser.add_argument("--chunk", nargs=3, metavar=("HALF", "INDEX", "COUNT"), help=argparse.SUPPRESS)  # a child's work
    options = parser.parse_args()
    warnings.simplefilter("ignore")
    if options.chunk:
        half, index, count = options.chunk
        print(json.dumps(run_chunk(half, int(index), int(count), options.chunk_size, options.seed)), flush=True)
        return 0
    started = time.perf_counter()
    halves: Dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    failures: List[Tuple[str, str]] = []
    peak = 0.0
    plan = []  # (half, chunk index, programs in it)
    for half in (options.half,) if options.half else HALVES:
        count = options.programs // (1 if options.half else len(HALVES))
        plan += [(half, i, options.chunk_size) for i in range(count // options.chunk_size)]
        if count % options.chunk_size:
            plan.append((half, count // options.chunk_size, count % options.chunk_size))
    if not options.no_stdlib:
        plan += [("stdlib", i, options.chunk_size) for i in range(-(-len(stdlib_files()) // options.chunk_size))]
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a run cut short still prints its figures
    try:
        for half, index, size in plan:
            answer, rss = in_child(half, index, size, options.chunk_size, options.seed)
            peak = max(peak, rss)
            halves[half].update(answer["totals"])
            failures.extend((half, failure) for failure in answer["failures"])
            print(f"... {half} chunk {index}: {dict(halves[half])}, failures: {len(failures)}, "
                  f"chunk peak RSS {rss:.0f} MiB", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("interrupted: the figures so far", flush=True)
    print(f"Python {sys.version.split()[0]}, seed {options.seed}, chunks of {options.chunk_size}: "
          f"{time.perf_counter() - started:.0f} s")
    for half, totals in halves.items():
        print(f"{half}:")
        for key, value in totals.items():
            print(f"  {key}: {value}")
        kinds = collections.Counter(failure_kind(message) for where, message in failures if where == half)
        print(f"  failures: {sum(kinds.values())}" + "".join(f"\n    {kind}: {n}" for kind, n in kinds.items()))
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MiB (largest chunk process), {own:.0f} MiB (this process)")
    print(f"failures: {len(failures)}")
    for half, failure in failures[:50]:
        print(f"  {half} {failure[:400]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
