"""Filter, sort, group and page a typed table: pure functions over pyarrow, no SQL.

Rows come back in sort order (stable: ties keep the table's order); with ``group_by`` the group
column is the first sort key, so a group's rows are contiguous across pages. Sort puts nulls
last, NaN after every number and before nulls. Groups come in the same order as the rows (group
value ascending, null last), at most :data:`MAX_GROUPS`, each with its row count and min, max and
mean of every number column (over the group's non-null cells; NaN propagates to the mean).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from cairn.errors import InvalidInputError
from cairn.server.tables import filtering
from cairn.server.tables.load import TypedTable

MAX_LIMIT = 1000
MAX_SORT = 16
MAX_GROUPS = 1000
STATS = ("min", "max", "mean")
TOP_K_FRACTION = 8
"""A page within the first 1/8 of the rows is selected (top-k), not sorted whole."""
POSITION = "\x00position"


@dataclass(frozen=True)
class SortKey:
    """One sort column and its direction."""

    column: str
    order: Literal["asc", "desc"] = "asc"


@dataclass(frozen=True)
class TableRequest:
    """What to select from a table; ``limit`` None means every row (exports)."""

    filter: Any = None
    expr: str | None = None
    sort: tuple[SortKey, ...] = ()
    group_by: str | None = None
    offset: int = 0
    limit: int | None = 100


@dataclass(frozen=True)
class Page:
    """The selected rows' count, the page's rows (an Arrow table) and the groups, if asked."""

    total: int
    rows: pa.Table
    groups: list[dict[str, Any]] | None = field(default=None)


def check_request(table: TypedTable, request: TableRequest) -> filtering.Node:
    """The request's filter as one typed tree; InvalidInputError for unknown columns or limits."""
    if request.limit is not None and not 0 <= request.limit <= MAX_LIMIT:
        raise InvalidInputError(f"limit must be between 0 and {MAX_LIMIT}")
    if request.offset < 0:
        raise InvalidInputError("offset must not be negative")
    if len(request.sort) > MAX_SORT:
        raise InvalidInputError(f"sort by at most {MAX_SORT} columns")
    for key in request.sort:
        if key.column not in table.types:
            raise filtering.unknown_column(key.column, "sort", table.types)
    if request.group_by is not None and request.group_by not in table.types:
        raise filtering.unknown_column(request.group_by, "group_by", table.types)
    nodes = []
    if request.filter is not None:
        nodes.append(filtering.validate(request.filter, table.types))
    if request.expr:
        nodes.append(filtering.parse_expression(request.expr, table.types))
    return nodes[0] if len(nodes) == 1 else filtering.And(tuple(nodes))


def select(
    table: TypedTable, request: TableRequest, first: int | None = None
) -> tuple[pa.Table, pa.Array | None]:
    """The matching rows and, when sorted, the order to read them in (indices into them).

    With ``first``, the order may cover only the first ``first`` positions (a top-k selection,
    much cheaper than sorting a large table for one page).
    """
    node = check_request(table, request)
    rows = table.table
    if not (isinstance(node, filtering.And) and not node.items):
        rows = rows.filter(filtering.mask(node, rows, table.types))
    keys = [(request.group_by, "ascending")] if request.group_by else []
    keys += [(k.column, "ascending" if k.order == "asc" else "descending") for k in request.sort]
    if not keys or rows.num_rows == 0:
        return rows, None
    columns = list(dict.fromkeys(name for name, _ in keys))
    sortable = pa.table([_sortable(rows.column(n)) for n in columns], names=columns)
    if first is not None and first * TOP_K_FRACTION <= rows.num_rows:
        # select_k is unstable: the row position as the last key makes the order total, the
        # same as the stable sort's
        sortable = sortable.append_column(POSITION, pa.array(range(rows.num_rows), pa.int64()))
        keys.append((POSITION, "ascending"))
        return rows, pc.select_k_unstable(sortable, k=first, sort_keys=keys)
    return rows, pc.sort_indices(sortable, sort_keys=keys)


def _sortable(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Arrow sorts no dictionary columns (media cells): sort their text."""
    return column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column


def run_query(table: TypedTable, request: TableRequest) -> Page:
    """Filter, sort, group and page ``table`` as ``request`` asks."""
    first = None if request.limit is None else request.offset + request.limit
    rows, order = select(table, request, first)
    start = min(request.offset, rows.num_rows)
    count = rows.num_rows - start if request.limit is None else request.limit
    page = rows.slice(start, count) if order is None else rows.take(order.slice(start, count))
    groups = group(rows, table.types, request.group_by) if request.group_by else None
    return Page(rows.num_rows, page, groups)


def group(rows: pa.Table, types: dict[str, str], column: str) -> list[dict[str, Any]]:
    """``[{value, count, stats: {col: {min, max, mean}}}]`` of ``rows`` grouped by ``column``."""
    numbers = [n for n in rows.column_names if types.get(n) == "number" and n != column]
    aggregates: list[tuple[Any, ...]] = [([], "count_all")]
    aggregates += [(n, stat) for n in numbers for stat in STATS]
    grouped = rows.select([column, *numbers]).group_by(column).aggregate(aggregates)
    keys = pa.table([_sortable(grouped.column(column))], names=[column])
    order = pc.sort_indices(keys, sort_keys=[(column, "ascending")])
    grouped = grouped.take(order.slice(0, MAX_GROUPS))
    data = grouped.to_pydict()
    out = []
    for i, value in enumerate(data[column]):
        stats = {n: {stat: data[f"{n}_{stat}"][i] for stat in STATS} for n in numbers}
        out.append({"value": value, "count": data["count_all"][i], "stats": stats})
    return out
