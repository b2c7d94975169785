"""What the W&B client sends to log an artifact: CreateArtifact, CreateArtifactManifest (twice:
an upsert), CreateArtifactFiles, the PUTs to the URLs they hand out, then CommitArtifact.

The version is applied at CommitArtifact as Cairn's own ``artifact`` record (artifact_commit);
until then the upload row keeps the protocol's state. An unchanged artifact (a version of the
name already has the client's manifest digest) is committed at once, as W&B's server does.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.compat.wandb.artifact_commit import (
    apply_upload,
    entries_of_version,
    uploaded_entries,
)
from cairn.server.compat.wandb.context import GraphQLContext, Info, context_of
from cairn.server.compat.wandb.engine import mutation
from cairn.server.compat.wandb.manifests import all_entries
from cairn.server.compat.wandb.resolvers.artifact_shapes import (
    artifact_shape,
    decode_id,
    encode_id,
    upload_shape,
)
from cairn.server.compat.wandb.tokens import ArtifactGrant, seal_artifact_grant
from cairn.server.store.artifacts import VersionRecord
from cairn.server.store.wandb_artifacts import KnownBlob, WandbArtifact
from cairn.wire.artifacts import LATEST, check_alias, check_artifact_name

_WANDB_DIGEST: Final = re.compile(r"^[0-9a-f]{32}$")
_MD5_B64: Final = re.compile(r"^[A-Za-z0-9+/]{22}==$")
MAX_METADATA_CHARS: Final = 1 << 20
MAX_FILES_PER_CALL: Final = 10_000


@mutation("createArtifact")
def create_artifact(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    """Start a version of an artifact logged by a run (or find it already stored)."""
    context = context_of(info)
    meta = context.ctx.meta
    run_id = input.get("runName")
    if not run_id:
        raise InvalidInputError(
            "CreateArtifact needs runName: Cairn records the run that logs each version; "
            "log artifacts from a run (wandb.init, then run.log_artifact)"
        )
    run = meta.resolve_run(context.who, input["entityName"], input["projectName"], run_id, "member")
    names = input.get("artifactCollectionNames") or [input.get("artifactCollectionName")]
    name = check_artifact_name(names[0])
    type_ = check_artifact_name(input["artifactTypeName"], "artifact type")
    if (input.get("digestAlgorithm") or "MANIFEST_MD5") != "MANIFEST_MD5":
        raise InvalidInputError("Cairn keeps W&B artifacts with MANIFEST_MD5 digests only")
    digest = input["digest"]
    if not _WANDB_DIGEST.match(digest):
        raise InvalidInputError("CreateArtifact digest must be a manifest MD5 (32 hex digits)")
    latest = _latest(context, run.project_pk, name, type_)
    upload_pk = meta.begin_wandb_artifact(
        run.pk, name, type_, digest, _spec(input, name), input.get("clientID")
    )
    state = "PENDING"
    same = None
    if input.get("enableDigestDeduplication", True):
        same = meta.wandb_digest_version(run.project_pk, name, digest)
    if same is not None:
        try:
            meta.readable_version(context.who, same)
        except NotFoundError:  # deleted meanwhile: the client uploads it again
            same = None
    if same is not None:
        entries = entries_of_version(all_entries(context.ctx, same))
        apply_upload(context.ctx, context.who, meta.wandb_artifact(upload_pk), entries)
        state = "COMMITTED"
    sequence = {
        "id": f"sequence:{run.entity}/{run.project}/{name}",
        "latestArtifact": None if latest is None else artifact_shape(context, latest),
    }
    shape = {"id": encode_id("upload", upload_pk), "state": state, "artifactSequence": sequence}
    return {"artifact": shape}


def _latest(
    context: GraphQLContext, project_pk: int, name: str, type_: str
) -> VersionRecord | None:
    """The collection's newest version; InvalidInputError when the name has another type."""
    meta = context.ctx.meta
    try:
        collection = meta.get_artifact(project_pk, name)
    except NotFoundError:
        return None
    if collection.type != type_:
        raise InvalidInputError(
            f"artifact {name!r} is of type {collection.type!r}, not {type_!r}: a name has one "
            "type; log it under another name"
        )
    return collection.latest


def _spec(input: dict[str, Any], name: str) -> dict[str, Any]:
    metadata = input.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise InvalidInputError("CreateArtifact metadata must be a JSON object")
    if len(json.dumps(metadata, default=str)) > MAX_METADATA_CHARS:
        raise InvalidInputError(f"artifact metadata is larger than {MAX_METADATA_CHARS} bytes")
    aliases = []
    for item in input.get("aliases") or []:
        collection = item.get("artifactCollectionName")
        alias = item.get("alias")
        if collection not in (None, name) or alias == LATEST:
            continue
        aliases.append(check_alias(alias))
    ttl = input.get("ttlDurationSeconds")
    return {
        "description": input.get("description"),
        "metadata": metadata,
        "aliases": list(dict.fromkeys(aliases)),
        "ttl_s": float(ttl) if ttl is not None and ttl > 0 else None,
    }


