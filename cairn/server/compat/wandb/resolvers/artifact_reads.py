"""What the W&B client reads about artifacts (by name, by id, a version's files and manifest,
a run's inputs and outputs) and ``useArtifact``, which records a run's use of a version.

Every read resolves the project with the caller's viewer role; a version the caller cannot
read is answered as absent.
"""

from __future__ import annotations

from typing import Any

from cairn.errors import NotFoundError
from cairn.server.compat.wandb.context import Info, context_of
from cairn.server.compat.wandb.engine import field, mutation, query
from cairn.server.compat.wandb.resolvers.artifact_shapes import (
    artifact_shape,
    encode_id,
    membership_in,
    sequence_shape,
    split_name,
    version_in,
    version_or_upload,
)


@query("artifact")
def artifact_by_id(_: None, info: Info, id: str) -> dict[str, Any]:
    """A committed version by its W&B id."""
    context = context_of(info)
    return artifact_shape(context, version_or_upload(context, id), id)


@query("clientIDMapping")
def client_id_mapping(_: None, info: Info, clientID: str) -> dict[str, Any] | None:
    """The server id of the artifact a client created under ``clientID`` (null: none)."""
    context = context_of(info)
    upload = context.ctx.meta.wandb_artifact_by_client_id(clientID)
    if upload is None:
        return None
    context.ctx.meta.resolve_project(context.who, upload.entity, upload.project, "viewer")
    return {"serverID": encode_id("upload", upload.pk)}


@field("Entity", "xxhashDigestsEnabled")
def xxhash_digests(entity: dict[str, Any], info: Info) -> bool:
    """No: Cairn keeps W&B's MD5 manifest digests."""
    return False


@field("Project", "artifact")
def project_artifact(project: dict[str, Any], info: Info, name: str) -> dict[str, Any] | None:
    """A version by ``name:version-or-alias`` (null when there is none)."""
    collection, ref = split_name(name)
    return version_in(context_of(info), project["entityName"], project["name"], collection, ref)


@field("Project", "artifactCollectionMembership")
def project_membership(project: dict[str, Any], info: Info, name: str) -> dict[str, Any] | None:
    """A version by ``name:version-or-alias`` as its collection's member (null: none)."""
    collection, ref = split_name(name)
    return membership_in(context_of(info), project["entityName"], project["name"], collection, ref)


def _collection(project: dict[str, Any], info: Info, name: str) -> dict[str, Any] | None:
    context = context_of(info)
    entity, project_name = project["entityName"], project["name"]
    record = context.ctx.meta.resolve_project(context.who, entity, project_name, "viewer")
    try:
        found = context.ctx.meta.get_artifact(record.pk, name)
    except NotFoundError:
        return None
    return sequence_shape(context, entity, project_name, found.name, found.type)


@field("Project", "artifactCollection")
def project_collection(project: dict[str, Any], info: Info, name: str) -> dict[str, Any] | None:
    """An artifact (all versions of a name) of the project."""
    return _collection(project, info, name)


@field("Project", "artifactType")
def project_artifact_type(project: dict[str, Any], info: Info, name: str) -> dict[str, Any]:
    """An artifact type; its ``artifactCollection`` keeps to that type."""

    def collection(info: Info, name: str) -> dict[str, Any] | None:
        found = _collection(project, info, name)
        return found if found is not None and found["type"] == type_name else None

    type_name = name
    return {"id": f"type:{name}", "name": name, "artifactCollection": collection}


def _versions(run: dict[str, Any], info: Info, which: int) -> dict[str, Any]:
    context = context_of(info)
    project = run["project"](info)
    record = context.ctx.meta.resolve_run(
        context.who, project["entityName"], project["name"], run["name"], "viewer"
    )
    versions = context.ctx.meta.run_artifacts(context.who, record.pk)[which]
    return {
        "totalCount": len(versions),
        "pageInfo": {"endCursor": None, "hasNextPage": False},
        "edges": [{"node": artifact_shape(context, v)} for v in versions],
    }


@field("Run", "outputArtifacts")
def output_artifacts(
    run: dict[str, Any], info: Info, after: str | None = None, first: int | None = None
) -> dict[str, Any]:
    """The versions the run logged."""
    return _versions(run, info, 0)


@field("Run", "inputArtifacts")
def input_artifacts(
    run: dict[str, Any], info: Info, after: str | None = None, first: int | None = None
) -> dict[str, Any]:
    """The versions the run used."""
    return _versions(run, info, 1)


@mutation("useArtifact")
def use_artifact(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    """Record that a run used a version (its ``in`` lineage link; a repeat changes nothing)."""
    context = context_of(info)
    version = version_or_upload(context, input["artifactID"])
    context.ctx.meta.use_version(
        context.who, version.pk, input["entityName"], input["projectName"], input["runName"]
    )
    return {"artifact": artifact_shape(context, version, input["artifactID"])}
