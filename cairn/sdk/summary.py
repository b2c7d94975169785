"""Run summaries: the last value of each metric by default, or min/max/mean/best per metric."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from typing import Any

from cairn.sdk.metrics import SUMMARY_MODES, MetricRule, MetricRules, make_rule
from cairn.wire import check_key

__all__ = ["STATE_KEY", "SUMMARY_MODES", "MetricRule", "Summary", "SummaryTracker", "make_rule"]

STATE_KEY = "_cairn"
"""The summary entry that keeps what a resumed run needs to continue its summaries:
``{"mean_counts": {key: n}}``, how many values each ``mean`` covers (design 0014)."""

Mode = tuple[str, str]
"""A summary mode: (its name, the fold it uses); ``best`` folds as ``min`` or ``max``."""

_LAST: tuple[Mode, ...] = (("last", "last"),)


class SummaryTracker:
    """Folds logged numbers into summary values; owned by the writer thread.

    A key with one summary mode gets that mode's value; one with several (``"min,max"``) gets a
    map of them, ``{"min": 0.1, "max": 0.9}``, as W&B's summary holds them.
    """

    def __init__(self, rules: MetricRules | None = None) -> None:
        self.rules = MetricRules() if rules is None else rules
        self._modes_of: dict[str, tuple[Mode, ...]] = {}
        # key -> mode -> [value, count, sum]: a mean is sum / count, as W&B computes it (a
        # running mean drifts from that by an ulp or so)
        self._stats: dict[str, dict[str, list[float]]] = {}
        # a resumed run's summary, per key (a number, or a map of mode -> number), until folded
        self._prior: dict[str, Any] = {}
        self._mean_counts: dict[str, int] = {}
        self.changed: dict[str, Any] = {}

    def resume_from(self, summary: Mapping[str, Any]) -> None:
        """Continue the summary a run had when it was resumed: a ``min`` after this is the min
        of the whole run, a ``mean`` the mean of all its values (when the summary says how many
        values it covers), a ``first`` stays the first."""
        state = summary.get(STATE_KEY)
        counts = state.get("mean_counts") if isinstance(state, Mapping) else None
        if isinstance(counts, Mapping):
            self._mean_counts = {
                k: int(n) for k, n in counts.items() if isinstance(n, int) and n > 0
            }
        self._prior = {
            key: value
            for key, value in summary.items()
            if key != STATE_KEY and (_number(value) or isinstance(value, Mapping))
        }

    def add_rule(self, rule: MetricRule) -> None:
        """Apply ``rule`` to matching keys from now on."""
        self.rules.add(rule)
        self._modes_of.clear()

    def _modes(self, key: str) -> tuple[Mode, ...]:
        modes = self._modes_of.get(key)
        if modes is None:
            rule = self.rules.rule_for(key)
            if rule is None or not rule.summary:
                modes = _LAST
            else:
                best = "min" if rule.goal == "minimize" else "max"
                modes = tuple((m, best if m == "best" else m) for m in rule.summary)
            self._modes_of[key] = modes
        return modes

    def observe(self, values: dict[str, float]) -> None:
        """Fold one row's numbers in."""
        for key, value in values.items():
            modes = self._modes(key)
            if self._fold(key, modes, value):
                self.changed[key] = self._value(key, modes)

    def observe_columns(self, columns: Mapping[str, Sequence[float]]) -> None:
        """Fold a block's numbers in, each key's in row order: the same as row by row."""
        for key, values in columns.items():
            if not values:
                continue
            modes = self._modes(key)
            if modes is _LAST:  # the default: only the block's last value counts
                self._stats[key] = {"last": [values[-1], 1.0, values[-1]]}
                self.changed[key] = values[-1]
                continue
            changed = False
            for value in values:
                changed = self._fold(key, modes, value) or changed
            if changed:
                self.changed[key] = self._value(key, modes)

    def observe_media(self, values: Mapping[str, Any]) -> None:
        """Media values (their reference JSON): the summary keeps the last one, as W&B's does,
        unless a rule says ``none``."""
        for key, value in values.items():
            if self._modes(key)[0][1] != "none":
                self.changed[key] = value

    def _fold(self, key: str, modes: tuple[Mode, ...], value: float) -> bool:
        """Fold one value into each of the key's modes; whether any of them changed."""
        stats = self._stats.get(key)
        if stats is None:
            stats = self._stats[key] = self._continued(key, modes)
        changed = False
        for name, fold in modes:
            if fold == "none":
                continue
            state = stats.get(name)
            if state is None or fold == "last":
                stats[name] = [value, 1.0, value]
            elif math.isnan(value) or fold == "first":
                continue
            elif fold == "min":
                state[0] = value if math.isnan(state[0]) else min(state[0], value)
            elif fold == "max":
                state[0] = value if math.isnan(state[0]) else max(state[0], value)
            elif math.isnan(state[2]):  # a mean of only NaN so far: NaN is skipped
                stats[name] = [value, 1.0, value]
            else:  # mean
                state[1] += 1
                state[2] += value
                state[0] = state[2] / state[1]
            if fold == "mean":
                self._mean_counts[key] = int(stats[name][1])
                self.changed[STATE_KEY] = {"mean_counts": dict(self._mean_counts)}
            changed = True
        return changed

    def _continued(self, key: str, modes: tuple[Mode, ...]) -> dict[str, list[float]]:
        """The states a resumed run's summary gives ``key`` under ``modes`` (none when the run
        is new or the summary says nothing usable, e.g. a mean of unknown size)."""
        prior = self._prior.pop(key, None)
        if prior is None:
            return {}
        by_mode = prior if isinstance(prior, Mapping) else {modes[0][0]: prior}
        stats: dict[str, list[float]] = {}
        for name, fold in modes:
            value = by_mode.get(name)
            if fold in ("last", "none") or not isinstance(value, int | float):
                continue
            if fold == "mean":
                count = self._mean_counts.get(key)
                if count:
                    stats[name] = [float(value), float(count), float(value) * count]
            else:
                stats[name] = [float(value), 1.0, float(value)]
        return stats

    def _value(self, key: str, modes: tuple[Mode, ...]) -> Any:
        stats = self._stats[key]
        if len(modes) == 1:
            return stats[modes[0][0]][0]
        return {name: stats[name][0] for name, _ in modes if name in stats}

    def take_changes(self) -> dict[str, Any]:
        """The summary values changed since the last call."""
        changed, self.changed = self.changed, {}
        return changed


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class Summary(MutableMapping[str, Any]):
    """``run.summary``: read the current summary, or set values explicitly (they win)."""

    def __init__(self, on_set: Any) -> None:
        self._data: dict[str, Any] = {}
        self._on_set = on_set

    def _observe(self, values: dict[str, Any]) -> None:
        self._data.update(values)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        check_key(key, "summary key")
        self._data[key] = value
        self._on_set({key: value}, [])

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self._on_set({}, [key])

    def __iter__(self) -> Iterator[str]:
        return iter(dict(self._data))

    def __len__(self) -> int:
        return len(self._data)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Set several values at once (one record)."""
        values = dict(*args, **kwargs)
        for key in values:
            check_key(key, "summary key")
        self._data.update(values)
        self._on_set(values, [])

    def __repr__(self) -> str:
        return f"Summary({self._data!r})"
