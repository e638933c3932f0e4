"""Faithfulness of the runtime on a real test suite (a script, not a test; issue 11):

    .venv/bin/python tests/bench/faithfulness.py [--profile wrapt|strict] [--release-on-close] -- PYTEST_ARGS...

e.g. in a checkout of urllib3 (with its test requirements installed):
    python /path/to/buffix/tests/bench/faithfulness.py -- test/with_dummyserver -p no:cacheprovider -q

Runs the suite plainly and under `buffix run`, each with --junitxml, and prints the tests whose outcome differs,
with the first line of the failure under the runtime, plus the wall-time ratio (target <= 1.10x). Exit 1 when
outcomes differ (each difference must then be a real buffer-protocol site of the suite).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from typing import Dict, List, Tuple


def outcomes(junit: str) -> Dict[str, Tuple[str, str]]:
    """test id -> (passed|failed|error|skipped, first line of the message)."""
    found: Dict[str, Tuple[str, str]] = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        test = f"{case.get('classname')}::{case.get('name')}"
        state, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                state = "failed" if child.tag == "failure" else child.tag
                message = (child.get("message") or "").splitlines()[0][:200] if child.get("message") else ""
                break
        found[test] = (state, message)
    return found


def run(prefix: List[str], args: List[str], junit: str) -> float:
    started = time.monotonic()
    subprocess.run([*prefix, sys.executable, "-m", "pytest", f"--junitxml={junit}", *args],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="wrapt", choices=("wrapt", "strict"))
    parser.add_argument("--release-on-close", action="store_true")
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    args = [a for a in options.pytest_args if a != "--"]
    buffix = [sys.executable, "-m", "buffix", "run", "--profile", options.profile,
              *(["--release-on-close"] if options.release_on_close else []), "--"]
    with tempfile.TemporaryDirectory() as folder:
        plain_xml, under_xml = os.path.join(folder, "plain.xml"), os.path.join(folder, "under.xml")
        plain_time = run([], args, plain_xml)
        under_time = run(buffix, args, under_xml)
        plain, under = outcomes(plain_xml), outcomes(under_xml)
    differing = sorted(test for test in plain.keys() | under.keys()
                       if plain.get(test, ("missing", ""))[0] != under.get(test, ("missing", ""))[0])
    print(f"{len(plain)} tests plainly, {len(under)} under buffix run --profile {options.profile}; "
          f"{len(differing)} differ; wall time {plain_time:.1f}s vs {under_time:.1f}s "
          f"({under_time / plain_time if plain_time else float('nan'):.2f}x)")
    for test in differing:
        before, after = plain.get(test, ("missing", "")), under.get(test, ("missing", ""))
        print(f"  {test}: {before[0]} -> {after[0]}  {after[1]}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
