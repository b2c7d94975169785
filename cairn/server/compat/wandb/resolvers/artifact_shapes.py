"""Cairn's artifact versions in the shapes the W&B client reads, and W&B's artifact ids.

A committed version's id is ``Artifact:<version pk>``; a version the W&B client is still
building (and, after it commits, the same id the client was given) is ``WandbArtifact:<pk>`` of
its upload row. Both are base64, as W&B's ids are. Fields that cost a read are callables.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any, Final, Literal
from urllib.parse import quote

from cairn.errors import NotFoundError
from cairn.server.compat.wandb.context import GraphQLContext, Info
from cairn.server.compat.wandb.manifests import file_md5s, version_digest
from cairn.server.compat.wandb.resolvers.shapes import project_shape, run_shape
from cairn.server.compat.wandb.tokens import ArtifactGrant, seal_artifact_grant
from cairn.server.store.artifacts import EntryRecord, VersionRecord
from cairn.server.store.wandb_artifacts import WandbArtifact

_PREFIXES: Final = {"version": "Artifact:", "upload": "WandbArtifact:"}
NO_TTL: Final = -2
"""W&B's ``ttlDurationSeconds`` for a version that never expires."""

IdKind = Literal["version", "upload"]


def encode_id(kind: IdKind, pk: int) -> str:
    """The W&B id of a version or of an upload row."""
    return base64.b64encode(f"{_PREFIXES[kind]}{pk}".encode()).decode("ascii")


