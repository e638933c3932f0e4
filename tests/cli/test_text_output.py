"""The text format through the real CLI: short messages naming the sink once, and the source snippet under
--verbose (the default stays one line per finding, for pre-commit)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BUFFIX = str(Path(sys.executable).with_name("buffix"))
SOURCE = ('import hashlib\nimport requests\nresp = requests.get("u")\n'
          'if True:\n\tdigest = hashlib.sha256(resp.content)\n'
          'view = memoryview(\n    resp.content)\n')


def check(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run([BUFFIX, "check", "--isolated", "--no-cache", *args], cwd=cwd, capture_output=True,
                          text=True, env=env)


def test_messages_are_short_and_name_the_sink_once(tmp_path):
    (tmp_path / "a.py").write_text(SOURCE)
    lines = check(tmp_path, "a.py").stdout.splitlines()
    assert lines == [
        "a.py:5:26: BFX104 [*] response body `resp.content` reaches `hashlib.sha256()`: a proxied body raises "
        "TypeError",
        "a.py:7:5: BFX101 [*] response body `resp.content` reaches `memoryview()`: a proxied body raises TypeError",
        "1 file checked, 2 findings (2 fixable), 0 errors",
    ]
    for line in lines[:2]:
        message = line.split(" [*] ", 1)[1]
        assert len(message) <= 100 and message.count("sha256") + message.count("memoryview") == 1


def test_verbose_shows_the_line_with_carets(tmp_path):
    (tmp_path / "a.py").write_text(SOURCE)
    text = check(tmp_path, "--verbose", "a.py").stdout
    assert ("a.py:5:26: BFX104 [*] response body `resp.content` reaches `hashlib.sha256()`: a proxied body raises "
            "TypeError\n"
            "  |\n"
            "5 |     digest = hashlib.sha256(resp.content)\n"  # a tab is shown as 4 spaces, the carets follow it
            "  |                             ^^^^^^^^^^^^\n"
            "    flow: 1.") in text
    assert ("7 |     resp.content)\n"
            "  |     ^^^^^^^^^^^^\n") in text
    assert "  |" not in check(tmp_path, "a.py").stdout
    quiet = check(tmp_path, "--quiet", "a.py").stdout.splitlines()
    assert len(quiet) == 2 and all(line.startswith("a.py:") for line in quiet)
