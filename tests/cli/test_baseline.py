"""Baselines over real analyzer results: entries survive moved lines and unrelated edits, new findings and stale
entries are reported, duplicates are counted, and a bad baseline file is one clear error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

import pytest

from buffix.analysis import analyze_source
from buffix.baseline import BaselineError, filter_new, load_baseline, write_baseline
from buffix.core.findings import FileResult

ORIGINAL = '''\
import hashlib
import io
import requests


def download(url):
    body = requests.get(url).content
    digest = hashlib.sha256(body).hexdigest()
    return io.BytesIO(body), digest


class Mirror:
    def fetch(self, url):
        data = requests.get(url).content
        return memoryview(data)
'''


def analyze(root: Path, names: List[str]) -> List[FileResult]:
    return [analyze_source((root / name).read_bytes(), str(root / name)) for name in names]


def new_codes(results: List[FileResult]) -> List[str]:
    return sorted(f.code for r in results for f in r.findings)


@pytest.fixture
def project(tmp_path: Path) -> Dict[str, object]:
    (tmp_path / "app.py").write_text(ORIGINAL)
    (tmp_path / "other.py").write_text("import io, requests\nbuf = io.BytesIO(requests.get(u).content)\n")
    results = analyze(tmp_path, ["app.py", "other.py"])
    assert len([f for r in results for f in r.findings]) == 4, "the analyzer must find the four sites"
    baseline_path = tmp_path / "buffix-baseline.json"
    assert write_baseline(str(baseline_path), results) == 4
    return {"root": tmp_path, "baseline": baseline_path}


def test_round_trip_reports_nothing_new(project):
    root, path = project["root"], project["baseline"]
    new, stale = filter_new(analyze(root, ["app.py", "other.py"]), load_baseline(str(path)))
    assert new_codes(new) == [] and stale == []
    document = json.loads(path.read_text())
    assert document["format"] == "buffix-baseline" and document["version"] == 1
    assert {e["path"] for e in document["entries"]} == {"app.py", "other.py"}
    scopes = {e["scope"] for e in document["entries"]}
    assert {"download", "Mirror.fetch", ""} == scopes


def test_moved_lines_and_unrelated_edits_keep_entries(project):
    root, path = project["root"], project["baseline"]
    edited = ORIGINAL.replace("import requests\n", "import requests\nimport os\n\nTIMEOUT = 30  # new\n\n\n")
    edited = edited.replace("def download(url):", "def download(url, timeout=TIMEOUT):")
    edited = edited.replace("    digest = hashlib.sha256(body).hexdigest()",
                            "    digest = hashlib.sha256(  body ).hexdigest()  # reformatted, commented")
    edited += "\n\ndef unrelated():\n    return os.getcwd()\n"
    (root / "app.py").write_text(edited)
    results = analyze(root, ["app.py", "other.py"])
    moved = {f.line for f in results[0].findings}
    assert moved.isdisjoint({8, 9, 15}), "the findings must really have moved"
    new, stale = filter_new(results, load_baseline(str(path)))
    assert new_codes(new) == [] and stale == []


def test_a_new_site_is_reported_and_a_removed_one_is_stale(project):
    root, path = project["root"], project["baseline"]
    edited = ORIGINAL.replace("        return memoryview(data)", "        return bytes(data[:])")
    edited += "\n\ndef upload(url):\n    payload = requests.get(url).content\n    return memoryview(payload)\n"
    (root / "app.py").write_text(edited)
    new, stale = filter_new(analyze(root, ["app.py", "other.py"]), load_baseline(str(path)))
    (finding,) = [f for r in new for f in r.findings]
    assert finding.code == "BFX101" and finding.line == edited.splitlines().index("    return memoryview(payload)") + 1
    (entry,) = stale
    assert (entry.code, entry.path, entry.scope) == ("BFX101", "app.py", "Mirror.fetch")
    assert "memoryview ( data )" in entry.describe()


def test_duplicates_are_counted(tmp_path):
    line = "h = hashlib.sha256(requests.get(u).content)\n"
    (tmp_path / "dup.py").write_text("import hashlib, requests\n" + line * 2)
    path = tmp_path / "baseline.json"
    write_baseline(str(path), analyze(tmp_path, ["dup.py"]))
    (tmp_path / "dup.py").write_text("import hashlib, requests\n" + line * 3)
    new, stale = filter_new(analyze(tmp_path, ["dup.py"]), load_baseline(str(path)))
    assert [f.line for r in new for f in r.findings] == [4] and stale == []
    (tmp_path / "dup.py").write_text("import hashlib, requests\n" + line)
    new, stale = filter_new(analyze(tmp_path, ["dup.py"]), load_baseline(str(path)))
    assert new_codes(new) == [] and len(stale) == 1


def test_stale_only_for_files_checked_in_this_run(project):
    root, path = project["root"], project["baseline"]
    (root / "other.py").write_text("x = 1\n")
    only_app = analyze(root, ["app.py"])
    assert filter_new(only_app, load_baseline(str(path)))[1] == []
    _, stale = filter_new(analyze(root, ["app.py", "other.py"]), load_baseline(str(path)))
    assert [e.path for e in stale] == ["other.py"]


def test_paths_are_relative_to_the_baseline_file(project, monkeypatch):
    root, path = project["root"], project["baseline"]
    monkeypatch.chdir(root)
    relative = [analyze_source(Path(n).read_bytes(), n) for n in ("app.py", "other.py")]
    new, stale = filter_new(relative, load_baseline(str(path)))
    assert [r.path for r in new] == ["app.py", "other.py"] and new_codes(new) == [] and stale == []


def test_sources_given_in_memory_are_used(tmp_path):
    text = "import io, requests\nbuf = io.BytesIO(requests.get(u).content)\n"
    result = analyze_source(text.encode(), "stdin.py")
    path = tmp_path / "b.json"
    write_baseline(str(path), [result], {"stdin.py": text})
    assert json.loads(path.read_text())["entries"][0]["statement"].startswith("buf = io . BytesIO (")
    new, _ = filter_new([result], load_baseline(str(path)), {"stdin.py": text.encode()})
    assert new_codes(new) == []


@pytest.mark.parametrize(
    "content, problem",
    [
        ("{not json", "invalid JSON"),
        ('["a list"]', "not a buffix baseline"),
        ('{"format": "other-tool", "version": 1, "entries": []}', "not a buffix baseline"),
        ('{"format": "buffix-baseline", "version": 99, "entries": []}', "version 99 is not supported"),
        ('{"format": "buffix-baseline", "version": 1, "entries": {}}', '"entries" must be a list'),
        ('{"format": "buffix-baseline", "version": 1, "entries": [{"code": "BFX101"}]}', 'entry 0: "path" must be'),
    ],
)
def test_bad_baseline_is_one_clear_error(tmp_path, content, problem):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(BaselineError) as error:
        load_baseline(str(path))
    assert str(error.value).startswith(f"{path}: ") and problem in str(error.value)


def test_missing_baseline_names_the_file(tmp_path):
    with pytest.raises(BaselineError, match=r"missing\.json: cannot read baseline"):
        load_baseline(str(tmp_path / "missing.json"))


def test_stale_for_a_checked_file_without_result(project):
    """A file the prefilter skipped has no FileResult; naming it as checked still reports its stale entries."""
    root, path = project["root"], project["baseline"]
    (root / "other.py").write_text("x = 1\n")
    results = analyze(root, ["app.py"])
    _, stale = filter_new(results, load_baseline(str(path)), checked=[str(root / "app.py"), str(root / "other.py")])
    assert [(e.path, e.code) for e in stale] == [("other.py", "BFX102")]
