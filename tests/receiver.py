"""A real local HTTP receiver for webhook tests: records each POST and answers with scripted
status codes (then 200)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """The receiver's address, what it got, and the status codes it answers next."""

    url: str
    answers: list[int] = field(default_factory=list)
    got: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, deadline_s: float = 60.0) -> list[Received]:
        """The first ``count`` requests, once they came (AssertionError past the deadline)."""
        deadline = time.monotonic() + deadline_s
        while True:
            with self.lock:
                if len(self.got) >= count:
                    return list(self.got[:count])
            assert time.monotonic() < deadline, f"got {len(self.got)} of {count} requests"
            time.sleep(0.05)


@contextmanager
def receiver(answers: list[int] | None = None) -> Iterator[Receiver]:
    """Serve on a free loopback port in a thread while the block runs."""
    state = Receiver(url="", answers=list(answers or []))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with state.lock:
                state.got.append(Received(self.path, dict(self.headers.items()), body))
                code = state.answers.pop(0) if state.answers else 200
            payload = f"answer {code}".encode()
            self.send_response(code)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
