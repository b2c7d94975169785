"""Turn logged table files (W&B's table-file JSON) into typed Arrow tables.

A table file is ``{"columns": [...], "data": [[...], ...], "column_types"?: {...}}``. Each column
gets one type, inferred from its cells (``column_types`` is a hint Cairn writes, not trusted):

- ``number``: ints and floats; int64 while every cell is an int that fits, else float64. The
  strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` (Cairn's JSON spelling of non-finite
  floats, see :mod:`cairn.server.jsonvalues`) and W&B's bare ``NaN`` literals are floats.
- ``text``, ``bool``.
- ``media:<_type>``: every cell is a media reference (an object with ``_type``, all the same
  ``_type``); ``media`` when they mix. Stored as the reference's JSON text, dictionary-encoded.
- ``json``: anything else (lists, objects, columns mixing kinds), stored as JSON text.

Nulls are allowed in every type. The Cairn type of each column travels in the Arrow schema's
metadata (``cairn.types``), so a table read back from the cache keeps it.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import orjson
import pyarrow as pa

from cairn.errors import InvalidInputError
from cairn.server.jsonvalues import json_safe

TYPES_META = b"cairn.types"
NONFINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
MAX_COLUMNS = 10_000


@dataclass(frozen=True)
class TypedTable:
    """An Arrow table with the Cairn type of each column (``number``, ``text``, ...).

    ``column_runs`` names the run a column's media cells belong to where that is not the
    table's own run (joined cross-run tables); ``run_column`` is a column holding each row's run
    (stacked cross-run tables).
    """

    table: pa.Table
    types: dict[str, str]
    column_runs: dict[str, str] = field(default_factory=dict)
    run_column: str | None = None

    @property
    def columns(self) -> list[dict[str, str]]:
        """``[{name, type}]`` in column order."""
        return [{"name": n, "type": self.types[n]} for n in self.table.column_names]


def with_types(table: pa.Table, types: dict[str, str]) -> pa.Table:
    """``table`` carrying ``types`` in its schema metadata (for the cache file)."""
    return table.replace_schema_metadata({TYPES_META: orjson.dumps(types)})


def typed(table: pa.Table) -> TypedTable:
    """The TypedTable of a table written by :func:`build_table` (types from its metadata)."""
    meta = table.schema.metadata or {}
    raw = meta.get(TYPES_META)
    types: dict[str, str] = orjson.loads(raw) if raw else {}
    for name in table.column_names:
        types.setdefault(name, "json")
    return TypedTable(table, types)


def parse_json(data: bytes, where: str) -> Any:
    """Parse a table file; W&B's writer emits bare ``NaN``/``Infinity``, which orjson refuses."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        try:
            return json.loads(data)
        except ValueError as exc:
            raise InvalidInputError(f"{where} is not valid JSON: {exc}") from None


def table_parts(doc: Any, where: str) -> tuple[list[str], list[Any]]:
    """The column names and rows of a parsed table file; InvalidInputError when malformed."""
    if not isinstance(doc, dict):
        raise InvalidInputError(f'{where}: expected an object with "columns" and "data"')
    columns, data = doc.get("columns"), doc.get("data")
    if not isinstance(columns, list) or not isinstance(data, list):
        raise InvalidInputError(f'{where}: "columns" and "data" must be lists')
    if len(columns) > MAX_COLUMNS:
        raise InvalidInputError(f"{where}: more than {MAX_COLUMNS} columns")
    names = unique_names([str(c) for c in columns])
    for index, row in enumerate(data):
        if not isinstance(row, list) or len(row) != len(names):
            got = len(row) if isinstance(row, list) else type(row).__name__
            raise InvalidInputError(
                f"{where}: row {index} has {got} cells where the table has {len(names)} columns"
            )
    return names, data


