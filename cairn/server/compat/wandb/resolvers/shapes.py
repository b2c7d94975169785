"""Cairn's records in the shapes the W&B client reads (entities, projects, runs).

Fields that cost a read (line counts, the history tail) are callables: GraphQL's default
resolver calls them only when a document asks for them.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.compat.wandb.context import GraphQLContext, Info
from cairn.server.compat.wandb.filters import iso_time
from cairn.server.compat.wandb.streams import (
    EVENTS_STREAM,
    HISTORY_STREAM,
    lines_held,
)
from cairn.server.store.records import ProjectRecord, RunRecord

_RUN_ID_PREFIX = "Run:v1:"
RECORD = "_cairn_run"
"""Where a run shape keeps its RunRecord (no GraphQL field has this name)."""


def encode_run_id(run: RunRecord) -> str:
    """W&B's opaque storage id of a run (``bucket.id``): its path, base64."""
    return base64.b64encode(f"{_RUN_ID_PREFIX}{run.path}".encode()).decode("ascii")


def decode_run_id(storage_id: str) -> tuple[str, str, str]:
    """(entity, project, run id) of a storage id made by :func:`encode_run_id`."""
    try:
        text = base64.b64decode(storage_id, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        text = ""
    parts = text.removeprefix(_RUN_ID_PREFIX).split("/") if text.startswith(_RUN_ID_PREFIX) else []
    if len(parts) != 3 or not all(parts):
        raise NotFoundError(f"no run has the id {storage_id[:80]!r}")
    entity, project, run_id = parts
    return entity, project, run_id


def entity_shape(name: str) -> dict[str, Any]:
    """An entity (Cairn has no organizations: ``organization`` is null)."""
    return {"id": f"entity:{name}", "name": name, "isTeam": False, "organization": None}


def project_shape(
    context: GraphQLContext, entity: str, name: str, record: ProjectRecord | None = None
) -> dict[str, Any]:
    """A project; ``bucket``/``run`` read one of its runs on demand, and its own record is read
    only when a document asks for a field it holds."""
    held: list[ProjectRecord] = [] if record is None else [record]

    def project_record() -> ProjectRecord:
        if not held:
            held.append(context.ctx.meta.resolve_project(context.who, entity, name, "viewer"))
        return held[0]

    def run_by_name(info: Info, name: str, missingOk: bool = False) -> dict[str, Any] | None:
        try:
            run = context.ctx.meta.resolve_run(context.who, entity, project_name, name, "viewer")
        except NotFoundError:
            return None
        return run_shape(context, run)

    project_name = name
    return {
        "id": f"project:{entity}/{name}",
        "internalId": f"{entity}/{name}",
        "name": name,
        "entityName": entity,
        "entity": entity_shape(entity),
        "bucket": run_by_name,
        "run": run_by_name,
        "createdAt": lambda info: iso_time(project_record().created_at),
        "description": lambda info: project_record().description,
        "access": lambda info: project_record().visibility.upper(),
        "isBenchmark": False,
        "readOnly": False,
        "user": None,
    }


def wrapped_config(run: RunRecord) -> dict[str, Any]:
    """The run's config as W&B keeps it: ``{"k": {"value": v}}``, with ``_wandb`` back."""
    config: dict[str, Any] = {key: {"value": value} for key, value in run.config.items()}
    private = (run.meta or {}).get("wandb")
    if private is not None:
        config["_wandb"] = {"value": private}
    return config


def run_shape(context: GraphQLContext, run: RunRecord) -> dict[str, Any]:
    """A run as W&B's ``Run`` (alias ``bucket``)."""
    offsets: dict[bytes, int] = {}

    def offset(stream: bytes) -> int:
        if not offsets:
            offsets.update(context.ctx.meta.stream_offsets(run.pk, [HISTORY_STREAM, EVENTS_STREAM]))
        return offsets[stream]

    def history_tail(info: Info) -> str:
        if run.last_step is None:
            return "[]"
        runtime = max(run.heartbeat_at - run.created_at, 0.0)
        row = {"_step": run.last_step, "_runtime": runtime}
        return json.dumps([json.dumps(row)])

    def wandb_config(info: Info, keys: list[str] | None = None) -> dict[str, Any]:
        private = (run.meta or {}).get("wandb")
        values = private if isinstance(private, dict) else {}
        wanted = keys if keys is not None else list(values)
        # W&B takes a run as existing when "t" is here; a run Cairn's SDK made has no telemetry
        return {key: values.get(key, {}) for key in wanted}

    def log_lines(info: Info) -> int:
        return context.ctx.meta.read_console(run.pk, 0, 0)[1]

    git = run.git or {}
    return {
        "id": encode_run_id(run),
        "name": run.id,
        "displayName": run.name,
        "description": run.notes,
        "notes": run.notes,
        "config": wrapped_config(run),
        "summaryMetrics": run.summary,
        "sweepName": run.sweep,
        "state": run.state,
        "tags": run.tags,
        "group": run.group,
        "jobType": run.job_type,
        "host": run.host,
        "commit": git.get("commit"),
        "project": lambda info: project_shape(context, run.entity, run.project),
        "historyLineCount": lambda info: lines_held(offset(HISTORY_STREAM)),
        "eventsLineCount": lambda info: offset(EVENTS_STREAM),
        "logLineCount": log_lines,
        "historyTail": history_tail,
        "eventsTail": "[]",
        "wandbConfig": wandb_config,
        "projectId": run.project_pk,
        "readOnly": False,
        "createdAt": iso_time(run.created_at),
        "heartbeatAt": iso_time(run.heartbeat_at),
        "updatedAt": iso_time(run.updated_at),
        # Cairn keeps no creator per run: its entity stands in (the client needs a user)
        "user": {"id": f"user:{run.entity}", "name": run.entity, "username": run.entity},
        RECORD: run,
    }


def record_of(source: dict[str, Any]) -> RunRecord:
    """The Cairn run a ``Run`` shape was made from."""
    run: RunRecord = source[RECORD]
    return run


def require_dict(value: object, what: str) -> dict[str, Any]:
    """``value`` when it is a JSON object, else InvalidInputError naming ``what``."""
    if not isinstance(value, dict):
        raise InvalidInputError(f"{what} must be a JSON object")
    return value
