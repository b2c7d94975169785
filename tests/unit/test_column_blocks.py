"""Column blocks built from rows decode to the same points; block summaries equal row ones."""

from __future__ import annotations

import math

from cairn.sdk.summary import SummaryTracker, make_rule
from cairn.wire import ColumnBlockBuilder, decode_column_block


def _points(body: dict[str, object], key: str) -> list[tuple[int, float, float]]:
    block = decode_column_block(body)  # type: ignore[arg-type]
    steps, times, values = block.column_points(key)
    return list(zip(steps.tolist(), times.tolist(), values.tolist(), strict=True))


def test_dense_rows() -> None:
    builder = ColumnBlockBuilder()
    for step in range(5):
        builder.add_row(step, 100.0 + step, {"a": step * 1.5, "b": -step})
    body = builder.build()
    assert all(col[0] is None for col in body["cols"].values())  # every row: no positions
    assert _points(body, "a") == [(s, 100.0 + s, s * 1.5) for s in range(5)]
    assert _points(body, "b") == [(s, 100.0 + s, float(-s)) for s in range(5)]
    assert len(builder) == 0
    assert builder.build()["n"] == 0


def test_sparse_rows_keep_their_positions() -> None:
    rows = [{"a": 1.0}, {"a": 2.0, "b": 20.0}, {"b": 30.0}, {"a": 4.0, "b": 40.0, "c": 400.0}]
    builder = ColumnBlockBuilder()
    for step, row in enumerate(rows):
        builder.add_row(step * 10, float(step), row)
    assert builder.points == 7
    body = builder.build()
    assert _points(body, "a") == [(0, 0.0, 1.0), (10, 1.0, 2.0), (30, 3.0, 4.0)]
    assert _points(body, "b") == [(10, 1.0, 20.0), (20, 2.0, 30.0), (30, 3.0, 40.0)]
    assert _points(body, "c") == [(30, 3.0, 400.0)]


def test_block_summaries_equal_row_by_row() -> None:
    rules = [
        make_rule("lo", None, "min", None, None),
        make_rule("hi", None, "max", None, None),
        make_rule("avg", None, "mean", None, None),
        make_rule("one", None, "first", None, None),
        make_rule("off", None, "none", None, None),
        make_rule("best/*", None, "best", "minimize", None),
    ]
    nan = math.nan
    rows = [
        {"lo": 3.0, "hi": nan, "avg": 1.0, "one": 7.0, "off": 1.0, "best/x": 5.0, "plain": 1.0},
        {"lo": nan, "hi": 2.0, "avg": 3.0, "one": 8.0, "best/x": nan, "plain": nan},
        {"lo": 1.0, "hi": 5.0, "avg": nan, "one": 9.0, "off": 2.0, "best/x": 4.0},
        {"hi": 4.0, "avg": 8.0, "plain": 3.0},
    ]
    by_row, by_block = SummaryTracker(), SummaryTracker()
    for tracker in (by_row, by_block):
        for rule in rules:
            tracker.add_rule(rule)
    builder = ColumnBlockBuilder()
    for step, row in enumerate(rows):
        by_row.observe(row)
        builder.add_row(step, 0.0, row)
    by_block.observe_columns({key: values for key, (_, values) in builder.columns().items()})
    expected = {"lo": 1.0, "hi": 5.0, "avg": 4.0, "one": 7.0, "best/x": 4.0, "plain": 3.0,
                "_cairn": {"mean_counts": {"avg": 3}}}  # fmt: skip
    assert by_row.take_changes() == by_block.take_changes() == expected
