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
- an unknown column is a 400 naming it and listing the table's columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from cairn.errors import InvalidInputError
from cairn.server.query import expression as runs_expression
from cairn.server.query.filters import COMPARISONS, LIST_OPS, MAX_DEPTH, MAX_NODES, OPERATORS

Scalar = float | int | str | bool


@dataclass(frozen=True)
class Cond:
    """``column op value`` (a tuple for ``$in``/``$nin``, a bool for ``$exists``)."""

    column: str
    op: str
    value: Scalar | tuple[Scalar, ...]


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Cond | And | Or | Not


def unknown_column(name: str, where: str, types: dict[str, str]) -> InvalidInputError:
    """The 400 for a column the table does not have."""
    shown = ", ".join(repr(n) for n in list(types)[:50])
    more = f" and {len(types) - 50} more" if len(types) > 50 else ""
    return InvalidInputError(
        f"{where}: the table has no column {name!r}; its columns are {shown}{more}"
    )


def validate(tree: object, types: dict[str, str]) -> Node:
    """Check a JSON filter tree against the table's columns and return its typed form."""
    if tree is None:
        return And(())
    return _node(tree, "filter", 0, [MAX_NODES], types)


def parse_expression(source: str, types: dict[str, str]) -> Node:
    """The typed tree of a text expression (the runs grammar; fields are column names)."""
    if len(source) > runs_expression.MAX_LENGTH:
        raise InvalidInputError(
            f"filter expression longer than {runs_expression.MAX_LENGTH} characters"
        )
    tree = _ColumnParser(source).parse()
    return _node(tree, "expr", 0, [MAX_NODES], types)


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
        name = token.text
        if self.peek.kind == "op":
            return {name: {runs_expression._OPS[self.next().text]: self.value()}}
        if self.keyword("in"):
            return {name: {"$in": self.list_()}}
        if self.keyword("notin") or (self.keyword("not") and self._expect_in()):
            return {name: {"$nin": self.list_()}}
        if self.keyword("exists"):
            return {name: {"$exists": True}}
        raise runs_expression._error(
            f"expected an operator (= != > >= < <= in notin exists), found {self.describe()}",
            self.col,
        )

    def _expect_in(self) -> bool:
        if not self.keyword("in"):
            raise runs_expression._error(
                f"expected 'in' after 'not', found {self.describe()}", self.col
            )
        return True


def _node(tree: object, where: str, depth: int, budget: list[int], types: dict[str, str]) -> Node:
    if depth > MAX_DEPTH:
        raise InvalidInputError(f"{where}: filter nested deeper than {MAX_DEPTH} levels")
    budget[0] -= 1
    if budget[0] < 0:
        raise InvalidInputError(f"filter has more than {MAX_NODES} parts; simplify it")
    if not isinstance(tree, dict):
        raise InvalidInputError(f'{where}: expected an object like {{"label": "cat"}}')
    items: list[Node] = []
    for key, value in tree.items():
        at = f"{where}.{key}"
        if key in ("$and", "$or"):
            if not isinstance(value, list) or not value:
                raise InvalidInputError(f"{at}: expected a non-empty list of filter objects")
            subs = tuple(
                _node(v, f"{at}[{i}]", depth + 1, budget, types) for i, v in enumerate(value)
            )
            items.append(And(subs) if key == "$and" else Or(subs))
        elif key == "$not":
            items.append(Not(_node(value, at, depth + 1, budget, types)))
        elif key.startswith("$"):
            raise InvalidInputError(
                f"{at}: unknown operator {key!r} here; allowed at this level: $and, $or, $not"
            )
        else:
            if key not in types:
                raise unknown_column(key, where, types)
            items.append(_column_node(key, value, at, depth + 1, types[key]))
    if not items:
        return And(())
    return items[0] if len(items) == 1 else And(tuple(items))


def _column_node(column: str, spec: object, where: str, depth: int, kind: str) -> Node:
    if not (isinstance(spec, dict) and spec):
        return _cond(column, "$eq", spec, where, kind)
    if not all(k.startswith("$") for k in spec):
        raise InvalidInputError(
            f'{where}: objects are not comparable values; use operators such as {{"$eq": ...}} '
            f"({', '.join(OPERATORS)})"
        )
    items: list[Node] = []
    for op, operand in spec.items():
        at = f"{where}.{op}"
        if op == "$not":
            if depth > MAX_DEPTH:
                raise InvalidInputError(f"{at}: filter nested deeper than {MAX_DEPTH} levels")
            items.append(Not(_column_node(column, operand, at, depth + 1, kind)))
        elif op in OPERATORS:
            items.append(_cond(column, op, operand, at, kind))
        else:
            raise InvalidInputError(
                f"{at}: unknown operator {op!r}; allowed: {', '.join(OPERATORS)}"
            )
    return items[0] if len(items) == 1 else And(tuple(items))


def _cond(column: str, op: str, operand: object, where: str, kind: str) -> Cond:
    if op == "$exists":
        if not isinstance(operand, bool):
            raise InvalidInputError(f"{where}: $exists takes true or false")
        return Cond(column, op, operand)
    if kind not in ("number", "text", "bool"):
        raise InvalidInputError(
            f"{where}: column {column!r} holds {kind} cells, which only $exists can test"
        )
    if op in LIST_OPS:
        if not isinstance(operand, list | tuple):
            raise InvalidInputError(f"{where}: {op} takes a list of values")
        return Cond(column, op, tuple(_scalar(v, f"{where}[{i}]") for i, v in enumerate(operand)))
    return Cond(column, op, _scalar(operand, where))


def _scalar(value: object, where: str) -> Scalar:
    if value is None:
        raise InvalidInputError(f'{where}: null cannot be compared; use {{"$exists": false}}')
    if isinstance(value, float) and math.isnan(value):
        raise InvalidInputError(f"{where}: NaN cannot be compared")
    if isinstance(value, list | tuple | dict):
        raise InvalidInputError(
            f"{where}: lists and objects are not comparable values; use $in or $nin for a list"
        )
    if not isinstance(value, str | int | float):
        raise InvalidInputError(f"{where}: unsupported value of type {type(value).__name__}")
    return value


# --- evaluation ---------------------------------------------------------------------------


def mask(node: Node, table: pa.Table, types: dict[str, str]) -> pa.ChunkedArray | pa.Array:
    """A boolean array without nulls: which rows of ``table`` match ``node``."""
    if isinstance(node, Cond):
        return _cond_mask(node, table.column(node.column), types[node.column])
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
