"""Compile a validated filter tree into a SQL condition on ``runs`` (bound parameters only).

Every leaf is two-valued (never SQL NULL), so ``$not`` is plain negation: a column leaf is
``col IS NOT NULL AND col <op> :v``; a ``config.``/``summary.``/tag leaf is an ``EXISTS`` probe of
``run_kv`` on its primary key ``(run_pk, key)``, which also carries ``project_pk`` so a planner
may instead drive the query from the ``(project_pk, key, ...)`` value indexes.

``$regex``/``$contains`` compile per backend (:mod:`cairn.server.query.textmatch` for the shared
semantics): PostgreSQL ``~``/``~*``/``ILIKE`` under collation "C" (which the optional pg_trgm index
on ``runs.name`` serves), SQLite the ``REGEXP`` functions the engine registers and ``LIKE``. A
case-sensitive regex anchored on a literal prefix (``^resnet``) also bounds ``run_kv`` text and tag
keys to that prefix's range, which the value index serves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Boolean, and_, false, literal_column, not_, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from cairn.server.query.filters import TEXT_OPS, And, Cond, Field, Node, Not, Or, Scalar
from cairn.server.query.textmatch import (
    LIKE_ESCAPE,
    like_contains,
    literal_prefix,
    prefix_upper,
)
from cairn.server.store.sql.kv import TAG_PREFIX, TEXT_MAX, tag_key
from cairn.server.store.sql.schema import VTYPE_BOOL, VTYPE_NUMBER, run_kv, runs, sweeps

_OPS: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "$eq": lambda a, b: a == b,
    "$ne": lambda a, b: a != b,
    "$gt": lambda a, b: a > b,
    "$gte": lambda a, b: a >= b,
    "$lt": lambda a, b: a < b,
    "$lte": lambda a, b: a <= b,
}


TAG_END = TAG_PREFIX[:-1] + ";"  # tag keys are the range ["tags:", "tags;")

# Probes never nest, so sibling EXISTS subqueries may share one alias (and one cache key).
_KV = run_kv.alias("kv")


def compile_filter(node: Node, project_pk: int, *, drive: bool = False) -> ColumnElement[bool]:
    """The SQL condition on ``runs`` that ``node`` means, for runs of ``project_pk``.

    ``drive=True`` writes positive key leaves as ``runs.pk IN (SELECT run_pk ...)``, which SQLite
    can drive a scan from (counts); the default correlated ``EXISTS`` suits index-ordered pages.
    PostgreSQL plans both forms as the same semi-join.
    """
    if isinstance(node, And):
        return and_(true(), *(compile_filter(n, project_pk, drive=drive) for n in node.items))
    if isinstance(node, Or):
        return or_(false(), *(compile_filter(n, project_pk, drive=drive) for n in node.items))
    if isinstance(node, Not):
        return not_(compile_filter(node.item, project_pk, drive=drive))
    if node.field.kind == "kv":
        return _kv_cond(node, project_pk, drive)
    if node.field.kind == "tags":
        return _tag_cond(node, project_pk, drive)
    if node.field.kind == "sweep":
        return _column_cond(node, _SWEEP_ID)
    return _column_cond(node)


# A run's sweep id: NULL for runs no sweep handed out, so it reads like a nullable column.
_SWEEP_ID = select(sweeps.c.id).where(sweeps.c.pk == runs.c.sweep_pk).scalar_subquery()


def is_number(value: object) -> bool:
    """A number and not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _matches_kind(field: Field, value: Scalar) -> bool:
    if field.kind == "number":
        return is_number(value)
    return isinstance(value, str)


class _Regex(FunctionElement[bool]):
    """``value`` matches the regex ``pattern``: ``_Regex(value, pattern)``."""

    name = "cairn_regex"
    type = Boolean()
    inherit_cache = True


class _IRegex(_Regex):
    """Case-insensitive :class:`_Regex` (a class of its own, so cached SQL never mixes them)."""

    inherit_cache = True


class _Contains(FunctionElement[bool]):
    """``value`` matches the LIKE ``pattern`` ignoring ASCII case: ``_Contains(value, pattern)``."""

    name = "cairn_contains"
    type = Boolean()
    inherit_cache = True


