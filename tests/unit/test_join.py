"""Joining one series onto another's values by step."""

from __future__ import annotations

import numpy as np

from cairn.server.series.join import join_on_step, within
from cairn.server.store.base import SeriesWindow


def _exact(x: list[float], v: list[float]) -> SeriesWindow:
    a, b = np.array(x, dtype=np.float64), np.array(v, dtype=np.float64)
    return SeriesWindow("exact", a, b, b, b, b, np.ones(len(b), np.int64), len(b), 0 * b)


def test_exact_join_uses_the_last_x_value_logged_at_each_step() -> None:
    y = _exact([0, 1, 2, 3], [10, 11, 12, 13])
    x = _exact([0, 1, 1, 3], [5.0, 6.0, 7.0, 9.0])
    joined = join_on_step(y, x, 0, 3, 100)
    assert list(joined.x) == [5.0, 7.0, 9.0]
    assert list(joined.last) == [10.0, 11.0, 13.0]


def test_exact_join_without_x_points_is_empty() -> None:
    joined = join_on_step(_exact([0, 1], [1, 2]), _exact([], []), 0, 1, 10)
    assert len(joined.x) == 0


def test_within_filters_on_x() -> None:
    window = _exact([1, 2, 3, 4], [1, 2, 3, 4])
    assert list(within(window, 2, 3).last) == [2.0, 3.0]
    assert list(within(window, None, 1).last) == [1.0]
