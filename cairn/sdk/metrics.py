"""``define_metric``: how a metric (or a glob of them) is summarised and plotted.

A rule names a metric or a glob (``val/*``: ``*`` matches any characters, nothing else is
special), its default x axis (``step_metric``), its summary (one or more of
:data:`SUMMARY_MODES`), a goal, whether the web app leaves it out of its generated panels
(``hidden``) and whether rows get the step metric's latest value (``step_sync``).

The run validates and merges definitions in the caller's thread (:class:`Definitions`), so a bad
argument raises where it was passed; the writer thread holds what applies to the rows it writes
(:class:`MetricRules`): the summary tracker asks it for each key's rule, it fills step metrics
into rows, and it gives the list recorded in the run's ``meta["metrics"]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from cairn.errors import InvalidInputError
from cairn.wire import check_key

SUMMARY_MODES = ("min", "max", "mean", "last", "best", "none", "first")
GOALS = ("minimize", "maximize")
META_KEY = "metrics"
"""The key of the run's ``meta`` that holds the rules (a list of :meth:`MetricRule.wire`)."""


@dataclass(frozen=True, slots=True)
class MetricRule:
    """One ``define_metric`` definition (what ``run.define_metric`` returns).

    ``summary``: the modes in the order given; empty means the default, the last value.
    """

    name: str
    step_metric: str | None = None
    summary: tuple[str, ...] = ()
    goal: str | None = None
    hidden: bool = False
    step_sync: bool = True

    @property
    def is_glob(self) -> bool:
        """Whether the name is a glob (has a ``*``)."""
        return "*" in self.name

    def matches(self, key: str) -> bool:
        """Whether the rule applies to ``key`` (the exact name, or a match of the glob)."""
        if key == self.name:
            return True
        return self.is_glob and _glob_re(self.name).fullmatch(key) is not None

    def step_metric_of(self, key: str) -> str | None:
        """The x axis of ``key`` under this rule; None for the step metric itself
        (``define_metric("*", step_metric="epoch")`` does not plot epoch against epoch)."""
        return None if self.step_metric == key else self.step_metric

    def wire(self) -> dict[str, Any]:
        """The rule as recorded in ``meta["metrics"]`` (JSON)."""
        return {
            "name": self.name,
            "step_metric": self.step_metric,
            "summary": list(self.summary),
            "goal": self.goal,
            "hidden": self.hidden,
            "step_sync": self.step_sync,
        }


@lru_cache(maxsize=256)
def _glob_re(glob: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in glob.split("*")), re.DOTALL)


def parse_summary(summary: object) -> tuple[str, ...]:
    """``"min,max"`` (or a list of modes) as a tuple of modes; raises on an unknown one."""
    if isinstance(summary, str):
        parts = [part.strip() for part in summary.split(",")]
    elif isinstance(summary, list | tuple) and all(isinstance(p, str) for p in summary):
        parts = [part.strip() for part in summary]
    else:
        raise InvalidInputError(
            f"summary must be a string such as 'min' or 'min,max', got {summary!r}"
        )
    modes = tuple(dict.fromkeys(part for part in parts if part))
    unknown = [mode for mode in modes if mode not in SUMMARY_MODES]
    if unknown or not modes:
        raise InvalidInputError(
            f"summary takes one or more of {list(SUMMARY_MODES)} separated by commas, "
            f"got {summary!r}"
        )
    if "none" in modes and len(modes) > 1:
        raise InvalidInputError(f"summary 'none' cannot be combined with other modes: {summary!r}")
    return modes


