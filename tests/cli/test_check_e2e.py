"""`buffix check` end to end: the real executable in a subprocess on temporary trees, one test per promise of the CLI
issue (exit codes, formats, options, baseline, discovery, stdin, cache, jobs, colour, help)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import jsonschema
import pytest

BUFFIX = str(Path(sys.executable).with_name("buffix"))
SCHEMA = Path(__file__).resolve().parent.parent / "data" / "sarif-2.1.0.json"

# high confidence, safe fix (BFX104 at 8:27-8:39)
UNSAFE = """import hashlib

import requests


def download(url):
    resp = requests.get(url)
    return hashlib.sha256(resp.content).hexdigest()
"""
# provenance only guessed: BFX101 medium (unsafe fix) at 2:16, BFX101 low (unsafe fix) at 3:16
GUESSED = """def guessed(response, thing):
    memoryview(response.content)
    memoryview(thing.content)
"""
# a finding without a fix (BFX601 at 4:4)
NO_FIX = """import requests

body = requests.get("u").content
if type(body) is bytes:
    pass
"""
CLEAN = """import requests


def fetch(url):
    return requests.get(url).status_code
"""
SUMMARY = re.compile(r"^(\d+) files? checked, (\d+) findings? \((\d+) fixable\), (\d+) errors?$", re.M)


def buffix(*args: str, cwd: Path, stdin: Optional[bytes] = None, env: Optional[Dict[str, str]] = None,
           timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the installed `buffix` executable; stdout and stderr decoded losslessly (surrogateescape)."""
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environment.update(env or {})
    with subprocess.Popen([BUFFIX, *args], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=environment, start_new_session=True) as process:
        try:
            out, err = process.communicate(stdin or b"", timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its workers too: none may outlive the test
            raise
    return subprocess.CompletedProcess(process.args, process.returncode, out.decode("utf-8", "surrogateescape"),
                                       err.decode("utf-8", "surrogateescape"))


def tree(root: Path, files: Dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def summary(stdout: str) -> tuple:
    (match,) = SUMMARY.findall(stdout)
    return tuple(int(n) for n in match)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return tree(tmp_path, {"a.py": UNSAFE, "b.py": GUESSED, "c.py": NO_FIX, "clean.py": CLEAN})


# -- exit codes -----------------------------------------------------------------------------------------------------

def test_exit_codes(tmp_path):
    tree(tmp_path, {"clean.py": CLEAN, "dirty/a.py": UNSAFE})
    clean = buffix("check", "clean.py", cwd=tmp_path)
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout == "1 file checked, 0 findings (0 fixable), 0 errors\n" and clean.stderr == ""
    dirty = buffix("check", cwd=tmp_path)
    assert dirty.returncode == 1 and summary(dirty.stdout) == (2, 1, 1, 0)
    zero = buffix("check", "--exit-zero", cwd=tmp_path)
    assert zero.returncode == 0 and zero.stdout == dirty.stdout
    usage = buffix("check", "--format", "xml", cwd=tmp_path)
    assert usage.returncode == 2 and "Invalid value for '--format'" in usage.stderr and usage.stdout == ""
    missing = buffix("check", "--exit-zero", "clean.py", "nothere.py", cwd=tmp_path)  # errors beat --exit-zero
    assert missing.returncode == 2 and missing.stderr == "nothere.py: error: does not exist\n"
    assert summary(missing.stdout) == (1, 0, 0, 1)  # a path that does not exist is no file checked
    unknown = buffix("check", "--select", "BFX1,XYZ9", cwd=tmp_path)
    assert unknown.returncode == 2 and unknown.stdout == "" and len(unknown.stderr.splitlines()) == 1
    assert "--select: unknown rule code or prefix 'XYZ9'" in unknown.stderr


# -- formats --------------------------------------------------------------------------------------------------------

def test_text_markers_summary_and_unsafe_hint(project):
    done = buffix("check", cwd=project)
    assert done.returncode == 1 and done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0].startswith("a.py:8:27: BFX104 [*] response body `resp.content` reaches `hashlib.sha256()`")
    assert lines[1].startswith("b.py:2:16: BFX101 response body `response.content`")  # unsafe fix: no marker
    assert lines[2].startswith("c.py:4:4: BFX601 ")  # no fix at all
    assert lines[3:] == ["4 files checked, 3 findings (1 fixable), 0 errors",
                         "1 more fix available with --unsafe-fixes."]
    unsafe = buffix("check", "--unsafe-fixes", "--min-confidence", "low", "--quiet", cwd=project)
    assert [line.split(" ")[:3] for line in unsafe.stdout.splitlines()] == [
        ["a.py:8:27:", "BFX104", "[*]"], ["b.py:2:16:", "BFX101", "[*]"], ["b.py:3:16:", "BFX101", "[*]"],
        ["c.py:4:4:", "BFX601", "response"]]


def test_verbose_shows_the_flow_confidence_and_fix_safety(project):
    done = buffix("check", "--verbose", "a.py", "b.py", cwd=project)
    text = done.stdout
    assert "    flow: 1. a.py:7:12 `requests.get()` gives a requests.Response\n" in text
    assert "          2. a.py:7:5 assigned to `resp`\n" in text
    assert "    confidence: high\n    fix: safe\n" in text
    assert re.search(r"    confidence: medium\n    fix: unsafe \(.+\), enable with --unsafe-fixes\n", text)
    assert "flow:" not in buffix("check", "a.py", cwd=project).stdout


def _source_text(root: Path, path: str, line: int, column: int, end_line: int, end_column: int) -> str:
    lines = (root / path).read_text().splitlines()
    assert line == end_line
    return lines[line - 1][column - 1:end_column - 1]


def test_json_has_the_documented_keys_edits_and_applicability(project):
    done = buffix("check", "--format", "json", "--min-confidence", "low", cwd=project)
    assert done.returncode == 1 and done.stderr == ""
    findings = json.loads(done.stdout)["findings"]
    keys = {"code", "name", "severity", "docs", "message", "path", "line", "column", "end_line", "end_column",
            "confidence", "fingerprint", "fix", "flow"}
    assert all(set(f) == keys for f in findings)
    assert [(f["path"], f["code"], f["confidence"], f["fix"] and f["fix"]["applicability"]) for f in findings] == [
        ("a.py", "BFX104", "high", "safe"), ("b.py", "BFX101", "medium", "unsafe"),
        ("b.py", "BFX101", "low", "unsafe"), ("c.py", "BFX601", "high", None)]
    for finding in findings:  # positions point at the flagged expression; each edit slices exactly that text
        flagged = _source_text(project, finding["path"], finding["line"], finding["column"], finding["end_line"],
                               finding["end_column"])
        assert flagged in finding["message"]
        assert all(set(step) == {"path", "line", "column", "description"} for step in finding["flow"])
        if finding["fix"] is not None:
            (edit,) = finding["fix"]["edits"]
            original = _source_text(project, finding["path"], edit["line"], edit["column"], edit["end_line"],
                                    edit["end_column"])
            assert edit["replacement"] == original + "[:]"
            assert isinstance(finding["fix"]["reason"], str)
    assert findings[1]["fix"]["reason"]  # an unsafe fix says why


def test_sarif_validates_against_the_official_schema(project):
    done = buffix("check", "--format", "sarif", "--unsafe-fixes", cwd=project)
    assert done.returncode == 1
    log = json.loads(done.stdout)
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert all(r["id"].startswith("BFX") and r["shortDescription"]["text"] and r["help"]["text"] for r in rules)
    results = run["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in results] == [
        ("BFX104", "a.py"), ("BFX101", "b.py"), ("BFX601", "c.py")]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 8, "startColumn": 27, "endLine": 8, "endColumn": 39}
    (replacement,) = results[0]["fixes"][0]["artifactChanges"][0]["replacements"]
    assert replacement == {"deletedRegion": region, "insertedContent": {"text": "resp.content[:]"}}
    assert results[1]["fixes"][0]["properties"]["applicability"] == "unsafe" and "fixes" not in results[2]
    assert results[0]["codeFlows"][0]["threadFlows"][0]["locations"]
    assert run["invocations"][0]["executionSuccessful"] is True


