"""Python 3.12+ root-cause mode (PEP 688 `__buffer__`), checked on a real 3.12+ interpreter when one exists.

The child program (fixtures/runtime/buffer_export/child.py) runs in a venv built from a pyenv 3.12+ build (or
python3.12/3.13 on PATH), cached under .buffix_cache/ so reruns are fast; it needs wrapt and requests from PyPI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from buffix import runtime
from tests.runtime.py312 import venv_with

REPO = Path(__file__).resolve().parents[2]
CHILD = REPO / "fixtures" / "runtime" / "buffer_export" / "child.py"


@pytest.fixture(scope="module")
def python312() -> str:
    """A 3.12+ venv with wrapt, and requests (whose cached body release_on_close frees)."""
    return venv_with("py312-venv", ("wrapt", "requests"), "root-cause mode needs PEP 688")


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
