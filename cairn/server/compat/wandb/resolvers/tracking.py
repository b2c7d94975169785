"""What a running W&B client asks: who am I, upsert my run, where do my files go, resume.

Every write is a Cairn record on the run's control stream (design 0016); reads come from the
metadata store with the caller's role checked.
"""

from __future__ import annotations

import secrets
import string
import time
from typing import Any, Final

from cairn.compat.wandb_rows import summary_values, unwrap_config
from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.compat.wandb.caller import default_entity
from cairn.server.compat.wandb.context import GraphQLContext, Info, context_of
from cairn.server.compat.wandb.engine import mutation, query
from cairn.server.compat.wandb.resolvers.shapes import (
    decode_run_id,
    entity_shape,
    project_shape,
    run_shape,
)
from cairn.server.compat.wandb.streams import CONTROL_STREAM, RunRef
from cairn.server.compat.wandb.tokens import FileGrant, seal_grant
from cairn.server.store.records import RunRecord
from cairn.wire import check_name, check_run_id
from cairn.wire.records import (
    ALERT_LEVELS,
    FINAL_STATES,
    Record,
    alert_record,
    check_file_path,
    run_record,
    summary_record,
)

DEFAULT_PROJECT: Final = "uncategorized"
"""W&B's project for a run that names none."""
_RUN_ID_ALPHABET: Final = string.ascii_lowercase + string.digits


@query("viewer")
def viewer(_: None, info: Info) -> dict[str, Any]:
    """The caller: its default entity is where runs without an entity go."""
    who = context_of(info).who
    entity = default_entity(who)
    return {
        "id": f"user:{who.user_pk or 0}",
        "name": entity,
        "entity": entity,
        "username": entity,
        "email": None,
        "flags": "{}",
        "admin": who.is_superuser,
        "teams": {"edges": []},
        "defaultEntity": entity_shape(entity),
        "userEntity": entity_shape(entity),
    }


@query("serverInfo")
def server_info(_: None, info: Info) -> dict[str, Any]:
    """No optional server features: the client then keeps to the plain protocol."""
    return {"features": [], "cliVersionInfo": {}, "latestLocalVersionInfo": None}


@query("entity")
def entity(_: None, info: Info, name: str | None = None) -> dict[str, Any]:
    """An entity by name (no organizations on Cairn)."""
    return entity_shape(name or default_entity(context_of(info).who))


@query("model")
@query("project")
def project(
    _: None, info: Info, name: str | None = None, entityName: str | None = None
) -> dict[str, Any] | None:
    """A project the caller may read; null when it does not exist (yet)."""
    context = context_of(info)
    entity_name = entityName or default_entity(context.who)
    project_name = name or DEFAULT_PROJECT
    try:
        record = context.ctx.meta.resolve_project(context.who, entity_name, project_name, "viewer")
    except NotFoundError:
        return None
    return project_shape(context, record.entity, record.name, record)


