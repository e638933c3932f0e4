"""Python 3.12+ root-cause mode (PEP 688 `__buffer__`), checked on a real 3.12+ interpreter when one exists.

The child program (fixtures/runtime/buffer_export/child.py) runs in a venv built from a pyenv 3.12+ build (or
python3.12/3.13 on PATH), cached under .buffix_cache/ so reruns are fast; it needs wrapt and requests from PyPI.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import pytest

from buffix import runtime

REPO = Path(__file__).resolve().parents[2]
CHILD = REPO / "fixtures" / "runtime" / "buffer_export" / "child.py"
CACHE = REPO / ".buffix_cache"


def find_python312() -> Optional[str]:
    """A Python 3.12+ interpreter: a pyenv build first, then python3.1x on PATH."""
    candidates = []
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


def wrapt_version() -> str:
    from importlib.metadata import version

    return version("wrapt")


def pins() -> List[str]:
    """wrapt, and requests (whose cached body release_on_close frees), at this venv's versions."""
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in ("wrapt", "requests")]


@pytest.fixture(scope="module")
def python312() -> str:
    """The venv's interpreter, with wrapt and requests (the same versions as this venv's) installed."""
    base = find_python312()
    if base is None:
        pytest.skip("no Python 3.12+ interpreter on this machine (looked for $(pyenv root)/versions/3.12+ and "
                    "python3.12/python3.13 on PATH); root-cause mode needs PEP 688")
    folder = CACHE / f"py312-venv-{Path(base).resolve().parent.parent.name}"
    python = folder / "bin" / "python"
    installed = "import sys, importlib.metadata as m; sys.exit(any(f'{n}=={m.version(n)}' != p for p in sys.argv[1:] " \
                "for n in [p.split('==')[0]]))"
    has_pins = [str(python), "-c", installed, *pins()]
    if python.exists() and subprocess.run(has_pins, capture_output=True, timeout=60).returncode == 0:
        return str(python)
    shutil.rmtree(folder, ignore_errors=True)
    made = subprocess.run([base, "-m", "venv", str(folder)], capture_output=True, text=True, timeout=120)
    if made.returncode != 0:
        pytest.skip(f"could not create a venv with {base}: {made.stderr.strip()[-300:]}")
    pip = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *pins()],
        capture_output=True, text=True, timeout=300,
    )
    if pip.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"could not pip install wrapt and requests into the {base} venv (no network?): {pip.stderr.strip()[-300:]}")
    return str(python)


def test_buffer_export_makes_unsafe_sites_work_and_guards_release(python312, server):
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run([python312, str(CHILD)], capture_output=True, text=True, timeout=120, env=env, cwd=REPO)
    assert run.returncode == 0, run.stdout + run.stderr
    checks = [line[3:] for line in run.stdout.splitlines() if line.startswith("ok ")]
    assert checks == [
        "a buffer-exporting proxy",
        "memoryview(body)",
        "io.BytesIO(body)",
        "hashlib.sha256(body)",
        "b''.join([body, body])",
        "isinstance(body, bytes) as under wrapt",
        "body[:] is the body",
        "release refused while a view is exported",
        "the refused body is intact",
        "released once the view is released",
        "body used after release raises BodyReleasedError",
        "a scoped view",
        "released at close when no view is left",
        "a stream's body outlives its response",
    ], run.stdout
    major, minor = map(int, run.stdout.splitlines()[-1].split()[1:])
    assert (major, minor) >= (3, 12)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="checks the refusal on Python < 3.12")
def test_buffer_export_is_refused_clearly_before_312():
    was_installed = runtime.is_installed()
    with pytest.raises(RuntimeError, match=r"needs Python 3\.12\+ \(PEP 688 __buffer__\); this is Python 3\.\d+"):
        runtime.install(buffer_export=True)
    assert runtime.is_installed() == was_installed and not runtime.runtime.settings.buffer_export
