"""Many small blobs per request, both ways (design 0017).

``POST /api/v1/blobs/batch`` stores the blobs of one body, each checked against its sha256 and
answered on its own, with the bookkeeping of ``PUT /blobs/{sha256}``. ``POST
/api/v1/projects/{e}/{p}/blobs/batch`` answers the bytes of the blobs the project references,
under the viewer role: the rule of the existence check and of the per-file routes.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, TypeVar

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.api.blobs import SHA256_PATTERN, part_size
from cairn.server.api.bodies import read_body
from cairn.server.api.deps import Ctx, ProjectDep, SignedIn
from cairn.server.auth.principal import Principal
from cairn.server.context import ServerContext
from cairn.server.errors import error_response
from cairn.wire.blobs import (
    BLOBS_CONTENT_TYPE,
    MAX_BATCH_BLOBS,
    MAX_BATCH_BYTES,
    decode_pairs,
    encode_answer,
)

router = APIRouter(prefix="/api/v1", tags=["blobs"])

STORE_THREADS = 16
"""Blobs of one batch written or read at once (an S3 store answers each in milliseconds)."""
_T = TypeVar("_T")
_R = TypeVar("_R")
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def batch_bytes(ctx: ServerContext) -> int:
    """The largest upload batch body: 8 MiB, or the part size when smaller (a proxy in front
    lets a part through, docs/deployment.md)."""
    return min(MAX_BATCH_BYTES, part_size(ctx))


def _map(fn: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
    """``[fn(item) for item in items]`` on the store threads."""
    global _pool
    if len(items) <= 1:
        return [fn(item) for item in items]
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="cairn-blob-batch")
    step = max(1, len(items) // STORE_THREADS)  # a task per item would cost more than a stat
    chunks = [items[start : start + step] for start in range(0, len(items), step)]
    done = _pool.map(lambda chunk: [fn(item) for item in chunk], chunks)
    return [result for chunk in done for result in chunk]


class BlobResult(BaseModel):
    """What became of one blob of a batch: 200 stored, 409 its bytes hash otherwise."""

    sha256: str
    status: int = Field(description="200: stored; 409: the content hashes otherwise, not kept")
    size: int | None = None
    detail: str | None = None
    expected_sha256: str | None = None
    actual_sha256: str | None = None


class BatchOut(BaseModel):
    """Per blob, in the order sent."""

    results: list[BlobResult]


def _store(ctx: ServerContext, who: Principal, pairs: list[tuple[str, bytes]]) -> BatchOut:
    """Store each blob that hashes to its address, then note them all in one transaction."""

    def put(pair: tuple[str, bytes]) -> BlobResult:
        sha, data = pair
        try:
            info = ctx.blobs.put(io.BytesIO(data), sha)
        except InvalidInputError as exc:  # the content hashes otherwise: nothing was kept
            return BlobResult(
                sha256=sha,
                status=409,
                detail=exc.message,
                expected_sha256=exc.details.get("expected_sha256"),
                actual_sha256=exc.details.get("actual_sha256"),
            )
        return BlobResult(sha256=sha, status=200, size=info.size)

    results = _map(put, pairs)
    content = {sha: data for (sha, data), r in zip(pairs, results, strict=True) if r.status == 200}
    sizes = {r.sha256: r.size for r in results if r.size is not None}

    def kept(shas: Sequence[str]) -> set[str]:
        # A collection of a blob may have run between its put and now: store it again.
        def check(sha: str) -> str:
            if not ctx.blobs.exists(sha):
                ctx.blobs.put(io.BytesIO(content[sha]), sha)
            return sha

        return set(_map(check, shas))

    ctx.meta.record_blob_uploads(who, sizes, kept)
    return BatchOut(results=results)


@router.post(
    "/blobs/batch",
    response_model=BatchOut,
    response_model_exclude_none=True,
    responses={413: {"description": "the body is larger than 8 MiB or the part size"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {BLOBS_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def put_blob_batch(request: Request, ctx: Ctx, who: SignedIn) -> BatchOut:
    """Store up to 1,000 small blobs sent as a msgpack array of ``[sha256, bytes]`` pairs
    (at most 8 MiB, or the part size when smaller); each is answered on its own."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type != BLOBS_CONTENT_TYPE:
        raise InvalidInputError(
            f"a blob batch is sent as {BLOBS_CONTENT_TYPE}, not {content_type or 'no type'!r}"
        )
    body = await read_body(request, batch_bytes(ctx))
    pairs = decode_pairs(body)
    return await run_in_threadpool(_store, ctx, who, pairs)


@router.api_route(
    "/blobs/batch",
    methods=["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"],
    include_in_schema=False,
)
def blob_batch_other_methods(request: Request) -> Response:
    """405: without this route ``/blobs/batch`` would be taken for a blob address."""
    return error_response(
        request, {"detail": "use POST for /api/v1/blobs/batch"}, 405, {"Allow": "POST"}
    )


class BatchIn(BaseModel):
    """Blobs to download."""

    blobs: list[Annotated[str, Field(pattern=SHA256_PATTERN)]] = Field(
        min_length=1, max_length=MAX_BATCH_BLOBS, description="sha256 addresses (1 to 1,000)"
    )


@router.post(
    "/projects/{entity}/{project}/blobs/batch",
    response_class=Response,
    responses={
        200: {
            "content": {BLOBS_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": 'msgpack {"blobs": [[sha256, bytes], ...], "missing": [sha256, ...]}',
        }
    },
)
def get_blob_batch(body: BatchIn, project: ProjectDep, ctx: Ctx) -> Response:
    """The bytes of up to 1,000 blobs the project references (8 MiB at most in all); a blob
    not stored or not referenced in the project is listed as missing."""
    wanted = list(dict.fromkeys(body.blobs))
    sizes = ctx.meta.project_blobs(project.pk, wanted)
    total = sum(sizes.values())
    if total > MAX_BATCH_BYTES:
        raise InvalidInputError(
            f"the blobs asked for hold {total} bytes, more than the {MAX_BATCH_BYTES} one answer "
            "carries: ask for fewer, and fetch files over 1 MiB through their own route"
        )

    def read(sha: str) -> bytes | None:
        try:
            return b"".join(ctx.blobs.open(sha))
        except NotFoundError:  # a row without bytes (a lost store): as if not there
            return None

    found = [sha for sha in wanted if sha in sizes]
    contents = _map(read, found)
    sent = [(sha, data) for sha, data in zip(found, contents, strict=True) if data is not None]
    have = {sha for sha, _ in sent}
    missing = [sha for sha in wanted if sha not in have]
    return Response(encode_answer(sent, missing), media_type=BLOBS_CONTENT_TYPE)
