"""Golden cases: every fixture's findings are exactly its `# expect:` annotations."""

from __future__ import annotations

import pytest

from buffix.analysis import analyze_source
from buffix.config import Config
from tests.analyzer.golden import FIXTURES, REGENERATE, actual, analyze, cases, expectations, regenerate

CASES = cases()


@pytest.mark.parametrize("path", CASES, ids=[str(p.relative_to(FIXTURES)) for p in CASES])
def test_golden(path):
    if REGENERATE and not path.name.startswith("neg_"):
        regenerate(path)
    expected = expectations(path)
    if path.name.startswith("neg_"):
        assert not expected
        result = analyze_source(path.read_bytes(), str(path), Config())  # the default threshold
        assert result.error is None
        assert [f"{f.line}:{f.column} {f.code} {f.message}" for f in result.findings] == []
        return
    got = actual(path)
    want = {(code, line, start, end, conf) for code, line, start, end, conf in expected}
    assert sorted(got) == sorted(want)


def test_fixtures_cover_every_rule():
    codes = {e[0] for p in CASES for e in expectations(p)}
    from buffix.knowledge.rules import all_rules

    assert set(all_rules()) - codes == {"BFX901"} - codes


def test_chunk_flow_fix_targets_the_append():
    path = FIXTURES / "flows.py"
    join = next(f for f in analyze(path).findings if f.code == "BFX203" and f.line == 45)
    assert join.fix is not None and join.fix.applicability == "safe"
    assert [(t.line, t.column, t.end_column) for t in join.fix.targets] == [(44, 22, 27)]  # parts.append(chunk)
    assert join.flow[0].description.startswith("`rq.get()`") or "requests" in join.flow[0].description


def test_cross_module_flow_names_the_other_file():
    path = FIXTURES / "xmod_project" / "app" / "main.py"
    save = next(f for f in analyze(path).findings if f.code == "BFX201")
    paths = {step.path for step in save.flow}
    assert any(p and p.endswith("store.py") for p in paths)
    assert any(p and p.endswith("net.py") for p in paths)
    assert save.fix is not None and save.fix.targets[0].line == 11


def test_guessed_provenance_gives_unsafe_fix():
    path = FIXTURES / "sources_libraries.py"
    guessed = next(f for f in analyze(path).findings if f.confidence == "medium")
    assert guessed.fix is not None and guessed.fix.applicability == "unsafe"
    assert "guessed" in guessed.fix.reason


def test_type_check_has_no_fix():
    findings = analyze(FIXTURES / "sinks_other.py").findings
    assert all(f.fix is None for f in findings if f.code == "BFX601")
    assert all(f.fix is not None for f in findings if f.code != "BFX601")


def test_regenerate_restores_the_annotations(tmp_path):
    original = (FIXTURES / "flows.py").read_text(encoding="utf-8")
    stripped = tmp_path / "flows.py"
    stripped.write_text("\n".join(line.split("  # expect:")[0] for line in original.splitlines()) + "\n",
                        encoding="utf-8")
    assert not expectations(stripped)
    regenerate(stripped)
    assert stripped.read_text(encoding="utf-8") == original
