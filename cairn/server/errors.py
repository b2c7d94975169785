"""The one table from error class to HTTP status, and the handlers that use it."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from cairn.errors import (
    AuthenticationError,
    CairnError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    OffsetGapError,
    PayloadTooLargeError,
    PermissionDeniedError,
    SchemaVersionError,
    TooBusyError,
)
from cairn.server.observability.logging import FIELDS_ATTR
from cairn.server.observability.scope import REQUEST_ID_HEADER, request_id_of

log = logging.getLogger("cairn.server")

# Most specific first: the first class an error is an instance of decides.
STATUS_BY_ERROR: tuple[tuple[type[CairnError], int], ...] = (
    (PayloadTooLargeError, 413),
    (OffsetGapError, 409),
    (InvalidInputError, 400),
    (NotFoundError, 404),
    (ConflictError, 409),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (SchemaVersionError, 503),
    (TooBusyError, 429),
)


def status_for(exc: CairnError) -> int:
    """The HTTP status of a Cairn error (500 only for errors outside the table)."""
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return status
    return 500


def error_response(
    request: Request,
    body: dict[str, Any],
    status: int,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A JSON error reply carrying the request's id in its body and ``X-Request-ID`` header."""
    request_id = request_id_of(request.scope)
    if request_id is not None:
        body = {**body, "request_id": request_id}
        # Unhandled errors are answered outside the middleware, which would add the header.
        headers = {**(headers or {}), REQUEST_ID_HEADER: request_id}
    return JSONResponse(body, status_code=status, headers=headers)


def allowed_methods(app: Any, scope: Mapping[str, Any]) -> list[str]:
    """The methods the API routes on ``scope``'s path take (the web app's pages left out)."""
    methods = set()
    for route in app.router.routes:
        if isinstance(route, Mount) or getattr(route, "include_in_schema", True) is False:
            continue
        for method in _METHODS:
            match, _ = route.matches({**scope, "method": method})
            if match == Match.FULL:
                methods.add(method)
    return sorted(methods)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def install_error_handlers(app: FastAPI) -> None:
    """Map Cairn errors to JSON ``{"detail": ...}`` responses with their status."""

    async def on_cairn_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, CairnError)
        body = {"detail": exc.message, **exc.details}
        headers: dict[str, str] | None = None
        if isinstance(exc, AuthenticationError):
            headers = {"WWW-Authenticate": "Bearer"}
        elif isinstance(exc, TooBusyError):
            headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after_s)))}
        return error_response(request, body, status_for(exc), headers)

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"])
        body = {"detail": f"invalid request: {where}: {first['msg']}", "errors": errors}
        return error_response(request, body, 422)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        request_id = request_id_of(request.scope)
        log.exception(
            "unhandled error (request id %s)",
            request_id,
            exc_info=exc,
            extra={FIELDS_ATTR: {"request_id": request_id}},
        )
        return error_response(request, {"detail": "internal server error; see the server log"}, 500)

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        headers = exc.headers
        if exc.status_code == 405:
            # Starlette names only the first route on the path; name every method it takes.
            allowed = allowed_methods(request.app, request.scope)
            headers = {**(headers or {}), "Allow": ", ".join(allowed)}
        return error_response(request, {"detail": exc.detail}, exc.status_code, headers)

    app.add_exception_handler(CairnError, on_cairn_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
