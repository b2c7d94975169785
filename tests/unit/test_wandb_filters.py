"""W&B's runs filters and orders translated to Cairn's: field names, ``.value``, ISO times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cairn.errors import InvalidInputError
from cairn.server.compat.wandb.filters import cairn_filters, cairn_order, iso_time
from cairn.server.query.filters import validate


def test_field_names_and_config_values() -> None:
    tree = {
        "name": "abc123",
        "display_name": {"$regex": "^x"},
        "config.lr.value": {"$gt": 0.01},
        "config.opt.name": "adam",
        "summary_metrics.acc": {"$gte": 0.9},
        "$or": [{"tags": {"$in": ["a"]}}, {"config.depth.value": {"$nin": [1, 2]}}],
    }
    assert cairn_filters(tree) == {
        "id": "abc123",
        "name": {"$regex": "^x"},
        "config.lr": {"$gt": 0.01},
        "config.opt.name": "adam",
        "summary_metrics.acc": {"$gte": 0.9},
        "$or": [{"tags": {"$in": ["a"]}}, {"config.depth": {"$nin": [1, 2]}}],
    }
    validate(cairn_filters(tree))  # Cairn's validator takes it


def test_times_and_a_field_named_twice() -> None:
    moment = datetime(2024, 5, 1, 12, 0, tzinfo=UTC).timestamp()
    assert cairn_filters({"created_at": {"$lt": "2024-05-01T12:00:00"}}) == {
        "created_at": {"$lt": moment}
    }
    assert cairn_filters({"createdAt": {"$gte": "2024-05-01T14:00:00+02:00"}}) == {
        "createdAt": {"$gte": moment}
    }
    assert cairn_filters({"name": "a", "id": "b"}) == {"$and": [{"id": "a"}, {"id": "b"}]}
    with pytest.raises(InvalidInputError, match="not an ISO 8601 time"):
        cairn_filters({"created_at": {"$lt": "yesterday"}})
    assert iso_time(moment) == "2024-05-01T12:00:00"


def test_unknown_operators_reach_the_validator_by_name() -> None:
    with pytest.raises(InvalidInputError, match=r"\$near"):
        validate(cairn_filters({"config.lr.value": {"$near": 1}}))
    with pytest.raises(InvalidInputError, match=r"\$nor"):
        validate(cairn_filters({"$nor": [{"state": "finished"}]}))


def test_orders() -> None:
    assert cairn_order(None) == "+created_at"
    assert cairn_order("") == "+created_at"
    assert cairn_order("-summary_metrics.loss") == "-summary_metrics.loss"
    assert cairn_order("config.lr.value") == "+config.lr"
    assert cairn_order("+name") == "+id"
