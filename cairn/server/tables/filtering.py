"""The runs filter language over a table's columns: validate, then evaluate with pyarrow.

The tree and its text form are those of runs (``cairn.server.query.filters`` and
``.expression``), with column names as fields; the runs validator only knows run fields, so this
is its twin for columns, with the same operators, limits and semantics:

- a null cell makes every comparison false, ``$ne``/``$nin`` included; ``$exists: false`` is
  true for it. ``$not`` is plain two-valued negation. NaN is a value (not null): it equals
  nothing and orders nowhere, so only ``$ne``/``$nin``/``$exists`` are true for it.
- numbers compare with number columns, strings with text columns, bools with bool columns; a
  comparison across types is false, and ``$ne``/``$nin`` are "present and not ``$eq``/``$in``".
- media and json columns take ``$exists`` only (their cells are objects), else a 400.
- ``$regex``/``$contains`` match text cells with the runs semantics (``query.textmatch``: ASCII
  case folding, ``.`` matches a newline); other cells never match them.
- an unknown column is a 400 naming it and listing the table's columns.
"""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from cairn.errors import InvalidInputError
from cairn.server.query import expression as runs_expression
from cairn.server.query import filters
from cairn.server.query.filters import (
    COMPARISONS,
    LIST_OPS,
    TEXT_OPS,
    And,
    Cond,
    Field,
    Node,
    Not,
    Or,
    Scalar,
)
from cairn.server.query.textmatch import compiled

__all__ = ["And", "Cond", "Node", "Not", "Or", "mask", "parse_expression", "validate"]


def unknown_column(name: str, where: str, types: dict[str, str]) -> InvalidInputError:
    """The 400 for a column the table does not have."""
    shown = ", ".join(repr(n) for n in list(types)[:50])
    more = f" and {len(types) - 50} more" if len(types) > 50 else ""
    return InvalidInputError(
        f"{where}: the table has no column {name!r}; its columns are {shown}{more}"
    )


def validate(tree: object, types: dict[str, str], where: str = "filter") -> Node:
    """Check a JSON filter tree against the table's columns and return its typed form."""
    return filters.validate(tree, _columns(types), where)


def _columns(types: dict[str, str]) -> filters.FieldResolver:
    """Field names are the table's columns; cells holding objects take ``$exists`` only."""

    def resolve(name: object, where: str) -> Field:
        if not isinstance(name, str) or name not in types:
            raise unknown_column(str(name), where, types)
        return Field("cell", name, exists_only=types[name] not in ("number", "text", "bool"))

    return resolve


def parse_expression(source: str, types: dict[str, str]) -> Node:
    """The typed tree of a text expression (the runs grammar; fields are column names)."""
    if len(source) > runs_expression.MAX_LENGTH:
        raise InvalidInputError(
            f"filter expression longer than {runs_expression.MAX_LENGTH} characters"
        )
    tree = _ColumnParser(source).parse()
    return validate(tree, types, "expr")


class _ColumnParser(runs_expression._Parser):
    """The runs expression parser, taking any word or quoted string as a column name."""

    def comparison(self) -> dict[str, Any]:
        token = self.peek
        if token.kind == "word" and token.text.lower() in runs_expression._KEYWORDS:
            raise runs_expression._error(
                f"expected a column name, found {self.describe()}; quote a column named so",
                self.col,
            )
        if token.kind not in ("word", "string"):
            raise runs_expression._error(
                f"expected a column name, found {self.describe()}", self.col
            )
        self.next()
        return self.operation(token.text)


# --- evaluation ---------------------------------------------------------------------------


def mask(node: Node, table: pa.Table, types: dict[str, str]) -> pa.ChunkedArray | pa.Array:
    """A boolean array without nulls: which rows of ``table`` match ``node``."""
    if isinstance(node, Cond):
        return _cond_mask(node, table.column(node.field.name), types[node.field.name])
    if isinstance(node, Not):
        return pc.invert(mask(node.item, table, types))
    if isinstance(node, And) and not node.items:
        return pa.array([True] * table.num_rows, pa.bool_()) if table.num_rows else _empty()
    parts = [mask(item, table, types) for item in node.items]
    combine = pc.and_ if isinstance(node, And) else pc.or_
    result = parts[0]
    for part in parts[1:]:
        result = combine(result, part)
    return result


def _none(present: pa.ChunkedArray) -> pa.ChunkedArray:
    """All false, one per row."""
    return pc.and_(present, pc.invert(present))


def _empty() -> pa.Array:
    return pa.array([], pa.bool_())


def _matches_type(value: Scalar, kind: str) -> bool:
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    return isinstance(value, str)


def _cond_mask(cond: Cond, column: pa.ChunkedArray, kind: str) -> pa.ChunkedArray:
    present = pc.is_valid(column)
    if cond.op == "$exists":
        return present if cond.value else pc.invert(present)
    if cond.op in TEXT_OPS:
        return _text_mask(cond, column, kind, present)
    if cond.op in LIST_OPS:
        assert isinstance(cond.value, tuple)
        same = [v for v in cond.value if _matches_type(v, kind)]
        hit = (
            pc.is_in(column, value_set=_values(same, column.type, kind)) if same else _none(present)
        )
        hit = pc.and_(present, hit)
        return hit if cond.op == "$in" else pc.and_(present, pc.invert(hit))
    assert not isinstance(cond.value, tuple)
    if not _matches_type(cond.value, kind):
        equal = _none(present)
        return pc.and_(present, pc.invert(equal)) if cond.op == "$ne" else equal
    compare = {
        "$eq": pc.equal,
        "$ne": pc.equal,
        "$gt": pc.greater,
        "$gte": pc.greater_equal,
        "$lt": pc.less,
        "$lte": pc.less_equal,
    }[cond.op]
    assert cond.op in COMPARISONS
    result = pc.fill_null(compare(column, _scalar_of(cond.value, column.type, kind)), False)
    return pc.and_(present, pc.invert(result)) if cond.op == "$ne" else result


def _text_mask(
    cond: Cond, column: pa.ChunkedArray, kind: str, present: pa.ChunkedArray
) -> pa.ChunkedArray | pa.Array:
    """Python's ``re`` with the runs filter's flags, so tables and runs match alike."""
    if kind != "text":
        return _none(present)
    assert isinstance(cond.value, str)
    if cond.op == "$contains":
        search = compiled(re.escape(cond.value), True).search
    else:
        search = compiled(cond.value, cond.options == "i").search
    hits = [value is not None and search(value) is not None for value in column.to_pylist()]
    return pa.array(hits, pa.bool_())


def _scalar_of(value: Scalar, arrow_type: pa.DataType, kind: str) -> pa.Scalar:
    if kind == "number":
        fits = isinstance(value, int) and -(2**63) <= value < 2**63
        if pa.types.is_integer(arrow_type) and fits:
            return pa.scalar(value, pa.int64())
        return pa.scalar(float(value), pa.float64())
    return pa.scalar(value, arrow_type)


def _values(values: list[Scalar], arrow_type: pa.DataType, kind: str) -> pa.Array:
    if kind == "number":
        fits = pa.types.is_integer(arrow_type) and all(
            isinstance(v, int) and -(2**63) <= v < 2**63 for v in values
        )
        if fits:
            return pa.array(values, pa.int64())
        return pa.array([float(v) for v in values], pa.float64())
    return pa.array(values, arrow_type)
