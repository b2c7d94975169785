"""What ``init(mode="disabled")`` returns: a :class:`Run` that records nothing."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn.sdk.config import Config
from cairn.sdk.metrics import Definitions, MetricRule
from cairn.sdk.run import Run
from cairn.sdk.setters import remember
from cairn.sdk.settings import Settings
from cairn.sdk.summary import Summary

if TYPE_CHECKING:
    from datetime import timedelta

    from cairn.sdk.capturing import Capture


class DisabledRun(Run):
    """What ``init(mode="disabled")`` returns: the same API, recording nothing, no files."""

    def __init__(
        self, settings: Settings, *, entity: str, project: str, run_id: str, name: str
    ) -> None:
        self.settings = settings
        self.entity, self.project, self.id = entity, project, run_id
        self._run_fields = {"name": name}
        self._step = 0
        self._finished = False
        self._lock = threading.Lock()
        self.created_at = time.time()
        self.dir = settings.run_root / f"disabled-{run_id}"
        self.config = Config(lambda changed: None)
        self.summary = Summary(lambda values, removed: None)
        self._capture = None
        self._stop_reason = None

    def start_capture(self, capture: Capture | None = None) -> None:
        """Nothing is captured."""

    def log(
        self, data: dict[str, Any], step: int | None = None, commit: bool | None = None
    ) -> None:
        """Accepted and dropped."""
        if step is not None:
            self._step = max(self._step, step)
        elif commit is not False:
            self._step += 1

    def define_metric(
        self,
        name: str,
        step_metric: str | None = None,
        step_sync: bool | None = None,
        hidden: bool | None = None,
        summary: str | None = None,
        goal: str | None = None,
        overwrite: bool | None = None,
    ) -> MetricRule:
        """Validated, then ignored."""
        return Definitions().define(name, step_metric, summary, goal, hidden, step_sync)

    def update_run(self, **fields: Any) -> None:
        """Only remembered (``run.name`` and the like read it back)."""
        remember(self._run_fields, fields)

    def alert(
        self,
        title: str,
        text: str,
        level: str | None = None,
        wait_duration: float | timedelta | None = None,
    ) -> None:
        """Ignored."""

    def mark_preempting(self) -> None:
        """Ignored."""

    def save(
        self, glob_str: str, base_path: str | Path | None = None, policy: str = "live"
    ) -> list[str]:
        """Nothing is saved."""
        return []

    def log_code(self, root: str | Path = ".", include_fn: Any = None) -> list[str]:
        """Nothing is saved."""
        return []

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Nothing to flush."""
        return True

    def finish(
        self,
        exit_code: int | None = None,
        timeout_s: float | None = None,
        *,
        killed: bool = False,
    ) -> None:
        """Marks the run finished."""
        self._finished = True