def _check_bool(value: object, what: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise InvalidInputError(f"{what} must be True or False, got {value!r}")
    return value


def make_rule(
    name: str,
    step_metric: str | None = None,
    summary: str | None = None,
    goal: str | None = None,
    hidden: bool | None = None,
    step_sync: bool | None = None,
    *,
    base: MetricRule | None = None,
) -> MetricRule:
    """A validated rule; arguments left None keep ``base``'s values (an earlier definition of
    the same name), else the defaults. Raises InvalidInputError saying what to pass instead."""
    if not isinstance(name, str) or not name:
        raise InvalidInputError(f"define_metric needs a metric name or glob, got {name!r}")
    check_key(name, "define_metric name")
    rule = base if base is not None and base.name == name else MetricRule(name)
    changes: dict[str, Any] = {}
    if step_metric is not None:
        if not isinstance(step_metric, str):
            raise InvalidInputError(f"step_metric must be a metric name, got {step_metric!r}")
        check_key(step_metric, "step_metric")
        if "*" in step_metric:
            raise InvalidInputError(f"step_metric must be one metric, not a glob: {step_metric!r}")
        if step_metric == name:
            raise InvalidInputError(f"metric {name!r} cannot be its own step_metric")
        changes["step_metric"] = step_metric
    if summary is not None:
        changes["summary"] = parse_summary(summary)
    if goal is not None:
        if goal not in GOALS:
            raise InvalidInputError(f"goal must be 'minimize' or 'maximize', got {goal!r}")
        changes["goal"] = goal
    if _check_bool(hidden, "hidden") is not None:
        changes["hidden"] = hidden
    if _check_bool(step_sync, "step_sync") is not None:
        changes["step_sync"] = step_sync
    rule = replace(rule, **changes)
    if "best" in rule.summary and rule.goal is None:
        raise InvalidInputError("summary='best' needs goal='minimize' or goal='maximize'")
    return rule


class Definitions:
    """The run's definitions so far, by name: a second ``define_metric`` of a name changes only
    what it passes (as W&B merges them), unless ``overwrite=True``. Used by the caller's thread."""

    def __init__(self) -> None:
        self._by_name: dict[str, MetricRule] = {}

    def define(
        self,
        name: str,
        step_metric: str | None = None,
        summary: str | None = None,
        goal: str | None = None,
        hidden: bool | None = None,
        step_sync: bool | None = None,
        overwrite: bool | None = None,
    ) -> MetricRule:
        """Validate and merge one definition; the rule now in force for ``name``."""
        _check_bool(overwrite, "overwrite")
        base = None if overwrite else self._by_name.get(name)
        rule = make_rule(name, step_metric, summary, goal, hidden, step_sync, base=base)
        self._by_name[name] = rule
        return rule


class MetricRules:
    """The rules in force for the rows the writer thread writes (owned by that thread).

    A key's rule is the one defined for its exact name, else the glob defined (or redefined)
    last that matches it.
    """

    def __init__(self) -> None:
        self._by_name: dict[str, MetricRule] = {}
        self._rule_of: dict[str, MetricRule | None] = {}
        self._latest: dict[str, float] = {}  # step metric -> its latest logged value
        self._step_metrics: frozenset[str] = frozenset()  # those of rules with step_sync
        self.syncing = False
        """Whether any rule fills a step metric into rows (else rows are left alone)."""

    def __bool__(self) -> bool:
        return bool(self._by_name)

    def add(self, rule: MetricRule) -> None:
        """Put ``rule`` in force for rows from now on (replacing one of the same name)."""
        self._by_name.pop(rule.name, None)
        self._by_name[rule.name] = rule
        self._rule_of.clear()
        self._step_metrics = frozenset(
            r.step_metric for r in self._by_name.values() if r.step_metric and r.step_sync
        )
        self.syncing = bool(self._step_metrics)

    def rule_for(self, key: str) -> MetricRule | None:
        """The rule that applies to ``key``, or None."""
        try:
            return self._rule_of[key]
        except KeyError:
            pass
        rule = self._by_name.get(key)
        if rule is None:
            rule = next(
                (r for r in reversed(self._by_name.values()) if r.is_glob and r.matches(key)),
                None,
            )
        self._rule_of[key] = rule
        return rule

    def wire(self) -> list[dict[str, Any]]:
        """The rules as recorded in ``meta["metrics"]``, the one (re)defined last last: a key
        without a rule of its own name follows the last glob in this list that matches it."""
        return [rule.wire() for rule in self._by_name.values()]

    def sync_steps(self, numbers: dict[str, float], keys: list[str]) -> None:
        """``step_sync``: give ``numbers`` (one row's) the latest value of the step metric of
        each of ``keys`` (the row's keys) that the row lacks; remember the step metrics it has."""
        latest = self._latest
        for name in self._step_metrics:
            if name in numbers:
                latest[name] = numbers[name]
        for key in keys:
            rule = self.rule_for(key)
            if rule is None or not rule.step_sync:
                continue
            step_metric = rule.step_metric_of(key)
            if step_metric is not None and step_metric not in numbers and step_metric in latest:
                numbers[step_metric] = latest[step_metric]
