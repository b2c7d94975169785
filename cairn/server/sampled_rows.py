"""Sampled history rows, as W&B's ``run.history(samples=n)`` gives them: real logged rows (never
averages), spread evenly over the run's steps, the first and the last included.

A row is a step: ``_step``, ``_timestamp`` (the time of its first value) and each asked key's
value at that step (the last one logged there). With ``keys`` named, only steps where every one
of them has a value are rows (W&B's rule); without, every step any series has.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from cairn.errors import InvalidInputError
from cairn.server.jsonvalues import float_list
from cairn.server.store.base import SeriesPoints
from cairn.server.store.metadata import MetadataStore

MAX_SAMPLED_POINTS = 50_000_000
"""Points one request may read (the sum over its keys): a bound on the server's memory."""


def _last_per_step(points: SeriesPoints) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any], Any]:
    """Unique steps (ascending) with the last value and the first time logged at each."""
    steps = points.steps
    if steps is None or len(steps) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(0), np.zeros(0)
    # points come in (step, arrival) order: the last of a step's run is its last value
    last = np.flatnonzero(np.r_[steps[1:] != steps[:-1], True])
    first = np.flatnonzero(np.r_[True, steps[1:] != steps[:-1]])
    return steps[last].astype(np.int64), points.values[last], points.times[first]


def sampled_rows(
    meta: MetadataStore, run_pk: int, keys: Sequence[str], samples: int, all_keys: bool
) -> list[dict[str, Any]]:
    """Up to ``samples`` rows of ``keys`` (history series), evenly spread over the steps; with
    ``all_keys``, only steps where every key has a value. Raises InvalidInputError when the
    keys hold more than ``MAX_SAMPLED_POINTS`` points together (ask for fewer keys)."""
    known = {s.key: s for s in meta.list_series(run_pk) if s.kind == "history"}
    present = [k for k in dict.fromkeys(keys) if k in known]
    if all_keys and len(present) < len(set(keys)):
        return []  # a key the run never logged: no step has every key
    total = sum(known[k].count for k in present)
    if total > MAX_SAMPLED_POINTS:
        raise InvalidInputError(
            f"these {len(present)} keys hold {total:,} points, more than one sampled read "
            f"takes ({MAX_SAMPLED_POINTS:,}): ask for fewer keys"
        )
    series = {k: _last_per_step(meta.read_points(run_pk, k, 0, max(known[k].count, 1)))
              for k in present}  # fmt: skip
    if not series:
        return []
    step_sets = [s for s, _, _ in series.values()]
    if all_keys:
        steps = step_sets[0]
        for other in step_sets[1:]:
            steps = np.intersect1d(steps, other, assume_unique=True)
    else:
        steps = np.unique(np.concatenate(step_sets))
    if len(steps) > samples:
        steps = steps[np.unique(np.linspace(0, len(steps) - 1, samples).round().astype(np.int64))]
    rows: list[dict[str, Any]] = [{"_step": int(s)} for s in steps]
    times = np.full(len(steps), np.nan)
    for key, (key_steps, values, key_times) in series.items():
        at = np.searchsorted(key_steps, steps)
        hit = (at < len(key_steps)) & (key_steps[np.minimum(at, len(key_steps) - 1)] == steps)
        where = np.flatnonzero(hit)
        for i, value in zip(where.tolist(), float_list(values[at[where]]), strict=True):
            rows[i][key] = value
        first_seen = where[np.isnan(times[where])]
        times[first_seen] = key_times[at[first_seen]]
    for row, time in zip(rows, times, strict=True):
        row["_timestamp"] = float(time)
    return rows
