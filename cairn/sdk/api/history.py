"""Reading a run's history from the server: sampled real rows, bucketed summaries, and every
row streamed page by page (what ``Run.history``, ``history_buckets`` and ``scan_history`` do)."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from typing import Any

from cairn.sdk.api.client import ApiClient

X_AXES = {"_step": "step", "_timestamp": "time", "_runtime": "relative"}
_KEYS_PER_REQUEST = 500
_NONFINITE = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


def number(value: Any) -> Any:
    """A JSON value with the server's names of non-finite floats turned back into floats."""
    if isinstance(value, str) and value in _NONFINITE:
        return _NONFINITE[value]
    return value


def sampled(
    client: ApiClient, run_path: str, keys: list[str], samples: int, all_keys: bool
) -> list[dict[str, Any]]:
    """Up to ``samples`` real logged rows spread evenly over the run's steps (W&B's sampled
    history): ``_step``, ``_timestamp`` and the keys' values; with ``all_keys`` only rows that
    hold every key."""
    answer = client.request(
        "POST",
        f"/api/v1/runs/{run_path}/history/sampled",
        json={"keys": keys, "samples": samples, "all_keys": all_keys},
    )
    return [{k: number(v) for k, v in row.items()} for row in answer["rows"]]


def bucketed(
    client: ApiClient, run_path: str, keys: list[str], buckets: int, x_axis: str
) -> list[dict[str, Any]]:
    """About ``buckets`` rows per key, each the mean of its bucket (exact where a key has no
    more points than buckets), keyed by the x axis."""
    rows: dict[float, dict[str, Any]] = {}
    for start in range(0, len(keys), _KEYS_PER_REQUEST):
        # POST: any number of keys (a GET query string holds a dozen long ones at most)
        answer = client.request(
            "POST",
            "/api/v1/history",
            json={"runs": [run_path], "keys": keys[start : start + _KEYS_PER_REQUEST],
                  "buckets": buckets, "x_axis": X_AXES[x_axis]},
        )  # fmt: skip
        for series in answer["series"]:
            values = series["last"] if series["mode"] == "exact" else series["mean"]
            for x, value in zip(series["x"], values, strict=True):
                rows.setdefault(x, {x_axis: x})[series["key"]] = number(value)
    return [rows[x] for x in sorted(rows)]


def _points(
    client: ApiClient, run_path: str, key: str, page_size: int
) -> Iterator[tuple[int, float, Any]]:
    """One series' exact points (step, time, value) in step order, a page at a time."""
    start: int | None = 0
    while start is not None:
        page = client.request(
            "GET", f"/api/v1/runs/{run_path}/series/{key}/points",
            params={"start": start, "limit": page_size},
        )  # fmt: skip
        yield from zip(page["steps"], page["times"], page["values"], strict=True)
        start = page["next_start"]


def scan(
    client: ApiClient,
    run_path: str,
    keys: list[str],
    page_size: int,
    min_step: int | None,
    max_step: int | None,
    all_keys: bool,
) -> Iterator[dict[str, Any]]:
    """Every row in step order, merged from the keys' series as they page in: memory holds one
    page per key, whatever the run's length. A row: ``_step``, ``_timestamp`` (the time of a
    value there) and each key's value there (the last logged at that step)."""
    streams: list[Iterator[tuple[int, float, Any]]] = [
        _points(client, run_path, key, page_size) for key in keys
    ]
    heads: list[tuple[int, int, float, Any]] = []  # (step, key index, time, value)

    def advance(index: int, push: Callable[[tuple[int, int, float, Any]], None]) -> None:
        for step, time, value in streams[index]:
            if min_step is not None and step < min_step:
                continue
            if max_step is None or step <= max_step:
                push((step, index, time, value))
            return

    for index in range(len(keys)):
        advance(index, heads.append)
    heapq.heapify(heads)
    while heads:
        step = heads[0][0]
        row: dict[str, Any] = {"_step": step}
        while heads and heads[0][0] == step:
            _, index, time, value = heapq.heappop(heads)
            row.setdefault("_timestamp", number(time))
            row[keys[index]] = number(value)  # a later value at the same step wins
            advance(index, lambda head: heapq.heappush(heads, head))
        if not all_keys or len(row) - 2 == len(keys):
            yield row
