"""The automations part of the SQL metadata store: automations of an entity, and the delivery
log the worker drains (design 0013, "Model registry and automations")."""

from __future__ import annotations

import abc
import time
import uuid
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cairn.errors import ConflictError, InvalidInputError, NotFoundError
from cairn.server.automations.rules import (
    ACTIONS,
    MAX_SECRET,
    TEST_EVENT,
    check_event,
    check_filter,
    check_url,
)
from cairn.server.store.automations import (
    MAX_AUTOMATIONS,
    RESPONSE_EXCERPT,
    AutomationRecord,
    AutomationStore,
    DeliveryRecord,
    DueDelivery,
    Outcome,
)
from cairn.server.store.sql.automation_events import queue
from cairn.server.store.sql.registry_reads import entity_pk
from cairn.server.store.sql.schema import automation_deliveries, automations, entities
from cairn.wire.artifacts import check_artifact_name

EDITABLE = frozenset({"filter", "url", "secret_token", "enabled"})


def _row(conn: Connection, entity: str, name: str) -> Row[Any]:
    a = automations
    row = conn.execute(
        select(a, entities.c.name.label("entity_name"))
        .join(entities, entities.c.pk == a.c.entity_pk)
        .where(entities.c.name == entity, a.c.name == name)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"{entity} has no automation {name!r}")
    return row


def _record(row: Row[Any]) -> AutomationRecord:
    return AutomationRecord(
        pk=row.pk,
        entity=row.entity_name,
        name=row.name,
        event=row.event,
        filter=dict(row.filter or {}),
        action=row.action,
        url=row.url,
        enabled=bool(row.enabled),
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        secret_token=row.secret_token,
    )