def decode_id(artifact_id: str) -> tuple[IdKind, int]:
    """What an id made by :func:`encode_id` names; NotFoundError for any other."""
    try:
        text = base64.b64decode(artifact_id, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    for kind, prefix in (("version", "Artifact:"), ("upload", "WandbArtifact:")):
        number = text.removeprefix(prefix)
        if text.startswith(prefix) and number.isdigit() and len(number) < 19:
            return kind, int(number)  # type: ignore[return-value]
    raise NotFoundError(f"no artifact has the id {artifact_id[:80]!r}")


def iso(ts: float) -> str:
    """A time as W&B writes it (UTC, seconds)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts))


def split_name(name: str) -> tuple[str, str]:
    """``name:version-or-alias`` (the version ``latest`` when absent)."""
    collection, _, ref = name.partition(":")
    return collection, ref or "latest"


def sequence_shape(
    context: GraphQLContext, entity: str, project: str, name: str, type_: str
) -> dict[str, Any]:
    """An artifact (W&B's artifact sequence): all versions of one name."""

    def latest(info: Info) -> dict[str, Any] | None:
        return version_in(context, entity, project, name, "latest")

    def membership(info: Info, aliasName: str) -> dict[str, Any] | None:
        return membership_in(context, entity, project, name, aliasName)

    return {
        "__typename": "ArtifactSequence",
        "id": f"sequence:{entity}/{project}/{name}",
        "name": name,
        "description": None,
        "project": project_shape(context, entity, project),
        "latestArtifact": latest,
        "digestAlgorithm": "MANIFEST_MD5",
        "artifactMembership": membership,
        "type": type_,
    }


def _version(
    context: GraphQLContext, entity: str, project: str, name: str, ref: str
) -> VersionRecord | None:
    record = context.ctx.meta.resolve_project(context.who, entity, project, "viewer")
    try:
        return context.ctx.meta.get_version(record.pk, name, ref)
    except NotFoundError:
        return None


def version_in(
    context: GraphQLContext, entity: str, project: str, name: str, ref: str
) -> dict[str, Any] | None:
    """The version ``ref`` of ``name`` in a project the caller can read (None: no such)."""
    version = _version(context, entity, project, name, ref)
    return None if version is None else artifact_shape(context, version)


def membership_in(
    context: GraphQLContext, entity: str, project: str, name: str, ref: str
) -> dict[str, Any] | None:
    """The version ``ref`` of ``name`` as W&B's collection membership (None: no such)."""
    version = _version(context, entity, project, name, ref)
    return None if version is None else membership_shape(context, version)


def alias_shapes(context: GraphQLContext, version: VersionRecord) -> list[dict[str, Any]]:
    """The version's aliases with its ``vN`` (W&B lists the version among them)."""
    collection = sequence_shape(
        context, version.entity, version.project, version.name, version.type
    )
    return [
        {"id": f"alias:{version.pk}:{alias}", "alias": alias, "artifactCollection": collection}
        for alias in [version.version, *version.aliases]
    ]


def read_url(context: GraphQLContext, version: VersionRecord, path: str | None = None) -> str:
    """The capability URL of the version's manifest (``path`` None) or of one of its files."""
    token = seal_artifact_grant(
        context.ctx.secrets, ArtifactGrant.for_caller(context.who, "read", version.pk)
    )
    url = f"{context.base_url}/wandb-artifacts/{token}"
    return url if path is None else f"{url}/{quote(path, safe='/')}"


def artifact_shape(
    context: GraphQLContext, version: VersionRecord, artifact_id: str | None = None
) -> dict[str, Any]:
    """A committed version as W&B's ``Artifact``."""
    ctx = context.ctx
    own_id = artifact_id or encode_id("version", version.pk)

    def manifest(info: Info) -> dict[str, Any]:
        url = read_url(context, version)
        file = {
            "id": f"manifest-file:{version.pk}",
            "name": "wandb_manifest.json",
            "directUrl": url,
        }
        return {"id": f"manifest:{version.pk}", "file": file}

    def digest(info: Info) -> str:
        known = ctx.meta.wandb_version_digest(version.pk)
        return known if known is not None else version_digest(ctx, version)

    def created_by(info: Info) -> dict[str, Any] | None:
        logger = version.logged_by
        if logger is None:
            return None
        try:
            run = ctx.meta.resolve_run(
                context.who, logger.entity, logger.project, logger.id, "viewer"
            )
        except NotFoundError:  # a run in a project the caller cannot read
            return None
        return {"__typename": "Run", **run_shape(context, run)}

    def used_by(info: Info, after: str | None = None, first: int | None = None) -> dict[str, Any]:
        graph = ctx.meta.version_lineage(context.who, version.pk, 1)
        node = f"artifact:{version.path}"
        paths = [t.removeprefix("run:") for s, t in graph.edges if s == node]
        runs = ctx.meta.resolve_runs(context.who, paths, "viewer") if paths else []
        return {"edges": [{"node": run_shape(context, run)} for run in runs]}

    ttl = NO_TTL if version.expires_at is None else int(version.expires_at - version.created_at)
    return {
        "__typename": "Artifact",
        "id": own_id,
        "artifactSequence": sequence_shape(
            context, version.entity, version.project, version.name, version.type
        ),
        "versionIndex": version.index,
        "artifactType": {"id": f"type:{version.type}", "name": version.type},
        "description": version.description,
        "metadata": json.dumps(version.metadata),
        "ttlDurationSeconds": ttl,
        "ttlIsInherited": False,
        "tags": [],
        "historyStep": None,
        "state": "COMMITTED",
        "size": version.size,
        "digest": digest,
        "digestAlgorithm": "MANIFEST_MD5",
        "commitHash": version.digest[:12],
        "fileCount": version.file_count,
        "createdAt": iso(version.created_at),
        "updatedAt": iso(version.created_at),
        "aliases": lambda info: alias_shapes(context, version),
        "currentManifest": manifest,
        "createdBy": created_by,
        "usedBy": used_by,
    }


def membership_shape(context: GraphQLContext, version: VersionRecord) -> dict[str, Any]:
    """A version as a member of its collection, with its files' download URLs."""

    def files(
        info: Info,
        after: str | None = None,
        first: int | None = None,
        names: list[str] | None = None,
    ) -> dict[str, Any]:
        return files_page(context, version, after, first, names)

    return {
        "__typename": "ArtifactCollectionMembership",
        "id": encode_id("version", version.pk),
        "versionIndex": version.index,
        "createdAt": iso(version.created_at),
        "aliases": alias_shapes(context, version),
        "artifactCollection": sequence_shape(
            context, version.entity, version.project, version.name, version.type
        ),
        "artifact": artifact_shape(context, version),
        "files": files,
    }


MAX_FILES_PAGE: Final = 10_000


def files_page(
    context: GraphQLContext,
    version: VersionRecord,
    after: str | None,
    first: int | None,
    names: list[str] | None = None,
) -> dict[str, Any]:
    """A page of the version's entries by path (or those named), each with its download
    URL; a reference's is where it points (the client fetches references itself)."""
    meta = context.ctx.meta
    limit = max(1, min(first or 1000, MAX_FILES_PAGE))
    if names is not None:
        wanted = sorted(n for n in set(names) if after is None or n > after)
        found = [meta.get_entry(version.pk, name) for name in wanted[: limit + 1]]
        page = [entry for entry in found if entry is not None]
    else:
        page = meta.list_entries(version.pk, after=after or None, limit=limit + 1)
    more = len(page) > limit
    page = page[:limit]
    base = read_url(context, version)  # one token for the page: it grants the whole version
    md5s: dict[str, str] = {}

    def md5_of(sha: str | None) -> str | None:
        if sha is None:
            return None
        if not md5s:
            md5s.update(file_md5s(context.ctx, [e.sha256 for e in page if e.sha256]))
        return md5s[sha]

    def node(entry: EntryRecord) -> dict[str, Any]:
        url = entry.ref or f"{base}/{quote(entry.path, safe='/')}"
        return {
            "__typename": "File",
            "id": f"file:{version.pk}:{entry.path}",
            "name": entry.path,
            "displayName": entry.path,
            "url": url,
            "directUrl": url,
            "sizeBytes": entry.size or 0,
            "storagePath": entry.sha256,
            "mimetype": None,
            "updatedAt": iso(version.created_at),
            "digest": lambda info: md5_of(entry.sha256) or entry.checksum,
            "md5": lambda info: md5_of(entry.sha256),
        }

    return {
        "totalCount": version.file_count,
        "pageInfo": {"endCursor": page[-1].path if page else None, "hasNextPage": more},
        "edges": [{"node": node(entry)} for entry in page],
    }


def upload_shape(upload: WandbArtifact) -> dict[str, Any]:
    """A version the W&B client is building, as far as the client reads one back."""
    return {"__typename": "Artifact", "id": encode_id("upload", upload.pk), "state": "PENDING"}


def version_or_upload(context: GraphQLContext, artifact_id: str) -> VersionRecord:
    """The committed version an id names, in a project the caller can read; NotFoundError
    for an unknown id, an unfinished upload, or a version the caller cannot read."""
    kind, pk = decode_id(artifact_id)
    if kind == "upload":
        upload = context.ctx.meta.wandb_artifact(pk)
        context.ctx.meta.resolve_project(context.who, upload.entity, upload.project, "viewer")
        if upload.version_pk is None:
            state = "deleted" if upload.committed else "not committed yet"
            raise NotFoundError(f"artifact {upload.name!r} ({artifact_id}) is {state}")
        pk = upload.version_pk
    return context.ctx.meta.readable_version(context.who, pk)
