"""The records that stand in for a set-aside record, and the note the run gets (design 0015).

A set-aside record keeps its offset: in its place the sender sends a ``run`` record whose
``meta.sync_issues`` names it, so the stream has no gap and the run page says what is missing.
``cairn sync --retry-aside`` sends the record later in a stream of its own (one per record,
derived from the log's stream and the offset, so a resend is skipped as any other) together with
the record that clears its note.
"""

from __future__ import annotations

import hashlib
from typing import Any

from cairn.errors import InvalidInputError
from cairn.sdk.runlog.aside import AsideEntry
from cairn.wire import decode_record, encode_record
from cairn.wire.records import FILE, run_record

SYNC_ISSUES = "sync_issues"
"""The run's ``meta`` key for its set-aside records: ``{issue id: {kind, reason, at, what}}``."""


def issue_id(stream: bytes, offset: int) -> str:
    """The note's key for the record at ``offset`` of ``stream``: unique within a run."""
    return f"{stream.hex()}:{offset}"


def describe(payload: bytes) -> tuple[str, str]:
    """A record's kind and what it is, for a person (a file's path, else its size)."""
    try:
        kind, body = decode_record(payload)
    except InvalidInputError:
        return "?", f"{len(payload)} bytes"
    if kind == FILE:
        return kind, str(body["path"])
    return kind, f"{len(payload)} bytes"


def stand_in(stream: bytes, entry: AsideEntry) -> bytes:
    """The record sent at a set-aside record's offset: the run's note about it."""
    note: dict[str, Any] = {
        "kind": entry.kind,
        "reason": entry.reason,
        "at": entry.at,
        "what": entry.what,
    }
    issues = {issue_id(stream, entry.offset): note}
    return encode_record(run_record({"meta": {SYNC_ISSUES: issues}}))


def clear_note(stream: bytes, offset: int) -> bytes:
    """The record that removes the note once the record itself arrived."""
    return encode_record(run_record({"meta": {SYNC_ISSUES: {issue_id(stream, offset): None}}}))


def retry_stream(stream: bytes, offset: int) -> bytes:
    """The stream that carries the set-aside record at ``offset`` of ``stream`` on a retry."""
    return hashlib.sha256(b"cairn-aside:" + stream + offset.to_bytes(8, "big")).digest()[:16]
