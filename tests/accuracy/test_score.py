"""score.py's matching and figures, run as a real subprocess on a hand-made label set and fake findings.
Offline: --findings skips fetching; the fake buffix is a small script standing in for `buffix check`."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCORE = Path(__file__).with_name("score.py")
SHA = "0" * 64

LABELS = f"""
name: demo
version: "1.0"
file: demo-1.0-py3-none-any.whl
sha256: "{SHA}"
category: downloader
labelling: blind
labels:
  - {{path: demo/dl.py, line: 10, expect: BFX201, flow: chunk-loop, client: requests, note: write of a chunk}}
  - {{path: demo/dl.py, line: 20, expect: BFX104, flow: variable, client: httpx, note: sha256 of resp.content}}
  - {{path: demo/io.py, line: 5, expect: BFX102, flow: attribute, client: requests, note: BytesIO of self.body}}
  - {{path: demo/dl.py, line: 30, expect: silent, flow: direct, note: hash of a local str}}
  - {{path: demo/io.py, line: 9, expect: silent, flow: other, note: text write}}
"""

# paths as buffix prints them from the source root: <package>/<path in the distribution>
# 2 correct (one through a multi-line span), 1 wrong code, 1 on a silent label, 1 unlabelled.
FINDINGS = [
    {"code": "BFX201", "message": "write of a body", "path": "demo/demo/dl.py", "line": 10, "end_line": 10},
    {"code": "BFX104", "message": "hash of a body", "path": "demo/demo/dl.py", "line": 19, "end_line": 21},
    {"code": "BFX101", "message": "memoryview of a body", "path": "demo/demo/io.py", "line": 5, "end_line": 5},
    {"code": "BFX104", "message": "hash of a body", "path": "demo/demo/dl.py", "line": 30, "end_line": 30},
    {"code": "BFX203", "message": "join of chunks", "path": "demo/demo/other.py", "line": 3, "end_line": 3},
]


def run_score(*args: str) -> subprocess.CompletedProcess:
    split = () if any(a.startswith("--split") for a in args) else ("--split", "all")
    return subprocess.run([sys.executable, str(SCORE), *split, *args], capture_output=True, text=True, timeout=60)


@pytest.fixture()
def labels(tmp_path: Path) -> Path:
    folder = tmp_path / "packages"
    folder.mkdir()
    (folder / "demo.yaml").write_text(LABELS, encoding="utf-8")
    return folder


def test_figures_misses_and_false_positives_from_a_findings_file(tmp_path, labels):
    findings = tmp_path / "findings.json"
    findings.write_text(json.dumps(FINDINGS), encoding="utf-8")
    result = run_score("--labels", str(labels), "--cache", str(tmp_path / "cache"), "--findings", str(findings))
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "RECALL    0.667  (2/3" in out
    assert "PRECISION 0.500  (labelled sites" in out  # 2 of the 4 findings on labelled lines
    assert "PRECISION over all findings 0.400" in out  # the unlabelled one counts until reviewed
    assert "F1        0.571" in out
    assert "demo/demo/io.py:5: expected BFX102 [attribute, requests]" in out  # the miss
    assert "demo/demo/io.py:5: BFX101 memoryview of a body (wrong code, expected BFX102)" in out
    assert "demo/demo/dl.py:30: BFX104 hash of a body (on a silent label: hash of a local str)" in out
    assert "demo/demo/other.py:3: BFX203 join of chunks (unlabelled - review)" in out
    assert "  chunk-loop        1     1   1.000        1       1     1.000  1.000" in out
    assert "  direct            0     0     n/a        1       0     0.000    n/a" in out
    assert "  BFX1              2     1   0.500        2       1     0.500  0.500" in out
    assert "  httpx             1     1   1.000        1       1     1.000  1.000" in out


def test_strict_fails_below_target_and_passes_when_all_are_found(tmp_path, labels):
    findings = tmp_path / "findings.json"
    findings.write_text(json.dumps(FINDINGS), encoding="utf-8")
    common = ["--labels", str(labels), "--cache", str(tmp_path / "cache"), "--findings", str(findings), "--strict"]
    assert run_score(*common).returncode == 1

    perfect = [FINDINGS[0], FINDINGS[1], dict(FINDINGS[2], code="BFX102")]
    findings.write_text(json.dumps(perfect), encoding="utf-8")
    result = run_score(*common)
    assert result.returncode == 0, result.stdout
    assert "RECALL    1.000  (3/3" in result.stdout and "PRECISION 1.000" in result.stdout


def test_runs_buffix_and_reports_files_it_could_not_parse(tmp_path, labels):
    src = tmp_path / "cache" / "src" / "demo" / "demo"
    src.mkdir(parents=True)
    for name, lines in (("dl.py", 30), ("io.py", 9)):
        (src / name).write_text("x = 1\n" * lines, encoding="utf-8")
    fake = tmp_path / "fake_buffix.py"
    fake.write_text(textwrap.dedent(f"""
        import json, os, sys
        assert sys.argv[1:] == ["check", "--format", "json", "--no-cache", "--jobs", "1", "."], sys.argv
        assert os.path.isdir("demo") and not os.path.isdir("demo/demo"), os.getcwd()  # runs inside the package
        findings = {FINDINGS[:2]!r}
        print(json.dumps([dict(f, path=f["path"].split("/", 1)[1]) for f in findings]))  # relative to the package
        print("demo/broken.py: cannot parse: invalid syntax (line 3)", file=sys.stderr)
        sys.exit(2)
    """), encoding="utf-8")
    # the download is faked too: a cached archive whose hash matches its pin, and a complete extraction
    downloads = tmp_path / "cache" / "downloads"
    downloads.mkdir()
    (downloads / "demo-1.0-py3-none-any.whl").write_bytes(b"")
    empty_sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    (labels / "demo.yaml").write_text(LABELS.replace(SHA, empty_sha), encoding="utf-8")
    (src.parent / ".buffix-extracted").write_text(empty_sha + "\n", encoding="ascii")

    result = run_score("--labels", str(labels), "--cache", str(tmp_path / "cache"),
                       "--buffix", f"{sys.executable} {fake}", "--strict")
    assert "files buffix could not read or parse (1)" in result.stdout, result.stderr
    assert "demo/demo/broken.py: cannot parse" in result.stdout
    assert "RECALL    0.667" in result.stdout and "PRECISION 1.000" in result.stdout
    assert result.returncode == 1  # strict: below target, and a file failed


def test_a_crash_of_buffix_is_an_error_not_a_score(tmp_path, labels):
    findings = tmp_path / "findings.json"
    findings.write_text("not json", encoding="utf-8")
    result = run_score("--labels", str(labels), "--cache", str(tmp_path / "cache"), "--findings", str(findings))
    assert result.returncode == 2
    assert "is not JSON" in result.stderr


def test_a_call_site_finding_is_judged_by_the_sink_its_flow_ends_at(tmp_path, labels):
    src = tmp_path / "cache" / "src"

    def via(path, line):
        return [{"path": "demo/demo/caller.py", "line": 7, "description": "passed to `save()`"},
                {"path": str(src / "demo" / path), "line": line, "description": "reaches the sink"}]

    findings = tmp_path / "findings.json"
    findings.write_text(json.dumps([
        # reported where the body is passed on; the flow ends at labelled sinks (absolute or relative paths)
        {"code": "BFX201", "message": "body passed on", "path": "demo/demo/caller.py", "line": 7,
         "flow": via("demo/dl.py", 10)},
        {"code": "BFX104", "message": "body passed on", "path": "demo/demo/caller.py", "line": 8,
         "flow": [{"path": "demo/demo/dl.py", "line": 20, "description": "reaches the sink"}]},
        {"code": "BFX104", "message": "local str passed on", "path": "demo/demo/caller.py", "line": 9,
         "flow": via("demo/dl.py", 30)},
        # a labelled line decides by itself, whatever the flow says
        {"code": "BFX102", "message": "BytesIO of a body", "path": "demo/demo/io.py", "line": 5,
         "flow": via("demo/dl.py", 30)},
        {"code": "BFX203", "message": "join", "path": "demo/demo/caller.py", "line": 11, "flow": via("demo/x.py", 1)},
        # a line silent for its own sink, from which the body reaches a labelled sink of the finding's code
        {"code": "BFX104", "message": "body hashed inside", "path": "demo/demo/io.py", "line": 9,
         "flow": via("demo/dl.py", 20)},
        {"code": "BFX201", "message": "text write", "path": "demo/demo/io.py", "line": 9,
         "flow": via("demo/dl.py", 20)},
    ]), encoding="utf-8")
    result = run_score("--labels", str(labels), "--cache", str(tmp_path / "cache"), "--findings", str(findings))
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "RECALL    1.000  (3/3" in out and "PRECISION over all findings 0.571" in out
    assert "demo/demo/io.py:9: BFX201 text write (on a silent label: text write)" in out
    assert ("demo/demo/caller.py:9: BFX104 local str passed on (on a silent label of the sink demo/demo/dl.py:30: "
            "hash of a local str)") in out
    assert "demo/demo/caller.py:11: BFX203 join (unlabelled - review)" in out


def test_the_split_is_a_fixed_hash_and_scoring_the_test_half_is_logged(tmp_path, labels):
    from tests.accuracy.labelset import split_of
    assert split_of("demo") == split_of("Demo") and {split_of(f"pkg{i}") for i in range(20)} == {"dev", "test"}
    findings = tmp_path / "findings.json"
    findings.write_text(json.dumps(FINDINGS), encoding="utf-8")
    assert split_of("demo") == "test"
    other = "dev"
    result = run_score("--split", other, "--labels", str(labels), "--cache", str(tmp_path / "c"),
                       "--findings", str(findings))
    assert f"== split {other}: 0 packages" in result.stdout  # demo belongs to the other half
    log = tmp_path / "scored.log"
    empty_sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    (labels / "demo.yaml").write_text(LABELS.replace(SHA, empty_sha), encoding="utf-8")
    src = tmp_path / "cache" / "src" / "demo" / "demo"
    src.mkdir(parents=True)
    for name, lines in (("dl.py", 30), ("io.py", 9)):
        (src / name).write_text("x = 1\n" * lines, encoding="utf-8")
    (src.parent / ".buffix-extracted").write_text(empty_sha + "\n", encoding="ascii")
    (tmp_path / "cache" / "downloads").mkdir()
    (tmp_path / "cache" / "downloads" / "demo-1.0-py3-none-any.whl").write_bytes(b"")
    fake = tmp_path / "fake_buffix.py"
    fake.write_text("import json; print(json.dumps([]))", encoding="utf-8")
    result = run_score("--split", "test", "--labels", str(labels), "--cache", str(tmp_path / "cache"),
                       "--log", str(log), "--why", "final check", "--buffix", f"{sys.executable} {fake}")
    assert "== split test: 1 packages" in result.stdout, result.stderr
    assert log.read_text(encoding="utf-8").count("final check") == 1


def test_a_finding_on_a_wrapped_argument_is_matched_at_its_sink_call(tmp_path):
    from tests.accuracy.score import enclosing_call_line
    source = tmp_path / "m.py"
    source.write_text("img = open_image(\n    BytesIO(\n        read(url)))\nother(x)\n", encoding="utf-8")
    assert enclosing_call_line(source, 3, 9) == 2  # read(url) is the argument of BytesIO( on line 2
    assert enclosing_call_line(source, 2, 5) == 1  # BytesIO(...) is the argument of open_image( on line 1
    assert enclosing_call_line(source, 4, 7) is None  # same line: the finding's own line decides


def test_a_flow_ending_at_a_wrapped_argument_reaches_the_sink_call_s_line(tmp_path):
    from tests.accuracy.score import _sink
    src = tmp_path / "src"
    (src / "demo" / "demo").mkdir(parents=True)
    (src / "demo" / "demo" / "err.py").write_text("root = fromstring(\n    body,\n    parser=p)\n", encoding="utf-8")
    flow = [{"path": "demo/demo/err.py", "line": 2, "column": 5, "description": "reaches `fromstring()`"}]
    assert _sink(flow, src, src) == ("demo", "demo/err.py", 1)  # the label names the call's first line
    flow = [{"path": "demo/demo/err.py", "line": 3, "column": 1, "description": "reaches `x`"}]
    assert _sink(flow, src, src) == ("demo", "demo/err.py", 3)  # no call has it as an argument: its own line
