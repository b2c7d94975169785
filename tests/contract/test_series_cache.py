"""The window cache never serves a stale answer: appends change the key, hits equal reads."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import Engine

from cairn.server.series.cache import WindowCache
from cairn.server.store.base import SeriesWindow
from cairn.server.store.sql.series import SqlSeriesStore
from tests.contract.test_series_store import CHUNK, _append
from tests.dbhelp import insert_run


def _window(engine: Engine, store: SqlSeriesStore, run_pk: int, **kw: object) -> SeriesWindow:
    args = {"x_axis": "step", "x_min": None, "x_max": None, "buckets": 50} | kw
    with engine.connect() as conn:
        return store.read_window(conn, run_pk, "loss", **args)  # type: ignore[arg-type]


def test_cached_windows_equal_fresh_reads_and_follow_appends(engine: Engine) -> None:
    run_pk = insert_run(engine)
    cached = SqlSeriesStore(chunk_size=CHUNK, cache_bytes=1 << 20)
    plain = SqlSeriesStore(chunk_size=CHUNK)
    values = np.sin(np.arange(3000) / 50.0)
    _append(engine, cached, run_pk, "loss", np.arange(2000), values[:2000])
    first = _window(engine, cached, run_pk)
    assert cached.cache is not None
    assert cached.cache.nbytes > 0
    again = _window(engine, cached, run_pk)
    assert again is first  # served from the cache
    with pytest.raises(ValueError, match="read-only"):
        first.x[0] = 1.0
    _append(engine, cached, run_pk, "loss", np.arange(2000, 3000), values[2000:])
    grown = _window(engine, cached, run_pk)
    fresh = _window(engine, plain, run_pk)
    assert grown.total == fresh.total == 3000
    for name in ("x", "min", "max", "mean", "std", "last", "count"):
        np.testing.assert_array_equal(getattr(grown, name), getattr(fresh, name))
    zoomed = _window(engine, cached, run_pk, x_min=100.0, x_max=120.0)
    assert zoomed.mode == "exact"
    np.testing.assert_array_equal(zoomed.last, values[100:121])


def test_cache_evicts_least_recently_used_within_budget() -> None:
    def window(n: int) -> SeriesWindow:
        a = np.zeros(n)
        return SeriesWindow("exact", a, a, a, a, a.copy(), np.zeros(n, np.int64), n, a)

    cache = WindowCache(max_bytes=40_000)
    for key in range(10):
        cache.put(key, window(100))  # ~5 kB each
    assert cache.nbytes <= 40_000
    assert cache.get(0) is None
    assert cache.get(9) is not None
    cache.put("huge", window(10_000))  # larger than a quarter of the budget: not kept
    assert cache.get("huge") is None
