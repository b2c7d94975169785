"""The runs page query: filter, sort and paginate one project's runs in the database.

A sort splits the runs into *segments* that follow one another: for a ``config.``/``summary.``
key, numbers, then text, then bools, then runs missing the key (or holding null, a list, a map
or NaN); for a nullable column, values then nulls. Each segment is one plain SELECT whose ORDER
BY matches an index exactly (``run_kv (project_pk, key, vtype, num, run_pk)``, ``(project_pk,
key, text, run_pk)``, ``runs (project_pk, created_at)`` ...), with ``pk`` as the tiebreak in the
same direction, so the database walks the index in order and stops after a page; a page that
crosses a segment boundary runs the next segment's SELECT too. Missing values come last in both
directions and numbers before text. See ``docs/design/0003-runs-query.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    Select,
    and_,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.sql.elements import ColumnElement

from cairn.errors import InvalidInputError
from cairn.server.query.cursor import Position, decode_cursor, encode_cursor
from cairn.server.query.filters import NULLABLE_COLUMNS, Field, Node, parse_field, validate
from cairn.server.query.sqlfilter import compile_filter
from cairn.server.store.sql.projects import Archived, archived_scope
from cairn.server.store.sql.schema import VTYPE_BOOL, VTYPE_NUMBER, run_kv, runs

MAX_LIMIT = 1000
DEFAULT_ORDER = "-created_at"
SORT_VALUE = "cairn_sort_value"
SORT_PK = "cairn_sort_pk"
_SORT_KV = {kind: run_kv.alias(f"sort_{kind}") for kind in ("number", "text", "bool", "missing")}


@dataclass(frozen=True)
class Sort:
    """Sort by ``field``; ``descending`` flips values and the pk tiebreak alike."""

    field: Field
    descending: bool

    @property
    def order(self) -> str:
        """The canonical order string (``-summary.acc``)."""
        return ("-" if self.descending else "+") + self.field.name


def parse_sort(order: str | None) -> Sort:
    """Parse ``"-summary.acc"`` (descending) or ``"name"``/``"+name"`` (ascending)."""
    order = order or DEFAULT_ORDER
    descending = order.startswith("-")
    name = order[1:] if order[:1] in "+-" else order
    field = parse_field(name, where="order")
    if field.kind in ("tags", "sweep"):
        raise InvalidInputError(
            f"order: runs cannot be sorted by {field.name}; sort by a column or key"
        )
    return Sort(field, descending)


@dataclass(frozen=True)
class RunsPage:
    """One keyset page: rows in order, and the cursor of the next page (None at the end)."""

    rows: list[Row[Any]]
    next_cursor: str | None


@dataclass(frozen=True)
class RunsWindow:
    """One offset window and the number of runs the filter matches."""

    rows: list[Row[Any]]
    total: int


@dataclass(frozen=True)
class _Segment:
    base: Select[Any]  # filtered, unordered, with the sort value selected as SORT_VALUE
    value: ColumnElement[Any] | None
    pk: ColumnElement[Any]


class RunsQuery:
    """Filtered, sorted runs of one project; each method takes a Connection and runs SQL."""

    def __init__(
        self,
        project_pk: int,
        filters: Mapping[str, Any] | Node | None = None,
        order: str | None = None,
        columns: Sequence[Any] = (runs,),
        archived: Archived = "exclude",
    ) -> None:
        self.project_pk = project_pk
        self._archived = archived_scope(runs.c.archived_at, archived)
        self.filter = filters if isinstance(filters, Node) else validate(filters)
        self.sort = parse_sort(order)
        self._columns = tuple(columns)
        self._where = compile_filter(self.filter, project_pk)
        self._built: dict[int, _Segment] = {}
        if self.sort.field.kind == "kv":
            self._n_segments = 4
        else:
            self._n_segments = 2 if self.sort.field.name in NULLABLE_COLUMNS else 1

    def page(self, conn: Connection, *, limit: int = 50, cursor: str | None = None) -> RunsPage:
        """The ``limit`` runs after ``cursor`` (from the start when None)."""
        limit = _check_limit(limit)
        start = decode_cursor(cursor, self.sort.order) if cursor else None
        if start is not None and not 0 <= start.segment < self._n_segments:
            raise InvalidInputError("invalid cursor: pass back next_cursor unchanged")
        first = start.segment if start else 0
        found: list[tuple[int, Row[Any]]] = []
        for index in range(first, self._n_segments):
            segment = self._segment(index)
            query = self._ordered(segment)
            if start is not None and index == start.segment:
                query = query.where(self._after(segment, start))
            rows = conn.execute(query.limit(limit + 1 - len(found))).all()
            found += [(index, row) for row in rows]
            if len(found) > limit:
                break
        next_cursor = None
        if len(found) > limit:
            index, last = found[limit - 1]
            value = last._mapping[SORT_VALUE]
            position = Position(index, value, int(last._mapping[SORT_PK]))
            next_cursor = encode_cursor(self.sort.order, position)
        return RunsPage([row for _, row in found[:limit]], next_cursor)

    def window(self, conn: Connection, *, offset: int = 0, limit: int = 50) -> RunsWindow:
        """Runs ``offset`` to ``offset + limit`` in sort order, and the total matched."""
        limit = _check_limit(limit)
        if offset < 0:
            raise InvalidInputError("offset must be >= 0")
        total = self.count(conn)
        rows: list[Row[Any]] = []
        skip = offset
        for index in range(self._n_segments):
            if len(rows) >= limit or offset >= total:
                break
            segment = self._segment(index)
            query = self._ordered(segment).offset(skip).limit(limit - len(rows))
            got = conn.execute(query).all()
            if got:
                rows += got
                skip = 0
            elif skip:
                # The window starts past this segment: count it to know how far past.
                size = conn.scalar(select(func.count()).select_from(segment.base.subquery()))
                skip -= int(size or 0)
        return RunsWindow(rows, total)

    def count(self, conn: Connection) -> int:
        """How many runs of the project match the filter."""
        where = compile_filter(self.filter, self.project_pk, drive=True)
        query = select(func.count()).select_from(runs).where(runs.c.project_pk == self.project_pk)
        return int(conn.scalar(query.where(where, self._archived)) or 0)

    def _scope(self) -> ColumnElement[bool]:
        return and_(runs.c.project_pk == self.project_pk, self._where, self._archived)

    def _ordered(self, segment: _Segment) -> Select[Any]:
        keys = [segment.pk] if segment.value is None else [segment.value, segment.pk]
        if self.sort.descending:
            return segment.base.order_by(*(k.desc() for k in keys))
        return segment.base.order_by(*(k.asc() for k in keys))

    def _after(self, segment: _Segment, start: Position) -> ColumnElement[bool]:
        if segment.value is None:
            if start.value is not None:
                raise InvalidInputError("invalid cursor: pass back next_cursor unchanged")
            return segment.pk < start.pk if self.sort.descending else segment.pk > start.pk
        if start.value is None:
            raise InvalidInputError("invalid cursor: pass back next_cursor unchanged")
        here = tuple_(segment.value, segment.pk)
        there = tuple_(literal(start.value), literal(start.pk))
        return here < there if self.sort.descending else here > there

    def _segment(self, index: int) -> _Segment:
        """Segment ``index`` of the sort, built on first use (most pages need only one)."""
        if index not in self._built:
            self._built[index] = self._build_segment(index)
        return self._built[index]

    def _build_segment(self, index: int) -> _Segment:
        field = self.sort.field
        if field.kind == "kv":
            return self._kv_segment(field.name, index)
        col = runs.c[field.name]
        if field.name not in NULLABLE_COLUMNS:
            return self._column_segment(col, true())
        if index == 0:
            return self._column_segment(col, col.is_not(None))
        return self._missing_segment(col.is_(None))

    def _column_segment(self, col: Any, cond: ColumnElement[bool]) -> _Segment:
        base = select(*self._columns, col.label(SORT_VALUE), runs.c.pk.label(SORT_PK))
        base = base.where(self._scope(), cond)
        return _Segment(base, col, runs.c.pk)

    def _missing_segment(self, cond: ColumnElement[bool]) -> _Segment:
        base = select(
            *self._columns, literal_column("NULL").label(SORT_VALUE), runs.c.pk.label(SORT_PK)
        )
        return _Segment(base.where(self._scope(), cond), None, runs.c.pk)

    def _kv_segment(self, key: str, index: int) -> _Segment:
        if index == 3:
            m = _SORT_KV["missing"]
            sortable = or_(m.c.vtype.in_((VTYPE_NUMBER, VTYPE_BOOL)), m.c.text.is_not(None))
            has_value = (
                select(literal_column("1"))
                .where(m.c.run_pk == runs.c.pk, m.c.key == key, sortable)
                .correlate(runs)
                .exists()
            )
            return self._missing_segment(not_(has_value))
        kind = ("number", "text", "bool")[index]
        s = _SORT_KV[kind]
        cond: ColumnElement[bool]
        if kind == "text":
            cond, value = s.c.text.is_not(None), s.c.text
        else:
            cond = s.c.vtype == (VTYPE_NUMBER if kind == "number" else VTYPE_BOOL)
            value = s.c.num
        base = (
            select(*self._columns, value.label(SORT_VALUE), s.c.run_pk.label(SORT_PK))
            .select_from(s.join(runs, runs.c.pk == s.c.run_pk))
            .where(s.c.project_pk == self.project_pk, s.c.key == key, cond, self._scope())
        )
        return _Segment(base, value, s.c.run_pk)


def _check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInputError(f"limit must be an integer from 1 to {MAX_LIMIT}")
    return min(limit, MAX_LIMIT)
