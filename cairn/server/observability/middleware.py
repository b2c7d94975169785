"""The ASGI middleware: a request id on every response, one log line and metrics per request.

Pure ASGI (not BaseHTTPMiddleware), so streamed responses pass through unbuffered, and the
duration covers the whole body.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cairn.server.observability import metrics
from cairn.server.observability.logging import log_request
from cairn.server.observability.scope import (
    REQUEST_ID_HEADER,
    REQUEST_ID_KEY,
    request_id_from,
    username_of,
)

UNMATCHED = "unmatched"


def route_template(scope: Scope) -> str:
    """The route's path template (``/api/v1/runs/{entity}/...``), never the raw path."""
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED
    if isinstance(route, Mount):
        return f"{path}/{{path:path}}"
    return path


class ObservabilityMiddleware:
    """Gives each HTTP request an id, then logs and measures it once it is answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope.get("headers", ()))
        scope[REQUEST_ID_KEY] = request_id
        start = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        metrics.HTTP_IN_PROGRESS.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            metrics.HTTP_IN_PROGRESS.dec()
            # No response started: an unhandled error, answered 500 by the outer error handler.
            status = status or 500
            seconds = time.perf_counter() - start
            route = route_template(scope)
            method = scope.get("method", "")
            metrics.record_request(method, route, status, seconds)
            client = scope.get("client")
            log_request(
                method=method,
                route=route,
                path=scope.get("path", ""),
                status=status,
                duration_ms=seconds * 1000,
                request_id=request_id,
                client=client[0] if client else None,
                user=username_of(scope),
            )
