"""Logged tables, queried on the server: filter, sort, group, page, export (design 0010).

The handlers are plain ``def``s: FastAPI runs them in its thread pool, so parsing a table file
and building its columnar copy never block the event loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.api.deps import MAX_OFFSET, Ctx, ProjectDep, RunDep, Who, resolve_run
from cairn.server.encoding import JSONBytesResponse, json_safe
from cairn.server.store.records import ProjectRecord
from cairn.server.tables import output
from cairn.server.tables.cache import TableCache
from cairn.server.tables.combine import join_runs, stack
from cairn.server.tables.firstpage import first_rows
from cairn.server.tables.load import TypedTable
from cairn.server.tables.query import MAX_LIMIT, MAX_SORT, SortKey, TableRequest, run_query
from cairn.server.tables.service import LoadedTable, load_run_table, table_cache
from cairn.wire import check_key

router = APIRouter(prefix="/api/v1", tags=["tables"])
MAX_RUNS = 20
Cache = Annotated[TableCache, Depends(table_cache)]
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "a header row, then the matching rows"}
}


class SortIn(BaseModel):
    """One sort column."""

    column: str = Field(min_length=1, max_length=1000)
    order: Literal["asc", "desc"] = "asc"


class TableSelect(BaseModel):
    """Which table (key, step) and which of its rows (filter tree and/or text expression)."""

    key: str = Field(min_length=1, max_length=256, description="the table's key")
    step: int | None = Field(None, ge=0, le=MAX_OFFSET, description="default: the latest step")
    filter: dict[str, Any] | None = Field(
        None, description='runs filter tree over columns, e.g. {"score": {"$gt": 0.5}}'
    )
    expr: str | None = Field(
        None, max_length=10_000, description="text filter, e.g. score > 0.5 and label = cat"
    )
    sort: list[SortIn] = Field(default_factory=list, max_length=MAX_SORT)
    group_by: str | None = Field(None, min_length=1, max_length=1000)


class TableQuery(TableSelect):
    """A page of a table's rows."""

    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    limit: int = Field(100, ge=0, le=MAX_LIMIT)


class ProjectTableSelect(TableSelect):
    """The same table key across runs: stacked under ``run``, or joined on ``join_on``."""

    runs: list[str] = Field(min_length=1, max_length=MAX_RUNS)
    join_on: str | None = Field(None, min_length=1, max_length=1000)


class ProjectTableQuery(ProjectTableSelect):
    """A page of the runs' rows."""

    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    limit: int = Field(100, ge=0, le=MAX_LIMIT)


class ColumnOut(BaseModel):
    """A column and its type: number, text, bool, media:<_type> (or media), json."""

    name: str
    type: str


class GroupOut(BaseModel):
    """One value of the group_by column, its row count and number columns' min/max/mean."""

    value: Any
    count: int
    stats: dict[str, dict[str, Any]]


class TableSource(BaseModel):
    """Which step and table file a run's rows came from."""

    run: str
    step: int
    sha256: str


class TablePage(BaseModel):
    """Matching rows (``total``) and one page of them; media cells carry a ``url``."""

    key: str
    step: int | None
    sha256: str | None
    total: int | None = Field(
        description="matching rows; null while partial (the table is still being built)"
    )
    partial: bool = Field(
        False,
        description="true: the first rows of a table whose columnar copy is still being built "
        "(total unknown); ask again for the full answer",
    )
    columns: list[ColumnOut]
    rows: list[list[Any]]
    groups: list[GroupOut] | None = None
    sources: list[TableSource] | None = Field(None, description="cross-run queries: each run's")


def _media_url(entity: str, project: str) -> output.UrlFor:
    def url_for(run_id: str, sha256: str) -> str:
        path = "/".join(quote(p, safe="") for p in (entity, project, run_id))
        return f"/api/v1/runs/{path}/media/{sha256}"

    return url_for


def _request(body: TableSelect, offset: int = 0, limit: int | None = None) -> TableRequest:
    if body.filter is not None and not isinstance(body.filter, dict):
        raise InvalidInputError("filter must be an object")
    check_key(body.key)
    return TableRequest(
        filter=body.filter,
        expr=body.expr,
        sort=tuple(SortKey(s.column, s.order) for s in body.sort),
        group_by=body.group_by,
        offset=offset,
        limit=limit,
    )


def _page(
    table: TypedTable,
    request: TableRequest,
    default_run: str,
    url_for: output.UrlFor,
) -> dict[str, Any]:
    page = run_query(table, request)
    answer: dict[str, Any] = {
        "total": page.total,
        "columns": table.columns,
        "rows": output.json_rows(table, page.rows, default_run, url_for),
    }
    if page.groups is not None and request.group_by is not None:
        kind = table.types[request.group_by]
        run = table.column_runs.get(request.group_by, default_run)
        answer["groups"] = [
            {
                "value": output.group_value(kind, g["value"], run, url_for),
                "count": g["count"],
                "stats": json_safe(g["stats"]),
            }
            for g in page.groups
        ]
    return answer


RUN_TABLES = "/runs/{entity}/{project}/{run_id}/tables"
PROJECT_TABLES = "/projects/{entity}/{project}/tables"


