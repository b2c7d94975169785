"""Listing a project's runs: filter, sort, keyset pages or offset windows, chosen keys."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from cairn.errors import InvalidInputError
from cairn.server.api.deps import MAX_OFFSET, Ctx, ProjectDep, ProjectMemberDep
from cairn.server.api.runs import RunOut, run_out
from cairn.server.encoding import JSONBytesResponse, json_safe
from cairn.server.query.filters import parse_field, validate
from cairn.server.query.groups import MAX_AGGREGATES, MAX_GROUPS, parse_group_field
from cairn.server.query.runs import MAX_LIMIT
from cairn.server.store.metadata import MAX_BULK
from cairn.server.store.records import ProjectRecord
from cairn.wire.batch import NAME_PATTERN

router = APIRouter(prefix="/api/v1", tags=["runs"])
ArchivedParam = Literal["exclude", "include", "only"]
CURSOR_PATTERN = r"^[A-Za-z0-9_.=-]*$"
"""Cursors are URL-safe base64 (``cairn.server.query.cursor``)."""


class RunsQueryBody(BaseModel):
    """A runs query: a filter tree and/or a text expression, an order, a page."""

    filters: dict[str, Any] | None = Field(
        None, description='filter tree, e.g. {"config.lr": {"$gt": 0.01}, "state": "finished"}'
    )
    expression: str | None = Field(
        None,
        max_length=10_000,
        description="text filter, e.g. config.lr > 0.01 and state = finished",
    )
    order: str | None = Field(None, max_length=320, description='e.g. "-summary.acc"')
    cursor: str | None = Field(None, max_length=4096, pattern=CURSOR_PATTERN)
    offset: int | None = Field(
        None, ge=0, le=MAX_OFFSET, description="offset window mode (returns total)"
    )
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    keys: list[str] | None = Field(
        None, max_length=500, description="only these config./summary. keys (default: all)"
    )
    archived: ArchivedParam = Field("exclude", description="archived runs: exclude, include, only")


class GroupsQueryBody(BaseModel):
    """Group the runs a filter matches by one field, with aggregates of numeric keys."""

    filters: dict[str, Any] | None = None
    expression: str | None = Field(None, max_length=10_000)
    group_by: str = Field(max_length=320, description='e.g. "config.optimizer" or "job_type"')
    aggregate: list[str] = Field(
        default_factory=list, max_length=MAX_AGGREGATES, description='e.g. ["summary.acc"]'
    )
    limit: int = Field(MAX_GROUPS, ge=1, le=MAX_GROUPS)
    archived: ArchivedParam = "exclude"


class AggregateOut(BaseModel):
    """Mean, min and max over the group's runs that have a number for the key."""

    mean: float | str | None
    min: float | str | None
    max: float | str | None
    count: int


class GroupOut(BaseModel):
    """One group: its value (null: runs without one), size, runs filter and aggregates."""

    value: Any
    count: int
    filter: dict[str, Any]
    aggregates: dict[str, AggregateOut]


class GroupsOut(BaseModel):
    """Groups, largest first; ``truncated`` when there were more than ``limit``."""

    group_by: str
    groups: list[GroupOut]
    truncated: bool


class RunsPageOut(BaseModel):
    """A page of runs; ``next_cursor`` continues a keyset page, ``total`` comes with offsets."""

    runs: list[RunOut]
    next_cursor: str | None
    total: int | None


def combined_filter(filters: dict[str, Any] | None, expression: str | None) -> Any:
    """The tree and the parsed text filter ANDed (None when neither is given)."""
    parts = []
    if filters:
        parts.append(filters)
    if expression and expression.strip():
        from cairn.server.query.expression import parse_expression

        parts.append(parse_expression(expression))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _pick(mapping: dict[str, Any], prefix: str, keys: list[str] | None) -> dict[str, Any]:
    if keys is None:
        return mapping
    wanted = [k[len(prefix) :] for k in keys if k.startswith(prefix)]
    out: dict[str, Any] = {}
    for key in wanted:
        node: Any = mapping
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            out[key] = node
    return out


def _run_query(project: ProjectRecord, body: RunsQueryBody, ctx: Ctx) -> JSONBytesResponse:
    result = ctx.meta.query_runs(
        project,
        combined_filter(body.filters, body.expression),
        body.order,
        limit=body.limit,
        cursor=body.cursor,
        offset=body.offset,
        archived=body.archived,
    )
    out = []
    for run in result.runs:
        item = run_out(run)
        item["config"] = _pick(item["config"], "config.", body.keys)
        item["summary"] = _pick(item["summary"], "summary.", body.keys)
        out.append(item)
    return JSONBytesResponse(
        {"runs": out, "next_cursor": result.next_cursor, "total": result.total}
    )


