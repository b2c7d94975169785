"""Run a script with the real ``wandb`` client offline and read back what it recorded.

wandb 0.31 writes an offline run only into its ``run-<id>.wandb`` transaction log (no
``files/wandb-summary.json`` offline) and no longer ships a Python reader for it (its Go core
writes it). The log is LevelDB's log format under a 7-byte ``:W&B`` header: 32 KiB blocks of
chunks, each ``crc32 (4) | length (2, little-endian) | type (1: full, 2: first, 3: middle,
4: last)``; a record is one ``wandb_internal_pb2.Record``, parsed with wandb's own protobufs.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_BLOCK = 32 * 1024
_CHUNK_HEADER = 7
_FILE_HEADER = b":W&B"


@dataclass
class WandbRun:
    """What an offline wandb run recorded: rows by step, the final summary, the metric rules."""

    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)


def _records(path: Path) -> list[bytes]:
    data = path.read_bytes()
    assert data[:4] == _FILE_HEADER, f"not a wandb transaction log: {data[:7]!r}"
    out: list[bytes] = []
    pos, pending = 7, b""
    while pos + _CHUNK_HEADER <= len(data):
        left = _BLOCK - pos % _BLOCK
        if left < _CHUNK_HEADER:  # a block's tail too short for a chunk header is padding
            pos += left
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos : pos + _CHUNK_HEADER])
        if kind == 0:  # zero padding to the block's end
            pos += left
            continue
        chunk = data[pos + _CHUNK_HEADER : pos + _CHUNK_HEADER + length]
        pos += _CHUNK_HEADER + length
        assert kind in (1, 2, 3, 4), f"bad chunk type {kind} at {pos}"
        pending = chunk if kind in (1, 2) else pending + chunk
        if kind in (1, 4):
            out.append(pending)
    return out


def _key(item: Any) -> str:
    return str(item.key) if item.key else "/".join(item.nested_key)


def read_run(path: Path) -> WandbRun:
    """Rows (logged keys only, no ``_step``/``_runtime``/``_timestamp``), the summary after
    the last update, and each metric's rule merged as wandb merges ``define_metric`` calls."""
    from wandb.proto import wandb_internal_pb2 as pb

    run = WandbRun()
    for blob in _records(path):
        record = pb.Record()
        record.ParseFromString(blob)
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
    run.summary = {k: v for k, v in run.summary.items() if not k.startswith("_")}
    return run


def run_offline(script: Path, root: Path) -> WandbRun:
    """Run ``script`` (which calls ``wandb.init``) offline in a subprocess under ``root``: no
    network, no git or code capture, no system metrics; what it recorded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB")}
    env.update(
        WANDB_MODE="offline", WANDB_SILENT="true", WANDB_DIR=str(root),
        WANDB_CONFIG_DIR=str(root / "config"), WANDB_CACHE_DIR=str(root / "cache"),
        WANDB_DATA_DIR=str(root / "data"), WANDB_DISABLE_GIT="true",
        WANDB_DISABLE_CODE="true", WANDB_CONSOLE="off", WANDB_ERROR_REPORTING="false",
        WANDB_X_DISABLE_STATS="true", WANDB_X_DISABLE_META="true",
    )  # fmt: skip
    root.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [sys.executable, str(script)], cwd=root, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    (log,) = root.glob("wandb/offline-run-*/run-*.wandb")
    return read_run(log)
