"""Run a script with the real ``wandb`` client offline and read back what it recorded.

wandb 0.31 writes an offline run only into its ``run-<id>.wandb`` transaction log (no
``files/wandb-summary.json`` offline) and no longer ships a Python reader for it (its Go core
writes it); Cairn's own reader (``cairn.compat.wandb_log``, which ``cairn import wandb`` uses)
reads it here. What is made of the records here is this test's own reading, kept apart from the
importer's so each checks the other.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cairn.compat.wandb_log import Damage, read_records


@dataclass
class WandbRun:
    """What an offline wandb run recorded: rows by step, the final summary, the metric rules,
    and (when asked for) its console output and system samples."""

    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    output: list[tuple[str, str]] = field(default_factory=list)
    """(``stdout`` or ``stderr``, raw text) of each ``output_raw`` record."""
    stats: list[dict[str, Any]] = field(default_factory=list)
    """Each system sample: ``_timestamp`` and the W&B keys."""
    start_time: float = 0.0
    log: Path | None = None


def _key(item: Any) -> str:
    return str(item.key) if item.key else "/".join(item.nested_key)


def read_run(path: Path) -> WandbRun:
    """Rows (logged keys only, no ``_step``/``_runtime``/``_timestamp``), the summary after
    the last update, and each metric's rule merged as wandb merges ``define_metric`` calls."""
    run = WandbRun(log=path)
    damage = Damage()
    for record in read_records(path, damage):
        kind = record.WhichOneof("record_type")
        if kind == "history":
            values = {_key(i): json.loads(i.value_json) for i in record.history.item}
            run.rows[record.history.step.num] = {
                k: v for k, v in values.items() if not k.startswith("_")
            }
        elif kind == "summary":
            for item in record.summary.update:
                run.summary[_key(item)] = json.loads(item.value_json)
            for item in record.summary.remove:
                run.summary.pop(_key(item), None)
        elif kind == "metric":
            metric = record.metric
            name = metric.glob_name or metric.name
            rule = run.rules.get(name) if not metric._control.overwrite else None
            rule = dict(rule or {"step_metric": None, "summary": [], "hidden": False,
                                 "step_sync": False})  # fmt: skip
            if metric.step_metric:
                rule["step_metric"] = metric.step_metric
                rule["step_sync"] = metric.options.step_sync
            if metric.HasField("summary"):
                rule["summary"] = sorted(f.name for f, on in metric.summary.ListFields() if on)
            rule["hidden"] = rule["hidden"] or metric.options.hidden
            run.rules[name] = rule
        elif kind == "output_raw":
            stream = "stdout" if record.output_raw.output_type == 1 else "stderr"
            run.output.append((stream, record.output_raw.line))
        elif kind == "stats":
            stamp = record.stats.timestamp
            sample = {i.key: json.loads(i.value_json) for i in record.stats.item}
            run.stats.append({"_timestamp": stamp.seconds + stamp.nanos / 1e9, **sample})
        elif kind == "run" and not run.start_time:
            stamp = record.run.start_time
            run.start_time = stamp.seconds + stamp.nanos / 1e9
    assert not damage, f"{path} is damaged: {damage}"
    run.summary = {k: v for k, v in run.summary.items() if not k.startswith("_")}
    return run


def run_offline(script: Path, root: Path, *, everything: bool = False) -> WandbRun:
    """Run ``script`` (which calls ``wandb.init``) offline in a subprocess under ``root``: no
    network, no git or code capture; console capture, system metrics (sampled every 0.2 s)
    and the environment only with ``everything``; what it recorded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB")}
    env.update(
        WANDB_MODE="offline", WANDB_SILENT="true", WANDB_DIR=str(root),
        WANDB_CONFIG_DIR=str(root / "config"), WANDB_CACHE_DIR=str(root / "cache"),
        WANDB_DATA_DIR=str(root / "data"), WANDB_DISABLE_GIT="true",
        WANDB_DISABLE_CODE="true", WANDB_CONSOLE="off", WANDB_ERROR_REPORTING="false",
        WANDB_X_DISABLE_STATS="true", WANDB_X_DISABLE_META="true",
    )  # fmt: skip
    if everything:
        env.update(WANDB_CONSOLE="wrap", WANDB_X_DISABLE_STATS="false",
                   WANDB_X_STATS_SAMPLING_INTERVAL="0.2", WANDB_X_DISABLE_META="false")  # fmt: skip
    root.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [sys.executable, str(script)], cwd=root, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    (log,) = root.glob("wandb/offline-run-*/run-*.wandb")
    return read_run(log)
