"""alerts and value keys: the alerts runs raise, and an index of each run's plain value keys

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-20 10:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BATCH = 500

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
_value_keys = sa.table(
    "run_value_keys",
    sa.column("run_pk", sa.BigInteger()),
    sa.column("key", sa.String()),
    sa.column("value_type", sa.String()),
    sa.column("count", sa.BigInteger()),
    sa.column("step_min", sa.BigInteger()),
    sa.column("step_max", sa.BigInteger()),
)


def upgrade() -> None:
    op.create_table(
        "run_value_keys",
        sa.Column("run_pk", BigId, nullable=False),
        sa.Column("key", sa.String(length=256), nullable=False),
        sa.Column("value_type", sa.String(length=16), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("step_min", sa.BigInteger(), nullable=False),
        sa.Column("step_max", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["run_pk"], ["runs.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_pk", "key"),
    )
    op.create_table(
        "run_alerts",
        sa.Column("pk", BigId, autoincrement=True, nullable=False),
        sa.Column("run_pk", BigId, nullable=False),
        sa.Column("time", sa.Float(), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("wait_s", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["run_pk"], ["runs.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_index("ix_run_alerts_run_pk", "run_alerts", ["run_pk", "pk"])
    _backfill(op.get_bind())


def _value_type(value: Any) -> str:
    # the same names as cairn.server.store.sql.value_keys.value_type (frozen here)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _backfill(conn: sa.Connection) -> None:
    """Index the keys of values logged before this revision: counts and step ranges in SQL,
    the type from each key's latest value (parsed here in Python, plain SQL on both backends)."""
    c = _values.c
    groups = conn.execute(
        sa.select(
            c.run_pk, c.key, sa.func.count(), sa.func.min(c.step), sa.func.max(c.step),
            sa.func.max(c.pk),
        )
        .where(c.media_type.is_(None))
        .group_by(c.run_pk, c.key)
    ).all()  # fmt: skip
    for start in range(0, len(groups), BATCH):
        chunk = groups[start : start + BATCH]
        latest = dict(
            conn.execute(sa.select(c.pk, c.value).where(c.pk.in_([g[5] for g in chunk]))).all()
        )
        conn.execute(
            sa.insert(_value_keys),
            [
                {"run_pk": run_pk, "key": key, "value_type": _value_type(latest.get(last)),
                 "count": count, "step_min": lo, "step_max": hi}
                for run_pk, key, count, lo, hi, last in chunk
            ],
        )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_run_alerts_run_pk", table_name="run_alerts")
    op.drop_table("run_alerts")
    op.drop_table("run_value_keys")
