"""Issue 13 items 7 and 8 through the real CLI: links the walk cannot follow, paths that do not exist, colour from
the environment, and git's global excludes file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import pytest

BUFFIX = str(Path(sys.executable).with_name("buffix"))
FINDING = 'import requests\nmemoryview(requests.get("u").content)\n'
CLEAN = "x = 1\n"


def buffix(cwd: Path, *args: str, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update(env or {})
    return subprocess.run([BUFFIX, "check", "--isolated", "--no-cache", *args], cwd=cwd, capture_output=True,
                          text=True, env=environment)


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "ok.py").write_text(CLEAN)
    os.symlink("nowhere.py", tmp_path / "pkg" / "broken.py")
    os.symlink("self.py", tmp_path / "pkg" / "self.py")
    os.symlink("..", tmp_path / "pkg" / "sub" / "up")
    return tmp_path


def test_links_met_while_walking_are_warnings_and_skipped(linked):
    done = buffix(linked, "pkg")
    assert done.returncode == 0, done.stderr  # the only problems: the run still passes, as ruff's --exit-zero does
    assert done.stderr.splitlines() == [
        "buffix: warning: pkg/broken.py: broken symlink: its target does not exist; skipped",
        "buffix: warning: pkg/self.py: symlink loop: the link resolves to itself; skipped",
        "buffix: warning: pkg/sub/up: symlink loop: points back to ..; skipped",
    ]
    assert done.stdout.splitlines()[-1] == "1 file checked, 0 findings (0 fixable), 0 errors"
    assert buffix(linked, "--exit-zero", "pkg").returncode == 0
    quiet = buffix(linked, "--quiet", "pkg")
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout == ""
    (linked / "pkg" / "bad.py").write_text(FINDING)  # findings still decide the status
    assert buffix(linked, "pkg").returncode == 1
    assert buffix(linked, "--exit-zero", "pkg").returncode == 0


def test_a_link_named_on_the_command_line_is_an_error(linked):
    done = buffix(linked, "pkg/broken.py")
    assert done.returncode == 2
    assert done.stderr == "pkg/broken.py: error: broken symlink: its target does not exist\n"


def test_a_path_that_does_not_exist_is_an_error_and_not_a_file_checked(tmp_path):
    (tmp_path / "ok.py").write_text(CLEAN)
    done = buffix(tmp_path, "missing.py")
    assert done.returncode == 2 and done.stderr == "missing.py: error: does not exist\n"
    assert done.stdout.splitlines()[-1] == "0 files checked, 0 findings (0 fixable), 1 error"
    both = buffix(tmp_path, "missing.py", "ok.py", "--exit-zero")
    assert both.returncode == 2  # --exit-zero covers findings, not errors
    assert both.stdout.splitlines()[-1] == "1 file checked, 0 findings (0 fixable), 1 error"


def test_force_color_and_no_color(tmp_path):
    (tmp_path / "a.py").write_text(FINDING)
    assert "\x1b[" not in buffix(tmp_path, "a.py").stdout  # not a terminal
    for value in ("1", "0", "true"):  # set and not empty forces it, whatever the value (force-color.org, ruff)
        assert "\x1b[" in buffix(tmp_path, "a.py", env={"FORCE_COLOR": value}).stdout
    assert "\x1b[" not in buffix(tmp_path, "a.py", env={"FORCE_COLOR": ""}).stdout
    assert "\x1b[" not in buffix(tmp_path, "a.py", env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout  # as ruff
    assert "\x1b[" not in buffix(tmp_path, "--no-color", "a.py", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in buffix(tmp_path, "--color", "a.py", env={"NO_COLOR": "1"}).stdout
    assert "\x1b[" not in buffix(tmp_path, "a.py", "-o", "out.txt", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" not in (tmp_path / "out.txt").read_text()  # a file never gets colour


def repository(root: Path) -> Path:
    project = root / "project"
    project.mkdir()
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    for name in ("gen_a.py", "local_b.py", "keep.py"):
        (project / name).write_text(FINDING)
    return project


def checked(done: subprocess.CompletedProcess) -> list:
    return sorted({line.split(":")[0] for line in done.stdout.splitlines() if ".py:" in line})


def test_global_excludes_file_default_location(tmp_path):
    project = repository(tmp_path)
    home, config_home = tmp_path / "home", tmp_path / "xdg"
    (config_home / "git").mkdir(parents=True)
    (config_home / "git" / "ignore").write_text("gen_*.py\n")
    home.mkdir()
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(config_home), "GIT_CONFIG_NOSYSTEM": "1"}
    done = buffix(project, env=env)
    assert checked(done) == ["keep.py", "local_b.py"], done.stderr
    (project / ".gitignore").write_text("!gen_a.py\n")  # a repository's .gitignore outranks the global file
    assert checked(buffix(project, env=env)) == ["gen_a.py", "keep.py", "local_b.py"]
    (project / ".gitignore").unlink()
    assert checked(buffix(project, "gen_a.py", env=env)) == ["gen_a.py"]  # named: checked anyway
    assert buffix(project, "--force-exclude", "gen_a.py", env=env).stdout.startswith("0 files checked")
    # ~/.config/git/ignore when XDG_CONFIG_HOME is unset
    (home / ".config" / "git").mkdir(parents=True)
    (home / ".config" / "git" / "ignore").write_text("local_*.py\n")
    environment = {k: v for k, v in os.environ.items() if k not in ("XDG_CONFIG_HOME", "NO_COLOR")}
    done = subprocess.run([BUFFIX, "check", "--isolated", "--no-cache"], cwd=project, capture_output=True,
                          text=True, env={**environment, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"})
    assert checked(done) == ["gen_a.py", "keep.py"], done.stderr


def test_core_excludes_file_setting_and_no_gitignore(tmp_path):
    project = repository(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    (home / "my-ignore").write_text("local_*.py\n")
    (home / ".gitconfig").write_text("[core]\n\texcludesFile = ~/my-ignore\n")
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(tmp_path / "none"), "GIT_CONFIG_NOSYSTEM": "1"}
    assert checked(buffix(project, env=env)) == ["gen_a.py", "keep.py"]
    (tmp_path / "outside.py").write_text(FINDING)  # outside any repository no global file applies, as in git
    (home / "my-ignore").write_text("outside.py\n")
    assert checked(buffix(tmp_path, "--force-exclude", "outside.py", env=env)) == ["outside.py"]
