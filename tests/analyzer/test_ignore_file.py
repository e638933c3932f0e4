"""`# buffix: ignore-file[CODE]` through the real CLI: every finding of those codes in the file, nothing else."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BUFFIX = str(Path(sys.executable).with_name("buffix"))
BODY = ("import base64, io, requests\n\ndef load(u):\n    data = requests.get(u).content\n"
        "    io.BytesIO(data)\n    io.BytesIO(data)\n    return base64.b64encode(data)\n")


def codes(tmp_path: Path, text: str) -> list:
    (tmp_path / "m.py").write_text(text)
    done = subprocess.run([BUFFIX, "check", "--no-cache", "--isolated", "--format", "json", "m.py"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    return sorted((f["code"], f["line"]) for f in json.loads(done.stdout)["findings"])


def test_ignore_file_silences_its_codes_everywhere_in_the_file(tmp_path):
    assert codes(tmp_path, BODY) == [("BFX102", 5), ("BFX102", 6), ("BFX103", 7)]
    assert codes(tmp_path, "# buffix: ignore-file[BFX102]  vendored client, rolled out later\n" + BODY) == [
        ("BFX103", 8)]
    assert codes(tmp_path, BODY + "# buffix: ignore-file[BFX1]\n") == []


def test_unused_or_bare_ignore_file_is_reported(tmp_path):
    assert codes(tmp_path, "# buffix: ignore-file[BFX201]\n" + BODY) == [
        ("BFX102", 6), ("BFX102", 7), ("BFX103", 8), ("BFX901", 1)]
    assert ("BFX902", 1) in codes(tmp_path, "# buffix: ignore-file\n" + BODY)


def test_after_code_it_is_only_that_lines_suppression(tmp_path):
    text = BODY.replace("    io.BytesIO(data)\n", "    io.BytesIO(data)  # buffix: ignore-file[BFX102]\n", 1)
    assert codes(tmp_path, text) == [("BFX102", 6), ("BFX103", 7)]
