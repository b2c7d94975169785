"""media: the `_type` of media values and an index of each run's media keys

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MAX_TYPE = 32
BATCH = 5000

# Frozen copies of the columns the backfill reads and writes (never the live schema module).
_values = sa.table(
    "run_values",
    sa.column("pk", sa.BigInteger()),
    sa.column("run_pk", sa.BigInteger()),
    sa.column("key", sa.String()),
    sa.column("step", sa.BigInteger()),
    sa.column("value", sa.JSON().with_variant(JSONB(), "postgresql")),
    sa.column("media_type", sa.String()),
)
_runs = sa.table("runs", sa.column("pk", sa.BigInteger()), sa.column("project_pk", sa.BigInteger()))
_media_keys = sa.table(
    "run_media_keys",
    sa.column("run_pk", sa.BigInteger()),
    sa.column("key", sa.String()),
    sa.column("project_pk", sa.BigInteger()),
    sa.column("media_type", sa.String()),
    sa.column("count", sa.BigInteger()),
    sa.column("step_min", sa.BigInteger()),
    sa.column("step_max", sa.BigInteger()),
)


def upgrade() -> None:
    op.add_column("run_values", sa.Column("media_type", sa.String(length=32), nullable=True))
    op.create_table(
        "run_media_keys",
        sa.Column("run_pk", BigId, nullable=False),
        sa.Column("key", sa.String(length=256), nullable=False),
        sa.Column("project_pk", BigId, nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("step_min", sa.BigInteger(), nullable=False),
        sa.Column("step_max", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["run_pk"], ["runs.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_pk", "key"),
    )
    op.create_index("ix_run_media_keys_project_key", "run_media_keys", ["project_pk", "key"])
    _backfill(op.get_bind())


def _media_type(value: Any) -> str | None:
    kind = value.get("_type") if isinstance(value, dict) else None
    return kind if isinstance(kind, str) and 0 < len(kind) <= MAX_TYPE else None


def _backfill(conn: sa.Connection) -> None:
    """Mark media values and index their keys, reading values in pk order, a batch at a time.

    Plain SQL on both backends (no JSON operators): the value is parsed here in Python.
    """
    keys: dict[tuple[int, str], list[Any]] = {}  # -> [type, count, step_min, step_max]
    after = 0
    while True:
        rows = conn.execute(
            sa.select(_values.c.pk, _values.c.run_pk, _values.c.key, _values.c.step)
            .add_columns(_values.c.value)
            .where(_values.c.pk > after)
            .order_by(_values.c.pk)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        after = rows[-1].pk
        marked = []
        for row in rows:
            kind = _media_type(row.value)
            if kind is None:
                continue
            marked.append({"b_pk": row.pk, "b_type": kind})
            entry = keys.get((row.run_pk, row.key))
            if entry is None:
                keys[(row.run_pk, row.key)] = [kind, 1, row.step, row.step]
            else:
                entry[0] = kind  # pk order is arrival order: the latest `_type` wins
                entry[1] += 1
                entry[2] = min(entry[2], row.step)
                entry[3] = max(entry[3], row.step)
        if marked:
            conn.execute(
                sa.update(_values)
                .where(_values.c.pk == sa.bindparam("b_pk"))
                .values(media_type=sa.bindparam("b_type")),
                marked,
            )
    if not keys:
        return
    run_pks = sorted({run_pk for run_pk, _ in keys})
    projects: dict[int, int] = {}
    for start in range(0, len(run_pks), 500):
        chunk = run_pks[start : start + 500]
        for pk, project_pk in conn.execute(
            sa.select(_runs.c.pk, _runs.c.project_pk).where(_runs.c.pk.in_(chunk))
        ):
            projects[pk] = project_pk
    rows_out = [
        {
            "run_pk": run_pk,
            "key": key,
            "project_pk": projects[run_pk],
            "media_type": kind,
            "count": count,
            "step_min": lo,
            "step_max": hi,
        }
        for (run_pk, key), (kind, count, lo, hi) in keys.items()
        if run_pk in projects
    ]
    for start in range(0, len(rows_out), BATCH):
        conn.execute(sa.insert(_media_keys), rows_out[start : start + BATCH])


def downgrade() -> None:
    op.drop_index("ix_run_media_keys_project_key", table_name="run_media_keys")
    op.drop_table("run_media_keys")
    op.drop_column("run_values", "media_type")
