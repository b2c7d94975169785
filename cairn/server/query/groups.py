"""Grouping a project's filtered runs by one field: counts and summary aggregates per group.

Each group comes with the filter tree that selects exactly its runs, so a client lists a group's
runs with the ordinary runs query (``$and`` of the page filter and the group filter).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from cairn.errors import InvalidInputError
from cairn.server.query.filters import Field, Node, parse_field
from cairn.server.query.sqlfilter import compile_filter
from cairn.server.store.sql.projects import Archived, archived_scope
from cairn.server.store.sql.schema import VTYPE_BOOL, VTYPE_NUMBER, VTYPE_TEXT, run_kv, runs

MAX_GROUPS = 1000
MAX_AGGREGATES = 50
GROUPABLE_COLUMNS = ("state", "group", "job_type", "host", "name")
_BIG = 1.7976931348623157e308


@dataclass(frozen=True)
class Aggregate:
    """Mean, min and max of a numeric key over a group's runs that have it."""

    mean: float | None
    min: float | None
    max: float | None
    count: int


@dataclass(frozen=True)
class Group:
    """One value of the group-by field (None: runs without a scalar value for it)."""

    value: Any
    count: int
    filter: dict[str, Any]
    aggregates: dict[str, Aggregate] = field(default_factory=dict)


def parse_group_field(name: str) -> Field:
    """The field to group by: a config/summary key or one of :data:`GROUPABLE_COLUMNS`."""
    parsed = parse_field(name, where="group_by")
    if parsed.kind == "kv" or parsed.name in GROUPABLE_COLUMNS:
        return parsed
    raise InvalidInputError(
        f"group_by: cannot group by {name!r}; use config.<key>, summary.<key> or one of "
        + ", ".join(GROUPABLE_COLUMNS)
    )


def _kv_value(vtype: int | None, num: float | None, text: str | None) -> Any:
    if vtype == VTYPE_NUMBER and num is not None:
        return int(num) if num.is_integer() and abs(num) < 2**53 else num
    if vtype == VTYPE_BOOL and num is not None:
        return bool(num)
    if vtype == VTYPE_TEXT:
        return text
    return None


def _kv_filter(key: str, value: Any) -> dict[str, Any]:
    if value is None:  # missing, null, a list or a map, NaN: none of the scalar kinds
        return {
            "$not": {
                "$or": [
                    {key: {"$gte": -_BIG}},
                    {key: {"$lte": _BIG}},
                    {key: {"$gte": ""}},
                    {key: {"$in": [True, False]}},
                ]
            }
        }
    if isinstance(value, float) and math.isinf(value):
        return {key: {"$gt": _BIG}} if value > 0 else {key: {"$lt": -_BIG}}
    return {key: value}


def run_groups(
    conn: Connection,
    project_pk: int,
    node: Node,
    group_by: Field,
    aggregate: list[Field],
    limit: int = MAX_GROUPS,
    archived: Archived = "exclude",
) -> tuple[list[Group], bool]:
    """Groups of the runs matching ``node``, largest first, and whether more than ``limit``."""
    if len(aggregate) > MAX_AGGREGATES:
        raise InvalidInputError(f"aggregate: at most {MAX_AGGREGATES} keys")
    for agg in aggregate:
        if agg.kind != "kv":
            raise InvalidInputError(f"aggregate: {agg.name!r} is not a config. or summary. key")
    source: Any = runs
    keys: list[ColumnElement[Any]]
    if group_by.kind == "kv":
        g = run_kv.alias("group_kv")
        source = source.outerjoin(g, and_(g.c.run_pk == runs.c.pk, g.c.key == group_by.name))
        scalar = g.c.vtype.in_([VTYPE_NUMBER, VTYPE_TEXT, VTYPE_BOOL])
        keys = [case((scalar, g.c.vtype), else_=None), g.c.num, g.c.text]
    else:
        keys = [runs.c[group_by.name]]
    measures: list[ColumnElement[Any]] = []
    for index, agg in enumerate(aggregate):
        a = run_kv.alias(f"agg_{index}")
        source = source.outerjoin(
            a, and_(a.c.run_pk == runs.c.pk, a.c.key == agg.name, a.c.vtype == VTYPE_NUMBER)
        )
        measures += [func.avg(a.c.num), func.min(a.c.num), func.max(a.c.num), func.count(a.c.num)]
    count = func.count()
    query = (
        select(*keys, count, *measures)
        .select_from(source)
        .where(
            runs.c.project_pk == project_pk,
            compile_filter(node, project_pk),
            archived_scope(runs.c.archived_at, archived),
        )
        .group_by(*keys)
        .order_by(count.desc(), *keys)
        .limit(limit + 1)
    )
    rows = conn.execute(query).all()
    groups = []
    for row in rows[:limit]:
        if group_by.kind == "kv":
            value = _kv_value(row[0], row[1], row[2])
            group_filter = _kv_filter(group_by.name, value)
            rest = row[3:]
        else:
            value = row[0]
            group_filter = {group_by.name: value if value is not None else {"$exists": False}}
            rest = row[1:]
        aggregates = {
            agg.name: Aggregate(*rest[1 + 4 * i : 5 + 4 * i]) for i, agg in enumerate(aggregate)
        }
        groups.append(Group(value, int(rest[0]), group_filter, aggregates))
    return groups, len(rows) > limit
