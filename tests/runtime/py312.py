"""A Python 3.12+ interpreter for the PEP 688 tests, and cached venvs on it holding some of this venv's distributions
at this venv's versions (pip, once per set; a missing interpreter or network skips the test)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path
from typing import Optional, Sequence

import pytest

CACHE = Path(__file__).resolve().parents[2] / ".buffix_cache"


def find_python312() -> Optional[str]:
    """A Python 3.12+ interpreter: $BUFFIX_PYTHON312 when set, else the newest pyenv build, then python3.1x on
    PATH (BUFFIX_PYTHON312=~/.pyenv/versions/3.12.1/bin/python runs these tests on 3.12 itself)."""
    candidates = [os.environ["BUFFIX_PYTHON312"]] if os.environ.get("BUFFIX_PYTHON312") else []
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    if shutil.which("pyenv"):
        try:
            root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=10).stdout.strip() or root
        except (OSError, subprocess.SubprocessError):
            pass
    candidates += sorted(glob.glob(os.path.join(root, "versions", "3.1[2-9]*", "bin", "python")), reverse=True)
    candidates += [found for name in ("python3.13", "python3.12") if (found := shutil.which(name))]
    for candidate in candidates:
        probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info >= (3, 12))"],
                               capture_output=True, text=True, timeout=30)
        if probe.returncode == 0 and probe.stdout.strip() == "True":
            return candidate
    return None


def venv_with(name: str, distributions: Sequence[str], why: str) -> str:
    """The interpreter of a cached 3.12+ venv `name` holding `distributions` at this venv's versions; skips the test
    (saying `why` 3.12+ is needed) when there is no such interpreter or pip cannot install them."""
    from importlib.metadata import version

    base = find_python312()
    if base is None:
        pytest.skip(f"no Python 3.12+ interpreter on this machine (looked for $(pyenv root)/versions/3.12+ and "
                    f"python3.12/python3.13 on PATH); {why}")
    pins = [f"{distribution}=={version(distribution)}" for distribution in distributions]
    folder = CACHE / f"{name}-{Path(base).resolve().parent.parent.name}"
    python, stamp = folder / "bin" / "python", folder / "pins.txt"
    if python.exists() and stamp.is_file() and stamp.read_text() == "\n".join(pins):
        return str(python)
    shutil.rmtree(folder, ignore_errors=True)
    made = subprocess.run([base, "-m", "venv", str(folder)], capture_output=True, text=True, timeout=120)
    if made.returncode != 0:
        pytest.skip(f"could not create a venv with {base}: {made.stderr.strip()[-300:]}")
    pip = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *pins],
                         capture_output=True, text=True, timeout=600)
    if pip.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"could not pip install {', '.join(pins)} into the {base} venv (no network?): "
                    f"{pip.stderr.strip()[-300:]}")
    stamp.write_text("\n".join(pins))
    return str(python)