@mutation("upsertBucket")
def upsert_bucket(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    """Create or update a run: its fields, config and summary become one control record set."""
    context = context_of(info)
    ref, by_storage_id = _upsert_target(context, input)
    existing = _find_run(context, ref)
    _check_sweep(input.get("sweep"), ref, existing)
    records = _upsert_records(input, existing, by_storage_id)
    context.ctx.meta.append_batch(ref.batch(CONTROL_STREAM, 0, records), context.who)
    run = context.ctx.meta.resolve_run(context.who, ref.entity, ref.project, ref.run_id, "viewer")
    return {"bucket": run_shape(context, run), "inserted": existing is None}


def _upsert_target(context: GraphQLContext, input: dict[str, Any]) -> tuple[RunRef, bool]:
    storage_id = input.get("id")
    if storage_id:
        entity_name, project_name, run_id = decode_run_id(storage_id)
        return RunRef(entity_name, project_name, run_id), True
    entity_name = input.get("entityName") or default_entity(context.who)
    project_name = input.get("modelName") or DEFAULT_PROJECT
    run_id = input.get("name") or "".join(secrets.choice(_RUN_ID_ALPHABET) for _ in range(8))
    ref = RunRef(
        check_name(entity_name, "entity"), check_name(project_name, "project"), check_run_id(run_id)
    )
    return ref, False


def _find_run(context: GraphQLContext, ref: RunRef) -> RunRecord | None:
    try:
        return context.ctx.meta.resolve_run(
            context.who, ref.entity, ref.project, ref.run_id, "member"
        )
    except NotFoundError:
        context.ctx.meta.authorize_write(context.who, ref.entity, ref.project)
        return None


def _check_sweep(sweep: object, ref: RunRef, existing: RunRecord | None) -> None:
    """A run naming a sweep is one of its trials, made when the sweep's controller handed it to
    an agent (design 0012): the W&B process continues that run."""
    if not sweep or (existing is not None and existing.sweep == sweep):
        return
    if existing is not None and existing.sweep is not None:
        raise InvalidInputError(
            f"run {ref.run_id} is a trial of sweep {existing.sweep}, not of sweep {sweep}"
        )
    raise InvalidInputError(
        f"run {ref.run_id} is not a trial of sweep {sweep}: Cairn's controller makes a sweep's "
        f"runs when an agent asks for one; run `wandb agent {ref.entity}/{ref.project}/{sweep}`"
    )


def _upsert_records(
    input: dict[str, Any], existing: RunRecord | None, by_storage_id: bool
) -> list[Record]:
    fields: dict[str, Any] = {}
    for source, target in (
        ("displayName", "name"),
        ("groupName", "group"),
        ("jobType", "job_type"),
    ):
        if input.get(source) is not None:
            fields[target] = input[source]
    if input.get("host") is not None:
        fields["host"] = input["host"]
    notes = input.get("notes") if input.get("notes") is not None else input.get("description")
    if notes is not None:
        fields["notes"] = notes
    if input.get("tags") is not None:
        fields["tags"] = [tag for tag in input["tags"] if tag]
    meta: dict[str, Any] = {}
    if input.get("jobProgram"):
        meta["program"] = input["jobProgram"]
    if input.get("commit") or input.get("jobRepo"):
        fields["git"] = {"commit": input.get("commit"), "remote": input.get("jobRepo")}
    config = input.get("config")
    if config is not None:
        if not isinstance(config, dict):
            raise InvalidInputError("UpsertBucket config must be a JSON object")
        values, private = unwrap_config(config)
        fields["config"] = values
        if private is not None:
            meta["wandb"] = private
    if meta:
        fields["meta"] = meta
    if existing is not None and existing.state in FINAL_STATES and not by_storage_id:
        fields["resumed"] = True  # a W&B process continuing a run that had ended
    records: list[Record] = [run_record(fields)] if fields or existing is None else []
    summary = input.get("summaryMetrics")
    if summary is not None:
        if not isinstance(summary, dict):
            raise InvalidInputError("UpsertBucket summaryMetrics must be a JSON object")
        replacement = summary_values(summary)
        stored = existing.summary if existing is not None else {}
        records.append(summary_record(replacement, [k for k in stored if k not in replacement]))
    return records


@mutation("createRunFiles")
def create_run_files(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    """One upload URL per file: a capability the client PUTs the bytes to without credentials."""
    context = context_of(info)
    run = _input_run(context, input)
    files = []
    for name in input["files"]:
        path = check_file_path(name)
        grant = FileGrant.for_caller(
            context.who, run.entity, run.project, run.id, path, upload=True
        )
        token = seal_grant(context.ctx.secrets, grant)
        files.append({"name": name, "uploadUrl": f"{context.base_url}/wandb-files/{token}"})
    return {"runID": run_shape(context, run)["id"], "uploadHeaders": [], "files": files}


@mutation("markRunFilesUploaded")
def mark_run_files_uploaded(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    """Nothing to do: each upload already recorded its file when its bytes arrived."""
    _input_run(context_of(info), input)
    return {"success": True}


@mutation("notifyScriptableRunAlert")
def notify_alert(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    """``run.alert()``: an alert record, delivered as Cairn's own alerts are."""
    context = context_of(info)
    run = _input_run(context, input)
    level = input.get("severity") or "INFO"
    if level not in ALERT_LEVELS:
        raise InvalidInputError(f"alert severity must be one of {list(ALERT_LEVELS)}")
    wait = input.get("waitDuration")
    record = alert_record(
        input["title"], input["text"], level, time.time(), None if wait is None else wait / 1000
    )
    ref = RunRef(run.entity, run.project, run.id)
    context.ctx.meta.append_batch(ref.batch(CONTROL_STREAM, 0, [record]), context.who)
    return {"success": True}


@mutation("stopRun")
def stop_run(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    """The Public API's ``run.stop()``: Cairn's stop request (the client's next file_stream
    answer says ``stopped``)."""
    context = context_of(info)
    entity_name, project_name, run_id = decode_run_id(input["id"])
    run = context.ctx.meta.resolve_run(context.who, entity_name, project_name, run_id, "member")
    context.ctx.meta.request_stop(run.pk, "user")
    return {"success": True}


def _input_run(context: GraphQLContext, input: dict[str, Any]) -> RunRecord:
    entity_name = input.get("entityName") or default_entity(context.who)
    project_name = input.get("projectName") or DEFAULT_PROJECT
    run_id = input.get("runName")
    if not run_id:
        raise InvalidInputError("runName is required")
    return context.ctx.meta.resolve_run(context.who, entity_name, project_name, run_id, "member")
