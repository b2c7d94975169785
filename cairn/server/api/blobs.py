"""Content-addressed blob upload (``PUT /api/v1/blobs/{sha256}``) and existence checks."""

from __future__ import annotations

import re
import tempfile
from typing import Annotated, BinaryIO, cast

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from cairn.errors import ConflictError, InvalidInputError, NotFoundError
from cairn.server.api.bodies import limited_chunks
from cairn.server.api.deps import Ctx, SignedIn

router = APIRouter(prefix="/api/v1", tags=["blobs"])

MAX_BLOB_BYTES = 5 * 1024**3
_SPOOL_BYTES = 8 * 1024 * 1024
Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="sha256 of the content")]


class BlobOut(BaseModel):
    """A stored blob."""

    sha256: str
    size: int


@router.put("/blobs/{sha256}", response_model=BlobOut)
async def put_blob(sha256: Sha256, request: Request, ctx: Ctx, _who: SignedIn) -> BlobOut:
    """Store the request body under its sha256; the body must hash to the path's sha256."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise InvalidInputError("a blob address is 64 lowercase hex digits")
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
    try:
        async for chunk in limited_chunks(request, MAX_BLOB_BYTES):
            spool.write(chunk)
        spool.seek(0)
        try:
            info = await run_in_threadpool(ctx.blobs.put, cast(BinaryIO, spool), sha256)
        except InvalidInputError as exc:  # the address is valid: the content hashes otherwise
            raise ConflictError(exc.message, **exc.details) from None

        def bytes_kept() -> bool:
            # A collection of this blob may have run between put and now: store it again.
            if not ctx.blobs.exists(sha256):
                spool.seek(0)
                ctx.blobs.put(cast(BinaryIO, spool), sha256)
            return True

        await run_in_threadpool(ctx.meta.touch_blob, info.sha256, info.size, bytes_kept)
    finally:
        spool.close()
    return BlobOut(sha256=info.sha256, size=info.size)


@router.head("/blobs/{sha256}", status_code=200, response_class=Response)
def head_blob(sha256: Sha256, ctx: Ctx, _who: SignedIn) -> Response:
    """200 when the blob is stored (so a client can skip its upload), else 404.

    A 200 restarts the blob's grace period against garbage collection.
    """
    if not ctx.meta.touch_blob(sha256, None, lambda: ctx.blobs.exists(sha256)):
        raise NotFoundError(f"blob {sha256} is not stored")
    size = ctx.blobs.size(sha256)  # one request on S3
    return Response(status_code=200, headers={"Content-Length": str(size)})
