"""Sweeps (design 0012): create, list, read, hand out trials, control; stop requests for runs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from cairn.server.api.deps import Ctx, EntityName, ProjectDep, ProjectMemberDep, RunWriteDep, Who
from cairn.server.api.runs import RUN_PATH
from cairn.server.encoding import json_safe
from cairn.server.store.sweeps import MAX_SWEEPS_PAGE, SWEEP_STATES, NextTrial, SweepRecord

router = APIRouter(prefix="/api/v1", tags=["sweeps"])

SWEEP_PATH = "/sweeps/{entity}/{project}/{sweep_id}"
MAX_CONFIG_TEXT = 1 << 20

ProjectPathName = Annotated[str, Path(min_length=1, max_length=128, description="Project name")]
SweepId = Annotated[str, Path(min_length=1, max_length=64, description="Sweep id")]
SweepState = Literal["pending", "running", "paused", "finished", "cancelled"]
assert set(SWEEP_STATES) == set(SweepState.__args__)  # type: ignore[attr-defined]


class SweepCreate(BaseModel):
    """A W&B sweep config, as an object or YAML text, and an optional display name."""

    config: dict[str, Any] | Annotated[str, Field(max_length=MAX_CONFIG_TEXT)]
    name: str | None = Field(None, min_length=1, max_length=256)


class MetricOut(BaseModel):
    """The metric the sweep optimises."""

    name: str
    goal: Literal["minimize", "maximize"]


class BestOut(BaseModel):
    """The best trial so far by the metric's goal."""

    run_id: str
    value: float


class SweepCounts(BaseModel):
    """Trials by run state."""

    running: int
    finished: int
    failed: int
    crashed: int
    killed: int


class SweepOut(BaseModel):
    """A sweep, its trials' counts and its best trial."""

    id: str
    path: str
    name: str
    state: SweepState
    method: str
    metric: MetricOut | None
    config: dict[str, Any]
    created_at: float
    updated_at: float
    counts: SweepCounts
    best: BestOut | None
    run_cap: int | None


class SweepList(BaseModel):
    """A page of sweeps, newest first; pass ``next_after`` back as ``after`` (null: the end)."""

    sweeps: list[SweepOut]
    next_after: str | None


class NextRequest(BaseModel):
    """Who asks (shown on the trial's run as ``meta.sweep_agent``)."""

    agent: str | None = Field(None, max_length=256)


class TrialOut(BaseModel):
    """A trial: its run (created, running) and its parameters."""

    run_id: str
    params: dict[str, Any]


class NextOut(BaseModel):
    """A trial, or none and why: ``paused`` (ask again later), ``finished``, ``cancelled``,
    ``exhausted`` (every point handed out) or ``run_cap``."""

    trial: TrialOut | None
    state: SweepState
    reason: Literal["paused", "finished", "cancelled", "exhausted", "run_cap"] | None = None


class ControlRequest(BaseModel):
    """``pause``/``resume`` hand-out; ``stop`` it (running trials finish); ``cancel`` (running
    trials are asked to stop)."""

    action: Literal["pause", "resume", "stop", "cancel"]


class StopRequest(BaseModel):
    """Why the run is asked to stop."""

    reason: Literal["user"] = "user"


def sweep_out(sweep: SweepRecord) -> dict[str, Any]:
    """JSON shape of a sweep."""
    metric = None
    if sweep.metric_name is not None:
        metric = {"name": sweep.metric_name, "goal": sweep.metric_goal or "minimize"}
    best = None if sweep.best is None else {"run_id": sweep.best[0], "value": sweep.best[1]}
    return {
        "id": sweep.id,
        "path": sweep.path,
        "name": sweep.name,
        "state": sweep.state,
        "method": sweep.method,
        "metric": metric,
        "config": json_safe(sweep.config),
        "created_at": sweep.created_at,
        "updated_at": sweep.updated_at,
        "counts": {k: sweep.counts.get(k, 0) for k in SweepCounts.model_fields},
        "best": best,
        "run_cap": sweep.run_cap,
    }


def next_out(answer: NextTrial) -> dict[str, Any]:
    """JSON shape of a hand-out."""
    trial = answer.trial
    return {
        "trial": None if trial is None else {"run_id": trial.run_id, "params": trial.params},
        "state": answer.state,
        "reason": answer.reason,
    }


@router.post("/projects/{entity}/{project}/sweeps", status_code=201, response_model=SweepOut)
def create_sweep(
    entity: EntityName, project: ProjectPathName, body: SweepCreate, ctx: Ctx, who: Who
) -> dict[str, Any]:
    """Create a sweep from a W&B sweep config (400 lists every problem of a bad one)."""
    return sweep_out(ctx.meta.create_sweep(who, entity, project, body.config, body.name))


@router.get("/projects/{entity}/{project}/sweeps", response_model=SweepList)
def list_sweeps(
    project: ProjectDep,
    ctx: Ctx,
    state: SweepState | None = None,
    after: Annotated[
        str | None, Query(max_length=64, description="next_after of the last page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_SWEEPS_PAGE)] = 100,
) -> dict[str, Any]:
    """The project's sweeps, newest first."""
    found = ctx.meta.list_sweeps(project.pk, state, after, limit)
    next_after = found[-1].id if len(found) == limit else None
    return {"sweeps": [sweep_out(s) for s in found], "next_after": next_after}


@router.get(SWEEP_PATH, response_model=SweepOut)
def read_sweep(project: ProjectDep, sweep_id: SweepId, ctx: Ctx) -> dict[str, Any]:
    """One sweep."""
    return sweep_out(ctx.meta.get_sweep(project.pk, sweep_id))


@router.post(SWEEP_PATH + "/next", response_model=NextOut)
def next_trial(
    project: ProjectMemberDep, sweep_id: SweepId, ctx: Ctx, body: NextRequest | None = None
) -> dict[str, Any]:
    """Hand out the next trial; its run is created now, with the parameters as its config."""
    agent = body.agent if body is not None else None
    return next_out(ctx.meta.next_trial(project.pk, sweep_id, agent))


@router.post(SWEEP_PATH + "/control", response_model=SweepOut)
def control_sweep(
    project: ProjectMemberDep, sweep_id: SweepId, body: ControlRequest, ctx: Ctx
) -> dict[str, Any]:
    """Pause, resume, stop or cancel the sweep."""
    return sweep_out(ctx.meta.control_sweep(project.pk, sweep_id, body.action))


@router.post(RUN_PATH + "/stop", status_code=202, response_class=Response)
def stop_run(run: RunWriteDep, ctx: Ctx, body: StopRequest | None = None) -> Response:
    """Ask a run to stop: its next ingest or heartbeat response carries ``"stop": true``."""
    ctx.meta.request_stop(run.pk, body.reason if body is not None else "user")
    return Response(status_code=202)
