"""W&B's history, events, summary, config and console shapes as Cairn's; pure, no I/O.

Shared by the server's W&B surface (``file_stream``) and ``cairn import wandb``, so a run reads
the same in Cairn whichever way it arrived (design 0016).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from cairn.errors import InvalidInputError

ROW_KEYS: Final = frozenset({"_step", "_timestamp", "_runtime", "_wandb"})
"""Keys the W&B client adds to every history row and summary: step, time, runtime, private."""

SUMMARY_MODES: Final = frozenset({"min", "max", "mean", "first", "last", "best", "copy"})

_SYSTEM_NAMES: Final = {
    "cpu": "cpu.percent",
    "memory_percent": "memory.percent",
    "proc.memory.rssMB": "proc.memory.rss_mb",
    "proc.memory.percent": "proc.memory.percent",
    "proc.memory.availableMB": "memory.available_mb",
    "proc.cpu.threads": "proc.cpu.threads",
    "disk./.usagePercent": "disk.percent",
    "disk./.usageGB": "disk.used_gb",
    "network.sent": "network.sent_bytes",
    "network.recv": "network.recv_bytes",
}
"""W&B system metric names whose Cairn twin has another name (the rest keep theirs)."""
_GPU_NAMES: Final = {
    "gpu": "utilization",
    "memory": "memory_percent",
    "memoryAllocated": "memory_allocated_percent",
    "memoryAllocatedBytes": "memory_allocated_bytes",
    "temp": "temperature_c",
    "powerWatts": "power_w",
    "powerPercent": "power_percent",
}
_GPU_KEY: Final = re.compile(r"^gpu\.(process\.)?(\d+)\.(.+)$")
_CONSOLE_PREFIX: Final = re.compile(r"^(ERROR )?(\d{4}-\d\d-\d\dT[0-9:.]+Z?) ?")


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One W&B history row: its step and time, its numbers and its other values."""

    step: int
    time: float
    numbers: dict[str, float]
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ConsoleLine:
    """One ``output.log`` line: which stream, when (None when it carries no time), its text."""

    stream: str
    time: float | None
    text: str


def parse_line(line: object, what: str) -> dict[str, Any]:
    """A JSON line of a W&B file as a dict; bare ``NaN``/``Infinity`` tokens are numbers."""
    if not isinstance(line, str):
        raise InvalidInputError(f"{what}: each line must be a JSON string, got {line!r:.60}")
    try:
        value = json.loads(line)
    except ValueError as exc:
        raise InvalidInputError(f"{what}: a line is not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise InvalidInputError(f"{what}: each line must be a JSON object, got {line[:60]!r}")
    return value


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts become ``a/b`` keys; a media reference (a dict with ``_type``) stays whole."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and "_type" not in value and value:
            out.update(flatten(value, name + "/"))
        else:
            out[name] = value
    return out


def history_row(row: Mapping[str, Any], default_step: int, default_time: float) -> HistoryRow:
    """Split a W&B history row; ``_step``/``_timestamp`` give its step and time when present."""
    step = _step_of(row.get("_step"), default_step)
    time = _time_of(row.get("_timestamp"), default_time)
    numbers: dict[str, float] = {}
    values: dict[str, Any] = {}
    for key, value in flatten({k: v for k, v in row.items() if k not in ROW_KEYS}).items():
        if isinstance(value, bool | int | float):
            numbers[key] = float(value)
        else:
            values[key] = value
    return HistoryRow(step=step, time=time, numbers=numbers, values=values)


def system_row(row: Mapping[str, Any], default_time: float) -> tuple[float, dict[str, float]]:
    """A W&B events row as (time, Cairn system series): ``system.cpu`` → ``system/cpu.percent``."""
    time = _time_of(row.get("_timestamp"), default_time)
    out: dict[str, float] = {}
    for key, value in row.items():
        if key in ROW_KEYS or not _is_number(value):
            continue
        out[system_key(key)] = float(value)
    return time, out


def system_key(wandb_key: str) -> str:
    """Cairn's name for a W&B system metric (``system.`` prefix optional)."""
    name = wandb_key.removeprefix("system.")
    gpu = _GPU_KEY.match(name)
    if gpu:
        process, index, metric = gpu.groups()
        scope = "gpu.process" if process else "gpu"
        return f"system/{scope}.{index}.{_GPU_NAMES.get(metric, metric)}"
    return "system/" + _SYSTEM_NAMES.get(name, name)


def summary_values(summary: Mapping[str, Any]) -> dict[str, Any]:
    """A W&B summary as Cairn's: private keys dropped, nested dicts as ``a/b`` keys (as in
    history), one-mode metric dicts as plain values.

    W&B keeps ``define_metric(summary="min")`` as ``{"min": v}``; Cairn keeps a one-mode summary
    as the value itself (and several modes as the dict), so both clients' runs read alike. A
    media reference (a dict with ``_type``) stays whole.
    """
    out: dict[str, Any] = {}
    for key, value in summary.items():
        if key not in ROW_KEYS:
            _summary_into(out, key, value)
    return out


def _summary_into(out: dict[str, Any], key: str, value: Any) -> None:
    if not isinstance(value, Mapping) or not value or "_type" in value:
        out[key] = value
    elif all(mode in SUMMARY_MODES and _is_number(v) for mode, v in value.items()):
        out[key] = next(iter(value.values())) if len(value) == 1 else dict(value)
    else:
        for inner_key, inner in value.items():
            _summary_into(out, f"{key}/{inner_key}", inner)


def unwrap_config(config: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
    """``{"k": {"value": v}}`` → ``{"k": v}``, and the ``_wandb`` private part apart (or None).

    An entry without the ``value`` wrapper (a hand-made config) is taken as it is.
    """
    values: dict[str, Any] = {}
    private: Any = None
    for key, entry in config.items():
        value = entry["value"] if isinstance(entry, Mapping) and "value" in entry else entry
        if key == "_wandb":
            private = value
        else:
            values[key] = value
    return values, private


def console_line(raw: str) -> ConsoleLine:
    """An ``output.log`` line: ``"<ISO ts> text"`` (stdout) or ``"ERROR <ts> text"`` (stderr);
    a structured (JSON) line ``{"level", "ts", "content"}`` too."""
    if raw.startswith("{"):
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get("content"), str):
            level = str(parsed.get("level", "")).lower()
            return ConsoleLine(
                stream="stderr" if level == "error" else "stdout",
                time=_iso_time(str(parsed.get("ts", ""))),
                text=parsed["content"],
            )
    match = _CONSOLE_PREFIX.match(raw)
    if not match:
        return ConsoleLine(stream="stdout", time=None, text=raw)
    return ConsoleLine(
        stream="stderr" if match.group(1) else "stdout",
        time=_iso_time(match.group(2)),
        text=raw[match.end() :],
    )


def _iso_time(text: str) -> float | None:
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:  # the W&B client writes UTC without a zone
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


def _time_of(value: object, default: float) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return default


def _step_of(value: object, default: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    return default


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
