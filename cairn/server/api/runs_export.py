"""Exporting a project's runs as CSV: every run a filter matches, in order, streamed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from cairn.errors import InvalidInputError
from cairn.server.api.deps import Ctx, ProjectDep
from cairn.server.api.runs_list import ArchivedParam, combined_filter
from cairn.server.runs_csv import MAX_COLUMNS, check_columns, header_text, runs_text
from cairn.server.store.metadata import MetadataStore
from cairn.server.store.records import ProjectRecord

router = APIRouter(prefix="/api/v1", tags=["runs"])
PAGE = 1000  # runs per database read; each read is its own short transaction
CSV_PATH = "/projects/{entity}/{project}/runs.csv"
_CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "header line, then one line per run"}
}


class RunsExportBody(BaseModel):
    """The POST form of an export, for filters too long for a URL."""

    filters: dict[str, Any] | None = Field(None, description="filter tree")
    expression: str | None = Field(None, max_length=10_000, description="text filter")
    order: str | None = Field(None, max_length=320, description='e.g. "-summary.acc"')
    columns: list[Annotated[str, Field(max_length=320)]] | None = Field(
        None, max_length=MAX_COLUMNS, description='e.g. ["name", "config.lr", "summary.acc"]'
    )
    archived: ArchivedParam = "exclude"


@router.get(CSV_PATH, response_class=StreamingResponse, responses=_CSV_RESPONSE)
def export_runs_get(
    project: ProjectDep,
    ctx: Ctx,
    filters: Annotated[
        str | None, Query(max_length=1500, description="filter tree as JSON (longer: POST)")
    ] = None,
    expression: Annotated[str | None, Query(max_length=1000)] = None,
    order: Annotated[str | None, Query(max_length=320)] = None,
    columns: Annotated[
        list[Annotated[str, Field(max_length=320)]] | None,
        Query(max_length=100, description="column ids, repeated (more: POST)"),
    ] = None,
    archived: ArchivedParam = "exclude",
) -> StreamingResponse:
    """Matching runs as CSV, one line per run, the columns in the order given."""
    tree: dict[str, Any] | None = None
    if filters:
        try:
            tree = orjson.loads(filters)
        except orjson.JSONDecodeError as exc:
            raise InvalidInputError(f"filters is not valid JSON: {exc}") from None
        if not isinstance(tree, dict):
            raise InvalidInputError("filters must be a JSON object")
    body = RunsExportBody(
        filters=tree, expression=expression, order=order, columns=columns, archived=archived
    )
    return _export(project, body, ctx.meta)


@router.post(CSV_PATH, response_class=StreamingResponse, responses=_CSV_RESPONSE)
def export_runs_post(project: ProjectDep, body: RunsExportBody, ctx: Ctx) -> StreamingResponse:
    """The same as the GET export, with the query in a JSON body."""
    return _export(project, body, ctx.meta)


def _export(project: ProjectRecord, body: RunsExportBody, meta: MetadataStore) -> StreamingResponse:
    columns = check_columns(body.columns)
    tree = combined_filter(body.filters, body.expression)
    # The first page is read before the response starts, so a bad filter is still a 400.
    first = meta.query_runs(project, tree, body.order, limit=PAGE, archived=body.archived)

    def lines() -> Iterator[str]:
        yield header_text(columns)
        page = first
        while True:
            yield runs_text(page.runs, columns)
            if page.next_cursor is None:
                return
            page = meta.query_runs(
                project,
                tree,
                body.order,
                limit=PAGE,
                cursor=page.next_cursor,
                archived=body.archived,
            )

    filename = f"{project.entity}-{project.name}-runs.csv"  # names are [A-Za-z0-9._-]
    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
