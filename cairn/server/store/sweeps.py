"""The metadata store's sweeps part: sweeps, the one-transaction trial hand-out, stop requests
and server-side hyperband (design 0012).

A sweep's trials are the runs whose ``sweep_pk`` names it; a trial's parameters are its run's
config, its value the run's ``summary[metric.name]`` when that is a finite number. Composed into
:class:`cairn.server.store.metadata.MetadataStore`; contract in tests/contract/test_sweep_store.py.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from cairn.server.auth.principal import Principal

SWEEP_STATES = ("pending", "running", "paused", "finished", "cancelled")
SweepAction = Literal["pause", "resume", "stop", "cancel"]
StopReason = Literal["user", "early_terminate", "sweep"]
MAX_SWEEPS_PAGE = 500


@dataclass(frozen=True, slots=True)
class SweepRecord:
    """A sweep with its trials' counts by run state and its best trial so far."""

    pk: int
    project_pk: int
    entity: str
    project: str
    id: str
    name: str
    state: str
    config: dict[str, Any]
    method: str
    metric_name: str | None
    metric_goal: str | None
    seed: int
    created_at: float
    updated_at: float
    created_by: str | None
    closed: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    best: tuple[str, float] | None = None  # (run id, value)

    @property
    def path(self) -> str:
        """``entity/project/sweep_id``."""
        return f"{self.entity}/{self.project}/{self.id}"

    @property
    def run_cap(self) -> int | None:
        """The most trials the sweep hands out (None: no cap)."""
        cap = self.config.get("run_cap")
        return cap if isinstance(cap, int) and not isinstance(cap, bool) else None


@dataclass(frozen=True, slots=True)
class Trial:
    """A trial handed to an agent: its run (created, ``running``) and its parameters."""

    run_id: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class NextTrial:
    """The answer to "next": a trial, or None with why (``paused`` means ask again later)."""

    trial: Trial | None
    state: str
    reason: str | None = None  # paused | finished | cancelled | exhausted | run_cap


class SweepStore(abc.ABC):
    """Sweeps and their trials; each method one transaction."""

    @abc.abstractmethod
    def create_sweep(
        self,
        who: Principal,
        entity: str,
        project: str,
        config: dict[str, Any] | str,
        name: str | None,
    ) -> SweepRecord:
        """Validate ``config`` (a mapping or YAML text) and store a ``pending`` sweep with a
        fresh 8-character id and a fixed seed, creating the project when absent (the caller
        needs what writing a run there needs). InvalidInputError listing every problem of the
        config; nothing is stored then."""

    @abc.abstractmethod
    def list_sweeps(
        self, project_pk: int, state: str | None, after: str | None, limit: int
    ) -> list[SweepRecord]:
        """The project's sweeps newest first, those after sweep id ``after`` (a keyset cursor:
        the last id of the previous page), at most ``limit``. InvalidInputError for an unknown
        state; NotFoundError for an unknown ``after``."""

    @abc.abstractmethod
    def get_sweep(self, project_pk: int, sweep_id: str) -> SweepRecord:
        """One sweep with its counts and best trial; NotFoundError when the project has none."""

    @abc.abstractmethod
    def next_trial(self, project_pk: int, sweep_id: str, agent: str | None) -> NextTrial:
        """Hand out one trial, atomically: lock the sweep, read its trials, ask its strategy for
        one point (running trials pending), create the run (``running``, config = the point,
        linked to the sweep), commit. Concurrent callers never get the same trial; when the
        space is exhausted or ``run_cap`` reached the answer has no trial and says why, and the
        sweep is closed (``finished`` once no trial runs). NotFoundError for an unknown sweep.
        """

    @abc.abstractmethod
    def control_sweep(self, project_pk: int, sweep_id: str, action: SweepAction) -> SweepRecord:
        """``pause``/``resume`` hand-out, ``stop`` it for good (running trials go on), or
        ``cancel`` (stop, and request the running trials to stop with reason ``sweep``).
        ConflictError for an action the sweep's state does not allow (resuming a cancelled
        sweep); InvalidInputError for an unknown action."""

    @abc.abstractmethod
    def request_stop(self, run_pk: int, reason: StopReason) -> None:
        """Set ``meta.stop_requested = reason`` on a run (the next ingest response of the run
        carries ``stop: true``); an earlier request is kept."""

    @abc.abstractmethod
    def evaluate_sweep(self, sweep_pk: int) -> list[str]:
        """Hyperband on one sweep (when its config has it): request ``early_terminate`` stops
        for the running trials it rules out, and finish the sweep when it is closed and no trial
        runs. Returns the ids of runs newly asked to stop."""

    @abc.abstractmethod
    def evaluate_sweeps(self) -> int:
        """:meth:`evaluate_sweep` for every sweep that is not finished or cancelled and has a
        running trial or is closed; returns how many stops were requested."""
