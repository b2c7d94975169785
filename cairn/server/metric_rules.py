"""Metric rules (``define_metric``) as runs record them in ``meta["metrics"]``, read defensively.

A run's meta is whatever its SDK (or a user's ``update_run(meta=...)``) sent: only entries of the
documented shape are passed on, with their fields checked, so the web app can trust them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SUMMARY_MODES = frozenset({"min", "max", "mean", "last", "best", "none", "first"})
MAX_RULES = 500


def clean_rules(value: object) -> list[dict[str, Any]]:
    """The well-formed rules of one run's ``meta["metrics"]`` (others are left out)."""
    if not isinstance(value, list):
        return []
    out: list[dict[str, Any]] = []
    for item in value[:MAX_RULES]:
        rule = _clean(item)
        if rule is not None:
            out.append(rule)
    return out


def _clean(item: object) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        return None
    name = item.get("name")
    step_metric = item.get("step_metric")
    summary = item.get("summary")
    goal = item.get("goal")
    if not isinstance(name, str) or not name or len(name) > 256:
        return None
    if not isinstance(step_metric, str) or not step_metric or len(step_metric) > 256:
        step_metric = None
    if not isinstance(summary, list):
        summary = []
    return {
        "name": name,
        "step_metric": step_metric,
        "summary": [m for m in summary if isinstance(m, str) and m in SUMMARY_MODES],
        "goal": goal if goal in ("minimize", "maximize") else None,
        "hidden": item.get("hidden") is True,
        "step_sync": item.get("step_sync") is not False,
    }


def merge_rules(per_run: Iterable[object]) -> list[dict[str, Any]]:
    """One rule per name from several runs' ``meta["metrics"]``, the first run's winning (the
    caller passes the newest run first)."""
    seen: dict[str, dict[str, Any]] = {}
    for value in per_run:
        for rule in clean_rules(value):
            if rule["name"] not in seen and len(seen) < MAX_RULES:
                seen[rule["name"]] = rule
    return list(seen.values())
