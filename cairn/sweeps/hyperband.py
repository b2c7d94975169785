"""Hyperband early termination, as W&B's sweeps controller decides it (a pure function).

An *iteration* is the count of finite metric values a run has logged so far (W&B counts the
history rows that hold the metric; NaN and ±inf rows are skipped). Brackets:

* ``min_iter`` given: ``min_iter·eta^k`` for k = 0, 1, ... (integer part).
* ``max_iter`` and ``s`` given (takes precedence, as in W&B): ``max_iter / eta^k`` for
  k = 1..s while ≥ 1 (integer part), ascending.

At each bracket b, the threshold is taken over every run (running or not) with at least b
values: sort their b-th values best first and take the one at index ``int(len / eta)``. A
running run that has reached a bracket is compared at the last bracket it reached: with
``strict`` (W&B's default) its b-th value, otherwise its best value so far; it is stopped when
that is strictly worse than the threshold.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence

from cairn.errors import InvalidInputError
from cairn.sweeps.config import EarlyTerminate, Metric, SweepConfig

# min_iter brackets grow geometrically; 100 is W&B's count too
_MAX_BRACKETS = 100

HistoryPoint = tuple[float, float] | float


def hyperband_bands(et: EarlyTerminate) -> list[int]:
    """The bracket iterations of ``et``, ascending."""
    if et.max_iter is not None and et.s is not None:
        bands: list[int] = []
        band = float(et.max_iter)
        for _ in range(et.s):
            band /= et.eta
            if band < 1:
                break
            bands.append(int(band))
        return sorted(bands)
    if et.min_iter is None:
        raise InvalidInputError("early_terminate: give min_iter, or max_iter and s")
    bands = []
    band = float(et.min_iter)
    for _ in range(_MAX_BRACKETS):
        if band > 2**62:
            break
        bands.append(int(band))
        band *= et.eta
    return bands


def hyperband_stop(
    config: SweepConfig,
    histories: Mapping[str, Sequence[HistoryPoint]],
    running: Collection[str],
) -> list[str]:
    """Ids of the running runs to stop now, in ``histories`` order.

    ``histories``: run id → the metric's history, as values in logged order or as
    ``(step, value)`` pairs (ordered by step, ties kept in given order); include finished runs
    too, they set the thresholds. ``running``: the ids that may be stopped. Raises
    ``InvalidInputError`` when the config has no hyperband or no metric.
    """
    et, metric = config.early_terminate, config.metric
    if et is None or metric is None:
        raise InvalidInputError("early_terminate: the config has no hyperband (or no metric)")
    return _stop(et, metric, histories, running)


def _stop(
    et: EarlyTerminate,
    metric: Metric,
    histories: Mapping[str, Sequence[HistoryPoint]],
    running: Collection[str],
) -> list[str]:
    bands = hyperband_bands(et)
    sign = -1.0 if metric.goal == "maximize" else 1.0
    # oriented so that lower is better, as W&B negates for maximize
    series = {rid: [sign * v for v in _values(h)] for rid, h in histories.items()}
    thresholds: list[float] = []
    for band in bands:
        at_band = sorted(s[band - 1] for s in series.values() if len(s) >= band)
        thresholds.append(at_band[int(len(at_band) / et.eta)] if at_band else math.inf)
    stop: list[str] = []
    for rid, s in series.items():
        if rid not in running:
            continue
        reached = [(b, t) for b, t in zip(bands, thresholds, strict=True) if b <= len(s)]
        if not reached:
            continue
        band, threshold = reached[-1]
        value = s[band - 1] if et.strict else min(s)
        if value > threshold:
            stop.append(rid)
    return stop


def _values(history: Sequence[HistoryPoint]) -> list[float]:
    if history and isinstance(history[0], tuple | list):
        pairs = sorted(
            ((float(p[0]), i, float(p[1])) for i, p in enumerate(history)),  # type: ignore[index]
            key=lambda t: (t[0], t[1]),
        )
        raw = [v for _, _, v in pairs]
    else:
        raw = [float(v) for v in history]  # type: ignore[arg-type]
    return [v for v in raw if math.isfinite(v)]
