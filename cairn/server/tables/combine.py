"""The same table key across runs: rows stacked under a ``run`` column, or joined on a column."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from cairn.errors import InvalidInputError
from cairn.server.jsonvalues import json_safe
from cairn.server.tables.load import TypedTable, json_text

RUN_COLUMN = "run"


def _unified_kind(kinds: set[str]) -> str:
    if len(kinds) == 1:
        return next(iter(kinds))
    if all(k.startswith("media") for k in kinds):
        return "media"
    return "json"


def _as_kind(column: pa.ChunkedArray, kind: str, target: str) -> pa.ChunkedArray:
    """A column converted to the unified ``target`` kind (differing kinds become JSON text)."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(pa.string())  # runs' dictionaries differ: stack plain text
    if target == "number":
        return column.cast(pa.float64())
    if kind == target or target == "media" or kind == "json" or kind.startswith("media"):
        return column  # already the target, or already JSON text
    values = [None if v is None else json_text(json_safe(v)).decode() for v in column.to_pylist()]
    return pa.chunked_array([pa.array(values, pa.string())], pa.string())


def stack(parts: Sequence[tuple[str, TypedTable]]) -> TypedTable:
    """The runs' rows one after another, a leading ``run`` column naming each row's run.

    A column some runs lack is null in their rows. A column whose type differs between runs
    becomes ``number`` when all are numbers, ``media`` when all are media, else ``json`` text.
    A table column named ``run`` is shown as ``run (table)``.
    """
    names: list[str] = []
    kinds: dict[str, set[str]] = {}
    for _, part in parts:
        for name in part.table.column_names:
            if name not in kinds:
                names.append(name)
                kinds[name] = set()
            kinds[name].add(part.types[name])
    types = {name: _unified_kind(kinds[name]) for name in names}
    tables = []
    for run, part in parts:
        columns = {RUN_COLUMN: pa.chunked_array([[run] * part.table.num_rows], pa.string())}
        for name in names:
            shown = f"{name} (table)" if name == RUN_COLUMN else name
            if name in part.types:
                column = _as_kind(part.table.column(name), part.types[name], types[name])
            else:
                arrow_type = pa.float64() if types[name] == "number" else _arrow_type(parts, name)
                column = pa.chunked_array([pa.nulls(part.table.num_rows, arrow_type)])
            columns[shown] = column
        tables.append(pa.table(columns))
    out_types = {RUN_COLUMN: "text"}
    out_types.update({(f"{n} (table)" if n == RUN_COLUMN else n): types[n] for n in names})
    table = pa.concat_tables(tables, promote_options="permissive") if tables else pa.table({})
    return TypedTable(table, out_types, run_column=RUN_COLUMN)


def _arrow_type(parts: Sequence[tuple[str, TypedTable]], name: str) -> pa.DataType:
    for _, part in parts:
        if name in part.types:
            column_type: pa.DataType = part.table.schema.field(name).type
            return pa.string() if pa.types.is_dictionary(column_type) else column_type
    return pa.string()


def join_runs(parts: Sequence[tuple[str, TypedTable]], join_on: str) -> TypedTable:
    """The runs' rows matched on ``join_on`` (a full outer join); other columns are named
    ``<run>/<column>``. Join keys are numbers when every run's key column is, else text.
    """
    for run, part in parts:
        if join_on not in part.types:
            raise InvalidInputError(
                f"join_on: run {run}'s table has no column {join_on!r}; it has "
                + ", ".join(repr(n) for n in part.table.column_names[:50])
            )
    numeric = all(part.types[join_on] == "number" for _, part in parts)
    key_type = pa.float64() if numeric else pa.string()
    types: dict[str, str] = {join_on: "number" if numeric else "text"}
    column_runs: dict[str, str] = {}
    joined: pa.Table | None = None
    for run, part in parts:
        key = part.table.column(join_on)
        if key.type != key_type:
            key = key.cast(key_type)
        columns = {join_on: key}
        for name in part.table.column_names:
            if name != join_on:
                columns[f"{run}/{name}"] = part.table.column(name)
                types[f"{run}/{name}"] = part.types[name]
                column_runs[f"{run}/{name}"] = run
        table = pa.table(columns)
        joined = (
            table if joined is None else joined.join(table, keys=join_on, join_type="full outer")
        )
    assert joined is not None
    joined = joined.select([join_on, *(n for n in joined.column_names if n != join_on)])
    return TypedTable(joined, types, column_runs=column_runs)
