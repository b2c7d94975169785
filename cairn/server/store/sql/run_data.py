"""What a run holds beside its series, in SQL: console lines, files, non-numeric values."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from cairn.server.store.records import ConsoleLine, RunFile, RunValue
from cairn.server.store.sql.schema import console_chunks, run_files, run_values, runs


def read_console(
    conn: Connection, run_pk: int, start: int, limit: int
) -> tuple[list[ConsoleLine], int]:
    """Console lines ``start`` .. ``start + limit`` and the run's total number of lines."""
    end = start + limit
    chunks = conn.execute(
        select(console_chunks)
        .where(
            console_chunks.c.run_pk == run_pk,
            console_chunks.c.first_line < end,
            console_chunks.c.first_line + console_chunks.c.n_lines > start,
        )
        .order_by(console_chunks.c.first_line)
    ).all()
    total = int(conn.scalar(select(runs.c.console_lines).where(runs.c.pk == run_pk)) or 0)
    lines = []
    for chunk in chunks:
        for i, text in enumerate(chunk.lines):
            number = chunk.first_line + i
            if start <= number < end:
                lines.append(ConsoleLine(number, chunk.stream, chunk.time, text))
    return lines, total


def list_files(
    conn: Connection,
    run_pk: int,
    prefix: str = "",
    after: str | None = None,
    limit: int | None = None,
) -> list[RunFile]:
    """The run's files by path: starting with ``prefix``, after the path ``after``, ``limit``."""
    query = select(run_files).where(run_files.c.run_pk == run_pk)
    if prefix:
        # An exact comparison of the start: LIKE ignores case on SQLite and needs escaping.
        query = query.where(func.substr(run_files.c.path, 1, len(prefix)) == prefix)
    if after is not None:
        query = query.where(run_files.c.path > after)
    query = query.order_by(run_files.c.path)
    if limit is not None:
        query = query.limit(limit)
    rows = conn.execute(query).all()
    return [RunFile(r.path, r.sha256, r.size, r.updated_at) for r in rows]


def file_sha256(conn: Connection, run_pk: int, path: str) -> str | None:
    """The blob address of one of the run's files, or None."""
    sha = conn.scalar(
        select(run_files.c.sha256).where(run_files.c.run_pk == run_pk, run_files.c.path == path)
    )
    return None if sha is None else str(sha)


def read_values(
    conn: Connection,
    run_pk: int,
    key: str,
    after: int,
    limit: int,
    step_min: int | None = None,
    step_max: int | None = None,
) -> list[RunValue]:
    """Values of ``key`` within the step range in (step, arrival) order from position ``after``."""
    query = select(run_values.c.step, run_values.c.time, run_values.c.value).where(
        run_values.c.run_pk == run_pk, run_values.c.key == key
    )
    if step_min is not None:
        query = query.where(run_values.c.step >= step_min)
    if step_max is not None:
        query = query.where(run_values.c.step <= step_max)
    rows = conn.execute(
        query.order_by(run_values.c.step, run_values.c.pk).offset(after).limit(limit)
    ).all()
    return [RunValue(r.step, r.time, r.value) for r in rows]
