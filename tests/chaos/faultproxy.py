"""A loopback HTTP proxy that injects faults between the SDK and the server.

Each request, by a seeded random draw: passes through; answers 503 without forwarding; forwards
and then answers 502 (applied, but the client thinks it failed); forwards twice (a duplicated
request); resets the connection before or after forwarding; or answers slowly. Bounded: it only
runs while the test holds it and talks to one loopback upstream.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter

import httpx

FAULTS = ("pass", "503", "forward_then_502", "duplicate", "reset_before", "reset_after", "slow")


class FaultProxy:
    """Listens on a free loopback port; ``url`` is what clients use."""

    def __init__(self, upstream: str, seed: int = 0, fault_rate: float = 0.4) -> None:
        self.upstream = upstream
        self._random = random.Random(seed)
        self._fault_rate = fault_rate
        self.counts: Counter[str] = Counter()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.url = ""

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        port = server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self._client = httpx.AsyncClient(base_url=self.upstream, timeout=60)
        self._ready.set()
        self._loop.run_forever()
        server.close()
        pending = [t for t in asyncio.all_tasks(self._loop) if not t.done()]
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()

    def _draw(self) -> str:
        if self._random.random() >= self._fault_rate:
            return "pass"
        return self._random.choice(FAULTS[1:])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                fault = self._draw()
                self.counts[fault] += 1
                if fault == "reset_before":
                    break
                if fault == "503":
                    writer.write(_response(503, b'{"detail":"injected"}'))
                    await writer.drain()
                    continue
                if fault == "slow":
                    await asyncio.sleep(self._random.uniform(0.2, 1.0))
                status, body = await self._forward(*request)
                if fault == "duplicate":
                    status, body = await self._forward(*request)
                if fault == "reset_after":
                    break
                if fault == "forward_then_502":
                    status, body = 502, b'{"detail":"injected after forwarding"}'
                writer.write(_response(status, body))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes]:
        keep = {k: v for k, v in headers.items() if k in ("content-type", "authorization")}
        response = await self._client.request(method, path, content=body, headers=keep)
        return response.status_code, response.content


async def _read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, dict[str, str], bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return method, path, headers, body


def _response(status: int, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body
