"""Report formats over real analyzer results: text, json, sarif (validated against the official schema), github,
statistics, --output and the progress bar."""

from __future__ import annotations

import dataclasses
import json
import os
import pty
import re
import select
from pathlib import Path
from typing import List

import jsonschema
import pytest

from buffix.analysis import analyze_source
from buffix.core.atomic import write_text_atomic
from buffix.core.findings import FileError, FileResult, Finding, Fix, Span
from buffix.fixer import fix_source
from buffix.knowledge.rules import all_rules
from buffix.report import FORMATS, ReportOptions, emit, error_lines, progress, render, render_statistics, use_color
from buffix.report.github import escape_data, escape_property

SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "sarif-2.1.0.json").read_text(encoding="utf-8"))

UNSAFE = b"import io, requests\nr = requests.get(u)\nbody = r.content\nbuf = io.BytesIO(body)\n"
TWO_SINKS = (b"import hashlib, requests\ndata = requests.get(u).content\n"
             b"h = hashlib.sha256(data)\nm = memoryview(data)\n")
CLEAN = b"import io\nwith open(p, 'rb') as f:\n    buf = io.BytesIO(f.read())\n"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch) -> List[FileResult]:
    """Three files analyzed for real (two unsafe, one clean) plus one that could not be read."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pkg").mkdir()
    sources = {"pkg/app.py": UNSAFE, "pkg/two.py": TWO_SINKS, "clean.py": CLEAN}
    results = []
    for path, data in sources.items():
        (tmp_path / path).write_bytes(data)
        results.append(analyze_source(data, path))
    error = FileError("broken.py", "cannot decode: invalid utf-8 byte 0xff at 1:3")
    results.append(FileResult("broken.py", (), error))
    assert [len(r.findings) for r in results[:3]] == [1, 2, 0], "the analyzer must find these sites"
    return results


def real_edits(finding: Finding):
    """The fixer's edits for one finding, read from the finding's file (how check/fix wire edits_for)."""
    outcome = fix_source(Path(finding.path).read_bytes(), finding.fix.targets, path=finding.path)
    return outcome.applied


def all_findings(results):
    return [f for r in results for f in r.findings]


# ---- text -------------------------------------------------------------------------------------------------------
LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>BFX\d{3}) (?P<star>\[\*\] )?(?P<msg>.+)$")


def test_text_lines_markers_and_summary(tree):
    text = render("text", tree, ReportOptions())
    lines = text.splitlines()
    parsed = [LINE.match(line) for line in lines if LINE.match(line)]
    expected = sorted((f.path, f.line, f.column, f.code) for f in all_findings(tree))
    assert [(m["path"], int(m["line"]), int(m["col"]), m["code"]) for m in parsed] == expected
    for match, finding in zip(parsed, sorted(all_findings(tree), key=lambda f: (f.path, f.line, f.column))):
        assert bool(match["star"]) == (finding.fix is not None and finding.fix.applicability == "safe")
        assert match["msg"] == finding.message
    fixable = sum(f.fix is not None and f.fix.applicability == "safe" for f in all_findings(tree))
    assert lines[-1] == f"4 files checked, 3 findings ({fixable} fixable), 1 error"
    assert "\x1b[" not in text
    assert render("text", tree, ReportOptions(quiet=True)).splitlines() == lines[:-1]


def test_unsafe_fix_marker_follows_the_unsafe_fixes_setting(tree):
    finding = tree[0].findings[0]
    unsafe = dataclasses.replace(finding, fix=Fix("unsafe", finding.fix.targets, "provenance guessed"))
    results = [dataclasses.replace(tree[0], findings=(unsafe,))]
    hidden = render("text", results, ReportOptions()).splitlines()
    assert "[*]" not in hidden[0]
    assert hidden[-2:] == ["1 file checked, 1 finding (0 fixable), 0 errors",
                           "1 more fix available with --unsafe-fixes."]
    shown = render("text", results, ReportOptions(unsafe_fixes=True)).splitlines()
    assert "[*]" in shown[0] and shown[-1] == "1 file checked, 1 finding (1 fixable), 0 errors"


def test_verbose_shows_the_flow_from_source_to_sink(tree):
    finding = tree[0].findings[0]
    text = render("text", tree[:1], ReportOptions(verbose=True))
    steps = re.findall(r"^\s+(?:flow: )?(\d+)\. (\S+):(\d+):(\d+) (.+)$", text, re.M)
    assert len(steps) == len(finding.flow) >= 2
    assert [(path, int(line), int(col), description) for _, path, line, col, description in steps] == [
        (s.path or finding.path, s.span.line, s.span.column, s.description) for s in finding.flow
    ]
    assert f"confidence: {finding.confidence}" in text
    assert "flow:" not in render("text", tree[:1], ReportOptions())


def test_show_fixes_lists_the_fixers_edits(tree):
    text = render("text", tree[:1], ReportOptions(show_fixes=True, edits_for=real_edits))
    edit = real_edits(tree[0].findings[0])[0]
    assert f"fix: {edit.span.line}:{edit.span.column}-{edit.span.end_line}:{edit.span.end_column} -> 'body[:]'" in text


def test_colour_only_when_enabled_and_no_color_respected(tree, monkeypatch):
    assert "\x1b[" in render("text", tree, ReportOptions(color=True))
    monkeypatch.setenv("NO_COLOR", "1")
    master, slave = pty.openpty()
    with os.fdopen(slave, "w") as terminal:
        assert use_color(None, terminal) is False
        assert use_color(True, terminal) is True
        monkeypatch.delenv("NO_COLOR")
        assert use_color(None, terminal) is True
        assert use_color(False, terminal) is False
    os.close(master)
    with open(os.devnull, "w") as pipe_like:
        assert use_color(None, pipe_like) is False


# ---- json -------------------------------------------------------------------------------------------------------
def test_json_objects(tree):
    document = json.loads(render("json", tree, ReportOptions(edits_for=real_edits)))
    assert document["version"] == 1
    assert document["errors"] == [{"path": "broken.py", "message": "cannot decode: invalid utf-8 byte 0xff at 1:3"}]
    objects = document["findings"]
    findings = sorted(all_findings(tree), key=lambda f: (f.path, f.line, f.column))
    assert len(objects) == len(findings)
    for obj, finding in zip(objects, findings):
        assert set(obj) == {"code", "name", "severity", "docs", "message", "path", "line", "column", "end_line",
                            "end_column", "confidence", "fingerprint", "fix", "flow"}
        assert (obj["code"], obj["path"], obj["line"], obj["column"], obj["end_line"], obj["end_column"]) == (
            finding.code, finding.path, finding.line, finding.column, finding.end_line, finding.end_column)
        rule = all_rules()[finding.code]
        assert (obj["name"], obj["docs"]) == (rule.name, f"buffix explain {finding.code}")
        assert obj["severity"] == "error"  # BFX1's LEVEL
        assert obj["confidence"] in ("low", "medium", "high")
        assert [(s["line"], s["column"], s["description"]) for s in obj["flow"]] == [
            (s.span.line, s.span.column, s.description) for s in finding.flow]
        assert obj["fix"]["applicability"] == finding.fix.applicability
        source = Path(finding.path).read_text().splitlines()
        for edit in obj["fix"]["edits"]:  # each edit replaces the flagged argument by its slice
            before = source[edit["line"] - 1][edit["column"] - 1 : edit["end_column"] - 1]
            assert edit["replacement"] == before + "[:]"
    assert all(obj["fix"]["edits"] for obj in objects)
    without_edits = json.loads(render("json", tree, ReportOptions()))["findings"]
    assert all(obj["fix"]["edits"] == [] for obj in without_edits)


def test_json_of_a_finding_without_fix_is_null():
    finding = Finding("BFX601", "type check", "a.py", Span(1, 1, 1, 9), "low")
    (obj,) = json.loads(render("json", [FileResult("a.py", (finding,))], ReportOptions()))["findings"]
    assert obj["fix"] is None and obj["severity"] == "warning"  # BFX6's LEVEL


# ---- sarif ------------------------------------------------------------------------------------------------------
def sarif(results, **options):
    log = json.loads(render("sarif", results, ReportOptions(**options)))
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    return log


def test_sarif_validates_and_carries_rules_results_flows_and_fixes(tree, tmp_path):
    log = sarif(tree, edits_for=real_edits, base=str(tmp_path))
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "buffix" and "informationUri" not in driver  # no public page exists
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == list(all_rules())
    for descriptor in driver["rules"]:
        rule = all_rules()[descriptor["id"]]
        assert descriptor["help"]["markdown"] == rule.docs and descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["defaultConfiguration"]["level"] in ("error", "warning")
    findings = sorted(all_findings(tree), key=lambda f: (f.path, f.line, f.column))
    assert len(run["results"]) == len(findings)
    for result, finding in zip(run["results"], findings):
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"] == finding.code
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": finding.path, "uriBaseId": "%SRCROOT%"}
        assert location["region"] == {"startLine": finding.line, "startColumn": finding.column,
                                      "endLine": finding.end_line, "endColumn": finding.end_column}
        assert result["properties"]["confidence"] == finding.confidence
        steps = result["codeFlows"][0]["threadFlows"][0]["locations"]
        assert [s["location"]["message"]["text"] for s in steps] == [s.description for s in finding.flow]
        replacement = result["fixes"][0]["artifactChanges"][0]["replacements"][0]
        assert replacement["insertedContent"]["text"].endswith("[:]")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "invalid utf-8" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.py"


def test_sarif_paths_outside_the_base_and_odd_names_stay_valid(tmp_path):
    finding = Finding("BFX999", "unknown code, odd path", "../elsewhere/a b%.py", Span(2, 3, 2, 7), "medium")
    log = sarif([FileResult(finding.path, (finding,))], base=str(tmp_path / "root"))
    run = log["runs"][0]
    (result,) = run["results"]
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "BFX999"
    artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact["uri"].startswith("file:///") and "uriBaseId" not in artifact and "a%20b%25.py" in artifact["uri"]
    assert "fixes" not in result and "codeFlows" not in result
    assert run["invocations"][0]["executionSuccessful"] is True


def test_schema_rejects_a_broken_log(tree):
    """The validation above can fail: a region without its line is caught."""
    log = json.loads(render("sarif", tree, ReportOptions()))
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate(log)


# ---- github -----------------------------------------------------------------------------------------------------
ANNOTATION = re.compile(
    r"^::(?P<level>error|warning) file=(?P<file>[^,:]+),line=(?P<line>\d+),col=(?P<col>\d+),endLine=(?P<end_line>\d+),"
    r"endColumn=(?P<end_col>\d+),title=buffix \((?P<code>BFX\d+) (?P<name>[a-z-]+)\)::(?P<message>[^\r\n]*)$"
)


def unescape(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def test_github_annotations(tree):
    lines = render("github", tree, ReportOptions()).splitlines()
    findings = sorted(all_findings(tree), key=lambda f: (f.path, f.line, f.column))
    matches = [ANNOTATION.match(line) for line in lines[: len(findings)]]
    assert all(matches), lines
    for match, finding in zip(matches, findings):
        assert (match["file"], int(match["line"]), int(match["col"]), int(match["end_line"]), int(match["end_col"]),
                match["code"]) == (finding.path, finding.line, finding.column, finding.end_line, finding.end_column,
                                   finding.code)
        assert unescape(match["message"]) == f"{finding.message}\nDocs: buffix explain {finding.code}"
        assert (match["level"], match["name"]) == ("error", all_rules()[finding.code].name)
    assert lines[len(findings):] == [
        "::error file=broken.py,title=buffix (error)::cannot decode: invalid utf-8 byte 0xff at 1:3"]


def test_github_escaping_of_properties_and_message():
    path = "dir,with:odd%/a.py"
    message = "100% broken,\r\nsecond line: here"
    finding = Finding("BFX101", message, path, Span(1, 2, 3, 4), "high")
    (line,) = render("github", [FileResult(path, (finding,))], ReportOptions()).splitlines()
    assert line == (
        "::error file=dir%2Cwith%3Aodd%25/a.py,line=1,col=2,endLine=3,endColumn=4,title=buffix (BFX101 "
        "memoryview-of-body)::100%25 broken,%0D%0Asecond line: here%0ADocs: buffix explain BFX101"
    )
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"
    assert escape_data("a,b:c%\r") == "a,b:c%25%0D"
    properties, _, data = line[len("::error "):].partition("::")
    fields = dict(item.split("=", 1) for item in properties.split(","))
    assert unescape(fields["file"]) == path and unescape(data) == message + "\nDocs: buffix explain BFX101"


# ---- statistics, errors, output, progress -----------------------------------------------------------------------
def test_statistics_sorted_by_count(tree):
    extra = dataclasses.replace(tree[1], path="pkg/three.py")  # BFX104 and BFX101 once more
    table = render_statistics(tree + [extra], ReportOptions()).splitlines()
    rows = [re.match(r"^\s*(\d+)\s+(BFX\d+)\s+(\[\*\]|\[ \])\s+(\S+)$", row) for row in table]
    assert all(rows), table
    counts = [int(r[1]) for r in rows]
    assert counts == sorted(counts, reverse=True) and sum(counts) == 5
    names = {r[2]: r[4] for r in rows}
    assert all(names[code] == all_rules()[code].name for code in names)
    stats = json.loads(render_statistics(tree + [extra], ReportOptions(), "json"))
    assert [(s["count"], s["code"]) for s in stats["statistics"]] == [(int(r[1]), r[2]) for r in rows]
    assert stats["version"] == 1 and [e["path"] for e in stats["errors"]] == ["broken.py"]


def test_error_lines_name_the_file_and_cause(tree):
    assert error_lines(tree) == ["broken.py: error: cannot decode: invalid utf-8 byte 0xff at 1:3"]


def test_emit_to_output_file_is_atomic_and_uncoloured(tree, tmp_path, capsys):
    target = tmp_path / "out" / "report.sarif"
    target.parent.mkdir()
    emit("sarif", tree, ReportOptions(color=True), output=str(target))
    captured = capsys.readouterr()
    assert captured.out == "" and "broken.py: error:" in captured.err
    jsonschema.Draft4Validator(SCHEMA).validate(json.loads(target.read_text()))
    emit("text", tree, ReportOptions(color=True), output=str(target))
    assert "\x1b[" not in target.read_text() and os.listdir(target.parent) == ["report.sarif"]


def test_write_text_atomic_exclusive_and_failure_leave_nothing(tmp_path):
    target = tmp_path / "a.txt"
    write_text_atomic(str(target), "one\n")
    with pytest.raises(FileExistsError):
        write_text_atomic(str(target), "two\n", exclusive=True)
    assert target.read_text() == "one\n" and os.listdir(tmp_path) == ["a.txt"]
    with pytest.raises(OSError):
        write_text_atomic(str(tmp_path / "missing-dir" / "b.txt"), "x")
    assert os.listdir(tmp_path) == ["a.txt"]


def test_every_format_renders_empty_results():
    for fmt in FORMATS:
        assert isinstance(render(fmt, [], ReportOptions()), str)
    with pytest.raises(ValueError):
        render("xml", [], ReportOptions())


def test_progress_bar_only_on_a_terminal():
    items = ["a.py", "b.py", "c.py"]
    with open(os.devnull, "w") as not_a_tty:
        with progress(items, len(items), stream=not_a_tty) as bar:
            assert bar is items
    master, slave = pty.openpty()
    with os.fdopen(slave, "w") as terminal:
        with progress(items, len(items), label="Checking", stream=terminal) as bar:
            assert list(bar) == items
        terminal.flush()
        drawn = ""
        while select.select([master], [], [], 0.5)[0]:  # the pty may hand the drawing over in pieces
            drawn += os.read(master, 4096).decode()
    os.close(master)
    assert "Checking" in drawn and "3/3" in drawn


def test_summary_counts_files_the_prefilter_skipped(tree):
    last = render("text", tree, ReportOptions(files_checked=120)).splitlines()[-1]
    assert last.startswith("120 files checked, 3 findings")