def unique_names(names: list[str]) -> list[str]:
    """Column names made unique (``x``, ``x (2)``): filters and sorts address columns by name."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0) + 1
        seen[name] = count
        out.append(name if count == 1 else f"{name} ({count})")
    return out


def build_table(names: Sequence[str], rows: Sequence[Sequence[Any]]) -> TypedTable:
    """The typed Arrow table of ``rows`` (each a list of ``len(names)`` cells)."""
    # one C-level pass per column: several times faster than zip(*rows) on a million rows
    cells: list[Sequence[Any]] = [list(map(itemgetter(i), rows)) for i in range(len(names))]
    arrays: list[pa.Array] = []
    types: dict[str, str] = {}
    for name, values in zip(names, cells, strict=True):
        array, kind = typed_column(values)
        arrays.append(array)
        types[name] = kind
    table = pa.Table.from_arrays(arrays, names=list(names)) if names else pa.table({})
    return TypedTable(with_types(table, types), types)


def typed_column(values: Sequence[Any]) -> tuple[pa.Array, str]:
    """One column's Arrow array and Cairn type (see the module docstring)."""
    first = next((v for v in values if v is not None), None)
    if first is None:
        return pa.array([None] * len(values), pa.string()), "json"
    if not isinstance(first, dict | list):
        # Arrow's C inference settles the common cases (all ints, floats, strings, bools) fast.
        try:
            array = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            array = None
        if array is not None:
            if pa.types.is_int64(array.type) or pa.types.is_float64(array.type):
                return array, "number"
            if pa.types.is_boolean(array.type):
                return array, "bool"
            if pa.types.is_string(array.type):
                return array, "text"
    return _mixed_column(values)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "nonfinite" if value in NONFINITE else "text"
    if isinstance(value, dict) and isinstance(value.get("_type"), str):
        return "media"
    return "json"


def _media_column(values: Sequence[Any]) -> tuple[pa.Array, str] | None:
    """A column of media references as dictionary-encoded JSON text, or None if it is not one.

    Tables share media by reference (one image in many rows): equal cells are written once,
    which keeps the cache file small and skips re-encoding each repeat.
    """
    texts: list[bytes] = []
    kept: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    indices: list[int | None] = []
    media_types: set[str] = set()
    for value in values:
        if value is None:
            indices.append(None)
            continue
        if type(value) is not dict or type(value.get("_type")) is not str:
            return None
        key = (str(value.get("sha256")), str(value.get("path")))
        at = seen.get(key)
        if at is None or kept[at] != value:
            at = seen[key] = len(texts)
            texts.append(json_text(value))
            kept.append(value)
            media_types.add(value["_type"])
        indices.append(at)
    dictionary = pa.array(texts, pa.string())
    array = pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), dictionary)
    kind = f"media:{next(iter(media_types))}" if len(media_types) == 1 else "media"
    return array, kind


def _mixed_column(values: Sequence[Any]) -> tuple[pa.Array, str]:
    media = _media_column(values)
    if media is not None:
        return media
    kinds = {_kind(v) for v in values if v is not None}
    if "number" in kinds and kinds <= {"number", "nonfinite"}:
        floats = [None if v is None else NONFINITE.get(v, v) for v in values]
        return pa.array([None if v is None else float(v) for v in floats], pa.float64()), "number"
    if kinds <= {"text", "nonfinite"}:
        return pa.array(values, pa.string()), "text"
    if kinds == {"bool"}:
        return pa.array(values, pa.bool_()), "bool"
    texts = pa.array([None if v is None else json_text(v) for v in values], pa.string())
    if kinds == {"media"}:
        media_types = {v["_type"] for v in values if v is not None}
        kind = f"media:{media_types.pop()}" if len(media_types) == 1 else "media"
        return texts, kind
    return texts, "json"


def json_text(value: Any) -> bytes:
    """Compact JSON of one cell (non-finite floats as their string names)."""
    try:
        return orjson.dumps(value)
    except TypeError:  # ints past 64 bits, NaN inside a nested list...
        return json.dumps(json_safe(value), separators=(",", ":")).encode()


# --- logged values -------------------------------------------------------------------------

TableRef = dict[str, Any]
"""A reference to one table file: ``{"path", "sha256"}`` (a table-file value, or a part)."""


def table_refs(value: Any, key: str) -> list[TableRef]:
    """The table files a ``table-file`` value is made of, oldest part first.

    An INCREMENTAL value lists the earlier parts in ``previous``; its own file is the last part.
    """
    if not isinstance(value, dict) or value.get("_type") != "table-file":
        raise InvalidInputError(f"{key!r} is a {describe(value)}, not a table-file")
    previous = value.get("previous") or []
    if not isinstance(previous, list):
        raise InvalidInputError(f"{key!r}: the table value's previous parts must be a list")
    refs = [*previous, value]
    for ref in refs:
        if not (isinstance(ref, dict) and isinstance(ref.get("sha256"), str)):
            raise InvalidInputError(f"{key!r}: a table part lacks its sha256")
    return refs


def describe(value: Any) -> str:
    """What a logged value is, for an error message (``image-file``, ``text value``...)."""
    if isinstance(value, dict) and isinstance(value.get("_type"), str):
        return str(value["_type"])
    if isinstance(value, bool):
        return "bool value"
    if isinstance(value, int | float):
        return "number value"
    if isinstance(value, str):
        return "text value"
    return f"{type(value).__name__} value"


