"""The runs filter language: validate a JSON filter tree into a small typed tree.

The tree is the one W&B users know from ``Api.runs(filters=...)``::

    {"config.lr": {"$gt": 0.01}, "state": "finished",
     "$or": [{"tags": {"$in": ["a"]}}, {"summary.acc": {"$exists": True}}]}

Several keys in one object are ANDed; a bare value means ``$eq``; several operators on one field
are ANDed. Semantics (documented for users in ``docs/filter-language.md``):

- a missing key (or a column that is null) makes every comparison false, ``$ne``/``$nin``
  included; ``$exists: false`` is true. ``$not`` is plain two-valued negation.
- numbers compare with numbers, strings with strings, bools with bools; a comparison across
  types is false, and ``$ne``/``$nin`` are "present and not ``$eq``/``$in``".
- ``tags`` takes ``$eq``/``$ne`` (has / lacks this tag), ``$in``/``$nin`` (has any / none of
  these), ``$exists`` (has at least one tag) and ``$regex``/``$contains`` (any tag matches).
- ``$regex`` (with ``$options: "i"`` for case-insensitive) and ``$contains`` (a case-insensitive
  substring) test text values only; the portable regex subset is in ``textmatch``.
- ``null`` is not a comparable value: use ``$exists``. NaN is rejected too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from cairn.errors import InvalidInputError
from cairn.server.query.textmatch import check_pattern, check_substring

Scalar = float | int | str | bool
# "cell": a column of a logged table (design 0010), filtered with the same tree
FieldKind = Literal["number", "text", "kv", "tags", "sweep", "cell"]

COLUMNS: dict[str, FieldKind] = {
    "id": "text",
    "name": "text",
    "state": "text",
    "group": "text",
    "job_type": "text",
    "host": "text",
    "notes": "text",
    "created_at": "number",
    "updated_at": "number",
    "heartbeat_at": "number",
    "archived_at": "number",
}
NULLABLE_COLUMNS = frozenset({"group", "job_type", "host", "archived_at"})
# Spellings W&B users bring along (its GraphQL names and Api.runs keys).
ALIASES = {
    "display_name": "name",
    "displayName": "name",
    "jobType": "job_type",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "heartbeatAt": "heartbeat_at",
    "archivedAt": "archived_at",
}
KV_PREFIXES = {"config.": "config.", "summary.": "summary.", "summary_metrics.": "summary."}
COMPARISONS = ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte")
LIST_OPS = ("$in", "$nin")
TEXT_OPS = ("$regex", "$contains")
OPERATORS = (*COMPARISONS, *LIST_OPS, *TEXT_OPS, "$exists", "$not")
LOGICAL = ("$and", "$or", "$not")
TAG_OPS = ("$eq", "$ne", "$in", "$nin", *TEXT_OPS, "$exists")
REGEX_OPTIONS = ("", "i")
KEY_MAX = 300
MAX_DEPTH = 32
MAX_NODES = 2000


@dataclass(frozen=True)
class Field:
    """A filterable, sortable field: a run column, a ``config.``/``summary.`` key or tags."""

    kind: FieldKind
    name: str  # the column name, or the full run_kv key ("config.lr")
    exists_only: bool = False  # cells holding objects (media, JSON): only $exists tests them


FieldResolver = Callable[[object, str], Field]
"""Turns a key of the tree (and where it is, for messages) into a Field, or raises."""


@dataclass(frozen=True)
class Cond:
    """One leaf ``field op value``: a tuple for ``$in``/``$nin``, a bool for ``$exists``.

    ``options`` is ``$regex``'s ``$options`` ("i": case-insensitive), "" for every other op.
    """

    field: Field
    op: str
    value: Scalar | tuple[Scalar, ...]
    options: str = ""


@dataclass(frozen=True)
class And:
    """All of ``items`` (true when empty)."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Any of ``items``."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """The negation of ``item``."""

    item: Node


