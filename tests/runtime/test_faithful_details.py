"""The smaller faithfulness items of issue 11: copy/pickle as under wrapt, SlowCopyWarning under `-W error`,
refusals logged in server threads, the explanation of an inline refusal, leak suspects grouped."""

from __future__ import annotations

import copy
import logging
import os
import pickle
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import pytest
import wrapt

from buffix import runtime
from buffix.runtime import SlowCopyWarning
from tests import payloads

pytestmark = pytest.mark.usefixtures("server")
BUFFIX = str(Path(sys.executable).with_name("buffix"))


def test_copy_and_pickle_fail_exactly_as_under_wrapt(server):
    import requests

    real = wrapt.ObjectProxy(b"abc")
    with runtime.installed():
        body = requests.get(server.url_for("/bytes/10"), timeout=10).content
        for use in (copy.copy, copy.deepcopy, pickle.dumps):
            with pytest.raises(NotImplementedError) as ours:
                use(body)
            with pytest.raises(NotImplementedError) as theirs:
                use(real)
            assert str(ours.value) == str(theirs.value)


def test_slow_copy_warning_is_filterable_and_never_an_error(server):
    import requests

    url = server.url_for("/bytes/100000")
    with runtime.installed():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert len(bytearray(requests.get(url, timeout=10).content)) == 100000
        assert [w.category for w in caught] == [SlowCopyWarning]
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # -W error: the copy still works, as under wrapt
            assert bytearray(requests.get(url, timeout=10).content) == payloads.body(100000)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.filterwarnings("ignore", category=SlowCopyWarning)
            bytearray(requests.get(url, timeout=10).content)
        assert caught == []


def test_a_strict_refusal_in_a_server_thread_is_logged_with_its_rule(server, caplog):
    import requests

    def handler():
        body = requests.get(server.url_for("/bytes/64"), timeout=10).content
        try:
            bytes(body)
        except TypeError:
            pass  # a server framework swallows it and cuts the connection

    with runtime.installed(profile="strict"), caplog.at_level(logging.WARNING, logger="buffix.runtime"):
        worker = threading.Thread(target=handler, name="request-handler")
        worker.start()
        worker.join()
        bytes(requests.get(server.url_for("/bytes/64"), timeout=10).content[:])  # the main thread: not logged
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1 and "BFX4" in messages[0] and "request-handler" in messages[0], messages


def test_the_explanation_covers_an_inline_refusal_with_no_local_holding_the_proxy(server, tmp_path):
    program = tmp_path / "inline.py"
    program.write_text("import hashlib, os, requests\n"
                       "url = os.environ['BUFFIX_TEST_URL'] + '/bytes/32'\n"
                       "print(hashlib.md5(requests.get(url).content).hexdigest())\n")
    result = subprocess.run([BUFFIX, "run", "--", sys.executable, str(program)], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "BUFFIX_TEST_URL": server.url_for("")})
    assert result.returncode == 1
    assert "buffix: this TypeError comes from a response body proxy (BFX1" in result.stderr, result.stderr
    assert f"{program}:3:7: print(hashlib.md5(" in result.stderr, result.stderr  # line and column of the call


def test_leak_suspects_are_grouped_by_site(server, tmp_path):
    program = tmp_path / "leaky.py"
    program.write_text("import os, requests\n"
                       "kept = []\n"
                       "for _ in range(5):\n"
                       "    r = requests.get(os.environ['BUFFIX_TEST_URL'] + '/bytes/100')\n"
                       "    kept.append(r.content)\n"
                       "    r.close()\n")
    result = subprocess.run([BUFFIX, "run", "--report", "--", sys.executable, str(program)], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "BUFFIX_TEST_URL": server.url_for("")})
    lines = [line for line in result.stderr.splitlines() if "leak suspect:" in line]
    assert lines == [f"  leak suspect: 5 bodies, 500 bytes from requests Response.content, created at {program}:5, "
                     f"still held by the program when its response closed at {program}:6"], result.stderr


def test_attribute_reads_of_a_body_answer_as_under_wrapt(server):
    """The proxy looks attributes up with object's __getattribute__ (cheaper than wrapt's, issue 11's per-access
    target): what the program reads must still be what a wrapt proxy gives, `__module__` and `__doc__` too."""
    import requests

    def read(proxy: object, name: str) -> object:
        try:
            return getattr(proxy, name)
        except AttributeError as error:
            return ("AttributeError", str(error))

    names = ("__module__", "__doc__", "__dict__", "__qualname__", "__class__", "__wrapped__", "decode", "hex",
             "__object_proxy__", "no_such_attribute")
    for profile in ("wrapt", "strict"):
        with runtime.installed(profile=profile):
            body = requests.get(server.url_for("/bytes/10"), timeout=10).content
            real = wrapt.ObjectProxy(body[:])
            ours = {name: read(body, name) for name in names}
            theirs = {name: read(real, name) for name in names}
            assert ours.keys() == theirs.keys()
            for name in names:
                if callable(theirs[name]) and not isinstance(theirs[name], type):
                    assert callable(ours[name]), name  # bound methods of the two bodies
                else:
                    assert ours[name] == theirs[name], name
            assert type(body).__module__ == "buffix.runtime.proxy" and "profile" in (type(body).__doc__ or "")
