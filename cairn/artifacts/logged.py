"""``run.log_artifact``: one ``artifact`` record in the run log, and the version it becomes.

The record carries the whole manifest (one record = one atomic version, offline too). Staged
copies move into the run's ``artifact-staging`` folder; for files hashed in place a sidecar
(``staging.write_sources``) tells the sender where they are and how they looked. The sender
reports applied records back here (``applied``), which fills ``version``.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn.artifacts import staging
from cairn.artifacts.artifact import Artifact
from cairn.artifacts.entries import Entry, Source
from cairn.artifacts.names import check_name, clean_aliases
from cairn.errors import InvalidInputError
from cairn.wire.records import ARTIFACT, artifact_record

if TYPE_CHECKING:
    from cairn.sdk.run import Run

_pending: weakref.WeakValueDictionary[str, Artifact] = weakref.WeakValueDictionary()
_pending_lock = threading.Lock()


def _from_path(run: Run, path: str | Path, name: str | None, type_: str | None) -> Artifact:
    local = Path(path)
    if not local.exists():
        raise InvalidInputError(f"{local} does not exist: log a file, a folder or a cairn.Artifact")
    if name is None:
        cleaned = re.sub(r"[^A-Za-z0-9._-]", "-", local.resolve().name).strip("-.")
        name = f"run-{run.id}-{cleaned}"[:128]
    art = Artifact(name, type_ or "unspecified")
    if local.is_dir():
        art.add_dir(local)
    else:
        art.add_file(local)
    return art


def build_record(art: Artifact, record_id: str, aliases: list[str]) -> dict[str, Any]:
    """The body of the ``artifact`` record that logs ``art``."""
    try:
        json.dumps(art.metadata, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"artifact metadata must be JSON-like: {exc}") from None
    return artifact_record(
        record_id,
        art.name,
        art.type,
        art.manifest.to_wire(),
        time.time(),
        description=art.description,
        metadata=art.metadata,
        aliases=aliases,
        ttl_s=art._ttl_s,
    )[1]


def _settle_sources(run: Run, art: Artifact, record_id: str) -> None:
    """Staged copies into the run's staging folder; a sidecar for in-place files."""
    folder = run.dir / staging.STAGING_DIR
    in_place: dict[str, Source] = {}
    manifest = art.manifest
    for entry in list(manifest):
        if entry.local is None or entry.sha256 is None:
            continue
        if entry.local.mtime_ns is not None:
            in_place[entry.sha256] = entry.local
            continue
        moved = staging.adopt(entry.local, folder, entry.sha256)
        if moved != entry.local:
            manifest.add(Entry(entry.path, entry.size, sha256=entry.sha256, local=moved))
    if in_place:
        staging.write_sources(run.dir, record_id, in_place)


def log_artifact(
    run: Run,
    artifact: Artifact | str | Path,
    name: str | None = None,
    type: str | None = None,
    aliases: Iterable[str] | str | None = None,
) -> Artifact:
    """Log ``artifact`` (or a file/folder as one) with ``run``; returns the Artifact, whose
    ``version`` is set once the server has it (``wait()``)."""
    if run.finished:
        raise InvalidInputError(f"run {run.path} is finished; log the artifact from a new run")
    if isinstance(artifact, str | os.PathLike):
        if run.settings.mode == "disabled":
            return Artifact(name or "disabled", type or "unspecified")
        art = _from_path(run, artifact, name, type)
    elif isinstance(artifact, Artifact):
        art = artifact
        art._require_draft()
        if name is not None:
            art.name = check_name(name)
        if type is not None:
            art.type = check_name(type, "artifact type")
    else:
        raise InvalidInputError("log_artifact() takes a cairn.Artifact or a file or folder path")
    if run.settings.mode == "disabled":
        return art  # the same API, nothing recorded
    alias_list = clean_aliases(list(aliases) if aliases is not None and not isinstance(aliases, str)
                               else aliases)  # fmt: skip
    record_id = os.urandom(16).hex()
    body = build_record(art, record_id, alias_list)  # checks before anything is moved
    _settle_sources(run, art, record_id)
    art._mark_logged(run, record_id, alias_list)
    with _pending_lock:
        _pending[record_id] = art
    run._put(("record", (ARTIFACT, body)))
    return art


def applied(records: Iterable[Mapping[str, Any]]) -> None:
    """Note the artifact records the server applied (``{"id", "version", ...}`` each)."""
    for record in records:
        record_id, version = record.get("id"), record.get("version")
        if not isinstance(record_id, str) or not isinstance(version, str):
            continue
        with _pending_lock:
            art = _pending.pop(record_id, None)
        if art is not None:
            art._mark_applied(version)
