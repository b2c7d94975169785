"""The SDK's HTTP client against real local HTTP servers: bodies, encodings, reuse, faults."""

from __future__ import annotations

import gzip
import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import zstandard

from cairn.sdk.net import Client, NetError

Handler = Callable[[BaseHTTPRequestHandler], None]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    connections = 0
    seen: list[tuple[str, str, dict[str, str], bytes]]


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], tuple[str, _Server]]]:
    """Start a loopback HTTP/1.1 server answering with the given function."""
    servers: list[_Server] = []

    def start(answer: Handler) -> tuple[str, _Server]:
        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                server.connections += 1

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.seen.append((self.command, self.path, dict(self.headers), body))
                answer(self)

            do_GET = do_POST = do_PUT = do_HEAD = _any

            def log_message(self, *args: object) -> None:
                pass

        server = _Server(("127.0.0.1", 0), RequestHandler)
        server.seen = []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def reply(
    handler: BaseHTTPRequestHandler,
    body: bytes,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> None:
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    if "Transfer-Encoding" not in (headers or {}):
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def test_json_round_trip_on_one_kept_alive_connection(
    serve: Callable[..., tuple[str, _Server]],
) -> None:
    url, server = serve(lambda h: reply(h, json.dumps({"path": h.path}).encode()))
    client = Client(url + "/prefix/", headers={"Authorization": "Bearer k"})
    first = client.request("GET", "/a b", params={"keys": ["x", "y/z"], "flag": True, "no": None})
    second = client.request("POST", "/b", json_body={"n": 1})
    assert first.status == 200
    assert first.json() == {"path": "/prefix/a%20b?keys=x&keys=y%2Fz&flag=true"}
    assert second.json() == {"path": "/prefix/b"}
    assert server.connections == 1
    method, _, headers, body = server.seen[1]
    assert (method, body) == ("POST", b'{"n":1}')
    assert headers["Authorization"] == "Bearer k"
    assert headers["Content-Type"] == "application/json"
    client.close()


def test_chunked_gzip_and_zstd_bodies_are_decoded(
    serve: Callable[..., tuple[str, _Server]],
) -> None:
    payload = b"cairn " * 10_000

    def answer(h: BaseHTTPRequestHandler) -> None:
        if h.path == "/gzip":
            data = gzip.compress(payload)
            h.send_response(200)
            h.send_header("Content-Encoding", "gzip")
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            for start in range(0, len(data), 1000):
                piece = data[start : start + 1000]
                h.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            h.wfile.write(b"0\r\n\r\n")
        else:
            reply(
                h,
                zstandard.ZstdCompressor().compress(payload),
                headers={"Content-Encoding": "zstd"},
            )

    url, server = serve(answer)
    client = Client(url)
    assert client.request("GET", "/gzip").body == payload
    assert client.request("GET", "/zstd").body == payload
    assert server.connections == 1
    assert "gzip" in server.seen[0][2]["Accept-Encoding"]


def test_a_connection_the_server_dropped_is_replaced_once(
    serve: Callable[..., tuple[str, _Server]],
) -> None:
    def answer(h: BaseHTTPRequestHandler) -> None:
        reply(h, b"{}")
        h.close_connection = True  # closes without saying so, as an idle timeout does

    url, server = serve(answer)
    client = Client(url)
    for _ in range(3):
        assert client.request("POST", "/ingest", content=b"x").status == 200
    assert server.connections == 3
    assert [s[3] for s in server.seen] == [b"x", b"x", b"x"]  # each request sent once


def test_errors_statuses_head_and_file_upload(
    serve: Callable[..., tuple[str, _Server]], tmp_path: Path
) -> None:
    def answer(h: BaseHTTPRequestHandler) -> None:
        if h.command == "HEAD":
            reply(h, b"", status=404, headers={"Content-Length": "123"})
        else:
            reply(h, b'{"detail": "nope"}', status=409)

    url, server = serve(answer)
    client = Client(url)
    assert client.request("HEAD", "/blob").status == 404
    blob = tmp_path / "blob.bin"
    blob.write_bytes(bytes(range(256)) * 5000)
    response = client.request("PUT", "/blob", file_path=blob)
    assert response.status == 409
    assert response.json() == {"detail": "nope"}
    assert server.seen[-1][3] == blob.read_bytes()


def test_a_slice_of_a_file_and_a_raw_query(
    serve: Callable[..., tuple[str, _Server]], tmp_path: Path
) -> None:
    url, server = serve(lambda h: reply(h, b"{}"))
    client = Client(url)
    blob = tmp_path / "blob.bin"
    data = bytes(range(256)) * 9000  # past one send chunk
    blob.write_bytes(data)
    signed = "X-Amz-Signature=ab%2Fcd&partNumber=2"
    answer = client.request(
        "PUT", "/bucket/key", file_path=blob, file_range=(1000, 2 * 1024 * 1024), raw_query=signed
    )
    assert answer.status == 200
    method, path, headers, body = server.seen[-1]
    assert (method, path) == ("PUT", "/bucket/key?" + signed)  # sent as given, not re-encoded
    assert headers["Content-Length"] == str(2 * 1024 * 1024)
    assert body == data[1000 : 1000 + 2 * 1024 * 1024]
    with pytest.raises(NetError, match="shorter than"):  # the file lost bytes meanwhile
        client.request("PUT", "/k", file_path=blob, file_range=(len(data) - 10, 20))
    with pytest.raises(ValueError, match="white space"):
        client.request("GET", "/k", raw_query="a=b c")


def test_no_server_and_a_silent_server_raise_net_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(NetError):
        Client(f"http://127.0.0.1:{port}").request("GET", "/")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        client = Client(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout_s=0.2)
        with pytest.raises(NetError):
            client.request("GET", "/")


def test_body_until_close_without_length(serve: Callable[..., tuple[str, _Server]]) -> None:
    def answer(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(b"all of it")
        h.close_connection = True

    url, server = serve(answer)
    client = Client(url)
    assert client.request("GET", "/").body == b"all of it"
    assert client.request("GET", "/").body == b"all of it"
    assert server.connections == 2


def test_http_proxy_from_the_environment(
    serve: Callable[..., tuple[str, _Server]], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy_url, proxy = serve(lambda h: reply(h, b"via proxy"))
    monkeypatch.setenv("HTTP_PROXY", proxy_url.replace("http://", "http://user:pw@"))
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert Client("http://cairn.example:8080").request("GET", "/x").body == b"via proxy"
    _, target, headers, _ = proxy.seen[0]
    assert target == "http://cairn.example:8080/x"
    assert headers["Proxy-Authorization"] == "Basic dXNlcjpwdw=="
    direct_url, _ = serve(lambda h: reply(h, b"direct"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert Client(direct_url).request("GET", "/").body == b"direct"
    assert len(proxy.seen) == 1
