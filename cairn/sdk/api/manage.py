"""Changing what the server keeps: edit, archive, move and delete runs and projects.

The write side of :class:`cairn.Api`; every call is one request, and a change to many runs is
one all-or-nothing request per project (``POST .../runs/bulk``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cairn.errors import InvalidInputError
from cairn.sdk.api.client import ApiClient

MAX_BULK = 10_000
EDITABLE_RUN_FIELDS = ("name", "tags", "notes", "group", "job_type")
VISIBILITIES = ("private", "team", "public")


def split_run_path(path: str) -> tuple[str, str, str]:
    """``entity/project/run_id`` as its three parts; InvalidInputError otherwise."""
    parts = path.strip("/").split("/")
    if len(parts) != 3 or not all(parts):
        raise InvalidInputError(f"a run path is entity/project/run_id, got {path!r}")
    return parts[0], parts[1], parts[2]


def split_project_path(path: str) -> tuple[str, str]:
    """``entity/project`` as its two parts; InvalidInputError otherwise."""
    parts = path.strip("/").split("/")
    if len(parts) != 2 or not all(parts):
        raise InvalidInputError(f"a project path is entity/project, got {path!r}")
    return parts[0], parts[1]


def edit_run(client: ApiClient, path: str, changes: dict[str, Any]) -> dict[str, Any]:
    """PATCH a run; ``changes`` holds editable fields, ``archived`` or ``project`` (a move)."""
    unknown = set(changes) - {*EDITABLE_RUN_FIELDS, "archived", "project"}
    if unknown:
        raise InvalidInputError(
            f"cannot change {sorted(unknown)}; a run's editable fields are "
            f"{list(EDITABLE_RUN_FIELDS)} (and archived, project)"
        )
    if "tags" in changes and isinstance(changes["tags"], str):
        raise InvalidInputError("tags must be a list of strings, not one string")
    entity, project, run_id = split_run_path(path)
    answer: dict[str, Any] = client.request(
        "PATCH", f"/api/v1/runs/{entity}/{project}/{run_id}", json=changes
    )
    return answer


def delete_run(client: ApiClient, path: str) -> None:
    """Delete a run and everything stored under it."""
    entity, project, run_id = split_run_path(path)
    client.request("DELETE", f"/api/v1/runs/{entity}/{project}/{run_id}")


def bulk(client: ApiClient, paths: Iterable[str], action: str, **extra: Any) -> int:
    """One bulk action on runs named by path; one all-or-nothing request per project.

    Returns how many runs changed. Paths of several projects make one request each; an error
    in a later project leaves the earlier ones changed (each project's change is atomic).
    """
    by_project: dict[tuple[str, str], list[str]] = {}
    for path in paths:
        entity, project, run_id = split_run_path(path)
        by_project.setdefault((entity, project), []).append(run_id)
    if not by_project:
        raise InvalidInputError("name at least one run (entity/project/run_id)")
    changed = 0
    for (entity, project), ids in by_project.items():
        for start in range(0, len(ids), MAX_BULK):
            body = {"runs": ids[start : start + MAX_BULK], "action": action, **extra}
            answer = client.request(
                "POST", f"/api/v1/projects/{entity}/{project}/runs/bulk", json=body
            )
            changed += int(answer["changed"])
    return changed


def edit_project(client: ApiClient, path: str, changes: dict[str, Any]) -> dict[str, Any]:
    """PATCH a project: ``name``, ``visibility``, ``description`` or ``archived`` (admins)."""
    unknown = set(changes) - {"name", "visibility", "description", "archived"}
    if unknown:
        raise InvalidInputError(
            f"cannot change {sorted(unknown)}; use name, visibility, description or archived"
        )
    if "visibility" in changes and changes["visibility"] not in VISIBILITIES:
        raise InvalidInputError(f"visibility must be one of {list(VISIBILITIES)}")
    entity, project = split_project_path(path)
    answer: dict[str, Any] = client.request(
        "PATCH", f"/api/v1/projects/{entity}/{project}", json=changes
    )
    return answer


def delete_project(client: ApiClient, path: str) -> None:
    """Delete a project with all its runs (admins)."""
    entity, project = split_project_path(path)
    client.request("DELETE", f"/api/v1/projects/{entity}/{project}")


def project_usage(client: ApiClient, path: str) -> dict[str, int]:
    """Runs, series and files of a project and the bytes they take."""
    entity, project = split_project_path(path)
    answer: dict[str, int] = client.request("GET", f"/api/v1/projects/{entity}/{project}/usage")
    return answer
