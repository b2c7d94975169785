"""The sender's side of artifact records: their blobs go up before the batch that holds them.

For each ``artifact`` record in a batch, its stored files are found on this machine (a staged
copy, or the in-place file named by the record's sidecar) and uploaded in one
``upload_blobs`` call. A record whose in-place file changed since it was logged is set aside:
its payload is kept in ``artifact-staging/set-aside/``, a warning names the file, and a console
line takes its place in the batch (offsets stay consecutive), so the sender never sticks.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import Any, Final

import msgpack

from cairn.artifacts import staging
from cairn.artifacts.entries import Source
from cairn.sdk.sender.blobs import LocalBlob
from cairn.sdk.sender.transport import PostResult, Transport
from cairn.wire import encode_record
from cairn.wire.records import ARTIFACT, console_record

log = logging.getLogger("cairn")

_PREFIX: Final = msgpack.packb([ARTIFACT, {}], use_bin_type=True)[:-1]
SET_ASIDE_DIR: Final = "set-aside"
_SHA256: Final = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class _Record:
    index: int
    body: dict[str, Any]
    blobs: list[LocalBlob] = field(default_factory=list)
    in_place: dict[str, Source] = field(default_factory=dict)
    problem: str | None = None


class ArtifactUploads:
    """Uploads the blobs of the artifact records of one run log's batches."""

    def __init__(self, run_dir: Path, project: str, transport: Transport) -> None:
        self._run_dir = run_dir
        self._staging = run_dir / staging.STAGING_DIR
        self._project = project
        self._transport = transport

    def prepare(self, payloads: list[bytes]) -> tuple[list[bytes], PostResult | None]:
        """The payloads to send (set-aside records replaced) and a failed upload, if any."""
        records = self._records(payloads)
        if not records:
            return payloads, None
        out = list(payloads)
        for attempt in (0, 1):
            for record in records:
                if record.problem is None:
                    record.problem = self._locate(record)
            blobs = {b.sha256: b for r in records if r.problem is None for b in r.blobs}
            result = self._transport.upload_blobs(self._project, list(blobs.values()))
            if result.outcome in ("ok", "refused") or attempt == 1 or result.outcome != "fatal":
                break
            # a file may have changed between our check and its upload: look again, by content
            if not self._rehash(records):
                break
        refused = result.refused_blobs if result.outcome == "refused" else {}
        for record in records:
            if record.problem is None and refused:
                # a file the server (or a proxy before it) refuses for good: this version cannot
                # be complete, so it waits aside instead of holding back the rest of the run
                why = next((refused[b.sha256] for b in record.blobs if b.sha256 in refused), None)
                if why is not None:
                    record.problem = f"the server refused one of its files: {why}"
            if record.problem is not None:
                out[record.index] = self._set_aside(payloads[record.index], record)
        return out, None if result.outcome in ("ok", "refused") else result

    def _records(self, payloads: list[bytes]) -> list[_Record]:
        records = []
        for index, payload in enumerate(payloads):
            if not payload.startswith(_PREFIX):
                continue
            try:
                record = msgpack.unpackb(payload, raw=False)
            except (ValueError, TypeError, msgpack.ExtraData):
                continue  # the server rejects it and says why
            body = record[1] if isinstance(record, list) and len(record) == 2 else None
            if isinstance(body, dict) and isinstance(body.get("entries"), list):
                records.append(_Record(index, body))
        return records

    def _locate(self, record: _Record) -> str | None:
        """Fill the record's blobs; the problem that sets it aside, if any."""
        body = record.body
        record.in_place = staging.read_sources(self._run_dir, str(body.get("id", "")))
        record.blobs = []
        seen: set[str] = set()
        for entry in body["entries"]:
            sha = entry.get("sha256") if isinstance(entry, dict) else None
            size = entry.get("size") if isinstance(entry, dict) else None
            if not isinstance(sha, str) or not _SHA256.match(sha) or sha in seen:
                continue  # not a stored file (a reference), or malformed: the server says so
            if not isinstance(size, int):
                continue
            seen.add(sha)
            staged = self._staging / sha
            if _size_of(staged) == size:
                record.blobs.append(LocalBlob(sha, size, staged))
                continue
            source = record.in_place.get(sha)
            if source is None:
                continue  # no copy here: the server may hold it already, else it says so
            if staging.source_changed(source) and _sha_or_none(source.path) != sha:
                return (f"{source.path} (the artifact's {entry.get('path')!r}) changed after it "
                        "was logged with policy='immutable'")  # fmt: skip
            record.blobs.append(LocalBlob(sha, size, source.path))
        return None

    def _rehash(self, records: list[_Record]) -> bool:
        """Hash the in-place files again; whether one no longer matches (its record is then
        set aside)."""
        found = False
        for record in records:
            if record.problem is not None:
                continue
            for blob in record.blobs:
                if blob.path.parent != self._staging and _sha_or_none(blob.path) != blob.sha256:
                    record.problem = (
                        f"{blob.path} changed after it was logged with policy='immutable'"
                    )
                    found = True
                    break
        return found

    def _set_aside(self, payload: bytes, record: _Record) -> bytes:
        folder = self._staging / SET_ASIDE_DIR
        name = f"{record.body.get('id', 'record')}.msgpack"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(payload)
        except OSError:
            pass
        message = (f"cairn: artifact {record.body.get('name')!r} was not uploaded: "
                   f"{record.problem}; its record is kept in {folder / name}")  # fmt: skip
        log.warning("%s", message)
        return encode_record(console_record("stderr", [message], time.time()))


def _size_of(path: Path) -> int | None:
    """The size of a regular file, None when there is none."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size if S_ISREG(stat.st_mode) else None


def _sha_or_none(path: Path) -> str | None:
    try:
        return staging.sha256_of(path)
    except OSError:
        return None


def has_artifacts(payloads: list[bytes]) -> bool:
    """Whether a batch holds artifact records (told by their first bytes)."""
    return any(payload.startswith(_PREFIX) for payload in payloads)


def applied(result: PostResult) -> None:
    """Hand the artifact records an answer lists as applied to the waiting artifacts."""
    if result.artifacts:
        from cairn.artifacts import logged

        logged.applied(result.artifacts)