GITHUB = re.compile(r"^::(?P<level>error|warning) file=(?P<file>[^,]+),line=(?P<line>\d+),col=(?P<col>\d+),"
                    r"endLine=(?P<end_line>\d+),endColumn=(?P<end_col>\d+),title=buffix \((?P<code>BFX\d+) [a-z-]+\)"
                    r"::(?P<message>.+)$")


def test_github_annotations(project):
    (project / "broken.py").write_text("from requests import get\nx = (\n")
    done = buffix("check", "--format", "github", cwd=project)
    assert done.returncode == 2
    lines = done.stdout.splitlines()
    found = [GITHUB.match(line) for line in lines[:3]]
    assert all(found), lines
    assert [(m["level"], m["file"], m["line"], m["col"], m["end_line"], m["end_col"], m["code"]) for m in found] == [
        ("error", "a.py", "8", "27", "8", "39", "BFX104"), ("error", "b.py", "2", "16", "2", "32", "BFX101"),
        ("warning", "c.py", "4", "4", "4", "23", "BFX601")]  # BFX6 is a warning in SARIF too
    assert re.match(r"^::error file=broken\.py,title=buffix \(error\)::syntax error", lines[3]) and len(lines) == 4
    assert done.stderr.startswith("broken.py: error: syntax error")  # and the one line on stderr


