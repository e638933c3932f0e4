"""Findings on real packages do not depend on the prefilter, on the number of workers or on the order files are
analyzed in (issue 10, 2.8): the real CLI on a few pinned packages of the corpus, with the prefilter on and off
(BUFFIX_NO_PREFILTER=1) and with one and two workers. Slow (minutes): only with BUFFIX_SLOW=1, on a corpus fetched
by tests/accuracy/fetch.py (BUFFIX_ACCURACY_CACHE names another cache folder)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.accuracy.fetch import DEFAULT_CACHE, source_root

# small packages whose bodies travel through classes and modules: bilibili's Picture.content from an ApiResponse
# stored elsewhere (it depended on which class was asked about first), botocore's own response class
PACKAGES = ["bilibili-api-python", "botocore", "webdav4"]
SOURCES = source_root(Path(os.environ.get("BUFFIX_ACCURACY_CACHE", DEFAULT_CACHE)))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("BUFFIX_SLOW") != "1", reason="slow (runs buffix 3 times on each package): "
                                                                       "set BUFFIX_SLOW=1"),
]


def findings(package: Path, *args: str, prefilter: bool = True) -> set:
    env = {k: v for k, v in os.environ.items() if k != "BUFFIX_NO_PREFILTER"}
    if not prefilter:
        env["BUFFIX_NO_PREFILTER"] = "1"
    done = subprocess.run([sys.executable, "-m", "buffix", "check", "--no-cache", "--format", "json", *args, "."],
                          cwd=package, env=env, capture_output=True, text=True, timeout=3600)
    assert done.returncode in (0, 1), done.stderr
    return {(f["path"], f["line"], f["code"]) for f in json.loads(done.stdout)["findings"]}


@pytest.mark.parametrize("name", PACKAGES)
def test_findings_are_the_same_with_or_without_the_prefilter_and_with_any_workers(name):
    package = SOURCES / name
    if not package.is_dir():
        pytest.skip(f"{package} is not fetched (tests/accuracy/fetch.py)")
    baseline = findings(package, "--jobs", "1")
    runs = {
        "two workers": findings(package, "--jobs", "2"),
        "no prefilter": findings(package, "--jobs", "1", prefilter=False),
    }
    for run, found in runs.items():
        assert found == baseline, f"{run}: only there {sorted(found - baseline)}, missing {sorted(baseline - found)}"
