"""buffix.pipeline with the real analyzer (or a real libcst one), real files, real worker processes."""

from __future__ import annotations

import os
import time
from pathlib import Path

from buffix.cache import Cache
from buffix.core.findings import FileResult, Finding, Span
from buffix.pipeline import check_files

UNSAFE = "import requests\n\ndef get(url):\n    body = requests.get(url).content\n    return memoryview(body)\n"
CLEAN = "def add(a, b):\n    return a + b\n"
DEEP = "from requests import get\nx = " + "(" * 2000 + "1" + ")" * 2000 + "\n"  # kills LibCST's native parser (SIGSEGV)


def libcst_memoryview(path: str, source: bytes) -> FileResult:
    """A small real analyzer: parse with libcst, report every call to `memoryview`."""
    import libcst
    from libcst.metadata import MetadataWrapper, PositionProvider

    wrapper = MetadataWrapper(libcst.parse_module(source))
    positions = wrapper.resolve(PositionProvider)
    findings = []

    class Calls(libcst.CSTVisitor):
        def visit_Call(self, node: libcst.Call) -> None:
            if isinstance(node.func, libcst.Name) and node.func.value == "memoryview":
                where = positions[node]
                span = Span(where.start.line, where.start.column + 1, where.end.line, where.end.column + 1)
                findings.append(Finding("BFX101", "memoryview() of a body", path, span, "high"))

    wrapper.visit(Calls())
    return FileResult(path, tuple(findings))


def mentions_requests(path: str, source: bytes) -> bool:
    return b"requests" in source


def stages():
    """The real buffix analyzer when it is there; else the libcst one above."""
    try:
        from buffix.config import Config
        from buffix.stages import analyzer_stages

        return analyzer_stages([Path(".")], Config())
    except ImportError:
        return libcst_memoryview, mentions_requests


def make_tree(root: Path, n: int = 12) -> list:
    files = []
    for i in range(n):
        path = root / f"m{i:02}.py"
        path.write_text(UNSAFE if i % 3 == 0 else CLEAN)
        files.append(path)
    return files


def summary(results):
    return [(Path(r.path).name, [(f.code, f.line, f.column) for f in r.findings], r.error) for r in results]


def test_jobs_1_and_2_give_the_same_sorted_results(tmp_path):
    analyze, prefilter = stages()
    files = make_tree(tmp_path, 150)  # more than INLINE_LIMIT: workers read and screen
    one = list(check_files(reversed(files), analyze, prefilter=prefilter, jobs=1))
    two = list(check_files(files, analyze, prefilter=prefilter, jobs=2))
    assert summary(one) == summary(two)
    assert [r.path for r in two] == sorted(str(f) for f in files)
    assert sum(1 for r in two if r.findings) == 50


def test_deep_nesting_crash_costs_only_that_file(tmp_path):
    files = make_tree(tmp_path, 6)
    deep = tmp_path / "deep.py"
    deep.write_text(DEEP)
    results = {Path(r.path).name: r for r in check_files(files + [deep], libcst_memoryview,
                                                         prefilter=mentions_requests, jobs=2)}
    assert results["deep.py"].error.message.startswith("crashed the parser: killed by SIGSEGV")
    assert [len(results[f"m{i:02}.py"].findings) for i in range(6)] == [1, 0, 0, 1, 0, 0]


