"""Cairn's sweeps and their trials in the shapes the W&B client reads (``Sweep``, ``SweepRun``).

Sweep states are W&B's words for Cairn's: a ``pending`` sweep (no trial yet) is ``RUNNING`` to
W&B, which has no such state for a sweep an agent may start.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any, Final

import yaml

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.compat.wandb.context import GraphQLContext, Info
from cairn.server.compat.wandb.resolvers.shapes import (
    encode_run_id,
    project_shape,
    wrapped_config,
)
from cairn.server.store.metadata import RunsResult
from cairn.server.store.records import ProjectRecord, RunRecord
from cairn.server.store.sweeps import SweepAction, SweepRecord

_SWEEP_ID_PREFIX: Final = "Sweep:v1:"
W_AND_B_STATES: Final = {
    "pending": "RUNNING",
    "running": "RUNNING",
    "paused": "PAUSED",
    "finished": "FINISHED",
    "cancelled": "CANCELED",
}
ACTIONS: Final[dict[str, SweepAction]] = {
    "RUNNING": "resume",
    "PAUSED": "pause",
    "FINISHED": "stop",
    "CANCELED": "cancel",
    "CANCELLED": "cancel",
}
"""What setting a W&B sweep state does to a Cairn sweep (``wandb sweep --resume|--pause|
--stop|--cancel``): FINISHED hands out nothing more and lets running trials end; CANCELED also
stops them."""
_RUNS_PAGE: Final = 1000


def action_for(state: str) -> SweepAction:
    """The control action a W&B sweep state asks for; InvalidInputError for an unknown one."""
    action = ACTIONS.get(state.upper())
    if action is None:
        raise InvalidInputError(
            f"sweep state {state!r} is not one Cairn sets; one of RUNNING, PAUSED, FINISHED, "
            "CANCELED"
        )
    return action


def encode_sweep_id(sweep: SweepRecord) -> str:
    """W&B's opaque storage id of a sweep (``sweep.id``): its path, base64."""
    return base64.b64encode(f"{_SWEEP_ID_PREFIX}{sweep.path}".encode()).decode("ascii")


def decode_sweep_id(storage_id: str) -> tuple[str, str, str]:
    """(entity, project, sweep id) of a storage id made by :func:`encode_sweep_id`."""
    try:
        text = base64.b64decode(storage_id, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        text = ""
    parts = (
        text.removeprefix(_SWEEP_ID_PREFIX).split("/") if text.startswith(_SWEEP_ID_PREFIX) else []
    )
    if len(parts) != 3 or not all(parts):
        raise NotFoundError(f"no sweep has the id {storage_id[:80]!r}")
    entity, project, sweep_id = parts
    return entity, project, sweep_id


def timestamp(seconds: float | None) -> str | None:
    """W&B's DateTime text (UTC, no zone suffix)."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def expected_runs(sweep: SweepRecord) -> int | None:
    """How many trials the sweep will hand out, when that is known: the grid's size and the
    run cap, whichever is smaller."""
    cap = sweep.run_cap
    if sweep.method != "grid":
        return cap
    from cairn.sweeps import parse_config
    from cairn.sweeps.strategies.grid import GridStrategy

    size = GridStrategy(parse_config(sweep.config)).size
    return size if cap is None else min(cap, size)


def sweep_runs(
    context: GraphQLContext, project: ProjectRecord, sweep_id: str, state: str | None = None
) -> list[RunRecord]:
    """Every trial of the sweep (those in ``state`` when given), oldest first."""
    filters: dict[str, Any] = {"sweep": sweep_id}
    if state is not None:
        filters["state"] = state
    found: list[RunRecord] = []
    cursor: str | None = None
    while True:
        page: RunsResult = context.ctx.meta.query_runs(
            project,
            filters,
            "created_at",
            limit=_RUNS_PAGE,
            cursor=cursor,
            archived="include",
        )
        found.extend(page.runs)
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


def sweep_shape(
    context: GraphQLContext, project: ProjectRecord, sweep: SweepRecord
) -> dict[str, Any]:
    """A sweep as W&B's ``Sweep``; its runs are read when a document asks for them."""

    def runs(info: Info, first: int | None = None) -> dict[str, Any]:
        trials = sweep_runs(context, project, sweep.id)
        if first is not None:
            trials = trials[: max(first, 0)]
        return {"edges": [{"node": sweep_run_shape(run)} for run in trials]}

    description = sweep.config.get("description")
    return {
        "id": encode_sweep_id(sweep),
        "name": sweep.id,
        "displayName": sweep.name,
        "method": sweep.method,
        "state": W_AND_B_STATES[sweep.state],
        "description": description if isinstance(description, str) else None,
        "config": yaml.safe_dump(sweep.config, sort_keys=False),
        "createdAt": timestamp(sweep.created_at),
        "updatedAt": timestamp(sweep.updated_at),
        "heartbeatAt": timestamp(sweep.updated_at),
        "earlyStopJobRunning": False,
        "bestLoss": None if sweep.best is None else sweep.best[1],
        "controller": None,
        "scheduler": None,
        "runCount": sum(sweep.counts.values()),
        "runCountExpected": lambda info: expected_runs(sweep),
        "project": lambda info: project_shape(context, sweep.entity, sweep.project),
        "runs": runs,
    }


def stop_requested(run: RunRecord) -> str | None:
    """The reason of the run's stop request, or None without one."""
    reason = (run.meta or {}).get("stop_requested")
    return reason if isinstance(reason, str) and reason else None


def sweep_run_shape(run: RunRecord) -> dict[str, Any]:
    """A trial as the W&B agent and controller poll it."""

    def sampled_history(info: Info, specs: list[Any]) -> list[list[Any]]:
        for spec in specs:
            if isinstance(spec, dict) and spec.get("keys"):
                raise InvalidInputError(
                    "Cairn's sweeps answer no sampled history of their trials here (W&B's local "
                    "controller is not supported: Cairn's server runs the sweep); read it with "
                    "the Public API's run.history()"
                )
        return [[] for _ in specs]

    return {
        "id": encode_run_id(run),
        "name": run.id,
        "displayName": run.name,
        "state": run.state,
        "config": wrapped_config(run),
        "summaryMetrics": run.summary,
        "exitcode": run.exit_code,
        "createdAt": timestamp(run.created_at),
        "heartbeatAt": timestamp(run.heartbeat_at),
        "shouldStop": stop_requested(run) is not None,
        "failed": run.state in ("failed", "crashed"),
        "stopped": run.state == "killed",
        "running": run.state == "running",
        "sampledHistory": sampled_history,
    }
