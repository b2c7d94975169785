"""A W&B run (read by :mod:`cairn.compat.wandb_run`) as the records of a Cairn run log.

The records are laid out as a run of the SDK would: the run record (fields, config, meta),
the run's files, then history, values, system and console records in the W&B log's order, the
final summary and the finish. Nothing in them depends on when or where the import runs, so
building the log again from the same directory gives the same records at the same offsets.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from cairn.compat.wandb_rows import ConsoleLine, HistoryRow, summary_values
from cairn.compat.wandb_run import SystemRow, WandbRun, rows
from cairn.errors import InvalidInputError
from cairn.sdk.metrics import META_KEY
from cairn.sdk.runlog.files import LogWriter
from cairn.wire import ColumnBlockBuilder, check_file_path, check_key, encode_record
from cairn.wire.records import (
    FINISH,
    HISTORY,
    SYSTEM,
    Record,
    console_record,
    file_record,
    finish_record,
    run_record,
    summary_record,
    values_record,
)

ROWS_PER_BLOCK: Final = 2000
CONSOLE_LINES_PER_RECORD: Final = 1000
CONSOLE_RECORD_SPAN_S: Final = 1.0
"""Console lines go in one record (which has one time) while within this of its first line."""
RECORDS_PER_APPEND: Final = 256


@dataclass
class Tally:
    """What a run's import holds, and what it left out and why."""

    history_rows: int = 0
    system_rows: int = 0
    console_lines: int = 0
    files: int = 0
    file_bytes: int = 0
    summary_keys: int = 0
    records: int = 0
    state: str = ""
    warnings: list[str] = field(default_factory=list)