def _checked(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The automation's stored columns from a full spec, every rule checked."""
    event = check_event(spec.get("event"))
    action = spec.get("action")
    if action not in ACTIONS:
        raise InvalidInputError(f"action must be one of {list(ACTIONS)}, not {action!r}")
    token = spec.get("secret_token")
    if token is not None and (not isinstance(token, str) or len(token) > 4 * MAX_SECRET):
        raise InvalidInputError("the secret is too long")
    url = spec.get("url")
    if action == "webhook":
        url = check_url(url, "the webhook url")
    else:
        if url is not None:
            raise InvalidInputError("a slack action takes its URL as the secret slack_url")
        if token is None:
            raise InvalidInputError("a slack action needs slack_url (its incoming-webhook URL)")
    return {
        "event": event,
        "filter": check_filter(event, spec.get("filter")),
        "action": action,
        "url": url,
        "secret_token": token,
        "enabled": bool(spec.get("enabled", True)),
    }


def _excerpt(text: str | None) -> str | None:
    return None if text is None else text[:RESPONSE_EXCERPT]


def _delivery(row: Row[Any]) -> DeliveryRecord:
    return DeliveryRecord(
        pk=row.pk,
        automation=row.automation,
        event_id=row.event_id,
        event=row.event,
        payload=dict(row.payload),
        attempt=int(row.attempt),
        state=row.state,
        status_code=row.status_code,
        response=row.response,
        error=row.error,
        created_at=row.created_at,
        at=row.at,
        next_attempt_at=row.next_attempt_at,
    )


class SqlAutomations(AutomationStore):
    """The SQL implementation, mixed into the SQL metadata store."""

    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[Connection]: ...

    @abc.abstractmethod
    def _write(self) -> AbstractContextManager[Connection]: ...

    def list_automations(self, entity: str) -> list[AutomationRecord]:
        a = automations
        with self._read() as conn:
            rows = conn.execute(
                select(a, entities.c.name.label("entity_name"))
                .join(entities, entities.c.pk == a.c.entity_pk)
                .where(a.c.entity_pk == entity_pk(conn, entity))
                .order_by(a.c.name)
            ).all()
        return [_record(r) for r in rows]

    def get_automation(self, entity: str, name: str) -> AutomationRecord:
        with self._read() as conn:
            return _record(_row(conn, entity, name))

    def create_automation(
        self, entity: str, spec: Mapping[str, Any], actor: str | None = None
    ) -> AutomationRecord:
        name = check_artifact_name(spec.get("name"), "automation name")
        values = _checked(spec)
        now = time.time()
        with self._write() as conn:
            owner = entity_pk(conn, entity)
            a = automations
            count = conn.scalar(select(func.count()).where(a.c.entity_pk == owner)) or 0
            if count >= MAX_AUTOMATIONS:
                raise InvalidInputError(
                    f"{entity} has {MAX_AUTOMATIONS} automations, the most allowed; delete one"
                )
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            created = conn.execute(
                dialect.insert(a)
                .values(
                    entity_pk=owner,
                    name=name,
                    created_at=now,
                    created_by=actor,
                    updated_at=now,
                    **values,
                )
                .on_conflict_do_nothing()
                .returning(a.c.pk)
            ).scalar_one_or_none()
            if created is None:
                raise ConflictError(f"{entity} has an automation named {name!r} already")
            return _record(_row(conn, entity, name))

    def update_automation(
        self, entity: str, name: str, changes: Mapping[str, Any]
    ) -> AutomationRecord:
        unknown = set(changes) - EDITABLE
        if unknown:
            raise InvalidInputError(
                f"cannot change {sorted(unknown)}; an automation's editable fields are "
                "filter, url, secret, slack_url and enabled (delete and recreate to change "
                "its event or action)"
            )
        with self._write() as conn:
            row = _row(conn, entity, name)
            current = {k: getattr(row, k) for k in ("event", "action", "filter", "url",
                                                     "secret_token", "enabled")}  # fmt: skip
            values = _checked({**current, **changes})
            conn.execute(
                update(automations)
                .where(automations.c.pk == row.pk)
                .values(**values, updated_at=time.time())
            )
            return _record(_row(conn, entity, name))

    def delete_automation(self, entity: str, name: str) -> None:
        with self._write() as conn:
            row = _row(conn, entity, name)
            conn.execute(delete(automations).where(automations.c.pk == row.pk))

    def list_deliveries(
        self, entity: str, name: str, after: int | None, limit: int
    ) -> list[DeliveryRecord]:
        d = automation_deliveries
        with self._read() as conn:
            row = _row(conn, entity, name)
            query = select(d, automations.c.name.label("automation")).join(
                automations, automations.c.pk == d.c.automation_pk
            )
            query = query.where(d.c.automation_pk == row.pk)
            if after is not None:
                query = query.where(d.c.pk < after)
            rows = conn.execute(query.order_by(d.c.pk.desc()).limit(limit)).all()
        return [_delivery(r) for r in rows]

    def enqueue_test(self, entity: str, name: str, actor: str | None = None) -> str:
        event_id = uuid.uuid4().hex
        with self._write() as conn:
            row = _row(conn, entity, name)
            data = {"message": f"a test event of the automation {name!r} from Cairn"}
            queue(conn, row, event_id, TEST_EVENT, entity, data, actor, time.time())
        return event_id

    def due_deliveries(self, now: float, limit: int) -> list[DueDelivery]:
        d, a = automation_deliveries, automations
        with self._read() as conn:
            rows = conn.execute(
                select(d, a.c.action, a.c.url, a.c.secret_token)
                .join(a, a.c.pk == d.c.automation_pk)
                .where(d.c.state == "pending", d.c.next_attempt_at <= now)
                .order_by(d.c.next_attempt_at, d.c.pk)
                .limit(limit)
            ).all()
        return [
            DueDelivery(
                pk=r.pk,
                event_id=r.event_id,
                event=r.event,
                payload=dict(r.payload),
                attempt=int(r.attempt),
                action=r.action,
                url=r.url,
                secret_token=r.secret_token,
            )
            for r in rows
        ]

    def finish_delivery(
        self, pk: int, outcome: Outcome, retry_at: float | None, now: float
    ) -> None:
        d = automation_deliveries
        delivered = outcome.delivered
        with self._write() as conn:
            row = conn.execute(select(d).where(d.c.pk == pk, d.c.state == "pending")).one_or_none()
            if row is None:
                return
            retry = None if delivered else retry_at
            conn.execute(
                update(d)
                .where(d.c.pk == pk)
                .values(
                    state="delivered" if delivered else "failed",
                    status_code=outcome.status_code,
                    response=_excerpt(outcome.response),
                    error=_excerpt(outcome.error),
                    at=now,
                    next_attempt_at=retry,
                )
            )
            if retry is not None:
                conn.execute(
                    insert(d).values(
                        automation_pk=row.automation_pk,
                        event_id=row.event_id,
                        event=row.event,
                        payload=row.payload,
                        attempt=int(row.attempt) + 1,
                        state="pending",
                        created_at=now,
                        next_attempt_at=retry,
                    )
                )

    def prune_deliveries(self, before: float) -> int:
        d = automation_deliveries
        with self._write() as conn:
            gone = conn.execute(delete(d).where(d.c.state != "pending", d.c.at < before)).rowcount
        return int(gone or 0)
