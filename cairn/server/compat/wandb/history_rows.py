"""A run's history as W&B's rows, read from Cairn's series and values (no second copy).

A row is a step: ``_step``, ``_timestamp`` (the time of its first value there), ``_runtime``
(that time less the run's start) and each key's value there (the last one logged at the step).
Numbers come from the run's history series, everything else (text, media references) from its
values. Exact reads page through a step range, finding where it starts by a search over the
series' positions, so a page costs about one point read per key however long the run.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from cairn.errors import InvalidInputError
from cairn.server.sampled_rows import MAX_SAMPLED_POINTS, sampled_rows
from cairn.server.store.base import SeriesInfo
from cairn.server.store.metadata import MetadataStore
from cairn.server.store.records import RunRecord

MAX_ROWS: Final = 100_000
"""Rows one read may return (W&B's clients ask 500 to 1,000)."""
_BLOCK: Final = 1_024
_VALUES_PAGE: Final = 1_000
_SCAN_PAGE: Final = 100_000
_ROW_FIELDS: Final = frozenset({"_step", "_timestamp", "_runtime"})


@dataclass(frozen=True, slots=True)
class RunKeys:
    """A run's history keys: number series, and keys of other values with their type."""

    numbers: dict[str, SeriesInfo]
    values: dict[str, tuple[str, int, int, int]]  # key -> (type, count, step_min, step_max)

    @property
    def last_step(self) -> int | None:
        """The highest step any key holds a value at."""
        tops = [s.step_max for s in self.numbers.values() if s.step_max is not None]
        tops += [v[3] for v in self.values.values()]
        return max(tops) if tops else None


def run_keys(meta: MetadataStore, run_pk: int) -> RunKeys:
    """The run's history keys (system metrics are not history)."""
    numbers = {s.key: s for s in meta.list_series(run_pk) if s.kind == "history"}
    values = {v.key: (v.type, v.count, v.step_min, v.step_max) for v in meta.run_value_keys(run_pk)}
    for m in meta.run_media_keys(run_pk):
        values[m.key] = (m.type, m.count, m.step_min, m.step_max)
    return RunKeys(numbers, values)


def history_keys(meta: MetadataStore, run: RunRecord) -> dict[str, Any]:
    """W&B's ``historyKeys``: each key's value types with counts, and the last step."""
    keys = run_keys(meta, run.pk)
    out: dict[str, Any] = {
        key: {"typeCounts": [{"type": "number", "count": info.count}]}
        for key, info in keys.numbers.items()
    }
    for key, (kind, count, _, _) in keys.values.items():
        entry = out.setdefault(key, {"typeCounts": []})
        entry["typeCounts"].append({"type": kind, "count": count})
    answer: dict[str, Any] = {"keys": out}
    if keys.last_step is not None:
        answer["lastStep"] = keys.last_step
    return answer


def check_rows(samples: int | None, default: int) -> int:
    """How many rows a read may return, or InvalidInputError."""
    rows = default if samples is None else samples
    if rows < 1 or rows > MAX_ROWS:
        raise InvalidInputError(f"samples must be from 1 to {MAX_ROWS}; got {rows}")
    return rows


def exact_rows(
    meta: MetadataStore,
    run: RunRecord,
    keys: Sequence[str] | None,
    min_step: int,
    max_step: int,
    limit: int,
) -> list[dict[str, Any]]:
    """Every row with ``min_step <= _step < max_step`` (the first ``limit`` of them), in step
    order. With ``keys``, rows hold those keys only, and only rows that hold every one."""
    known = run_keys(meta, run.pk)
    wanted = _wanted(keys, known)
    if wanted is None:
        return []
    numbers, values = wanted
    cells: dict[int, dict[str, tuple[float, Any]]] = {}
    for key in numbers:
        info = known.numbers[key]
        if _overlaps(info.step_min, info.step_max, min_step, max_step):
            for step, time, value in _points_between(meta, run.pk, info, min_step, max_step, limit):
                cells.setdefault(step, {})[key] = (time, value)
    for key in values:
        _, _, low, high = known.values[key]
        if _overlaps(low, high, min_step, max_step):
            for step, time, value in _values_between(meta, run.pk, key, min_step, max_step, limit):
                cells.setdefault(step, {})[key] = (time, value)
    needed = len(numbers) + len(values) if keys else 0
    rows = [_row(step, cells[step], run) for step in sorted(cells) if len(cells[step]) >= needed]
    return rows[:limit]


def sampled_history(
    meta: MetadataStore, run: RunRecord, keys: Sequence[str] | None, samples: int
) -> list[dict[str, Any]]:
    """Up to ``samples`` real rows spread evenly over the steps (Cairn's sampled rows, which
    hold numbers), with ``_runtime``; with ``keys``, only rows holding every one of them."""
    known = run_keys(meta, run.pk)
    if keys is None:
        rows = sampled_rows(meta, run.pk, sorted(known.numbers), samples, False)
    else:
        wanted = [k for k in dict.fromkeys(keys) if k not in _ROW_FIELDS]
        if any(k not in known.numbers for k in wanted):
            # W&B's rule: only rows holding every key; a key that holds no numbers is in none
            return []
        rows = sampled_rows(meta, run.pk, wanted, samples, True) if wanted else []
    for row in rows:
        row["_runtime"] = _runtime(row["_timestamp"], run)
        for key, value in row.items():
            if isinstance(value, str):  # sampled rows hold numbers only: these are non-finite
                row[key] = float(value)
    return rows


def row_text(row: dict[str, Any]) -> str:
    """One row as W&B's history line (non-finite numbers as the bare tokens W&B writes)."""
    return json.dumps(row, separators=(",", ":"))


def _wanted(keys: Sequence[str] | None, known: RunKeys) -> tuple[list[str], list[str]] | None:
    """The number and value keys to read; None when a requested key is in no row."""
    if keys is None:
        return sorted(known.numbers), sorted(k for k in known.values if k not in known.numbers)
    numbers: list[str] = []
    values: list[str] = []
    for key in dict.fromkeys(keys):
        if key in _ROW_FIELDS:
            continue
        if key in known.numbers:
            numbers.append(key)
        elif key in known.values:
            values.append(key)
        else:
            return None
    return numbers, values


def _overlaps(low: int | None, high: int | None, min_step: int, max_step: int) -> bool:
    return low is not None and high is not None and low < max_step and high >= min_step


def _row(step: int, cells: dict[str, tuple[float, Any]], run: RunRecord) -> dict[str, Any]:
    time = min(t for t, _ in cells.values())
    row: dict[str, Any] = {"_step": step, "_timestamp": time, "_runtime": _runtime(time, run)}
    for key in sorted(cells):
        row[key] = cells[key][1]
    return row


def _runtime(time: float, run: RunRecord) -> float:
    return max(time - run.created_at, 0.0) if math.isfinite(time) else 0.0


def _points_between(
    meta: MetadataStore, run_pk: int, info: SeriesInfo, min_step: int, max_step: int, limit: int
) -> Iterator[tuple[int, float, float]]:
    """The points with ``min_step <= step < max_step`` in (step, arrival) order, up to those
    of the ``limit``-th distinct step."""
    position, block = _first_at(meta, run_pk, info, min_step)
    distinct = 0
    last: int | None = None
    while True:
        for step, time, value in block:
            if step >= max_step:
                return
            if step != last:
                distinct += 1
                if distinct > limit:
                    return
                last = step
            yield step, time, value
        position += len(block)
        if position >= info.count:
            return
        block = _read(meta, run_pk, info.key, position, _BLOCK)
        if not block:
            return


def _first_at(
    meta: MetadataStore, run_pk: int, info: SeriesInfo, step: int
) -> tuple[int, list[tuple[int, float, float]]]:
    """The position of the series' first point at ``step`` or later, and points from there.

    Points are in step order, so a search over positions finds it; the first probe guesses one
    point per step (the common case), which finds it at once.
    """
    left, right = 0, info.count  # every point before left is earlier; from right on, not
    probe = min(max(step - (info.step_min or 0) - 1, 0), max(info.count - 1, 0))
    while left < right:
        block = _read(meta, run_pk, info.key, probe, _BLOCK)
        if not block:
            return right, []
        if block[0][0] >= step:
            if probe == left:
                return probe, block
            right = probe
        elif block[-1][0] < step:
            left = probe + len(block)
        else:
            steps = np.array([point[0] for point in block], dtype=np.int64)
            at = int(np.searchsorted(steps, step, "left"))
            return probe + at, block[at:]
        probe = (left + right) // 2
    return left, []


def _read(
    meta: MetadataStore, run_pk: int, key: str, start: int, limit: int
) -> list[tuple[int, float, float]]:
    points = meta.read_points(run_pk, key, start, limit)
    return list(
        zip(points.steps.tolist(), points.times.tolist(), points.values.tolist(), strict=True)
    )


def _values_between(
    meta: MetadataStore, run_pk: int, key: str, min_step: int, max_step: int, limit: int
) -> Iterator[tuple[int, float, Any]]:
    """The key's values with ``min_step <= step < max_step``, up to the ``limit``-th step."""
    after = 0
    steps: set[int] = set()
    while True:
        page = meta.read_values(
            run_pk, key, after, _VALUES_PAGE, step_min=min_step, step_max=max_step - 1
        )
        for value in page:
            steps.add(value.step)
            if len(steps) > limit:
                return
            yield value.step, value.time, value.value
        if len(page) < _VALUES_PAGE:
            return
        after += len(page)


def step_list(meta: MetadataStore, run: RunRecord) -> list[int]:
    """Every step the run's history has a row at, ascending."""
    known = run_keys(meta, run.pk)
    found: list[np.ndarray[Any, np.dtype[np.int64]]] = []
    for info in known.numbers.values():
        _check_points(info.count, info.key)
        for start in range(0, info.count, _SCAN_PAGE):
            found.append(np.unique(meta.read_points(run.pk, info.key, start, _SCAN_PAGE).steps))
    for key in known.values:
        after = 0
        while True:
            page = meta.read_values(run.pk, key, after, _VALUES_PAGE)
            found.append(np.unique(np.array([v.step for v in page], dtype=np.int64)))
            if len(page) < _VALUES_PAGE:
                break
            after += len(page)
    if not found:
        return []
    steps: list[int] = np.unique(np.concatenate(found)).tolist()
    return steps


def system_rows(meta: MetadataStore, run: RunRecord, samples: int) -> list[dict[str, Any]]:
    """The run's system metrics as rows by time (one per sample Cairn took), ``samples`` of
    them spread evenly: ``_timestamp``, ``_runtime`` and the metrics' values."""
    rows: dict[float, dict[str, Any]] = {}
    for info in meta.list_series(run.pk):
        if info.kind != "system":
            continue
        _check_points(info.count, info.key)
        for start in range(0, info.count, _SCAN_PAGE):
            points = meta.read_points(run.pk, info.key, start, _SCAN_PAGE)
            for time, value in zip(points.times.tolist(), points.values.tolist(), strict=True):
                row = rows.setdefault(time, {"_timestamp": time, "_runtime": _runtime(time, run)})
                row[info.key] = value
    ordered = [rows[t] for t in sorted(rows)]
    if len(ordered) <= samples:
        return ordered
    picks = np.unique(np.linspace(0, len(ordered) - 1, samples).round().astype(np.int64))
    return [ordered[i] for i in picks.tolist()]


def _check_points(count: int, key: str) -> None:
    if count > MAX_SAMPLED_POINTS:
        raise InvalidInputError(
            f"{key!r} holds {count:,} points, more than one read takes ({MAX_SAMPLED_POINTS:,})"
        )
