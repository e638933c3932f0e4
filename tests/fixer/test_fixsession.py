"""`fix`'s memory (issue 12 item 7): each file is fixed in the pipeline worker that analyzed it (`Fixing`), so no
process holds other files' results while it analyzes, and the main process only writes what a worker proved; a
plain result fixed outside the pipeline (`check --diff`, the API) has its large file analyzed in a forked child
(`AnalysisApart`). Either way a parser killed by a signal costs only its file, and the cache keeps only findings of
the bytes on disk. End to end, `buffix fix` on a large file writes exactly the sanitized file.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from buffix.api import _SourceAnalyzer
from buffix.cache import Cache
from buffix.config import Config
from buffix.core.findings import FileResult, Finding, Span
from buffix.core.process import FORK
from buffix.fixsession import ANALYZED_APART_BYTES, AnalysisApart, Fixing, needs_fix
from buffix.pipeline import Reworked, check_files
from tests.cli.test_check_e2e import UNSAFE, buffix, tree

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


FIXED = UNSAFE.replace("sha256(resp.content)", "sha256(resp.content[:])")
NOTHING_TO_FIX = "import requests\n\nbody = requests.get('u').content\nif type(body) is bytes:\n    pass\n"


def _analyzer() -> _SourceAnalyzer:
    return _SourceAnalyzer(Config())


@dataclass(frozen=True)
class _DiesOnFixedText:
    """The real analyzer, except that the fixed text kills the process, as a parser crash would."""

    analyze: _SourceAnalyzer

    def __call__(self, path: str, source: bytes) -> FileResult:
        if b"[:]" in source:
            _killed(path, source)
        return self.analyze(path, source)


@needs_fork
def test_each_file_is_fixed_in_the_worker_that_analyzed_it(tmp_path: Path):
    tree(tmp_path, {"a.py": UNSAFE, "b.py": NOTHING_TO_FIX})
    files = [str(tmp_path / "a.py"), str(tmp_path / "b.py")]
    fixing = Fixing(_analyzer(), "slice", False)
    cache = Cache(tmp_path, "test")
    fixed, plain = check_files(files, fixing, jobs=1, cache=cache)
    assert isinstance(fixed, Reworked) and not fixed.of_bytes_read and not fixed.findings
    assert fixed.payload.fixed.decode() == FIXED and fixed.payload.original.decode() == UNSAFE
    assert not isinstance(plain, Reworked) and plain.findings  # nothing to fix: the plain result
    # the cache keeps b.py's findings, never the fixed text's as a.py's (a.py on disk is unchanged)
    check = list(check_files(files, _analyzer(), jobs=1, cache=Cache(tmp_path, "test")))
    assert check[0].findings and check[1].findings == plain.findings


def test_a_cached_result_with_a_fix_is_analyzed_and_fixed_again(tmp_path: Path):
    tree(tmp_path, {"a.py": UNSAFE})
    files = [str(tmp_path / "a.py")]
    os.utime(files[0], (1_000_000_000, 1_000_000_000))  # old enough to be trusted by its stat
    cache = Cache(tmp_path, "test")
    assert list(check_files(files, _analyzer(), jobs=1, cache=cache))[0].findings
    cache.save()
    again = Cache(tmp_path, "test")
    assert list(check_files(files, _analyzer(), jobs=1, cache=again)) and again.hits == 1  # cached by stat
    stale, = check_files(files, Fixing(_analyzer(), "slice", False), jobs=1, cache=Cache(tmp_path, "test"))
    assert not isinstance(stale, Reworked)  # without `refresh` the cache answers, and nothing is fixed
    result, = check_files(files, Fixing(_analyzer(), "slice", False), jobs=1, cache=Cache(tmp_path, "test"),
                          refresh=needs_fix(False))
    assert isinstance(result, Reworked) and result.payload.fixed.decode() == FIXED


@needs_fork
def test_a_parser_killed_while_proving_a_fix_costs_only_that_file(tmp_path: Path):
    tree(tmp_path, {"a.py": UNSAFE, "b.py": NOTHING_TO_FIX, "c.py": UNSAFE})
    files = [str(tmp_path / name) for name in ("a.py", "b.py", "c.py")]
    results = list(check_files(files, Fixing(_DiesOnFixedText(_analyzer()), "slice", False), jobs=1, cache=None))
    for result in (results[0], results[2]):  # each killed its worker twice (the second time alone)
        assert not isinstance(result, Reworked)
        assert result.error is not None and "killed by SIGSEGV" in result.error.message
    assert results[1].error is None and results[1].findings


def test_fix_diff_leaves_the_cache_with_the_findings_of_the_file_on_disk(tmp_path: Path):
    tree(tmp_path, {"a.py": UNSAFE})
    assert buffix("check", cwd=tmp_path).returncode == 1
    diff = buffix("fix", "--diff", cwd=tmp_path)
    assert diff.returncode == 1 and "sha256(resp.content[:])" in diff.stdout
    assert (tmp_path / "a.py").read_text() == UNSAFE
    again = buffix("check", cwd=tmp_path)  # from the cache: still the findings of the unfixed file
    assert again.returncode == 1 and "a.py:" in again.stdout
    assert buffix("fix", cwd=tmp_path).returncode == 0 and (tmp_path / "a.py").read_text() == FIXED
    assert buffix("check", cwd=tmp_path).returncode == 0
