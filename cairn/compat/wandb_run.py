"""A local W&B run directory read for import: run-level facts first, then its rows as Cairn's.

Two passes over the ``.wandb`` log keep memory flat for long runs: :func:`scan` gathers what a
run is (identity, fields, config, environment, metric rules, the final summary, how it ended);
:func:`rows` then streams its history rows, system samples and console lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cairn.compat.wandb_log import Damage, read_records
from cairn.compat.wandb_proto import (
    ConsoleLines,
    MetricRules,
    apply_items,
    environment_meta,
    git_of,
    nested,
    seconds,
)
from cairn.compat.wandb_rows import ConsoleLine, HistoryRow, history_row, system_row
from cairn.errors import InvalidInputError

LOG_GLOB = "run-*.wandb"
_DIR_PREFIX = re.compile(r"^(offline-)?run-")


@dataclass(frozen=True, slots=True)
class SystemRow:
    """One sample of system metrics, as Cairn's ``system/...`` series."""

    time: float
    values: dict[str, float]


Row = HistoryRow | SystemRow | ConsoleLine


@dataclass
class WandbRun:
    """What one ``.wandb`` log says about its run, as far as :func:`scan` read it."""

    log: Path
    run_id: str = ""
    entity: str = ""
    project: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    """Cairn run fields: name, notes, tags, group, job_type, host, git."""
    created_at: float | None = None
    resumed: bool = False
    config: dict[str, Any] = field(default_factory=dict)
    private: Any = None
    """The config's ``_wandb`` part (telemetry, metric definitions): Cairn's ``meta["wandb"]``."""
    meta: dict[str, Any] = field(default_factory=dict)
    """The environment (W&B's ``wandb-metadata.json``) in the keys of Cairn's ``meta``."""
    rules: MetricRules = field(default_factory=MetricRules)
    summary: dict[str, Any] = field(default_factory=dict)
    """W&B's summary after its last update, nested as W&B keeps it."""
    exited: bool = False
    exit_code: int | None = None
    runtime: float | None = None
    version: str = ""
    """The wandb version that wrote the log."""
    damage: Damage = field(default_factory=Damage)
    bad_items: int = 0
    """Items whose value is not JSON (skipped), in :func:`scan` and :func:`rows` together."""

    @property
    def directory(self) -> Path:
        """The run directory (holding ``files/``)."""
        return self.log.parent


def find_logs(root: Path) -> list[Path]:
    """The ``.wandb`` logs in ``root`` (a run directory, a folder of them such as ``./wandb``,
    or one ``.wandb`` file), oldest run first; InvalidInputError when there are none."""
    if root.is_file():
        if root.suffix == ".wandb":
            return [root]
        raise InvalidInputError(f"{root} is neither a W&B run directory nor a .wandb file")
    if not root.is_dir():
        raise InvalidInputError(f"{root} does not exist: name a W&B run directory or ./wandb")
    found: dict[Path, Path] = {}
    for log in sorted(root.rglob(LOG_GLOB)):
        if log.is_file():
            found.setdefault(log.resolve(), log)
    if not found:
        raise InvalidInputError(
            f"no W&B runs in {root}: expected run-*/ or offline-run-*/ folders holding a "
            "run-<id>.wandb file (W&B writes them under ./wandb)"
        )
    return sorted(found.values(), key=lambda p: (_DIR_PREFIX.sub("", p.parent.name), str(p)))


def scan(log: Path) -> WandbRun:
    """Read the run-level facts of ``log``; unreadable parts are counted in ``run.damage``."""
    run = WandbRun(log=log)
    config: dict[str, Any] = {}
    for record in read_records(log, run.damage):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            run.bad_items += _take_run(run, record.run, config)
        elif kind == "config":
            run.bad_items += apply_items(config, record.config.update, record.config.remove)
        elif kind == "summary":
            run.bad_items += apply_items(run.summary, record.summary.update, record.summary.remove)
        elif kind == "environment":
            run.meta.update(environment_meta(record.environment))
            run.fields.setdefault("git", git_of(record.environment) or None)
        elif kind == "metric":
            run.rules.add(record.metric)
        elif kind == "exit":
            run.exited, run.exit_code = True, int(record.exit.exit_code)
            run.runtime = float(record.exit.runtime)
        elif kind == "header":
            run.version = str(record.header.version_info.producer).split("+")[0]
    run.private = config.pop("_wandb", None)
    run.config = config
    if not run.fields.get("git"):
        run.fields.pop("git", None)
    if run.runtime is None:
        private = run.summary.get("_wandb")
        runtime = private.get("runtime") if isinstance(private, dict) else None
        if isinstance(runtime, int | float) and not isinstance(runtime, bool):
            run.runtime = float(runtime)
    return run


def _take_run(run: WandbRun, record: Any, config: dict[str, Any]) -> int:
    """Take a ``run`` record (W&B writes one at start and again on each change of the run)."""
    run.run_id = str(record.run_id) or run.run_id
    run.entity = str(record.entity) or run.entity
    run.project = str(record.project) or run.project
    for name, value in (("name", record.display_name), ("notes", record.notes),
                        ("group", record.run_group), ("job_type", record.job_type),
                        ("host", record.host)):  # fmt: skip
        if value:
            run.fields[name] = str(value)
    if record.tags:
        run.fields["tags"] = [str(tag) for tag in record.tags]
    git = git_of(record)
    if git:
        run.fields["git"] = git
    if run.created_at is None:
        run.created_at = seconds(record.start_time)
    run.resumed = run.resumed or bool(record.resumed)
    return apply_items(config, record.config.update, record.config.remove)


def rows(run: WandbRun) -> Iterator[Row]:
    """The run's history rows, system samples and console lines, in the log's order.

    A row without its own time takes the last time seen (the run's start at first).
    """
    console = ConsoleLines()
    last = run.created_at or 0.0
    for record in read_records(run.log, Damage()):  # damage was counted by scan()
        kind = record.WhichOneof("record_type")
        if kind == "history":
            values, bad = nested(record.history.item)
            run.bad_items += bad
            row = history_row(values, int(record.history.step.num), last)
            last = max(last, row.time)
            yield row
        elif kind == "stats":
            values, bad = nested(record.stats.item)
            run.bad_items += bad
            time, system = system_row(values, seconds(record.stats.timestamp) or last)
            last = max(last, time)
            if system:
                yield SystemRow(time, system)
        elif kind in ("output_raw", "output"):  # "output": wandb before 0.12 wrote whole lines
            output = getattr(record, kind)
            time = seconds(output.timestamp) or last
            last = max(last, time)
            yield from console.feed(int(output.output_type), time, str(output.line))
    yield from console.finish()
