"""A real threaded HTTP/1.1 test server on 127.0.0.1 with deterministic bodies (see tests/payloads.py).

Endpoints:
  GET  /bytes/<n>       n bytes of `payloads.body(n)`, Content-Length
  GET  /chunked/<n>     the same body in chunked transfer encoding (`payloads.chunk_sizes(n)`)
  GET  /gzip/<n>        the same body with Content-Encoding: gzip when the client accepts gzip, identity otherwise
  GET  /payload/<kind>  `payloads.payload(kind)` (gzip/zlib payloads are sent as data, with no Content-Encoding)
  POST /echo            JSON {"sha256": ..., "length": ...} of the request body (Content-Length or chunked)

In process: `with serve() as server: server.url_for("/bytes/1024")`.  From a shell or another process:
`python -m tests.httpserver --port-file F` writes the base URL to F (atomically) and serves until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Counter, Dict, Iterator, Optional

if __package__ in (None, ""):  # run as a script: make `tests` importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests import payloads

HOST = "127.0.0.1"
URL_ENV = "BUFFIX_TEST_URL"  # base URL handed to fixture programs run in subprocesses


class _Stats:
    """Thread-safe request accounting."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_endpoint: Counter[str] = collections.Counter()
        self.troubles: Counter[str] = collections.Counter({"disconnected": 0, "server_error": 0})
        self.gzip_encoded = 0
        self.connections = 0

    def count(self, endpoint: str, gzip_encoded: bool = False) -> None:
        with self._lock:
            self.by_endpoint[endpoint] += 1
            self.gzip_encoded += gzip_encoded

    def trouble(self, kind: str) -> None:
        with self._lock:
            self.troubles[kind] += 1

    def connected(self) -> None:
        with self._lock:
            self.connections += 1

    def snapshot(self) -> Dict[str, int]:
        with self._lock:
            snap = {**self.by_endpoint, **self.troubles}
            snap.update(requests=sum(self.by_endpoint.values()), gzip_encoded=self.gzip_encoded,
                        connections=self.connections)
            return snap


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls on keep-alive connections
    timeout = 30  # idle keep-alive connections end eventually
    server: "_Server"

    def setup(self) -> None:
        super().setup()
        self.server.stats.connected()

    def log_message(self, format: str, *args: object) -> None:  # quiet: tests read stats, not logs
        pass

    # -- routing ---------------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        endpoint = parts[0]
        try:
            if len(parts) != 2:
                raise LookupError
            if endpoint == "payload":
                data = payloads.payload(parts[1])
            elif endpoint in ("bytes", "chunked", "gzip"):
                data = payloads.body(int(parts[1]))
            else:
                raise LookupError
        except (LookupError, ValueError):
            self.server.stats.count("not_found")
            return self._send(404, b"not found\n", "text/plain")
        if endpoint == "chunked":
            self.server.stats.count(endpoint)
            return self._send_chunked(data)
        if endpoint == "gzip" and "gzip" in self.headers.get("Accept-Encoding", ""):
            self.server.stats.count(endpoint, gzip_encoded=True)
            return self._send(200, payloads.gzip_body(len(data)), extra={"Content-Encoding": "gzip"})
        self.server.stats.count(endpoint)
        self._send(200, data)

    def do_POST(self) -> None:
        if self.path.split("?", 1)[0].rstrip("/") != "/echo":
            self._read_request_body()
            self.server.stats.count("not_found")
            return self._send(404, b"not found\n", "text/plain")
        data = self._read_request_body()
        self.server.stats.count("echo")
        self._send(200, json.dumps(payloads.echo_reply(data)).encode("ascii"), "application/json")

    # -- I/O -------------------------------------------------------------------------------------------------
    def _read_request_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()  # CRLF after each chunk
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _head(self, status: int, content_type: str, extra: Dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in extra.items():
            self.send_header(name, value)

    def _send(self, status: int, data: bytes, content_type: str = "application/octet-stream",
              extra: Optional[Dict[str, str]] = None) -> None:
        self._head(status, content_type, {**(extra or {}), "Content-Length": str(len(data))})
        self.end_headers()
        self.wfile.write(data)

    def _send_chunked(self, data: bytes) -> None:
        self._head(200, "application/octet-stream", {"Transfer-Encoding": "chunked"})
        self.end_headers()
        view, start = memoryview(data), 0
        for size in payloads.chunk_sizes(len(data)):
            self.wfile.write(b"%x\r\n" % size + view[start:start + size].tobytes() + b"\r\n")
            start += size
        self.wfile.write(b"0\r\n\r\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 drops SYNs of concurrent clients: 1 s retransmit stalls
    stats: _Stats

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up early (a test closing a stream unread, an upload failing mid-body) is normal.
        if isinstance(sys.exc_info()[1], ConnectionError):
            self.stats.trouble("disconnected")
        else:
            self.stats.trouble("server_error")
            super().handle_error(request, client_address)


class LocalServer:
    """A running test server: its base `url`, request stats, and the expected bytes of each endpoint."""

    def __init__(self, httpd: _Server) -> None:
        self._httpd = httpd
        host, port = httpd.server_address[:2]
        self.url = f"http://{host}:{port}"

    def url_for(self, path: str) -> str:
        return self.url + "/" + path.lstrip("/")

    @staticmethod
    def payload(kind: str) -> bytes:
        return payloads.payload(kind)

    @staticmethod
    def body(n: int) -> bytes:
        return payloads.body(n)

    @staticmethod
    def expected(path: str) -> bytes:
        return payloads.expected(path)

    @property
    def stats(self) -> Dict[str, int]:
        """Snapshot: counts per endpoint ("bytes", "echo", "not_found", ...) and per trouble ("disconnected",
        "server_error"), plus totals "requests" (all of those), "gzip_encoded" and "connections"."""
        return self._httpd.stats.snapshot()

    @property
    def request_count(self) -> int:
        return self.stats["requests"]


@contextlib.contextmanager
def serve(port: int = 0) -> Iterator[LocalServer]:
    """Run a server on 127.0.0.1 in a background thread for the duration of the block."""
    httpd = _Server((HOST, port), _Handler)
    httpd.stats = _Stats()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              name="buffix-test-httpd", daemon=True)
    thread.start()
    try:
        yield LocalServer(httpd)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.httpserver", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="port to bind on 127.0.0.1 (default: any free port)")
    parser.add_argument("--port-file", help="write the base URL here once listening (atomically)")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with serve(args.port) as server:
        if args.port_file:
            tmp = args.port_file + ".tmp"
            with open(tmp, "w") as f:
                f.write(server.url + "\n")
            os.replace(tmp, args.port_file)
        print(server.url, flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