@router.post(f"{RUN_TABLES}/query", response_model=TablePage)
def query_run_table(body: TableQuery, run: RunDep, ctx: Ctx, cache: Cache) -> JSONBytesResponse:
    """A page of a run's logged table (``table-file`` or ``joined-table``), filtered,
    sorted and grouped on the server."""
    request = _request(body, body.offset, body.limit)
    first = None
    if _plain(request):
        first = first_rows(ctx, cache, run, body.key, body.step, body.offset + body.limit)
    if first is not None:
        loaded = first.loaded
    else:
        loaded = load_run_table(ctx, cache, run, body.key, body.step)
    answer = _page(loaded.table, request, run.id, _media_url(run.entity, run.project))
    if first is not None:
        answer["total"] = None
    return JSONBytesResponse(
        {
            "key": body.key,
            "step": loaded.step,
            "sha256": loaded.sha256,
            **answer,
            "partial": first is not None,
        },
        # the full build starts once this answer is sent (its parse holds the GIL)
        background=None if first is None else BackgroundTask(first.start_build),
    )


def _plain(request: TableRequest) -> bool:
    """Rows in file order, unfiltered: a new table's first rows can answer it (partially)."""
    return not (request.filter or request.expr or request.sort or request.group_by)


@router.post(f"{RUN_TABLES}/export", responses=CSV_RESPONSE, response_class=StreamingResponse)
def export_run_table(
    body: TableSelect,
    run: RunDep,
    ctx: Ctx,
    cache: Cache,
    http: Request,
) -> StreamingResponse:
    """Every matching row as CSV (media cells as their URL), in the query's order."""
    request = _request(body)
    loaded = load_run_table(ctx, cache, run, body.key, body.step)
    url_for = _absolute(http, run.entity, run.project)
    return _csv(loaded.table, request, run.id, url_for, body.key)


def _load_runs(
    ctx: Ctx, cache: TableCache, who: Who, project: ProjectRecord, body: ProjectTableSelect
) -> tuple[TypedTable, list[LoadedTable]]:
    if len(set(body.runs)) != len(body.runs):
        raise InvalidInputError("runs: each run may be named once")
    loaded = []
    for run_id in body.runs:
        run = resolve_run(ctx, who, project.entity, project.name, run_id, "viewer")
        found = load_run_table(ctx, cache, run, body.key, body.step, missing_ok=True)
        if found is not None:
            loaded.append(found)
    if not loaded:
        at = "" if body.step is None else f" at step {body.step}"
        raise NotFoundError(f"none of the runs has a value logged under {body.key!r}{at}")
    parts = [(t.run, t.table) for t in loaded]
    table = join_runs(parts, body.join_on) if body.join_on else stack(parts)
    return table, loaded


def _project_request(body: ProjectTableSelect, offset: int, limit: int | None) -> TableRequest:
    request = _request(body, offset, limit)
    if body.join_on and not request.sort:
        # a join's row order is the engine's: sort by the key so pages are stable
        request = TableRequest(
            request.filter, request.expr, (SortKey(body.join_on),), request.group_by, offset, limit
        )
    return request


@router.post(f"{PROJECT_TABLES}/query", response_model=TablePage)
def query_project_table(
    body: ProjectTableQuery,
    project: ProjectDep,
    ctx: Ctx,
    who: Who,
    cache: Cache,
) -> JSONBytesResponse:
    """The same table key across up to 20 runs: rows stacked under a leading ``run`` column,
    or joined on ``join_on`` (other columns named ``<run>/<column>``). Runs without a value
    for the key are left out (``sources`` lists the runs that answered)."""
    request = _project_request(body, body.offset, body.limit)
    table, loaded = _load_runs(ctx, cache, who, project, body)
    answer = _page(table, request, loaded[0].run, _media_url(project.entity, project.name))
    steps = {t.step for t in loaded}
    return JSONBytesResponse(
        {
            "key": body.key,
            "step": steps.pop() if len(steps) == 1 else None,
            "sha256": loaded[0].sha256 if len(loaded) == 1 else None,
            **answer,
            "sources": [{"run": t.run, "step": t.step, "sha256": t.sha256} for t in loaded],
        }
    )


@router.post(f"{PROJECT_TABLES}/export", responses=CSV_RESPONSE, response_class=StreamingResponse)
def export_project_table(
    body: ProjectTableSelect,
    project: ProjectDep,
    ctx: Ctx,
    who: Who,
    cache: Cache,
    http: Request,
) -> StreamingResponse:
    """The cross-run table's matching rows as CSV."""
    request = _project_request(body, 0, None)
    table, loaded = _load_runs(ctx, cache, who, project, body)
    url_for = _absolute(http, project.entity, project.name)
    return _csv(table, request, loaded[0].run, url_for, body.key)


def _absolute(http: Request, entity: str, project: str) -> output.UrlFor:
    base = str(http.base_url).rstrip("/")
    relative = _media_url(entity, project)
    return lambda run_id, sha256: base + relative(run_id, sha256)


def _csv(
    table: TypedTable, request: TableRequest, run: str, url_for: output.UrlFor, key: str
) -> StreamingResponse:
    page = run_query(table, request)
    chunks: Iterator[bytes] = output.csv_chunks(table, page.rows, run, url_for)
    name = quote(key.replace("/", "_"), safe="") + ".csv"
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
    )
