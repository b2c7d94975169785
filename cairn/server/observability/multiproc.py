"""Multi-process metrics (``--workers N``): the shared directory's life and who reads it.

prometheus_client decides at import whether values live in memory or in files, from the
``PROMETHEUS_MULTIPROC_DIR`` variable; ``cairn server`` sets it for its workers. Each live
server gets its own directory, emptied at start and removed at exit.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
from pathlib import Path

import psutil

ENV_VAR = "PROMETHEUS_MULTIPROC_DIR"
_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db")


def multiprocess_dir() -> Path | None:
    """The directory workers write metrics to, if this process runs in multi-process mode."""
    # The library reads the same variable itself; reading it here keeps the two in step.
    value = os.environ.get(ENV_VAR)
    return Path(value) if value else None


def _host_tag() -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname()) or "host"


def prepare_dir(data_dir: Path, pid: int | None = None) -> Path:
    """An empty metrics directory for the server process ``pid`` (stale ones of dead servers go)."""
    pid = os.getpid() if pid is None else pid
    parent = data_dir / "metrics"
    parent.mkdir(parents=True, exist_ok=True)
    prefix = f"{_host_tag()}-"
    for entry in parent.iterdir():
        # Only this host's directories: another host sharing the data dir has its own pids.
        rest = entry.name.removeprefix(prefix)
        if rest != entry.name and rest.isdigit() and not psutil.pid_exists(int(rest)):
            shutil.rmtree(entry, ignore_errors=True)
    path = parent / f"{prefix}{pid}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir()
    return path


def reap_dead_workers(path: Path) -> list[int]:
    """Drop the live gauges of workers that died (uvicorn restarts them with new pids)."""
    from prometheus_client import multiprocess

    dead = set()
    for entry in path.iterdir():
        match = _LIVE_GAUGE_FILE.fullmatch(entry.name)
        if match and not psutil.pid_exists(int(match.group(1))):
            dead.add(int(match.group(1)))
    for pid in dead:
        multiprocess.mark_process_dead(pid, str(path))  # type: ignore[no-untyped-call]
    return sorted(dead)
