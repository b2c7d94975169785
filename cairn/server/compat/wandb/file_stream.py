"""``POST /files/{entity}/{project}/{run}/file_stream``: a W&B run's history, system metrics,
summary and console, applied through Cairn's apply path (design 0016).

Each part is exactly-once or idempotent: history and events lines by their offsets, the summary
by replacing, console lines by overwriting their index. A request whose lines start past what
the server holds (a gap) is refused with 400, never 409; nothing else of it is lost, as the
parts before it in the request are applied.
"""

from __future__ import annotations

import gzip
import io
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson

from cairn.compat.wandb_rows import console_line, parse_line, summary_values
from cairn.errors import InvalidInputError, OffsetGapError, PayloadTooLargeError
from cairn.server.auth.principal import Principal
from cairn.server.compat.wandb.streams import (
    CONTROL_STREAM,
    EVENTS_STREAM,
    HISTORY_STREAM,
    RECORDS_PER_HISTORY_LINE,
    EventLines,
    HistoryLines,
    RunRef,
)
from cairn.server.context import ServerContext
from cairn.server.store.records import IngestResult, RunRecord
from cairn.wire import Batch
from cairn.wire.records import (
    Record,
    console_record,
    finish_record,
    run_record,
    summary_record,
)

HISTORY_FILE: Final = "wandb-history.jsonl"
EVENTS_FILE: Final = "wandb-events.jsonl"
SUMMARY_FILE: Final = "wandb-summary.json"
OUTPUT_FILES: Final = ("output.log",)
MAX_LINES: Final = 100_000


def decode_body(raw: bytes, encoding: str | None, limit: int) -> dict[str, Any]:
    """The request's JSON object (gzip-encoded when the client says so)."""
    if encoding and encoding.strip().lower() == "gzip":
        try:
            raw = _gunzip(raw, limit)
        except (OSError, EOFError, zlib.error):
            raise InvalidInputError("the body is not valid gzip") from None
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInputError(f"file_stream body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise InvalidInputError("file_stream body must be a JSON object")
    return body


def _gunzip(raw: bytes, limit: int) -> bytes:
    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
        out: bytes = stream.read(limit + 1)
    if len(out) > limit:
        raise PayloadTooLargeError(f"the decompressed body exceeds the {limit}-byte limit")
    return out


@dataclass(frozen=True, slots=True)
class Applied:
    """What one request did: whether the run is asked to stop, and the sweep to evaluate (the
    run is its trial and its history or state moved) or None."""

    stop: bool
    sweep_pk: int | None


def apply_file_stream(
    ctx: ServerContext, who: Principal, ref: RunRef, body: Mapping[str, Any]
) -> Applied:
    """Apply one request's parts."""
    now = time.time()
    files = body.get("files")
    if files is None:
        files = {}
    if not isinstance(files, Mapping):
        raise InvalidInputError("file_stream 'files' must be a JSON object")
    run = ctx.meta.resolve_run(who, ref.entity, ref.project, ref.run_id, "member")
    results: list[IngestResult] = []
    parts: list[tuple[str, bytes, HistoryLines | EventLines]] = []
    history = _part(files, HISTORY_FILE)
    if history is not None:
        parts.append((HISTORY_FILE, HISTORY_STREAM, HistoryLines(*history, now=now)))
    events = _part(files, EVENTS_FILE)
    if events is not None:
        parts.append((EVENTS_FILE, EVENTS_STREAM, EventLines(*events, now=now)))
    for name, stream, lines in parts:
        results.append(_ordered(ctx, who, ref.batch(stream, lines.first_offset, []), lines, name))
    control = _control_records(files, body, run, now)
    result = ctx.meta.append_batch(ref.batch(CONTROL_STREAM, 0, control), who)
    if result.rejected:
        raise InvalidInputError(f"file_stream: {result.rejected[0]['error']}")
    results.append(result)
    sweep_pk = next((r.sweep_pk for r in results if r.sweep_pk is not None), None)
    return Applied(any(r.stop for r in results), sweep_pk)


def _ordered(
    ctx: ServerContext, who: Principal, batch: Batch, lines: HistoryLines | EventLines, name: str
) -> IngestResult:
    try:
        return ctx.meta.apply_batch(batch, who, rebase=lines.records_from)
    except OffsetGapError as exc:
        per_line = RECORDS_PER_HISTORY_LINE if name == HISTORY_FILE else 1
        held = exc.expected_offset // per_line
        raise InvalidInputError(
            f"{name} lines start at {batch.first_offset // per_line} but the server holds "
            f"{held}; send from line {held}"
        ) from None


def _part(files: Mapping[str, Any], name: str) -> tuple[int, list[Any]] | None:
    part = files.get(name)
    if part is None:
        return None
    if not isinstance(part, Mapping):
        raise InvalidInputError(f"file_stream '{name}' must be an object with offset and content")
    offset = part.get("offset", 0)
    content = part.get("content", [])
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidInputError(f"file_stream '{name}' offset must be an integer >= 0")
    if not isinstance(content, list):
        raise InvalidInputError(f"file_stream '{name}' content must be a list of lines")
    if len(content) > MAX_LINES:
        raise PayloadTooLargeError(f"file_stream '{name}' has over {MAX_LINES} lines; send fewer")
    if not content:
        return None
    return offset, content


def _control_records(
    files: Mapping[str, Any], body: Mapping[str, Any], run: RunRecord, now: float
) -> list[Record]:
    records: list[Record] = []
    summary = _part(files, SUMMARY_FILE)
    if summary is not None:
        replacement = summary_values(parse_line(summary[1][-1], SUMMARY_FILE))
        removed = [key for key in run.summary if key not in replacement]
        records.append(summary_record(replacement, removed))
    for name in OUTPUT_FILES:
        output = _part(files, name)
        if output is not None:
            records.extend(_console_records(*output, now=now))
    if body.get("preempting") is True:
        records.append(run_record({"meta": {"preempting": True}}))
    if body.get("complete") is True:
        exit_code = body.get("exitcode")
        if exit_code is not None and (
            not isinstance(exit_code, int) or isinstance(exit_code, bool)
        ):
            raise InvalidInputError("file_stream 'exitcode' must be an integer")
        records.extend(_finish(run, now, exit_code))
    return records


def _finish(run: RunRecord, now: float, exit_code: int | None) -> list[Record]:
    """The run's end: ``killed`` with ``meta.stop_reason`` when it was asked to stop (as Cairn's
    SDK ends such a run, design 0012), else by its exit code."""
    reason = (run.meta or {}).get("stop_requested")
    if not isinstance(reason, str) or not reason:
        return [finish_record(now, exit_code)]
    return [
        run_record({"meta": {"stop_reason": reason}}),
        finish_record(now, exit_code, "killed"),
    ]


def _console_records(offset: int, raw_lines: list[Any], *, now: float) -> list[Record]:
    """Runs of lines of one stream, each placed at its own index (overwriting what is there)."""
    records: list[Record] = []
    group: list[str] = []
    group_stream, group_start, group_time = "stdout", offset, now
    for index, raw in enumerate(raw_lines):
        if not isinstance(raw, str):
            raise InvalidInputError("file_stream output.log content must be strings")
        line = console_line(raw)
        if group and line.stream != group_stream:
            records.append(console_record(group_stream, group, group_time, line=group_start))
            group = []
        if not group:
            group_stream, group_start = line.stream, offset + index
            group_time = line.time if line.time is not None else now
        group.append(line.text)
    if group:
        records.append(console_record(group_stream, group, group_time, line=group_start))
    return records
