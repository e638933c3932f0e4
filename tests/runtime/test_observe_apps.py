"""Observe mode on the bundled example apps (issue 11's done-when): a run on Python 3.12+ changes no output and turns
every unsafe app into confirmed findings; `buffix fix --observed` fixes them; a second observed run records nothing.

The apps run in a cached 3.12+ venv holding the client libraries at this venv's versions (pip, once)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runtime.py312 import venv_with

REPO = Path(__file__).resolve().parents[2]
APPS = REPO / "fixtures" / "apps"
BUFFIX = [sys.executable, "-m", "buffix"]
NEEDS = ("wrapt", "click", "pyyaml", "requests", "httpx", "aiohttp", "urllib3")


@pytest.fixture(scope="module")
def python312_apps() -> str:
    return venv_with("py312-apps-venv", NEEDS, "observe mode records buffer exports on 3.12+")


def _run(argv: list, cwd: Path, server) -> subprocess.CompletedProcess:
    env = {**os.environ, "BUFFIX_TEST_URL": server.url_for("").rstrip("/"), "PYTHONPATH": str(REPO)}
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def test_observed_apps_are_fixed_from_their_findings_and_then_observe_nothing(server, tmp_path, python312_apps):
    apps = tmp_path / "apps"
    shutil.copytree(APPS, apps, ignore=shutil.ignore_patterns("README.md", "__pycache__"))
    names = sorted(p.name for p in apps.glob("*.py") if not p.name.startswith("_"))
    plain = {name: _run([python312_apps, name], apps, server) for name in names}
    assert all(run.returncode == 0 for run in plain.values()), {n: r.stderr for n, r in plain.items() if r.returncode}

    suite = ["sh", "-c", 'for app in "$@"; do "$0" "$app" || exit 1; done', python312_apps, *names]  # one run
    expected = "".join(plain[name].stdout for name in names)

    observed = tmp_path / "observed.json"
    run = _run([*BUFFIX, "run", "--observe", str(observed), "--", *suite], apps, server)
    assert run.returncode == 0 and run.stdout == expected, run.stderr
    findings = json.loads(observed.read_text())["findings"]
    seen = {Path(f["path"]).name for f in findings}
    assert seen == {n for n in names if not n.startswith("clean_")}, seen
    assert all(f["confidence"] == "confirmed" for f in findings)

    fixed = _run([*BUFFIX, "fix", "--no-cache", "--observed", str(observed), "."], apps, server)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr

    again = tmp_path / "again.json"
    run = _run([*BUFFIX, "run", "--observe", str(again), "--", *suite], apps, server)
    assert run.returncode == 0 and run.stdout == expected, run.stderr
    assert json.loads(again.read_text())["findings"] == []
