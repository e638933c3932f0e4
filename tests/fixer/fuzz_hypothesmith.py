"""Fuzz the fixer with generated programs (hypothesmith) and the standard library, at least 10,000 programs.

    .venv/bin/python tests/fixer/fuzz_hypothesmith.py [--programs N] [--seed N] [--no-stdlib]

Every generated program gets sink calls on response bodies inserted at statement positions (tests/fixer/injection.py:
without them hypothesmith's CST-based half has no call sites at all). Each program goes through `fix_source` with
every call site as a target (at most 40), in a rotating style, and the result is checked by tests/fixer/fuzzing.py
(it parses, only target lines changed, same call sites). A crash of the fixer (any exception, a RecursionError included) is a failure.
Prints the figures for each half (grammar-based, CST-based, stdlib) and the failures by kind; exits 1 on any failure.
A script, not part of the suite: it runs for minutes.
"""

from __future__ import annotations

import argparse
import collections
import random
import signal
import sys
import sysconfig
import time
import warnings
from pathlib import Path

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
)


def failure_kind(message: str) -> str:
    return next((kind for kind, words in FAILURE_KINDS if words in message), "other")


def generated(count: int, seed: int, each, halves=HALVES) -> None:
    """Call `each(half, name, source, inserted)` for `count` programs, split evenly between the `halves` (hypothesmith's
    grammar-based and CST-based strategies), each with sink calls inserted at statement positions
    (tests/fixer/injection.py; `inserted` says whether they could be), as they are drawn (nothing is kept: memory
    stays flat). One half after the other: `st.one_of` of the two draws almost only the first."""
    import hypothesmith
    from fixer.injection import with_sites
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed

    strategies = {"from_grammar": hypothesmith.from_grammar, "from_node": hypothesmith.from_node}
    drawn = [0]
    def runner(half: str):
        @hseed(seed)
        @settings(max_examples=count // len(halves), database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(with_sites(strategies[half]()))
        def run(program):
            source, inserted = program
            drawn[0] += 1
            each(half, f"<generated {drawn[0]}>", source.encode("utf-8", "surrogatepass"), inserted)

        return run

    for half in halves:
        runner(half)()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=10_000, help="generated programs (default 10,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-stdlib", action="store_true", help="only the generated programs")
    parser.add_argument("--half", choices=HALVES, help="only this strategy's programs")
    options = parser.parse_args()
    warnings.simplefilter("ignore")
    started = time.perf_counter()
    rng = random.Random(options.seed)
    halves = collections.defaultdict(collections.Counter)
    failures = []

    def each(half: str, path: str, data: bytes, inserted: bool = False) -> None:
        totals = halves[half]
        style = STYLES[totals["programs"] % 3]
        totals["programs"] += 1
        totals["programs with sites inserted"] += inserted
        try:
            result = check_source(data, style, path, rng, 40)
        except Exception as error:  # a crash of the fixer or of the checking is a failure too
            failures.append((half, f"{path}: crash {type(error).__name__}: {error}"))
            return
        if result is None:
            totals["skipped (Python cannot parse it)"] += 1
            return
        totals["programs with sites"] += result.sites > 0
        totals["sites"] += result.sites
        totals["edits applied"] += result.applied
        totals["targets refused"] += result.refused
        failures.extend((half, f"[{style}] {failure}") for failure in result.failures)
        if totals["programs"] % 250 == 0:
            print(f"... {half}: {dict(totals)}, failures: {len(failures)}", file=sys.stderr, flush=True)

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a run cut short still prints its figures
    try:
        generated(options.programs, options.seed, each, (options.half,) if options.half else HALVES)
    except KeyboardInterrupt:
        print("interrupted: the figures so far", flush=True)
        options.no_stdlib = True
    if not options.no_stdlib:
        stdlib = Path(sysconfig.get_paths()["stdlib"])
        for path in sorted(stdlib.rglob("*.py")):
            if "site-packages" not in path.parts:
                each("stdlib", str(path), path.read_bytes())
    print(f"Python {sys.version.split()[0]}, seed {options.seed}: {time.perf_counter() - started:.0f} s")
    for half, totals in halves.items():
        print(f"{half}:")
        for key, value in totals.items():
            print(f"  {key}: {value}")
        kinds = collections.Counter(failure_kind(message) for where, message in failures if where == half)
        print(f"  failures: {sum(kinds.values())}" + "".join(f"\n    {kind}: {n}" for kind, n in kinds.items()))
    print(f"failures: {len(failures)}")
    for half, failure in failures[:50]:
        print(f"  {half} {failure[:400]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
