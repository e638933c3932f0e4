"""Fuzz the fixer with generated programs (hypothesmith) and the standard library, at least 10,000 programs.

    .venv/bin/python tests/fixer/fuzz_hypothesmith.py [--programs N] [--seed N]

Each program goes through `fix_source` with every call site as a target, in a rotating style, and the result is
checked by tests/fixer/fuzzing.py (it parses, only target lines changed, same call sites). A crash of the fixer
(any exception, a RecursionError included) is a failure. Prints the figures; exits 1 on any failure. A script,
not part of the suite: it runs for minutes.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import sysconfig
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixer.fuzzing import check_source  # noqa: E402

STYLES = ("slice", "getitem", "helper")


def generated(count: int, seed: int, each) -> None:
    """Call `each(name, source)` for `count` programs from hypothesmith's grammar- and CST-based strategies, as they
    are drawn (nothing is kept: memory stays flat, and the figures so far are printed every 500 programs)."""
    import hypothesmith
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed

    drawn = [0]
    for strategy in (hypothesmith.from_grammar(), hypothesmith.from_node()):
        @hseed(seed)
        @settings(max_examples=count // 2, database=None, deadline=None, suppress_health_check=list(HealthCheck))
        @given(strategy)
        def run(source):
            drawn[0] += 1
            each(f"<generated {drawn[0]}>", source.encode("utf-8", "surrogatepass"))

        run()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=10_000, help="generated programs (default 10,000)")
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    warnings.simplefilter("ignore")
    started = time.perf_counter()
    rng = random.Random(options.seed)
    totals = collections.Counter()
    failures = []

    def each(path: str, data: bytes) -> None:
        style = STYLES[totals["programs"] % 3]
        totals["programs"] += 1
        try:
            result = check_source(data, style, path, rng, 40)
        except Exception as error:  # a crash of the fixer or of the checking is a failure too
            failures.append(f"{path}: {type(error).__name__}: {error}")
            return
        if result is None:
            totals["skipped (Python cannot parse it)"] += 1
            return
        totals["sites"] += result.sites
        totals["edits applied"] += result.applied
        totals["targets refused"] += result.refused
        failures.extend(f"[{style}] {failure}" for failure in result.failures)
        if totals["programs"] % 500 == 0:
            print(f"... {dict(totals)}, failures: {len(failures)}", file=sys.stderr, flush=True)

    generated(options.programs, options.seed, each)
    generated_count = totals["programs"]
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(stdlib.rglob("*.py")):
        if "site-packages" not in path.parts:
            each(str(path), path.read_bytes())
    print(f"Python {sys.version.split()[0]}: {generated_count} generated + {totals['programs'] - generated_count} stdlib "
          f"programs in {time.perf_counter() - started:.0f} s")
    for key, value in totals.items():
        print(f"  {key}: {value}")
    print(f"failures: {len(failures)}")
    for failure in failures[:50]:
        print("  " + failure[:400])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
