"""The pre-commit hooks, for real: `pre-commit try-repo` against this checkout in a temporary git repository.

try-repo builds the hook environment by pip-installing this repository (PyPI needed for the dependencies; pip's
own cache makes reruns quicker) from its HEAD commit plus changes to *tracked* files: untracked files are invisible
to it, so the end-to-end test is skipped, with the reason, until they are committed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUFFIX = str(Path(sys.executable).with_name("buffix"))
PRE_COMMIT = str(Path(sys.executable).with_name("pre-commit"))

UNSAFE = "import io, requests\nbuf = io.BytesIO(requests.get(u).content)\n"
FIXED = "import io, requests\nbuf = io.BytesIO(requests.get(u).content[:])\n"
CLEAN = "import io\nwith open('data.bin', 'rb') as f:\n    buf = io.BytesIO(f.read())\n"


def test_manifest_is_valid_for_pre_commit():
    from pre_commit.clientlib import load_manifest

    hooks = {hook["id"]: hook for hook in load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}
    assert set(hooks) == {"buffix-check", "buffix-fix"}
    for name, hook in hooks.items():
        assert hook["entry"] == f"buffix {name.split('-')[1]} --force-exclude"
        assert hook["language"] == "python" and hook["require_serial"] is True
        assert hook["types_or"] == ["python", "pyi"]


def _why_not_runnable() -> str:
    if not Path(PRE_COMMIT).exists() or shutil.which("git") is None:
        return "pre-commit or git is not installed"
    for command in ("check", "fix"):
        done = subprocess.run([BUFFIX, command, "--help"], capture_output=True, text=True)
        if done.returncode != 0:
            return f"`buffix {command} --help` fails (the command is not wired in yet): {done.stderr.strip()[-200:]}"
    untracked = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "buffix", "pyproject.toml", ".pre-commit-hooks.yaml"],
        cwd=REPO, capture_output=True, text=True,
    )
    if untracked.returncode != 0:
        return f"{REPO} is not a git checkout"
    if untracked.stdout.strip():
        files = ", ".join(untracked.stdout.split()[:5])
        return f"try-repo sees only tracked files; commit these first: {files}..."
    return ""


def try_repo(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PRE_COMMIT_HOME=str(REPO / ".buffix_cache" / "pre-commit"), PRE_COMMIT_COLOR="never")
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run([PRE_COMMIT, "try-repo", str(REPO), *args], cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=900)


def test_hooks_check_and_fix_through_try_repo(tmp_path):
    reason = _why_not_runnable()
    if reason:
        pytest.skip(reason)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "unsafe.py").write_text(UNSAFE)
    (tmp_path / "clean.py").write_text(CLEAN)
    subprocess.run(["git", "add", "unsafe.py", "clean.py"], cwd=tmp_path, check=True)

    passed = try_repo(tmp_path, "buffix-check", "--files", "clean.py")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "buffix check" in passed.stdout and "Passed" in passed.stdout

    both = try_repo(tmp_path, "--files", "unsafe.py", "clean.py")  # buffix-check, then buffix-fix
    output = both.stdout + both.stderr
    assert both.returncode == 1, output
    check_part, _, fix_part = output.partition("buffix fix")
    assert "Failed" in check_part and "unsafe.py:2:" in check_part and "BFX102" in check_part
    assert "clean.py:" not in check_part
    assert "files were modified by this hook" in fix_part
    assert (tmp_path / "unsafe.py").read_text() == FIXED
    assert (tmp_path / "clean.py").read_text() == CLEAN
    after = subprocess.run([BUFFIX, "check", "unsafe.py", "clean.py"], cwd=tmp_path, capture_output=True, text=True)
    assert after.returncode == 0, after.stdout + after.stderr