def _operands(element: FunctionElement[bool], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(_Regex, "sqlite")
def _regex_sqlite(element: _Regex, compiler: SQLCompiler, **kw: Any) -> str:
    value, pattern = _operands(element, compiler, **kw)
    if isinstance(element, _IRegex):
        return f"cairn_iregexp({pattern}, {value})"
    return f"({value} REGEXP {pattern})"


@compiles(_Regex, "postgresql")
def _regex_postgresql(element: _Regex, compiler: SQLCompiler, **kw: Any) -> str:
    value, pattern = _operands(element, compiler, **kw)
    op = "~*" if isinstance(element, _IRegex) else "~"
    return f'({value} COLLATE "C" {op} {pattern})'


@compiles(_Contains, "sqlite")
def _contains_sqlite(element: _Contains, compiler: SQLCompiler, **kw: Any) -> str:
    value, pattern = _operands(element, compiler, **kw)
    return f"({value} LIKE {pattern} ESCAPE '{LIKE_ESCAPE}')"  # ASCII case-insensitive


@compiles(_Contains, "postgresql")
def _contains_postgresql(element: _Contains, compiler: SQLCompiler, **kw: Any) -> str:
    value, pattern = _operands(element, compiler, **kw)
    return f"({value} COLLATE \"C\" ILIKE {pattern} ESCAPE '{LIKE_ESCAPE}')"


def _text_match(cond: Cond, value: Any) -> ColumnElement[bool]:
    """``value`` (a text column or expression) matches ``cond``'s $regex or $contains."""
    assert isinstance(cond.value, str)
    if cond.op == "$contains":
        return _Contains(value, like_contains(cond.value))
    if cond.options == "i":
        return _IRegex(value, cond.value)
    return _Regex(value, cond.value)


def _prefix_range(cond: Cond, value: Any, lead: str = "") -> list[ColumnElement[bool]]:
    """``value`` within the range of a case-sensitive regex's literal prefix (after ``lead``)."""
    if cond.op != "$regex" or cond.options:
        return []
    assert isinstance(cond.value, str)
    prefix = literal_prefix(cond.value)
    if not prefix:
        return []
    bounds = [value >= lead + prefix]
    upper = prefix_upper(prefix)
    if upper is not None:
        bounds.append(value < lead + upper)
    return bounds


def _column_cond(cond: Cond, column: Any = None) -> ColumnElement[bool]:
    col = runs.c[cond.field.name] if column is None else column
    present = col.is_not(None)
    if cond.op == "$exists":
        return present if cond.value else col.is_(None)
    if cond.op in TEXT_OPS:
        return and_(present, _text_match(cond, col))
    if cond.op in ("$in", "$nin"):
        assert isinstance(cond.value, tuple)
        values = [v for v in cond.value if _matches_kind(cond.field, v)]
        hit = and_(present, col.in_(values)) if values else false()
        return hit if cond.op == "$in" else and_(present, not_(hit))
    assert not isinstance(cond.value, tuple)
    if cond.op == "$ne":
        eq = _column_cond(Cond(cond.field, "$eq", cond.value), column)
        return and_(present, not_(eq))
    if not _matches_kind(cond.field, cond.value):
        return false()
    return and_(present, _OPS[cond.op](col, cond.value))


RowCond = Callable[[Any], ColumnElement[bool]]


def _probe(
    project_pk: int, key: str, row_cond: RowCond | None = None, drive: bool = False
) -> ColumnElement[bool]:
    """A run_kv row of this run under ``key`` (matching ``row_cond``) exists."""
    conds = [_KV.c.project_pk == project_pk, _KV.c.key == key]
    if row_cond is not None:
        conds.append(row_cond(_KV))
    if drive:
        return runs.c.pk.in_(select(_KV.c.run_pk).where(*conds))
    return (
        select(literal_column("1"))
        .where(_KV.c.run_pk == runs.c.pk, *conds)
        .correlate(runs)
        .exists()
    )


def _typed(value: Scalar, op: str) -> RowCond:
    """The row condition ``<stored value> op value`` for one run_kv row alias."""
    compare = _OPS[op]
    if isinstance(value, bool):
        num = 1.0 if value else 0.0
        return lambda kv: and_(kv.c.vtype == VTYPE_BOOL, compare(kv.c.num, num))
    if isinstance(value, str):
        text = value[:TEXT_MAX]
        return lambda kv: compare(kv.c.text, text)
    return lambda kv: and_(kv.c.vtype == VTYPE_NUMBER, compare(kv.c.num, float(value)))


def _kv_cond(cond: Cond, project_pk: int, drive: bool) -> ColumnElement[bool]:
    key = cond.field.name
    if cond.op == "$exists":
        present = _probe(project_pk, key, drive=drive)
        return present if cond.value else not_(_probe(project_pk, key))
    if cond.op in ("$in", "$nin"):
        assert isinstance(cond.value, tuple)
        if cond.op == "$in":
            return _kv_in(project_pk, key, cond.value, drive)
        hit = _kv_in(project_pk, key, cond.value, False)
        return and_(_probe(project_pk, key, drive=drive), not_(hit))
    if cond.op in TEXT_OPS:

        def matches(kv: Any) -> ColumnElement[bool]:
            text = kv.c.text
            return and_(text.is_not(None), *_prefix_range(cond, text), _text_match(cond, text))

        return _probe(project_pk, key, matches, drive)
    assert not isinstance(cond.value, tuple)
    if cond.op == "$ne":
        eq = _probe(project_pk, key, _typed(cond.value, "$eq"))
        return and_(_probe(project_pk, key, drive=drive), not_(eq))
    return _probe(project_pk, key, _typed(cond.value, cond.op), drive)


def _kv_in(
    project_pk: int, key: str, values: tuple[Scalar, ...], drive: bool
) -> ColumnElement[bool]:
    texts = sorted({v[:TEXT_MAX] for v in values if isinstance(v, str)})
    numbers = sorted({float(v) for v in values if is_number(v)})
    bools = sorted({1.0 if v else 0.0 for v in values if isinstance(v, bool)})
    if not (texts or numbers or bools):
        return false()

    def row_cond(kv: Any) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = []
        if texts:
            parts.append(kv.c.text.in_(texts))
        if numbers:
            parts.append(and_(kv.c.vtype == VTYPE_NUMBER, kv.c.num.in_(numbers)))
        if bools:
            parts.append(and_(kv.c.vtype == VTYPE_BOOL, kv.c.num.in_(bools)))
        return or_(*parts)

    return _probe(project_pk, key, row_cond, drive)


def _tag_cond(cond: Cond, project_pk: int, drive: bool) -> ColumnElement[bool]:
    if cond.op == "$exists":
        # Tag rows are the keys in ["tags:", "tags;"): a range on the primary key.
        any_tag = (
            select(literal_column("1"))
            .where(_KV.c.run_pk == runs.c.pk, _KV.c.key >= "tags:", _KV.c.key < "tags;")
            .correlate(runs)
            .exists()
        )
        return any_tag if cond.value else not_(any_tag)
    if cond.op in TEXT_OPS:
        return _tag_match(cond, project_pk, drive)
    values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
    keys = sorted({tag_key(str(v)) for v in values})
    positive = cond.op in ("$eq", "$in")
    if not keys:
        return false() if positive else true()
    conds = [_KV.c.project_pk == project_pk, _KV.c.key.in_(keys)]
    if positive and drive:
        return runs.c.pk.in_(select(_KV.c.run_pk).where(*conds))
    hit = (
        select(literal_column("1"))
        .where(_KV.c.run_pk == runs.c.pk, *conds)
        .correlate(runs)
        .exists()
    )
    return hit if positive else not_(hit)


def _tag_match(cond: Cond, project_pk: int, drive: bool) -> ColumnElement[bool]:
    """Some tag of the run matches ``cond``'s $regex or $contains."""
    key = _KV.c.key
    keys = _prefix_range(cond, key, TAG_PREFIX) or [key >= TAG_PREFIX, key < TAG_END]
    conds = [_KV.c.project_pk == project_pk, *keys, _text_match(cond, _KV.c.text)]
    if drive:
        return runs.c.pk.in_(select(_KV.c.run_pk).where(*conds))
    return (
        select(literal_column("1"))
        .where(_KV.c.run_pk == runs.c.pk, *conds)
        .correlate(runs)
        .exists()
    )
