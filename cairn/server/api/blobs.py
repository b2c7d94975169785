"""Content-addressed blob upload (``PUT /api/v1/blobs/{sha256}``) and existence checks.

An existence answer reveals nothing the caller could not read: a blob counts as present only
when it is referenced in the named project and the caller can read that project, or when this
caller sent its bytes within the collection grace period (design 0013, "Blobs at scale").
"""

from __future__ import annotations

import math
import re
import tempfile
from typing import Annotated, BinaryIO, cast

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from cairn.errors import ConflictError, InvalidInputError, NotFoundError
from cairn.server.api.bodies import limited_chunks
from cairn.server.api.deps import Ctx, SignedIn
from cairn.server.context import ServerContext
from cairn.server.errors import error_response

router = APIRouter(prefix="/api/v1", tags=["blobs"])

MAX_BLOB_BYTES = 5 * 1024**3
MAX_MISSING_CHECK = 10_000
_SPOOL_BYTES = 8 * 1024 * 1024
_MAX_PARTS = 10_000
SHA256_PATTERN = r"^[0-9a-f]{64}$"
PROJECT_PATTERN = r"^[^/]{1,128}/[^/]{1,128}$"
Sha256 = Annotated[str, Path(pattern=SHA256_PATTERN, description="sha256 of the content")]
ProjectPath = Annotated[str, Field(pattern=PROJECT_PATTERN, description="entity/project")]


class BlobOut(BaseModel):
    """A stored blob."""

    sha256: str
    size: int


class MissingIn(BaseModel):
    """Blobs a client is about to reference in a project."""

    project: ProjectPath
    blobs: list[Annotated[str, Field(pattern=SHA256_PATTERN)]] = Field(
        max_length=MAX_MISSING_CHECK, description="sha256 addresses (at most 10,000)"
    )


class MissingOut(BaseModel):
    """Which of the blobs the client must upload, and the size past which it goes in parts."""

    missing: list[str]
    part_size: int = Field(
        description="blobs larger than this go up through POST /api/v1/uploads in parts"
    )


def part_size(ctx: ServerContext, size: int | None = None) -> int:
    """The part size of an upload of ``size`` bytes: the setting, at least the store's
    smallest part, grown to keep an upload within 10,000 parts."""
    chosen = max(ctx.settings.upload_part_mb * 1024 * 1024, ctx.blobs.min_part_bytes)
    if size is not None:
        chosen = max(chosen, math.ceil(size / _MAX_PARTS))
    return chosen


@router.post("/blobs/missing", response_model=MissingOut)
def missing_blobs(body: MissingIn, ctx: Ctx, who: SignedIn) -> MissingOut:
    """The blobs among ``blobs`` the client must upload before referencing them in ``project``.

    The ones reported present had their grace period against collection restarted.
    """
    present = ctx.meta.present_blobs(who, body.project, body.blobs, ctx.settings.gc_grace_s)
    missing = [sha for sha in dict.fromkeys(body.blobs) if sha not in present]
    return MissingOut(missing=missing, part_size=part_size(ctx))


@router.api_route(
    "/blobs/missing",
    methods=["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"],
    include_in_schema=False,
)
def missing_blobs_other_methods(request: Request) -> Response:
    """405: without this route ``/blobs/missing`` would be taken for a blob address."""
    return error_response(
        request, {"detail": "use POST for /api/v1/blobs/missing"}, 405, {"Allow": "POST"}
    )


@router.put("/blobs/{sha256}", response_model=BlobOut)
async def put_blob(sha256: Sha256, request: Request, ctx: Ctx, who: SignedIn) -> BlobOut:
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

        await run_in_threadpool(
            ctx.meta.record_blob_upload, who, info.sha256, info.size, bytes_kept
        )
    finally:
        spool.close()
    return BlobOut(sha256=info.sha256, size=info.size)


@router.head("/blobs/{sha256}", status_code=200, response_class=Response)
def head_blob(
    sha256: Sha256,
    ctx: Ctx,
    who: SignedIn,
    project: Annotated[
        str | None,
        Query(
            pattern=PROJECT_PATTERN,
            description="entity/project: count the blob when that project references it",
        ),
    ] = None,
) -> Response:
    """200 when the caller may skip uploading the blob (the rule of ``POST /blobs/missing``;
    without ``project`` only the caller's own recent uploads count), else 404.

    A 200 restarts the blob's grace period against garbage collection.
    """
    present = ctx.meta.present_blobs(
        who, project, [sha256], ctx.settings.gc_grace_s, verify=ctx.blobs.exists
    )
    if not present:
        raise NotFoundError(f"blob {sha256} is not stored")
    size = ctx.blobs.size(sha256)  # one request on S3
    return Response(status_code=200, headers={"Content-Length": str(size)})
