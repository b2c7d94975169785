"""The one table from error class to HTTP status, and the handlers that use it."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

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
)

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
)


def status_for(exc: CairnError) -> int:
    """The HTTP status of a Cairn error (500 only for errors outside the table)."""
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return status
    return 500


def install_error_handlers(app: FastAPI) -> None:
    """Map Cairn errors to JSON ``{"detail": ...}`` responses with their status."""

    async def on_cairn_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, CairnError)
        body = {"detail": exc.message, **exc.details}
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthenticationError) else None
        return JSONResponse(body, status_code=status_for(exc), headers=headers)

    async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"])
        return JSONResponse(
            {"detail": f"invalid request: {where}: {first['msg']}", "errors": errors},
            status_code=422,
        )

    async def on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse({"detail": "internal server error; see the server log"}, 500)

    async def on_http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)

    app.add_exception_handler(CairnError, on_cairn_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
