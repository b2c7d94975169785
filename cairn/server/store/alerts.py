"""The metadata store's alerts: what ``run.alert()`` raised, kept with the run.

Composed into :class:`cairn.server.store.metadata.MetadataStore`; alerts are written by the
``alert`` record through the ingest path (one run's alerts in arrival order) and deleted with
the run. Contract in tests/contract/test_alert_store.py.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert a run raised; ``seq`` orders a run's alerts and pages through them."""

    seq: int
    time: float
    title: str
    text: str
    level: str
    wait_s: float | None


class AlertReads(abc.ABC):
    """Reads of run alerts (each one read transaction)."""

    @abc.abstractmethod
    def list_alerts(self, run_pk: int, after: int, limit: int) -> list[Alert]:
        """At most ``limit`` of the run's alerts whose ``seq`` is above ``after`` (0: from the
        first), oldest first."""
