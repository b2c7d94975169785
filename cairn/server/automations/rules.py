"""What an automation may say: its event, the filter on that event, its action; and whether an
event matches a filter. Pure functions, shared by the store (which checks what it keeps) and the
routes."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from cairn.errors import InvalidInputError

EVENTS = ("version_linked", "alias_moved", "artifact_version_created", "run_metric_threshold")
TEST_EVENT = "test"
ACTIONS = ("webhook", "slack")
OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
FILTER_KEYS: dict[str, tuple[str, ...]] = {
    "version_linked": ("model",),
    "alias_moved": ("model", "alias"),
    "artifact_version_created": ("project", "artifact", "type"),
    "run_metric_threshold": ("project", "metric", "op", "threshold"),
}
"""The keys each event's filter may hold; a key left out matches anything."""
MAX_URL = 2048
MAX_SECRET = 1024


def check_event(event: object) -> str:
    """``event`` if automations know it, else InvalidInputError naming the known ones."""
    if event not in EVENTS:
        raise InvalidInputError(f"event must be one of {list(EVENTS)}, not {event!r}")
    return str(event)


def check_filter(event: str, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The filter as stored: only the event's keys, strings where names are expected, and for
    ``run_metric_threshold`` a metric, a known ``op`` and a finite ``threshold`` (all needed)."""
    given = dict(raw or {})
    allowed = FILTER_KEYS[event]
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise InvalidInputError(f"a {event} filter may hold {list(allowed)}, not {unknown}")
    out: dict[str, Any] = {}
    for key, value in given.items():
        if value is None:
            continue
        if key == "threshold":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidInputError("filter threshold must be a number")
            if not math.isfinite(value):
                raise InvalidInputError("filter threshold must be a finite number")
            out[key] = float(value)
        elif key == "op":
            if value not in OPS:
                raise InvalidInputError(f"filter op must be one of {list(OPS)}, not {value!r}")
            out[key] = value
        else:
            if not isinstance(value, str) or not value or len(value) > 256:
                raise InvalidInputError(f"filter {key} must be a name (1 to 256 characters)")
            out[key] = value
    if event == "run_metric_threshold":
        missing = [k for k in ("metric", "op", "threshold") if k not in out]
        if missing:
            raise InvalidInputError(
                f"a run_metric_threshold filter needs metric, op and threshold (missing {missing})"
            )
    return out


def check_url(url: object, what: str) -> str:
    """An http(s) URL with a host, at most :data:`MAX_URL` characters."""
    if not isinstance(url, str) or len(url) > MAX_URL:
        raise InvalidInputError(f"{what} must be an http(s) URL of at most {MAX_URL} characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(f"{what} must be an http:// or https:// URL with a host")
    return url


def matches(filter_: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """Whether every key of the filter equals the event's fact of that name."""
    return all(facts.get(key) == value for key, value in filter_.items())


def meets(filter_: Mapping[str, Any], value: Any) -> bool:
    """Whether a summary value meets a threshold filter (non-numbers never do)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    return OPS[filter_["op"]](float(value), float(filter_["threshold"]))


def crossed(filter_: Mapping[str, Any], before: Any, after: Any) -> bool:
    """Whether the metric went from not meeting the threshold to meeting it (a run whose
    metric stays above a threshold fires once, not at every summary update)."""
    return meets(filter_, after) and not meets(filter_, before)
