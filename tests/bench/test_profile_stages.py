"""BUFFIX_PROFILE_STAGES=1 (what tests/bench/bench_cli.py reads): the real CLI in a subprocess prints, per process,
CPU seconds and files for each stage, and the files add up; without the switch stderr stays as it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BUFFIX = str(Path(sys.executable).with_name("buffix"))
SINK = """import hashlib

import requests


def download(url):
    return hashlib.sha256(requests.get(url).content).hexdigest()
"""
HELPER_USER = """from pkg.net import fetch


def size(url):
    return len(fetch(url))
"""
HELPER = """import requests


def fetch(url):
    return requests.get(url).content
"""
PLAIN = "def add(a, b):\n    return a + b\n"


def tree(root: Path, plain: int) -> int:
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "sink.py").write_text(SINK)
    (root / "pkg" / "net.py").write_text(HELPER)
    (root / "pkg" / "user.py").write_text(HELPER_USER)
    for i in range(plain):
        (root / "pkg" / f"plain{i}.py").write_text(PLAIN)
    return plain + 4


def profiled(root: Path, *options: str, switch: str = "1") -> tuple:
    env = {**os.environ, "BUFFIX_PROFILE_STAGES": switch}
    done = subprocess.run([BUFFIX, "check", "--no-cache", *options, "."], cwd=root, env=env, capture_output=True,
                          text=True)
    reports = [json.loads(line.split(" ", 1)[1]) for line in done.stderr.splitlines()
               if line.startswith("buffix-profile ")]
    total: dict = {}
    for report in reports:
        for stage, (seconds, files) in report["stages"].items():
            assert seconds >= 0
            total[stage] = total.get(stage, 0) + files
    return done, reports, total


@pytest.mark.parametrize("options", [("--jobs", "2"), ("--jobs", "1")])
def test_every_file_is_counted_once_per_stage(tmp_path: Path, options: tuple) -> None:
    files = tree(tmp_path, plain=80)  # more than the pipeline reads in-process, so --jobs 2 uses workers
    done, reports, total = profiled(tmp_path, *options)
    assert done.returncode == 1, done.stderr  # the findings are still reported
    assert {r["role"] for r in reports} >= {"parent"}
    assert total["stage 1 (byte screens)"] == files
    # in-process runs (--jobs 1) read each candidate once more in the worker that analyzes it
    assert total["read"] == files + (total["analyze"] if options == ("--jobs", "1") else 0)
    # stage 2 sees exactly what stage 1 dropped; the analyzer what either kept
    assert total["stage 2 (imports a body module)"] == files - total["stage 1 kept"]
    assert total["analyze"] == total["stage 1 kept"] + total["stage 2 kept"]
    assert total["stage 1 kept"] >= 2 and total["stage 2 kept"] >= 1  # sink.py, net.py; user.py through its helper
    assert total["analyze"] < files  # the plain files stop at the prefilter


def test_off_prints_nothing(tmp_path: Path) -> None:
    tree(tmp_path, plain=80)
    done, reports, _ = profiled(tmp_path, "--jobs", "2", switch="0")
    assert reports == [] and "buffix-profile" not in done.stderr
