"""Each machine-readable format through the real CLI, validated against its schema: the versioned JSON report
(docs/schemas/buffix-report-v1.schema.json), GitLab Code Quality (docs/schemas/gitlab-code-quality.schema.json),
JUnit (tests/data/junit-10.xsd), SARIF (tests/data/sarif-2.1.0.json) and GitHub annotations; relative paths, rule
name, docs reference and severity in every one, file errors in every one."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from buffix.knowledge.rules import all_rules, level_of, precision_of
from tests.report.tree import CODES, ERRORS, REPO, buffix, make_tree

REPORT_SCHEMA = json.loads((REPO / "docs" / "schemas" / "buffix-report-v1.schema.json").read_text())
GITLAB_SCHEMA = json.loads((REPO / "docs" / "schemas" / "gitlab-code-quality.schema.json").read_text())
SARIF_SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-2.1.0.json").read_text())
JUNIT_SCHEMA = xmlschema.XMLSchema(str(REPO / "tests" / "data" / "junit-10.xsd"))


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    return make_tree(tmp_path_factory.mktemp("report"))


def report(tree: Path, fmt: str, *args: str) -> str:
    """The report of the whole tree, named by its absolute path: every report path must still come out relative."""
    done = buffix("check", "--no-cache", "--format", fmt, *args, str(tree), cwd=tree)
    assert done.returncode == 2, done.stderr  # the two file errors
    assert sorted(line.split(": error: ")[0] for line in done.stderr.splitlines()) == [str(tree / e) for e in ERRORS]
    return done.stdout


def assert_relative_inside(tree: Path, path: str) -> None:
    assert not os.path.isabs(path) and "\\" not in path and (tree / path).is_file(), path


# ---- json ---------------------------------------------------------------------------------------------------------
def test_json_report_is_versioned_valid_and_relative_everywhere(tree):
    document = json.loads(report(tree, "json"))
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(document)
    assert document["version"] == 1
    findings = document["findings"]
    assert [f["code"] for f in findings] == CODES
    for finding in findings:
        rule = all_rules()[finding["code"]]
        assert (finding["name"], finding["docs"], finding["severity"]) == (
            rule.name, f"buffix explain {rule.code}", level_of(rule.code))
        assert_relative_inside(tree, finding["path"])
        for step in finding["flow"]:
            assert_relative_inside(tree, step["path"])
    app = findings[0]
    assert app["path"] == "svc/app.py" and {s["path"] for s in app["flow"]} == {"svc/app.py", "svc/_downloads.py"}
    assert [e["path"] for e in document["errors"]] == ERRORS
    assert document["errors"][0]["message"].startswith("syntax error")
    assert document["errors"][1]["message"].startswith("cannot decode")
    # the schema describes every key the report has: a new field needs its line in the schema (and docs/output.md)
    finding_keys = set(REPORT_SCHEMA["$defs"]["finding"]["properties"])
    assert all(set(f) == finding_keys for f in findings)
    assert set(document) == {"version", "findings", "errors"}


def test_the_docs_reference_of_a_finding_prints_the_rules_docs(tree):
    done = buffix(*json.loads(report(tree, "json"))["findings"][0]["docs"].split()[1:], cwd=tree)
    assert done.returncode == 0 and done.stdout.startswith("# BFX104 hash-of-body")


def test_json_schema_can_fail():
    broken = {"version": 1, "findings": [{"code": "BFX101", "path": "/abs/a.py"}], "errors": []}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(broken)
    with pytest.raises(jsonschema.ValidationError):  # statistics and findings never share a document
        jsonschema.Draft202012Validator(REPORT_SCHEMA).validate({"version": 1, "findings": [], "statistics": [],
                                                                 "errors": []})


def test_json_statistics_is_the_same_document_with_statistics(tree):
    document = json.loads(report(tree, "json", "--statistics"))
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(document)
    assert [(s["code"], s["count"]) for s in document["statistics"]] == [(code, 1) for code in CODES]
    assert [e["path"] for e in document["errors"]] == ERRORS and "findings" not in document


def test_report_root_names_paths_relative_to_it(tree):
    done = buffix("check", "--no-cache", "--format", "json", "--report-root", "..", "frames.py", cwd=tree / "svc")
    assert done.returncode == 1, done.stderr
    assert [f["path"] for f in json.loads(done.stdout)["findings"]] == ["svc/frames.py", "svc/frames.py"]
    outside = buffix("check", "--no-cache", "--format", "json", "--report-root", "svc", "broken.py", cwd=tree)
    assert json.loads(outside.stdout)["errors"][0]["path"] == "../broken.py"
    missing = buffix("check", "--report-root", "nowhere", ".", cwd=tree)
    assert missing.returncode == 2 and missing.stderr == "buffix: error: --report-root nowhere: not a directory\n"


# ---- gitlab -------------------------------------------------------------------------------------------------------
def test_gitlab_code_quality_matches_the_documented_shape(tree):
    issues = json.loads(report(tree, "gitlab"))
    jsonschema.Draft202012Validator(GITLAB_SCHEMA).validate(issues)
    findings = json.loads(report(tree, "json"))["findings"]
    assert [i["check_name"] for i in issues] == CODES + ["buffix error"] * 2
    for issue, finding in zip(issues, findings):
        assert issue["fingerprint"] == finding["fingerprint"]
        assert issue["location"] == {"path": finding["path"], "lines": {"begin": finding["line"],
                                                                        "end": finding["end_line"]}}
        assert issue["severity"] == {"error": "major", "warning": "minor"}[finding["severity"]]
        assert f"{finding['code']} {finding['name']}: " in issue["description"]
        assert f"buffix explain {finding['code']}" in issue["description"]
    errors = issues[len(findings):]
    assert [(e["location"]["path"], e["severity"]) for e in errors] == [(p, "critical") for p in ERRORS]
    assert len({i["fingerprint"] for i in issues}) == len(issues)  # GitLab keeps one issue per fingerprint


def test_gitlab_schema_can_fail():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(GITLAB_SCHEMA).validate(
            [{"description": "d", "check_name": "c", "fingerprint": "f", "severity": "error",
              "location": {"path": "a.py", "lines": {"begin": 1}}}])


# ---- junit --------------------------------------------------------------------------------------------------------
def test_junit_validates_against_the_junit_schema(tree):
    text = report(tree, "junit")
    JUNIT_SCHEMA.validate(text)
    root = ElementTree.fromstring(text)
    assert (root.tag, root.get("tests"), root.get("failures"), root.get("errors")) == ("testsuites", "5", "3", "2")
    suites = {suite.get("name"): suite for suite in root}
    assert sorted(suites) == sorted(ERRORS + ["svc/app.py", "svc/frames.py"])
    failures = [(case.get("classname"), failure.get("type")) for suite in root for case in suite
                for failure in case.iter("failure")]
    assert failures == [("svc/app.py", "BFX104"), ("svc/frames.py", "BFX401"), ("svc/frames.py", "BFX601")]
    (case,) = suites["svc/app.py"]
    assert case.get("name") == "BFX104 hash-of-body 7:25"
    assert "Docs: buffix explain BFX104" in case.find("failure").text
    errors = [(case.get("classname"), case.find("error").get("message")) for name in ERRORS for case in suites[name]]
    assert [path for path, _ in errors] == ERRORS and errors[0][1].startswith("syntax error")


def test_junit_of_a_clean_run_is_one_passing_case_and_odd_text_stays_valid_xml(tmp_path):
    (tmp_path / "ok.py").write_text("print('fine')\n")
    clean = buffix("check", "--no-cache", "--format", "junit", cwd=tmp_path)
    assert clean.returncode == 0
    JUNIT_SCHEMA.validate(clean.stdout)
    assert [case.get("name") for case in ElementTree.fromstring(clean.stdout).iter("testcase")] == ["no findings"]
    odd = b"caf\xe9\x01.py"  # not UTF-8, and a control character XML cannot hold
    with open(os.path.join(os.fsencode(tmp_path), odd), "wb") as file:
        file.write(b"import requests\nm = memoryview(requests.get('u').content)\n")
    done = buffix("check", "--no-cache", "--format", "junit", cwd=tmp_path)
    assert done.returncode == 1
    JUNIT_SCHEMA.validate(done.stdout)
    assert ElementTree.fromstring(done.stdout).find("testsuite").get("name") == "caf\\udce9\\x01.py"


def test_junit_schema_can_fail():
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        JUNIT_SCHEMA.validate('<testsuites><testsuite name="a"><testcase/></testsuite></testsuites>')


# ---- sarif --------------------------------------------------------------------------------------------------------
def sarif_run(tree: Path, *args: str) -> dict:
    log = json.loads(report(tree, "sarif", *args))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    return log["runs"][0]


def test_sarif_rules_carry_precision_and_problem_severity_from_the_family_modules(tree):
    rules = sarif_run(tree)["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(all_rules())
    for rule in rules:
        code = rule["id"]
        assert rule["properties"]["precision"] == precision_of(code)
        assert rule["properties"]["problem.severity"] == {"error": "error", "warning": "warning"}[level_of(code)]
        assert rule["defaultConfiguration"]["level"] == level_of(code)
        assert rule["name"] == all_rules()[code].name and rule["properties"]["docs"] == f"buffix explain {code}"


def test_sarif_fingerprints_survive_moved_lines_and_change_with_the_flagged_line(tmp_path):
    make_tree(tmp_path)
    frames = tmp_path / "svc" / "frames.py"

    def prints() -> dict:
        run = sarif_run(tmp_path)
        return {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]):
                (r["partialFingerprints"]["buffix/v1"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
                for r in run["results"]}

    before = prints()
    frames.write_text("# a new header\n\n\n" + frames.read_text())
    after = prints()
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}  # same fingerprints...
    assert after[("BFX401", "svc/frames.py")][1] == before[("BFX401", "svc/frames.py")][1] + 3  # ...lines moved
    frames.write_text(frames.read_text().replace("frame = bytes(body)", "frames = bytes(body)"))
    edited = prints()
    assert edited[("BFX401", "svc/frames.py")][0] != after[("BFX401", "svc/frames.py")][0]
    assert edited[("BFX104", "svc/app.py")][0] == after[("BFX104", "svc/app.py")][0]
    # two identical lines are two findings with two fingerprints
    frames.write_text('import requests\nbody = requests.get("u").content\nframe = bytes(body)\nframe = bytes(body)\n')
    run = sarif_run(tmp_path)
    twins = [r["partialFingerprints"]["buffix/v1"] for r in run["results"] if r["ruleId"] == "BFX401"]
    assert len(twins) == len(set(twins)) == 2


def test_sarif_base_and_file_errors_as_notifications(tree):
    run = buffix("check", "--no-cache", "--format", "sarif", "--report-root", "..", "frames.py", cwd=tree / "svc")
    log = json.loads(run.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    (sarif,) = log["runs"]
    assert sarif["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tree.as_uri() + "/"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["results"]}
    assert uris == {"svc/frames.py"}
    notes = sarif_run(tree)["invocations"][0]["toolExecutionNotifications"]
    assert [(n["level"], n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for n in notes] == [
        ("error", path) for path in ERRORS]


# ---- github -------------------------------------------------------------------------------------------------------
ANNOTATION = re.compile(r"^::(?P<command>error|warning|notice) file=(?P<file>[^,]+)(?:,line=(?P<line>\d+).*)?,"
                        r"title=buffix \((?P<title>[^)]*)\)::(?P<message>.*)$")


def test_github_levels_follow_the_family_level_and_file_errors_are_errors(tree):
    lines = [ANNOTATION.match(line) for line in report(tree, "github").splitlines()]
    assert all(lines)
    findings, errors = lines[:len(CODES)], lines[len(CODES):]
    for match, code in zip(findings, CODES):
        assert match["command"] == {"error": "error", "warning": "warning"}[level_of(code)]
        assert match["title"] == f"{code} {all_rules()[code].name}"
        assert match["message"].endswith(f"%0ADocs: buffix explain {code}")
    assert [m["command"] for m in findings] == ["error", "warning", "warning"]  # BFX1 error; BFX4, BFX6 warnings
    assert [(m["command"], m["file"], m["title"]) for m in errors] == [("error", p, "error") for p in ERRORS]


# ---- text ---------------------------------------------------------------------------------------------------------
def test_text_verbose_names_the_rule_and_each_hop_relative_to_the_current_directory(tree):
    done = buffix("check", "--no-cache", "--verbose", "svc", cwd=tree)
    assert done.returncode == 1, done.stderr
    assert "    rule: BFX104 hash-of-body (docs: buffix explain BFX104)" in done.stdout.splitlines()
    hops = re.findall(r"^\s+(?:flow: )?\d+\. (\S+):\d+:\d+ ", done.stdout, re.M)
    assert "svc/_downloads.py" in hops and all(hop.startswith("svc/") for hop in hops)
