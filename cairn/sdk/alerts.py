"""``run.alert()``: an alert recorded on the run (shown on its page; delivery to Slack or
webhooks comes with automations), rate-limited per title like W&B's ``wait_duration``."""

from __future__ import annotations

import datetime
import logging
import threading
import time
from enum import StrEnum
from typing import Any

from cairn.errors import InvalidInputError
from cairn.wire.records import ALERT_LEVELS, Record, alert_record, validate_record

log = logging.getLogger("cairn")

DEFAULT_WAIT_S = 60.0
"""Least time between two alerts with the same title when ``wait_duration`` is not given
(W&B's default: one minute)."""


class AlertLevel(StrEnum):
    """How serious an alert is."""

    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"


def level_name(level: AlertLevel | str | None) -> str:
    """``INFO``, ``WARN`` or ``ERROR`` for an AlertLevel or its name (any case; WARNING too)."""
    if level is None:
        return "INFO"
    name = level.value if isinstance(level, AlertLevel) else level
    if isinstance(name, str):
        name = name.upper()
        name = "WARN" if name == "WARNING" else name
    if name not in ALERT_LEVELS:
        raise InvalidInputError(
            f"alert level must be one of {list(ALERT_LEVELS)} (or cairn.AlertLevel), got {level!r}"
        )
    return str(name)


def wait_seconds(wait_duration: float | datetime.timedelta | None) -> float:
    """``wait_duration`` in seconds (a number of seconds or a timedelta; None: one minute)."""
    if wait_duration is None:
        return DEFAULT_WAIT_S
    if isinstance(wait_duration, datetime.timedelta):
        seconds = wait_duration.total_seconds()
    elif isinstance(wait_duration, int | float) and not isinstance(wait_duration, bool):
        seconds = float(wait_duration)
    else:
        raise InvalidInputError(
            f"wait_duration must be seconds or a datetime.timedelta, got {wait_duration!r}"
        )
    if not 0 <= seconds < float("inf"):
        raise InvalidInputError(f"wait_duration must be >= 0 seconds, got {wait_duration!r}")
    return seconds


class AlertLimiter:
    """Turns ``alert()`` calls into records, dropping one whose title was sent less than its
    ``wait_duration`` ago (W&B applies the same rule on its server)."""

    def __init__(self) -> None:
        self._last_sent: dict[str, float] = {}  # title -> monotonic time
        self._lock = threading.Lock()

    def admit(
        self, title: Any, text: Any, level: Any, wait_duration: Any, run_path: str
    ) -> Record | None:
        """The record to write, or None when the title is still within its wait."""
        if not isinstance(title, str) or not isinstance(text, str):
            raise InvalidInputError("alert() takes a title and a text, both strings")
        wait_s = wait_seconds(wait_duration)
        record = alert_record(title, text, level_name(level), time.time(), wait_s)
        validate_record(list(record))
        now = time.monotonic()
        with self._lock:
            last = self._last_sent.get(title)
            if last is not None and now - last < wait_s:
                log.info(
                    "cairn: alert %r of run %s not sent: the same title went %.0f s ago "
                    "(wait_duration %.0f s)", title, run_path, now - last, wait_s,
                )  # fmt: skip
                return None
            self._last_sent[title] = now
        return record
