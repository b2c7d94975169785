"""The JSON filter tree: validation, normal form and errors."""

from __future__ import annotations

import re

import pytest

from cairn.errors import InvalidInputError
from cairn.server.query.filters import (
    And,
    Cond,
    Field,
    Not,
    Or,
    parse_field,
    to_json,
    validate,
)

LR = Field("kv", "config.lr")
STATE = Field("text", "state")


@pytest.mark.parametrize("op", ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte"])
def test_every_comparison(op: str) -> None:
    assert validate({"config.lr": {op: 0.1}}) == Cond(LR, op, 0.1)


def test_bare_value_means_eq() -> None:
    assert validate({"state": "finished"}) == Cond(STATE, "$eq", "finished")
    assert validate({"config.flag": True}) == Cond(Field("kv", "config.flag"), "$eq", True)


def test_in_nin_exists() -> None:
    assert validate({"config.lr": {"$in": [1, "a", True]}}) == Cond(LR, "$in", (1, "a", True))
    assert validate({"config.lr": {"$nin": []}}) == Cond(LR, "$nin", ())
    assert validate({"summary.acc": {"$exists": False}}) == Cond(
        Field("kv", "summary.acc"), "$exists", False
    )


def test_logical_nesting() -> None:
    tree = {
        "state": "finished",
        "$or": [{"config.lr": {"$gt": 0.01}}, {"$not": {"tags": {"$in": ["a"]}}}],
    }
    assert validate(tree) == And(
        (
            Cond(STATE, "$eq", "finished"),
            Or(
                (
                    Cond(LR, "$gt", 0.01),
                    Not(Cond(Field("tags", "tags"), "$in", ("a",))),
                )
            ),
        )
    )
    assert validate({"$and": [{"state": "a"}]}) == And((Cond(STATE, "$eq", "a"),))


def test_several_operators_on_one_field_are_anded() -> None:
    assert validate({"config.lr": {"$gt": 1, "$lt": 5}}) == And(
        (Cond(LR, "$gt", 1), Cond(LR, "$lt", 5))
    )


def test_field_level_not() -> None:
    assert validate({"config.lr": {"$not": {"$gt": 1}}}) == Not(Cond(LR, "$gt", 1))


def test_empty_filter_matches_all() -> None:
    assert validate(None) == And(())
    assert validate({}) == And(())


def test_fields_and_aliases() -> None:
    assert parse_field("created_at") == Field("number", "created_at")
    assert parse_field("group") == Field("text", "group")
    assert parse_field("tags") == Field("tags", "tags")
    assert parse_field("displayName") == Field("text", "name")
    assert parse_field("summary_metrics.acc") == Field("kv", "summary.acc")
    assert parse_field("config.model.depth") == Field("kv", "config.model.depth")


@pytest.mark.parametrize(
    ("tree", "message"),
    [
        ([], "expected an object"),
        ({"bogus": 1}, "unknown field 'bogus'"),
        ({"config.": 1}, "unknown field"),
        ({"config.lr": {"$gtx": 1}}, "unknown operator '$gtx'"),
        ({"$nor": []}, "unknown operator '$nor'"),
        ({"$or": []}, "non-empty list"),
        ({"$and": {"a": 1}}, "non-empty list"),
        ({"$or": [1]}, "filter.$or[0]: expected an object"),
        ({"config.lr": {"$in": 1}}, "takes a list"),
        ({"config.lr": {"$exists": 1}}, "true or false"),
        ({"config.lr": None}, "null cannot be compared"),
        ({"config.lr": float("nan")}, "NaN"),
        ({"config.lr": [1, 2]}, "use $in"),
        ({"config.lr": {"a": 1}}, "objects are not comparable"),
        ({"config.lr": {}}, "objects are not comparable"),
        ({"config.lr": {"$in": [[1]]}}, "filter.config.lr.$in[0]"),
        ({"tags": {"$gt": "a"}}, "tags take"),
        ({"tags": 5}, "tags are strings"),
        ({"config." + "x" * 300: 1}, "longer than"),
        ({"config.lr": {"$eq": object()}}, "unsupported value"),
    ],
)
def test_validation_errors(tree: object, message: str) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(message)):
        validate(tree)


def test_error_names_the_path() -> None:
    with pytest.raises(InvalidInputError) as err:
        validate({"$or": [{"state": "a"}, {"config.lr": {"$bad": 1}}]})
    assert "filter.$or[1].config.lr.$bad" in str(err.value)
    assert "$exists" in str(err.value)  # says what is allowed


def test_depth_and_size_limits() -> None:
    tree: dict[str, object] = {"state": "a"}
    for _ in range(40):
        tree = {"$not": tree}
    with pytest.raises(InvalidInputError, match="deeper"):
        validate(tree)
    with pytest.raises(InvalidInputError, match="more than"):
        validate({"$or": [{"state": str(i)} for i in range(3000)]})


@pytest.mark.parametrize(
    "tree",
    [
        {"config.lr": {"$gt": 0.01}},
        {"state": "finished", "tags": {"$nin": ["a", "b"]}},
        {"$or": [{"summary.acc": {"$exists": True}}, {"$not": {"name": {"$ne": "x"}}}]},
        {"config.lr": {"$gte": 1, "$lte": 2}},
        {},
    ],
)
def test_to_json_round_trip(tree: dict[str, object]) -> None:
    node = validate(tree)
    assert validate(to_json(node)) == node