def _upload(context: GraphQLContext, artifact_id: str) -> WandbArtifact:
    """The caller's upload an id names (writing needs the member role on its project)."""
    kind, pk = decode_id(artifact_id)
    if kind != "upload":
        raise InvalidInputError(f"artifact {artifact_id!r} is already committed")
    upload = context.ctx.meta.wandb_artifact(pk)
    context.ctx.meta.authorize_write(context.who, upload.entity, upload.project)
    return upload


def _manifest_shape(context: GraphQLContext, upload: WandbArtifact) -> dict[str, Any]:
    grant = ArtifactGrant.for_caller(context.who, "put_manifest", upload.pk)
    url = f"{context.base_url}/wandb-artifacts/{seal_artifact_grant(context.ctx.secrets, grant)}"
    manifest_id = encode_id("upload", upload.pk)
    file = {"id": manifest_id, "name": "wandb_manifest.json", "uploadUrl": url, "uploadHeaders": []}
    return {"artifactManifest": {"id": manifest_id, "file": file}}


@mutation("createArtifactManifest")
def create_artifact_manifest(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    """The upload's manifest: its id, and where to PUT ``wandb_manifest.json``."""
    context = context_of(info)
    manifest_type = input.get("type") or "FULL"
    if manifest_type != "FULL":
        raise InvalidInputError(
            f"Cairn does not take {manifest_type.lower()} W&B artifact manifests; log the "
            "whole artifact (Artifact(..., incremental=False), no distributed_id)"
        )
    return _manifest_shape(context, _upload(context, input["artifactID"]))


@mutation("updateArtifactManifest")
def update_artifact_manifest(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    """The same answer for the manifest's id (W&B sends it for incremental manifests)."""
    context = context_of(info)
    return _manifest_shape(context, _upload(context, input["artifactManifestID"]))


@mutation("createArtifactFiles")
def create_artifact_files(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    """Where to PUT each file; no URL for bytes the server already holds and the caller may
    read (the same rule as ``POST /api/v1/blobs/missing``, so nothing unreadable leaks)."""
    context = context_of(info)
    specs = input["artifactFiles"]
    if len(specs) > MAX_FILES_PER_CALL:
        raise InvalidInputError(f"CreateArtifactFiles takes at most {MAX_FILES_PER_CALL} files")
    uploads: dict[str, WandbArtifact] = {}
    for spec in specs:
        if not _MD5_B64.match(spec["md5"]):
            raise InvalidInputError(f"file {spec['name']!r}: md5 must be base64 of 16 bytes")
        if spec["artifactID"] not in uploads:
            uploads[spec["artifactID"]] = _upload(context, spec["artifactID"])
    stored = _stored(context, uploads.values(), [s["md5"] for s in specs])
    edges = []
    for spec in specs:
        upload = uploads[spec["artifactID"]]
        known = stored.get((upload.pk, spec["md5"]))
        url = None
        if known is None:
            grant = ArtifactGrant.for_caller(context.who, "put_file", upload.pk, spec["md5"])
            token = seal_artifact_grant(context.ctx.secrets, grant)
            url = f"{context.base_url}/wandb-artifacts/{token}"
        node: dict[str, Any] = {
            "storagePath": f"wandb_artifacts/{upload.pk}/{spec['md5']}",
            "uploadUrl": url,
            "uploadHeaders": [],
            "uploadMultipartUrls": None,
            "artifact": upload_shape(upload),
        }
        edges.append({"node": node})
    return {"files": {"edges": edges}}


def _stored(
    context: GraphQLContext, uploads: Any, md5s: list[str]
) -> dict[tuple[int, str], KnownBlob]:
    """Files already on the server for each upload: by MD5, the blobs the caller may skip
    sending (noted on the upload, so its commit finds them)."""
    meta = context.ctx.meta
    candidates = meta.blobs_with_md5(md5s)
    out: dict[tuple[int, str], KnownBlob] = {}
    for upload in uploads:
        shas = [b.sha256 for md5 in md5s for b in candidates.get(md5, [])]
        if not shas:
            continue
        present = meta.present_blobs(
            context.who,
            f"{upload.entity}/{upload.project}",
            shas,
            context.ctx.settings.gc_grace_s,
            verify=context.ctx.blobs.exists,
        )
        noted = []
        for md5 in dict.fromkeys(md5s):
            blob = next((b for b in candidates.get(md5, []) if b.sha256 in present), None)
            if blob is not None:
                out[(upload.pk, md5)] = blob
                noted.append((md5, blob.sha256, blob.size))
        meta.add_wandb_artifact_files(upload.pk, noted)
    return out


@mutation("commitArtifact")
def commit_artifact(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    """Apply the upload as a version (atomically: aliases, ``latest`` and lineage with it)."""
    context = context_of(info)
    upload = _upload(context, input["artifactID"])
    if upload.committed and upload.version_pk is not None:
        version = context.ctx.meta.readable_version(context.who, upload.version_pk)
    else:
        entries = uploaded_entries(context.ctx, upload)
        version = apply_upload(context.ctx, context.who, upload, entries)
    return {"artifact": artifact_shape(context, version, encode_id("upload", upload.pk))}
