"""FileResult.depends_on: the other files of the tree a file's result was computed from (for the result cache)."""

from __future__ import annotations

from pathlib import Path

from buffix.analysis import analyze_source, screen
from buffix.analysis.project import Project
from buffix.config import Config
from tests.analyzer.golden import FIXTURES

XMOD = FIXTURES / "xmod_project" / "app"
BYNAME = FIXTURES / "byname_project" / "cdn"


def _result(project: Project, path: Path):
    return analyze_source(path.read_bytes(), str(path), project.config, project)


def test_cross_module_result_names_the_modules_it_read():
    project = Project([XMOD.parent])
    result = _result(project, XMOD / "main.py")
    assert result.findings
    assert {Path(p).name for p in result.depends_on} >= {"net.py", "store.py"}
    assert str((XMOD / "main.py").resolve()) not in result.depends_on


def test_cached_summaries_still_count():
    project = Project([XMOD.parent])
    first = _result(project, XMOD / "main.py")
    second = _result(project, XMOD / "main.py")  # summaries now come from the project's memory
    assert second.depends_on == first.depends_on


def test_a_file_using_nothing_else_depends_on_nothing():
    project = Project([XMOD.parent])
    assert _result(project, XMOD / "net.py").depends_on == ()
    assert analyze_source(b"x = 1\n", "lone.py").depends_on == ()


def test_method_resolved_by_name_depends_on_its_file():
    project = Project([BYNAME.parent])
    result = _result(project, BYNAME / "asset.py")
    assert {Path(p).name for p in result.depends_on} >= {"http.py", "store.py"}


def test_screen_reports_what_the_second_stage_read():
    project = Project([XMOD.parent])
    keep, used = screen(str(XMOD / "main.py"), (XMOD / "main.py").read_bytes(), project)
    assert keep
    assert any(Path(p).name == "net.py" for p in used)
    assert screen("x.py", b"import requests\nrequests.get(url)\n", project) == (True, ())


DISPATCH = FIXTURES / "dispatch_project" / "media"


def test_screen_follows_a_submodule_imported_from_its_package():
    """`from media import net` then `net.stream(url)`: saver.py names no client library; net.stream yields chunks."""
    project = Project([DISPATCH.parent])
    keep, used = screen(str(DISPATCH / "saver.py"), (DISPATCH / "saver.py").read_bytes(), project)
    assert keep and any(p.endswith("net.py") for p in used)


def test_screen_keeps_a_caller_of_an_abstract_method_whose_override_returns_chunks():
    """streams.py names no client library; Message.iter_body is abstract and Response.iter_body returns chunks."""
    project = Project([DISPATCH.parent])
    source = (DISPATCH / "streams.py").read_bytes()
    assert screen(str(DISPATCH / "streams.py"), source, project)[0]
    assert not screen(str(DISPATCH / "storage.py"), (DISPATCH / "storage.py").read_bytes(), project)[0]


def test_a_summary_cached_by_an_earlier_file_still_names_what_it_was_read_from():
    """writer.py's chunks come from streams.py, whose override reads models.py: when another file had the same
    summaries computed first, writer.py's result must still depend on models.py (else editing it leaves a stale
    cached result)."""
    alone = _result(Project([DISPATCH.parent]), DISPATCH / "writer.py")
    project = Project([DISPATCH.parent])
    for other in ("streams.py", "storage.py", "saver.py"):
        _result(project, DISPATCH / other)
    after_others = _result(project, DISPATCH / "writer.py")
    assert {Path(p).name for p in alone.depends_on} >= {"streams.py", "models.py"}
    assert after_others.depends_on == alone.depends_on


def test_a_test_depends_on_the_conftest_whose_autouse_fixture_patches_its_client():
    mocked = FIXTURES / "autouse_project" / "mocked"
    project = Project([mocked.parent], Config(min_confidence="low"))
    for _ in range(2):  # the second answer comes from the project's memory
        result = _result(project, mocked / "test_archive.py")
        assert [f.confidence for f in result.findings] == ["low"]
        assert str((mocked / "conftest.py").resolve()) in result.depends_on