def test_output_file_is_the_report_and_stdout_stays_empty(project):
    expected = buffix("check", "--format", "json", cwd=project).stdout
    done = buffix("check", "--format", "json", "--output", "out/report.json", cwd=project)
    assert done.returncode == 2 and "out/report.json" in done.stderr  # the directory does not exist
    assert len(done.stderr.splitlines()) == 1 and not (project / "out").exists()
    (project / "out").mkdir()
    done = buffix("check", "--format", "json", "-o", "out/report.json", cwd=project)
    assert done.returncode == 1 and done.stdout == "" and done.stderr == ""
    assert (project / "out" / "report.json").read_text() == expected
    assert sorted(p.name for p in (project / "out").iterdir()) == ["report.json"]  # no temporary left behind
    text = buffix("check", "--color", "-o", "out/report.txt", cwd=project)
    assert text.stdout == "" and "\x1b[" not in (project / "out" / "report.txt").read_text()


def test_statistics(project):
    done = buffix("check", "--statistics", "--min-confidence", "low", cwd=project)
    assert done.returncode == 1
    assert done.stdout.splitlines() == ["2  BFX101  [ ] memoryview-of-body", "1  BFX104  [*] hash-of-body",
                                        "1  BFX601  [ ] proxy-blind-type-check"]
    table = json.loads(buffix("check", "--statistics", "--format", "json", "--unsafe-fixes", cwd=project).stdout)
    assert table["statistics"] == [
        {"count": 1, "code": "BFX101", "name": "memoryview-of-body", "fixable": True},
        {"count": 1, "code": "BFX104", "name": "hash-of-body", "fixable": True},
        {"count": 1, "code": "BFX601", "name": "proxy-blind-type-check", "fixable": False}]


def test_show_fixes(project):
    done = buffix("check", "--show-fixes", "a.py", "b.py", cwd=project)
    lines = done.stdout.splitlines()
    assert lines[1] == "    fix: 8:27-8:39 -> 'resp.content[:]'"
    assert not lines[2].startswith("    fix:")  # an unsafe fix is not shown without --unsafe-fixes
    unsafe = buffix("check", "--show-fixes", "--unsafe-fixes", "--fix-style", "getitem", "b.py", cwd=project)
    assert "    fix: 2:16-2:32 -> 'response.content.__getitem__(slice(None))'" in unsafe.stdout.splitlines()


def _codes(done: subprocess.CompletedProcess) -> list:
    return [f["code"] for f in json.loads(done.stdout)["findings"]]


