"""Proof by execution: every fixture app fails under the runtime, `buffix fix` repairs it, and the fixed app prints
exactly what the original printed without the runtime — under both profiles. The clean app never changes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

APPS_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "apps"
APPS = sorted(p.name for p in APPS_DIR.glob("*.py") if not p.name.startswith("_"))
CLEAN = {name for name in APPS if name.startswith("clean_")}
BUFFIX = [sys.executable, "-m", "buffix"]


def run(argv: List[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120, env=dict(os.environ))


@pytest.fixture(scope="module")
def references(server) -> dict:
    """Each app's output, run plainly (no runtime)."""
    outputs = {}
    for name in APPS:
        done = run([sys.executable, str(APPS_DIR / name)], APPS_DIR)
        assert done.returncode == 0, f"{name} fails without the runtime:\n{done.stderr}"
        outputs[name] = done.stdout
    return outputs


@pytest.fixture(scope="module")
def fixed_apps(tmp_path_factory, server) -> Path:
    """A copy of the apps, fixed once by `buffix fix` (safe fixes only)."""
    target = tmp_path_factory.mktemp("apps")
    for path in APPS_DIR.glob("*.py"):
        shutil.copy2(path, target / path.name)
    done = run(BUFFIX + ["fix", "--no-cache", "."], target)
    assert done.returncode == 0, f"buffix fix left findings or failed:\n{done.stdout}\n{done.stderr}"
    return target


@pytest.mark.parametrize("name", APPS)
def test_the_strict_runtime_breaks_every_unsafe_app(references, name):
    done = run(BUFFIX + ["run", "--profile", "strict", "--", sys.executable, str(APPS_DIR / name)], APPS_DIR)
    if name in CLEAN:
        assert done.returncode == 0, done.stderr
        assert done.stdout == references[name]
    else:
        assert done.returncode != 0, f"{name} passed under the strict runtime:\n{done.stdout}"
        assert "TypeError" in done.stderr and "buffix: this TypeError comes from a response body proxy" in done.stderr


@pytest.mark.parametrize("policy", [[], ["--release-on-close"]], ids=["track", "release_on_close"])
@pytest.mark.parametrize("profile", ["wrapt", "strict"])
@pytest.mark.parametrize("name", APPS)
def test_fixed_apps_run_under_the_runtime_with_identical_output(references, fixed_apps, name, profile, policy):
    """Byte-identical output under either profile, and under release_on_close too: freeing a body when its response
    closes must never touch one the program still uses (issue 12, item 1)."""
    done = run(BUFFIX + ["run", "--profile", profile, *policy, "--", sys.executable, str(fixed_apps / name)],
               fixed_apps)
    assert done.returncode == 0, f"{name} still fails after buffix fix:\n{done.stderr}"
    assert done.stdout == references[name]


def test_fixing_is_idempotent_and_check_is_clean(fixed_apps):
    before = {p.name: p.read_bytes() for p in fixed_apps.glob("*.py")}
    again = run(BUFFIX + ["fix", "--no-cache", "."], fixed_apps)
    assert again.returncode == 0, again.stdout + again.stderr
    assert {p.name: p.read_bytes() for p in fixed_apps.glob("*.py")} == before
    check = run(BUFFIX + ["check", "--no-cache", "."], fixed_apps)
    assert check.returncode == 0, check.stdout + check.stderr


def test_clean_app_is_left_byte_identical(fixed_apps):
    for name in CLEAN:
        assert (fixed_apps / name).read_bytes() == (APPS_DIR / name).read_bytes()


@pytest.mark.parametrize("profile", ["wrapt", "strict"])
@pytest.mark.parametrize("name", APPS)
def test_release_on_close_changes_nothing_an_unfixed_app_does(server, name, profile):
    """Issue 12 "Done when", for the apps as shipped (the fixed ones are above): release_on_close gives byte for byte
    what the default policy gives, output, exit status and error alike."""
    track, release = (run(BUFFIX + ["run", "--profile", profile, *policy, "--", sys.executable, str(APPS_DIR / name)],
                          APPS_DIR) for policy in ([], ["--release-on-close"]))
    assert (release.returncode, release.stdout, release.stderr) == (track.returncode, track.stdout, track.stderr)
