"""Run links use the server's --public-url; a busy server's Retry-After is honoured."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cairn
from cairn.sdk.sender.transport import Transport
from tests.serverproc import start_server

PUBLIC = "https://cairn.example.org"


def test_run_links_use_the_public_url_the_server_tells(workdir: Path, tmp_path: Path) -> None:
    server = start_server(tmp_path / "public", extra_args=["--public-url", PUBLIC + "/"])
    try:
        settings = {"base_url": server.base_url, "show_progress": False, "capture_console": False}
        run = cairn.init(project="links", settings=settings)
        assert run.url.startswith(server.base_url)  # nothing known yet, nothing waited for
        run.log({"x": 1.0})
        run.finish()
        assert run.url == f"{PUBLIC}/tester/links/runs/{run.id}"
        servers = json.loads((tmp_path / "servers.json").read_text())
        assert servers == {server.base_url: PUBLIC}
        # a new process knows it at once: init() prints the public link
        script = (
            "import cairn; r = cairn.init(project='links', settings="
            f"{{'base_url': {server.base_url!r}, 'capture_console': False}}); r.finish()"
        )
        printed = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=workdir,
        )
        assert printed.returncode == 0, printed.stderr
        assert f"at {PUBLIC}/tester/links/runs/" in printed.stderr
    finally:
        server.stop()


class _Busy(BaseHTTPRequestHandler):
    """Answers every batch 429 with Retry-After: 7."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = b'{"detail": "busy"}'
        self.send_response(429)
        self.send_header("Retry-After", "7")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_429_carries_its_retry_after_to_the_sender() -> None:
    busy = ThreadingHTTPServer(("127.0.0.1", 0), _Busy)
    thread = threading.Thread(target=busy.serve_forever, daemon=True)
    thread.start()
    try:
        transport = Transport(f"http://127.0.0.1:{busy.server_address[1]}", None)
        result = transport.post_batch(b"batch")
        assert result.outcome == "retry"
        assert result.retry_after_s == 7.0
        assert "busy" in result.detail
    finally:
        busy.shutdown()
