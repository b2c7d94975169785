"""The artifact routes of the server's HTTP API (design 0013), one function per call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from cairn.artifacts.names import ArtifactRef
from cairn.sdk.api.client import ApiClient


def version_url(ref: ArtifactRef, suffix: str = "") -> str:
    """``/api/v1/artifacts/e/p/name/versions/ver`` + ``suffix``."""
    return f"{ref.url}/versions/{ref.version}{suffix}"


def file_url(ref: ArtifactRef, path: str) -> str:
    """The route of one file's bytes (the path escaped, ``%`` included)."""
    return version_url(ref, "/files/" + quote(path, safe="/"))


def get_version(client: ApiClient, ref: ArtifactRef) -> dict[str, Any]:
    """The Version a reference names (``vN``, an alias or a digest); NotFoundError if none."""
    answer: dict[str, Any] = client.request("GET", version_url(ref))
    return answer


def get_manifest(client: ApiClient, ref: ArtifactRef) -> list[dict[str, Any]]:
    """Every entry of a version."""
    answer = client.request("GET", version_url(ref, "/manifest"))
    entries: list[dict[str, Any]] = answer["entries"]
    return entries


def use_version(client: ApiClient, ref: ArtifactRef, run_path: str) -> dict[str, Any]:
    """Record that the run ``entity/project/run_id`` used the version; the Version."""
    answer: dict[str, Any] = client.request(
        "POST", version_url(ref, "/use"), json={"run": run_path}
    )
    return answer


def patch_version(client: ApiClient, ref: ArtifactRef, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a version's ``description``, ``metadata`` or ``ttl_s``; the Version."""
    answer: dict[str, Any] = client.request("PATCH", version_url(ref), json=changes)
    return answer


def delete_version(client: ApiClient, ref: ArtifactRef, delete_aliases: bool) -> None:
    """Delete a version (with its aliases other than ``latest`` only when told)."""
    params = {"delete_aliases": True} if delete_aliases else None
    client.request("DELETE", version_url(ref), params=params)


def set_alias(client: ApiClient, ref: ArtifactRef, alias: str) -> None:
    """Point ``alias`` at the version ``ref.version`` (``vN``)."""
    client.request("PUT", f"{ref.url}/aliases/{alias}", json={"version": ref.version})


def remove_alias(client: ApiClient, ref: ArtifactRef, alias: str) -> None:
    """Remove ``alias`` from the collection."""
    client.request("DELETE", f"{ref.url}/aliases/{alias}")


def delete_collection(client: ApiClient, ref: ArtifactRef) -> None:
    """Delete a collection and all its versions."""
    client.request("DELETE", ref.url)


def lineage(client: ApiClient, ref: ArtifactRef, depth: int = 1) -> dict[str, Any]:
    """``{nodes, edges}`` around a version."""
    answer: dict[str, Any] = client.request(
        "GET", version_url(ref, "/lineage"), params={"depth": depth}
    )
    return answer


def run_artifacts(client: ApiClient, run_path: str) -> dict[str, list[dict[str, Any]]]:
    """``{logged: [Version], used: [Version]}`` of the run ``entity/project/run_id``."""
    answer: dict[str, list[dict[str, Any]]] = client.request(
        "GET", f"/api/v1/runs/{run_path}/artifacts"
    )
    return answer


def _pages(client: ApiClient, path: str, field: str, params: dict[str, Any]) -> Iterator[Any]:
    after: Any = None
    while True:
        page = client.request("GET", path, params={**params, "after": after, "limit": 500})
        yield from page[field]
        after = page.get("next")
        if after is None:
            return


def collections(
    client: ApiClient, entity: str, project: str, type_: str | None = None, q: str | None = None
) -> Iterator[dict[str, Any]]:
    """A project's collections (paged), optionally of one type or matching ``q``."""
    yield from _pages(client, f"/api/v1/projects/{entity}/{project}/artifacts", "artifacts",
                      {"type": type_, "q": q})  # fmt: skip


def versions(client: ApiClient, ref: ArtifactRef) -> Iterator[dict[str, Any]]:
    """Every version of a collection (paged)."""
    yield from _pages(client, f"{ref.url}/versions", "versions", {})


def artifact_types(client: ApiClient, entity: str, project: str) -> list[dict[str, Any]]:
    """``[{type, collections}]`` of a project."""
    answer = client.request("GET", f"/api/v1/projects/{entity}/{project}/artifact-types")
    types: list[dict[str, Any]] = answer["types"]
    return types
