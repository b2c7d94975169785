"""Starting and stopping what a run captures by itself, each part switchable in Settings."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cairn.sdk.capture.console import ConsoleCapture
    from cairn.sdk.capture.system import SystemMonitor
    from cairn.sdk.run import Run

log = logging.getLogger("cairn")


class Capture:
    """The running capture parts of one run."""

    def __init__(self) -> None:
        self.console: ConsoleCapture | None = None
        self.system: SystemMonitor | None = None
        self._metadata: threading.Thread | None = None

    def start(self, run: Run) -> None:
        """Start console, system metrics and (in the background) git/environment capture."""
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
        if settings.capture_git or settings.capture_environment:
            # Package metadata takes ~170 ms to read: never on init()'s path.
            self._metadata = threading.Thread(
                target=_collect_metadata, args=(run, Path.cwd()), name="cairn-meta", daemon=True
            )
            self._metadata.start()

    def stop(self) -> None:
        """Stop everything; output printed afterwards is no longer recorded."""
        if self._metadata is not None:
            self._metadata.join(timeout=10)
        if self.system is not None:
            self.system.stop()
        if self.console is not None:
            self.console.stop()


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


def _collect_metadata(run: Run, cwd: Path) -> None:
    settings = run.settings
    fields: dict[str, Any] = {}
    try:
        if settings.capture_git:
            from cairn.sdk.capture.git import collect_git, git_diff

            git = collect_git(cwd)
            if git is not None:
                fields["git"] = git
                # A clean tree has no diff: spare the second git process.
                if settings.capture_code_diff and git["dirty"]:
                    diff = git_diff(cwd)
                    if diff:
                        run.save_bytes("diff.patch", diff)
        if settings.capture_environment:
            fields["meta"] = dict(_environment())
        if fields:
            run.enqueue(("run", fields))
    except Exception:
        log.debug("capturing git/environment failed", exc_info=True)
