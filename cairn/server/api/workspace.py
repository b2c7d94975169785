"""The project workspace the web app saves (panels, table columns, colours) and key lists."""

from __future__ import annotations

import threading
import time
from typing import Any

import orjson
from fastapi import APIRouter
from pydantic import BaseModel

from cairn.errors import InvalidInputError
from cairn.server.api.deps import Ctx, ProjectDep, ProjectMemberDep, Who
from cairn.server.encoding import JSONBytesResponse
from cairn.server.store.records import ProjectKeys

router = APIRouter(prefix="/api/v1", tags=["workspace"])
PROJECT_PATH = "/projects/{entity}/{project}"
MAX_LAYOUT_BYTES = 512 * 1024
KEYS_TTL_S = 5.0


class WorkspaceOut(BaseModel):
    """The saved layout (null when never saved) and when it was saved."""

    layout: dict[str, Any] | None
    updated_at: float | None


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


class ProjectKeysOut(BaseModel):
    """Keys of a project's runs, for column pickers, autocomplete and panels."""

    config: list[KeyCount]
    summary: list[KeyCount]
    metrics: list[MetricKey]


@router.get(PROJECT_PATH + "/workspace", response_model=WorkspaceOut)
def read_workspace(project: ProjectDep, ctx: Ctx) -> dict[str, Any]:
    """The project's saved workspace layout."""
    saved = ctx.meta.get_workspace(project.pk)
    return (
        {"layout": None, "updated_at": None}
        if saved is None
        else dict(zip(("layout", "updated_at"), saved, strict=True))
    )


@router.put(PROJECT_PATH + "/workspace", response_model=WorkspaceOut)
def write_workspace(
    project: ProjectMemberDep, body: WorkspaceIn, ctx: Ctx, who: Who
) -> dict[str, Any]:
    """Save the project's workspace layout (members and admins; last writer wins)."""
    size = len(orjson.dumps(body.layout))
    if size > MAX_LAYOUT_BYTES:
        raise InvalidInputError(
            f"workspace layout is {size} bytes; the limit is {MAX_LAYOUT_BYTES}: remove panels"
        )
    now = time.time()
    ctx.meta.save_workspace(project.pk, body.layout, now, who.username)
    return {"layout": body.layout, "updated_at": now}


_keys_cache: dict[int, tuple[float, ProjectKeys]] = {}
_keys_lock = threading.Lock()


def _cached_keys(ctx: Ctx, project_pk: int) -> ProjectKeys:
    # Counting keys walks an index over every run of the project; a workspace asks on each
    # load, so a few seconds of staleness buys a lot on projects with 100k runs.
    now = time.monotonic()
    with _keys_lock:
        hit = _keys_cache.get(project_pk)
    if hit is not None and now - hit[0] < KEYS_TTL_S:
        return hit[1]
    keys = ctx.meta.project_keys(project_pk)
    with _keys_lock:
        if len(_keys_cache) > 256:
            _keys_cache.clear()
        _keys_cache[project_pk] = (now, keys)
    return keys


@router.get(PROJECT_PATH + "/keys", response_model=ProjectKeysOut)
def read_project_keys(project: ProjectDep, ctx: Ctx) -> JSONBytesResponse:
    """Config and summary keys (without prefix, with run counts) and metric keys of a project."""
    keys = _cached_keys(ctx, project.pk)
    return JSONBytesResponse(
        {
            "config": [{"key": k, "count": n} for k, n in keys.config],
            "summary": [{"key": k, "count": n} for k, n in keys.summary],
            "metrics": [{"key": k, "kind": kind, "runs": n} for k, kind, n in keys.metrics],
        }
    )
