"""W&B's ``Api.runs(filters=..., order=...)`` as Cairn's runs filter tree and order.

The two languages are the same MongoDB-style tree (``cairn.server.query.filters``); what differs
is how W&B names fields: ``name`` is the run id and ``display_name`` its name, config keys may end
in ``.value`` (W&B keeps config as ``{"k": {"value": v}}``), and times are ISO 8601 strings where
Cairn compares seconds since the epoch. Operators pass through unchanged, so one Cairn does not
know is refused by Cairn's validator with its name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from cairn.errors import InvalidInputError

_RENAMED: Final = {
    "name": "id",  # W&B's run "name" is its id
    "display_name": "name",
    "displayName": "name",
}
_TIMES: Final = frozenset(
    {"created_at", "createdAt", "updated_at", "updatedAt", "heartbeat_at", "heartbeatAt"}
)
_LOGICAL: Final = frozenset({"$and", "$or"})


def cairn_key(key: str) -> str:
    """Cairn's field for a W&B filter or order key."""
    if key in _RENAMED:
        return _RENAMED[key]
    if key.startswith("config.") and key.endswith(".value") and len(key) > len("config..value"):
        return key.removesuffix(".value")
    return key


def cairn_filters(tree: object) -> object:
    """The W&B filter tree with Cairn's field names and times (the validator checks the rest)."""
    if isinstance(tree, list):
        return [cairn_filters(item) for item in tree]
    if not isinstance(tree, dict):
        return tree
    parts: list[tuple[str, Any]] = []
    for key, value in tree.items():
        if not isinstance(key, str) or key.startswith("$"):
            parts.append((key, cairn_filters(value) if key in _LOGICAL or key == "$not" else value))
        else:
            parts.append((cairn_key(key), _times(value, key) if key in _TIMES else value))
    if len({key for key, _ in parts}) == len(parts):
        return dict(parts)
    # two W&B keys naming one Cairn field ("name" and "id"): both must hold
    return {"$and": [{key: value} for key, value in parts]}


def cairn_order(order: str | None) -> str:
    """Cairn's order for W&B's (``+created_at`` by default; ``-summary_metrics.loss``)."""
    order = order or "+created_at"
    sign = order[0] if order[0] in "+-" else "+"
    return sign + cairn_key(order.lstrip("+-"))


def _times(value: object, key: str) -> object:
    """Operands of a time field as epoch seconds (ISO 8601 strings are converted)."""
    if isinstance(value, dict):
        return {op: _times(operand, f"{key}.{op}") for op, operand in value.items()}
    if isinstance(value, list):
        return [_times(item, key) for item in value]
    if isinstance(value, str):
        return epoch_seconds(value, key)
    return value


def epoch_seconds(text: str, where: str) -> float:
    """An ISO 8601 time as seconds since the epoch (a time without a zone is UTC, as W&B's)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(
            f"filter.{where}: {text[:40]!r} is not an ISO 8601 time such as 2024-05-01T12:00:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def iso_time(seconds: float) -> str:
    """A time as W&B's GraphQL gives one: ISO 8601 in UTC, to the second, without a zone."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
