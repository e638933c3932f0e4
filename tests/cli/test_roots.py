"""Imports resolve from the tree that is checked, also when it is checked from another project's directory, and a
cached result is not replayed for a run whose imports resolve from other folders."""

import os
import subprocess
import sys
from pathlib import Path

NET = "import requests\n\ndef fetch(url):\n    return requests.get(url).content\n"
USE = "import hashlib\nfrom pkg.net import fetch\n\ndef digest(url):\n    return hashlib.sha256(fetch(url)).hexdigest()\n"


def buffix(*args, cwd):
    return subprocess.run([sys.executable, "-m", "buffix", "check", "-q", *args], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ})


def trees(tmp_path: Path):
    elsewhere = tmp_path / "project"  # the current directory: a project with its own config
    elsewhere.mkdir()
    (elsewhere / "pyproject.toml").write_text("[tool.buffix]\nmin-confidence = \"low\"\n")
    checked = tmp_path / "checked"
    (checked / "pkg").mkdir(parents=True)
    (checked / "pkg" / "__init__.py").write_text("")
    (checked / "pkg" / "net.py").write_text(NET)
    (checked / "pkg" / "use.py").write_text(USE)
    return elsewhere, checked


def test_a_tree_checked_from_another_project_resolves_its_own_imports(tmp_path):
    elsewhere, checked = trees(tmp_path)
    inside = buffix(".", cwd=checked)
    outside = buffix(str(checked), "--no-cache", cwd=elsewhere)
    assert "pkg/use.py:5:" in inside.stdout and inside.returncode == 1
    assert f"{checked}/pkg/use.py:5:" in outside.stdout and outside.returncode == 1, outside.stdout + outside.stderr


def test_a_cached_result_is_not_replayed_when_imports_resolve_from_other_folders(tmp_path):
    elsewhere, checked = trees(tmp_path)
    (checked / "pkg" / "__init__.py").unlink()  # a namespace package: the file alone does not show where it starts
    alone = buffix(str(checked / "pkg" / "use.py"), cwd=elsewhere)  # `pkg` is not importable
    whole = buffix(str(checked), cwd=elsewhere)  # the same file, cached above, now with its tree
    assert "use.py" not in alone.stdout
    assert f"{checked}/pkg/use.py:5:" in whole.stdout, whole.stdout + whole.stderr
