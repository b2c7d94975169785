"""The Public API's reads of projects, runs and run files (``wandb.Api()``), and run deletion.

Every read resolves the project or run with the caller's ``viewer`` role, as Cairn's own API
does; runs are filtered, sorted and paged by Cairn's runs query, W&B's filter tree translated
(``filters.py``).
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from typing import Any, Final

from cairn.errors import InvalidInputError
from cairn.server.compat.wandb.caller import default_entity
from cairn.server.compat.wandb.context import GraphQLContext, Info, context_of
from cairn.server.compat.wandb.engine import field, mutation, query
from cairn.server.compat.wandb.filters import cairn_filters, cairn_order, iso_time
from cairn.server.compat.wandb.resolvers.shapes import (
    decode_run_id,
    project_shape,
    record_of,
    run_shape,
)
from cairn.server.compat.wandb.tokens import FileGrant, seal_grant
from cairn.server.store.records import ProjectRecord, RunFile, RunRecord

DEFAULT_PAGE: Final = 50
MAX_PAGE: Final = 1_000
_FILES_PAGE: Final = 1_000


def _page_size(first: int | None) -> int:
    size = DEFAULT_PAGE if first is None else first
    if size < 1 or size > MAX_PAGE:
        raise InvalidInputError(f"first (per_page) must be from 1 to {MAX_PAGE}; got {size}")
    return size


def _offset(after: str | None) -> int:
    if not after:
        return 0
    if not after.isdigit():
        raise InvalidInputError("invalid cursor: pass back endCursor unchanged")
    return int(after)


def _page_info(end: str | None, more: bool) -> dict[str, Any]:
    return {"endCursor": end, "hasNextPage": more}


@query("models")
def models(
    _: None,
    info: Info,
    entityName: str | None = None,
    after: str | None = None,
    first: int | None = None,
) -> dict[str, Any]:
    """The entity's projects the caller may see, most recently active first."""
    context = context_of(info)
    entity = entityName or default_entity(context.who)
    start, limit = _offset(after), _page_size(first)
    records, total = context.ctx.meta.list_projects(context.who, entity, None, start, limit)
    end = start + len(records)
    edges = [
        {"node": project_shape(context, r.entity, r.name, r), "cursor": str(start + i + 1)}
        for i, r in enumerate(records)
    ]
    return {"edges": edges, "pageInfo": _page_info(str(end), end < total)}


def _project(context: GraphQLContext, source: dict[str, Any]) -> ProjectRecord:
    return context.ctx.meta.resolve_project(
        context.who, source["entityName"], source["name"], "viewer"
    )


def _filters(filters: object) -> dict[str, Any] | None:
    if filters is None:
        return None
    if not isinstance(filters, dict):
        raise InvalidInputError('filters must be a JSON object such as {"state": "finished"}')
    translated = cairn_filters(filters)
    assert isinstance(translated, dict)
    return translated


@field("Project", "runs")
def project_runs(
    source: dict[str, Any],
    info: Info,
    filters: object = None,
    after: str | None = None,
    first: int | None = None,
    order: str | None = None,
) -> dict[str, Any]:
    """A keyset page of the project's runs, filtered and sorted in the database."""
    context = context_of(info)
    result = context.ctx.meta.query_runs(
        _project(context, source),
        _filters(filters),
        cairn_order(order),
        limit=_page_size(first),
        cursor=after or None,
    )
    edges: list[dict[str, Any]] = [
        {"node": run_shape(context, run), "cursor": None} for run in result.runs
    ]
    if edges:  # W&B's clients page on from the last edge's cursor; Cairn's cursors are per page
        edges[-1]["cursor"] = result.next_cursor
    more = result.next_cursor is not None
    return {"edges": edges, "pageInfo": _page_info(result.next_cursor, more)}


@field("Project", "runCount")
def project_run_count(source: dict[str, Any], info: Info, filters: object = None) -> int:
    """How many of the project's runs match the filters."""
    context = context_of(info)
    result = context.ctx.meta.query_runs(
        _project(context, source), _filters(filters), None, limit=1, offset=0
    )
    return result.total or 0


@field("Run", "systemMetrics")
def system_metrics(source: dict[str, Any], info: Info) -> dict[str, Any]:
    """The last value of each of the run's system metrics."""
    run = record_of(source)
    series = context_of(info).ctx.meta.list_series(run.pk)
    return {s.key: s.last_value for s in series if s.kind == "system"}


