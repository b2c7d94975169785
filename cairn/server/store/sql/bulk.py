"""Changes to many runs of one project at once: tags, archive, move, delete (one transaction)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from sqlalchemy import Connection, delete, select, update

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.store.metadata import MAX_BULK
from cairn.server.store.records import ProjectRecord
from cairn.server.store.sql import kv, projects, runs
from cairn.server.store.sql.schema import runs as runs_table


def resolve_ids(conn: Connection, project_pk: int, run_ids: Sequence[str]) -> list[int]:
    """The pks of ``run_ids`` in the project; NotFoundError naming any that is not there."""
    wanted = list(dict.fromkeys(run_ids))
    if not wanted:
        raise InvalidInputError("name at least one run")
    if len(wanted) > MAX_BULK:
        raise InvalidInputError(f"at most {MAX_BULK} runs per call; split the selection")
    found: dict[str, int] = {}
    for i in range(0, len(wanted), 500):
        rows = conn.execute(
            select(runs_table.c.id, runs_table.c.pk).where(
                runs_table.c.project_pk == project_pk, runs_table.c.id.in_(wanted[i : i + 500])
            )
        ).all()
        found.update({r.id: int(r.pk) for r in rows})
    missing = [run_id for run_id in wanted if run_id not in found]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise NotFoundError(f"{len(missing)} of the runs do not exist in this project: {shown}")
    return [found[run_id] for run_id in wanted]


def retag(
    conn: Connection, project_pk: int, run_pks: list[int], add: Sequence[str], remove: Sequence[str]
) -> None:
    """Add and remove tags on each run, keeping each run's other tags in order."""
    for tag in [*add, *remove]:
        if not isinstance(tag, str) or not tag or len(tag) > 256:
            raise InvalidInputError("tags must be non-empty strings of at most 256 characters")
    dropped = set(remove)
    now = time.time()
    for run_pk in run_pks:
        current = conn.scalar(select(runs_table.c.tags).where(runs_table.c.pk == run_pk)) or []
        tags = [t for t in dict.fromkeys([*current, *add]) if t not in dropped]
        if tags != list(current):
            conn.execute(
                update(runs_table)
                .where(runs_table.c.pk == run_pk)
                .values(tags=tags, updated_at=now)
            )
            kv.sync_tags(conn, run_pk, project_pk, tags)


def set_archived(conn: Connection, run_pks: list[int], archived: bool) -> None:
    """Archive (hide from default listings) or restore runs; already so is left alone."""
    now = time.time()
    for i in range(0, len(run_pks), 500):
        chunk = run_pks[i : i + 500]
        if archived:
            stmt = (
                update(runs_table)
                .where(runs_table.c.pk.in_(chunk), runs_table.c.archived_at.is_(None))
                .values(archived_at=now, updated_at=now)
            )
        else:
            stmt = (
                update(runs_table)
                .where(runs_table.c.pk.in_(chunk), runs_table.c.archived_at.is_not(None))
                .values(archived_at=None, updated_at=now)
            )
        conn.execute(stmt)


def move(conn: Connection, project: ProjectRecord, run_pks: list[int], target: str) -> None:
    """Move runs to another project of the same entity (created when absent)."""
    if target == project.name:
        return
    target_pk = projects.ensure_project(conn, project.entity, target)
    for record in runs.get_runs(conn, run_pks):
        runs.move_run(conn, record, target_pk)


def delete_runs(conn: Connection, run_pks: list[int]) -> None:
    """Delete runs and everything stored under them."""
    for i in range(0, len(run_pks), 500):
        conn.execute(delete(runs_table).where(runs_table.c.pk.in_(run_pks[i : i + 500])))
