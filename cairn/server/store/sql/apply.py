"""Applying validated records to one run inside an ingest transaction.

Run-level changes (config, summary, tags, state, heartbeat) accumulate and are written once by
:meth:`RunApplier.flush`, so a batch of a thousand records costs one run UPDATE. Series points
accumulate per key too and go to the series store once per key and batch (in arrival order):
an append costs a handful of statements whatever its size, and the SDK sends a batch as many
column blocks of a few thousand rows.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from sqlalchemy import Connection, delete, insert, select, update

from cairn.errors import InvalidInputError
from cairn.server.jsonvalues import json_safe
from cairn.server.store.artifacts import AppliedArtifact
from cairn.server.store.base import SeriesKind, SeriesStore
from cairn.server.store.sql import alerts, kv, media
from cairn.server.store.sql.artifacts_apply import apply_artifact
from cairn.server.store.sql.automation_events import emit_thresholds
from cairn.server.store.sql.schema import (
    blobs,
    console_chunks,
    run_files,
    run_value_keys,
    run_values,
    runs,
    series,
)
from cairn.server.store.sql.upsert import upsert
from cairn.wire import decode_column_block

_MAX_VALUE_JSON = 1 << 20
_ENDING_META = ("stop_reason", "preempting")  # meta a resumed run no longer carries
_KIND_NAMES: dict[int, SeriesKind] = {0: "history", 1: "system"}
_KEYS_PER_LOOKUP = 500

# One key's points from one record: (steps or None for system series, times, values).
_Part = tuple[Any, Any, Any]


_MERGED_DEEPER = ("sync_issues",)
"""meta keys whose maps merge key by key too: each writer stream adds its own entries
(design 0015)."""


def merge_meta(stored: object, sent: dict[str, Any], *, final: bool) -> dict[str, Any]:
    """``sent`` merged into ``stored`` key by key, the keys of :data:`_MERGED_DEEPER` one level
    deeper. Nulls stay (they remove what they name when the batch is written) unless ``final``:
    then a null entry of a deeper map is dropped, and a map left empty becomes null."""
    base = dict(stored) if isinstance(stored, dict) else {}
    merged = {**base, **sent}
    for key in _MERGED_DEEPER:
        old, new = base.get(key), sent.get(key)
        if not isinstance(new, dict):
            continue
        entries = {**old, **new} if isinstance(old, dict) else dict(new)
        if final:
            entries = {k: v for k, v in entries.items() if v is not None}
        merged[key] = entries if entries or not final else None
    return merged


def stop_reason_of(meta: object) -> str | None:
    """The reason of a run's stop request (``meta.stop_requested``), or None without one."""
    stop = meta.get("stop_requested") if isinstance(meta, dict) else None
    if not stop:
        return None
    return stop if isinstance(stop, str) else "user"


