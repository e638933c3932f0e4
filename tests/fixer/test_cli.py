"""`buffix fix` end to end: the real CLI in a subprocess, on real files."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

APP = b'''import hashlib
import io

import requests


def main(url):
    resp = requests.get(url)
    body = resp.content
    stream = io.BytesIO(body)
    digest = hashlib.sha256(
        resp.content  # a comment inside the argument makes this fix unsafe
        or b""
    ).hexdigest()
    return stream, digest
'''


def buffix(*args: str, cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "buffix", *args], cwd=cwd, input=stdin, capture_output=True,
                          timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_bytes(APP.replace(b"\n", b"\r\n"))  # CRLF: kept byte for byte
    os.chmod(tmp_path / "app.py", 0o750)
    (tmp_path / "clean.py").write_bytes(b"import requests\n\nprint(requests.get('http://127.0.0.1:9').content[:])\n")
    return tmp_path


def test_fix_writes_safe_fixes_and_reports_the_unsafe_one(project):
    run = buffix("fix", ".", cwd=project)
    assert run.returncode == 1, run.stderr
    fixed = (project / "app.py").read_bytes()
    assert b"io.BytesIO(body[:])\r\n" in fixed
    assert b"resp.content  # a comment" in fixed  # unsafe: left as it was
    assert fixed.count(b"\r\n") == APP.count(b"\n") and b"\n" not in fixed.replace(b"\r\n", b"")
    assert stat.S_IMODE((project / "app.py").stat().st_mode) == 0o750
    out = run.stdout.decode()
    assert "Fixed 1 site in 1 file; 1 finding remains (1 with an unsafe fix" in out
    assert "app.py:12:9: BFX104" in out


def test_unsafe_fixes_then_nothing_remains_and_a_second_run_changes_nothing(project):
    run = buffix("fix", "--unsafe-fixes", ".", cwd=project)
    assert run.returncode == 0, run.stdout + run.stderr
    fixed = (project / "app.py").read_bytes()
    assert b'(resp.content  # a comment inside the argument makes this fix unsafe\r\n        or b"")[:]' in fixed
    again = buffix("fix", "--unsafe-fixes", ".", cwd=project)
    assert again.returncode == 0 and (project / "app.py").read_bytes() == fixed
    assert b"Fixed 0 sites" in again.stdout
    assert buffix("check", ".", cwd=project).returncode == 0


def test_diff_writes_nothing_and_exits_1(project):
    before = (project / "app.py").read_bytes()
    run = buffix("fix", "--diff", "app.py", cwd=project)
    assert run.returncode == 1
    assert (project / "app.py").read_bytes() == before
    diff = run.stdout.decode()
    assert diff.startswith("--- a/app.py\n+++ b/app.py\n")
    assert "-    stream = io.BytesIO(body)\r\n+    stream = io.BytesIO(body[:])\r\n" in diff
    assert "Would fix 1 site" in run.stderr.decode()


def test_diff_of_a_clean_file_exits_0(project):
    run = buffix("fix", "--diff", "clean.py", cwd=project)
    assert run.returncode == 0 and run.stdout == b""


@pytest.mark.parametrize(
    "style, expected",
    [
        ("getitem", b"io.BytesIO(body.__getitem__(slice(None)))"),
        ("helper", b"io.BytesIO(as_buffer(body))"),
    ],
)
def test_stdin_prints_the_fixed_source_in_the_chosen_style(project, style, expected):
    run = buffix("fix", "-", "--stdin-filename", "app.py", "--fix-style", style, cwd=project, stdin=APP)
    assert run.returncode == 1  # the unsafe fix remains
    assert expected in run.stdout
    if style == "helper":
        assert b"import requests\nfrom buffix.safe import as_buffer\n" in run.stdout
    compile(run.stdout, "app.py", "exec")


def test_errors_exit_2_and_the_other_files_are_still_fixed(project):
    (project / "broken.py").write_bytes(b"from requests import get\ndef f(:\n")
    run = buffix("fix", ".", cwd=project)
    assert run.returncode == 2
    assert "broken.py: error:" in run.stderr.decode()
    assert b"io.BytesIO(body[:])" in (project / "app.py").read_bytes()


def test_unknown_style_is_a_usage_error(project):
    run = buffix("fix", "--fix-style", "hasattr", ".", cwd=project)
    assert run.returncode == 2 and b"hasattr" in run.stderr
