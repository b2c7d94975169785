"""Runs in SQL: race-free creation, snapshots, edits, moves and deletion."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, Row, delete, func, select, update

from cairn.errors import ConflictError, InvalidInputError, NotFoundError
from cairn.naming import new_run_name
from cairn.server.store.records import RunRecord
from cairn.server.store.sql import kv, media
from cairn.server.store.sql.schema import entities, projects, run_kv, runs, sweeps
from cairn.server.store.sql.upsert import insert_ignore

RUN_STATES = ("running", "finished", "failed", "crashed", "killed")
_EDITABLE = ("name", "tags", "notes", "group", "job_type", "archived", "state", "exit_code")
# States a running run can be ended with by hand (an agent whose trial died before reporting).
ENDING_STATES = ("finished", "failed", "killed", "crashed")


def ensure_run(conn: Connection, project_pk: int, run_id: str, now: float) -> tuple[int, bool]:
    """Return ``(run_pk, created)``, creating a running run (race-free) when absent."""
    query = select(runs.c.pk).where(runs.c.project_pk == project_pk, runs.c.id == run_id)
    pk = conn.scalar(query)
    if pk is not None:
        return int(pk), False
    insert_ignore(
        conn,
        runs,
        {
            "project_pk": project_pk,
            "id": run_id,
            "name": new_run_name(),
            "state": "running",
            "config": {},
            "summary": {},
            "tags": [],
            "notes": "",
            "created_at": now,
            "updated_at": now,
            "heartbeat_at": now,
            "console_lines": 0,
        },
    )
    return int(conn.execute(query).scalar_one()), True


SWEEP_ID = (
    select(sweeps.c.id).where(sweeps.c.pk == runs.c.sweep_pk).scalar_subquery().label("sweep_id")
)
RUN_COLUMNS = (runs, SWEEP_ID)
"""Every run column and the id of its sweep (for :func:`to_record`)."""


def run_select() -> Any:
    """SELECT of every run column plus its sweep's id and the entity and project names."""
    return (
        select(
            *RUN_COLUMNS,
            entities.c.name.label("entity_name"),
            projects.c.name.label("project_name"),
        )
        .join(projects, projects.c.pk == runs.c.project_pk)
        .join(entities, entities.c.pk == projects.c.entity_pk)
    )


def to_record(row: Row[Any], entity: str | None = None, project: str | None = None) -> RunRecord:
    """Snapshot of a runs row; names come from :func:`run_select`'s columns unless given."""
    return RunRecord(
        pk=row.pk,
        project_pk=row.project_pk,
        entity=entity or row.entity_name,
        project=project or row.project_name,
        id=row.id,
        name=row.name,
        state=row.state,
        config=dict(row.config or {}),
        summary=dict(row.summary or {}),
        tags=list(row.tags or []),
        group=row.group,
        job_type=row.job_type,
        notes=row.notes,
        host=row.host,
        git=row.git,
        meta=row.meta,
        created_at=row.created_at,
        updated_at=row.updated_at,
        heartbeat_at=row.heartbeat_at,
        finished_at=row.finished_at,
        exit_code=row.exit_code,
        last_step=row.last_step,
        archived_at=row.archived_at,
        sweep=row._mapping.get("sweep_id"),
    )


def get_run(conn: Connection, entity: str, project: str, run_id: str) -> RunRecord:
    """Return one run or raise NotFoundError."""
    row = conn.execute(
        run_select().where(
            entities.c.name == entity, projects.c.name == project, runs.c.id == run_id
        )
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"run {entity}/{project}/{run_id} does not exist")
    return to_record(row)


def get_runs(conn: Connection, run_pks: list[int]) -> list[RunRecord]:
    """Snapshots of the given runs, in the given order (unknown pks are left out)."""
    rows = conn.execute(run_select().where(runs.c.pk.in_(run_pks))).all()
    by_pk = {row.pk: to_record(row) for row in rows}
    return [by_pk[pk] for pk in run_pks if pk in by_pk]


