"""``wandb agent``/``wandb.agent()``: Cairn's controller hands the trials to W&B's agents.

An agent registers (``CreateAgent``) and then heartbeats every few seconds with the runs it is
running; each answer is a list of commands. An agent running nothing gets the next trial
(``run``, from the same one-transaction hand-out as ``cairn agent``: its run is created now,
with the parameters as its config), or ``exit`` once the sweep hands out no more; one running a
trial whose run has a stop request (hyperband, a Cairn stop, a cancelled sweep) gets ``stop``.
The agent id carries the sweep's path, so no agent table is kept: the trials an agent was handed
are the runs whose ``meta.sweep_agent`` names it.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any, Final

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.compat.wandb.caller import default_entity
from cairn.server.compat.wandb.context import GraphQLContext, Info, context_of
from cairn.server.compat.wandb.engine import mutation, require_text
from cairn.server.compat.wandb.resolvers.sweep_shapes import stop_requested, sweep_runs
from cairn.server.compat.wandb.resolvers.tracking import DEFAULT_PROJECT
from cairn.server.compat.wandb.streams import CONTROL_STREAM, RunRef
from cairn.server.store.records import ProjectRecord, RunRecord
from cairn.server.store.sweeps import SweepRecord
from cairn.wire import check_name
from cairn.wire.records import FINISH, Record, run_record

_AGENT_ID_PREFIX: Final = "Agent:v1:"
MAX_HOST_CHARS: Final = 200
EXIT: Final = {"type": "exit"}


@dataclass(frozen=True, slots=True)
class AgentRef:
    """An agent: the sweep it serves and who it is (``key`` is the runs' ``meta.sweep_agent``)."""

    entity: str
    project: str
    sweep: str
    host: str
    nonce: str

    @property
    def key(self) -> str:
        """How the runs handed to this agent name it."""
        return f"{self.host}:{self.nonce}"

    def encode(self) -> str:
        """The opaque id the W&B agent sends back with every heartbeat."""
        fields = [self.entity, self.project, self.sweep, self.host, self.nonce]
        text = _AGENT_ID_PREFIX + json.dumps(fields, separators=(",", ":"))
        return base64.b64encode(text.encode()).decode("ascii")

    @staticmethod
    def decode(agent_id: str) -> AgentRef:
        """The agent an id made by :meth:`encode` names; NotFoundError for any other id."""
        fields: object = None
        try:
            text = base64.b64decode(agent_id, validate=True).decode()
            if text.startswith(_AGENT_ID_PREFIX):
                fields = json.loads(text.removeprefix(_AGENT_ID_PREFIX))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            pass
        if (
            not isinstance(fields, list)
            or len(fields) != 5
            or not all(isinstance(f, str) and f for f in fields)
        ):
            raise NotFoundError(f"no sweep agent has the id {agent_id[:80]!r}")
        return AgentRef(*fields)

    def shape(self) -> dict[str, Any]:
        """W&B's ``Agent``."""
        return {"id": self.encode(), "name": self.nonce, "host": self.host, "sweepName": self.sweep}


@mutation("createAgent")
def create_agent(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    """Register an agent of an existing sweep (the caller must be able to run its trials)."""
    context = context_of(info)
    entity = check_name(input.get("entityName") or default_entity(context.who), "entity")
    project_name = check_name(input.get("projectName") or DEFAULT_PROJECT, "project")
    sweep_id = require_text(input.get("sweep"), "CreateAgent sweep")
    host = require_text(input.get("host"), "CreateAgent host")[:MAX_HOST_CHARS]
    project = context.ctx.meta.resolve_project(context.who, entity, project_name, "member")
    sweep = context.ctx.meta.get_sweep(project.pk, sweep_id)
    agent = AgentRef(entity, project_name, sweep.id, host, secrets.token_hex(4))
    return {"agent": agent.shape()}


@mutation("agentHeartbeat")
def agent_heartbeat(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    """The agent's commands: ``stop`` for its trials asked to stop, else (running nothing) the
    next trial as ``run``, nothing while the sweep is paused, or ``exit``."""
    context = context_of(info)
    agent = AgentRef.decode(require_text(input.get("id"), "Heartbeat id"))
    alive = _alive(input.get("runState"))
    try:
        project = context.ctx.meta.resolve_project(
            context.who, agent.entity, agent.project, "member"
        )
        sweep = context.ctx.meta.get_sweep(project.pk, agent.sweep)
    except NotFoundError:
        return {"agent": agent.shape(), "commands": [EXIT]}  # the sweep is gone
    return {"agent": agent.shape(), "commands": _commands(context, project, sweep, agent, alive)}


def _alive(run_state: object) -> set[str]:
    """The runs the agent says it is running (``{"run id": true}``)."""
    if run_state is None:
        return set()
    if not isinstance(run_state, dict):
        raise InvalidInputError("Heartbeat runState must be a JSON object of run id: running")
    return {run_id for run_id, running in run_state.items() if running}


def _commands(
    context: GraphQLContext,
    project: ProjectRecord,
    sweep: SweepRecord,
    agent: AgentRef,
    alive: set[str],
) -> list[dict[str, Any]]:
    commands: list[dict[str, Any]] = []
    for run in sweep_runs(context, project, sweep.id, state="running"):
        if run.id in alive:
            if stop_requested(run) is not None:
                commands.append({"type": "stop", "run_id": run.id})
        elif (run.meta or {}).get("sweep_agent") == agent.key:
            _end_lost_trial(context, run)
    if alive:
        return commands  # one trial at a time per agent, as W&B's controller hands them out
    if sweep.state in ("finished", "cancelled"):
        return [EXIT]
    answer = context.ctx.meta.next_trial(project.pk, sweep.id, agent.key)
    if answer.trial is not None:
        params = answer.trial.params
        return [
            {
                "type": "run",
                "run_id": answer.trial.run_id,
                "program": sweep.config.get("program"),
                "args": {key: {"value": value} for key, value in params.items()},
            }
        ]
    return [] if answer.reason == "paused" else [EXIT]


def _end_lost_trial(context: GraphQLContext, run: RunRecord) -> None:
    """End a trial its agent no longer runs though its run never ended (the process was stopped
    or died): ``killed`` when it was asked to stop, ``failed`` when it never reported, else
    ``crashed``. Anything the run sends later still applies (a crashed run comes back)."""
    reason = stop_requested(run)
    records: list[Record] = []
    if reason is not None:
        state = "killed"
        records.append(run_record({"meta": {"stop_reason": reason}}))
    elif context.ctx.meta.stream_offsets(run.pk, [CONTROL_STREAM])[CONTROL_STREAM] == 0:
        state = "failed"  # the W&B process ended before its run said anything
    else:
        state = "crashed"
    records.append((FINISH, {"time": time.time(), "exit_code": None, "state": state}))
    ref = RunRef(run.entity, run.project, run.id)
    context.ctx.meta.append_batch(ref.batch(CONTROL_STREAM, 0, records), context.who)
