"""How much disk a project takes: series chunks in the database, blobs its runs reference."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from cairn.server.store.records import ProjectUsage
from cairn.server.store.sql.schema import blobs, run_files, runs, series, series_chunks


def project_usage(conn: Connection, project_pk: int) -> ProjectUsage:
    """Counts and bytes of one project (blobs shared by several runs count once)."""
    run_count = conn.scalar(select(func.count()).where(runs.c.project_pk == project_pk)) or 0
    series_stats = conn.execute(
        select(
            func.count(func.distinct(series.c.pk)),
            func.coalesce(
                func.sum(
                    func.length(series_chunks.c.data)
                    + func.coalesce(func.length(series_chunks.c.blocks), 0)
                ),
                0,
            ),
        )
        .select_from(
            runs.join(series, series.c.run_pk == runs.c.pk).outerjoin(
                series_chunks, series_chunks.c.series_pk == series.c.pk
            )
        )
        .where(runs.c.project_pk == project_pk)
    ).one()
    shas = (
        select(run_files.c.sha256)
        .join(runs, runs.c.pk == run_files.c.run_pk)
        .where(runs.c.project_pk == project_pk)
        .distinct()
        .subquery()
    )
    files = conn.scalar(
        select(func.count())
        .select_from(run_files.join(runs, runs.c.pk == run_files.c.run_pk))
        .where(runs.c.project_pk == project_pk)
    )
    blob_bytes = conn.scalar(
        select(func.coalesce(func.sum(blobs.c.size), 0)).where(blobs.c.sha256.in_(select(shas)))
    )
    return ProjectUsage(
        runs=int(run_count),
        series=int(series_stats[0] or 0),
        series_bytes=int(series_stats[1] or 0),
        files=int(files or 0),
        blob_bytes=int(blob_bytes or 0),
    )
