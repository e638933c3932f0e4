"""Cleanup policies against the real server and real clients (issue 2, "Cleanup").

`release_on_close` must free what retained responses would otherwise pin; the default `track` policy must never
change what a correct program sees, only account for bodies still held when their response closes.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pytest

from buffix import runtime
from buffix.runtime import BodyReleasedError, Settings
from tests import payloads

pytestmark = pytest.mark.usefixtures("server")

REPO = Path(__file__).resolve().parents[2]
CORRECT_PROGRAMS = sorted((REPO / "fixtures" / "runtime" / "correct").glob("*.py"))
MIB = payloads.MIB
SIZE = 5 * MIB
LOOPS = 8


def here() -> str:
    """`file:line` of the caller, in the form the runtime reports sites."""
    frame = sys._getframe(1)
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


# --- how each client gets a whole body: returns (response, body) with the response still open ----------------
def _requests(url: str) -> Tuple[Any, Any]:
    import requests

    r = requests.get(url, timeout=10)
    return r, r.content


def _httpx(url: str) -> Tuple[Any, Any]:
    import httpx

    r = httpx.get(url, timeout=10)
    return r, r.content


def _urllib3(url: str) -> Tuple[Any, Any]:
    import urllib3

    r = _POOL.setdefault("urllib3", urllib3.PoolManager(timeout=10)).request("GET", url)
    return r, r.data


def _open(client: str, url: str) -> Any:
    """A response (body preloaded by the library itself) that the program has not read yet."""
    if client == "requests":
        import requests

        return requests.get(url, timeout=10)
    if client == "httpx":
        import httpx

        return httpx.get(url, timeout=10)
    import urllib3

    return _POOL.setdefault("urllib3", urllib3.PoolManager(timeout=10)).request("GET", url)


BODY_ATTRIBUTE = {"requests": "content", "httpx": "content", "urllib3": "data"}


_POOL: Dict[str, Any] = {}
CLIENTS: Dict[str, Callable[[str], Tuple[Any, Any]]] = {"requests": _requests, "httpx": _httpx, "urllib3": _urllib3}


def _kept_responses_loop(get: Callable[[str], Tuple[Any, Any]], url: str) -> Tuple[int, int]:
    """LOOPS sequential downloads, each response kept in a list and closed; the program drops its own body.
    Returns (growth of traced memory after the loop, peak traced memory above the start)."""
    get(url)  # warm up: connection pools, lazy imports, the server's cached body are not part of the loop
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        kept: List[Any] = []
        for _ in range(LOOPS):
            response, body = get(url)
            assert len(body) == SIZE and body[-1] == payloads.body(SIZE)[-1]
            del body
            kept.append(response)
            response.close()
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        return current - start, peak - start
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_release_on_close_keeps_memory_flat_while_retained_responses_pin_it_otherwise(server, client):
    url = server.url_for(f"/bytes/{SIZE}")
    payloads.body(SIZE)  # the in-process server's copy of the body is cached before tracing starts
    get = CLIENTS[client]

    with runtime.installed(policy="release_on_close"):
        grown, peak = _kept_responses_loop(get, url)
    # Released bodies are freed the moment the program drops its own reference, so after the loop only the
    # kept response objects and pool buffers remain (a few KB each): far below one body. The peak is one
    # download in flight: the body plus the client's read chunks or join buffer (≤ 2 bodies), plus slack.
    assert grown < 1 * MIB, f"{client}: release_on_close still retained {grown / MIB:.1f} MiB"
    assert peak < 3 * SIZE, f"{client}: peak {peak / MIB:.1f} MiB for one {SIZE // MIB} MiB download at a time"

    for label, context in (("no runtime", None), ("track policy", "track")):
        if context is None:
            grown, peak = _kept_responses_loop(get, url)
        else:
            with runtime.installed(policy=context):
                grown, peak = _kept_responses_loop(get, url)
        # every retained response still caches its body: the loop grows by one body per download
        assert LOOPS * SIZE * 0.95 < grown < LOOPS * SIZE + 4 * MIB, f"{client} ({label}): grew {grown / MIB:.1f} MiB"


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_body_used_after_release_raises_naming_creation_and_release_sites(server, client):
    with runtime.installed(policy="release_on_close"):
        response = _open(client, server.url_for("/bytes/1024"))
        body, created = getattr(response, BODY_ATTRIBUTE[client]), here()  # the program line that receives the body
        assert body[:] == payloads.body(1024)
        response.close(); released = here()  # noqa: E702

        with pytest.raises(BodyReleasedError) as through_body:
            body[:]
        message = str(through_body.value)
        assert f"created at {created}" in message and f"released at {released}" in message, message
        assert "1024 bytes" in message and "body[:]" in message
        for use in (len, bytes, lambda b: b == b"", lambda b: b.decode()):
            with pytest.raises(BodyReleasedError):
                use(body)

        with pytest.raises(BodyReleasedError) as through_response:
            getattr(response, BODY_ATTRIBUTE[client])
        assert f"created at {created}" in str(through_response.value)
        assert f"released at {released}" in str(through_response.value)


def test_context_exit_releases_too(server):
    import requests

    with runtime.installed(policy="release_on_close"):
        with requests.get(server.url_for("/bytes/2048"), timeout=10) as response:
            body = response.content
            kept = body[:]  # the safe form: the real bytes, which survive the release
        with pytest.raises(BodyReleasedError):
            body[0]
        assert kept == payloads.body(2048) and type(kept) is bytes


@pytest.mark.parametrize("client", ["requests", "httpx", "urllib3"])
def test_track_policy_keeps_the_body_working_and_reports_a_leak_suspect(server, client):
    before = len(runtime.stats().leak_suspects)
    with runtime.installed():  # default policy: track
        response = _open(client, server.url_for("/bytes/3000"))
        body, created = getattr(response, BODY_ATTRIBUTE[client]), here()
        response.close(); closed = here()  # noqa: E702
        assert body[:] == payloads.body(3000) and len(body) == 3000
        suspects = runtime.stats().leak_suspects[before:]
    assert len(suspects) == 1, suspects
    suspect = suspects[0]
    assert suspect.size == 3000 and suspect.created_at == created and suspect.closed_at == closed
    assert suspect.source.startswith(client)


def test_track_policy_reports_nothing_when_the_program_dropped_its_body(server):
    import requests

    before = len(runtime.stats().leak_suspects)
    with runtime.installed():
        response = requests.get(server.url_for("/bytes/3000"), timeout=10)
        assert len(response.content) == 3000
        response.close()
        assert response.content == payloads.body(3000)  # reading after close still works
    assert runtime.stats().leak_suspects[before:] == ()


# --- correct programs behave identically under the default runtime --------------------------------------------
def _buffix() -> List[str]:
    script = Path(sys.executable).with_name("buffix")
    return [str(script)] if script.exists() else [sys.executable, "-m", "buffix"]


@pytest.mark.parametrize("program", CORRECT_PROGRAMS, ids=lambda p: p.stem)
def test_correct_program_output_is_identical_under_the_runtime(program):
    assert CORRECT_PROGRAMS, "fixtures/runtime/correct/ is empty"
    commands = {
        "plain": [sys.executable, str(program)],
        "runtime": [*_buffix(), "run", "--", sys.executable, str(program)],
    }
    running = {name: subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=program.parent)
               for name, cmd in commands.items()}
    results = {name: (p.communicate(timeout=60), p.returncode) for name, p in running.items()}
    for name, ((_out, err), code) in results.items():
        assert code == 0, f"{program.name} failed ({name}):\n{err.decode(errors='replace')}"
    assert results["plain"][0][0], f"{program.name} printed nothing"
    assert results["runtime"][0][0] == results["plain"][0][0]


# --- rate-limited gc.collect() on releasing large bodies -----------------------------------------------------
def test_releasing_large_bodies_collects_at_most_once_per_interval(server):
    import requests

    collections: List[int] = []

    def observe(phase: str, info: Dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            collections.append(1)

    def release_one(size: int) -> None:
        response = requests.get(server.url_for(f"/bytes/{size}"), timeout=10)
        assert len(response.content) == size
        response.close()

    was_enabled = gc.isenabled()
    gc.disable()  # only the runtime's explicit gc.collect() calls are observed
    gc.callbacks.append(observe)
    try:
        # an interval no test run lasts: the first large release collects, the next ones fall inside the interval
        with runtime.installed(settings=Settings(policy="release_on_close", gc_min_interval=24 * 3600)):
            for _ in range(4):
                release_one(MIB)
            assert len(collections) == 1, f"{len(collections)} collections for 4 releases within one interval"
        # no interval: each large release collects, a release below the threshold never does
        with runtime.installed(settings=Settings(policy="release_on_close", gc_min_interval=0)):
            release_one(MIB - 1)
            assert len(collections) == 1
            release_one(MIB)
            release_one(MIB)
            assert len(collections) == 3
    finally:
        gc.callbacks.remove(observe)
        if was_enabled:
            gc.enable()


# --- release_on_close never frees a body the program holds (issue 12, item 1) --------------------------------
def test_release_on_close_keeps_bodies_of_finalized_responses_working(server):
    import requests

    url = server.url_for("/bytes/4096")
    with runtime.installed(policy="release_on_close"):
        data = requests.get(url, timeout=10).content  # the response is finalized right here
        gc.collect()
        assert len(data) == 4096 and data[:] == payloads.body(4096)
        import io

        assert io.BytesIO(requests.get(url, timeout=10).content[:]).read() == payloads.body(4096)  # buffix's fix
        assert isinstance(data, bytes)


def test_every_access_after_an_explicit_release_raises_body_released_error(server):
    import json

    import requests

    with runtime.installed(policy="release_on_close"):
        response = requests.get(server.url_for("/json"), timeout=10)
        body = response.content
        response.close()
        uses = {
            "isinstance": lambda b: isinstance(b, bytes),
            "json.loads": json.loads,
            "len": len, "slice": lambda b: b[:], "bytes": bytes, "==": lambda b: b == b"", "hash": hash,
            "decode": lambda b: b.decode(), "iter": iter, "in": lambda b: b"x" in b, "bool": bool,
            "copy": __import__("copy").copy,
        }
        for name, use in uses.items():
            with pytest.raises(BodyReleasedError):
                use(body)
                pytest.fail(f"{name} did not raise")


@pytest.mark.parametrize("client", ["requests", "httpx", "urllib3"])
def test_dropped_responses_free_their_bodies_without_another_runtime_call(server, client):
    """Tracking mode: responses the program drops free their bodies at once, not at the runtime's next call (the
    cached proxy of each body is held weakly; before, every dropped body stayed pinned until the next drain)."""
    url = server.url_for(f"/bytes/{SIZE}")
    payloads.body(SIZE)  # the in-process server's copy is cached before tracing starts
    get = CLIENTS[client]
    count = 4
    with runtime.installed():  # default policy: track
        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            kept = [get(url) for _ in range(count)]
            assert all(len(body) == SIZE for _, body in kept)
            del kept
            gc.collect()  # no runtime call between the drop and the measurement
            grown = tracemalloc.get_traced_memory()[0] - start
            live = sum(1 for o in gc.get_objects() if type(o).__name__ == "BodyProxy")
        finally:
            tracemalloc.stop()
    assert grown < SIZE, f"{client}: {grown / MIB:.1f} MiB still held after dropping {count} responses"
    assert live == 0, f"{client}: {live} body proxies still alive"


def test_a_response_collected_unclosed_is_not_taken_for_a_close_by_the_program(server):
    """io.IOBase's finalizer calls close() on an HTTPResponse nobody closed: that is the response being collected,
    so a body the program still holds is reported as held when its response "was garbage-collected", never as
    closed at whatever line the collection happened to run."""
    import urllib.request

    with runtime.installed():  # default policy: track
        runtime.reset_stats()
        data = urllib.request.urlopen(server.url_for("/bytes/4096"), timeout=10).read()  # response dropped here
        gc.collect()
        suspects = runtime.stats().leak_suspects
        assert len(data) == 4096
        assert [suspect.closed_at for suspect in suspects] == ["<finalization>"]
        assert "was garbage-collected" in suspects[0].describe()


# --- an async close closes when it is awaited --------------------------------------------------------------------
def _served_by_aiohttp(program: Callable[[str], Any]) -> None:
    """Run `program(url)` (a coroutine function) against a real aiohttp server on 127.0.0.1 serving a 3,000-byte
    body at /body."""
    import asyncio

    from aiohttp import web

    async def handle(request: web.Request) -> web.Response:
        return web.Response(body=payloads.body(3000))

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/body", handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            await program(f"http://127.0.0.1:{port}/body")
        finally:
            await runner.cleanup()

    asyncio.run(main())


def test_an_async_close_is_recorded_when_awaited_at_the_line_that_called_it():
    """httpx's `aclose()` closes nothing until awaited: the hook recorded the close (and, under release_on_close,
    released the body) as soon as the coroutine was made."""
    import httpx

    seen: Dict[str, Any] = {}

    async def program(url: str) -> None:
        async with httpx.AsyncClient() as client:
            response = await client.get(url)
            body = response.content
            closing = response.aclose(); seen["called"] = here()  # noqa: E702
            seen["before"] = body[:]  # made, not awaited: not closed yet
            await closing
            with pytest.raises(BodyReleasedError) as refused:
                body[:]
            seen["refusal"] = str(refused.value)

    with runtime.installed(policy="release_on_close"):
        _served_by_aiohttp(program)
    assert seen["before"] == payloads.body(3000)
    assert f"released at {seen['called']}" in seen["refusal"]


def test_an_async_close_never_awaited_closes_nothing():
    import httpx

    seen: Dict[str, Any] = {}

    async def program(url: str) -> None:
        async with httpx.AsyncClient() as client:
            response = await client.get(url)
            body = response.content
            response.aclose().close()  # made and dropped: the response stays open
            seen["after"] = body[:]
            await response.aclose()

    with runtime.installed(policy="release_on_close"):
        _served_by_aiohttp(program)
    assert seen["after"] == payloads.body(3000)


@pytest.mark.parametrize("policy", ["track", "release_on_close"])
def test_a_cached_body_read_again_after_its_proxies_died_is_still_one_tracked_body(server, policy):
    """`r.content` read, dropped, read again gets a new proxy (a new record stands for the body, issue 11's
    per-access cost): the body is counted once, a held one is a leak suspect once at the close, and the policy
    releases it."""
    import requests

    with runtime.installed(policy=policy):
        before = runtime.stats()
        response = requests.get(server.url_for("/bytes/700"), timeout=10)
        size, created = len(response.content), here()  # the first proxy, dropped at once; the body's site
        assert size == 700
        for _ in range(3):
            assert response.content[:] == payloads.body(700)  # a new proxy each time, each dropped
        body = response.content
        assert response.content is body  # while held: the same proxy
        assert body.count(b"\0") == payloads.body(700).count(b"\0")
        during = runtime.stats()
        assert during.bytes_live - before.bytes_live == 700 and during.bodies_wrapped - before.bodies_wrapped == 1
        response.close(); closed = here()  # noqa: E702
        after = runtime.stats()
        if policy == "track":
            assert body[:] == payloads.body(700)
            suspects = after.leak_suspects[len(before.leak_suspects):]
            assert [(s.size, s.created_at, s.closed_at) for s in suspects] == [(700, created, closed)], suspects
        else:
            with pytest.raises(BodyReleasedError):
                body[:]
            assert after.released - before.released == 1 and after.bytes_live == before.bytes_live
        del body, response
        gc.collect()
        assert runtime.stats().bytes_live == before.bytes_live


def test_stream_bodies_dropped_while_their_responses_live_are_retired(server):
    """A read() body is not kept by its response: once its proxy is gone its bytes stop counting, while the
    response lives on. The last body read from a response is found by stats() or by a sweep (not put on the
    sweep list, issue 11's per-access cost); earlier ones by the sweep, which runs every few hundred bodies."""
    import urllib.request

    import requests

    with runtime.installed():
        before = runtime.stats()
        kept = [urllib.request.urlopen(server.url_for("/bytes/500"), timeout=10) for _ in range(20)]
        assert all(len(response.read()) == 500 for response in kept)  # each body dropped at once
        assert runtime.stats().bytes_live == before.bytes_live  # the responses are still open and alive

        response = requests.get(server.url_for("/bytes/30000"), stream=True, timeout=10)
        registry = runtime.runtime.registry
        counted = []
        for _chunk in response.iter_content(10):  # 3,000 bodies of one live response, each dropped in turn
            counted.append(registry.bytes_live - before.bytes_live)  # as counted between sweeps
        del _chunk  # (the loop's name holds the last one)
        assert max(counted) < 30000 // 2, max(counted)  # swept on the way, not only at the end
        assert runtime.stats().bytes_live == before.bytes_live
        for response in kept:
            response.close()


def test_a_long_stream_keeps_no_record_of_the_chunks_already_dropped(server):
    """While a response lives, the runtime keeps what it knows of a chunk only while its proxy may be held: 30,000
    chunks read and dropped in turn leave few records behind (each one was kept on the response's list until the
    response died), and a chunk the program still holds is reported when the response closes."""
    import requests

    from buffix.runtime.registry import BodyRecord

    def records_alive() -> int:
        return sum(1 for o in gc.get_objects() if type(o) is BodyRecord)

    with runtime.installed():  # default policy: track
        before = runtime.stats()
        response = requests.get(server.url_for("/bytes/300000"), stream=True, timeout=10)
        alive = records_alive()
        chunks = response.iter_content(10); asked = here()  # noqa: E702  (a chunk's site: where it was asked for)
        first = next(chunks)
        for _chunk in chunks:  # each dropped in turn
            pass
        del _chunk
        grown = records_alive() - alive
        response.close(); closed = here()  # noqa: E702
        suspects = runtime.stats().leak_suspects[len(before.leak_suspects):]
        assert first[:] == payloads.body(300000)[:10]
    assert grown < 3000, f"{grown} records alive after 30,000 chunks dropped"
    assert [(s.size, s.created_at, s.closed_at) for s in suspects] == [(10, asked, closed)], suspects
