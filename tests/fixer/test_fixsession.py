"""`fix` analyzes a large file apart from its own process (issue 12 item 7: fix's memory on one large file).

A file above ANALYZED_APART_BYTES is analyzed in a forked child, as `check` analyzes it in a worker, so the tree never
joins what the fixing process holds; the child also takes a parser killed by a signal with it. End to end, `buffix
fix` on such a file writes exactly the sanitized file and leaves nothing for `check`.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from buffix.core.findings import FileResult, Finding, Span
from buffix.core.process import FORK
from buffix.fixsession import ANALYZED_APART_BYTES, AnalysisApart

FUNCTION = "def f{0}(u):\n    data = requests.get(u).content\n    return memoryview(data)\n\n\n"
needs_fork = pytest.mark.skipif(not FORK, reason="analysis apart needs fork")


def _pid_finding(path: str, source: bytes) -> FileResult:
    """An 'analysis' that says which process ran it."""
    return FileResult(path, (Finding("BFX000", str(os.getpid()), path, Span(1, 1, 1, 2), "high"),))


@needs_fork
def test_a_large_file_is_analyzed_in_another_process_and_a_small_one_here():
    apart = AnalysisApart(_pid_finding)
    try:
        large = apart("big.py", b"#" * (ANALYZED_APART_BYTES + 1))
        small = apart("small.py", b"#" * ANALYZED_APART_BYTES)
        again = apart("big2.py", b"#" * (ANALYZED_APART_BYTES + 1))
    finally:
        apart.close()
    assert small.findings[0].message == str(os.getpid())
    assert large.findings[0].message != str(os.getpid()) and large.error is None
    assert again.findings[0].message == large.findings[0].message  # one child serves the run


def _killed(path: str, source: bytes) -> FileResult:
    faulthandler.disable()  # pytest's would print the child's stack
    os.kill(os.getpid(), signal.SIGSEGV)  # what LibCST's native parser does on code nested deep enough
    raise AssertionError("not reached")


@needs_fork
def test_a_parser_killed_while_analyzing_a_large_file_costs_only_that_file():
    apart = AnalysisApart(_killed)
    try:
        results = [apart(name, b"#" * (ANALYZED_APART_BYTES + 1)) for name in ("a.py", "b.py")]
    finally:
        apart.close()
    for result in results:  # each file in its own child: the second gets a new one
        assert result.error is not None and "killed by SIGSEGV" in result.error.message


def test_fix_of_a_large_file_end_to_end(tmp_path: Path):
    functions = ANALYZED_APART_BYTES // len(FUNCTION.format(0)) + 10
    source = "import requests\n\n\n" + "".join(FUNCTION.format(i) for i in range(functions))
    assert len(source) > ANALYZED_APART_BYTES
    (tmp_path / "big.py").write_text(source)
    fixed = subprocess.run([sys.executable, "-m", "buffix", "fix", "--no-cache", "big.py"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert fixed.returncode == 0, fixed.stderr
    assert (tmp_path / "big.py").read_text() == source.replace("memoryview(data)", "memoryview(data[:])")
    assert f"Fixed {functions} " in fixed.stdout + fixed.stderr
    check = subprocess.run([sys.executable, "-m", "buffix", "check", "--no-cache", "big.py"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