Node = Cond | And | Or | Not


def parse_field(name: object, where: str = "field") -> Field:
    """Resolve a field name, or raise InvalidInputError naming what is allowed."""
    if not isinstance(name, str) or not name:
        raise InvalidInputError(f"{where}: a field name must be a non-empty string")
    name = ALIASES.get(name, name)
    if name in COLUMNS:
        return Field(COLUMNS[name], name)
    if name == "tags":
        return Field("tags", "tags")
    if name == "sweep":  # the id of the sweep that handed the run out (design 0012)
        return Field("sweep", "sweep")
    for prefix, canonical in KV_PREFIXES.items():
        if name.startswith(prefix) and len(name) > len(prefix):
            key = canonical + name[len(prefix) :]
            if len(key) > KEY_MAX:
                raise InvalidInputError(f"{where}: key {name[:40]!r}... is longer than {KEY_MAX}")
            return Field("kv", key)
    raise InvalidInputError(
        f"{where}: unknown field {name!r}; use one of {', '.join(COLUMNS)}, tags, sweep, "
        "config.<key> or summary.<key>"
    )


def validate(tree: object, resolve: FieldResolver = parse_field, where: str = "filter") -> Node:
    """Check a JSON filter tree and return its typed form; raise InvalidInputError if malformed.

    ``resolve`` names the fields a key may be: run fields by default, a table's columns for
    tables (``cairn.server.tables.filtering``).
    """
    if tree is None:
        return And(())
    budget = [MAX_NODES]
    return _node(tree, where, 0, budget, resolve)


def _node(tree: object, where: str, depth: int, budget: list[int], resolve: FieldResolver) -> Node:
    if depth > MAX_DEPTH:
        raise InvalidInputError(f"{where}: filter nested deeper than {MAX_DEPTH} levels")
    budget[0] -= 1
    if budget[0] < 0:
        raise InvalidInputError(f"filter has more than {MAX_NODES} parts; simplify it")
    if not isinstance(tree, dict):
        raise InvalidInputError(f'{where}: expected an object like {{"state": "finished"}}')
    items: list[Node] = []
    for key, value in tree.items():
        if not isinstance(key, str):
            raise InvalidInputError(f"{where}: keys must be strings")
        at = f"{where}.{key}"
        if key in ("$and", "$or"):
            if not isinstance(value, list) or not value:
                raise InvalidInputError(f"{at}: expected a non-empty list of filter objects")
            subs = tuple(
                _node(v, f"{at}[{i}]", depth + 1, budget, resolve) for i, v in enumerate(value)
            )
            items.append(And(subs) if key == "$and" else Or(subs))
        elif key == "$not":
            items.append(Not(_node(value, at, depth + 1, budget, resolve)))
        elif key.startswith("$"):
            raise InvalidInputError(
                f"{at}: unknown operator {key!r} here; allowed at this level: {', '.join(LOGICAL)}"
            )
        else:
            items.append(_field_node(resolve(key, at), value, at, depth + 1))
    if not items:
        return And(())
    return items[0] if len(items) == 1 else And(tuple(items))


def _field_node(field: Field, spec: object, where: str, depth: int) -> Node:
    if not (isinstance(spec, dict) and spec and all(isinstance(k, str) for k in spec)):
        return _cond(field, "$eq", spec, where)
    if not all(k.startswith("$") for k in spec):
        raise InvalidInputError(
            f"{where}: objects are not comparable values; use operators such as "
            f'{{"$eq": ...}} ({", ".join(OPERATORS)})'
        )
    items: list[Node] = []
    options = _regex_options(spec, where)
    for op, operand in spec.items():
        at = f"{where}.{op}"
        if op == "$options":
            continue
        if op == "$regex":
            items.append(_regex_cond(field, operand, options, at))
        elif op == "$not":
            if depth > MAX_DEPTH:
                raise InvalidInputError(f"{at}: filter nested deeper than {MAX_DEPTH} levels")
            items.append(Not(_field_node(field, operand, at, depth + 1)))
        elif op in OPERATORS:
            items.append(_cond(field, op, operand, at))
        else:
            raise InvalidInputError(
                f"{at}: unknown operator {op!r}; allowed: {', '.join(OPERATORS)}"
            )
    return items[0] if len(items) == 1 else And(tuple(items))


