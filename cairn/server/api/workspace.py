"""The project workspace the web app saves (panels, table columns, colours) and key lists."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from cairn.errors import AuthenticationError, InvalidInputError
from cairn.server.api.deps import Ctx, ProjectDep, ProjectMemberDep, SignedIn, Who
from cairn.server.encoding import JSONBytesResponse
from cairn.server.store.media import ProjectMediaKey
from cairn.server.store.records import ProjectKeys

router = APIRouter(prefix="/api/v1", tags=["workspace"])
PROJECT_PATH = "/projects/{entity}/{project}"
MAX_LAYOUT_BYTES = 512 * 1024
KEYS_TTL_S = 5.0


class WorkspaceOut(BaseModel):
    """The saved layout (null when never saved), when, and whose: ``user`` (your own) or
    ``project`` (the project's default)."""

    layout: dict[str, Any] | None
    updated_at: float | None
    source: Literal["user", "project"] | None


class WorkspaceIn(BaseModel):
    """A layout to save: any JSON object the web app understands."""

    layout: dict[str, Any]


class KeyCount(BaseModel):
    """A config or summary key (without its prefix) and how many runs have it."""

    key: str
    count: int


class MetricKey(BaseModel):
    """A metric series key, its kind and how many runs have it."""

    key: str
    kind: str
    runs: int


class MetricRuleOut(BaseModel):
    """A ``define_metric`` rule of the project's newest runs (the newest run's, per name):
    ``name`` is a metric or a glob (``*`` matches anything)."""

    name: str
    step_metric: str | None
    summary: list[str]
    goal: str | None
    hidden: bool
    step_sync: bool


class MediaKeyRuns(BaseModel):
    """A media key with one ``_type`` and how many runs logged it so."""

    key: str
    type: str
    runs: int


class ProjectKeysOut(BaseModel):
    """Keys of a project's runs, for column pickers, autocomplete and panels (a media key whose
    runs logged different ``_type``s is listed once per type)."""

    config: list[KeyCount]
    summary: list[KeyCount]
    metrics: list[MetricKey]
    media: list[MediaKeyRuns]
    metric_rules: list[MetricRuleOut]


def _layout_size_ok(layout: dict[str, Any]) -> None:
    size = len(orjson.dumps(layout))
    if size > MAX_LAYOUT_BYTES:
        raise InvalidInputError(
            f"workspace layout is {size} bytes; the limit is {MAX_LAYOUT_BYTES}: remove panels"
        )


@router.get(PROJECT_PATH + "/workspace", response_model=WorkspaceOut)
def read_workspace(project: ProjectDep, ctx: Ctx, who: Who) -> dict[str, Any]:
    """Your own layout of the project when you saved one, else the project's default."""
    saved = ctx.meta.get_workspace(project.pk, who.user_pk)
    if saved is None:
        return {"layout": None, "updated_at": None, "source": None}
    return {"layout": saved.layout, "updated_at": saved.updated_at, "source": saved.source}


@router.put(PROJECT_PATH + "/workspace", response_model=WorkspaceOut)
def write_workspace(project: ProjectDep, body: WorkspaceIn, ctx: Ctx, who: Who) -> dict[str, Any]:
    """Save your own layout of the project (any reader may arrange their view).

    On a server without accounts (open on loopback) this is the project's default layout.
    """
    _layout_size_ok(body.layout)
    now = time.time()
    if who.user_pk is not None:
        ctx.meta.save_workspace(project.pk, who.user_pk, body.layout, now)
        return {"layout": body.layout, "updated_at": now, "source": "user"}
    if not who.is_superuser:
        raise AuthenticationError("log in to save a layout of your own")
    ctx.meta.save_default_workspace(project.pk, body.layout, now, who.username)
    return {"layout": body.layout, "updated_at": now, "source": "project"}


@router.delete(PROJECT_PATH + "/workspace", status_code=204, response_class=Response)
def reset_workspace(project: ProjectDep, ctx: Ctx, who: SignedIn) -> Response:
    """Forget your own layout: you see the project's default again."""
    if who.user_pk is not None:
        ctx.meta.forget_workspace(project.pk, who.user_pk)
    return Response(status_code=204)


@router.put(PROJECT_PATH + "/workspace/default", response_model=WorkspaceOut)
def write_default_workspace(
    project: ProjectMemberDep, body: WorkspaceIn, ctx: Ctx, who: Who
) -> dict[str, Any]:
    """Save the project's default layout, seen by everyone without a layout of their own."""
    _layout_size_ok(body.layout)
    now = time.time()
    ctx.meta.save_default_workspace(project.pk, body.layout, now, who.username)
    return {"layout": body.layout, "updated_at": now, "source": "project"}


class ViewIn(BaseModel):
    """A named view to save: its name and layout."""

    name: str = Field(min_length=1, max_length=128, pattern=r"\S")
    layout: dict[str, Any]


class ViewEdit(BaseModel):
    """A new name and/or layout for a view."""

    name: str | None = Field(None, min_length=1, max_length=128, pattern=r"\S")
    layout: dict[str, Any] | None = None


class ViewOut(BaseModel):
    """A named view; ``layout`` is null in listings."""

    id: str
    name: str
    layout: dict[str, Any] | None
    created_by: str | None
    created_at: float
    updated_at: float


class ViewList(BaseModel):
    """A project's named views, by name."""

    views: list[ViewOut]


ViewId = Annotated[str, Path(pattern=r"^[0-9a-z]{1,16}$", description="view id")]


@router.get(PROJECT_PATH + "/views", response_model=ViewList)
def list_views(project: ProjectDep, ctx: Ctx) -> dict[str, Any]:
    """The project's named views (open one with GET .../views/{view_id})."""
    return {"views": [asdict(v) for v in ctx.meta.list_views(project.pk)]}


@router.post(PROJECT_PATH + "/views", response_model=ViewOut, status_code=201)
def create_view(project: ProjectMemberDep, body: ViewIn, ctx: Ctx, who: Who) -> dict[str, Any]:
    """Save a layout as a named view everyone who can read the project may open by link."""
    _layout_size_ok(body.layout)
    return asdict(ctx.meta.create_view(project.pk, body.name, body.layout, who.username))


@router.get(PROJECT_PATH + "/views/{view_id}", response_model=ViewOut)
def read_view(project: ProjectDep, view_id: ViewId, ctx: Ctx) -> dict[str, Any]:
    """One named view with its layout."""
    return asdict(ctx.meta.get_view(project.pk, view_id))


@router.patch(PROJECT_PATH + "/views/{view_id}", response_model=ViewOut)
def edit_view(
    project: ProjectMemberDep, view_id: ViewId, body: ViewEdit, ctx: Ctx
) -> dict[str, Any]:
    """Rename a view or save a new layout into it."""
    if body.layout is not None:
        _layout_size_ok(body.layout)
    return asdict(ctx.meta.update_view(project.pk, view_id, body.name, body.layout))


@router.delete(PROJECT_PATH + "/views/{view_id}", status_code=204, response_class=Response)
def delete_view(project: ProjectMemberDep, view_id: ViewId, ctx: Ctx) -> Response:
    """Delete a named view (links to it then answer 404)."""
    ctx.meta.delete_view(project.pk, view_id)
    return Response(status_code=204)


_keys_cache: dict[int, tuple[float, tuple[ProjectKeys, list[ProjectMediaKey]]]] = {}
_keys_lock = threading.Lock()


def _cached_keys(ctx: Ctx, project_pk: int) -> tuple[ProjectKeys, list[ProjectMediaKey]]:
    # Counting keys walks an index over every run of the project; a workspace asks on each
    # load, so a few seconds of staleness buys a lot on projects with 100k runs.
    now = time.monotonic()
    with _keys_lock:
        hit = _keys_cache.get(project_pk)
    if hit is not None and now - hit[0] < KEYS_TTL_S:
        return hit[1]
    keys = (ctx.meta.project_keys(project_pk), ctx.meta.project_media_keys(project_pk))
    with _keys_lock:
        if len(_keys_cache) > 256:
            _keys_cache.clear()
        _keys_cache[project_pk] = (now, keys)
    return keys


@router.get(PROJECT_PATH + "/keys", response_model=ProjectKeysOut)
def read_project_keys(project: ProjectDep, ctx: Ctx) -> JSONBytesResponse:
    """Config and summary keys (without prefix, with run counts), metric and media keys, and
    the metric rules (``define_metric``) of the project's newest runs."""
    keys, media = _cached_keys(ctx, project.pk)
    return JSONBytesResponse(
        {
            "config": [{"key": k, "count": n} for k, n in keys.config],
            "summary": [{"key": k, "count": n} for k, n in keys.summary],
            "metrics": [{"key": k, "kind": kind, "runs": n} for k, kind, n in keys.metrics],
            "media": [asdict(m) for m in media],
            "metric_rules": keys.metric_rules,
        }
    )
