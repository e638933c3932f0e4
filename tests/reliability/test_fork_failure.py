"""At the process limit `fork` fails (EAGAIN): buffix runs the work in its own process instead, for directories and
stdin alike, with no traceback and the same findings and fixes (issue 12, item 6).

As an unprivileged user the limit is real (RLIMIT_NPROC of 0 in the child, so every fork it tries fails). Root is
exempt from that limit, so there the child's `os.fork` raises the error the kernel gives at the limit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

SITE = "import requests\nmemoryview(requests.get(u).content)\n"
FILES = 70  # above the pipeline's in-process limit, so a worker pool is asked for
AT_THE_LIMIT = """
import errno, os, sys
def fork():
    raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
os.fork = fork
from buffix.cli import main
sys.argv[0] = "buffix"
main()
"""


def _no_forks() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))


def buffix(cwd: Path, *args: str, stdin: Optional[str] = None) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        argv, limit = [sys.executable, "-c", AT_THE_LIMIT, *args], None
    else:
        argv, limit = [sys.executable, "-m", "buffix", *args], _no_forks
    return subprocess.run(argv, cwd=cwd, input=stdin, capture_output=True, text=True, preexec_fn=limit)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for index in range(FILES):
        (tmp_path / f"m{index}.py").write_text(SITE)
    return tmp_path


def test_check_of_a_tree_runs_without_workers(tree):
    run = buffix(tree, "check", "--no-cache", "--jobs", "2", ".")
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 1, run.stderr
    assert f"{FILES} files checked, {FILES} findings" in run.stdout


def test_fix_of_a_tree_runs_without_workers(tree):
    run = buffix(tree, "fix", "--no-cache", "--jobs", "2", ".")
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 0, run.stdout + run.stderr
    assert all(path.read_text() == SITE.replace(".content)", ".content[:])") for path in tree.glob("*.py"))


@pytest.mark.parametrize("command", ["check", "fix"])
def test_stdin_runs_without_a_child(tmp_path, command):
    run = buffix(tmp_path, command, "--no-cache", "-", stdin=SITE)
    assert "Traceback" not in run.stderr, run.stderr
    if command == "check":
        assert run.returncode == 1 and "-:2:12: BFX101" in run.stdout, run.stdout + run.stderr
    else:
        assert run.returncode == 0 and run.stdout == SITE.replace(".content)", ".content[:])"), run.stderr
