"""Parts of W&B's protobuf records as plain values: items, times, environment, metric rules,
and raw console output assembled into lines. The messages are wandb's (``wandb_internal_pb2``),
read field by field, so this module imports nothing of wandb itself."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from cairn.compat.wandb_rows import ConsoleLine
from cairn.errors import InvalidInputError
from cairn.sdk.metrics import Definitions, MetricRule

MAX_LINE_CHARS: Final = 16384
"""A console line's longest text, as the SDK's own capture cuts it."""
_STDERR: Final = 0  # OutputRawRecord.OutputType: STDERR = 0, STDOUT = 1
_GOALS: Final = {1: "minimize", 2: "maximize"}  # MetricRecord.MetricGoal


def item_path(item: Any) -> list[str]:
    """An item's key as a path: ``key``, else its ``nested_key`` parts."""
    return [item.key] if item.key else list(item.nested_key)


def item_value(item: Any) -> Any:
    """An item's value (JSON; bare ``NaN``/``Infinity`` tokens are numbers)."""
    return json.loads(item.value_json)


def set_path(target: dict[str, Any], path: list[str], value: Any) -> None:
    """``target[a][b]... = value``, making the dicts on the way (replacing non-dicts)."""
    if not path:
        return
    for part in path[:-1]:
        inner = target.get(part)
        if not isinstance(inner, dict):
            inner = target[part] = {}
        target = inner
    target[path[-1]] = value


def remove_path(target: dict[str, Any], path: list[str]) -> None:
    """Delete ``target[a][b]...`` if it is there."""
    for part in path[:-1]:
        inner = target.get(part)
        if not isinstance(inner, dict):
            return
        target = inner
    if path:
        target.pop(path[-1], None)


def apply_items(target: dict[str, Any], updates: Iterable[Any], removes: Iterable[Any]) -> int:
    """Apply a config or summary record's updates and removes; returns how many items were
    unreadable (not JSON) and so skipped."""
    items = list(updates)
    values = _values(items)
    for item, value in zip(items, values, strict=True):
        if value is not _UNREADABLE:
            set_path(target, item_path(item), value)
    for item in removes:
        remove_path(target, item_path(item))
    return sum(value is _UNREADABLE for value in values)


_UNREADABLE: Final = object()


def _values(items: list[Any]) -> list[Any]:
    """Each item's value; one JSON parse for the lot (a row's items are many small values)."""
    try:
        values = json.loads("[" + ",".join(item.value_json for item in items) + "]")
    except ValueError:
        values = None
    if isinstance(values, list) and len(values) == len(items):
        return values
    out = []
    for item in items:
        try:
            out.append(item_value(item))
        except ValueError:
            out.append(_UNREADABLE)
    return out


def nested(items: Iterable[Any]) -> tuple[dict[str, Any], int]:
    """A history or stats record's items as one (nested) dict, and how many were unreadable."""
    row: dict[str, Any] = {}
    return row, apply_items(row, items, ())


def seconds(stamp: Any) -> float | None:
    """A protobuf ``Timestamp`` as seconds since the epoch; None when unset."""
    value = float(stamp.seconds) + stamp.nanos / 1e9
    return value if value > 0 and math.isfinite(value) else None


def git_of(message: Any) -> dict[str, Any]:
    """``{remote, commit}`` from a record's ``git`` field (empty when it has none)."""
    git = message.git
    out = {"remote": str(git.remote_url), "commit": str(git.commit)}
    return {k: v for k, v in out.items() if v}


