"""`fix`'s memory (issue 12 item 7): each file is fixed in the pipeline worker that analyzed it (`Fixing`), so no
process holds other files' results while it analyzes, and the main process only writes what a worker proved; a
plain result (`check --diff`, the API's `fix_run`) has its file fixed the same way, in a worker again
(`fix_results`). Either way a parser killed by a signal costs only its file, and the cache keeps only findings of
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

from buffix.analysis.bounded import BOUNDED_MIN_CHARS
from buffix.api import _SourceAnalyzer
from buffix.cache import Cache
from buffix.config import Config
from buffix.core.findings import FileResult
from buffix.core.process import FORK
from buffix.fixsession import Fixing, fix_results, needs_fix
from buffix.pipeline import Reworked, check_files
from tests.cli.test_check_e2e import UNSAFE, buffix, tree

FUNCTION = "def f{0}(u):\n    data = requests.get(u).content\n    return memoryview(data)\n\n\n"
needs_fork = pytest.mark.skipif(not FORK, reason="crash isolation needs fork")


def _killed(path: str, source: bytes) -> FileResult:
    faulthandler.disable()  # pytest's would print the child's stack
    os.kill(os.getpid(), signal.SIGSEGV)  # what LibCST's native parser does on code nested deep enough
    raise AssertionError("not reached")


def test_fix_of_a_large_file_end_to_end(tmp_path: Path):
    functions = BOUNDED_MIN_CHARS // len(FUNCTION.format(0)) + 10
    source = "import requests\n\n\n" + "".join(FUNCTION.format(i) for i in range(functions))
    assert len(source) > BOUNDED_MIN_CHARS
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


def _payloads(fixes):
    return [(f.path, f.original, f.fixed, f.applied, f.refused, f.remaining, f.error) for f in fixes]


@needs_fork
def test_a_plain_result_is_fixed_as_the_worker_fixes_it(tmp_path: Path):
    """`check --diff` and the API fix plain results through the same `Fixing` in a worker: the same FileFixes as
    `check_files(fixing)` gives, a file reached through a symlink fixed once."""
    tree(tmp_path, {"a.py": UNSAFE, "b.py": NOTHING_TO_FIX, "c.py": UNSAFE + "\nx = 1\n"})
    os.symlink(tmp_path / "a.py", tmp_path / "link.py")
    files = [str(tmp_path / name) for name in ("a.py", "b.py", "c.py", "link.py")]
    fixing = Fixing(_analyzer(), "slice", False)
    plain = list(check_files(files, _analyzer(), jobs=1, cache=None))
    assert not any(isinstance(r, Reworked) for r in plain)
    from_plain = _payloads(fix_results(plain, fixing))
    from_workers = _payloads(fix_results(list(check_files(files, fixing, jobs=1, cache=None)), fixing))
    assert from_plain == from_workers
    assert [(path[len(str(tmp_path)) + 1:], fixed is not None) for path, _, fixed, *_ in from_plain] == [
        ("a.py", True), ("b.py", False), ("c.py", True)]


@needs_fork
def test_a_parser_killed_while_fixing_a_plain_result_costs_only_that_file(tmp_path: Path):
    """Fixing a plain result happens in a worker: a parser killed there (here, on the fixed text) is that file's
    error, and this process lives on."""
    tree(tmp_path, {"a.py": UNSAFE, "b.py": NOTHING_TO_FIX, "c.py": UNSAFE})
    files = [str(tmp_path / name) for name in ("a.py", "b.py", "c.py")]
    plain = list(check_files(files, _analyzer(), jobs=1, cache=None))
    fixes = list(fix_results(plain, Fixing(_DiesOnFixedText(_analyzer()), "slice", False)))
    assert [os.path.basename(f.path) for f in fixes] == ["a.py", "b.py", "c.py"]
    for fix in (fixes[0], fixes[2]):
        assert fix.fixed is None and fix.error is not None and "killed by SIGSEGV" in fix.error.message
    assert fixes[1].error is None and fixes[1].remaining and fixes[1].fixed is None


def test_check_diff_prints_what_fix_diff_prints_and_leaves_the_cache_with_the_files_on_disk(tmp_path: Path):
    tree(tmp_path, {"a.py": UNSAFE, "b.py": NOTHING_TO_FIX})
    fix_diff = buffix("fix", "--diff", "--no-cache", cwd=tmp_path)
    assert fix_diff.returncode == 1 and "sha256(resp.content[:])" in fix_diff.stdout
    for _ in range(2):  # the second run with the first one's cache
        diff = buffix("check", "--diff", cwd=tmp_path)
        assert (diff.returncode, diff.stdout, diff.stderr) == (1, fix_diff.stdout, fix_diff.stderr)
    assert (tmp_path / "a.py").read_text() == UNSAFE
    again = buffix("check", cwd=tmp_path)  # from the cache: the findings of both files as they are on disk
    assert again.returncode == 1 and "a.py:" in again.stdout and "b.py:" in again.stdout


def test_check_diff_with_observed_findings_fixes_the_static_sites(tmp_path: Path):
    """With --observed the merged results are plain: fix_run fixes their files again, in workers."""
    import json

    from tests.report.test_observed_paths import APP, observed

    tree(tmp_path, {"app.py": APP})
    (tmp_path / "found.json").write_text(json.dumps({"version": 1, "findings": [observed("app.py")], "errors": []}))
    diff = buffix("check", "--no-cache", "--diff", "--observed", "found.json", "app.py", cwd=tmp_path)
    assert diff.returncode == 1, diff.stderr
    assert "+buf = io.BytesIO(r.content[:])\n" in diff.stdout
    fix_diff = buffix("fix", "--no-cache", "--diff", "--observed", "found.json", "app.py", cwd=tmp_path)
    assert (fix_diff.stdout, fix_diff.stderr) == (diff.stdout, diff.stderr)
    assert (tmp_path / "app.py").read_text() == APP
