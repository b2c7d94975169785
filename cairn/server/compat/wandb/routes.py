"""The W&B surface's HTTP routes: ``/graphql``, ``file_stream`` and run-file capability URLs.

Left out of the OpenAPI schema (they are W&B's protocol, not Cairn's API); errors in W&B's
shape (design 0016).
"""

from __future__ import annotations

import hashlib
import tempfile
from typing import IO, Any, BinaryIO, Final, cast

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.api.blob_response import blob_response
from cairn.server.api.bodies import limited_chunks, read_body
from cairn.server.api.ingest import sweep_watcher
from cairn.server.auth.principal import Principal
from cairn.server.compat.wandb.caller import default_entity, wandb_caller
from cairn.server.compat.wandb.context import GraphQLContext, engine_of
from cairn.server.compat.wandb.file_stream import apply_file_stream, decode_body
from cairn.server.compat.wandb.responses import wandb_error, wandb_errors
from cairn.server.compat.wandb.streams import CONTROL_STREAM, RunRef
from cairn.server.compat.wandb.tokens import FileGrant, open_grant
from cairn.server.context import ServerContext
from cairn.wire import check_name, check_run_id
from cairn.wire.records import check_file_path, file_record

router = APIRouter(include_in_schema=False)

MAX_GRAPHQL_BODY: Final = 8 * 1024 * 1024
MAX_FILE_STREAM_BODY: Final = 16 * 1024 * 1024
MAX_RUN_FILE_BYTES: Final = 5 * 1024**3
_SPOOL_BYTES: Final = 8 * 1024 * 1024


def _ctx(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.cairn
    return ctx


@router.post("/graphql")
@wandb_errors
async def graphql(request: Request) -> Response:
    """Execute one W&B GraphQL request."""
    ctx = _ctx(request)
    who = await run_in_threadpool(wandb_caller, request, ctx)
    raw = await read_body(request, MAX_GRAPHQL_BODY)
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return wandb_error("a GraphQL request body must be JSON", 400)
    context = GraphQLContext(ctx=ctx, who=who, base_url=str(request.base_url).rstrip("/"))
    outcome = await run_in_threadpool(engine_of(request.app).run, body, context)
    headers = {"Retry-After": str(outcome.retry_after)} if outcome.retry_after else None
    return JSONResponse(outcome.body, status_code=outcome.status, headers=headers)


@router.post("/files/{entity}/{project}/{run_id}/file_stream")
@wandb_errors
async def file_stream(request: Request, entity: str, project: str, run_id: str) -> Response:
    """Apply a W&B run's streamed history, system metrics, summary and console lines."""
    return await _file_stream(request, entity, project, run_id)


@router.post("/files/{project}/{run_id}/file_stream")
@wandb_errors
async def file_stream_default_entity(request: Request, project: str, run_id: str) -> Response:
    """The same, for a client that knows no entity (the caller's own is meant)."""
    return await _file_stream(request, None, project, run_id)


async def _file_stream(request: Request, entity: str | None, project: str, run_id: str) -> Response:
    ctx = _ctx(request)
    who = await run_in_threadpool(wandb_caller, request, ctx)
    ref = RunRef(
        entity=check_name(entity or default_entity(who), "entity"),
        project=check_name(project, "project"),
        run_id=check_run_id(run_id),
    )
    raw = await read_body(request, MAX_FILE_STREAM_BODY)
    body = decode_body(raw, request.headers.get("content-encoding"), MAX_FILE_STREAM_BODY * 8)
    applied = await run_in_threadpool(apply_file_stream, ctx, who, ref, body)
    if applied.sweep_pk is not None:
        sweep_watcher(request).request(applied.sweep_pk)  # hyperband, as after an ingest
    answer: dict[str, Any] = {"exitcode": None, "limits": {}}
    if applied.stop:
        answer["stopped"] = True
    return JSONResponse(answer)


@router.put("/wandb-files/{token}")
@wandb_errors
async def put_run_file(request: Request, token: str) -> Response:
    """Store an uploaded run file (the URL is the capability: no credentials are sent)."""
    ctx = _ctx(request)
    grant = open_grant(ctx.secrets, token)
    if not grant.upload:
        raise InvalidInputError("this URL is for downloading; ask CreateRunFiles for an upload URL")
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
    try:
        digest = hashlib.sha256()
        async for chunk in limited_chunks(request, MAX_RUN_FILE_BYTES):
            digest.update(chunk)
            spool.write(chunk)
        size = spool.tell()
        await run_in_threadpool(
            _keep_run_file, ctx, grant.principal, grant, spool, digest.hexdigest(), size
        )
    finally:
        spool.close()
    return Response(status_code=200)


def _keep_run_file(
    ctx: ServerContext, who: Principal, grant: FileGrant, spool: IO[bytes], sha256: str, size: int
) -> None:
    """Store the bytes, then the run's ``file`` record (on the control stream)."""
    ctx.meta.authorize_write(who, grant.entity, grant.project)
    spool.seek(0)
    ctx.blobs.put(cast(BinaryIO, spool), sha256)

    def bytes_kept() -> bool:
        if not ctx.blobs.exists(sha256):  # collected between put and now: store it again
            spool.seek(0)
            ctx.blobs.put(cast(BinaryIO, spool), sha256)
        return True

    ctx.meta.record_blob_upload(who, sha256, size, bytes_kept)
    ref = RunRef(grant.entity, grant.project, grant.run_id)
    record = file_record(check_file_path(grant.path), sha256, size)
    result = ctx.meta.append_batch(ref.batch(CONTROL_STREAM, 0, [record]), who)
    if result.rejected:
        raise InvalidInputError(f"run file {grant.path!r}: {result.rejected[0]['error']}")


@router.get("/wandb-files/{token}")
@wandb_errors
async def get_run_file(request: Request, token: str) -> Response:
    """A run file's bytes (the URL is the capability)."""
    ctx = _ctx(request)
    grant = open_grant(ctx.secrets, token)
    run = await run_in_threadpool(
        ctx.meta.resolve_run, grant.principal, grant.entity, grant.project, grant.run_id, "viewer"
    )
    sha = await run_in_threadpool(ctx.meta.file_sha256, run.pk, grant.path)
    if sha is None:
        raise NotFoundError(f"run {run.path} has no file {grant.path!r}")
    return await run_in_threadpool(
        blob_response,
        ctx,
        sha,
        grant.path,
        if_none_match=request.headers.get("if-none-match"),
        range_=request.headers.get("range"),
        if_range=request.headers.get("if-range"),
        disposition="attachment",
    )


@router.post("/sdk/otel/v1/{signal}")
async def client_telemetry(signal: str) -> Response:
    """The W&B client's own OpenTelemetry export: accepted and dropped (Cairn keeps no usage
    telemetry), so the client neither retries nor logs failures."""
    return Response(status_code=200)
