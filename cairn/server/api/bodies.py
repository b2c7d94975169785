"""Reading request bodies with a size limit enforced before anything is buffered."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import Request

from cairn.errors import PayloadTooLargeError


async def limited_chunks(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The body's chunks; PayloadTooLargeError as soon as it declares or reaches ``limit``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(
            f"request body of {declared} bytes exceeds the {limit}-byte limit"
        )
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"request body exceeds the {limit}-byte limit")
        yield chunk


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, at most ``limit`` bytes."""
    return b"".join([chunk async for chunk in limited_chunks(request, limit)])
