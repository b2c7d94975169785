"""The typed text expression: grammar, literals, errors with columns, round trips."""

from __future__ import annotations

import pytest

from cairn.errors import InvalidInputError
from cairn.server.query.expression import format_expression, parse_expression, tokenize
from cairn.server.query.filters import validate


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("config.lr = 1", {"config.lr": {"$eq": 1}}),
        ("config.lr == 1", {"config.lr": {"$eq": 1}}),
        ("config.lr != 1", {"config.lr": {"$ne": 1}}),
        ("config.lr > 0.01", {"config.lr": {"$gt": 0.01}}),
        ("config.lr >= 1e-3", {"config.lr": {"$gte": 0.001}}),
        ("config.lr < -2", {"config.lr": {"$lt": -2}}),
        ("config.lr <= .5", {"config.lr": {"$lte": 0.5}}),
        ("tags in [a, b]", {"tags": {"$in": ["a", "b"]}}),
        ("tags notin [a]", {"tags": {"$nin": ["a"]}}),
        ("tags not in []", {"tags": {"$nin": []}}),
        ("summary.acc exists", {"summary.acc": {"$exists": True}}),
        ("not summary.acc exists", {"$not": {"summary.acc": {"$exists": True}}}),
        ('name ~ "^res.et"', {"name": {"$regex": "^res.et"}}),
        ("name ~* ^res", {"name": {"$regex": "^res", "$options": "i"}}),
        ('name !~ "x"', {"name": {"$exists": True, "$not": {"$regex": "x"}}}),
        (
            "group !~* x",
            {"group": {"$exists": True, "$not": {"$regex": "x", "$options": "i"}}},
        ),
        ("name contains resnet", {"name": {"$contains": "resnet"}}),
        ("name CONTAINS 1e3", {"name": {"$contains": "1e3"}}),  # words are taken as written
        ("tags ~ true", {"tags": {"$regex": "true"}}),
        ('config.arch~"net$"', {"config.arch": {"$regex": "net$"}}),
        ("not name contains x", {"$not": {"name": {"$contains": "x"}}}),
        # inside quotes a backslash escapes the next character: double it for a regex escape
        (r'tags ~ "^a\\.b"', {"tags": {"$regex": r"^a\.b"}}),
        (r"name ~ ^x\.y", {"name": {"$regex": r"^x\.y"}}),
    ],
)
def test_every_operator(text: str, tree: dict[str, object]) -> None:
    assert parse_expression(text) == tree


def test_literals() -> None:
    assert parse_expression("config.a = true") == {"config.a": {"$eq": True}}
    assert parse_expression("config.a = FALSE") == {"config.a": {"$eq": False}}
    assert parse_expression("state = finished") == {"state": {"$eq": "finished"}}
    assert parse_expression('name = "1e3"') == {"name": {"$eq": "1e3"}}
    assert parse_expression("name = 'it'") == {"name": {"$eq": "it"}}
    assert parse_expression(r'name = "a \"b\" c"') == {"name": {"$eq": 'a "b" c'}}
    assert parse_expression("config.v = v1.2-rc") == {"config.v": {"$eq": "v1.2-rc"}}
    assert parse_expression("config.d = 2024-01-01") == {"config.d": {"$eq": "2024-01-01"}}
    assert parse_expression('"config.my key" = 3') == {"config.my key": {"$eq": 3}}
    assert parse_expression("config.lr>0.1") == {"config.lr": {"$gt": 0.1}}


def test_precedence_and_parentheses() -> None:
    assert parse_expression("state = a or state = b and not name = c") == {
        "$or": [
            {"state": {"$eq": "a"}},
            {"$and": [{"state": {"$eq": "b"}}, {"$not": {"name": {"$eq": "c"}}}]},
        ]
    }
    assert parse_expression('summary.acc >= 0.9 or (tags in [a, b] and not name = "x y")') == {
        "$or": [
            {"summary.acc": {"$gte": 0.9}},
            {"$and": [{"tags": {"$in": ["a", "b"]}}, {"$not": {"name": {"$eq": "x y"}}}]},
        ]
    }
    assert parse_expression("(state = a) AND (state = b)") == {
        "$and": [{"state": {"$eq": "a"}}, {"state": {"$eq": "b"}}]
    }


def test_empty_expression_matches_all() -> None:
    assert parse_expression("   ") == {}


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("config.lr >", "expected a value", 12),
        ("foo = 1", "unknown field 'foo'", 1),
        ("(state = a", "expected ')'", 11),
        ('state = "x', "unterminated string", 9),
        ("config.x ? 1", "expected an operator (= != > >= < <= ~ ~* !~ !~* in notin", 10),
        ("name ~", "expected a value, found the end", 7),
        ("name contains and", "expected a value, found keyword 'and'", 15),
        ("name ~ [a]", "expected a value, found '['", 8),
        ('name ~ "("', "invalid regular expression", None),
        ("summary.acc ~ x", None, None),
        ("state = null", "null cannot be compared", 9),
        ("state", "expected an operator", 6),
        ("state = a b", "expected 'and', 'or' or the end", 11),
        ("tags in a", "expected '['", 9),
        ("tags in [a b]", "expected ',' or ']'", 12),
        ("tags in [a,", "expected a value", 12),
        ("and = 1", "expected a field", 1),
        ("state = and", "expected a value", 9),
        ("state not exists", "expected 'in' after 'not'", 11),
        ("state ! 1", "unknown operator '!'", 7),
        ("tags > a", "tags take", None),
    ],
)
def test_errors_name_the_column(text: str, message: str | None, column: int | None) -> None:
    if message is None:  # a number or a string: the type is the value's, not the field's
        parse_expression(text)
        return
    with pytest.raises(InvalidInputError) as err:
        parse_expression(text)
    assert message in str(err.value)
    if column is not None:
        assert f"at column {column}" in str(err.value)
        assert err.value.details["column"] == column


def test_tokens_carry_columns() -> None:
    tokens = tokenize('a >= "b c"')
    assert [(t.kind, t.text, t.column) for t in tokens] == [
        ("word", "a", 1),
        ("op", ">=", 3),
        ("string", "b c", 6),
        ("end", "", 11),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "config.lr > 0.01 and state = finished",
        'summary.acc >= 0.9 or (tags in [a, b] and not name = "x y")',
        'config.x notin [1, "2", true, "and"]',
        "not (summary.acc exists or group != g)",
        '"config.odd key" = "quote \\" here"',
        "config.n = -3 and config.f = 1e-05",
        'name ~ "^a\\.b" or name ~* x or tags contains "100%"',
        'config.note contains "say \\"hi\\""',
    ],
)
def test_format_round_trip(text: str) -> None:
    tree = parse_expression(text)
    assert parse_expression(format_expression(tree)) == tree


def test_format_of_json_tree_means_the_same() -> None:
    tree = {"state": "finished", "summary.acc": {"$exists": False}}
    assert format_expression(tree) == "state = finished and (not summary.acc exists)"
    assert parse_expression(format_expression(tree)) == {
        "$and": [{"state": {"$eq": "finished"}}, {"$not": {"summary.acc": {"$exists": True}}}]
    }
    assert format_expression(validate({})) == ""


def test_negated_regex_formats_to_the_same_meaning() -> None:
    tree = parse_expression('name !~* "^res"')
    text = format_expression(tree)
    assert text == 'name exists and not name ~* "^res"'
    assert validate(parse_expression(text)) == validate(tree)
