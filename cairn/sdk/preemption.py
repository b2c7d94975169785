"""Preemption (SLURM, Kubernetes, spot machines): on SIGTERM the open runs end ``killed`` with
``meta.stop_reason = "preempted"`` before the process goes, not ``crashed`` minutes later.

What the handler does depends on the handler it replaced:

* none (the default action, the process dies): each open run flushes and finishes, its upload
  waiting at most :data:`FINISH_TIMEOUT_S` in all (Kubernetes and SLURM give 30 s by default
  before SIGKILL); then SIGTERM is delivered again with the default action, so the process ends
  as it would have (status 143, no ``finally`` blocks, no atexit).
* a Python handler of the program's (a framework saving a checkpoint, a SLURM requeue): the
  runs are marked preempting (flushed, ``meta.preempting``) and that handler runs; the runs then
  end ``killed``/``preempted`` whenever the program finishes them (or at exit).
* SIGTERM ignored, or set outside Python: nothing is installed.

A preempted run resumes like any other: ``cairn.init(id=..., resume="allow")``.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cairn.sdk.run import Run

log = logging.getLogger("cairn")

PREEMPTED = "preempted"
"""``meta.stop_reason`` of a run ended by SIGTERM or marked with ``run.mark_preempting()``."""

EXIT_CODE = 128 + signal.SIGTERM
"""The exit code recorded for a run ended by SIGTERM (what a shell reports: 143)."""

FINISH_TIMEOUT_S = 20.0
"""How long the handler waits, for all open runs together, for their uploads."""

_LOCK_WAIT_S = 1.0

_lock = threading.Lock()
_installed: dict[str, Any] = {"handler": None}


def install(open_runs: Callable[[], list[Run]]) -> bool:
    """Handle SIGTERM for the runs ``open_runs()`` gives, chaining the handler found; False
    where nothing was installed (not the main thread, SIGTERM ignored or set outside Python).
    Installing again while ours is in place does nothing."""
    if threading.current_thread() is not threading.main_thread():
        return False
    with _lock:
        previous = signal.getsignal(signal.SIGTERM)
        if previous is not None and previous is _installed["handler"]:
            return True
        if previous is None or previous == signal.SIG_IGN:
            return False

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            handle_sigterm(open_runs(), previous, signum, frame)

        signal.signal(signal.SIGTERM, on_sigterm)
        _installed["handler"] = on_sigterm
        return True


def handle_sigterm(runs: list[Run], previous: Any, signum: int, frame: FrameType | None) -> None:
    """End or mark ``runs`` as the module docstring says, then pass the signal on."""
    if callable(previous):
        for run in runs:
            mark_preempting(run)
        previous(signum, frame)
        return
    deadline = time.monotonic() + FINISH_TIMEOUT_S
    for run in runs:
        end_preempted(run, max(1.0, deadline - time.monotonic()))
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def end_preempted(run: Run, timeout_s: float) -> None:
    """Finish ``run`` as ``killed`` with ``meta.stop_reason = "preempted"`` (unless it was
    already asked to stop for another reason), its upload waiting at most ``timeout_s``."""
    # The signal may have interrupted the main thread inside finish(): its lock is then held by
    # this very thread, and that finish() (which now sees the reason) ends the run.
    if not run._lock.acquire(timeout=_LOCK_WAIT_S):
        run._stop_reason = run._stop_reason or PREEMPTED
        return
    try:
        if run.finished:
            return
        run._stop_reason = run._stop_reason or PREEMPTED
    finally:
        run._lock.release()
    log.warning("cairn: SIGTERM: ending run %s as preempted", run.path)
    run.finish(exit_code=EXIT_CODE, timeout_s=timeout_s)


def mark_preempting(run: Run, timeout_s: float = 5.0) -> None:
    """Record now that ``run`` is being preempted (``meta.preempting``) and flush it to the
    run log; the run ends ``killed`` with ``meta.stop_reason = "preempted"`` when finished, and
    ``run.should_stop`` turns True."""
    with run._lock:
        if run.finished:
            return
        run._stop_reason = run._stop_reason or PREEMPTED
    run.update_run(meta={**run._meta_sent, "preempting": True})
    run.flush(timeout_s)