_GC_LOCK = threading.Lock()
_GC_PAUSES = 0
_GC_WAS_ENABLED = False


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while inside (nested and concurrent uses count).

    Parsing a large table file makes millions of lists and dicts at once; each allocation burst
    sets off collections that walk them all again, which nearly doubles a million-row build
    (bench/RESULTS.md). The parsed rows hold no cycles, and reference counting frees them as
    usual; collection resumes when the last build leaves.
    """
    global _GC_PAUSES, _GC_WAS_ENABLED
    with _GC_LOCK:
        if _GC_PAUSES == 0:
            _GC_WAS_ENABLED = gc.isenabled()
            gc.disable()
        _GC_PAUSES += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_PAUSES -= 1
            if _GC_PAUSES == 0 and _GC_WAS_ENABLED:
                gc.enable()


def load_parts(refs: Sequence[TableRef], read: Callable[[TableRef], bytes]) -> TypedTable:
    """One table of the parts' rows concatenated (the first part's columns name them)."""
    with gc_paused():
        return _load_parts(refs, read)


def _load_parts(refs: Sequence[TableRef], read: Callable[[TableRef], bytes]) -> TypedTable:
    names: list[str] | None = None
    rows: list[Any] = []
    for ref in refs:
        where = f"table file {ref.get('path') or ref['sha256']}"
        part_names, part_rows = table_parts(parse_json(read(ref), where), where)
        if names is None:
            names = part_names
        elif part_names != names:
            raise InvalidInputError(
                f"{where}: its columns {part_names} differ from the first part's {names}"
            )
        rows.extend(part_rows)
    return build_table(names or [], rows)


def join_tables(
    left: TypedTable, right: TypedTable, join_key: str, right_key: str | None = None
) -> TypedTable:
    """W&B's JoinedTable: rows of both tables with the same ``join_key`` (inner join).

    ``right_key`` names the second table's key column when it differs (W&B's two-key form); the
    joined column is named ``join_key``. Other columns both tables have are named ``0.<column>``
    and ``1.<column>``.
    """
    if right_key is not None and right_key != join_key:
        right = _renamed_key(right, right_key, join_key)
    for which, checked in (("first", left), ("second", right)):
        if join_key not in checked.types:
            raise InvalidInputError(
                f"joined table: the {which} table has no column {join_key!r}; it has "
                + ", ".join(checked.table.column_names)
            )
    numeric = left.types[join_key] == right.types[join_key] == "number"
    key_type = pa.float64() if numeric else pa.string()
    shared = (set(left.types) & set(right.types)) - {join_key}
    types: dict[str, str] = {join_key: left.types[join_key] if numeric else "text"}
    renamed = []
    for index, side in enumerate((left, right)):
        names = [f"{index}.{n}" if n in shared else n for n in side.table.column_names]
        table = side.table.rename_columns(names)
        position = names.index(join_key)
        table = table.set_column(position, join_key, _key_column(table.column(position), key_type))
        renamed.append(table)
        types.update(
            {
                new: side.types[old]
                for old, new in zip(side.table.column_names, names, strict=True)
                if old != join_key
            }
        )
    joined = renamed[0].join(renamed[1], keys=join_key, join_type="inner")
    joined = joined.select([join_key, *(n for n in joined.column_names if n != join_key)])
    return TypedTable(with_types(joined, types), types)


def _key_column(column: pa.ChunkedArray, key_type: pa.DataType) -> pa.ChunkedArray:
    """A join key column as ``key_type`` (numbers as float64, anything else as its text)."""
    if column.type == key_type:
        return column
    if pa.types.is_boolean(column.type) and key_type == pa.string():
        return column.cast(pa.string())
    return column.cast(key_type)


def _renamed_key(side: TypedTable, old: str, new: str) -> TypedTable:
    """The second table with its key column ``old`` named ``new``, as the join expects."""
    if old not in side.types:
        raise InvalidInputError(
            f"joined table: the second table has no column {old!r}; it has "
            + ", ".join(side.table.column_names)
        )
    if new in side.types:
        raise InvalidInputError(
            f"joined table: the second table has both {old!r} (its join key) and {new!r} (the "
            "first table's join key); rename one of them"
        )
    names = [new if n == old else n for n in side.table.column_names]
    types = {(new if k == old else k): v for k, v in side.types.items()}
    return TypedTable(side.table.rename_columns(names), types)
