"""The test infrastructure on its own, without the buffix runtime: server, payloads, access paths, sink ops."""

from __future__ import annotations

import concurrent.futures
import gzip
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import requests
import wrapt

from buffix.knowledge.families import FAMILIES
from tests import clients, payloads, sinks
from tests.payloads import KIB, MIB

ROOT = Path(__file__).resolve().parent.parent
SMALL_ENDPOINTS = ("/bytes/0", "/bytes/1024", "/chunked/1024", "/chunked/0", "/gzip/1024", "/payload/json")
DECODES_GZIP = {p.name for p in clients.ACCESS_PATHS if p.client != "urllib"}  # urlopen sends no Accept-Encoding


class GetattrOnlyProxy:
    """A JS-like proxy: explicit attributes forward, implicit dunders do not (docs/semantics.md, fact 2)."""

    __slots__ = ("_target", "__weakref__")

    def __init__(self, target: object) -> None:
        object.__setattr__(self, "_target", target)

    def __getattr__(self, name: str) -> object:
        return getattr(object.__getattribute__(self, "_target"), name)


def available(ops):
    return [pytest.param(op, id=op.name, marks=pytest.mark.skipif(not op.available, reason=f"{op.needs} not installed"))
            for op in ops]


# -- payloads ------------------------------------------------------------------------------------------------
def test_body_is_deterministic_and_not_repetitive():
    body = payloads.body(MIB)
    assert len(body) == MIB and payloads.body(KIB) == body[:KIB]
    blocks = {body[i:i + 64] for i in range(0, MIB, 64)}
    assert len(blocks) == MIB // 64  # no 64-byte block repeats
    assert payloads.body(0) == b""


@pytest.mark.parametrize("n", [0, 1, 3, 1024, MIB + 5])
def test_chunk_sizes_cover_the_body(n):
    sizes = payloads.chunk_sizes(n)
    assert sum(sizes) == n and all(s > 0 for s in sizes)
    assert len(sizes) >= min(n, 2)


def test_expected_maps_paths():
    assert payloads.expected("/gzip/1024") == payloads.body(1024)
    assert payloads.expected("/payload/xml?x=1") == payloads.payload("xml")
    with pytest.raises(KeyError, match="known: binary"):
        payloads.expected("/payload/nope")


# -- server --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", clients.ACCESS_PATHS, ids=str)
@pytest.mark.parametrize("endpoint", SMALL_ENDPOINTS)
def test_access_path_sees_the_payload(server, path, endpoint):
    fetched = path.fetch(server.url_for(endpoint), use=len)
    assert b"".join(fetched.bodies) == server.expected(endpoint)
    assert all(type(b) is bytes for b in fetched.bodies)
    assert fetched.results == [len(b) for b in fetched.bodies]
    assert len(fetched.responses) == 1
    if not path.streaming:
        assert len(fetched.bodies) == 1


@pytest.mark.parametrize("path", clients.ACCESS_PATHS, ids=str)
def test_access_path_large_chunked_body(server, path):
    fetched = path.fetch(server.url_for(f"/chunked/{MIB}"))
    assert b"".join(fetched.bodies) == server.body(MIB)
    if path.streaming:
        assert len(fetched.bodies) > 1


@pytest.mark.parametrize("path", clients.ACCESS_PATHS, ids=str)
def test_gzip_is_really_encoded_for_decoding_clients(server, path):
    before = server.stats["gzip_encoded"]
    fetched = path.fetch(server.url_for("/gzip/4096"))
    assert b"".join(fetched.bodies) == server.body(4096)
    assert server.stats["gzip_encoded"] - before == (path.name in DECODES_GZIP)


@pytest.mark.parametrize("path", [clients.access_path("requests .content"),
                                  clients.access_path("httpx stream iter_bytes()")], ids=str)
def test_50mib_body(server, path):
    n = 50 * MIB
    start = time.perf_counter()
    fetched = path.fetch(server.url_for(f"/bytes/{n}"))
    assert sum(map(len, fetched.bodies)) == n and b"".join(fetched.bodies) == server.body(n)
    assert time.perf_counter() - start < 10


def test_raw_wire_format(server):
    r = requests.get(server.url_for("/gzip/1024"), stream=True, timeout=10)
    with r:
        assert r.headers["Content-Encoding"] == "gzip"
        assert r.raw.read(decode_content=False) == payloads.gzip_body(1024)
    with requests.get(server.url_for("/chunked/1024"), stream=True, timeout=10) as r:
        assert r.headers["Transfer-Encoding"] == "chunked" and "Content-Length" not in r.headers
    with requests.get(server.url_for("/payload/gzipdata"), timeout=10) as r:
        assert "Content-Encoding" not in r.headers
        assert gzip.decompress(r.content) == payloads.payload("text")


def test_unknown_paths_are_404(server):
    for path in ("/nope", "/bytes/abc", f"/bytes/{payloads.MAX_BODY + 1}", "/payload/nope"):
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(server.url_for(path), timeout=10).close()
        assert info.value.code == 404
        info.value.close()


