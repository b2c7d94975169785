"""``define_metric`` rules: validation, merging, globs, step_sync and several summary modes."""

from __future__ import annotations

import math

import pytest

from cairn.errors import InvalidInputError
from cairn.sdk.metrics import Definitions, MetricRule, MetricRules, make_rule, parse_summary
from cairn.sdk.summary import SummaryTracker


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": ""}, "needs a metric name"),
        ({"name": 3}, "needs a metric name"),
        ({"name": "a\x01"}, "control characters"),
        ({"name": "loss", "summary": "median"}, "one or more of"),
        ({"name": "loss", "summary": "min,avg"}, "one or more of"),
        ({"name": "loss", "summary": ","}, "one or more of"),
        ({"name": "loss", "summary": 3}, "a string such as"),
        ({"name": "loss", "summary": "none,min"}, "cannot be combined"),
        ({"name": "loss", "summary": "best"}, "needs goal"),
        ({"name": "loss", "goal": "lower"}, "'minimize' or 'maximize'"),
        ({"name": "loss", "step_metric": "loss"}, "its own step_metric"),
        ({"name": "loss", "step_metric": "ep*"}, "not a glob"),
        ({"name": "loss", "step_metric": 1}, "a metric name"),
        ({"name": "loss", "hidden": "yes"}, "True or False"),
        ({"name": "loss", "step_sync": 1}, "True or False"),
        ({"name": "loss", "overwrite": "no"}, "True or False"),
    ],
)
def test_bad_definitions_say_what_is_wrong(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        Definitions().define(**kwargs)  # type: ignore[arg-type]


def test_summary_modes_parse_like_wandb() -> None:
    assert parse_summary("min") == ("min",)
    assert parse_summary(" min , max,min ") == ("min", "max")
    assert parse_summary(["mean", "last"]) == ("mean", "last")


def test_a_redefinition_merges_unless_overwritten() -> None:
    defs = Definitions()
    defs.define("loss", summary="min", goal="minimize")
    merged = defs.define("loss", step_metric="epoch", hidden=True)
    assert merged == MetricRule("loss", "epoch", ("min",), "minimize", True, True)
    assert defs.define("loss", summary="best") == MetricRule(
        "loss", "epoch", ("best",), "minimize", True, True
    )
    assert defs.define("loss", step_sync=False, overwrite=True) == MetricRule(
        "loss", step_sync=False
    )


def test_globs_match_any_characters_with_star_only() -> None:
    rule = make_rule("val/*")
    assert [rule.matches(k) for k in ("val/loss", "val/a/b", "val/")] == [True] * 3
    assert [rule.matches(k) for k in ("valid/loss", "train/val/loss")] == [False] * 2
    question = make_rule("a?[b]*")  # ? and [ ] are plain characters
    assert [question.matches(k) for k in ("a?[b]x", "ax[b]x", "a?bx")] == [True, False, False]
    assert make_rule("*/acc").matches("train/acc")
    assert not make_rule("loss").matches("loss2")


def test_an_exact_rule_wins_then_the_last_glob() -> None:
    rules = MetricRules()
    rules.add(make_rule("val/loss", summary="min"))
    rules.add(make_rule("val/*", summary="max"))
    rules.add(make_rule("*", summary="mean"))
    assert rules.rule_for("val/loss") == make_rule("val/loss", summary="min")
    assert rules.rule_for("val/acc") == make_rule("*", summary="mean")
    rules.add(make_rule("val/*", summary="first"))  # redefined: now the last glob
    assert rules.rule_for("val/acc") == make_rule("val/*", summary="first")
    assert [r["name"] for r in rules.wire()] == ["val/loss", "*", "val/*"]
    assert rules.rule_for("other") == make_rule("*", summary="mean")


def test_step_sync_fills_the_latest_step_metric_into_rows_that_lack_it() -> None:
    rules = MetricRules()
    assert not rules.syncing
    rules.add(make_rule("*", step_metric="epoch"))
    rules.add(make_rule("fast/*", step_metric="batch", step_sync=False))
    assert rules.syncing
    rows: list[dict[str, float]] = [
        {"loss": 1.0},  # no epoch seen yet: nothing to fill
        {"epoch": 1.0},
        {"loss": 0.5},
        {"loss": 0.4, "epoch": 2.0},
        {"fast/x": 1.0, "batch": 7.0},
        {"fast/x": 2.0},  # step_sync off: no batch
        {"img": math.nan},
    ]
    for row in rows:
        rules.sync_steps(row, list(row))
    assert rows == [
        {"loss": 1.0},
        {"epoch": 1.0},  # the step metric itself is not its own x
        {"loss": 0.5, "epoch": 1.0},
        {"loss": 0.4, "epoch": 2.0},
        {"fast/x": 1.0, "batch": 7.0, "epoch": 2.0},  # batch matches "*"
        {"fast/x": 2.0},
        {"img": rows[-1]["img"], "epoch": 2.0},
    ]


def test_several_summary_modes_give_a_map_row_or_block() -> None:
    rules = [make_rule("loss", summary="min,max,mean,first,last"),
             make_rule("acc", summary="best,last", goal="maximize")]  # fmt: skip
    rows = [{"loss": 3.0, "acc": 0.2}, {"loss": math.nan, "acc": 0.9}, {"loss": 1.0, "acc": 0.5}]
    by_row, by_block = SummaryTracker(), SummaryTracker()
    for tracker in (by_row, by_block):
        for rule in rules:
            tracker.add_rule(rule)
    for row in rows:
        by_row.observe(row)
    by_block.observe_columns({k: [row[k] for row in rows] for k in ("loss", "acc")})
    expected = {
        "loss": {"min": 1.0, "max": 3.0, "mean": 2.0, "first": 3.0, "last": 1.0},
        "acc": {"best": 0.9, "last": 0.5},
        "_cairn": {"mean_counts": {"loss": 2}},  # what a resumed run needs to continue the mean
    }
    assert by_row.take_changes() == by_block.take_changes() == expected
    by_row.observe({"acc": 0.1})
    assert by_row.take_changes() == {"acc": {"best": 0.9, "last": 0.1}}


def test_a_mean_is_the_sum_over_the_count_and_skips_nan() -> None:
    # W&B divides the sum by the count; a running mean differs in the last bit for these
    values = [2.0 / (epoch + 1) - 0.1 * batch for epoch in range(4) for batch in range(3)]
    tracker = SummaryTracker()
    tracker.add_rule(make_rule("loss", summary="mean"))
    tracker.add_rule(make_rule("late", summary="mean"))
    tracker.observe_columns({"loss": values, "late": [math.nan, 4.0, math.nan, 2.0]})
    changes = tracker.take_changes()
    assert changes["loss"] == sum(values) / len(values)
    assert changes["late"] == 3.0  # a NaN first is skipped as a NaN later is
    assert changes["_cairn"] == {"mean_counts": {"loss": 12, "late": 2}}


def test_a_resumed_run_continues_several_summary_modes_per_key() -> None:
    tracker = SummaryTracker()
    tracker.add_rule(make_rule("loss", summary="min,max,mean,first,last"))
    tracker.resume_from(
        {"loss": {"min": 0.5, "max": 4.0, "mean": 2.0, "first": 4.0, "last": 1.0},
         "_cairn": {"mean_counts": {"loss": 2}}}
    )  # fmt: skip
    tracker.observe({"loss": 3.0})
    changes = tracker.take_changes()
    assert changes["loss"] == {
        "min": 0.5, "max": 4.0, "mean": pytest.approx(7 / 3), "first": 4.0, "last": 3.0
    }  # fmt: skip
    assert changes["_cairn"] == {"mean_counts": {"loss": 3}}
