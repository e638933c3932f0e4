"""The registry stays exact while many threads and coroutines download at once (issue 2, "Concurrency").

Each scenario counts what the program received itself and compares it with the registry's deltas: bodies
wrapped, bytes live back to the start once everything is dropped, and exactly K leak suspects when exactly K
bodies are held past their response's close.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, List, Tuple

import pytest

from buffix import runtime
from tests import payloads

pytestmark = pytest.mark.usefixtures("server")

THREADS = 16
PER_THREAD = 4
TASKS = 64
HELD = 5  # bodies each scenario keeps past their response's close
SIZES = (0, 1024, 70_000, 300_000)  # 0: an empty body is a body too


def _size(i: int) -> int:
    return SIZES[i % len(SIZES)]


def _requests_fetch(url: str, hold: bool) -> Tuple[Any, int]:
    import requests

    response = requests.get(url, timeout=10)
    body = response.content
    size = len(body)
    assert body[:] == payloads.body(size)
    if not hold:
        del body
    response.close()
    return (body if hold else None), size


def _httpx_fetch(client: Any) -> Callable[[str, bool], Tuple[Any, int]]:
    def fetch(url: str, hold: bool) -> Tuple[Any, int]:
        with client.stream("GET", url) as response:  # closed by the program at the block's end
            body = response.read()
            size = len(body)
            assert body[:] == payloads.body(size)
            if not hold:
                del body
        return (body if hold else None), size

    return fetch


def _run_scenario(make: Callable[[], Tuple[Callable[[], List[Tuple[Any, int]]], Callable[[], None]]]) -> None:
    """Run a download scenario under the runtime and check the registry's deltas against what it received."""
    gc.collect()
    with runtime.installed():
        before = runtime.stats()
        scenario, cleanup = make()
        received = scenario()
        gc.collect()  # responses caught in reference cycles (httpx, aiohttp) go now, not at some later collection
        during = runtime.stats()
        held = [body for body, _ in received if body is not None]
        assert len(held) == HELD and len(received) > HELD
        assert during.bodies_wrapped - before.bodies_wrapped == len(received)
        assert during.bytes_live - before.bytes_live == sum(len(body) for body in held)
        suspects = during.leak_suspects[len(before.leak_suspects):]
        assert sorted(s.size for s in suspects) == sorted(len(body) for body in held), suspects
        cleanup()
        del held, received
        gc.collect()
        after = runtime.stats()
        assert after.bytes_live == before.bytes_live
        assert after.bodies_wrapped == during.bodies_wrapped
        assert len(after.leak_suspects) == len(during.leak_suspects)  # finalization adds no second report


def _threaded(fetch_for: Callable[[], Callable[[str, bool], Tuple[Any, int]]], server: Any, cleanup: Callable[[], None]):
    def make():
        fetch = fetch_for()
        jobs = [(server.url_for(f"/bytes/{_size(i)}"), i < HELD) for i in range(THREADS * PER_THREAD)]
        barrier = threading.Barrier(THREADS)

        def worker(k: int) -> List[Tuple[Any, int]]:
            barrier.wait(timeout=10)  # all threads download at once
            return [fetch(url, hold) for url, hold in jobs[k::THREADS]]

        def scenario() -> List[Tuple[Any, int]]:
            with ThreadPoolExecutor(THREADS) as pool:
                return [item for chunk in pool.map(worker, range(THREADS)) for item in chunk]

        return scenario, cleanup

    return make


def test_sixteen_threads_with_requests_keep_counts_exact(server):
    _run_scenario(_threaded(lambda: _requests_fetch, server, lambda: None))


def test_sixteen_threads_with_one_shared_httpx_client_keep_counts_exact(server):
    import httpx

    client = httpx.Client(timeout=10, limits=httpx.Limits(max_connections=THREADS))
    _run_scenario(_threaded(lambda: _httpx_fetch(client), server, client.close))


def _check_and_keep(i: int, body: Any) -> Tuple[Any, int]:
    """Check a fan-out task's body; the first HELD tasks keep it past the close, the rest let it go."""
    size = len(body)
    assert body[:] == payloads.body(size)
    return (body if i < HELD else None), size


async def _aiohttp_fan_out(server: Any) -> List[Tuple[Any, int]]:
    import aiohttp

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:

        async def one(i: int) -> Tuple[Any, int]:
            async with session.get(server.url_for(f"/chunked/{_size(i)}")) as response:
                kept, size = _check_and_keep(i, await response.read())  # dropped bodies go before the close
            return kept, size

        return list(await asyncio.gather(*(one(i) for i in range(TASKS))))


async def _httpx_async_fan_out(server: Any) -> List[Tuple[Any, int]]:
    import httpx

    limits = httpx.Limits(max_connections=TASKS)
    async with httpx.AsyncClient(timeout=20, limits=limits) as client:

        async def one(i: int) -> Tuple[Any, int]:
            async with client.stream("GET", server.url_for(f"/bytes/{_size(i)}")) as response:
                kept, size = _check_and_keep(i, await response.aread())
            return kept, size

        return list(await asyncio.gather(*(one(i) for i in range(TASKS))))


@pytest.mark.parametrize("fan_out", [_aiohttp_fan_out, _httpx_async_fan_out], ids=["aiohttp", "httpx-async"])
def test_asyncio_fan_out_keeps_counts_exact(server, fan_out):
    _run_scenario(lambda: (lambda: asyncio.run(fan_out(server)), lambda: None))


def test_a_state_left_under_a_reused_id_is_not_taken_for_the_new_response():
    """A dead response's state still filed under the id a new response took (its death not handled yet, as when
    another thread's drain has it in hand) must not become the new response's state."""
    import requests

    def response() -> Any:
        r = requests.models.Response()
        r._content, r._content_consumed, r.status_code = payloads.body(1000), True, 200
        return r

    with runtime.installed() as rt:
        old = response()
        held = old.content
        stale = rt.states[id(old)]
        new = response()
        rt.states[id(new)] = stale  # what a reused id finds before the old response's death is drained
        body = new.content
        state = rt.states[id(new)]
        assert state is not stale and state() is new
        assert state.cached is not None and state.cached() is body
        del held, body
