"""Content-addressed blob upload (``PUT /api/v1/blobs/{sha256}``) and existence checks."""

from __future__ import annotations

import re
import tempfile
from typing import Annotated, BinaryIO, cast

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from cairn.errors import InvalidInputError
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
        info = await run_in_threadpool(ctx.blobs.put, cast(BinaryIO, spool), sha256)
    finally:
        spool.close()
    await run_in_threadpool(ctx.meta.record_blob, info.sha256, info.size)
    return BlobOut(sha256=info.sha256, size=info.size)


@router.head("/blobs/{sha256}", status_code=200, response_class=Response)
def head_blob(sha256: Sha256, ctx: Ctx, _who: SignedIn) -> Response:
    """200 when the blob is stored (so a client can skip its upload), else 404."""
    size = ctx.blobs.size(sha256)  # NotFoundError → 404; one request on S3
    return Response(status_code=200, headers={"Content-Length": str(size)})
