"""The pytest plugin (`pytest --buffix-runtime[=wrapt|strict]`), run as a real pytest subprocess on a small test
file that downloads from the session's server ($BUFFIX_TEST_URL)."""

from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List

import pytest

pytestmark = pytest.mark.usefixtures("server")

TEST_FILE = '''
import io
import os

import requests

URL = os.environ["BUFFIX_TEST_URL"]


def test_bytesio_of_content():
    resp = requests.get(URL + "/bytes/1024")
    assert len(io.BytesIO(resp.content).getvalue()) == 1024


def test_bytes_of_body():
    body = requests.get(URL + "/bytes/512").content
    assert len(bytes(body)) == 512


def test_safe_form():
    resp = requests.get(URL + "/bytes/256")
    assert len(io.BytesIO(resp.content[:]).getvalue()) == 256
'''


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, subprocess.CompletedProcess]:
    """One pytest run per option set, side by side (each is mostly start-up)."""
    folder = tmp_path_factory.mktemp("plugin")
    (folder / "test_bodies.py").write_text(TEST_FILE)
    options: Dict[str, List[str]] = {
        "none": [],
        "wrapt": ["--buffix-runtime"],
        "strict": ["--buffix-runtime=strict"],
    }

    def pytest_run(extra: List[str]) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", "test_bodies.py", *extra]
        return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=120)

    with ThreadPoolExecutor(len(options)) as pool:
        return dict(zip(options, pool.map(pytest_run, options.values())))


def outcomes(run: subprocess.CompletedProcess) -> Dict[str, str]:
    """test name -> PASSED / FAILED, from the -rA short summary."""
    found = {}
    for line in run.stdout.splitlines():
        for outcome in ("PASSED", "FAILED"):
            if line.startswith(outcome + " test_bodies.py::"):
                found[line.split("::")[1].split()[0]] = outcome
    return found


def test_without_the_option_everything_passes_and_nothing_is_reported(runs):
    run = runs["none"]
    assert run.returncode == 0, run.stdout + run.stderr
    assert set(outcomes(run).values()) == {"PASSED"} and len(outcomes(run)) == 3
    assert "buffix runtime" not in run.stdout and "Captured buffix" not in run.stdout


def test_strict_fails_unsafe_conversions_with_a_buffix_section(runs):
    run = runs["strict"]
    assert run.returncode == 1, run.stdout + run.stderr
    assert outcomes(run) == {
        "test_bytesio_of_content": "FAILED", "test_bytes_of_body": "FAILED", "test_safe_form": "PASSED",
    }
    sections = re.split(r"(?m)^-+ buffix -+$", run.stdout)
    assert len(sections) == 3, run.stdout  # one `buffix` report section per failed test
    bytesio = next(s for s in sections[1:] if "io.BytesIO(resp.content)" in s)
    assert "BFX1" in bytesio and "body[:]" in bytesio, bytesio
    bytes_of = next(s for s in sections[1:] if "bytes(body)" in s)
    assert "BFX4" in bytes_of and "bytes(body[:])" in bytes_of, bytes_of


def test_wrapt_profile_fails_only_the_buffer_consumer(runs):
    run = runs["wrapt"]
    assert run.returncode == 1
    assert outcomes(run) == {
        "test_bytesio_of_content": "FAILED", "test_bytes_of_body": "PASSED", "test_safe_form": "PASSED",
    }
    assert "BFX1" in run.stdout


@pytest.mark.parametrize("profile", ["wrapt", "strict"])
def test_terminal_summary_shows_the_runtime_stats(runs, profile):
    lines = runs[profile].stdout.splitlines()
    title = next(i for i, line in enumerate(lines) if "buffix runtime" in line and line.startswith("-"))
    stats = lines[title + 1]
    # three tests, one body each; what is still live at the end depends on which tracebacks pytest keeps
    assert re.fullmatch(
        r"buffix runtime: 3 bodies wrapped, \d+ bytes live, peak \d+ bytes, 0 released, \d+ leak suspects", stats
    ), stats


def test_release_on_close_option_reaches_the_runtime(tmp_path):
    (tmp_path / "test_after_close.py").write_text(
        "import os, requests\n"
        "def test_use_after_with():\n"
        "    with requests.get(os.environ['BUFFIX_TEST_URL'] + '/bytes/64') as r:\n"
        "        body = r.content\n"
        "    body[:]\n"
    )
    base = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "test_after_close.py", "--buffix-runtime"]
    run = subprocess.run([*base, "--buffix-release-on-close"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 1 and "BodyReleasedError" in run.stdout, run.stdout
    assert "test_after_close.py:4" in run.stdout  # where the body was created
    assert "1 released" in run.stdout


def test_a_bare_option_before_a_path_does_not_take_the_path_as_the_profile(tmp_path):
    (tmp_path / "test_one.py").write_text(TEST_FILE)
    base = [sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider"]
    bare = subprocess.run([*base, "--buffix-runtime", "test_one.py"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert "buffix runtime: 3 bodies wrapped" in bare.stdout, bare.stdout + bare.stderr
    assert bare.stdout.count("FAILED test_one.py::") == 1  # the wrapt profile: only the buffer consumer fails
    spaced = subprocess.run([*base, "--buffix-runtime", "strict", "test_one.py"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert spaced.stdout.count("FAILED test_one.py::") == 2, spaced.stdout  # strict also refuses bytes(body)
    bad = subprocess.run([*base, "--buffix-runtime=stirct", "test_one.py"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 4 and "unknown profile" in bad.stderr, bad.stderr
