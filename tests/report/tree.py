"""The tree the report-contract tests check through the real `buffix` executable, and how they run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Dict

BUFFIX = str(Path(sys.executable).with_name("buffix"))
REPO = Path(__file__).resolve().parents[2]

FILES: Dict[str, bytes] = {
    # BFX104 (error level, safe fix) in app.py, its flow running through the helper in _downloads.py
    "svc/_downloads.py": b"import requests\n\n\ndef fetch_bytes(url):\n    response = requests.get(url, timeout=10)\n"
                         b"    return response.content\n",
    "svc/app.py": b"import hashlib\n\nfrom svc._downloads import fetch_bytes\n\n\ndef digest(url):\n"
                  b"    return hashlib.sha1(fetch_bytes(url)).hexdigest()\n",
    # BFX401 and BFX601: warning-level families
    "svc/frames.py": b'import requests\n\nbody = requests.get("u").content\nframe = bytes(body)\n'
                     b"if type(body) is bytes:\n    pass\n",
    # two file errors: a syntax error and bytes that are not UTF-8
    "broken.py": b"from requests import get\nx = (\n",
    "latin.py": b'import requests\nx = "\xff"\nm = memoryview(requests.get("u").content)\n',
}
CODES = ["BFX104", "BFX401", "BFX601"]  # what FILES hold, in report order
ERRORS = ["broken.py", "latin.py"]


def make_tree(root: Path) -> Path:
    for name, data in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def buffix(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([BUFFIX, *args], cwd=cwd, capture_output=True, text=True, timeout=180)
