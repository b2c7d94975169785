"""The series store contract, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from sqlalchemy import Engine

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.store.sql.series import SqlSeriesStore
from tests.dbhelp import insert_run

CHUNK = 256  # small, so tests cross many chunk boundaries


@pytest.fixture
def run_pk(engine: Engine) -> int:
    return insert_run(engine)


@pytest.fixture(params=["blocks", "points"])
def store(request: pytest.FixtureRequest) -> SqlSeriesStore:
    """Small chunks; windows answered from block summaries, or from decoded points."""
    decode_all = 0 if request.param == "blocks" else 1 << 30
    return SqlSeriesStore(chunk_size=CHUNK, decode_all_points=decode_all)


def _append(engine: Engine, store: SqlSeriesStore, run_pk: int, key: str, steps: np.ndarray,
            values: np.ndarray, kind: str = "history",
            times: np.ndarray | None = None) -> None:  # fmt: skip
    if times is None:
        x = np.arange(len(values)) if kind == "system" else steps
        times = 1.7e9 + np.asarray(x, dtype=np.float64)
    with engine.begin() as conn:
        store.append(conn, run_pk, key, kind, None if kind == "system" else steps, times, values)  # type: ignore[arg-type]


def _points(
    engine: Engine, store: SqlSeriesStore, run_pk: int, key: str, page: int = 97
) -> tuple[np.ndarray, np.ndarray]:
    steps, values = [], []
    start = 0
    while True:
        with engine.connect() as conn:
            got = store.read_points(conn, run_pk, key, start, page)
        steps.append(got.steps)
        values.append(got.values)
        start += len(got.values)
        if len(got.values) < page:
            return np.concatenate(steps), np.concatenate(values)


def _brute_buckets(x: np.ndarray, v: np.ndarray, lo: float, hi: float, n: int) -> list[np.ndarray]:
    width = (hi - lo) / n
    index = np.clip(np.floor((x - lo) / width).astype(int), 0, n - 1)
    inside = (x >= lo) & (x <= hi)
    return [v[inside & (index == b)] for b in range(n)]


def test_round_trip_across_chunks_with_nonfinite_values(
    engine: Engine, store: SqlSeriesStore, run_pk: int
) -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(size=1000)
    values[[5, 300, 999]] = [np.nan, np.inf, -np.inf]
    for start in range(0, 1000, 90):  # batches that do not align with chunks
        stop = min(start + 90, 1000)
        _append(engine, store, run_pk, "loss", np.arange(start, stop), values[start:stop])
    steps, back = _points(engine, store, run_pk, "loss")
    assert list(steps) == list(range(1000))
    assert back.tobytes() == values.tobytes()
    with engine.connect() as conn:
        (info,) = store.list_series(conn, run_pk)
    assert (info.key, info.kind, info.count, info.step_min, info.step_max) == (
        "loss",
        "history",
        1000,
        0,
        999,
    )


def test_out_of_order_steps_are_kept_in_step_then_arrival_order(
    engine: Engine, store: SqlSeriesStore, run_pk: int
) -> None:
    _append(engine, store, run_pk, "x", np.arange(0, 300), np.zeros(300))
    _append(engine, store, run_pk, "x", np.array([10, 10, 5]), np.array([1.0, 2.0, 3.0]))
    steps, values = _points(engine, store, run_pk, "x")
    assert len(steps) == 303
    assert list(steps) == sorted(steps)
    at_10 = values[steps == 10]
    assert list(at_10) == [0.0, 1.0, 2.0]
    assert list(values[steps == 5]) == [0.0, 3.0]


def test_system_series_take_no_steps(engine: Engine, store: SqlSeriesStore, run_pk: int) -> None:
    t0 = 1.7e9
    cpu = "system/cpu"
    _append(engine, store, run_pk, cpu, np.empty(0), np.array([10.0, 20.0]), "system",
            np.array([t0, t0 + 2]))  # fmt: skip
    _append(engine, store, run_pk, cpu, np.empty(0), np.array([30.0]), "system", np.array([t0 + 1]))
    steps, values = _points(engine, store, run_pk, cpu)
    # Numbered by arrival, ordered by wall time.
    assert list(steps) == [0, 2, 1]
    assert list(values) == [10.0, 30.0, 20.0]
    with engine.connect() as conn:
        window = store.read_window(conn, run_pk, cpu, "time", None, None, 100)
        (info,) = store.list_series(conn, run_pk)
    assert window.mode == "exact"
    assert list(window.x) == [t0, t0 + 1, t0 + 2]
    assert (info.kind, info.count) == ("system", 3)


def test_long_system_series_crosses_chunks_in_time_order(
    engine: Engine, store: SqlSeriesStore, run_pk: int
) -> None:
    rng = np.random.default_rng(7)
    times = 1.7e9 + np.sort(rng.uniform(0, 1000, 3000))
    values = rng.normal(size=3000)
    for start in range(0, 3000, 700):
        stop = min(start + 700, 3000)
        _append(engine, store, run_pk, "system/gpu", np.empty(0), values[start:stop], "system",
                times[start:stop])  # fmt: skip
    steps, back = _points(engine, store, run_pk, "system/gpu")
    assert list(steps) == list(range(3000))
    assert back.tobytes() == values.tobytes()
    with engine.connect() as conn:
        window = store.read_window(conn, run_pk, "system/gpu", "time", None, None, 50)
    assert window.mode == "buckets"
    assert window.total == 3000
    assert window.last[-1] == values[-1]


def test_kind_conflict_and_unknown_key(engine: Engine, store: SqlSeriesStore, run_pk: int) -> None:
    _append(engine, store, run_pk, "a", np.arange(3), np.ones(3))
    with pytest.raises(InvalidInputError, match="already a history series"):
        _append(engine, store, run_pk, "a", np.empty(0), np.ones(3), kind="system")
    with engine.connect() as conn, pytest.raises(NotFoundError, match="nope"):
        store.read_window(conn, run_pk, "nope", "step", None, None, 10)
    with engine.connect() as conn, pytest.raises(NotFoundError):
        store.read_points(conn, run_pk, "nope", 0, 10)


def test_bucketed_window_agrees_with_brute_force(
    engine: Engine, store: SqlSeriesStore, run_pk: int
) -> None:
    n = 20_000
    values = np.sin(np.arange(n) / 300.0) + np.random.default_rng(4).normal(scale=0.1, size=n)
    for start in range(0, n, 5000):
        _append(
            engine, store, run_pk, "y", np.arange(start, start + 5000), values[start : start + 5000]
        )
    buckets = 100
    with engine.connect() as conn:
        window = store.read_window(conn, run_pk, "y", "step", None, None, buckets)
    assert window.mode == "buckets"
    assert window.total == n
    assert len(window.x) == buckets
    width = (n - 1) / buckets
    for i in range(buckets):
        lo, hi = i * width, (i + 1) * width
        # Edges may be off by one 64-point block on either side.
        inner = values[int(np.ceil(lo + 64)) : int(hi - 64)]
        outer = values[max(0, int(lo - 64)) : int(hi + 65)]
        assert outer.min() <= window.min[i] <= inner.min()
        assert inner.max() <= window.max[i] <= outer.max()
    assert window.last[-1] == values[-1]
    assert window.min.min() == values.min()
    assert window.max.max() == values.max()


def test_zoomed_window_is_exact(engine: Engine, store: SqlSeriesStore, run_pk: int) -> None:
    values = np.arange(5000, dtype=np.float64) * 2
    _append(engine, store, run_pk, "z", np.arange(5000), values)
    with engine.connect() as conn:
        window = store.read_window(conn, run_pk, "z", "step", 1000, 1099, 200)
    assert window.mode == "exact"
    assert list(window.x) == list(range(1000, 1100))
    assert list(window.last) == list(values[1000:1100])


def test_window_by_time(engine: Engine, store: SqlSeriesStore, run_pk: int) -> None:
    _append(engine, store, run_pk, "t", np.arange(1000), np.arange(1000, dtype=np.float64))
    with engine.connect() as conn:
        window = store.read_window(conn, run_pk, "t", "time", 1.7e9 + 10, 1.7e9 + 19, 50)
    assert window.mode == "exact"
    assert list(window.last) == list(range(10, 20))


def test_concurrent_appends_to_one_series_lose_nothing(
    engine: Engine, store: SqlSeriesStore, run_pk: int
) -> None:
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            for i in range(20):
                start = offset + i * 50
                _append(
                    engine,
                    store,
                    run_pk,
                    "shared",
                    np.arange(start, start + 50),
                    np.full(50, float(offset)),
                )
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k * 100_000,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    steps, _ = _points(engine, store, run_pk, "shared", page=1000)
    assert len(steps) == 3000
    assert len(set(steps.tolist())) == 3000


def test_random_out_of_order_batches_read_back_in_step_then_arrival_order(
    engine: Engine, store: SqlSeriesStore, run_pk: int
) -> None:
    rng = np.random.default_rng(11)
    all_steps, all_values = [], []
    for _ in range(25):
        size = int(rng.integers(1, 120))
        steps = rng.integers(0, 500, size)
        values = rng.normal(size=size)
        _append(engine, store, run_pk, "ooo", steps, values)
        all_steps.append(steps)
        all_values.append(values)
    steps_in, values_in = np.concatenate(all_steps), np.concatenate(all_values)
    order = np.argsort(steps_in, kind="stable")  # stable = arrival order among equal steps
    for page in (37, 256, 5000):
        steps, values = _points(engine, store, run_pk, "ooo", page=page)
        assert steps.tolist() == steps_in[order].tolist()
        assert values.tobytes() == values_in[order].tobytes()
    with engine.connect() as conn:
        window = store.read_window(conn, run_pk, "ooo", "step", 100, 120, 10_000)
    inside = (steps_in[order] >= 100) & (steps_in[order] <= 120)
    assert window.mode == "exact"
    assert window.x.tolist() == steps_in[order][inside].tolist()
    assert window.last.tobytes() == values_in[order][inside].tobytes()


def test_bucketed_window_of_out_of_order_series_counts_every_point(
    engine: Engine, store: SqlSeriesStore, run_pk: int
) -> None:
    rng = np.random.default_rng(12)
    steps = rng.integers(0, 10_000, 4000)
    values = rng.normal(size=4000)
    for start in range(0, 4000, 1000):
        _append(engine, store, run_pk, "mix", steps[start : start + 1000],
                values[start : start + 1000])  # fmt: skip
    with engine.connect() as conn:
        window = store.read_window(conn, run_pk, "mix", "step", None, None, 20)
    assert window.mode == "buckets"
    assert window.total == 4000
    assert window.min.min() == values.min()
    assert window.max.max() == values.max()
    assert np.isclose((window.mean * window.count).sum(), values.sum())


def test_nonfinite_values_in_buckets_and_exact_windows(
    engine: Engine, store: SqlSeriesStore, run_pk: int
) -> None:
    values = np.arange(2000, dtype=np.float64)
    values[100:500] = np.nan  # whole blocks without a finite value
    values[700] = np.inf
    values[701] = -np.inf
    _append(engine, store, run_pk, "nf", np.arange(2000), values)
    with engine.connect() as conn:
        coarse = store.read_window(conn, run_pk, "nf", "step", None, None, 20)
        exact = store.read_window(conn, run_pk, "nf", "step", 695, 705, 100)
    assert coarse.total == 2000
    assert np.isnan(coarse.min[3])  # steps 299.85..399.8: only NaN, give or take a block
    assert np.isnan(coarse.max[3])
    assert np.isnan(coarse.mean[3])
    assert coarse.count[3] >= 64
    assert np.isfinite([coarse.min[7], coarse.max[7], coarse.mean[7]]).all()  # finite only
    assert exact.mode == "exact"
    assert exact.last.tobytes() == values[695:706].tobytes()


def test_coarse_window_within_one_block_of_brute_force_with_x_range(
    engine: Engine, store: SqlSeriesStore, run_pk: int
) -> None:
    n = 12_000
    values = np.cumsum(np.random.default_rng(13).normal(size=n))
    _append(engine, store, run_pk, "w", np.arange(n), values)
    lo, hi, buckets = 1000.0, 9000.0, 40
    with engine.connect() as conn:
        window = store.read_window(conn, run_pk, "w", "step", lo, hi, buckets)
    assert window.mode == "buckets"
    assert window.total == 8001
    expected = _brute_buckets(np.arange(n, dtype=np.float64), values, lo, hi, buckets)
    assert len(window.x) == buckets
    for i in range(buckets):
        assert abs(int(window.count[i]) - len(expected[i])) <= 64
    assert window.x[0] == lo
    assert window.last[-1] == values[int(hi)]


def test_window_by_time_on_a_history_series(
    engine: Engine, store: SqlSeriesStore, run_pk: int
) -> None:
    n = 3000
    values = np.arange(n, dtype=np.float64)
    _append(engine, store, run_pk, "h", np.arange(n), values, times=1.7e9 + np.arange(n) * 0.5)
    with engine.connect() as conn:
        coarse = store.read_window(conn, run_pk, "h", "time", None, None, 30)
        exact = store.read_window(conn, run_pk, "h", "time", 1.7e9 + 100, 1.7e9 + 110, 100)
    assert coarse.mode == "buckets"
    assert coarse.total == n
    assert exact.mode == "exact"
    assert exact.last.tolist() == list(range(200, 221))


def test_empty_window_and_bad_arguments(engine: Engine, store: SqlSeriesStore, run_pk: int) -> None:
    _append(engine, store, run_pk, "e", np.arange(10), np.ones(10))
    with engine.connect() as conn:
        window = store.read_window(conn, run_pk, "e", "step", 100, 200, 10)
        page = store.read_points(conn, run_pk, "e", 50, 10)
        assert window.total == 0
        assert len(window.x) == 0
        assert len(page.values) == 0
        with pytest.raises(InvalidInputError):
            store.read_window(conn, run_pk, "e", "step", None, None, 0)
        with pytest.raises(InvalidInputError):
            store.read_points(conn, run_pk, "e", -1, 10)
    with engine.begin() as conn, pytest.raises(InvalidInputError, match="length"):
        store.append(conn, run_pk, "e", "history", np.arange(3), np.zeros(2), np.zeros(3))


def _aligned_std_window(
    engine: Engine, store: SqlSeriesStore, run_pk: int, values: np.ndarray, buckets: int
) -> tuple[np.ndarray, np.ndarray]:
    """A bucketed window whose bucket edges fall on block edges, and numpy's std per bucket.

    Over [0, n] with n a multiple of 64 * buckets, every block lies inside one bucket, so the
    block-edge rule moves no point and each bucket holds exactly its own steps.
    """
    n = len(values)
    for start in range(0, n, 1000):  # batches that do not align with chunks
        _append(engine, store, run_pk, "s", np.arange(start, min(start + 1000, n)),
                values[start : start + 1000])  # fmt: skip
    with engine.connect() as conn:
        window = store.read_window(conn, run_pk, "s", "step", 0, n, buckets)
    assert window.mode == "buckets"
    assert window.count.tolist() == [n // buckets] * buckets
    rows = [row[np.isfinite(row)] for row in values.reshape(buckets, -1)]
    return window.std, np.array([np.std(row) if len(row) else np.nan for row in rows])


def test_bucketed_std_is_numpys_std_of_the_bucket_points(
    engine: Engine, store: SqlSeriesStore, run_pk: int
) -> None:
    rng = np.random.default_rng(21)
    n, buckets = 64 * 4 * 25, 25
    values = np.cumsum(rng.normal(size=n)) + rng.normal(scale=3, size=n)
    values[[7, 1000, 5000]] = [np.nan, np.inf, -np.inf]  # left out like min/max/mean
    got, expected = _aligned_std_window(engine, store, run_pk, values, buckets)
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_bucketed_std_far_from_zero_and_for_buckets_without_finite_values(
    engine: Engine, store: SqlSeriesStore, run_pk: int
) -> None:
    # Around 1e6 with a spread of 1, sumsq / n - mean^2 keeps only ~4 digits; stored block sums
    # allow ~1e-4 (points read exactly: all digits). See docs/design/0002-series-chunks.md.
    n, buckets = 64 * 8 * 16, 16
    values = 1e6 + np.random.default_rng(22).normal(size=n)
    values[: n // buckets] = np.nan
    got, expected = _aligned_std_window(engine, store, run_pk, values, buckets)
    assert np.isnan(got[0])
    np.testing.assert_allclose(got[1:], expected[1:], rtol=1e-3)


def test_bucketed_std_recombines_to_the_window_std_and_exact_windows_have_zero(
    engine: Engine, store: SqlSeriesStore, run_pk: int
) -> None:
    # Edges not on blocks: whichever points a block moves, buckets partition the window, so
    # their (count, mean, std) recombine to numpy's std over it.
    n = 9000
    values = np.sin(np.arange(n) / 200.0) * 5 + np.random.default_rng(23).normal(size=n)
    _append(engine, store, run_pk, "r", np.arange(n), values)
    lo, hi = 1234.0, 8765.0
    with engine.connect() as conn:
        window = store.read_window(conn, run_pk, "r", "step", lo, hi, 37)
        exact = store.read_window(conn, run_pk, "r", "step", 100, 150, 100)
    inside = values[int(lo) : int(hi) + 1]
    grand = (window.count * window.mean).sum() / window.count.sum()
    m2 = (window.count * (window.std**2 + (window.mean - grand) ** 2)).sum()
    assert np.sqrt(m2 / window.count.sum()) == pytest.approx(np.std(inside), rel=1e-9)
    assert exact.mode == "exact"
    assert exact.std.tolist() == [0.0] * 51
