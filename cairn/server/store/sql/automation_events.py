"""Emitting automation events inside the store's writes: each enabled automation of the entity
whose filter matches gets a pending delivery, committed with the change that caused it.

Every emitter starts with one indexed read of the entity's automations for that event, so a
change that no automation watches costs that read and nothing more.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from cairn.server.automations.rules import crossed, matches
from cairn.server.store.sql.schema import (
    automation_deliveries,
    automations,
    entities,
    projects,
    runs,
)


def watching(conn: Connection, entity_pk: Any, event: str) -> list[Any]:
    """The enabled automations of the entity (a pk or a scalar subquery) for ``event``."""
    a = automations
    return list(
        conn.execute(
            select(a.c.pk, a.c.name, a.c.filter).where(
                a.c.entity_pk == entity_pk, a.c.event == event, a.c.enabled.is_(True)
            )
        ).all()
    )


def queue(
    conn: Connection,
    automation: Row[Any] | Mapping[str, Any],
    event_id: str,
    event: str,
    entity: str,
    data: dict[str, Any],
    actor: str | None,
    now: float,
) -> None:
    """Insert the first attempt of one delivery, due now."""
    name = automation["name"] if isinstance(automation, Mapping) else automation.name
    pk = automation["pk"] if isinstance(automation, Mapping) else automation.pk
    payload = {"id": event_id, "event": event, "at": now, "entity": entity,
               "automation": name, "actor": actor, "data": data}  # fmt: skip
    conn.execute(
        insert(automation_deliveries).values(
            automation_pk=pk,
            event_id=event_id,
            event=event,
            payload=payload,
            attempt=1,
            state="pending",
            created_at=now,
            next_attempt_at=now,
        )
    )


def emit(
    conn: Connection,
    entity_pk: int,
    entity: str,
    event: str,
    facts: Mapping[str, Any],
    data: dict[str, Any],
    actor: str | None,
    now: float,
) -> int:
    """Queue ``event`` for the entity's automations whose filter matches ``facts``; how many."""
    targets = [a for a in watching(conn, entity_pk, event) if matches(a.filter or {}, facts)]
    event_id = uuid.uuid4().hex
    for automation in targets:
        queue(conn, automation, event_id, event, entity, data, actor, now)
    return len(targets)


def _project_entity(conn: Connection, project_pk: int) -> Any:
    return conn.execute(
        select(projects.c.name.label("project"), entities.c.name.label("entity"))
        .join(entities, entities.c.pk == projects.c.entity_pk)
        .where(projects.c.pk == project_pk)
    ).one()


def _entity_of(project_pk: int) -> Any:
    return select(projects.c.entity_pk).where(projects.c.pk == project_pk).scalar_subquery()


def emit_artifact_created(
    conn: Connection,
    project_pk: int,
    name: str,
    type_: str,
    index: int,
    digest: str,
    run_pk: int,
    now: float,
) -> int:
    """``artifact_version_created`` for a version an ingest batch just created."""
    targets = watching(conn, _entity_of(project_pk), "artifact_version_created")
    if not targets:
        return 0
    where = _project_entity(conn, project_pk)
    facts = {"project": where.project, "artifact": name, "type": type_}
    targets = [a for a in targets if matches(a.filter or {}, facts)]
    if not targets:
        return 0
    run_id = conn.scalar(select(runs.c.id).where(runs.c.pk == run_pk))
    data = {
        "artifact": {
            "entity": where.entity, "project": where.project, "name": name, "type": type_,
            "version": f"v{index}", "digest": digest,
            "path": f"{where.entity}/{where.project}/{name}:v{index}",
        },
        "run": None if run_id is None else f"{where.entity}/{where.project}/{run_id}",
    }  # fmt: skip
    event_id = uuid.uuid4().hex
    for automation in targets:
        queue(conn, automation, event_id, "artifact_version_created", where.entity, data, None, now)
    return len(targets)


def emit_thresholds(
    conn: Connection,
    project_pk: int,
    run_pk: int,
    before: Mapping[str, Any],
    changed: Mapping[str, Any],
    now: float,
) -> int:
    """``run_metric_threshold`` for each watched summary metric that ``changed`` took across its
    threshold (from not meeting it in ``before``)."""
    targets = watching(conn, _entity_of(project_pk), "run_metric_threshold")
    if not targets:
        return 0
    where: Any = None
    run: Any = None
    count = 0
    for automation in targets:
        rule = automation.filter or {}
        metric = str(rule.get("metric"))
        if metric not in changed or not crossed(rule, before.get(metric), changed[metric]):
            continue
        if where is None:
            where = _project_entity(conn, project_pk)
            run = conn.execute(select(runs.c.id, runs.c.name).where(runs.c.pk == run_pk)).one()
        if rule.get("project") not in (None, where.project) or run is None:
            continue
        data = {
            "run": {"entity": where.entity, "project": where.project, "id": run.id,
                    "name": run.name, "path": f"{where.entity}/{where.project}/{run.id}"},
            "metric": metric, "value": changed[metric], "op": rule["op"],
            "threshold": rule["threshold"],
        }  # fmt: skip
        queue(conn, automation, uuid.uuid4().hex, "run_metric_threshold", where.entity, data,
              None, now)  # fmt: skip
        count += 1
    return count