def test_select_ignore_extend_select_and_min_confidence(project):
    run = lambda *args: _codes(buffix("check", "--format", "json", *args, cwd=project))  # noqa: E731
    assert run() == ["BFX104", "BFX101", "BFX601"]
    assert run("--select", "BFX1") == ["BFX104", "BFX101"]
    assert run("--select", "bfx104") == ["BFX104"]
    assert run("--ignore", "BFX10") == ["BFX601"]
    assert run("--select", "BFX6", "--extend-select", "BFX104") == ["BFX104", "BFX601"]
    assert run("--select", "BFX1", "--ignore", "BFX101") == ["BFX104"]
    assert run("--min-confidence", "low") == ["BFX104", "BFX101", "BFX101", "BFX601"]
    assert run("--min-confidence", "high") == ["BFX104", "BFX601"]


def test_config_file_and_bad_config(project):
    (project / "strict.yaml").write_text("select: [BFX6]\nmin-confidence: low\n")
    assert _codes(buffix("check", "--format", "json", "--config", "strict.yaml", cwd=project)) == ["BFX601"]
    # the command line wins over the file
    assert _codes(buffix("check", "--format", "json", "--config", "strict.yaml", "--select", "BFX104",
                         cwd=project)) == ["BFX104"]
    # a config found by walking up from the checked path
    (project / ".buffix.yaml").write_text("ignore: [BFX6]\n")
    assert _codes(buffix("check", "--format", "json", cwd=project)) == ["BFX104", "BFX101"]
    for name, text in ((".buffix.yaml", "ignore: [BFX6]\nmax-speed: 3\n"),
                       ("pyproject.toml", "[tool.buffix]\nmax-speed = 3\n")):
        (project / ".buffix.yaml").unlink(missing_ok=True)
        (project / name).write_text(text)
        done = buffix("check", cwd=project)
        assert done.returncode == 2 and done.stdout == ""
        (line,) = done.stderr.splitlines()
        assert str(project / name) in line and "max-speed" in line and "unknown setting" in line
        named = buffix("check", "--config", name, cwd=project)
        assert named.returncode == 2 and len(named.stderr.splitlines()) == 1 and "max-speed" in named.stderr
    missing = buffix("check", "--config", "nope.yaml", cwd=project)
    assert missing.returncode == 2 and "nope.yaml" in missing.stderr and len(missing.stderr.splitlines()) == 1


# -- baseline -------------------------------------------------------------------------------------------------------

