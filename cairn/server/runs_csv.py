"""Runs as CSV: the columns an export may name, one cell's text, and RFC 4180 rows.

Cells are what a spreadsheet should see: times as ISO 8601 UTC, ``duration`` in seconds, tags
joined with ", ", numbers in their shortest exact form (``NaN``, ``Infinity``), lists and dicts
as JSON. Text that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) gets a leading ``'``, as OWASP advises for CSV injection;
numbers are written by Cairn and never need it.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from cairn.errors import InvalidInputError
from cairn.server.store.records import RunRecord

RUN_COLUMNS = (
    "id",
    "name",
    "state",
    "group",
    "job_type",
    "host",
    "notes",
    "tags",
    "sweep",
    "path",
    "created_at",
    "updated_at",
    "heartbeat_at",
    "finished_at",
    "archived_at",
    "duration",
    "exit_code",
    "last_step",
)
KEY_PREFIXES = ("config.", "summary.", "meta.")
DEFAULT_COLUMNS = ("id", "name", "state", "created_at", "duration", "tags")
MAX_COLUMNS = 500
_TIMES = frozenset({"created_at", "updated_at", "heartbeat_at", "finished_at", "archived_at"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def check_columns(columns: Sequence[str] | None) -> list[str]:
    """The export's columns (defaults when none), or InvalidInputError naming the bad one."""
    if not columns:
        return list(DEFAULT_COLUMNS)
    if len(columns) > MAX_COLUMNS:
        raise InvalidInputError(f"columns: at most {MAX_COLUMNS} columns")
    for column in columns:
        valid = column in RUN_COLUMNS or (
            column.startswith(KEY_PREFIXES) and column.split(".", 1)[1] != ""
        )
        if not valid:
            raise InvalidInputError(
                f"columns: unknown column {column[:80]!r}; use {', '.join(RUN_COLUMNS)}, "
                "config.<key>, summary.<key> or meta.<key>"
            )
    return list(dict.fromkeys(columns))


def guard(text: str) -> str:
    """Text a spreadsheet will show, not evaluate (a ``'`` before a formula's first character)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def cell(run: RunRecord, column: str, now: float | None = None) -> str:
    """The CSV text of one column of ``run``."""
    if column == "duration":
        end = run.finished_at
        if end is None:
            end = (now or time.time()) if run.state == "running" else run.heartbeat_at
        return _number(round(max(0.0, end - run.created_at), 3))
    if column == "tags":
        return guard(", ".join(run.tags))
    if column in _TIMES:
        value = getattr(run, column)
        if value is None:
            return ""
        stamp = datetime.fromtimestamp(value, UTC).isoformat(timespec="milliseconds")
        return stamp.replace("+00:00", "Z")
    if column in RUN_COLUMNS:
        return _text(getattr(run, column))
    head, key = column.split(".", 1)
    source = run.meta if head == "meta" else getattr(run, head)
    return _text(_lookup(source, key))


def _lookup(source: dict[str, Any] | None, key: str) -> Any:
    """``key`` of a config/summary/meta dict: a flat key, else a dotted path into nested dicts."""
    if source is None:
        return None
    if key in source:
        return source[key]
    node: Any = source
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _number(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        return guard(value)
    return guard(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS, default=str).decode())


def rows_text(rows: Iterable[Sequence[str]]) -> str:
    """RFC 4180 lines (CRLF; fields with a comma, quote or line break quoted)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows(rows)
    return buffer.getvalue()


def header_text(columns: Sequence[str]) -> str:
    """The header line."""
    return rows_text([[guard(c) for c in columns]])


def runs_text(runs: Iterable[RunRecord], columns: Sequence[str]) -> str:
    """The lines of ``runs``."""
    now = time.time()
    return rows_text([cell(run, c, now) for c in columns] for run in runs)