def test_bad_input_gets_one_line_each_and_the_run_goes_on(tmp_path):
    analyze, prefilter = stages()
    (tmp_path / "ok.py").write_text(UNSAFE)
    (tmp_path / "latin.py").write_bytes(b"from requests import get\nx = '\xff\xfe'\n")  # not UTF-8, no coding line
    (tmp_path / "huge.py").write_bytes(b"from requests import get\n" + b"x = 1\n" * (17 * 1024 * 1024 // 6))
    (tmp_path / "data.py").write_bytes(b"x = 1\n" * (10 * 1024 * 1024 // 6))  # huge but never a candidate
    (tmp_path / "dangling.py").symlink_to(tmp_path / "gone.py")
    os.mkfifo(tmp_path / "pipe.py")
    started = time.monotonic()
    results = {Path(r.path).name: r for r in check_files(sorted(tmp_path.iterdir()), analyze,
                                                         prefilter=prefilter, jobs=2)}
    assert time.monotonic() - started < 20
    assert results["ok.py"].findings and results["data.py"] == FileResult(str(tmp_path / "data.py"))
    assert results["huge.py"].error.message.startswith("too large to analyze (17.0 MiB")
    assert results["dangling.py"].error.message == "cannot read: No such file or directory"
    assert results["pipe.py"].error.message == "not a regular file"
    assert "decode" in results["latin.py"].error.message or "utf-8" in results["latin.py"].error.message.lower()


def test_cache_answers_a_warm_run_and_notices_changes(tmp_path):
    files = make_tree(tmp_path, 6)
    for f in files:
        os.utime(f, ns=(10**18, 10**18))
    first = list(check_files(files, libcst_memoryview, prefilter=mentions_requests, jobs=2,
                             cache=Cache(tmp_path, "salt")))
    warm = Cache(tmp_path, "salt")
    assert list(check_files(files, _exploding, prefilter=mentions_requests, jobs=2, cache=warm)) == first
    assert warm.hits == 6  # nothing was read, let alone analyzed
    files[1].write_text(UNSAFE)  # content change: only this file is analyzed again
    changed = list(check_files(files, libcst_memoryview, prefilter=mentions_requests, jobs=2,
                               cache=Cache(tmp_path, "salt")))
    assert changed[1].findings and changed[0] == first[0]
    other = list(check_files(files, _exploding, prefilter=mentions_requests, jobs=1, cache=Cache(tmp_path, "x")))
    assert all("was analyzed" in r.error.message for r in other if b"requests" in Path(r.path).read_bytes())


def _exploding(path: str, source: bytes) -> FileResult:
    raise AssertionError(f"{path} was analyzed")


def test_nothing_starts_when_everything_is_filtered_out(tmp_path):
    files = [tmp_path / "a.py", tmp_path / "b.py"]
    for f in files:
        f.write_text(CLEAN)
    seen = []
    results = list(check_files(files, _exploding, prefilter=mentions_requests, progress=lambda d, t: seen.append(d)))
    assert [r.findings for r in results] == [(), ()] and seen == [1, 2]


def _deep_prefilter(path: str, source: bytes) -> bool:
    """A prefilter whose own recursion is too deep on one file (stage 2 summarizing a huge class graph)."""
    def down(n: int) -> int:
        return down(n + 1)
    if b"deep" in source:
        return bool(down(0))
    return mentions_requests(path, source)


def test_a_prefilter_that_fails_keeps_the_file_for_the_analyzer(tmp_path):
    files = make_tree(tmp_path, 6)
    odd = tmp_path / "odd.py"
    odd.write_text("import requests\n# deep\nmemoryview(requests.get('u').content)\n")
    for jobs in (1, 2):
        results = {Path(r.path).name: r for r in check_files(files + [odd], libcst_memoryview,
                                                             prefilter=_deep_prefilter, jobs=jobs)}
        assert results["odd.py"].error is None and len(results["odd.py"].findings) == 1
        assert [len(results[f"m{i:02}.py"].findings) for i in range(6)] == [1, 0, 0, 1, 0, 0]


def test_prepare_runs_without_the_cycle_collector_and_the_workers_get_it_back(tmp_path):
    """The method index `prepare` builds lives on and holds no garbage cycles: the collector is paused while it is
    built (before the workers fork) and on again for the rest of the run and after it."""
    import gc

    from buffix.config import Config
    from buffix.stages import lazy_analyzer_stages

    analyze, prefilter, project = lazy_analyzer_stages([tmp_path], Config())
    during = []

    def prepare(processes: int):
        during.append(gc.isenabled())
        return project(processes)

    files = make_tree(tmp_path, 150)  # more than INLINE_LIMIT: prepared for the workers
    results = list(check_files(files, analyze, prefilter=prefilter, jobs=2, prepare=prepare))
    assert during == [False]
    assert gc.isenabled()
    assert sum(1 for r in results if r.findings) == 50