def test_baseline_round_trip(tmp_path):
    also = "\n\ndef also(response):\n    return memoryview(response.content)\n"
    tree(tmp_path, {"app.py": UNSAFE + also, "clean.py": CLEAN})
    written = buffix("check", "--write-baseline", "baseline.json", cwd=tmp_path)
    assert written.returncode == 0 and "wrote 2 findings to the baseline baseline.json" in written.stderr
    assert buffix("check", "--baseline", "baseline.json", cwd=tmp_path).stdout.startswith("2 files checked, 0 ")

    app = tmp_path / "app.py"
    moved = "import os\n\n\ndef unrelated():\n    return os.sep\n\n" + app.read_text().replace(
        "    resp = requests.get(url)\n", "\n    # fetch it\n    resp = requests.get(url)\n\n")
    app.write_text(moved)  # lines moved, a function added: still nothing new, nothing stale
    done = buffix("check", "--baseline", "baseline.json", cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == "" and summary(done.stdout) == (2, 0, 0, 0)

    app.write_text(moved + "\n\ndef new(resp):\n    return hashlib.md5(resp.content)\n")
    done = buffix("check", "--baseline", "baseline.json", "--format", "json", cwd=tmp_path)
    assert done.returncode == 1
    assert [(f["code"], f["line"]) for f in json.loads(done.stdout)["findings"]] == [("BFX104", len(moved.splitlines()) + 4)]

    app.write_text(moved.replace("memoryview(response.content)", "memoryview(response.content[:])"))
    done = buffix("check", "--baseline", "baseline.json", cwd=tmp_path)
    assert done.returncode == 0
    (stale,) = done.stderr.splitlines()
    assert stale.startswith("buffix: stale baseline entry (no longer found): app.py:") and "BFX101 in also" in stale

    broken = buffix("check", "--baseline", "clean.py", cwd=tmp_path)
    assert broken.returncode == 2 and "clean.py: not a buffix baseline" in broken.stderr


# -- discovery ------------------------------------------------------------------------------------------------------

def test_gitignore_excludes_and_force_exclude(tmp_path):
    tree(tmp_path, {
        ".gitignore": "generated/\n",
        ".git/info/exclude": "local_*.py\n",
        "pkg/.gitignore": "*_pb2.py\n!keep_pb2.py\n",
        "pkg/api_pb2.py": UNSAFE, "pkg/keep_pb2.py": UNSAFE, "pkg/mod.py": UNSAFE, "pkg/stub.pyi": CLEAN,
        "generated/gen.py": UNSAFE, "local_scratch.py": UNSAFE, ".venv/lib/x.py": UNSAFE, "build/b.py": UNSAFE,
        "vendor/v.py": UNSAFE, "notes.txt": UNSAFE,
        ".buffix.yaml": "extend-exclude: [vendor]\n",
    })
    paths = lambda done: sorted({f["path"] for f in json.loads(done.stdout)["findings"]})  # noqa: E731
    done = buffix("check", "--format", "json", cwd=tmp_path)
    assert paths(done) == ["pkg/keep_pb2.py", "pkg/mod.py"] and done.stderr == ""
    assert summary(buffix("check", cwd=tmp_path).stdout)[0] == 3  # .pyi files count

    # a file named on the command line is checked even when ignored...
    named = buffix("check", "--format", "json", "generated/gen.py", "pkg/api_pb2.py", "vendor/v.py", cwd=tmp_path)
    assert paths(named) == ["generated/gen.py", "pkg/api_pb2.py", "vendor/v.py"]
    # ...unless --force-exclude (pre-commit), and then it is said so: never a silent "0 files"
    forced = buffix("check", "--force-exclude", "generated/gen.py", "local_scratch.py", "vendor/v.py",
                    "pkg/mod.py", cwd=tmp_path)
    assert forced.returncode == 1 and summary(forced.stdout) == (1, 1, 1, 0)
    assert sorted(forced.stderr.splitlines()) == [
        f"buffix: skipped generated/gen.py: excluded by .gitignore ({tmp_path / '.gitignore'}: generated/)",
        f"buffix: skipped local_scratch.py: excluded by .gitignore ({tmp_path / '.git/info/exclude'}: local_*.py)",
        "buffix: skipped vendor/v.py: matches exclude pattern 'vendor'",
    ]
    nothing = buffix("check", "--force-exclude", "generated/gen.py", cwd=tmp_path)
    assert nothing.returncode == 0 and "skipped generated/gen.py" in nothing.stderr
    empty = buffix("check", "build", "notes.txt", cwd=tmp_path)  # a named directory is walked, named
    assert empty.returncode == 1 and "skipped notes.txt: not a Python file" in empty.stderr
    (tmp_path / "docs").mkdir()
    quiet_dir = buffix("check", "docs", cwd=tmp_path)
    assert quiet_dir.returncode == 0 and "buffix: skipped docs: no Python files found" in quiet_dir.stderr


# -- stdin ----------------------------------------------------------------------------------------------------------

def test_stdin(tmp_path):
    tree(tmp_path, {".gitignore": "generated/\n"})
    (tmp_path / ".git").mkdir()
    done = buffix("check", "-", "--stdin-filename", "src/app.py", cwd=tmp_path, stdin=UNSAFE.encode())
    assert done.returncode == 1
    assert done.stdout.startswith("src/app.py:8:27: BFX104 [*] ") and summary(done.stdout) == (1, 1, 1, 0)
    anonymous = buffix("check", "-", "--format", "json", cwd=tmp_path, stdin=UNSAFE.encode())
    assert [f["path"] for f in json.loads(anonymous.stdout)["findings"]] == ["-"]
    assert buffix("check", "-", cwd=tmp_path, stdin=CLEAN.encode()).returncode == 0
    excluded = buffix("check", "-", "--force-exclude", "--stdin-filename", "generated/app.py", cwd=tmp_path,
                      stdin=UNSAFE.encode())
    assert excluded.returncode == 0 and summary(excluded.stdout) == (0, 0, 0, 0)
    assert "buffix: skipped generated/app.py: excluded by .gitignore" in excluded.stderr
    mixed = buffix("check", "-", "a.py", cwd=tmp_path, stdin=b"")
    assert mixed.returncode == 2 and "cannot be combined" in mixed.stderr


# -- cache ----------------------------------------------------------------------------------------------------------

def _tamper(root: Path, marker: str) -> None:
    """Rewrite every cached finding's message: a run that prints `marker` answered from the cache."""
    from buffix.cache import read_index, write_index

    for index in (root / ".buffix_cache").glob("*/*.json"):
        entries = read_index(index)  # rewritten with its checksum: a hit, not a corrupt cache
        for entry in entries.values():
            if isinstance(entry[4], dict):  # a result (the method index's store holds lists of facts)
                for finding in entry[4]["f"]:
                    finding[1] = marker
        write_index(index, entries)


def test_cache_hits_and_invalidation(tmp_path):
    tree(tmp_path, {"a.py": UNSAFE, "clean.py": CLEAN})
    first = buffix("check", cwd=tmp_path)
    cache = tmp_path / ".buffix_cache"
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    _tamper(tmp_path, "FROM-THE-CACHE")
    assert "a.py:8:27: BFX104 [*] FROM-THE-CACHE" in buffix("check", cwd=tmp_path).stdout  # a hit
    assert buffix("check", "--no-cache", cwd=tmp_path).stdout == first.stdout  # --no-cache reads nothing

    config = buffix("check", "--min-confidence", "high", cwd=tmp_path)  # another config: another key
    assert "FROM-THE-CACHE" not in config.stdout and config.stdout == first.stdout

    (tmp_path / "a.py").write_text(UNSAFE.replace("sha256", "sha1"))  # content changed
    changed = buffix("check", cwd=tmp_path)
    assert "FROM-THE-CACHE" not in changed.stdout and "hashlib.sha1()" in changed.stdout
    (tmp_path / "a.py").write_text(UNSAFE)  # written just now: the next run trusts its hash, not its stat
    assert buffix("check", cwd=tmp_path).stdout == first.stdout
    _tamper(tmp_path, "FROM-THE-CACHE")
    assert "FROM-THE-CACHE" in buffix("check", cwd=tmp_path).stdout

    # another buffix version: a copy of the package that differs only in __version__ (mtimes kept)
    package = Path(__import__("buffix").__file__).parent
    copy = tmp_path / "other-version"
    shutil.copytree(package, copy / "buffix", ignore=shutil.ignore_patterns("__pycache__"))
    init = copy / "buffix" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', '__version__ = "99.'))
    newer = subprocess.run([sys.executable, "-m", "buffix", "check", "a.py", "clean.py"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(copy)})
    assert newer.stdout == first.stdout
    # its own result cache and method index store beside the old ones
    assert len(list(cache.glob("99.*/*.json"))) == 2


def test_no_cache_writes_nothing(tmp_path):
    tree(tmp_path, {"a.py": UNSAFE})
    assert buffix("check", "--no-cache", cwd=tmp_path).returncode == 1
    assert not (tmp_path / ".buffix_cache").exists()


def test_warm_run_does_not_load_the_analyzer(tmp_path):
    """What keeps a pre-commit run fast: a file the cache answers costs no analyzer, catalog or libcst import."""
    tree(tmp_path, {"a.py": UNSAFE, "clean.py": CLEAN})
    buffix("check", cwd=tmp_path)
    warm = subprocess.run([sys.executable, "-X", "importtime", "-m", "buffix", "check", "."], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert warm.returncode == 1 and "a.py:8:27: BFX104" in warm.stdout
    imported = {line.split("|")[-1].strip() for line in warm.stderr.splitlines() if line.startswith("import time:")}
    assert not {m for m in imported if m.startswith(("buffix.analysis", "buffix.fixer", "libcst", "yaml"))}
    cold = subprocess.run([sys.executable, "-X", "importtime", "-m", "buffix", "check", "--no-cache", "--format",
                           "json", "clean.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert cold.returncode == 0 and "buffix.analysis" in cold.stderr  # the check above can fail
    assert "| libcst" not in cold.stderr and "buffix.fixer" not in cold.stderr


def test_jobs_give_identical_output(tmp_path):
    files = {}
    for n in range(100):
        files[f"pkg{n % 7}/m{n:03}.py"] = UNSAFE if n % 3 == 0 else GUESSED if n % 3 == 1 else CLEAN
    tree(tmp_path, files)
    one = buffix("check", "--no-cache", "--jobs", "1", "--format", "json", cwd=tmp_path)
    two = buffix("check", "--no-cache", "--jobs", "2", "--format", "json", cwd=tmp_path)
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout and len(json.loads(one.stdout)["findings"]) == 34 + 33
    text = buffix("check", "--no-cache", "-j", "2", cwd=tmp_path)
    assert summary(text.stdout) == (100, 67, 34, 0)


# -- colour and help ------------------------------------------------------------------------------------------------

def test_color_flags_and_no_color(project):
    assert "\x1b[" not in buffix("check", "a.py", cwd=project).stdout  # not a terminal
    coloured = buffix("check", "--color", "a.py", cwd=project).stdout
    assert "\x1b[" in coloured and re.sub(r"\x1b\[[0-9;]*m", "", coloured) == buffix("check", "a.py",
                                                                                   cwd=project).stdout
    assert "\x1b[" not in buffix("check", "--no-color", "a.py", cwd=project).stdout
    # NO_COLOR wins over a terminal; an explicit --color wins over NO_COLOR
    tty = subprocess.run(["script", "-qec", f"{BUFFIX} check a.py", "/dev/null"], cwd=project, capture_output=True,
                         text=True, timeout=60, env={**os.environ, "NO_COLOR": ""}) if shutil.which("script") else None
    if tty is not None:
        assert "\x1b[" in tty.stdout
        plain = subprocess.run(["script", "-qec", f"{BUFFIX} check a.py", "/dev/null"], cwd=project,
                               capture_output=True, text=True, timeout=60, env={**os.environ, "NO_COLOR": "1"})
        assert "\x1b[" not in plain.stdout and "BFX104" in plain.stdout
    assert "\x1b[" in buffix("check", "--color", "a.py", cwd=project, env={"NO_COLOR": "1"}).stdout


@pytest.mark.parametrize("command", ["check", "fix", "run", "explain", "rules", "init"])
def test_every_help_exits_0_with_an_example(tmp_path, command):
    done = buffix(command, "--help", cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == ""
    assert re.search(rf"^\s+buffix {command}\b", done.stdout, re.M), done.stdout
    assert buffix("--version", cwd=tmp_path).stdout.startswith("buffix, version ")


def test_check_diff(project):
    done = buffix("check", "--diff", cwd=project)
    assert done.returncode == 1
    assert "-    return hashlib.sha256(resp.content).hexdigest()\n" in done.stdout
    assert "+    return hashlib.sha256(resp.content[:]).hexdigest()\n" in done.stdout
    assert (project / "a.py").read_text() == UNSAFE
    assert buffix("check", "--diff", "clean.py", cwd=project).returncode == 0


def test_a_large_tree_is_checked_with_progress_enabled_off_a_terminal(tmp_path):
    """More than 200 files turn the progress bar on; with stderr not a terminal it must stay silent, not crash."""
    for index in range(240):
        (tmp_path / f"m{index:03}.py").write_text("x = 1\n")
    (tmp_path / "bad.py").write_text("import io, requests\nio.BytesIO(requests.get('u').content)\n")
    done = subprocess.run([sys.executable, "-m", "buffix", "check", "--no-cache", "."], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    assert "241 files checked, 1 finding (1 fixable), 0 errors" in done.stdout
