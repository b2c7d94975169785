"""The artifact side of :class:`cairn.Api`: versions, collections, types, runs' artifacts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cairn.artifacts import remote
from cairn.artifacts.artifact import Artifact
from cairn.artifacts.names import ArtifactRef
from cairn.sdk.api.client import ApiClient
from cairn.sdk.api.manage import split_project_path


class ArtifactCollection:
    """All versions of one artifact name in a project: ``name``, ``type``, ``description``,
    ``version_count``, ``latest`` (an Artifact or None); ``versions()``, ``delete()``."""

    def __init__(self, client: ApiClient, entity: str, project: str, data: dict[str, Any]) -> None:
        self._client = client
        self.entity, self.project = entity, project
        self.name: str = data["name"]
        self.type: str = data["type"]
        self.description: str | None = data.get("description")
        self.version_count: int = int(data.get("versions") or 0)
        self.created_at: float | None = data.get("created_at")
        self.updated_at: float | None = data.get("updated_at")
        latest = data.get("latest")
        self.latest = Artifact.from_version(client, latest) if latest else None

    @property
    def _ref(self) -> ArtifactRef:
        return ArtifactRef(self.entity, self.project, self.name, "latest")

    def versions(self) -> Iterator[Artifact]:
        """Every version, as the server orders them."""
        for data in remote.versions(self._client, self._ref):
            yield Artifact.from_version(self._client, data)

    def delete(self) -> None:
        """Delete the collection and all its versions."""
        remote.delete_collection(self._client, self._ref)

    def __repr__(self) -> str:
        return f"<ArtifactCollection {self.entity}/{self.project}/{self.name} ({self.type})>"


def collections(
    client: ApiClient, project_path: str, type_: str | None = None
) -> list[ArtifactCollection]:
    """The collections of ``entity/project`` (of one type)."""
    entity, project = split_project_path(project_path)
    return [ArtifactCollection(client, entity, project, data)
            for data in remote.collections(client, entity, project, type_)]  # fmt: skip


def types(client: ApiClient, project_path: str) -> dict[str, int]:
    """Type → number of collections, of ``entity/project``."""
    entity, project = split_project_path(project_path)
    return {
        t["type"]: int(t["collections"]) for t in remote.artifact_types(client, entity, project)
    }


def of_run(client: ApiClient, run_path: str, direction: str) -> list[Artifact]:
    """The versions a run logged (``logged``) or used (``used``)."""
    answer = remote.run_artifacts(client, run_path)
    return [Artifact.from_version(client, data) for data in answer[direction]]