class RunApplier:
    """Applies one run's records; call :meth:`flush` once after the last record."""

    def __init__(
        self,
        conn: Connection,
        series: SeriesStore,
        run_pk: int,
        project_pk: int,
        now: float,
        *,
        step_shift: int | None = None,
    ) -> None:
        self._conn = conn
        self.step_shift = step_shift
        """Added to the steps of this stream's history and values (design 0014); a resumed run
        record with ``relative_steps`` sets it, and the caller stores it with the offset."""
        self._series = series
        self._run_pk = run_pk
        self._project_pk = project_pk
        self._now = now
        self._fields: dict[str, Any] = {}
        self._config: dict[str, Any] = {}
        self._summary_set: dict[str, Any] = {}
        self._summary_removed: set[str] = set()
        self._last_step: int | None = None
        self._heartbeat: float | None = None
        self._console_lines: int | None = None
        self._kinds: dict[str, SeriesKind] = {}
        self._points: dict[tuple[str, SeriesKind], list[_Part]] = {}
        self._media = media.KeyTally()
        self._resumed = False
        self._value_keys = media.KeyTally(run_value_keys, "value_type")
        self.stop_requested: str | None = None  # set by flush: the run's stop request, if any
        self.sweep_pk: int | None = None  # set by flush: the sweep the run is a trial of
        self.had_history = False  # history or a state change: hyperband and sweep state may move
        self.artifacts: list[AppliedArtifact] = []  # artifact records applied, in order

    def apply(self, kind: str, body: dict[str, Any]) -> None:
        """Apply one validated record; InvalidInputError leaves nothing of it applied."""
        getattr(self, f"_apply_{kind}")(body)

    def _apply_run(self, body: dict[str, Any]) -> None:
        # Everything that can be refused is checked before anything is kept.
        stored: dict[str, Any] = {f: _storable(body[f], f) for f in ("git", "meta") if f in body}
        config = body.get("config", {})
        for key, value in config.items():
            _check_storable(value, key)
        for field in ("name", "tags", "group", "job_type", "notes", "host", "created_at"):
            if field in body:
                self._fields[field] = body[field]
        if "meta" in stored and isinstance(self._fields.get("meta"), dict):
            # merges, as in flush
            stored["meta"] = merge_meta(self._fields["meta"], stored["meta"], final=False)
        self._fields.update(stored)
        if body.get("name") is not None and not body["name"].strip():
            del self._fields["name"]
        self._config.update(config)
        if body.get("resumed"):
            self._fields.update(state="running", finished_at=None, exit_code=None)
            self._resumed = True
        if body.get("relative_steps") and self.step_shift is None:
            self.step_shift = self._run_last_step() + 1

    def _run_last_step(self) -> int:
        """The run's last step so far, this batch's records included (-1 when it has none)."""
        stored = self._conn.scalar(select(runs.c.last_step).where(runs.c.pk == self._run_pk))
        known = [s for s in (stored, self._last_step) if s is not None]
        return int(max(known)) if known else -1

    def _apply_history(self, body: dict[str, Any]) -> None:
        self.had_history = True
        block = decode_column_block(body)
        if self.step_shift and block.steps is not None:
            block = replace(block, steps=block.steps + self.step_shift)
        self._check_kinds(list(block.columns), "history")
        for key in block.columns:
            self._points.setdefault((key, "history"), []).append(block.column_points(key))
        if block.steps is not None and len(block.steps):
            top = int(block.steps.max())
            self._last_step = top if self._last_step is None else max(self._last_step, top)

    def _apply_system(self, body: dict[str, Any]) -> None:
        block = decode_column_block(body)
        self._check_kinds(list(block.columns), "system")
        for key in block.columns:
            _, times, values = block.column_points(key)
            self._points.setdefault((key, "system"), []).append((None, times, values))

    def _check_kinds(self, keys: list[str], kind: SeriesKind) -> None:
        """Refuse the whole record, before any of it is kept, if a key is the other kind."""
        unknown = [key for key in keys if key not in self._kinds]
        for start in range(0, len(unknown), _KEYS_PER_LOOKUP):
            rows = self._conn.execute(
                select(series.c.key, series.c.kind).where(
                    series.c.run_pk == self._run_pk,
                    series.c.key.in_(unknown[start : start + _KEYS_PER_LOOKUP]),
                )
            )
            for key, code in rows:
                self._kinds[key] = _KIND_NAMES[code]
        for key in keys:
            existing = self._kinds.get(key, kind)
            if existing != kind:
                raise InvalidInputError(
                    f"{key!r} is already a {existing} series of this run; "
                    f"log {kind} values under another key"
                )
        for key in keys:
            self._kinds.setdefault(key, kind)

    def _append_series(self) -> None:
        """Append each key's points of the whole batch in one call, in arrival order."""
        # A fixed (sorted) key order: concurrent batches lock series rows in the same order.
        for key, kind in sorted(self._points):
            parts = self._points[(key, kind)]
            if len(parts) == 1:
                steps, times, values = parts[0]
            else:
                steps = None if kind == "system" else np.concatenate([p[0] for p in parts])
                times = np.concatenate([p[1] for p in parts])
                values = np.concatenate([p[2] for p in parts])
            self._series.append(self._conn, self._run_pk, key, kind, steps, times, values)
        self._points.clear()

    def _apply_values(self, body: dict[str, Any]) -> None:
        rows = []
        step = body["step"] + (self.step_shift or 0)
        for key, value in body["values"].items():
            kind = media.media_type(value)
            rows.append(
                {
                    "run_pk": self._run_pk,
                    "key": key,
                    "step": step,
                    "time": body["time"],
                    "value": _storable(value, key),
                    "media_type": kind,
                }
            )
        if rows:
            self._conn.execute(insert(run_values), rows)
        for row in rows:  # only once the insert succeeded: a refused record leaves no count
            if row["media_type"] is not None:
                self._media.add(row["key"], row["media_type"], step)
            else:
                self._value_keys.add(row["key"], media.value_type(row["value"]), step)
        self._last_step = step if self._last_step is None else max(self._last_step, step)

    def _apply_summary(self, body: dict[str, Any]) -> None:
        update = body.get("set", {})
        for key, value in update.items():
            _check_storable(value, key)
        for key, value in update.items():
            self._summary_set[key] = value
            self._summary_removed.discard(key)
        for key in body.get("remove", []):
            self._summary_set.pop(key, None)
            self._summary_removed.add(key)

    def _apply_console(self, body: dict[str, Any]) -> None:
        lines: list[str] = body["lines"]
        if not lines:
            return
        if self._console_lines is None:
            self._console_lines = int(
                self._conn.scalar(select(runs.c.console_lines).where(runs.c.pk == self._run_pk))
                or 0
            )
        first = body.get("line", self._console_lines)
        if first > self._console_lines:
            raise InvalidInputError(
                f"console line {first} is past the {self._console_lines} lines stored; "
                f"send lines from {self._console_lines}"
            )
        if first < self._console_lines:
            self._cut_console(first, first + len(lines))
        self._conn.execute(
            insert(console_chunks).values(
                run_pk=self._run_pk,
                first_line=first,
                n_lines=len(lines),
                stream=body["stream"],
                time=body["time"],
                lines=lines,
            )
        )
        self._console_lines = max(self._console_lines, first + len(lines))

    def _cut_console(self, start: int, end: int) -> None:
        """Remove lines [start, end) from the stored chunks, keeping the lines around them."""
        overlapping = self._conn.execute(
            select(console_chunks).where(
                console_chunks.c.run_pk == self._run_pk,
                console_chunks.c.first_line < end,
                console_chunks.c.first_line + console_chunks.c.n_lines > start,
            )
        ).all()
        for chunk in overlapping:
            self._conn.execute(
                delete(console_chunks).where(
                    console_chunks.c.run_pk == self._run_pk,
                    console_chunks.c.first_line == chunk.first_line,
                )
            )
            kept = (
                (chunk.first_line, chunk.lines[: max(start - chunk.first_line, 0)]),
                (end, chunk.lines[max(end - chunk.first_line, 0) :]),
            )
            for first_line, part in kept:
                if part:
                    self._conn.execute(
                        insert(console_chunks).values(
                            run_pk=self._run_pk,
                            first_line=first_line,
                            n_lines=len(part),
                            stream=chunk.stream,
                            time=chunk.time,
                            lines=part,
                        )
                    )

    def _apply_file(self, body: dict[str, Any]) -> None:
        # Touching the blob's row locks it against a collection running now (design 0007).
        sha = body["sha256"]
        found = self._conn.execute(
            update(blobs).where(blobs.c.sha256 == sha).values(touched_at=self._now)
        ).rowcount
        if not found:
            raise InvalidInputError(
                f"file {body['path']!r}: blob {sha} is not on the server; upload it "
                f"(PUT /api/v1/blobs/{sha}) before sending the file record"
            )
        upsert(
            self._conn,
            run_files,
            {
                "run_pk": self._run_pk,
                "path": body["path"],
                "sha256": body["sha256"],
                "size": body["size"],
                "updated_at": self._now,
            },
            ("run_pk", "path"),
        )

    def _apply_alert(self, body: dict[str, Any]) -> None:
        alerts.add_alert(self._conn, self._run_pk, body)

    def _apply_artifact(self, body: dict[str, Any]) -> None:
        self.artifacts.append(
            apply_artifact(self._conn, self._project_pk, self._run_pk, body, self._now)
        )

    def _apply_heartbeat(self, body: dict[str, Any]) -> None:
        self._heartbeat = float(body["time"])

    def _apply_finish(self, body: dict[str, Any]) -> None:
        exit_code = body.get("exit_code")
        state = body.get("state") or ("finished" if not exit_code else "failed")
        self._fields.update(state=state, finished_at=float(body["time"]), exit_code=exit_code)

    def flush(self) -> None:
        """Write the accumulated points and run-level changes; keep the key/value index in step."""
        self._append_series()
        self._media.flush(self._conn, self._run_pk, self._project_pk)
        self._value_keys.flush(self._conn, self._run_pk, self._project_pk)
        values: dict[str, Any] = dict(self._fields)
        values["heartbeat_at"] = max(self._now, self._heartbeat or 0.0)
        values["updated_at"] = self._now
        current = self._conn.execute(
            select(
                runs.c.config,
                runs.c.summary,
                runs.c.state,
                runs.c.last_step,
                runs.c.meta,
                runs.c.sweep_pk,
            ).where(runs.c.pk == self._run_pk)
        ).one()
        self.stop_requested, self.sweep_pk = stop_reason_of(current.meta), current.sweep_pk
        self.had_history = self.had_history or "state" in values
        if self._resumed and isinstance(current.meta, dict):
            # A run resumed after preemption is running again: why it stopped is history
            # (unless this very batch says it stopped again).
            ending = {k: None for k in _ENDING_META if k in current.meta}
            if ending:
                sent = values.get("meta")
                values["meta"] = {**ending, **(sent if isinstance(sent, dict) else {})}
        if isinstance(values.get("meta"), dict):
            # meta merges key by key (a key sent as null is removed), so what the server set
            # there (a stop request, the sweep agent) outlives what the SDK sends later
            merged = merge_meta(current.meta, values["meta"], final=True)
            values["meta"] = {k: v for k, v in merged.items() if v is not None}
        if "state" not in values and current.state == "crashed":
            # Records arriving from a run marked crashed: it was only silent, not dead.
            values["state"] = "running"
        # The JSON columns get non-finite floats by name; the key/value index the real values.
        if self._config:
            values["config"] = {**(current.config or {}), **json_safe(self._config)}
            kv.sync_kv(self._conn, self._run_pk, self._project_pk, "config", self._config, ())
        if self._summary_set or self._summary_removed:
            summary = {**(current.summary or {}), **json_safe(self._summary_set)}
            for key in self._summary_removed:
                summary.pop(key, None)
            values["summary"] = summary
            if self._summary_set:
                emit_thresholds(
                    self._conn,
                    self._project_pk,
                    self._run_pk,
                    current.summary or {},
                    self._summary_set,
                    self._now,
                )
            kv.sync_kv(
                self._conn,
                self._run_pk,
                self._project_pk,
                "summary",
                self._summary_set,
                self._summary_removed,
            )
        if "tags" in values:
            values["tags"] = list(dict.fromkeys(values["tags"]))
            kv.sync_tags(self._conn, self._run_pk, self._project_pk, values["tags"])
        if self._last_step is not None and (
            current.last_step is None or self._last_step > current.last_step
        ):
            values["last_step"] = self._last_step
        if self._console_lines is not None:
            values["console_lines"] = self._console_lines
        self._conn.execute(update(runs).where(runs.c.pk == self._run_pk).values(**values))


def _storable(value: Any, key: str) -> Any:
    """``value`` as JSON the database stores (non-finite floats named); refuse what it cannot."""
    _check_storable(value, key)
    return json_safe(value)


def _check_storable(value: Any, key: str) -> None:
    if isinstance(value, bytes):
        raise InvalidInputError(f"value of {key!r} is bytes; log bytes as a file or media object")
    if isinstance(value, str) and len(value) > _MAX_VALUE_JSON:
        raise InvalidInputError(f"value of {key!r} is longer than {_MAX_VALUE_JSON} characters")
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise InvalidInputError(f"value of {key!r} has a map key that is not a string")
            _check_storable(v, key)
    elif isinstance(value, list):
        for v in value:
            _check_storable(v, key)
