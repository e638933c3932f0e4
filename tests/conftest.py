"""Generic fixtures for every test: the real local HTTP server.  No buffix runtime imports here."""

from __future__ import annotations

import os
import signal
from typing import Iterator

import pytest

from tests.httpserver import URL_ENV, LocalServer, serve


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: minutes of real packages or suites; only with BUFFIX_SLOW=1")


@pytest.fixture(autouse=True)
def _keeps_sigint() -> Iterator[None]:
    """A test that leaves SIGINT's disposition changed (ignored, say) fails, and the disposition is restored: every
    later test's children would inherit it (an ignored SIGINT stays ignored in a Python child)."""
    before = signal.getsignal(signal.SIGINT)
    yield
    after = signal.getsignal(signal.SIGINT)
    if after != before:
        signal.signal(signal.SIGINT, before)
        pytest.fail(f"the test left SIGINT's disposition {after!r} (it was {before!r})")


@pytest.fixture(scope="session")
def server() -> Iterator[LocalServer]:
    """The session's test server (tests/httpserver.py); $BUFFIX_TEST_URL holds its URL for subprocesses and
    re-upload ops while it runs.  A request that crashed the server fails the session at teardown."""
    with serve() as srv:
        previous = os.environ.get(URL_ENV)
        os.environ[URL_ENV] = srv.url
        try:
            yield srv
        finally:
            if previous is None:
                os.environ.pop(URL_ENV, None)
            else:
                os.environ[URL_ENV] = previous
        errors = srv.stats["server_error"]
        assert errors == 0, f"the test server failed {errors} request(s); tracebacks are in the captured stderr"
