"""A run's history for the Public API: ``run.history()`` (sampled), ``run.scan_history()``
(exact pages through wandb-core's HistoryPage / SampledHistoryPage), ``historyKeys`` and system
metrics (``events``). Rows come from Cairn's series and values (``history_rows``).

``parquetHistory`` answers no parquet files and every step as live data: wandb-core then reads
all of them through exact history pages, so no export format is needed.
"""

from __future__ import annotations

from typing import Any, Final

from cairn.errors import InvalidInputError
from cairn.server.compat.wandb.context import Info, context_of
from cairn.server.compat.wandb.engine import field
from cairn.server.compat.wandb.history_rows import (
    MAX_ROWS,
    check_rows,
    exact_rows,
    history_keys,
    row_text,
    run_keys,
    sampled_history,
    step_list,
    system_rows,
)
from cairn.server.compat.wandb.resolvers.shapes import record_of, require_dict
from cairn.server.jsonvalues import json_safe
from cairn.server.store.records import RunRecord

DEFAULT_SAMPLES: Final = 500


def _step_range(run: RunRecord, info: Info, low: int | None, high: int | None) -> tuple[int, int]:
    """``[low, high)`` with the open ends filled from the run's own steps."""
    if high is None:
        last = run_keys(context_of(info).ctx.meta, run.pk).last_step
        high = 0 if last is None else last + 1
    return (0 if low is None else low), high


@field("Run", "historyKeys")
def resolve_history_keys(source: dict[str, Any], info: Info) -> dict[str, Any]:
    """Each history key with its value types and counts, and ``lastStep``."""
    return history_keys(context_of(info).ctx.meta, record_of(source))


@field("Run", "history")
def resolve_history(
    source: dict[str, Any],
    info: Info,
    samples: int | None = None,
    minStep: int | None = None,
    maxStep: int | None = None,
) -> list[str]:
    """Rows as JSON lines: exact over ``[minStep, maxStep)`` when a range is given (the first
    ``samples`` of them), else ``samples`` rows spread over the run."""
    run = record_of(source)
    meta = context_of(info).ctx.meta
    rows = check_rows(samples, DEFAULT_SAMPLES)
    if minStep is None and maxStep is None:
        return [row_text(row) for row in sampled_history(meta, run, None, rows)]
    low, high = _step_range(run, info, minStep, maxStep)
    return [row_text(row) for row in exact_rows(meta, run, None, low, high, rows)]


@field("Run", "events")
def resolve_events(source: dict[str, Any], info: Info, samples: int | None = None) -> list[str]:
    """System metrics as W&B's events rows (Cairn's key names), ``samples`` spread over time."""
    rows = system_rows(context_of(info).ctx.meta, record_of(source), check_rows(samples, 500))
    return [row_text(row) for row in rows]


@field("Run", "sampledHistory")
def resolve_sampled_history(
    source: dict[str, Any], info: Info, specs: list[Any]
) -> list[list[dict[str, Any]]]:
    """One list of rows per spec ``{keys, samples, minStep?, maxStep?}``: rows holding every
    key, ``samples`` of them spread over the run, or over ``minStep <= step <= maxStep``.

    Rows are JSON objects here, not text, and wandb-core's JSON decoder refuses bare NaN: a
    non-finite number is the string ``"NaN"``/``"Infinity"``/``"-Infinity"`` (Cairn's rule).
    """
    run = record_of(source)
    meta = context_of(info).ctx.meta
    answers: list[list[dict[str, Any]]] = []
    for index, raw in enumerate(specs):
        spec = require_dict(raw, f"sampledHistory spec {index}")
        keys = spec.get("keys")
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise InvalidInputError(f"sampledHistory spec {index}: keys must be a list of names")
        rows = check_rows(_spec_int(spec, "samples", index), DEFAULT_SAMPLES)
        bottom, top = _spec_int(spec, "minStep", index), _spec_int(spec, "maxStep", index)
        if bottom is None and top is None:
            answers.append(json_safe(sampled_history(meta, run, keys, rows)))
            continue
        # a spec's maxStep is inclusive (history's is not)
        low, high = _step_range(run, info, bottom, None if top is None else top + 1)
        if high - low > MAX_ROWS:
            raise InvalidInputError(
                f"sampledHistory spec {index}: a step range spans at most {MAX_ROWS} steps"
            )
        found = exact_rows(meta, run, keys, low, high, MAX_ROWS)
        answers.append(json_safe(thin(found, rows)))
    return answers


def _spec_int(spec: dict[str, Any], name: str, index: int) -> int | None:
    value = spec.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidInputError(f"sampledHistory spec {index}: {name} must be an integer")
    return value


def thin(rows: list[dict[str, Any]], samples: int) -> list[dict[str, Any]]:
    """``samples`` of ``rows`` spread evenly, the first and the last kept."""
    if len(rows) <= samples:
        return rows
    if samples == 1:
        return rows[:1]
    picks = sorted({round(i * (len(rows) - 1) / (samples - 1)) for i in range(samples)})
    return [rows[i] for i in picks]


@field("Run", "parquetHistory")
def resolve_parquet_history(
    source: dict[str, Any], info: Info, liveKeys: list[str]
) -> dict[str, Any]:
    """No parquet export: every step is live data, read through exact history pages."""
    if any(key != "_step" for key in liveKeys):
        raise InvalidInputError("parquetHistory: Cairn answers liveKeys ['_step'] only")
    steps = step_list(context_of(info).ctx.meta, record_of(source))
    return {"parquetUrls": [], "liveData": [{"_step": step} for step in steps]}
