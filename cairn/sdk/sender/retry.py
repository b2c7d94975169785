"""``cairn sync --retry-aside``: send a log's set-aside records again (design 0015).

A record whose stand-in the server has acknowledged goes in a stream of its own (see
:func:`~cairn.sdk.sender.setaside.retry_stream`) as offset 0, followed by the record that clears
its note on the run: a resend after a lost answer is skipped like any other. A record not yet
stood in for simply leaves the list and goes with the rest of the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from cairn.errors import InvalidInputError
from cairn.sdk.runlog.aside import AsideEntry, read_aside, write_aside
from cairn.sdk.runlog.files import LogReader, read_progress
from cairn.sdk.runlog.format import LogHeader
from cairn.sdk.sender.blobs import LocalBlob
from cairn.sdk.sender.setaside import clear_note, retry_stream
from cairn.sdk.sender.transport import Transport
from cairn.wire import decode_record, encode_batch
from cairn.wire.records import FILE

log = logging.getLogger("cairn.sender")


@dataclass(frozen=True, slots=True)
class RetryResult:
    """What a retry of one log's set-aside records came to."""

    delivered: list[AsideEntry]
    still_aside: list[AsideEntry]
    """Refused again (with the new reason), or not tried through to the end (a network error,
    a busy server: try again later)."""


def retry_aside(log_path: Path, transport: Transport) -> RetryResult:
    """Send again each record of ``log_path`` set aside; the list keeps those still refused."""
    entries = read_aside(log_path)
    acked = read_progress(log_path).offset
    pending = {offset: e for offset, e in entries.items() if offset >= acked}
    delivered = list(pending.values())  # they go with the log itself
    entries = {offset: e for offset, e in entries.items() if offset < acked}
    reader = LogReader(log_path)
    try:
        header = reader.header
        payloads = {f.offset: f.payload for f in reader.frames() if f.offset in entries}
    finally:
        reader.close()
    still: dict[int, AsideEntry] = {}
    for offset, entry in sorted(entries.items()):
        payload = payloads.get(offset)
        if payload is None:
            continue  # the log no longer holds it: nothing left to send
        reason = _resend(transport, header, log_path.parent / "files", offset, payload)
        if reason is None:
            delivered.append(entry)
        else:
            still[offset] = replace(entry, reason=reason)
    write_aside(log_path, still)
    return RetryResult(delivered, list(still.values()))


def _resend(
    transport: Transport, header: LogHeader, files: Path, offset: int, payload: bytes
) -> str | None:
    """Send one set-aside record; None once the server has it, else why not."""
    entity = header.entity or "local"
    try:
        kind, body = decode_record(payload)
    except InvalidInputError:
        kind, body = "?", {}
    if kind == FILE:
        blob = LocalBlob(body["sha256"], body["size"], files / body["path"])
        uploaded = transport.upload_blobs(f"{entity}/{header.project}", [blob])
        if uploaded.refused_blobs:
            return next(iter(uploaded.refused_blobs.values()))
        if uploaded.outcome != "ok":
            return f"not sent this time: {uploaded.detail}"
    batch = encode_batch(
        entity,
        header.project,
        header.run_id,
        retry_stream(header.stream, offset),
        0,
        [payload, clear_note(header.stream, offset)],
        version=header.wire,
    )
    result = transport.post_batch(batch)
    if result.outcome == "ok":
        for rejected in result.rejected:
            if rejected.get("offset") == 0:
                log.warning(
                    "cairn: the server rejected the set-aside record at offset %d: %s",
                    offset,
                    rejected.get("error"),
                )
        return None
    if result.outcome in ("too_large", "refused"):
        return result.detail
    return f"not sent this time: {result.detail}"
