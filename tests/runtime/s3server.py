"""Just enough of S3 for botocore on 127.0.0.1: path-style PUT and GET of objects (with the CRC32 checksum header
a GetObject with ChecksumMode=ENABLED validates), in memory."""

from __future__ import annotations

import base64
import hashlib
import threading
import zlib
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, Iterator, Optional


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    objects: Dict[str, bytes] = {}

    def log_message(self, *args: object) -> None:
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked" or \
                "aws-chunked" in self.headers.get("Content-Encoding", ""):
            raise NotImplementedError("the test sends whole bodies")
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _reply(self, status: int, body: bytes = b"", headers: Optional[Dict[str, str]] = None) -> None:
        if headers is None:
            headers = {}
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self) -> None:
        data = self._body()
        self.objects[self.path.split("?")[0]] = data
        self._reply(200, headers={"ETag": f'"{hashlib.md5(data).hexdigest()}"'})

    def do_GET(self) -> None:
        data = self.objects.get(self.path.split("?")[0])
        if data is None:
            self._reply(404, b"<Error><Code>NoSuchKey</Code><Message>no such key</Message></Error>",
                        {"Content-Type": "application/xml"})
            return
        crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
        self._reply(200, data, {"ETag": f'"{hashlib.md5(data).hexdigest()}"', "Content-Type": "binary/octet-stream",
                                "Last-Modified": "Tue, 01 Dec 2026 00:00:00 GMT", "x-amz-checksum-crc32": crc})


@contextmanager
def s3_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
