"""Table rows as the API answers them: JSON cells (media with their URL) or CSV text.

JSON: numbers as numbers (non-finite as ``"NaN"``/``"Infinity"``/``"-Infinity"``), media cells
as their reference object plus ``url`` (the run's media route), json cells parsed. CSV: media
cells are their absolute URL, json cells their JSON text, bools ``true``/``false``, nulls empty.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pyarrow as pa

from cairn.server.jsonvalues import NONFINITE_NAMES
from cairn.server.tables.load import TypedTable

UrlFor = Callable[[str, str], str]
"""``url_for(run_id, sha256)``: the media route of a blob of that run."""
CSV_BATCH = 10_000


def cell_runs(table: TypedTable, page: pa.Table, default_run: str) -> dict[str, list[str]]:
    """For each media column, the run each row's cell belongs to."""
    per_row = (
        [str(r) for r in page.column(table.run_column).to_pylist()] if table.run_column else None
    )
    out = {}
    for name in page.column_names:
        if not table.types[name].startswith("media"):
            continue
        run = table.column_runs.get(name)
        out[name] = per_row if run is None and per_row is not None else [run or default_run]
    return out


def json_cell(kind: str, value: Any, run: str, url_for: UrlFor) -> Any:
    """One cell of the JSON answer."""
    if value is None:
        return None
    if kind == "number" and isinstance(value, float) and not math.isfinite(value):
        return NONFINITE_NAMES[repr(value)]
    if kind.startswith("media"):
        obj = orjson.loads(value)
        if isinstance(obj, dict) and isinstance(obj.get("sha256"), str):
            obj["url"] = url_for(run, obj["sha256"])
        return obj
    if kind == "json":
        return orjson.loads(value)
    return value


def json_rows(table: TypedTable, page: pa.Table, default_run: str, url_for: UrlFor) -> list[Any]:
    """The page's rows as lists of JSON cells, in column order."""
    runs = cell_runs(table, page, default_run)
    columns = []
    for name in page.column_names:
        kind = table.types[name]
        values = page.column(name).to_pylist()
        if kind in ("text", "bool") or (
            kind == "number" and pa.types.is_integer(page.column(name).type)
        ):
            columns.append(values)
            continue
        run_of = runs.get(name, [default_run])
        columns.append(
            [
                json_cell(kind, v, run_of[i] if len(run_of) > 1 else run_of[0], url_for)
                for i, v in enumerate(values)
            ]
        )
    return [list(row) for row in zip(*columns, strict=True)] if columns else []


def group_value(kind: str, value: Any, run: str, url_for: UrlFor) -> Any:
    """A group's value as a cell of its column."""
    return json_cell(kind, value, run, url_for)


def csv_cell(kind: str, value: Any, run: str, url_for: UrlFor) -> str:
    """One cell of the CSV export."""
    if value is None:
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "number":
        if isinstance(value, float) and not math.isfinite(value):
            return NONFINITE_NAMES[repr(value)]
        return repr(value)
    if kind.startswith("media"):
        obj = orjson.loads(value)
        if isinstance(obj, dict) and isinstance(obj.get("sha256"), str):
            return url_for(run, obj["sha256"])
        return str(value)
    return str(value)


def csv_chunks(
    table: TypedTable, rows: pa.Table, default_run: str, url_for: UrlFor
) -> Iterator[bytes]:
    """The CSV text of ``rows`` (a header, then a chunk per batch of rows)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(rows.column_names)
    yield buffer.getvalue().encode()
    for start in range(0, rows.num_rows, CSV_BATCH):
        batch = rows.slice(start, CSV_BATCH)
        runs = cell_runs(table, batch, default_run)
        columns = []
        for name in batch.column_names:
            kind = table.types[name]
            run_of = runs.get(name, [default_run])
            values = batch.column(name).to_pylist()
            columns.append(
                [
                    csv_cell(kind, v, run_of[i] if len(run_of) > 1 else run_of[0], url_for)
                    for i, v in enumerate(values)
                ]
            )
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(zip(*columns, strict=True))
        yield buffer.getvalue().encode()
