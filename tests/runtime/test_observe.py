"""Observe mode (issue 11): a run records each unsafe use of a body as a confirmed finding at its exact call site,
in buffix's JSON format; Python 3.12+ records every family (PEP 688), 3.11 the BFX4/BFX5 families and says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runtime.py312 import venv_with

pytestmark = pytest.mark.usefixtures("server")
REPO = Path(__file__).resolve().parents[2]
APP = REPO / "fixtures" / "runtime" / "observe" / "app.py"
BUFFIX = [sys.executable, "-m", "buffix"]


def observe(python: str, tmp_path: Path, server, program: Path = APP) -> tuple:
    out = tmp_path / "observed.json"
    env = {**os.environ, "BUFFIX_TEST_URL": server.url_for(""), "PYTHONPATH": str(REPO)}
    run = subprocess.run([*BUFFIX, "run", "--observe", str(out), "--", python, str(program)], capture_output=True,
                         text=True, timeout=120, env=env, cwd=tmp_path)
    return run, json.loads(out.read_text())["findings"]


def sites(findings: list) -> list:
    return [(f["code"], f["line"], f["column"], f["end_column"], f["confidence"]) for f in findings]


def test_observe_on_this_interpreter_records_the_proxy_dependent_and_slow_copy_sites(server, tmp_path):
    run, findings = observe(sys.executable, tmp_path, server)
    assert run.stdout.splitlines()[0] == "64 65 64"  # bytes(), + and bytearray() ran unchanged
    expected = [("BFX401", 15, 11, 22, "confirmed"), ("BFX402", 15, 29, 40, "confirmed"),
                ("BFX501", 15, 47, 62, "confirmed")]
    if sys.version_info < (3, 12):  # io.BytesIO(body) still fails here: no __buffer__ before 3.12
        assert run.returncode == 1 and "app.py:17:11" in run.stderr, run.stderr
        assert sites(findings) == expected and "only the proxy-dependent (BFX4)" in run.stderr
    bytes_site = next(f for f in findings if f["code"] == "BFX401")
    assert bytes_site["path"] == os.path.relpath(APP, tmp_path)  # relative to the observed file's directory
    assert "1 time(s)" in bytes_site["message"]
    assert [e["replacement"] for e in bytes_site["fix"]["edits"]] == ["body[:]"]
    assert bytes_site["flow"][0]["line"] == 11  # where the program received the body (inside fetch())


@pytest.fixture(scope="module")
def python312_full() -> str:
    """A 3.12+ venv with what buffix's report needs (wrapt, click, pyyaml)."""
    return venv_with("py312-observe-venv", ("wrapt", "click", "pyyaml"), "observe mode records every family there")


def test_observe_on_python_312_records_buffer_consumers_with_their_catalog_rule_and_fix(server, tmp_path,
                                                                                          python312_full):
    run, findings = observe(python312_full, tmp_path, server)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "64 65 64" and "only the proxy-dependent" not in run.stderr
    by_code = {f["code"]: f for f in findings}
    assert sites(findings) == [("BFX401", 15, 11, 22, "confirmed"), ("BFX402", 15, 29, 40, "confirmed"),
                               ("BFX501", 15, 47, 62, "confirmed"), ("BFX102", 17, 11, 27, "confirmed"),
                               ("BFX104", 17, 43, 63, "confirmed")], findings
    bytesio = by_code["BFX102"]
    assert "`io.BytesIO`" in bytesio["message"] and "2 time(s)" in bytesio["message"]
    assert bytesio["fix"]["edits"][0]["replacement"] == "body[:]" and bytesio["fix"]["edits"][0]["column"] == 22
    assert "`hashlib.sha256`" in by_code["BFX104"]["message"]

    fixed = tmp_path / "app.py"  # the same program with the observed sites sliced: a second run records nothing
    fixed.write_text(APP.read_text().replace("bytes(body)", "bytes(body[:])").replace("body + b", "body[:] + b")
                     .replace("bytearray(body)", "bytearray(body[:])").replace("io.BytesIO(body)", "io.BytesIO(body[:])")
                     .replace("sha256(body)", "sha256(body[:])"))
    again, none = observe(python312_full, tmp_path, server, fixed)
    assert again.returncode == 0 and again.stdout == run.stdout and none == [], none


MERGE_APP = '''import os
import urllib.request

URL = os.environ["BUFFIX_TEST_URL"] + "/bytes/64"


def fetch():
    with urllib.request.urlopen(URL) as response:
        return getattr(response, "".join("read"))()  # hidden from the analyzer: a name built at run time


def seen():
    with urllib.request.urlopen(URL) as response:
        return response.read()


body, other = fetch(), seen()
print(len(bytes(body)), len(bytes(other)))
'''


def test_check_and_fix_use_the_observed_findings_and_a_fixed_run_observes_nothing(server, tmp_path):
    app = tmp_path / "app.py"
    app.write_text(MERGE_APP)
    run, findings = observe(sys.executable, tmp_path, server, app)
    assert run.returncode == 0 and run.stdout == "64 64\n", run.stderr
    assert [(f["code"], f["line"], f["column"]) for f in findings] == [("BFX401", 18, 11), ("BFX401", 18, 29)]
    observed = str(tmp_path / "observed.json")
    check = subprocess.run([*BUFFIX, "check", "--no-cache", "--observed", observed, str(app)], capture_output=True,
                           text=True, timeout=60, cwd=tmp_path)
    lines = [line for line in check.stdout.splitlines() if ": BFX" in line]
    assert len(lines) == 2, check.stdout
    assert lines[0].startswith(f"{app}:18:11: BFX401") and "observed at run time, missed by the analyzer" in lines[0]
    assert lines[1].startswith(f"{app}:18:35: BFX401")  # the static span: the argument and "[confirmed at run time]" in lines[1]
    fixed = subprocess.run([*BUFFIX, "fix", "--no-cache", "--observed", observed, str(app)], capture_output=True,
                           text=True, timeout=60, cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "print(len(bytes(body[:])), len(bytes(other[:])))" in app.read_text()
    again, none = observe(sys.executable, tmp_path, server, app)
    assert again.returncode == 0 and again.stdout == "64 64\n" and none == []
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    bad = subprocess.run([*BUFFIX, "check", "--observed", str(broken), str(app)], capture_output=True, text=True,
                         timeout=60, cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "broken.json" in bad.stderr, bad.stderr


def test_pytest_observe_mode_writes_the_sessions_findings(server, tmp_path):
    (tmp_path / "test_app.py").write_text(
        "import os, requests\n"
        "def test_bytes():\n"
        "    body = requests.get(os.environ['BUFFIX_TEST_URL'] + '/bytes/32').content\n"
        "    assert len(bytes(body)) == 32\n"
    )
    out = tmp_path / "found.json"
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--buffix-runtime=observe",
                          f"--buffix-observe={out}", "test_app.py"], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path, env={**os.environ, "BUFFIX_TEST_URL": server.url_for("")})
    assert run.returncode == 0, run.stdout + run.stderr
    found = json.loads(out.read_text())["findings"]
    assert [(f["code"], f["line"], f["column"], f["confidence"]) for f in found] == [("BFX401", 4, 16, "confirmed")]
