"""buffix.api, the click-free library the CLI and the language server call: real files in temporary trees, the real
analyzer, the real cache."""

from __future__ import annotations

import sys

import pytest

from buffix import api
from buffix.config import Config
from tests.cli.test_check_e2e import CLEAN, GUESSED, NO_FIX, UNSAFE, tree

FIXED = UNSAFE.replace("sha256(resp.content)", "sha256(resp.content[:])")


def test_check_paths_returns_one_result_per_file_sorted_with_its_findings(tmp_path):
    tree(tmp_path, {"b.py": UNSAFE, "a.py": CLEAN, "pkg/c.py": NO_FIX})
    results = api.check_paths([tmp_path], cache=False)
    assert [r.path for r in results] == [str(tmp_path / n) for n in ("a.py", "b.py", "pkg/c.py")]
    assert [[f.code for f in r.findings] for r in results] == [[], ["BFX104"], ["BFX601"]]
    assert all(r.error is None for r in results)


def test_check_paths_applies_the_options_over_each_files_config(tmp_path):
    tree(tmp_path, {"a.py": UNSAFE, "b.py": GUESSED, ".buffix.yaml": "ignore: [BFX104]\n"})
    default = api.check_paths([tmp_path], cache=False)
    assert [f.code for r in default for f in r.findings] == ["BFX101"]  # the config ignores BFX104, min is medium
    chosen = api.check_paths([tmp_path], api.Options(isolated=True, min_confidence="low"), cache=False)
    assert sorted(f.code for r in chosen for f in r.findings) == ["BFX101", "BFX101", "BFX104"]


def test_check_paths_reports_missing_paths_as_errors_and_notes_what_it_skips(tmp_path):
    tree(tmp_path, {"a.py": UNSAFE, "build/b.py": UNSAFE})
    notes = []
    results = api.check_paths([tmp_path / "missing.py", tmp_path / "build" / "b.py"],
                              api.Options(force_exclude=True), cache=False, notify=notes.append)
    assert [(r.path, r.error.message if r.error else None) for r in results] == [
        (str(tmp_path / "missing.py"), "does not exist")]
    assert len(notes) == 1 and notes[0].startswith(f"skipped {tmp_path / 'build' / 'b.py'}: ")


def test_a_bad_config_or_stdin_among_paths_is_a_usage_error(tmp_path):
    tree(tmp_path, {"a.py": UNSAFE, ".buffix.yaml": "select: [XYZ1]\n"})
    with pytest.raises(api.UsageError, match="unknown rule code or prefix 'XYZ1'"):
        api.check_paths([tmp_path], cache=False)
    with pytest.raises(api.UsageError, match="cannot be combined"):
        api.resolve([tmp_path, "-"])  # type: ignore[list-item]


def test_the_cache_answers_a_second_run_with_the_same_results(tmp_path):
    tree(tmp_path / "src", {"a.py": UNSAFE, "b.py": CLEAN})
    cache_dir = str(tmp_path / "cache")
    seen = []
    first = api.check_paths([tmp_path / "src"], cache_dir=cache_dir, progress=lambda done, total: seen.append(total))
    assert (tmp_path / "cache").is_dir() and seen and set(seen) == {2}
    assert api.check_paths([tmp_path / "src"], cache_dir=cache_dir) == first


def test_resolve_groups_files_by_their_nearest_config(tmp_path):
    tree(tmp_path, {"a.py": UNSAFE, "sub/.buffix.yaml": "fix-style: getitem\n", "sub/b.py": UNSAFE})
    run = api.resolve([tmp_path])
    assert {g.files: g.config.fix_style for g in run.groups} == {
        (str(tmp_path / "a.py"),): "slice", (str(tmp_path / "sub" / "b.py"),): "getitem"}
    fixes = api.fix_run(run, api.check_run(run, cache=False))
    assert [(f.path, f.fixed.decode()) for f in fixes] == [
        (str(tmp_path / "a.py"), FIXED),
        (str(tmp_path / "sub" / "b.py"), UNSAFE.replace("(resp.content)", "(resp.content.__getitem__(slice(None)))"))]


def test_fix_paths_fixes_in_memory_and_writes_nothing(tmp_path):
    tree(tmp_path, {"a.py": UNSAFE, "b.py": GUESSED, "c.py": CLEAN})
    fixes = api.fix_paths([tmp_path], api.Options(unsafe_fixes=True, min_confidence="low"), cache=False)
    by_name = {f.path.rsplit("/", 1)[-1]: f for f in fixes}
    assert sorted(by_name) == ["a.py", "b.py"]  # a clean file has nothing to fix or report
    assert by_name["a.py"].fixed.decode() == FIXED and by_name["a.py"].remaining == ()
    assert by_name["b.py"].fixed.decode() == GUESSED.replace(".content)", ".content[:])")
    assert (tmp_path / "a.py").read_text() == UNSAFE  # nothing written
    assert api.unified_diff(by_name["a.py"]).startswith(f"--- a/{tmp_path / 'a.py'}\n")


def test_check_source_analyzes_text_as_the_named_file(tmp_path):
    result = api.check_source(UNSAFE, str(tmp_path / "app.py"), Config())
    assert [f.code for f in result.findings] == ["BFX104"] and result.path == str(tmp_path / "app.py")
    assert api.check_source(UNSAFE.encode(), "app.py", Config(ignore=("BFX104",))).findings == ()
    broken = api.check_source(b"def (:\n", "bad.py", Config())
    assert broken.error is not None and broken.findings == ()


def test_check_source_uses_the_nearest_config_by_default(tmp_path):
    tree(tmp_path, {".buffix.yaml": "ignore: [BFX104]\n"})
    assert api.check_source(UNSAFE, str(tmp_path / "app.py")).findings == ()


@pytest.mark.skipif(sys.platform == "win32", reason="isolation forks")
def test_isolated_check_and_fix_of_a_source_match_the_in_process_ones(tmp_path):
    path = str(tmp_path / "app.py")
    assert api.check_source(UNSAFE, path, Config(), isolate=True) == api.check_source(UNSAFE, path, Config())
    fixed = api.fix_source(UNSAFE.encode(), path, Config(), isolate=True)
    assert fixed == api.fix_source(UNSAFE.encode(), path, Config())
    assert fixed.fixed.decode() == FIXED and fixed.remaining == ()


def test_fix_edits_and_report_edits_name_the_same_verified_edit(tmp_path):
    (tmp_path / "a.py").write_text(UNSAFE)
    result = api.check_source(UNSAFE, str(tmp_path / "a.py"), Config())
    edits = api.fix_edits(UNSAFE, result.path, result.findings, "helper")
    assert [e.after for e in edits] == ["as_buffer(resp.content)"]
    assert api.report_edits("helper", [result])(result.findings[0]) == edits