def _regex_options(spec: dict[str, object], where: str) -> str:
    """``$options`` of a field spec (checked), "" when absent."""
    if "$options" not in spec:
        return ""
    options = spec["$options"]
    if "$regex" not in spec:
        raise InvalidInputError(f"{where}.$options: $options goes with $regex")
    if options not in REGEX_OPTIONS:
        raise InvalidInputError(
            f'{where}.$options: takes "i" (case-insensitive) or "" (case-sensitive)'
        )
    assert isinstance(options, str)
    return options


def _text_field(field: Field, op: str, where: str) -> None:
    if field.kind == "number":
        raise InvalidInputError(f"{where}: {op} matches text; {field.name!r} holds numbers")
    if field.exists_only:
        raise InvalidInputError(
            f"{where}: {field.name!r} holds objects, which only $exists can test"
        )


def _regex_cond(field: Field, pattern: object, options: str, where: str) -> Cond:
    _text_field(field, "$regex", where)
    return Cond(field, "$regex", check_pattern(pattern, where, options == "i"), options)


def _cond(field: Field, op: str, operand: object, where: str) -> Cond:
    if field.kind == "tags" and op not in TAG_OPS:
        raise InvalidInputError(f"{where}: tags take {', '.join(TAG_OPS)}, not {op}")
    if op == "$exists":
        if not isinstance(operand, bool):
            raise InvalidInputError(f"{where}: $exists takes true or false")
        return Cond(field, op, operand)
    if op == "$contains":
        _text_field(field, op, where)
        return Cond(field, op, check_substring(operand, where))
    if field.exists_only:
        raise InvalidInputError(
            f"{where}: {field.name!r} holds objects, which only $exists can test"
        )
    if op in LIST_OPS:
        if not isinstance(operand, list | tuple):
            raise InvalidInputError(f"{where}: {op} takes a list of values")
        values = tuple(_scalar(field, v, f"{where}[{i}]") for i, v in enumerate(operand))
        return Cond(field, op, values)
    return Cond(field, op, _scalar(field, operand, where))


def _scalar(field: Field, value: object, where: str) -> Scalar:
    if value is None:
        raise InvalidInputError(f'{where}: null cannot be compared; use {{"$exists": false}}')
    if isinstance(value, float) and math.isnan(value):
        raise InvalidInputError(f"{where}: NaN cannot be compared")
    if isinstance(value, list | tuple):
        raise InvalidInputError(f"{where}: lists are not comparable values; use $in or $nin")
    if isinstance(value, dict):
        raise InvalidInputError(f"{where}: objects are not comparable values")
    if not isinstance(value, str | int | float):
        raise InvalidInputError(f"{where}: unsupported value of type {type(value).__name__}")
    if field.kind == "tags" and not isinstance(value, str):
        raise InvalidInputError(f"{where}: tags are strings; got {value!r}")
    return value


def to_json(node: Node) -> dict[str, Any]:
    """The canonical JSON tree of a typed tree (``validate(to_json(n)) == n``)."""
    if isinstance(node, Cond):
        value = list(node.value) if isinstance(node.value, tuple) else node.value
        if node.options:
            return {node.field.name: {node.op: value, "$options": node.options}}
        return {node.field.name: {node.op: value}}
    if isinstance(node, Not):
        return {"$not": to_json(node.item)}
    if isinstance(node, And) and not node.items:
        return {}
    key = "$and" if isinstance(node, And) else "$or"
    return {key: [to_json(item) for item in node.items]}
