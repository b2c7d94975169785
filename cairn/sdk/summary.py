"""Run summaries: the last value of each metric by default, or min/max/mean/best per metric."""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from cairn.errors import InvalidInputError
from cairn.wire import check_key

SUMMARY_MODES = ("min", "max", "mean", "last", "best", "none", "first")
STATE_KEY = "_cairn"
"""The summary entry that keeps what a resumed run needs to continue its summaries:
``{"mean_counts": {key: n}}``, how many values each ``mean`` covers (design 0014)."""


@dataclass(frozen=True, slots=True)
class MetricRule:
    """How one metric (or a glob of them) is summarised and plotted."""

    name: str
    step_metric: str | None = None
    summary: str = "last"
    goal: str | None = None
    hidden: bool = False

    def matches(self, key: str) -> bool:
        """Whether the rule applies to ``key`` (exact name or glob)."""
        return key == self.name or fnmatch.fnmatchcase(key, self.name)


def make_rule(
    name: str,
    step_metric: str | None,
    summary: str | None,
    goal: str | None,
    hidden: bool | None,
) -> MetricRule:
    """A validated rule for ``define_metric``."""
    if not isinstance(name, str) or not name:
        raise InvalidInputError("define_metric needs a metric name or glob")
    if summary is not None and summary not in SUMMARY_MODES:
        raise InvalidInputError(f"summary must be one of {list(SUMMARY_MODES)}, got {summary!r}")
    if goal is not None and goal not in ("minimize", "maximize"):
        raise InvalidInputError(f"goal must be 'minimize' or 'maximize', got {goal!r}")
    if summary == "best" and goal is None:
        raise InvalidInputError("summary='best' needs goal='minimize' or 'maximize'")
    return MetricRule(name, step_metric, summary or "last", goal, bool(hidden))


class SummaryTracker:
    """Folds logged numbers into summary values; owned by the writer thread."""

    def __init__(self) -> None:
        self.rules: list[MetricRule] = []
        self._rule_of: dict[str, MetricRule | None] = {}
        self._stats: dict[str, list[float]] = {}  # key -> [value, count] per its rule
        self._prior: dict[str, float] = {}  # a resumed run's summary numbers, until folded
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
            key: float(value)
            for key, value in summary.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        }

    def add_rule(self, rule: MetricRule) -> None:
        """Apply ``rule`` to matching keys from now on (later rules win)."""
        self.rules.append(rule)
        self._rule_of.clear()

    def _rule(self, key: str) -> MetricRule | None:
        if key not in self._rule_of:
            self._rule_of[key] = next((r for r in reversed(self.rules) if r.matches(key)), None)
        return self._rule_of[key]

    def _mode(self, key: str) -> str:
        rule = self._rule(key)
        if rule is None:
            return "last"
        if rule.summary == "best":
            return "min" if rule.goal == "minimize" else "max"
        return rule.summary

    def observe(self, values: dict[str, float]) -> None:
        """Fold one row's numbers in."""
        for key, value in values.items():
            self._fold(key, self._mode(key), value)

    def observe_columns(self, columns: Mapping[str, Sequence[float]]) -> None:
        """Fold a block's numbers in, each key's in row order: the same as row by row."""
        for key, values in columns.items():
            if not values:
                continue
            mode = self._mode(key)
            if mode == "last":  # the default: only the block's last value counts
                self._stats[key] = [values[-1], 1.0]
                self.changed[key] = values[-1]
                continue
            for value in values:
                self._fold(key, mode, value)

    def observe_media(self, values: Mapping[str, Any]) -> None:
        """Media values (their reference JSON): the summary keeps the last one, as W&B's does,
        unless a rule says ``none``."""
        for key, value in values.items():
            if self._mode(key) != "none":
                self.changed[key] = value

    def _fold(self, key: str, mode: str, value: float) -> None:
        if mode == "none":
            return
        state = self._stats.get(key)
        if state is None and mode != "last" and key in self._prior:
            state = self._continued(key, mode)
        if state is None or mode == "last":
            self._stats[key] = [value, 1.0]
        elif math.isnan(value):
            return
        elif mode == "min":
            state[0] = value if math.isnan(state[0]) else min(state[0], value)
        elif mode == "max":
            state[0] = value if math.isnan(state[0]) else max(state[0], value)
        elif mode == "mean":
            state[1] += 1
            state[0] += (value - state[0]) / state[1]
        else:  # first
            return
        self.changed[key] = self._stats[key][0]
        if mode == "mean":
            self._mean_counts[key] = int(self._stats[key][1])
            self.changed[STATE_KEY] = {"mean_counts": dict(self._mean_counts)}

    def _continued(self, key: str, mode: str) -> list[float] | None:
        """The state a resumed run's summary value gives ``key`` under ``mode``, if any."""
        prior = self._prior.pop(key)
        if mode == "mean":
            count = self._mean_counts.get(key)
            if not count:
                return None  # the prior value is no mean of known size: start over
            self._stats[key] = [prior, float(count)]
        else:
            self._stats[key] = [prior, 1.0]
        return self._stats[key]

    def take_changes(self) -> dict[str, Any]:
        """The summary values changed since the last call."""
        changed, self.changed = self.changed, {}
        return changed


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
