"""The writer thread: turns what the run hands it into numbered records in the run log.

``log()`` only puts a tuple on a queue. This thread packs consecutive rows into column blocks,
appends them (and every other record) to the log as they come, writes at least every
``flush_interval_s`` (so ``kill -9`` loses at most that much), fsyncs every ``fsync_interval_s``
and at the end, and wakes the sender. Each record is validated by the wire module first; one
that fails is not written. Neither that nor a full disk stops training: it warns once and counts
what it could not record.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from pathlib import Path
from typing import Any

from cairn.errors import InvalidInputError
from cairn.media.base import MAX_VALUE_JSON_BYTES, EncodeContext, Encoded, Media, MediaFile
from cairn.sdk.metrics import META_KEY, MetricRule, MetricRules
from cairn.sdk.runlog.files import LogWriter
from cairn.sdk.summary import STATE_KEY, SummaryTracker
from cairn.wire import ColumnBlockBuilder, check_file_path, encode_record
from cairn.wire.records import (
    HISTORY,
    SYSTEM,
    Record,
    console_record,
    file_record,
    run_record,
    summary_record,
    values_record,
)

log = logging.getLogger("cairn.writer")
media_log = logging.getLogger("cairn")

ROWS_PER_BLOCK = 2000
SUMMARY_INTERVAL_S = 1.0

Item = tuple[Any, ...]
"""What the run puts on the writer's queue: a tag (``row``, ``config``, ``sync``, ...) and data;
``record`` carries a record built elsewhere (an artifact's), written as it is."""


class Writer(threading.Thread):
    """Owns the run log; consumes the run's queue until a ``finish`` item."""

    def __init__(
        self,
        log_writer: LogWriter,
        items: queue.SimpleQueue[Item],
        wake_sender: threading.Event,
        on_summary: Any,
        flush_interval_s: float = 0.1,
        fsync_interval_s: float = 1.0,
        files_dir: Path | None = None,
    ) -> None:
        super().__init__(name="cairn-writer", daemon=True)
        self.log_writer = log_writer
        self._items = items
        self._wake = wake_sender
        self._on_summary = on_summary
        self._flush_s = flush_interval_s
        self._fsync_s = fsync_interval_s
        self._history = ColumnBlockBuilder()
        self._system = ColumnBlockBuilder()
        self._pending_since: float | None = None
        self._rules = MetricRules()
        self._summary = SummaryTracker(self._rules)
        self._meta: dict[str, Any] = {}  # the run's meta as last recorded
        self._rules_unsent = False
        self._last_summary = 0.0
        self._dirty = False
        self.dropped_records = 0
        self.invalid_records = 0
        self._warned_disk = False
        self._files_dir = files_dir
        self._media_failed: set[str] = set()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._loop()
        except BaseException as exc:  # never let the writer die silently
            self.error = exc
            log.exception("the run log writer stopped; data after this point is not recorded")

    def _timeout(self) -> float | None:
        now = time.monotonic()
        waits = []
        if self._pending_since is not None:
            waits.append(self._pending_since + self._flush_s - now)
        if self._dirty:
            waits.append(self._fsync_s)
        return max(0.0, min(waits)) if waits else None

    def _loop(self) -> None:
        get_nowait = self._items.get_nowait
        backlog = 0  # items taken without waiting in a row
        while True:
            try:
                item = get_nowait()
                backlog += 1
            except queue.Empty:
                backlog = 0
                try:
                    item = self._items.get(timeout=self._timeout())
                except queue.Empty:
                    self._flush_rows()
                    self._send_rules()
                    self._sync_if_due()
                    continue
            kind = item[0]
            if kind == "row":
                self._add_row(item)
            elif kind == "system":
                self._system.add_row(None, item[1], item[2])
                self._mark_pending()
            elif kind == "finish":
                self._finish(item)
                return
            else:
                self._flush_rows()
                self._handle(item)
            # While a backlog drains, look at the clock every 64 items (a fraction of a
            # millisecond of rows), not every row.
            if backlog & 63:
                continue
            if self._pending_since is not None and (
                time.monotonic() - self._pending_since >= self._flush_s
                or len(self._history) >= ROWS_PER_BLOCK
            ):
                self._flush_rows()
            self._sync_if_due()

    def _mark_pending(self) -> None:
        if self._pending_since is None:
            self._pending_since = time.monotonic()

    def _add_row(self, item: Item) -> None:
        _, step, wall, numbers, others, media = item
        if self._rules_unsent:
            self._send_rules()  # the rules go before the rows they apply to
        if self._rules.syncing:
            self._rules.sync_steps(numbers, [*numbers, *others, *media])
        if numbers:
            self._history.add_row(step, wall, numbers)
            self._mark_pending()
        if media:
            others = dict(others)
            files = self._encode_media(step, media, others)
            if files:
                self._flush_rows()
                self._append(files)
        if others:
            self._flush_rows()
            self._append([values_record(step, wall, others)])

    def _encode_media(
        self, step: int, media: dict[str, Media], values: dict[str, Any]
    ) -> list[Record]:
        """Encode each media value into ``values``, write its files; their file records.

        A value whose encoding or file writing fails is dropped (warned about once per key):
        the row's other values and the run go on.
        """
        records: list[Record] = []
        for key, obj in media.items():
            try:
                encoded = obj.encode(EncodeContext(key, step))
                found: dict[str, Any] = {}
                files: list[MediaFile] = []
                _collect(key, encoded, found, files)
                size = len(json.dumps(found, separators=(",", ":")))
                if size > MAX_VALUE_JSON_BYTES:
                    raise InvalidInputError(
                        f"its value is {size} bytes of JSON, over {MAX_VALUE_JSON_BYTES}: "
                        "log fewer items under one key"
                    )
                for file in files:
                    records.append(self._write_file(file))
            except Exception as exc:  # a user's object must never stop the run
                self._media_failed_once(key, step, exc)
                continue
            values.update(found)
            self._summary.observe_media(found)
        return records

    def _write_file(self, file: MediaFile) -> Record:
        if self._files_dir is None:
            raise OSError("this writer has no run directory for media files")
        check_file_path(file.path)
        target = self._files_dir / file.path
        if not target.exists():  # content-addressed names: an existing file holds these bytes
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".partial")
            partial.write_bytes(file.data)
            partial.replace(target)
        return file_record(file.path, file.sha256, len(file.data))

    def _media_failed_once(self, key: str, step: int, exc: BaseException) -> None:
        level = logging.DEBUG if key in self._media_failed else logging.WARNING
        self._media_failed.add(key)
        media_log.log(level, "cannot log the media value of %r at step %d, dropped: %s: %s",
                      key, step, type(exc).__name__, exc)  # fmt: skip

    def _handle(self, item: Item) -> None:
        kind = item[0]
        if kind != "rule":
            self._send_rules()
        if kind == "config":
            self._append([run_record({"config": item[1]})])
        elif kind == "run":
            self._append([run_record(self._with_rules(item[1]))])
        elif kind == "summary":
            self._append([summary_record(item[1], item[2])])
        elif kind == "console":
            self._append([console_record(item[1], item[2], item[3])])
        elif kind in ("file", "record"):  # a record made whole by the run (a file, an alert)
            self._append([item[1]])
        elif kind == "rule":
            rule: MetricRule = item[1]
            self._summary.add_rule(rule)
            self._rules_unsent = True  # sent once the run goes on: a run of rules is one record
        elif kind == "resume":
            self._summary.resume_from(item[1])
        elif kind == "sync":
            self._flush_summary(force=True)
            self._sync()
            item[1].set()

    def _with_rules(self, fields: dict[str, Any]) -> dict[str, Any]:
        """A run record's fields; its meta replaces the stored one, so it carries the rules."""
        meta = fields.get("meta")
        if not isinstance(meta, dict):
            return fields
        self._meta = meta
        if not self._rules:
            return fields
        self._rules_unsent = False
        return {**fields, "meta": {**meta, META_KEY: self._rules.wire()}}

    def _send_rules(self) -> None:
        """Record the rules defined since the last time, in ``meta["metrics"]``."""
        if self._rules_unsent:
            self._rules_unsent = False
            self._append([run_record({"meta": {**self._meta, META_KEY: self._rules.wire()}})])

    def _flush_rows(self) -> None:
        records: list[Record] = []
        if len(self._history):
            columns = self._history.columns()
            self._summary.observe_columns({key: values for key, (_, values) in columns.items()})
            records.append((HISTORY, self._history.build()))
        if len(self._system):
            records.append((SYSTEM, self._system.build(with_steps=False)))
        self._pending_since = None
        if records:
            self._append(records)
        self._flush_summary(force=False)

    def _flush_summary(self, force: bool) -> None:
        now = time.monotonic()
        if not force and now - self._last_summary < SUMMARY_INTERVAL_S:
            return
        changed = self._summary.take_changes()
        self._last_summary = now
        if changed:
            self._on_summary({k: v for k, v in changed.items() if k != STATE_KEY})
            self._append([summary_record(changed)])

    def _append(self, records: list[Record]) -> None:
        payloads = [packed for packed in map(self._encode, records) if packed is not None]
        if not payloads:
            return
        try:
            self.log_writer.append(payloads)
        except OSError as exc:
            self.dropped_records += len(payloads)
            if not self._warned_disk:
                self._warned_disk = True
                log.warning(
                    "cannot write the run log (%s); training goes on, but records are being "
                    "dropped: free disk space to record the rest",
                    exc,
                )
            return
        self._dirty = True
        self._wake.set()

    def _encode(self, record: Record) -> bytes | None:
        """The record packed, or None (counted, warned about once) when it is not valid."""
        try:
            return encode_record(record)
        except InvalidInputError as exc:
            # The server would reject it too; writing it would only park it in the log.
            self.invalid_records += 1
            level = logging.DEBUG if self.invalid_records > 1 else logging.WARNING
            log.log(level, "not recording an invalid %s record: %s", record[0], exc.message)
            return None

    def _sync_if_due(self) -> None:
        if self._dirty and time.monotonic() - self.log_writer.last_sync >= self._fsync_s:
            self._sync()

    def _sync(self) -> None:
        try:
            self.log_writer.sync()
        except OSError as exc:
            log.warning("fsync of the run log failed: %s", exc)
        self._dirty = False

    def _finish(self, item: Item) -> None:
        _, record = item
        self._flush_rows()
        self._send_rules()
        self._flush_summary(force=True)
        self._append([record])
        try:
            self.log_writer.close()
        except OSError as exc:
            log.warning("closing the run log failed: %s", exc)
        self._wake.set()


def _collect(key: str, encoded: Encoded, values: dict[str, Any], files: list[MediaFile]) -> None:
    """The value under ``key``, its siblings' values under theirs, and all their files."""
    values[key] = encoded.value
    files.extend(encoded.files)
    for sibling_key, sibling in encoded.siblings.items():
        _collect(sibling_key, sibling, values, files)
