"""Findings and CPU of `buffix check` on the bench corpus's files that this interpreter's `ast` cannot parse (the
LibCST fallback of buffix/core/newsyntax.py). A script, not a test:

    .venv/bin/python tests/bench/fallback_compare.py --save before.json     # on the old commit
    .venv/bin/python tests/bench/fallback_compare.py --against before.json  # on the new one: exit 1 on any change

The corpus is bench_cli.py's (downloaded and unpacked on first use). Findings and file errors are compared as sets
of (path, code, line, column, message) and (path, message); CPU is user+sys of buffix and its workers.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cli import BIN, corpus  # noqa: E402


def fallback_files(root: Path) -> list:
    found = []
    for path in sorted(root.rglob("*.py")):
        try:
            ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            found.append(str(path.relative_to(root)))
    return found


def check(root: Path, files: list, jobs: int) -> tuple:
    started = time.perf_counter()
    before = os.times()
    done = subprocess.run([str(BIN / "buffix"), "check", "--no-cache", "--isolated", "--format", "json",
                           "--jobs", str(jobs), *files], cwd=root, capture_output=True, text=True)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    findings = sorted({json.dumps([f["path"], f["code"], f["line"], f["column"], f["message"]])
                       for f in _findings(json.loads(done.stdout or "[]"))})
    errors = sorted(set(line for line in done.stderr.splitlines() if line.strip()))
    return {"findings": findings, "errors": errors, "status": done.returncode}, cpu, time.perf_counter() - started


def _findings(report) -> list:
    """The findings of either JSON shape: a list (before JSON v1) or {"version", "findings", "errors"}."""
    return report if isinstance(report, list) else report["findings"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--save", type=Path, help="write the findings and errors here")
    parser.add_argument("--against", type=Path, help="compare with a file --save wrote; exit 1 on any difference")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    root = corpus()
    files = fallback_files(root)
    result, cpu, wall = check(root, files, args.jobs)
    print(f"{len(files)} files that ast cannot parse on Python {sys.version.split()[0]}: "
          f"{len(result['findings'])} findings, {len(result['errors'])} error lines, exit {result['status']}, "
          f"CPU {cpu:.2f} s, wall {wall:.2f} s")
    if args.save:
        args.save.write_text(json.dumps(result, indent=1))
    if args.against:
        old = json.loads(args.against.read_text())
        same = True
        for key in ("findings", "errors"):
            gone, new = sorted(set(old[key]) - set(result[key])), sorted(set(result[key]) - set(old[key]))
            for line in gone:
                print(f"- {key}: {line}")
            for line in new:
                print(f"+ {key}: {line}")
            same = same and not gone and not new
        print("identical" if same else "DIFFERENT")
        sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
