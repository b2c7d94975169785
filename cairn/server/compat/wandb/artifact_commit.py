"""A W&B artifact upload applied as Cairn's ``artifact`` record (design 0016).

No second data model: the version is made by the same record and the same apply path as
Cairn's SDK uses (``/api/v1/ingest``), appended to the logging run's W&B control stream, so it
becomes visible atomically, with its aliases, ``latest`` and the run's lineage link.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.auth.principal import Principal
from cairn.server.compat.wandb.manifests import (
    MAX_MANIFEST_BYTES,
    WandbEntry,
    parse_manifest,
    reference_entry,
    wandb_digest,
)
from cairn.server.compat.wandb.streams import CONTROL_STREAM, RunRef
from cairn.server.context import ServerContext
from cairn.server.store.artifacts import EntryRecord, VersionRecord
from cairn.server.store.wandb_artifacts import KnownBlob, WandbArtifact
from cairn.wire.records import artifact_record, validate_record


def record_id(upload: WandbArtifact) -> str:
    """The ``artifact`` record id of an upload: fixed, so a repeated commit applies once."""
    return hashlib.sha256(f"wandb-artifact:{upload.pk}".encode()).hexdigest()[:32]


def apply_upload(
    ctx: ServerContext, who: Principal, upload: WandbArtifact, entries: list[dict[str, Any]]
) -> VersionRecord:
    """Apply the upload's version with ``entries`` (Cairn entry maps) and mark it committed.

    InvalidInputError when the record is refused; nothing is applied then."""
    spec = upload.spec
    record = validate_record(
        artifact_record(
            record_id(upload),
            upload.name,
            upload.type,
            entries,
            time.time(),
            description=spec.get("description"),
            metadata=spec.get("metadata") or {},
            aliases=spec.get("aliases") or [],
            ttl_s=spec.get("ttl_s"),
        )
    )
    ref = RunRef(upload.entity, upload.project, upload.run_id)
    result = ctx.meta.append_batch(ref.batch(CONTROL_STREAM, 0, [record]), who)
    if result.rejected:
        raise InvalidInputError(f"artifact {upload.name!r}: {result.rejected[0]['error']}")
    if not result.artifacts:  # applied by an earlier commit of the same upload
        done = ctx.meta.wandb_artifact(upload.pk)
        if done.version_pk is None:
            raise NotFoundError(f"artifact {upload.name!r} was committed and then deleted")
        return ctx.meta.readable_version(who, done.version_pk)
    version = ctx.meta.get_version(upload.project_pk, upload.name, result.artifacts[0]["version"])
    ctx.meta.commit_wandb_artifact(upload.pk, version.pk)
    return version


def entries_of_version(entries: list[EntryRecord]) -> list[dict[str, Any]]:
    """A committed version's entries as a record's (to log the same content again)."""
    out: list[dict[str, Any]] = []
    for e in entries:
        item: dict[str, Any] = {"path": e.path, "size": e.size}
        if e.sha256:
            item["sha256"] = e.sha256
            if e.md5:
                item["md5"] = e.md5
        else:
            item.update(ref=e.ref, checksum=e.checksum)
            if e.size is None:
                del item["size"]
        if e.extra:
            item["extra"] = e.extra
        out.append(item)
    return out


def uploaded_entries(ctx: ServerContext, upload: WandbArtifact) -> list[dict[str, Any]]:
    """The upload's manifest as Cairn entries: each file's sha256 and size as the server
    measured them when its bytes arrived. InvalidInputError names what is missing or wrong."""
    if upload.manifest_sha256 is None:
        raise InvalidInputError(
            f"artifact {upload.name!r} has no manifest yet: upload wandb_manifest.json "
            "(CreateArtifactManifest) before CommitArtifact"
        )
    raw = _read_blob(ctx, upload.manifest_sha256)
    listed = parse_manifest(raw)
    claimed = wandb_digest((e.path, e.digest) for e in listed)
    if claimed != upload.wandb_digest:
        raise InvalidInputError(
            f"artifact {upload.name!r}: the uploaded manifest's digest {claimed} is not the "
            f"digest {upload.wandb_digest} given to CreateArtifact"
        )
    files = ctx.meta.wandb_artifact_files(upload.pk)
    return [_entry(upload.name, e, files) for e in listed]


def _entry(name: str, entry: WandbEntry, files: dict[str, KnownBlob]) -> dict[str, Any]:
    if entry.ref is not None:
        return reference_entry(entry)
    known = files.get(entry.digest)
    if known is None:
        raise InvalidInputError(
            f"artifact {name!r}: file {entry.path!r} (md5 {entry.digest}) was never uploaded; "
            "PUT it to the URL CreateArtifactFiles gave before CommitArtifact"
        )
    if entry.size is not None and entry.size != known.size:
        raise InvalidInputError(
            f"artifact {name!r}: file {entry.path!r} is {known.size} bytes on the server, "
            f"the manifest says {entry.size}"
        )
    item: dict[str, Any] = {
        "path": entry.path,
        "sha256": known.sha256,
        "size": known.size,
        "md5": entry.digest,
    }
    if entry.extra:
        item["extra"] = entry.extra
    return item


def _read_blob(ctx: ServerContext, sha256: str) -> bytes:
    parts: list[bytes] = []
    total = 0
    for chunk in ctx.blobs.open(sha256):
        total += len(chunk)
        if total > MAX_MANIFEST_BYTES:
            raise InvalidInputError(f"the artifact manifest exceeds {MAX_MANIFEST_BYTES} bytes")
        parts.append(chunk)
    return b"".join(parts)