def environment_meta(env: Any) -> dict[str, Any]:
    """An ``environment`` record (W&B's ``wandb-metadata.json``) in the keys of Cairn's own
    ``meta``; what is unset (or unknown to the installed wandb's protobufs) is left out, and
    the e-mail address always."""
    implementation, _, version = str(_field(env, "python")).partition(" ")
    meta: dict[str, Any] = {
        "program": _field(env, "program"),
        "code_path": _field(env, "code_path"),
        "argv": list(_field(env, "args") or ()),
        "cwd": _field(env, "root"),
        "executable": _field(env, "executable"),
        "os": _field(env, "os"),
        "python_implementation": implementation if version else "",
        "python_version": version or implementation,
        "hostname": _field(env, "host"),
        "username": _field(env, "username"),
        "cpu_count": _field(env, "cpu_count_logical"),
        "cpu_count_physical": _field(env, "cpu_count"),
        "cpu_model": _field(env, "cpu", "model"),
        "memory_total_bytes": _field(env, "memory", "total"),
        "gpu_count": _field(env, "gpu_count"),
        "gpu_models": [str(gpu.name) for gpu in _field(env, "gpu_nvidia") or () if gpu.name],
    }
    return {k: v for k, v in meta.items() if v not in ("", 0, [], None)}


def _field(message: Any, *names: str) -> Any:
    """``message.a.b``; None when a wandb version's message has no such field."""
    for name in names:
        message = getattr(message, name, None)
        if message is None:
            return None
    return message


@dataclass
class MetricRules:
    """W&B's ``define_metric`` records as Cairn's rules (``meta["metrics"]``), merged as both
    merge them; a definition Cairn refuses is left out and said why."""

    definitions: Definitions = field(default_factory=Definitions)
    rules: dict[str, MetricRule] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)

    def add(self, metric: Any) -> None:
        """Merge one ``metric`` record."""
        name = str(metric.glob_name or metric.name)
        step_metric = str(metric.step_metric) or None
        summary: str | None = None
        goal = _GOALS.get(int(metric.goal))
        if metric.HasField("summary"):
            modes = [f.name for f, on in metric.summary.ListFields() if on]
            modes = ["last" if m == "copy" else m for m in modes]
            if goal is None:
                modes = [m for m in modes if m != "best"]
            summary = ",".join(dict.fromkeys(modes)) or None
        try:
            rule = self.definitions.define(
                name,
                step_metric=step_metric,
                summary=summary,
                goal=goal,
                hidden=True if metric.options.hidden else None,
                step_sync=bool(metric.options.step_sync) if step_metric else None,
                overwrite=bool(metric._control.overwrite),
            )
        except InvalidInputError as exc:
            self.refused.append(f"define_metric({name!r}) left out: {exc.message}")
            return
        self.rules.pop(name, None)  # a redefined rule moves to the end, as the SDK keeps them
        self.rules[name] = rule

    def wire(self) -> list[dict[str, Any]]:
        """The rules as recorded in ``meta["metrics"]``, the one (re)defined last last."""
        return [rule.wire() for rule in self.rules.values()]


class ConsoleLines:
    """Raw console output (``output_raw`` records: pieces of text) as lines per stream.

    A carriage return starts the line over, as a terminal shows it: a progress bar becomes its
    last frame. Each line takes the time of its first piece.
    """

    def __init__(self) -> None:
        self._open: dict[str, tuple[float, list[str]]] = {}

    def feed(self, output_type: int, time: float, text: str) -> Iterator[ConsoleLine]:
        """Take one piece of ``stdout``/``stderr``; the lines it completes."""
        stream = "stderr" if output_type == _STDERR else "stdout"
        pieces = text.split("\n")
        for piece in pieces[:-1]:
            started, parts = self._open.pop(stream, (time, []))
            yield ConsoleLine(stream, started, _shown([*parts, piece]))
        if pieces[-1]:
            started, parts = self._open.get(stream, (time, []))
            parts.append(pieces[-1])
            self._open[stream] = (started, parts)

    def finish(self) -> Iterator[ConsoleLine]:
        """The lines left without a newline at the end."""
        for stream, (started, parts) in sorted(self._open.items()):
            yield ConsoleLine(stream, started, _shown(parts))
        self._open.clear()


def _shown(parts: list[str]) -> str:
    """What a terminal shows of a line: the text after its last carriage return, cut long."""
    frames = [frame for frame in "".join(parts).split("\r") if frame]
    text = frames[-1] if frames else ""
    if len(text) > MAX_LINE_CHARS:
        over = len(text) - MAX_LINE_CHARS
        text = f"{text[:MAX_LINE_CHARS]} [... {over} more characters truncated]"
    return text
