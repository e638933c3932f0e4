"""Installing and uninstalling the hooks: exact restoration, idempotence, skipped libraries, library-internal reads."""

from __future__ import annotations

import asyncio
import importlib
import json
import subprocess
import sys
import textwrap
import urllib.request

import pytest

from buffix import runtime
from buffix.runtime import HOOK_POINTS, BodyProxy
from tests import payloads

MISSING = object()


def current_attributes():
    found = {}
    for point in HOOK_POINTS:
        owner = getattr(importlib.import_module(point.module), point.owner)
        found[point] = vars(owner).get(point.attribute, MISSING)
    return found


def test_uninstall_restores_every_original_object():
    assert not runtime.is_installed()
    before = current_attributes()
    runtime.install()
    during = current_attributes()
    assert all(during[point] is not before[point] for point in HOOK_POINTS)
    runtime.uninstall()
    after = current_attributes()
    assert all(after[point] is before[point] for point in HOOK_POINTS)


def test_install_is_idempotent_and_a_second_call_only_changes_settings():
    before = current_attributes()
    try:
        assert runtime.install("wrapt").profile == "wrapt"
        first = current_attributes()
        assert runtime.install("strict").profile == "strict"
        assert current_attributes() == first  # not wrapped twice
        assert runtime.runtime.proxy_class.__mro__[0].__name__.startswith("StrictBodyProxy")
    finally:
        runtime.uninstall()
    assert current_attributes() == before
    runtime.uninstall()  # uninstalling twice is harmless
    assert current_attributes() == before


def test_installed_context_restores_the_previous_state():
    before = current_attributes()
    with runtime.installed(profile="strict"):
        with runtime.installed(profile="wrapt") as rt:
            assert rt.settings.profile == "wrapt"
        assert runtime.is_installed() and runtime.runtime.settings.profile == "strict"
    assert not runtime.is_installed()
    assert current_attributes() == before


def test_bad_settings_are_refused_clearly():
    with pytest.raises(ValueError, match="unknown runtime profile 'lenient'"):
        runtime.install("lenient")
    with pytest.raises(ValueError, match="unknown library 'curl'"):
        runtime.install(libraries=["curl"])
    runtime.uninstall()
    if sys.version_info < (3, 12):
        with pytest.raises(RuntimeError, match="3.12"):
            runtime.install(buffer_export=True)
    assert not runtime.is_installed()


def test_a_library_that_is_not_installed_is_skipped(tmp_path):
    program = textwrap.dedent(
        """
        import sys
        sys.modules["aiohttp"] = None      # import aiohttp now raises ImportError, as if it were not installed
        sys.modules["httpx"] = None
        from buffix import runtime
        runtime.install()
        print(",".join(runtime.installed_libraries()))
        runtime.uninstall()
        """
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "requests,urllib3,botocore,urllib"  # aiobotocore needs aiohttp


def test_libraries_read_their_own_bodies_unproxied(strict_runtime, server):
    """resp.text / resp.json() / json.load(resp) run inside the library: they must see the real body."""
    import httpx
    import requests

    url = server.url_for("/payload/json")
    assert requests.get(url).json() == payloads.JSON_OBJECT
    assert httpx.get(url).json() == payloads.JSON_OBJECT
    with urllib.request.urlopen(url) as response:
        assert json.load(response) == payloads.JSON_OBJECT
    text_url = server.url_for("/payload/text")
    assert requests.get(text_url).text == payloads.TEXT.decode()

    async def aiohttp_text() -> str:
        import aiohttp

        async with aiohttp.ClientSession() as session, session.get(text_url) as response:
            first = await response.text()
            body = await response.read()
            assert issubclass(type(body), BodyProxy)  # the program's own read is proxied
            return first

    assert asyncio.run(aiohttp_text()) == payloads.TEXT.decode()


def test_repeated_reads_return_the_same_proxy(wrapt_runtime, server):
    import requests

    response = requests.get(server.url_for("/payload/binary"))
    first = response.content
    assert response.content is first
    assert first == payloads.payload("binary")
    assert wrapt_runtime.stats().bodies_wrapped >= 1


def test_a_read_hook_takes_its_amount_as_the_library_does(wrapt_runtime, server):
    """`read(self, amt=None)` is hooked with that very signature: an amount given by position, by keyword or not at
    all reads what the library's own read would, and the program gets each body proxied."""
    import http.client

    with urllib.request.urlopen(server.url_for("/bytes/1000"), timeout=10) as response:
        parts = [response.read(3), response.read(amt=4), response.read(None), response.read(), response.read(amt=None)]
    assert [len(part) for part in parts] == [3, 4, 993, 0, 0]
    assert b"".join(part[:] for part in parts) == payloads.body(1000)
    assert all(isinstance(part, BodyProxy) for part in parts)
    with pytest.raises(TypeError):  # what the library's read says to an argument it does not take
        http.client.HTTPResponse.read(response, size=3)


def test_hooked_coroutine_functions_still_look_like_coroutine_functions():
    """A hook of an `async def` returns a coroutine from a plain function; asyncio and mock must still see a
    coroutine function (aiohttp's test_proxy autospecs ClientResponse.start and awaits it)."""
    from unittest import mock

    import aiohttp

    def originals() -> dict:
        found = {}
        for point in HOOK_POINTS:
            try:
                owner = getattr(importlib.import_module(point.module), point.owner)
            except (ImportError, AttributeError):
                continue
            found[(point.owner, point.attribute)] = asyncio.iscoroutinefunction(getattr(owner, point.attribute, None))
        return found

    plain = originals()
    assert plain[("ClientResponse", "start")] and plain[("ClientResponse", "read")]
    with runtime.installed():
        assert originals() == plain
        start = mock.create_autospec(aiohttp.ClientResponse.start, return_value="started")
        assert asyncio.run(start(mock.Mock(), mock.Mock())) == "started"
