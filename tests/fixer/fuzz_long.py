"""The long fuzz run: every .py of the running Python's standard library, every call site, every style.

    .venv/bin/python tests/fixer/fuzz_long.py [--styles rotate|all] [--limit N] [--jobs N]

Prints the figures (files, sites, edits, refusals by reason, time) and every failure; exits 1 on a failure.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import random
import re
import sys
import sysconfig
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixer.fuzzing import check_source  # noqa: E402

STYLES = ("slice", "getitem", "helper")


def _job(task):
    path, style, limit, seed = task
    result = check_source(Path(path).read_bytes(), style, path, random.Random(seed), limit)
    return path, style, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--styles", choices=("rotate", "all"), default="all")
    parser.add_argument("--limit", type=int, default=None, help="at most N sites per file (default: all)")
    parser.add_argument("--jobs", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()

    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(str(p) for p in root.rglob("*.py") if "site-packages" not in p.parts)
    tasks = [
        (path, style, options.limit, options.seed + index)
        for index, path in enumerate(files)
        for style in (STYLES if options.styles == "all" else (STYLES[index % 3],))
    ]
    started = time.perf_counter()
    totals = collections.Counter()
    reasons = collections.Counter()
    failures = []
    with multiprocessing.Pool(options.jobs) as pool:
        for _path, style, result in pool.imap_unordered(_job, tasks, chunksize=4):
            if result is None:
                totals["runs skipped (Python cannot parse the file)"] += 1
                continue
            totals["runs"] += 1
            totals["sites"] += result.sites
            totals["edits applied"] += result.applied
            totals["targets refused"] += result.refused
            reasons.update(re.sub(r"'.*'|\".*\"", "…", reason)[:90] for reason in result.reasons)
            failures += [f"[{style}] {failure}" for failure in result.failures]
    elapsed = time.perf_counter() - started
    print(f"Python {sys.version.split()[0]}, stdlib at {root}")
    print(f"files: {len(files)}, styles: {options.styles}, jobs: {options.jobs}, time: {elapsed:.1f} s")
    for key, value in totals.items():
        print(f"  {key}: {value}")
    print("refusals by reason:")
    for reason, count in reasons.most_common(15):
        print(f"  {count:7d}  {reason}")
    print(f"failures: {len(failures)}")
    for failure in failures[:50]:
        print("  " + failure[:400])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
