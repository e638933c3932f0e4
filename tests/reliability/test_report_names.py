"""Every report format copes with a file name that is not UTF-8 (a Linux name is bytes): no traceback, and the SARIF
URI percent-encodes the name's own bytes, as RFC 3986 asks, so a viewer finds the file."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

SOURCE = b"import requests\nmemoryview(requests.get(u).content)\n"
NAME = b"caf\xe9.py"  # Latin-1 e-acute: not UTF-8

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="file names are bytes on Linux only")


def check(tmp_path, *args):
    with open(os.path.join(os.fsencode(tmp_path), NAME), "wb") as file:
        file.write(SOURCE)
    return subprocess.run([sys.executable, "-m", "buffix", "check", "--no-cache", *args, "."], cwd=tmp_path,
                          capture_output=True)


def test_sarif_uri_holds_the_names_bytes(tmp_path):
    run = check(tmp_path, "--format", "sarif")
    assert run.returncode == 1, run.stderr.decode(errors="replace")
    assert b"Traceback" not in run.stderr
    results = json.loads(run.stdout)["runs"][0]["results"]
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in results for loc in r["locations"]}
    assert uris == {"caf%E9.py"}


@pytest.mark.parametrize("fmt", ["text", "json", "github", "gitlab", "junit"])
def test_other_formats_report_the_finding(tmp_path, fmt):
    run = check(tmp_path, "--format", fmt)
    assert run.returncode == 1, run.stderr.decode(errors="replace")
    assert b"Traceback" not in run.stderr
    assert b"BFX101" in run.stdout