def edit_run(conn: Connection, run: RunRecord, changes: dict[str, Any]) -> None:
    """Apply user edits (name, tags, notes, group, job_type, archived, an end state) to a run."""
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise InvalidInputError(
            f"cannot edit {sorted(unknown)}; editable fields: {list(_EDITABLE)}"
        )
    if "tags" in changes:
        tags = changes["tags"]
        if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
            raise InvalidInputError("tags must be a list of non-empty strings")
        changes["tags"] = list(dict.fromkeys(tags))
        kv.sync_tags(conn, run.pk, run.project_pk, changes["tags"])
    if "name" in changes and not (isinstance(changes["name"], str) and changes["name"].strip()):
        raise InvalidInputError("a run name must be a non-empty string")
    if "exit_code" in changes and "state" not in changes:
        raise InvalidInputError("exit_code is set together with the state that ends the run")
    if "state" in changes:
        _check_ending(run, changes)
    if "archived" in changes:
        archived = changes.pop("archived")
        if not isinstance(archived, bool):
            raise InvalidInputError("archived must be true or false")
        if archived != (run.archived_at is not None):
            changes["archived_at"] = time.time() if archived else None
    if changes:
        conn.execute(
            update(runs)
            .where(runs.c.pk == run.pk)
            .values(**changes, updated_at=max(time.time(), run.updated_at))
        )


def _check_ending(run: RunRecord, changes: dict[str, Any]) -> None:
    """Ending a running run by hand: a known end state, an int exit code, only while running."""
    state = changes["state"]
    if state not in ENDING_STATES:
        raise InvalidInputError(f"state must be one of {list(ENDING_STATES)}, not {state!r}")
    code = changes.get("exit_code")
    if code is not None and (not isinstance(code, int) or isinstance(code, bool)):
        raise InvalidInputError("exit_code must be an integer")
    if run.state != "running":
        raise ConflictError(
            f"run {run.id} has already ended ({run.state}); only a running run can be ended"
        )
    changes["finished_at"] = time.time()


def move_run(conn: Connection, run: RunRecord, target_project_pk: int) -> None:
    """Move a run to another project; ConflictError when its id is taken there."""
    taken = conn.scalar(
        select(runs.c.pk).where(runs.c.project_pk == target_project_pk, runs.c.id == run.id)
    )
    if taken is not None:
        raise ConflictError(f"the target project already has a run with id {run.id!r}")
    conn.execute(update(runs).where(runs.c.pk == run.pk).values(project_pk=target_project_pk))
    conn.execute(
        update(run_kv).where(run_kv.c.run_pk == run.pk).values(project_pk=target_project_pk)
    )
    media.move_media_keys(conn, run.pk, target_project_pk)


def delete_run(conn: Connection, run_pk: int) -> None:
    """Delete a run and (by cascade) everything stored under it."""
    conn.execute(delete(runs).where(runs.c.pk == run_pk))


def mark_crashed_runs(conn: Connection, timeout_s: float, now: float) -> int:
    """Mark running runs whose last heartbeat is older than ``timeout_s`` as crashed; those
    marked preempting (``meta.preempting``, ``run.mark_preempting()``) end ``killed`` with
    ``meta.stop_reason = "preempted"`` instead."""
    silent = (runs.c.state == "running", runs.c.heartbeat_at < now - timeout_s)
    ended = 0
    for pk, meta in conn.execute(select(runs.c.pk, runs.c.meta).where(*silent)).all():
        if isinstance(meta, dict) and meta.get("preempting"):
            ended += (
                conn.execute(
                    update(runs)
                    .where(runs.c.pk == pk, *silent)
                    .values(
                        state="killed", meta={**meta, "stop_reason": "preempted"}, updated_at=now
                    )
                ).rowcount
                or 0
            )
    result = conn.execute(update(runs).where(*silent).values(state="crashed", updated_at=now))
    return ended + int(result.rowcount or 0)


def count_runs_by_state(conn: Connection) -> dict[str, int]:
    """How many runs are in each state, every known state included (one GROUP BY)."""
    counts = dict.fromkeys(RUN_STATES, 0)
    for state, n in conn.execute(select(runs.c.state, func.count()).group_by(runs.c.state)):
        counts[str(state)] = int(n)
    return counts
