"""Starting and stopping what a run captures by itself, each part switchable in Settings."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cairn.sdk.capture.console import ConsoleCapture
    from cairn.sdk.capture.system import SystemMonitor
    from cairn.sdk.run import Run
    from cairn.sdk.settings import Settings

log = logging.getLogger("cairn")


class Capture:
    """The running capture parts of one run.

    Git and environment state are read from the moment this is made, before the run exists
    (``init()`` makes it first), so a short run's ``finish()`` waits less for them.
    """

    def __init__(self, settings: Settings, cwd: Path) -> None:
        self.console: ConsoleCapture | None = None
        self.system: SystemMonitor | None = None
        self._run: Run | None = None
        self._attached = threading.Event()
        self._metadata: threading.Event | None = None
        if settings.capture_git or settings.capture_environment:
            # Package metadata takes tens of ms to read: never on init()'s path.
            done = self._metadata = threading.Event()

            def collect() -> None:
                try:
                    self._collect(settings, cwd)
                finally:
                    done.set()

            _in_background(collect)

    def start(self, run: Run) -> None:
        """Hand what was read to ``run``; start console and system-metrics capture."""
        self._run = run
        self._attached.set()
        settings = run.settings
        if settings.capture_console:
            from cairn.sdk.capture.console import ConsoleCapture

            def console_lines(stream: str, lines: list[str], at: float) -> None:
                run.enqueue(("console", stream, lines, at))

            self.console = ConsoleCapture(console_lines)
            self.console.start()
        if settings.capture_system:
            from cairn.sdk.capture.system import SystemMonitor

            def system_sample(at: float, values: dict[str, float]) -> None:
                run.enqueue(("system", at, values))

            self.system = SystemMonitor(system_sample, interval_s=settings.system_interval_s)
            self.system.start()

    def abandon(self) -> None:
        """The run was never made: let the reading thread end without handing anything over."""
        self._attached.set()

    def stop(self) -> None:
        """Stop everything; output printed afterwards is no longer recorded."""
        if self._metadata is not None:
            self._metadata.wait(timeout=10)
        if self.system is not None:
            self.system.stop()
        if self.console is not None:
            self.console.stop()

    def _collect(self, settings: Settings, cwd: Path) -> None:
        fields, diff = _read_metadata(settings, cwd)
        self._attached.wait(60)  # init() hands the run over right after making it
        run = self._run
        if run is None:
            return
        try:
            if diff:
                run.save_bytes("diff.patch", diff)
            if fields:
                run.enqueue(("run", fields))
        except Exception:
            log.debug("recording git/environment failed", exc_info=True)


Job = Callable[[], None]
_worker: tuple[threading.Thread, queue.SimpleQueue[Job]] | None = None
_worker_lock = threading.Lock()


def _forget_worker() -> None:
    """In a forked child: the parent's thread is not there, and its jobs are not the child's."""
    global _worker, _worker_lock
    _worker = None
    _worker_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_worker)


def _in_background(job: Job) -> None:
    """Run ``job`` on the process's one capture thread, started on first use.

    One thread for all the runs of a process: a thread started per run cost ``init()`` about
    a millisecond on a busy machine, waiting for it to be scheduled.
    """
    global _worker
    with _worker_lock:
        if _worker is None or not _worker[0].is_alive():
            jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
            thread = threading.Thread(target=_work, args=(jobs,), name="cairn-meta", daemon=True)
            thread.start()
            _worker = (thread, jobs)
        _worker[1].put(job)


def _work(jobs: queue.SimpleQueue[Job]) -> None:
    while True:
        job = jobs.get()
        try:
            job()
        except Exception:
            log.debug("a capture job failed", exc_info=True)


_environment_cache: dict[str, Any] = {}
_environment_lock = threading.Lock()


def _environment() -> dict[str, Any]:
    """The environment and installed packages, read once per process (~170 ms cold)."""
    with _environment_lock:
        if not _environment_cache:
            from cairn.sdk.capture.environment import collect_environment, installed_packages

            started = time.perf_counter()
            meta = collect_environment()
            meta["packages"] = installed_packages()
            meta["capture_s"] = round(time.perf_counter() - started, 3)
            _environment_cache.update(meta)
        return _environment_cache


def _read_metadata(settings: Settings, cwd: Path) -> tuple[dict[str, Any], bytes | None]:
    """(run fields: git and environment, the uncommitted diff) as the settings ask."""
    fields: dict[str, Any] = {}
    diff = None
    try:
        if settings.capture_git:
            from cairn.sdk.capture.git import collect_git, git_diff

            git = collect_git(cwd)
            if git is not None:
                fields["git"] = git
                # A clean tree has no diff: spare the second git process.
                if settings.capture_code_diff and git["dirty"]:
                    diff = git_diff(cwd)
        if settings.capture_environment:
            fields["meta"] = dict(_environment())
    except Exception:
        log.debug("capturing git/environment failed", exc_info=True)
    return fields, diff
