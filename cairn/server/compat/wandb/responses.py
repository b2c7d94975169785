"""Errors in the shape the W&B client reads: ``{"errors": [{"message": ...}]}``."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, ParamSpec

from fastapi.responses import JSONResponse, Response

from cairn.errors import CairnError, OffsetGapError, TooBusyError
from cairn.server.errors import status_for

P = ParamSpec("P")


def wandb_error(message: str, status: int, retry_after_s: float | None = None) -> JSONResponse:
    """An error response the W&B client shows as it is."""
    headers = {"Retry-After": str(max(1, math.ceil(retry_after_s)))} if retry_after_s else None
    return JSONResponse({"errors": [{"message": message}]}, status_code=status, headers=headers)


def error_for(exc: CairnError) -> JSONResponse:
    """A Cairn error as a W&B-shaped response; never 409 (the client does not expect one)."""
    status = status_for(exc)
    if status == 409 or isinstance(exc, OffsetGapError):
        status = 400
    retry = exc.retry_after_s if isinstance(exc, TooBusyError) else None
    return wandb_error(exc.message, status, retry)


def wandb_errors(
    handler: Callable[P, Awaitable[Any]],
) -> Callable[P, Awaitable[Any]]:
    """Route decorator: Cairn errors raised by ``handler`` answer in W&B's error shape."""

    @wraps(handler)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> Any:
        try:
            return await handler(*args, **kwargs)
        except CairnError as exc:
            return error_for(exc)

    return wrapped


__all__ = ["Response", "error_for", "wandb_error", "wandb_errors"]
