"""Fixtures for runtime tests: the runtime installed for one test, and a cache of downloads per profile."""

from __future__ import annotations

from typing import Callable, Dict, Iterator, List, Tuple

import pytest

from buffix import runtime
from tests.clients import AccessPath


@pytest.fixture
def wrapt_runtime() -> Iterator[object]:
    with runtime.installed(profile="wrapt", policy="track") as rt:
        yield rt


@pytest.fixture
def strict_runtime() -> Iterator[object]:
    with runtime.installed(profile="strict", policy="track") as rt:
        yield rt


@pytest.fixture(scope="module")
def downloaded(server) -> Iterator[Callable[[str, AccessPath, str], List[object]]]:
    """downloaded(profile, path, url_path) -> the bodies the program saw, fetched once per module under the
    given profile (the track policy keeps every proxy usable after its response closed)."""
    cache: Dict[Tuple[str, str, str], List[object]] = {}

    def get(profile: str, path: AccessPath, url_path: str) -> List[object]:
        key = (profile, path.name, url_path)
        if key not in cache:
            with runtime.installed(profile=profile, policy="track"):
                cache[key] = path.fetch(server.url_for(url_path)).bodies
        return cache[key]

    yield get
    cache.clear()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: runs a third-party suite; only with BUFFIX_SLOW=1")