class RunLogBuilder:
    """Writes one run's records to ``writer`` (or only counts them, for a dry run)."""

    def __init__(self, run: WandbRun, writer: LogWriter | None, run_id: str) -> None:
        self.run = run
        self.tally = Tally()
        self._writer = writer
        self._run_id = run_id
        self._payloads: list[bytes] = []
        self._history = ColumnBlockBuilder()
        self._system = ColumnBlockBuilder()
        self._console: tuple[str, float, list[str]] | None = None
        self._bad_keys: set[str] = set()
        self._last = run.created_at or 0.0

    def build(self) -> Tally:
        """Write every record of the run; the tally of what went in."""
        self._add(run_record(self._run_fields()))
        files = self.run.directory / "files"
        if files.is_dir():
            for record in self._file_records(files):
                self._add(record)
        for row in rows(self.run):
            if isinstance(row, HistoryRow):
                self._history_row(row)
            elif isinstance(row, SystemRow):
                self._system_row(row)
            else:
                self._console_line(row)
        self._flush_rows()
        self._flush_console()
        summary = self._keys(summary_values(self.run.summary), "summary key")
        if summary:
            self._add(summary_record(summary))
            self.tally.summary_keys = len(summary)
        self._add(self._finish())
        self._append()
        if self.run.bad_items:
            self.tally.warnings.append(
                f"{self.run.bad_items} logged value(s) were not JSON and are left out"
            )
        self.tally.warnings.extend(self.run.rules.refused)
        return self.tally

    def _run_fields(self) -> dict[str, Any]:
        run = self.run
        fields = dict(run.fields)
        fields["name"] = fields.get("name") or self._run_id
        fields["config"] = run.config
        meta: dict[str, Any] = dict(run.meta)
        if run.private:
            meta["wandb"] = run.private
        rules = run.rules.wire()
        if rules:
            meta[META_KEY] = rules
        meta["imported"] = {"from": "wandb", "version": run.version,
                            "directory": run.directory.name}  # fmt: skip
        fields["meta"] = meta
        if run.resumed:
            fields["resumed"] = True  # W&B resumed the run here: it is running again
        elif run.created_at is not None:
            fields["created_at"] = run.created_at
        return fields

    def _file_records(self, files: Path) -> Iterator[Record]:
        """A file record per file under ``files/`` (through W&B's links to saved files)."""
        for folder, dirs, names in os.walk(files):
            dirs.sort()
            for name in sorted(names):
                path = Path(folder) / name
                relative = path.relative_to(files).as_posix()
                try:
                    check_file_path(relative)
                    size = path.stat().st_size
                    digest = "0" * 64 if self._writer is None else _sha256(path)
                except InvalidInputError as exc:
                    self.tally.warnings.append(f"files/{relative} left out: {exc.message}")
                    continue
                except OSError as exc:
                    reason = "a link to a file that is gone" if path.is_symlink() else exc
                    self.tally.warnings.append(f"files/{relative} left out: {reason}")
                    continue
                self.tally.files += 1
                self.tally.file_bytes += size
                yield file_record(relative, digest, size)

    def _history_row(self, row: HistoryRow) -> None:
        self._last = max(self._last, row.time)
        numbers = self._keys(row.numbers, "logged key")
        values = self._keys(row.values, "logged key")
        if not numbers and not values:
            return
        self.tally.history_rows += 1
        if numbers:
            self._history.add_row(row.step, row.time, numbers)
            if len(self._history) >= ROWS_PER_BLOCK:
                self._add((HISTORY, self._history.build()))
        if values:
            self._add(values_record(row.step, row.time, values))

    def _system_row(self, row: SystemRow) -> None:
        self._last = max(self._last, row.time)
        values = self._keys(row.values, "system metric")
        if values:
            self.tally.system_rows += 1
            self._system.add_row(None, row.time, values)
            if len(self._system) >= ROWS_PER_BLOCK:
                self._add((SYSTEM, self._system.build(with_steps=False)))

    def _flush_rows(self) -> None:
        if len(self._history):
            self._add((HISTORY, self._history.build()))
        if len(self._system):
            self._add((SYSTEM, self._system.build(with_steps=False)))

    def _console_line(self, line: ConsoleLine) -> None:
        time = line.time if line.time is not None else self._last
        self._last = max(self._last, time)
        self.tally.console_lines += 1
        pending = self._console
        if (
            pending is not None
            and pending[0] == line.stream
            and time - pending[1] <= CONSOLE_RECORD_SPAN_S
            and len(pending[2]) < CONSOLE_LINES_PER_RECORD
        ):
            pending[2].append(line.text)
            return
        self._flush_console()
        self._console = (line.stream, time, [line.text])

    def _flush_console(self) -> None:
        if self._console is not None:
            stream, time, lines = self._console
            self._add(console_record(stream, lines, time))
            self._console = None

    def _finish(self) -> Record:
        run = self.run
        ended = self._last
        if run.created_at is not None and run.runtime is not None:
            ended = max(ended, run.created_at + run.runtime)
        if ended <= 0:  # nothing in the log told a time: the log's own
            ended = run.log.stat().st_mtime
        if run.exited:
            self.tally.state = "finished" if run.exit_code == 0 else "failed"
            return finish_record(ended, run.exit_code)
        self.tally.state = "crashed"
        self.tally.warnings.append(
            "the log has no exit record (the run crashed, was killed or is still running): "
            "imported as crashed"
        )
        return FINISH, {"time": ended, "exit_code": None, "state": "crashed"}

    def _keys(self, values: dict[str, Any], what: str) -> dict[str, Any]:
        """``values`` less the keys Cairn refuses (each said once)."""
        out = {}
        for key, value in values.items():
            try:
                check_key(key, what)
            except InvalidInputError as exc:
                if key not in self._bad_keys:
                    self._bad_keys.add(key)
                    self.tally.warnings.append(f"{exc.message}: left out")
                continue
            out[key] = value
        return out

    def _add(self, record: Record) -> None:
        try:
            payload = encode_record(record)
        except InvalidInputError as exc:
            self.tally.warnings.append(f"a {record[0]} record left out: {exc.message}")
            return
        self.tally.records += 1
        self._payloads.append(payload)
        if len(self._payloads) >= RECORDS_PER_APPEND:
            self._append()

    def _append(self) -> None:
        if self._writer is not None and self._payloads:
            self._writer.append(self._payloads)
        self._payloads = []


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