@router.get("/projects/{entity}/{project}/runs", response_model=RunsPageOut)
def list_runs(
    project: ProjectDep,
    ctx: Ctx,
    filters: Annotated[
        str | None,
        Query(max_length=1500, description="filter tree as JSON (longer: POST .../runs/query)"),
    ] = None,
    expression: Annotated[str | None, Query(max_length=1000)] = None,
    order: Annotated[str | None, Query(max_length=320)] = None,
    cursor: Annotated[str | None, Query(max_length=4096, pattern=CURSOR_PATTERN)] = None,
    offset: Annotated[int | None, Query(ge=0, le=MAX_OFFSET)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    keys: Annotated[
        list[Annotated[str, Field(max_length=128)]] | None,
        Query(max_length=10, description="more keys: POST .../runs/query"),
    ] = None,
    archived: ArchivedParam = "exclude",
) -> JSONBytesResponse:
    """Runs of a project, filtered and sorted in the database (see docs/filter-language.md)."""
    tree: dict[str, Any] | None = None
    if filters:
        try:
            tree = orjson.loads(filters)
        except orjson.JSONDecodeError as exc:
            raise InvalidInputError(f"filters is not valid JSON: {exc}") from None
        if not isinstance(tree, dict):
            raise InvalidInputError("filters must be a JSON object")
    body = RunsQueryBody(
        filters=tree,
        expression=expression,
        order=order,
        cursor=cursor,
        offset=offset,
        limit=limit,
        keys=keys,
        archived=archived,
    )
    return _run_query(project, body, ctx)


@router.post("/projects/{entity}/{project}/runs/groups", response_model=GroupsOut)
def group_runs(project: ProjectDep, body: GroupsQueryBody, ctx: Ctx) -> JSONBytesResponse:
    """Group the matching runs by a config/summary key or a column, largest group first.

    Each group carries ``filter``: the tree that selects its runs, to AND with the page filter.
    """
    node = validate(combined_filter(body.filters, body.expression))
    field = parse_group_field(body.group_by)
    aggregate = [parse_field(name, where="aggregate") for name in dict.fromkeys(body.aggregate)]
    groups, truncated = ctx.meta.group_runs(
        project.pk, node, field, aggregate, body.limit, body.archived
    )
    out = [
        {
            "value": json_safe(g.value),
            "count": g.count,
            "filter": g.filter,
            "aggregates": {k: json_safe(asdict(a)) for k, a in g.aggregates.items()},
        }
        for g in groups
    ]
    return JSONBytesResponse({"group_by": body.group_by, "groups": out, "truncated": truncated})


@router.post("/projects/{entity}/{project}/runs/query", response_model=RunsPageOut)
def query_runs(project: ProjectDep, body: RunsQueryBody, ctx: Ctx) -> JSONBytesResponse:
    """The same as the GET listing, with the query in a JSON body (for long filters)."""
    return _run_query(project, body, ctx)


class BulkAction(BaseModel):
    """One change to many runs of the project, all or nothing."""

    runs: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=MAX_BULK, description="run ids in this project"
    )
    action: Literal["tag", "untag", "archive", "restore", "move", "delete"]
    tags: list[Annotated[str, Field(min_length=1, max_length=256)]] = Field(
        default_factory=list, max_length=100, description="for tag and untag"
    )
    project: str | None = Field(
        None,
        pattern=NAME_PATTERN,
        max_length=128,
        description="for move: target project of the entity",
    )


class BulkResult(BaseModel):
    """How many runs changed."""

    changed: int


@router.post(
    "/projects/{entity}/{project}/runs/bulk",
    response_model=BulkResult,
    responses={
        404: {"description": "a run is not in the project (nothing changed)"},
        409: {"description": "move: a run id is taken in the target project"},
    },
)
def bulk_runs(project: ProjectMemberDep, body: BulkAction, ctx: Ctx) -> dict[str, int]:
    """Tag, untag, archive, restore, move or delete the given runs in one transaction."""
    if body.action in ("tag", "untag") and not body.tags:
        raise InvalidInputError(f"{body.action} needs tags")
    if body.action == "move" and not body.project:
        raise InvalidInputError("move needs project: the target project's name")
    if body.action == "delete":
        return {"changed": ctx.meta.bulk_delete_runs(project, body.runs)}
    changed = ctx.meta.bulk_update_runs(
        project,
        body.runs,
        add_tags=body.tags if body.action == "tag" else (),
        remove_tags=body.tags if body.action == "untag" else (),
        archived={"archive": True, "restore": False}.get(body.action),
        move_to=body.project if body.action == "move" else None,
    )
    return {"changed": changed}
