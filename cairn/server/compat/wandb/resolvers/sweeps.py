"""``wandb sweep``/``wandb.sweep()``: create a Cairn sweep from W&B's YAML, read it, set its state.

The sweep is Cairn's own (design 0012): its controller hands out the trials, so what W&B runs
client-side (a local controller, a launch scheduler, prior runs) is refused with a message
rather than ignored.
"""

from __future__ import annotations

from typing import Any

import yaml

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.compat.wandb.caller import default_entity
from cairn.server.compat.wandb.context import GraphQLContext, Info, context_of
from cairn.server.compat.wandb.engine import field, mutation
from cairn.server.compat.wandb.resolvers.sweep_shapes import (
    action_for,
    decode_sweep_id,
    sweep_shape,
)
from cairn.server.compat.wandb.resolvers.tracking import DEFAULT_PROJECT
from cairn.server.store.records import ProjectRecord
from cairn.server.store.sweeps import MAX_SWEEPS_PAGE, SweepRecord
from cairn.wire import check_name

MAX_CONFIG_CHARS = 1 << 20


def _readable_project(project: dict[str, Any], info: Info) -> tuple[GraphQLContext, ProjectRecord]:
    """The request's context and the project's record, which the caller must be able to read."""
    context = context_of(info)
    record = context.ctx.meta.resolve_project(
        context.who, project["entityName"], project["name"], "viewer"
    )
    return context, record


@field("Project", "sweep")
def project_sweep(project: dict[str, Any], info: Info, sweepName: str) -> dict[str, Any] | None:
    """One sweep of the project (null when it has none of that id)."""
    context, record = _readable_project(project, info)
    try:
        sweep = context.ctx.meta.get_sweep(record.pk, sweepName)
    except NotFoundError:
        return None
    return sweep_shape(context, record, sweep)


@field("Project", "totalSweeps")
def project_total_sweeps(project: dict[str, Any], info: Info) -> int:
    """How many sweeps the project has (``len(api.project(...).sweeps())``)."""
    context, record = _readable_project(project, info)
    total, after = 0, None
    while page := context.ctx.meta.list_sweeps(record.pk, None, after, MAX_SWEEPS_PAGE):
        total += len(page)
        if len(page) < MAX_SWEEPS_PAGE:
            break
        after = page[-1].id
    return total


@field("Project", "sweeps")
def project_sweeps(
    project: dict[str, Any],
    info: Info,
    after: str | None = None,
    first: int | None = None,
    filters: Any = None,
) -> dict[str, Any]:
    """The project's sweeps newest first, a page of ``first`` (default 50) after the cursor
    ``after`` (a sweep id, as ``endCursor`` gives it)."""
    if filters not in (None, {}, ""):
        raise InvalidInputError(
            "filters: Cairn's W&B surface lists sweeps unfiltered; "
            "call project.sweeps() without filters and filter in Python"
        )
    limit = 50 if first is None else first
    if not 1 <= limit <= MAX_SWEEPS_PAGE:
        raise InvalidInputError(f"first: must be from 1 to {MAX_SWEEPS_PAGE}")
    context, record = _readable_project(project, info)
    page = context.ctx.meta.list_sweeps(record.pk, None, after or None, limit + 1)
    shown = page[:limit]
    return {
        "pageInfo": {
            "endCursor": shown[-1].id if shown else after,
            "hasNextPage": len(page) > limit,
        },
        "edges": [
            {"node": sweep_shape(context, record, sweep), "cursor": sweep.id} for sweep in shown
        ],
    }


@mutation("upsertSweep")
def upsert_sweep(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    """Create a sweep from W&B's YAML config, or set an existing one's state (``id`` given)."""
    context = context_of(info)
    _refuse_client_controllers(input)
    if input.get("id"):
        project, sweep = _existing(context, input["id"])
        if input.get("config") is not None:
            raise InvalidInputError(
                f"Cairn does not change the config of sweep {sweep.id} (its trials were chosen "
                "by it); create a new sweep with `wandb sweep` and this config"
            )
        inserted = False
    else:
        project, sweep = _create(context, input)
        inserted = True
    state = input.get("state")
    if state:
        sweep = context.ctx.meta.control_sweep(project.pk, sweep.id, action_for(state))
    return {
        "sweep": sweep_shape(context, project, sweep),
        "configValidationWarnings": [],
        "inserted": inserted,
    }


def _refuse_client_controllers(input: dict[str, Any]) -> None:
    for name in ("controller", "scheduler", "launchScheduler"):
        if input.get(name):
            raise InvalidInputError(
                f"UpsertSweep {name}: Cairn's server runs every sweep's controller; a local "
                "controller or scheduler is not supported (leave out --controller and "
                "scheduler)"
            )
    if input.get("priorRunsFilters"):
        raise InvalidInputError(
            "UpsertSweep priorRunsFilters: Cairn's sweeps do not take prior runs (-R); their "
            "trials are the runs their controller hands out"
        )


def _existing(context: GraphQLContext, storage_id: str) -> tuple[ProjectRecord, SweepRecord]:
    entity, project_name, sweep_id = decode_sweep_id(storage_id)
    project = context.ctx.meta.resolve_project(context.who, entity, project_name, "member")
    return project, context.ctx.meta.get_sweep(project.pk, sweep_id)


def _create(context: GraphQLContext, input: dict[str, Any]) -> tuple[ProjectRecord, SweepRecord]:
    config = input.get("config")
    if not isinstance(config, str) or not config.strip():
        raise InvalidInputError("UpsertSweep needs the sweep's config (YAML text)")
    if len(config) > MAX_CONFIG_CHARS:
        raise InvalidInputError(f"a sweep config is at most {MAX_CONFIG_CHARS} characters")
    if _local_controller(config):
        raise InvalidInputError(
            "controller: Cairn's server runs every sweep's controller; a local controller "
            "(controller.type: local, `wandb sweep --controller`) is not supported"
        )
    entity = check_name(input.get("entityName") or default_entity(context.who), "entity")
    project_name = check_name(input.get("projectName") or DEFAULT_PROJECT, "project")
    name = input.get("displayName") or None
    sweep = context.ctx.meta.create_sweep(context.who, entity, project_name, config, name)
    project = context.ctx.meta.resolve_project(context.who, entity, project_name, "member")
    return project, sweep


def _local_controller(text: str) -> bool:
    """Whether the config asks for W&B's local controller (a bad YAML is reported later)."""
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    controller = loaded.get("controller") if isinstance(loaded, dict) else None
    return isinstance(controller, dict) and controller.get("type") == "local"
