"""The JSON shapes of the artifact routes (design 0013, "HTTP API") and their path parameters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, Field

from cairn.server.encoding import json_safe
from cairn.server.store.artifacts import CollectionRecord, EntryRecord, RunRef, VersionRecord
from cairn.wire.artifacts import check_artifact_name, check_version_ref

ARTIFACT_PATH = "/artifacts/{entity}/{project}/{name}"
VERSION_PATH = ARTIFACT_PATH + "/versions/{ver}"

ArtifactName = Annotated[str, Path(min_length=1, max_length=128, description="Artifact name")]
VersionRef = Annotated[
    str, Path(min_length=1, max_length=128, description="vN, an alias, or a manifest digest")
]


def checked(name: str, ver: str | None = None) -> None:
    """400 for a name or version reference that no artifact can have (``..``, ``a/b``)."""
    check_artifact_name(name)
    if ver is not None:
        check_version_ref(ver)


class RunRefOut(BaseModel):
    """A run an artifact answer names."""

    entity: str
    project: str
    id: str
    name: str
    state: str
    path: str = Field(description="entity/project/run_id")


class VersionOut(BaseModel):
    """One version of an artifact."""

    name: str
    type: str
    version: str = Field(description="vN")
    digest: str = Field(description="sha256 of the manifest (see docs/wire-protocol.md)")
    aliases: list[str]
    description: str | None
    metadata: dict[str, Any]
    file_count: int
    size: int = Field(description="bytes: the sum of the entries' sizes")
    created_at: float
    expires_at: float | None = Field(description="TTL: deleted after this time")
    logged_by: RunRefOut | None
    path: str = Field(description="entity/project/name:vN")


class CollectionOut(BaseModel):
    """An artifact: all versions of one name."""

    name: str
    type: str
    description: str | None
    versions: int
    latest: VersionOut | None
    created_at: float
    updated_at: float


class EntryOut(BaseModel):
    """A manifest entry: a stored file (``sha256``) or a reference (``ref`` + ``checksum``)."""

    path: str
    sha256: str | None
    size: int | None
    md5: str | None
    ref: str | None
    checksum: str | None
    extra: dict[str, Any] | None


def run_ref_out(run: RunRef | None) -> dict[str, Any] | None:
    """JSON of a run reference."""
    if run is None:
        return None
    return {
        "entity": run.entity,
        "project": run.project,
        "id": run.id,
        "name": run.name,
        "state": run.state,
        "path": run.path,
    }


def version_out(version: VersionRecord) -> dict[str, Any]:
    """JSON of a version."""
    return {
        "name": version.name,
        "type": version.type,
        "version": version.version,
        "digest": version.digest,
        "aliases": version.aliases,
        "description": version.description,
        "metadata": json_safe(version.metadata),
        "file_count": version.file_count,
        "size": version.size,
        "created_at": version.created_at,
        "expires_at": version.expires_at,
        "logged_by": run_ref_out(version.logged_by),
        "path": version.path,
    }


def collection_out(collection: CollectionRecord) -> dict[str, Any]:
    """JSON of a collection."""
    return {
        "name": collection.name,
        "type": collection.type,
        "description": collection.description,
        "versions": collection.versions,
        "latest": None if collection.latest is None else version_out(collection.latest),
        "created_at": collection.created_at,
        "updated_at": collection.updated_at,
    }


def entry_out(entry: EntryRecord) -> dict[str, Any]:
    """JSON of a manifest entry."""
    return {
        "path": entry.path,
        "sha256": entry.sha256,
        "size": entry.size,
        "md5": entry.md5,
        "ref": entry.ref,
        "checksum": entry.checksum,
        "extra": json_safe(entry.extra),
    }
