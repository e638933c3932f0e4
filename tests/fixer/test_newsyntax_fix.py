"""`buffix fix` on files with syntax newer than the running Python: the fix is proven on the same
interpreter-independent reading the analyzer uses (buffix.core.newsyntax), through the real CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.analyzer.test_newsyntax import NEWER, SINK

BUFFIX = str(Path(sys.executable).with_name("buffix"))


@pytest.mark.parametrize("case", sorted(NEWER))
def test_fix_works_on_newer_syntax(tmp_path, case):
    source = NEWER[case] + SINK
    (tmp_path / "new.py").write_text(source)
    done = subprocess.run([BUFFIX, "fix", "--isolated", "--no-cache", "new.py"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "new.py").read_text() == source.replace(".content)", ".content[:])")


def test_fix_leaves_a_file_with_syntax_newer_than_target_version_alone(tmp_path):
    """Such a file is a syntax error for its target: not fixed, exit 2, the reason on stderr."""
    source = NEWER["pep695_def"] + SINK
    (tmp_path / "new.py").write_text(source)
    (tmp_path / "pyproject.toml").write_text('[tool.buffix]\ntarget-version = "py311"\n')
    done = subprocess.run([BUFFIX, "fix", "--no-cache", "new.py"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and "needs Python 3.12, target-version is py311" in done.stderr, done.stderr
    assert (tmp_path / "new.py").read_text() == source