def test_keep_alive_reuses_one_connection(server):
    before = server.stats
    with requests.Session() as s:
        for _ in range(5):
            assert s.get(server.url_for("/bytes/1024"), timeout=10).content == server.body(1024)
    after = server.stats
    assert after["requests"] - before["requests"] == 5
    assert after["connections"] - before["connections"] == 1


@pytest.mark.parametrize("size", [0, 1024, 5 * MIB])
def test_echo_round_trips(server, size):
    data = payloads.body(size)
    reply = requests.post(server.url_for("/echo"), data=data, timeout=10).json()
    assert reply == payloads.echo_reply(data)
    parts = iter([data[: size // 3], data[size // 3:], b""])  # a generator body goes out chunked
    with requests.post(server.url_for("/echo"), data=parts, timeout=10) as r:
        assert r.request.headers.get("Transfer-Encoding") == "chunked"
        assert r.json() == payloads.echo_reply(data)


def test_sixteen_concurrent_clients(server):
    url = server.url_for(f"/bytes/{MIB}")
    before = server.request_count

    def download(_):
        with requests.Session() as s:
            return s.get(url, timeout=10).content

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        bodies = list(pool.map(download, range(16)))
    assert all(b == server.body(MIB) for b in bodies)
    assert server.request_count - before == 16


def test_server_runs_in_a_subprocess(tmp_path):
    port_file = tmp_path / "url"
    proc = subprocess.Popen([sys.executable, "-m", "tests.httpserver", "--port-file", str(port_file)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while not port_file.exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.02)
        url = port_file.read_text().strip()
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "/payload/text", timeout=10) as r:
            assert r.read() == payloads.payload("text")
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert out.strip() == url


# -- sink ops ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("op", available(sinks.ALL_OPS))
def test_sink_op_is_stable_on_real_bytes(server, op):
    body = payloads.payload(op.payload)
    reference = op(body)
    assert op(body[:]) == reference
    assert op(bytes(bytearray(body))) == reference  # a different object with the same bytes


def test_sink_ops_compute_the_right_thing(server):
    run = {op.name: op for op in sinks.ALL_OPS}
    text = payloads.payload("text")
    assert run["gzip.decompress(p)"](payloads.payload("gzipdata")) == text
    assert run["zlib.decompress(p)"](payloads.payload("zlibdata")) == text
    assert run["str(p, 'utf-8')"](text) == text.decode()
    assert run["struct.unpack_from('>IHB', p)"](payloads.payload("struct")) == payloads.STRUCT_FIELDS
    assert run["pickle.loads(p)"](payloads.payload("pickle")) == payloads.PICKLE_OBJECT
    assert run["json.loads(p)"](payloads.payload("json")) == payloads.JSON_OBJECT
    params, frames = run["wave.open(io.BytesIO(p))"](payloads.payload("wav"))
    assert params[:4] == payloads.WAV_PARAMS and len(frames) == 2 * payloads.WAV_PARAMS[3]
    assert run["ET.fromstring(p)"](payloads.payload("xml")).count(b"<item") == 16
    body = payloads.body(3 * MIB)  # larger than socket and pipe buffers
    for name in ("open(path, 'wb').write(p)", "os.write(fd, p)", "sock.sendall(p)", "BytesIO().write(p)"):
        assert run[name](body) == body, name
    upload = payloads.body(MIB)  # aiohttp warns above 1 MiB
    for name in [op.name for op in sinks.ALL_OPS if "post" in op.name and op.available]:
        assert run[name](upload) == payloads.echo_reply(upload), name


def test_families_are_known():
    codes = {f.code for f in FAMILIES}
    groups = {"BFX4": sinks.PROXY_DEPENDENT_OPS, "BFX5": sinks.SLOW_COPY_OPS}
    assert {op.family for op in sinks.FAILING_OPS} == {"BFX1", "BFX2", "BFX3"} <= codes
    for code, ops in groups.items():
        assert code in codes and {op.family for op in ops} == {code}
    assert {op.family for op in sinks.FORWARDED_OPS} == {None}
    assert all(op.payload in payloads.PAYLOADS for op in sinks.ALL_OPS)
    assert len({op.name for op in sinks.ALL_OPS}) == len(sinks.ALL_OPS)


# The catalog's grouping must match what a real proxy library does (docs/semantics.md, fact 2: wrapt).
@pytest.mark.parametrize("op", available(sinks.FAILING_OPS))
def test_failing_ops_fail_on_wrapt(server, op):
    body = payloads.payload(op.payload)
    with pytest.raises(TypeError):
        op(wrapt.ObjectProxy(body))
    assert op(wrapt.ObjectProxy(body)[:]) == op(body)


@pytest.mark.parametrize("op", available(sinks.PROXY_DEPENDENT_OPS + sinks.SLOW_COPY_OPS + sinks.FORWARDED_OPS))
def test_other_ops_work_on_wrapt(server, op):
    body = payloads.payload(op.payload)
    assert op(wrapt.ObjectProxy(body)) == op(body)


@pytest.mark.parametrize("op", available(sinks.PROXY_DEPENDENT_OPS + sinks.SLOW_COPY_OPS))
def test_conversions_fail_on_getattr_only_proxy(op):
    with pytest.raises(TypeError):
        op(GetattrOnlyProxy(payloads.payload(op.payload)))

