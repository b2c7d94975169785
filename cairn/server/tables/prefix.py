"""The first rows of a table file, read from its beginning without parsing the rest.

A new table's columnar copy takes seconds to build for a million rows (bench/RESULTS.md); its
first page need not wait for it. :func:`read_prefix` walks the file's top-level object key by
key (``json.JSONDecoder.raw_decode`` at positions of a text buffer filled chunk by chunk),
decodes ``columns`` (and ``column_types`` when it comes first, as Cairn's SDK writes it) and then
the rows of ``data`` one at a time until it has enough.

Anything unexpected gives None and the caller builds the whole table as before: not an object,
``data`` before ``columns``, a row that is not a list of the columns' length, invalid JSON, or
more than :data:`MAX_PREFIX_BYTES` read without the rows asked for. Values of other keys before
``data`` (W&B's ``_type``, ``ncols``...) are decoded and dropped.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

MAX_PREFIX_BYTES = 16 * 2**20
_WHITESPACE = " \t\n\r"


@dataclass(frozen=True)
class Prefix:
    """The file's column names, the first rows, its ``column_types`` if read before ``data``,
    and whether ``data`` ended within them (``complete``: ``rows`` are all the rows)."""

    columns: list[Any]
    rows: list[list[Any]]
    column_types: dict[str, Any] | None
    complete: bool


class _Incomplete(Exception):
    """The buffer ended before the value did and the stream has no more bytes."""


class _Cursor:
    """A text buffer over a byte stream: decode values at a position, read more on demand."""

    def __init__(self, chunks: Iterable[bytes], max_bytes: int) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._decoder = json.JSONDecoder()  # accepts W&B's bare NaN / Infinity
        self._max_bytes = max_bytes
        self._read = 0
        self.text = ""
        self.pos = 0
        self.eof = False

    def _more(self) -> None:
        """Append the next chunk (dropping what was consumed); _Incomplete at the end."""
        if self.eof or self._read >= self._max_bytes:
            raise _Incomplete
        chunk = next(self._chunks, None)
        if chunk is None:
            self.eof = True
            tail = self._utf8.decode(b"", final=True)
        else:
            self._read += len(chunk)
            tail = self._utf8.decode(chunk)
        self.text = self.text[self.pos :] + tail
        self.pos = 0

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end of the stream)."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            try:
                self._more()
            except _Incomplete:
                return ""

    def expect(self, char: str) -> bool:
        """Consume ``char`` if it is the next non-whitespace character."""
        if self.peek() != char:
            return False
        self.pos += 1
        return True

    def value(self) -> Any:
        """Decode the JSON value at the cursor; ValueError when it is not valid JSON."""
        self.peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError:
                self._more()  # the value may run past the buffer: read on, then retry
                continue
            if end == len(self.text) and not self.eof:
                # a number (or a constant) may go on in the next chunk: make sure it ends here
                self._more()
                continue
            self.pos = end
            return value


def read_prefix(
    chunks: Iterable[bytes], rows_wanted: int, max_bytes: int = MAX_PREFIX_BYTES
) -> Prefix | None:
    """The first ``rows_wanted`` rows of a table file streamed as ``chunks``, or None when
    the file is not the shape this reader handles (the caller parses all of it then)."""
    cursor = _Cursor(chunks, max_bytes)
    try:
        return _read(cursor, rows_wanted)
    except (_Incomplete, ValueError, RecursionError):
        return None
    finally:
        close = getattr(chunks, "close", None)
        if callable(close):
            close()  # stop reading the blob (a file handle, an HTTP body) now, not at GC


def _read(cursor: _Cursor, rows_wanted: int) -> Prefix | None:
    if not cursor.expect("{"):
        return None
    columns: list[Any] | None = None
    column_types: dict[str, Any] | None = None
    while True:
        if cursor.peek() != '"':
            return None  # "}" (no data) or not JSON
        key = cursor.value()
        if not cursor.expect(":"):
            return None
        if key == "data":
            if columns is None or not cursor.expect("["):
                return None
            rows, complete = _rows(cursor, len(columns), rows_wanted)
            if rows is None:
                return None
            return Prefix(columns, rows, column_types, complete)
        value = cursor.value()
        if key == "columns":
            if not isinstance(value, list):
                return None
            columns = value
        elif key == "column_types" and isinstance(value, dict):
            column_types = value
        if not cursor.expect(","):
            return None  # the object ended without "data"


def _rows(cursor: _Cursor, width: int, rows_wanted: int) -> tuple[list[list[Any]] | None, bool]:
    """Up to ``rows_wanted`` rows, and whether the array ended (None: a malformed row)."""
    rows: list[list[Any]] = []
    if cursor.expect("]"):
        return rows, True
    while len(rows) < rows_wanted:
        row = cursor.value()
        if not isinstance(row, list) or len(row) != width:
            return None, False
        rows.append(row)
        if cursor.expect("]"):
            return rows, True
        if not cursor.expect(","):
            return None, False
    return rows, False
