"""A cached result read from other files of the tree (a helper's summary, prefilter stage 2) is stale as soon as
one of them changes: the real CLI, a real tree, the cache on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HELPER_CLEAN = 'def fetch(url):\n    return b"constant"\n'
HELPER_BODY = "import requests\n\n\ndef fetch(url):\n    return requests.get(url).content\n"
MAIN = "import hashlib\nfrom pkg.helpers import fetch\n\n\ndef digest(url):\n    return hashlib.sha256(fetch(url)).hexdigest()\n"


def check(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "buffix", "check", "."], cwd=tree, capture_output=True, text=True,
                          timeout=120)


def write(path: Path, text: str, tick: int) -> None:
    path.write_text(text)
    stamp = 1_700_000_000 + tick  # distinct, old mtimes: the cache trusts them (no "racily clean" re-hash)
    os.utime(path, (stamp, stamp))


def test_editing_a_helper_invalidates_its_callers_cached_results(tmp_path):
    (tmp_path / "pkg").mkdir()
    write(tmp_path / "pkg" / "__init__.py", "", 0)
    write(tmp_path / "pkg" / "main.py", MAIN, 0)
    write(tmp_path / "pkg" / "helpers.py", HELPER_CLEAN, 0)
    assert check(tmp_path).returncode == 0  # main.py is proven clean through its helper (prefilter stage 2)
    assert check(tmp_path).returncode == 0  # ... and answered from the cache

    write(tmp_path / "pkg" / "helpers.py", HELPER_BODY, 1)  # main.py itself is untouched
    found = check(tmp_path)
    assert found.returncode == 1, found.stdout + found.stderr
    assert "pkg/main.py:6:27: BFX104" in found.stdout

    write(tmp_path / "pkg" / "helpers.py", HELPER_CLEAN, 2)
    assert check(tmp_path).returncode == 0


def test_src_names_the_roots_of_a_tree_of_several_projects(tmp_path):
    """`from pkg.helpers import fetch` in one project of a monorepo, `pkg` in another: followed once `src` says so."""
    for project, name, text in (("lib", "helpers.py", HELPER_BODY), ("app", "main.py", MAIN)):
        (tmp_path / project / "pkg").mkdir(parents=True, exist_ok=True)
        (tmp_path / project / "pkg" / "__init__.py").write_text("")
        (tmp_path / project / "pkg" / name).write_text(text)
    assert check(tmp_path).returncode == 0  # pkg.helpers is not found from the tree's root: nothing to follow

    (tmp_path / "pyproject.toml").write_text('[tool.buffix]\nsrc = ["lib", "app"]\n')
    found = check(tmp_path)  # the config is part of the cache key: nothing stale is reused
    assert found.returncode == 1, found.stdout + found.stderr
    assert "app/pkg/main.py:6:27: BFX104" in found.stdout
