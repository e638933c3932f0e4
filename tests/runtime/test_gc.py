"""No Python code runs inside garbage collection (issue 11): CPython 3.11 can abort a whole pytest session
("AST constructor recursion depth mismatch") when weakref callbacks run Python code during a collection that
interrupts `ast` work. The runtime's weak references only queue their deaths (`deque.append`, C code); the
accounting runs at the next runtime call."""

from __future__ import annotations

import gc
import subprocess
import sys
import types
import weakref

import pytest

from buffix import runtime
from tests import payloads

pytestmark = pytest.mark.usefixtures("server")


def _callbacks_of(obj: object) -> list:
    return [ref.__callback__ for ref in weakref.getweakrefs(obj)]


def test_every_weak_reference_the_runtime_holds_has_a_c_callback(server):
    import requests

    gc.collect()
    live = runtime.stats().bytes_live  # what earlier tests left
    with runtime.installed(policy="track"):
        response = requests.get(server.url_for("/bytes/100"), timeout=10)
        held = response.content  # the cached body's proxy (pinned while the response lives)
        chunks = list(response.iter_content(10))  # chunk proxies, followed weakly (swept, no callback)
        callbacks = _callbacks_of(response) + [c for chunk in chunks for c in _callbacks_of(chunk)]
        assert len(callbacks) >= 1 + len(chunks)
        assert _callbacks_of(response) and None not in _callbacks_of(response)  # its death is queued
        for callback in callbacks:
            assert callback is None or isinstance(callback, types.BuiltinMethodType), (
                f"a Python weakref callback: {callback!r}")
        before = runtime.stats().bodies_wrapped
        del response, chunks
        gc.collect()
        assert len(runtime.runtime.registry.dead) > 0  # queued, not yet handled
        stats = runtime.stats()  # drains
        assert not runtime.runtime.registry.dead
        assert stats.bodies_wrapped == before and stats.bytes_live == live + 100  # only `held` is left
        assert held[:] == payloads.body(100)


STRESS_TEST = '''
import gc
import os

import requests

URL = os.environ["BUFFIX_TEST_URL"]


class Node:
    def __init__(self, response, body):
        self.response, self.body, self.me = response, body, self


def test_cycles_{n}():
    gc.set_threshold(1, 1, 1)  # a collection at nearly every allocation, inside assertion rewriting too
    for _ in range(30):
        r = requests.get(URL + "/bytes/64")
        Node(r, r.content)
        for chunk in r.iter_content(16):
            Node(r, chunk)
        assert len(r.content) == 64, "the body arrived whole"
'''


def test_gc_stress_inside_assertion_rewriting_never_crashes_the_session(server, tmp_path):
    for n in range(12):  # each module is rewritten (ast.parse) on import, between the collections of the last
        (tmp_path / f"test_stress_{n}.py").write_text(STRESS_TEST.format(n=n))
    for run in range(10):  # issue 11: no crash in 10 consecutive GC-stress sessions on 3.11
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--buffix-runtime", str(tmp_path)],
            capture_output=True, text=True, timeout=300, env={**__import__("os").environ,
                                                                "BUFFIX_TEST_URL": server.url_for("")},
        )
        assert result.returncode == 0, f"run {run}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        assert "12 passed" in result.stdout
