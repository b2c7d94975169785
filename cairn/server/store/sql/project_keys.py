"""Which config, summary and metric keys a project's runs have (for pickers and autocomplete)."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from cairn.server.metric_rules import merge_rules
from cairn.server.store.records import ProjectKeys
from cairn.server.store.sql.schema import run_kv, runs, series

MAX_KEYS = 5000
RULE_RUNS = 200
"""How many of a project's newest runs its metric rules are read from."""
SERIES_KINDS = {0: "history", 1: "system"}


def _kv_keys(conn: Connection, project_pk: int, prefix: str) -> list[tuple[str, int]]:
    # key >= prefix AND key < prefix-with-next-char: an index range on (project_pk, key)
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    rows = conn.execute(
        select(run_kv.c.key, func.count())
        .where(run_kv.c.project_pk == project_pk, run_kv.c.key >= prefix, run_kv.c.key < upper)
        .group_by(run_kv.c.key)
        .order_by(run_kv.c.key)
        .limit(MAX_KEYS)
    ).all()
    return [(str(key)[len(prefix) :], int(n)) for key, n in rows]


def project_keys(conn: Connection, project_pk: int) -> ProjectKeys:
    """Config and summary keys (without their prefix), metric series keys and the metric rules
    of a project."""
    metric_rows = conn.execute(
        select(series.c.key, series.c.kind, func.count())
        .select_from(series.join(runs, runs.c.pk == series.c.run_pk))
        .where(runs.c.project_pk == project_pk)
        .group_by(series.c.key, series.c.kind)
        .order_by(series.c.key)
        .limit(MAX_KEYS)
    ).all()
    # Only the rules are read out of each run's meta (the rest, e.g. its package list, can be
    # large), and only from the newest runs: an index range on (project_pk, pk).
    rule_rows = conn.execute(
        select(runs.c.meta["metrics"])
        .where(runs.c.project_pk == project_pk)
        .order_by(runs.c.pk.desc())
        .limit(RULE_RUNS)
    ).scalars()
    return ProjectKeys(
        config=_kv_keys(conn, project_pk, "config."),
        summary=_kv_keys(conn, project_pk, "summary."),
        metrics=[
            (str(k), SERIES_KINDS.get(int(kind), "history"), int(n)) for k, kind, n in metric_rows
        ],
        metric_rules=merge_rules(rule_rows),
    )
