"""Resumable multipart blob uploads (``/api/v1/uploads``), design 0013 "Blobs at scale".

A client opens a session for one blob, sends its parts (through the server, or straight to the
store at presigned URLs when the store gives them), then completes it: the server hashes the
joined content and keeps it as a blob only when it hashes to the session's sha256. Asking for
a session again (same caller, same blob) resumes it: ``parts_done`` lists what arrived. Parts
are at most the server's part size, so no request outgrows a proxy's body limit.
"""

from __future__ import annotations

import contextlib
import tempfile
from typing import Annotated, BinaryIO, cast

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from cairn.errors import ConflictError, InvalidInputError, NotFoundError
from cairn.server.api.blobs import SHA256_PATTERN, BlobOut, ProjectPath, part_size
from cairn.server.api.bodies import limited_chunks
from cairn.server.api.deps import Ctx, SignedIn
from cairn.server.context import ServerContext
from cairn.server.store.uploads import UploadSession

router = APIRouter(prefix="/api/v1", tags=["blobs"])

MAX_UPLOAD_BYTES = 5 * 1024**4
"""The largest blob an upload takes (S3's largest object)."""
PART_URL_EXPIRES_S = 6 * 3600
_SPOOL_BYTES = 8 * 1024 * 1024
UploadId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="the upload's id")]
PartNumber = Annotated[int, Path(ge=1, le=10_000, description="1-based part number")]


class UploadIn(BaseModel):
    """A blob to upload in parts."""

    sha256: str = Field(pattern=SHA256_PATTERN)
    size: int = Field(ge=1, le=MAX_UPLOAD_BYTES)
    project: ProjectPath


class UploadOut(BaseModel):
    """An upload session: send parts ``1..ceil(size / part_size)`` not in ``parts_done``."""

    id: str
    part_size: int
    parts_done: list[int]
    urls: dict[int, str] | None = Field(
        default=None,
        description="part number → presigned URL to PUT the part to directly (S3 stores); "
        "absent: PUT parts to /api/v1/uploads/{id}/parts/{n}",
    )


class PartOut(BaseModel):
    """A staged part."""

    number: int
    size: int


def _abort(ctx: ServerContext, session: UploadSession) -> None:
    with contextlib.suppress(Exception):  # housekeeping drops whatever stays behind
        ctx.blobs.abort_upload(session.id, session.handle)


def _answer(ctx: ServerContext, session: UploadSession) -> UploadOut:
    staged = ctx.blobs.uploaded_parts(session.id, session.handle)
    sizes = session.part_sizes
    done = [n for n, size in enumerate(sizes, 1) if staged.get(n) == size]
    todo = [n for n in range(1, len(sizes) + 1) if staged.get(n) != sizes[n - 1]]
    urls = ctx.blobs.part_urls(session.id, session.handle, todo, PART_URL_EXPIRES_S)
    return UploadOut(id=session.id, part_size=session.part_size, parts_done=done, urls=urls)


@router.post("/uploads", response_model=UploadOut, response_model_exclude_none=True)
def open_upload(body: UploadIn, ctx: Ctx, who: SignedIn) -> UploadOut:
    """Start an upload of one blob, or resume the caller's unexpired one of the same blob.

    Needs write access to ``project`` (where the blob will be referenced). A session expires
    a day after it was last opened; its staged parts are then dropped.
    """
    session, replaced = ctx.meta.open_upload(
        who,
        body.sha256,
        body.size,
        body.project,
        part_size(ctx, body.size),
        ctx.blobs.begin_upload,
    )
    if replaced is not None:
        _abort(ctx, replaced)
    return _answer(ctx, session)


@router.put("/uploads/{upload_id}/parts/{number}", response_model=PartOut)
async def put_part(
    upload_id: UploadId, number: PartNumber, request: Request, ctx: Ctx, who: SignedIn
) -> PartOut:
    """Stage part ``number``: exactly ``part_size`` bytes, the last part the rest."""
    session = await run_in_threadpool(ctx.meta.upload_session, who, upload_id)
    sizes = session.part_sizes
    if number > len(sizes):
        raise InvalidInputError(f"part {number} is past the last part ({len(sizes)}) of the upload")
    length = sizes[number - 1]
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
    try:
        async for chunk in limited_chunks(request, length):
            spool.write(chunk)
        spool.seek(0)
        await run_in_threadpool(
            ctx.blobs.put_part, session.id, session.handle, number, cast(BinaryIO, spool), length
        )
    finally:
        spool.close()
    return PartOut(number=number, size=length)


@router.post("/uploads/{upload_id}/complete", response_model=BlobOut)
def complete_upload(upload_id: UploadId, ctx: Ctx, who: SignedIn) -> BlobOut:
    """Join the parts into the blob after checking that the whole hashes to its sha256.

    409 naming the missing parts (the session stays), or naming both hashes when the content
    hashes otherwise (nothing is kept; the session ends).
    """
    session = ctx.meta.upload_session(who, upload_id)

    def join() -> BlobOut:
        info = ctx.blobs.complete_upload(
            session.id, session.handle, session.part_sizes, session.sha256
        )
        return BlobOut(sha256=info.sha256, size=info.size)

    try:
        out = join()
    except InvalidInputError as exc:
        if "actual_sha256" in exc.details:
            _abort(ctx, session)
            ctx.meta.end_upload(session.id)
        raise ConflictError(exc.message, **exc.details) from None

    def bytes_kept() -> bool:
        # A collection of this blob may have run since it was joined: join it again.
        return ctx.blobs.exists(session.sha256) or join().sha256 == session.sha256

    ctx.meta.record_blob_upload(who, out.sha256, out.size, bytes_kept)
    _abort(ctx, session)  # the staged parts are not needed any more
    ctx.meta.end_upload(session.id)
    return out


@router.delete("/uploads/{upload_id}", status_code=204, response_class=Response)
def abort_upload(upload_id: UploadId, ctx: Ctx, who: SignedIn) -> Response:
    """Drop an upload and its staged parts."""
    try:
        session = ctx.meta.upload_session(who, upload_id)
    except NotFoundError:
        return Response(status_code=204)
    _abort(ctx, session)
    ctx.meta.end_upload(session.id)
    return Response(status_code=204)
