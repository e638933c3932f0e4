"""Faithfulness on a real third-party suite (issue 11): aiohttp's own client tests, which talk to aiohttp servers on
127.0.0.1 with its conftest's blockbuster on, pass and fail exactly alike plainly and under `buffix run`, except at
known buffer-protocol sites of the suite (tests/bench/faithfulness.py KNOWN_SITES).

Slow (a cached venv built from aiohttp's sdist and its pinned test requirements, then two runs of its client
functional tests), so it runs only with BUFFIX_SLOW=1; the whole figures come from the script:
    .venv/bin/python tests/bench/faithfulness.py --suite aiohttp --subset client --modes wrapt,strict,release
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import faithfulness  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("BUFFIX_SLOW") != "1",
                       reason="slow (a venv from aiohttp's sdist, two runs of its suite): set BUFFIX_SLOW=1"),
]


def test_aiohttp_client_suite_differs_under_buffix_run_only_at_known_sites():
    suite = faithfulness.SUITES["aiohttp"]
    try:
        python, folder = faithfulness.prepare(suite)
    except (RuntimeError, StopIteration, OSError) as error:  # no registry to fetch the sdist or the pins from
        pytest.skip(f"cannot build aiohttp's test venv: {error}")
    args = [*suite.args, *suite.subsets["client-functional"]]
    (result,) = faithfulness.compare(python, folder, args, ["wrapt"])
    report = faithfulness.describe(result)
    assert result.total_plain == result.total_under and result.passed_plain > 100, report
    assert not result.unexplained, report