@field("Run", "fileCount")
def file_count(source: dict[str, Any], info: Info) -> int:
    """How many files the run has."""
    return len(context_of(info).ctx.meta.list_files(record_of(source).pk))


@field("Run", "files")
def run_files(
    source: dict[str, Any],
    info: Info,
    names: list[str | None] | None = None,
    after: str | None = None,
    first: int | None = None,
    pattern: str | None = None,
) -> dict[str, Any]:
    """A page of the run's files by path: those named, or matching a LIKE ``pattern``."""
    context = context_of(info)
    run = record_of(source)
    limit = _page_size(first)
    wanted = [name for name in names or [] if name]
    if wanted and pattern:
        raise InvalidInputError("ask for files by names or by pattern, not both")
    if wanted:
        found = _named_files(context, run, wanted, after)
    else:
        found = _files_after(context, run, after, _like(pattern) if pattern else None)
    page: list[RunFile] = []
    more = False
    for item in found:
        if len(page) == limit:
            more = True
            break
        page.append(item)
    edges = [{"node": _file_shape(context, run, f), "cursor": f.path} for f in page]
    end = page[-1].path if page else after
    return {"edges": edges, "pageInfo": _page_info(end, more)}


def _named_files(
    context: GraphQLContext, run: RunRecord, names: list[str], after: str | None
) -> Iterator[RunFile]:
    for name in sorted(set(names)):
        if after is not None and name <= after:
            continue
        start: str | None = None
        while True:  # the name among the paths it prefixes (few: it is usually the first)
            page = context.ctx.meta.list_files(run.pk, prefix=name, after=start, limit=64)
            exact = [item for item in page if item.path == name]
            if exact or len(page) < 64:
                yield from exact
                break
            start = page[-1].path


def _files_after(
    context: GraphQLContext, run: RunRecord, after: str | None, match: re.Pattern[str] | None
) -> Iterator[RunFile]:
    while True:
        page = context.ctx.meta.list_files(run.pk, after=after, limit=_FILES_PAGE)
        for item in page:
            if match is None or match.fullmatch(item.path):
                yield item
        if len(page) < _FILES_PAGE:
            return
        after = page[-1].path


def _like(pattern: str) -> re.Pattern[str]:
    """A SQL LIKE pattern (``%`` any run, ``_`` one character) as a regular expression."""
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.DOTALL)


def _file_shape(context: GraphQLContext, run: RunRecord, item: RunFile) -> dict[str, Any]:
    """A run file; ``url(upload: true)`` is an upload URL, for a caller who may write."""

    def url(info: Info, upload: bool | None = None) -> str:
        if upload:
            context.ctx.meta.resolve_run(context.who, run.entity, run.project, run.id, "member")
        return _file_url(context, run, item.path, upload=bool(upload))

    return {
        "id": f"{run.path}/{item.path}",
        "name": item.path,
        "url": url,
        "directUrl": lambda info: _file_url(context, run, item.path, upload=False),
        "sizeBytes": item.size,
        "mimetype": mimetypes.guess_type(item.path)[0] or "application/octet-stream",
        "updatedAt": iso_time(item.updated_at),
        "md5": None,
    }


def _file_url(context: GraphQLContext, run: RunRecord, path: str, *, upload: bool) -> str:
    """A capability URL for one run file (the client sends no credentials on it)."""
    grant = FileGrant.for_caller(context.who, run.entity, run.project, run.id, path, upload=upload)
    return f"{context.base_url}/wandb-files/{seal_grant(context.ctx.secrets, grant)}"


@mutation("deleteRun")
def delete_run(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    """``run.delete()``: Cairn's run deletion, for a caller with the member role."""
    context = context_of(info)
    if input.get("deleteArtifacts"):
        raise InvalidInputError(
            "Cairn keeps a run's artifacts when the run is deleted; call run.delete() without "
            "delete_artifacts, and delete artifact versions on their own"
        )
    entity_name, project_name, run_id = decode_run_id(input["id"])
    run = context.ctx.meta.resolve_run(context.who, entity_name, project_name, run_id, "member")
    context.ctx.meta.delete_run(run.pk)
    return {"clientMutationId": input.get("clientMutationId")}
