"""``POST /api/v1/ingest``: apply a batch of records exactly once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from cairn.errors import InvalidInputError
from cairn.server.api.bodies import read_body
from cairn.server.api.deps import Ctx, Who
from cairn.server.api.gate import IngestGate
from cairn.server.auth.principal import Principal
from cairn.server.observability import observe_ingest
from cairn.server.store.metadata import MetadataStore
from cairn.server.store.records import IngestResult
from cairn.server.sweep_watch import SweepWatcher
from cairn.server.tables.prebuild import TablePrebuilder, table_jobs
from cairn.wire import CONTENT_TYPE, decode_batch
from cairn.wire.batch import Batch

router = APIRouter(prefix="/api/v1", tags=["ingest"])


def _gate(request: Request, limit: int) -> IngestGate:
    gate: IngestGate | None = getattr(request.app.state, "ingest_gate", None)
    if gate is None:
        gate = request.app.state.ingest_gate = IngestGate(limit)
    return gate


def sweep_watcher(request: Request) -> SweepWatcher:
    """The app's watcher that runs hyperband after trial batches (made on first use)."""
    watcher: SweepWatcher | None = getattr(request.app.state, "sweep_watcher", None)
    if watcher is None:
        watcher = request.app.state.sweep_watcher = SweepWatcher(request.app.state.cairn.meta)
    return watcher


class Rejection(BaseModel):
    """A record the server could not apply, and why."""

    offset: int
    kind: str | None
    error: str


class AppliedArtifactOut(BaseModel):
    """An artifact record this batch applied: the version it made or matched."""

    id: str = Field(description="the record's client id")
    name: str
    version: str = Field(description="vN")
    digest: str


class IngestResponse(BaseModel):
    """The stream's next expected offset after this batch."""

    next_offset: int
    applied: int
    skipped: int
    rejected: list[Rejection]
    public_url: str | None = Field(
        None, description="the server's --public-url, for the run links the SDK prints"
    )
    stop: bool = Field(
        False,
        description="the run is asked to stop (web app, sweep cancel, hyperband): end it killed",
    )
    stop_reason: str | None = Field(
        None, description="with stop: user, early_terminate or sweep (the run's meta.stop_reason)"
    )
    artifacts: list[AppliedArtifactOut] = Field(
        default_factory=list, description="artifact records applied by this batch (wire v2)"
    )


def _apply(
    meta: MetadataStore, batch: Batch, who: Principal, prebuilder: TablePrebuilder | None
) -> IngestResult:
    """Apply the batch (one transaction), then queue its tables for a background build."""
    result = meta.apply_batch(batch, who)
    if prebuilder is not None and result.applied:
        # committed: the worker sees the values; submit never blocks
        prebuilder.submit(table_jobs(batch, who))
    return result


@router.post(
    "/ingest",
    response_model=IngestResponse,
    responses={
        400: {"description": "malformed batch"},
        409: {"description": "offset gap: resend from expected_offset"},
        413: {"description": "batch too large"},
        429: {"description": "busy: send again after Retry-After seconds"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def ingest(request: Request, ctx: Ctx, who: Who) -> dict[str, Any]:
    """Apply a zstd-compressed msgpack batch (see docs/wire-protocol.md)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type != CONTENT_TYPE:
        raise InvalidInputError(f"ingest expects Content-Type {CONTENT_TYPE}, got {content_type!r}")
    with _gate(request, ctx.settings.max_ingest_in_progress).admit():
        body = await read_body(request, ctx.settings.max_body_bytes)
        batch = decode_batch(body)
        prebuilder: TablePrebuilder | None = getattr(request.app.state, "table_prebuilder", None)
        result = await observe_ingest(
            batch, run_in_threadpool(_apply, ctx.meta, batch, who, prebuilder)
        )
    if result.sweep_pk is not None:
        sweep_watcher(request).request(result.sweep_pk)
    return {
        "next_offset": result.next_offset,
        "applied": result.applied,
        "skipped": result.skipped,
        "rejected": result.rejected,
        "public_url": ctx.settings.public_url.rstrip("/") if ctx.settings.public_url else None,
        "stop": result.stop,
        "stop_reason": result.stop_reason,
        "artifacts": result.artifacts,
    }
