"""Parse the UI's typed filter expression into the JSON filter tree of ``filters.py``.

Grammar (keywords are case-insensitive; a TypeScript twin in ``ui/`` must match it)::

    expr       := or
    or         := and ("or" and)*
    and        := unary ("and" unary)*
    unary      := "not" unary | "(" expr ")" | comparison
    comparison := field ("=" | "==" | "!=" | ">" | ">=" | "<" | "<=") value
                | field ("in" | "notin" | "not" "in") list
                | field ("~" | "~*" | "!~" | "!~*" | "contains") text
                | field "exists"
    list       := "[" [value ("," value)*] "]"
    field      := word | string
    value      := string | number | "true" | "false" | "null" | word
    string     := '"' ... '"' | "'" ... "'"       (backslash escapes the next character)
    text       := string | word                   (a word is taken as it is written)
    word       := a run of characters other than space, quotes, ( ) [ ] , = ! < > ~

A word that reads as a number (``0.01``, ``-3``, ``1e-4``) is a number; any other word is a
string (``state = finished``); quote a value to keep it a string (``name = "1e3"``). ``not x
exists`` means x is missing. ``~`` is ``$regex``, ``~*`` the same ignoring case, ``!~``/``!~*``
"present and not matching" (like ``!=``), ``contains`` is ``$contains``. Errors say what was
expected and the 1-based column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cairn.errors import InvalidInputError
from cairn.server.query.filters import Node, parse_field, to_json, validate

_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_WORD_STOP = set(" \t\r\n\"'()[],=!<>~")
_OPS = {"=": "$eq", "==": "$eq", "!=": "$ne", ">": "$gt", ">=": "$gte", "<": "$lt", "<=": "$lte"}
# regex operators: (negated, $options)
_MATCH_OPS = {"~": (False, ""), "~*": (False, "i"), "!~": (True, ""), "!~*": (True, "i")}
_ALL_OPS = (*_OPS, *_MATCH_OPS)
_KEYWORDS = {"and", "or", "not", "in", "notin", "exists", "contains"}
OPERATOR_HELP = "= != > >= < <= ~ ~* !~ !~* in notin contains exists"
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}
MAX_LENGTH = 10_000


@dataclass(frozen=True)
class Token:
    """One token: kind (word, string, op, punct, end), text and 1-based column."""

    kind: str
    text: str
    column: int


def _error(message: str, column: int) -> InvalidInputError:
    return InvalidInputError(f"{message} at column {column}", column=column)


def tokenize(source: str) -> list[Token]:
    """Split an expression into tokens; InvalidInputError on an unterminated string."""
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char.isspace():
            i += 1
        elif char in "\"'":
            start, i, chars = i, i + 1, []
            while i < n and source[i] != char:
                if source[i] == "\\" and i + 1 < n:
                    i += 1
                chars.append(source[i])
                i += 1
            if i >= n:
                raise _error(f"unterminated string (missing closing {char})", start + 1)
            tokens.append(Token("string", "".join(chars), start + 1))
            i += 1
        elif char in "()[],":
            tokens.append(Token("punct", char, i + 1))
            i += 1
        elif char in "=!<>~":
            op = next((o for o in (source[i : i + 3], source[i : i + 2]) if o in _ALL_OPS), char)
            if op not in _ALL_OPS:
                raise _error(f"unknown operator {op!r}; use = != > >= < <= ~ ~* !~ !~*", i + 1)
            tokens.append(Token("op", op, i + 1))
            i += len(op)
        else:
            start = i
            while i < n and source[i] not in _WORD_STOP:
                i += 1
            tokens.append(Token("word", source[start:i], start + 1))
    tokens.append(Token("end", "", n + 1))
    return tokens


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.pos = 0

    @property
    def peek(self) -> Token:
        return self.tokens[self.pos]

    def next(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek
        if token.kind == "word" and token.text.lower() == word:
            self.pos += 1
            return True
        return False

    def parse(self) -> dict[str, Any]:
        if self.peek.kind == "end":
            return {}
        tree = self.or_()
        if self.peek.kind != "end":
            raise _error(f"expected 'and', 'or' or the end, found {self.describe()}", self.col)
        return tree

    @property
    def col(self) -> int:
        return self.peek.column

    def describe(self) -> str:
        token = self.peek
        return "the end" if token.kind == "end" else repr(token.text)

    def or_(self) -> dict[str, Any]:
        items = [self.and_()]
        while self.keyword("or"):
            items.append(self.and_())
        return items[0] if len(items) == 1 else {"$or": items}

    def and_(self) -> dict[str, Any]:
        items = [self.unary()]
        while self.keyword("and"):
            items.append(self.unary())
        return items[0] if len(items) == 1 else {"$and": items}

    def unary(self) -> dict[str, Any]:
        if self.keyword("not"):
            return {"$not": self.unary()}
        if self.peek.kind == "punct" and self.peek.text == "(":
            self.next()
            tree = self.or_()
            if not (self.peek.kind == "punct" and self.peek.text == ")"):
                raise _error(f"expected ')', found {self.describe()}", self.col)
            self.next()
            return tree
        return self.comparison()

    def comparison(self) -> dict[str, Any]:
        token = self.peek
        is_field = token.kind == "string" or (
            token.kind == "word" and token.text.lower() not in _KEYWORDS
        )
        if not is_field:
            raise _error(f"expected a field such as config.lr, found {self.describe()}", self.col)
        self.next()
        try:
            name = parse_field(token.text).name
        except InvalidInputError as err:
            raise _error(err.message.removeprefix("field: "), token.column) from err
        return self.operation(name)

    def operation(self, name: str) -> dict[str, Any]:
        """What follows the field ``name`` in a comparison, as the tree of that comparison."""
        if self.peek.kind == "op":
            op = self.next().text
            if op in _MATCH_OPS:
                negated, options = _MATCH_OPS[op]
                regex: dict[str, Any] = {"$regex": self.text()}
                if options:
                    regex["$options"] = options
                return {name: {"$exists": True, "$not": regex} if negated else regex}
            return {name: {_OPS[op]: self.value()}}
        if self.keyword("contains"):
            return {name: {"$contains": self.text()}}
        if self.keyword("in"):
            return {name: {"$in": self.list_()}}
        if self.keyword("notin"):
            return {name: {"$nin": self.list_()}}
        if self.keyword("not"):
            if not self.keyword("in"):
                raise _error(f"expected 'in' after 'not', found {self.describe()}", self.col)
            return {name: {"$nin": self.list_()}}
        if self.keyword("exists"):
            return {name: {"$exists": True}}
        raise _error(f"expected an operator ({OPERATOR_HELP}), found {self.describe()}", self.col)

    def text(self) -> str:
        """A pattern or substring: a quoted string, or a word taken as it is written."""
        token = self.peek
        if token.kind == "word" and token.text.lower() in _KEYWORDS:
            raise _error(f"expected a value, found keyword {token.text!r}; quote it", self.col)
        if token.kind not in ("word", "string"):
            raise _error(f"expected a value, found {self.describe()}", self.col)
        self.next()
        return token.text

    def list_(self) -> list[Any]:
        if not (self.peek.kind == "punct" and self.peek.text == "["):
            raise _error(f"expected '[' to start a list, found {self.describe()}", self.col)
        self.next()
        values: list[Any] = []
        if self.peek.kind == "punct" and self.peek.text == "]":
            self.next()
            return values
        while True:
            values.append(self.value())
            token = self.next()
            if token.kind == "punct" and token.text == "]":
                return values
            if not (token.kind == "punct" and token.text == ","):
                shown = "the end" if token.kind == "end" else repr(token.text)
                raise _error(f"expected ',' or ']' in the list, found {shown}", token.column)

    def value(self) -> Any:
        token = self.peek
        if token.kind == "string":
            self.next()
            return token.text
        if token.kind != "word":
            raise _error(f"expected a value, found {self.describe()}", self.col)
        lowered = token.text.lower()
        if lowered in _KEYWORDS:
            raise _error(f"expected a value, found keyword {token.text!r}; quote it", self.col)
        self.next()
        if lowered in _LITERALS:
            if lowered == "null":
                raise _error(
                    "null cannot be compared; use 'exists' or 'not ... exists'", token.column
                )
            return _LITERALS[lowered]
        if _NUMBER.fullmatch(token.text):
            number = float(token.text)
            if number.is_integer() and re.fullmatch(r"[-+]?\d+", token.text):
                return int(token.text)
            return number
        return token.text


def parse_expression(source: str) -> dict[str, Any]:
    """The JSON filter tree of a text expression; InvalidInputError with the column if malformed."""
    if len(source) > MAX_LENGTH:
        raise InvalidInputError(f"filter expression longer than {MAX_LENGTH} characters")
    tree = _Parser(source).parse()
    validate(tree)
    return tree


def format_expression(node: Node | dict[str, Any]) -> str:
    """Text for a filter tree; ``parse_expression(format_expression(t))`` means the same."""
    if isinstance(node, dict):
        node = validate(node)
    return _format(to_json(node), top=True)


def _format(tree: dict[str, Any], top: bool = False) -> str:
    if not tree:
        return ""
    ((key, body),) = tree.items()
    if key in ("$and", "$or"):
        text = f" {key[1:]} ".join(_format(item) for item in body)
        return text if top else f"({text})"
    if key == "$not":
        return f"not {_format(body)}"
    op, operand = next(iter(body.items()))
    field = _format_value(key) if _needs_quotes(key) else key
    if op == "$regex":
        symbol = "~*" if body.get("$options") == "i" else "~"
        return f"{field} {symbol} {_quote(operand)}"
    if op == "$contains":
        return f"{field} contains {_quote(operand)}"
    if op == "$exists":
        return f"{field} exists" if operand else f"(not {field} exists)"
    if op in ("$in", "$nin"):
        items = ", ".join(_format_value(v) for v in operand)
        return f"{field} {'in' if op == '$in' else 'notin'} [{items}]"
    symbol = {v: k for k, v in _OPS.items() if k != "=="}[op]
    return f"{field} {symbol} {_format_value(operand)}"


def _needs_quotes(text: str) -> bool:
    return (
        not text
        or any(c in _WORD_STOP for c in text)
        or text.lower() in _KEYWORDS
        or text.lower() in _LITERALS
        or bool(_NUMBER.fullmatch(text))
    )


def _format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if not _needs_quotes(text):
        return text
    return _quote(text)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
