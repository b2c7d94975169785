"""Summaries continue over a resumed run: the tracker starts from the run's summary so far."""

from __future__ import annotations

import pytest

from cairn.sdk.summary import STATE_KEY, SummaryTracker, make_rule


def _tracker(summary: dict[str, object], **rules: str) -> SummaryTracker:
    tracker = SummaryTracker()
    tracker.resume_from(summary)
    for key, mode in rules.items():
        tracker.add_rule(make_rule(key, None, mode, None, None))
    return tracker


def test_min_max_first_and_last_continue_from_the_prior_values() -> None:
    tracker = _tracker({"lo": 1.0, "hi": 9.0, "one": 3.0, "now": 5.0},
                       lo="min", hi="max", one="first")  # fmt: skip
    tracker.observe({"lo": 2.0, "hi": 4.0, "one": 7.0, "now": 6.0})
    assert tracker.take_changes() == {"lo": 1.0, "hi": 9.0, "now": 6.0}


def test_mean_continues_with_the_count_kept_in_the_summary() -> None:
    tracker = _tracker({"acc": 2.0, STATE_KEY: {"mean_counts": {"acc": 3}}}, acc="mean")
    tracker.observe_columns({"acc": [4.0, 5.0]})
    changes = tracker.take_changes()
    assert changes["acc"] == pytest.approx(3.0)
    assert changes[STATE_KEY] == {"mean_counts": {"acc": 5}}


def test_a_mean_without_a_count_starts_over() -> None:
    tracker = _tracker({"acc": 100.0}, acc="mean")
    tracker.observe({"acc": 4.0})
    assert tracker.take_changes() == {"acc": 4.0, STATE_KEY: {"mean_counts": {"acc": 1}}}


def test_non_numbers_in_the_summary_are_no_prior() -> None:
    tracker = _tracker({"lo": "NaN", "flag": True}, lo="min", flag="min")
    tracker.observe({"lo": 3.0, "flag": 2.0})
    assert tracker.take_changes() == {"lo": 3.0, "flag": 2.0}
