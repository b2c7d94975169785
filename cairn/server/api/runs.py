"""Runs: read, edit, move, delete one run; its console output and files."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from cairn.errors import NotFoundError
from cairn.server.api.deps import MAX_OFFSET, Ctx, RunDep, RunWriteDep
from cairn.server.api.downloads import store_redirect
from cairn.server.encoding import JSONBytesResponse, json_safe
from cairn.server.store.records import RunRecord
from cairn.wire import check_file_path
from cairn.wire.batch import NAME_PATTERN

router = APIRouter(prefix="/api/v1", tags=["runs"])

RUN_PATH = "/runs/{entity}/{project}/{run_id}"
MAX_CONSOLE_PAGE = 10_000
MAX_FILES_PAGE = 5000


class RunOut(BaseModel):
    """A run's metadata."""

    entity: str
    project: str
    id: str
    path: str
    name: str
    state: str
    config: dict[str, Any]
    summary: dict[str, Any]
    tags: list[str]
    group: str | None
    job_type: str | None
    notes: str
    host: str | None
    git: dict[str, Any] | None
    meta: dict[str, Any] | None
    created_at: float
    updated_at: float
    heartbeat_at: float
    finished_at: float | None
    exit_code: int | None
    last_step: int | None
    archived_at: float | None
    sweep: str | None = Field(None, description="the id of the sweep that handed the run out")


class RunEdit(BaseModel):
    """Fields of a run a user can change; ``project`` moves it within its entity."""

    archived: bool | None = Field(None, description="hide from default listings, or restore")

    name: str | None = Field(None, min_length=1, max_length=256)
    tags: list[Annotated[str, Field(min_length=1, max_length=256)]] | None = Field(
        None, max_length=1000
    )
    notes: str | None = Field(None, max_length=100_000)
    group: str | None = Field(None, max_length=256)
    job_type: str | None = Field(None, max_length=256)
    project: str | None = Field(None, pattern=NAME_PATTERN, max_length=128)
    state: Literal["finished", "failed", "killed", "crashed"] | None = Field(
        None, description="end a running run (e.g. an agent whose trial died before reporting)"
    )
    exit_code: int | None = Field(
        None, ge=-(2**31), le=2**31 - 1, description="with state: the process's exit code"
    )


class ConsoleLineOut(BaseModel):
    """One console line."""

    line: int
    stream: str
    time: float
    text: str


class ConsolePage(BaseModel):
    """A page of console lines and the total number of lines."""

    lines: list[ConsoleLineOut]
    total: int


class FileOut(BaseModel):
    """A file saved with a run."""

    path: str
    sha256: str
    size: int
    updated_at: float


class FileList(BaseModel):
    """A page of a run's files by path; pass ``next_after`` back as ``after`` (null: the end)."""

    files: list[FileOut]
    next_after: str | None


def run_out(run: RunRecord) -> dict[str, Any]:
    """JSON shape of a run (non-finite summary values as strings)."""
    return {
        "entity": run.entity,
        "project": run.project,
        "id": run.id,
        "path": run.path,
        "name": run.name,
        "state": run.state,
        "config": json_safe(run.config),
        "summary": json_safe(run.summary),
        "tags": run.tags,
        "group": run.group,
        "job_type": run.job_type,
        "notes": run.notes,
        "host": run.host,
        "git": run.git,
        "meta": run.meta,
        "created_at": run.created_at,
        "updated_at": run.updated_at,
        "heartbeat_at": run.heartbeat_at,
        "finished_at": run.finished_at,
        "exit_code": run.exit_code,
        "last_step": run.last_step,
        "archived_at": run.archived_at,
        "sweep": run.sweep,
    }


@router.get(RUN_PATH, response_model=RunOut)
def read_run(run: RunDep) -> JSONBytesResponse:
    """One run."""
    return JSONBytesResponse(run_out(run))


@router.patch(RUN_PATH, response_model=RunOut)
def patch_run(run: RunWriteDep, edit: RunEdit, ctx: Ctx) -> JSONBytesResponse:
    """Rename, re-tag, annotate, regroup, move a run, or end a running one (state, exit_code)."""
    changes = edit.model_dump(exclude_unset=True, exclude={"project"})
    return JSONBytesResponse(run_out(ctx.meta.update_run(run, changes, edit.project)))


@router.delete(RUN_PATH, status_code=204, response_class=Response)
def remove_run(run: RunWriteDep, ctx: Ctx) -> Response:
    """Delete a run with its history, console output and file references."""
    ctx.meta.delete_run(run.pk)
    return Response(status_code=204)


@router.get(RUN_PATH + "/console", response_model=ConsolePage)
def read_console(
    run: RunDep,
    ctx: Ctx,
    start: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_CONSOLE_PAGE)] = 1000,
) -> JSONBytesResponse:
    """Console lines ``start`` .. ``start + limit`` (line numbers count from 0)."""
    lines, total = ctx.meta.read_console(run.pk, start, limit)
    return JSONBytesResponse({"lines": [asdict(line) for line in lines], "total": total})


@router.get(RUN_PATH + "/files", response_model=FileList)
def list_files(
    run: RunDep,
    ctx: Ctx,
    prefix: Annotated[str, Query(max_length=1024, description="only paths starting so")] = "",
    after: Annotated[
        str | None, Query(max_length=1024, description="cursor: next_after of the last page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_FILES_PAGE)] = 1000,
) -> JSONBytesResponse:
    """A page of the files saved with a run, by path."""
    files = ctx.meta.list_files(run.pk, prefix=prefix, after=after, limit=limit)
    next_after = files[-1].path if len(files) == limit else None
    return JSONBytesResponse({"files": [asdict(f) for f in files], "next_after": next_after})


@router.get(
    RUN_PATH + "/files/{path:path}",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}},
        307: {"description": "the bytes are at the store (a presigned URL; S3 stores)"},
    },
)
def download_file(
    run: RunDep, ctx: Ctx, path: Annotated[str, Path(max_length=1024, description="file path")]
) -> Response:
    """The content of one of a run's files (or a redirect to it in an S3 store)."""
    check_file_path(path)
    sha = ctx.meta.file_sha256(run.pk, path)
    if sha is None:
        raise NotFoundError(f"run {run.path} has no file {path!r}")
    name = path.rsplit("/", 1)[-1]
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
    disposition = f'attachment; filename="{safe}"'
    redirect = store_redirect(ctx, sha, "application/octet-stream", disposition)
    if redirect is not None:
        return redirect
    chunks = ctx.blobs.open(sha)
    return StreamingResponse(
        chunks,
        media_type="application/octet-stream",
        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"},
    )
