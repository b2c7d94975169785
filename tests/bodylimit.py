"""A reverse proxy with a request body limit, as nginx's ``client_max_body_size``, for tests.

It forwards every request to one upstream and answers 413 with an HTML page (as nginx does)
to a request whose body is larger than the limit, reading that body to its end first so the
client reads the answer rather than a reset connection.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "proxy-connection",
    }
)
_PAGE = (
    b"<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n"
    b"<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


Refusal = tuple[str, str, int]
"""A request the proxy refused: method, path, body size."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    upstream: tuple[str, int]
    limit: int
    refused: list[Refusal]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                chunk = self.rfile.read(size)
                self.rfile.readline()
                if not size:
                    break
                chunks.append(chunk)
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _forward(self) -> None:
        body = self._body()
        if len(body) > self.server.limit:
            self.server.refused.append((self.command, self.path, len(body)))
            self.send_response(413)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(_PAGE)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(_PAGE)
            self.close_connection = True
            return
        upstream = http.client.HTTPConnection(*self.server.upstream, timeout=120)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            headers["Content-Length"] = str(len(body))
            upstream.request(self.command, self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        finally:
            upstream.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _forward


@contextmanager
def body_limit_proxy(
    upstream_url: str, limit: int
) -> Iterator[tuple[str, list[tuple[str, str, int]]]]:
    """A proxy to ``upstream_url`` refusing bodies over ``limit`` bytes: its URL, and the list
    of the requests it refused (method, path, body size), appended as they come."""
    parts = urlsplit(upstream_url)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
    server.limit = limit
    server.refused = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.refused
    finally:
        server.shutdown()
        server.server_close()
