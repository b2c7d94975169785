"""Sweeps in SQL: creation, listing, the locked hand-out, control, stop requests, hyperband.

The hand-out holds the sweep row for its whole transaction (``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite every write transaction begins ``IMMEDIATE``, which serialises them), so
the trials it reads are exactly those committed before it and two agents never get one trial.
"""

from __future__ import annotations

import abc
import math
import secrets
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection, Row, and_, exists, func, insert, or_, select, update

from cairn.errors import ConflictError, InvalidInputError, NotFoundError
from cairn.naming import new_run_id, new_run_name
from cairn.server.auth.principal import Principal
from cairn.server.jsonvalues import json_safe
from cairn.server.store.base import SeriesStore
from cairn.server.store.sql import kv
from cairn.server.store.sql.access import authorize_write
from cairn.server.store.sql.projects import ensure_project, touch_project
from cairn.server.store.sql.schema import (
    VTYPE_NUMBER,
    entities,
    projects,
    run_kv,
    runs,
    series,
    sweeps,
)
from cairn.server.store.sweeps import (
    MAX_SWEEPS_PAGE,
    SWEEP_STATES,
    NextTrial,
    StopReason,
    SweepAction,
    SweepRecord,
    SweepStore,
    Trial,
)
from cairn.sweeps import SweepConfig, hyperband_stop, parse_config, strategy
from cairn.sweeps import Trial as EngineTrial

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_DONE = ("finished", "cancelled")
MAX_HISTORY_POINTS = 100_000
"""Most metric values read per trial for hyperband (its brackets sit far below)."""


def new_sweep_id() -> str:
    """8 random base-36 characters."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


def _select() -> Any:
    return (
        select(sweeps, entities.c.name.label("entity_name"), projects.c.name.label("project_name"))
        .join(projects, projects.c.pk == sweeps.c.project_pk)
        .join(entities, entities.c.pk == projects.c.entity_pk)
    )


def _row(conn: Connection, project_pk: int, sweep_id: str, *, lock: bool = False) -> Row[Any]:
    query = _select().where(sweeps.c.project_pk == project_pk, sweeps.c.id == sweep_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(of=sweeps)
    row = conn.execute(query).one_or_none()
    if row is None:
        raise NotFoundError(f"sweep {sweep_id!r} does not exist in this project")
    return row


def _counts(conn: Connection, sweep_pk: int) -> dict[str, int]:
    counts = dict.fromkeys(("running", "finished", "failed", "crashed", "killed"), 0)
    query = select(runs.c.state, func.count()).where(runs.c.sweep_pk == sweep_pk)
    for state, n in conn.execute(query.group_by(runs.c.state)):
        counts[str(state)] = int(n)
    return counts


def _best(conn: Connection, row: Row[Any]) -> tuple[str, float] | None:
    if not row.metric_name:
        return None
    num = run_kv.c.num
    order = num.desc() if row.metric_goal == "maximize" else num.asc()
    best = conn.execute(
        select(runs.c.id, num)
        .select_from(run_kv.join(runs, runs.c.pk == run_kv.c.run_pk))
        .where(
            runs.c.sweep_pk == row.pk,
            run_kv.c.key == "summary." + row.metric_name,
            run_kv.c.vtype == VTYPE_NUMBER,
            num > -math.inf,
            num < math.inf,
        )
        .order_by(order, runs.c.pk)
        .limit(1)
    ).first()
    return None if best is None else (str(best.id), float(best.num))


def to_record(conn: Connection, row: Row[Any]) -> SweepRecord:
    """A sweep row (from ``_select``) with its counts and best trial."""
    return SweepRecord(
        pk=row.pk,
        project_pk=row.project_pk,
        entity=row.entity_name,
        project=row.project_name,
        id=row.id,
        name=row.name,
        state=row.state,
        config=dict(row.config),
        method=row.method,
        metric_name=row.metric_name,
        metric_goal=row.metric_goal,
        seed=int(row.seed),
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
        closed=row.closed_at is not None,
        counts=_counts(conn, row.pk),
        best=_best(conn, row),
    )


def create_sweep(
    conn: Connection,
    project_pk: int,
    config: Mapping[str, Any] | str,
    name: str | None,
    created_by: str | None,
) -> SweepRecord:
    """Validate and store a pending sweep (InvalidInputError listing every config problem)."""
    parsed = parse_config(config)
    given = parse_given(config)
    if name is None:
        name = given.get("name") if isinstance(given.get("name"), str) else None
    now = time.time()
    for _ in range(8):
        sweep_id = new_sweep_id()
        taken = conn.scalar(
            select(sweeps.c.pk).where(sweeps.c.project_pk == project_pk, sweeps.c.id == sweep_id)
        )
        if taken is None:
            break
    else:  # pragma: no cover - 36^8 ids
        raise ConflictError("could not pick a free sweep id; try again")
    metric = parsed.metric
    conn.execute(
        insert(sweeps).values(
            project_pk=project_pk,
            id=sweep_id,
            name=(name or sweep_id)[:256],
            state="pending",
            config=json_safe(given),
            method=parsed.method,
            metric_name=metric.name if metric else None,
            metric_goal=metric.goal if metric else None,
            seed=secrets.randbelow(2**31),
            created_at=now,
            updated_at=now,
            created_by=created_by,
        )
    )
    return to_record(conn, _row(conn, project_pk, sweep_id))


def parse_given(config: Mapping[str, Any] | str) -> dict[str, Any]:
    """The config as given, as a dict (YAML text parsed); call after validation."""
    if isinstance(config, str):
        import yaml

        loaded = yaml.safe_load(config)
        return dict(loaded)
    return dict(config)


def list_sweeps(
    conn: Connection, project_pk: int, state: str | None, after: str | None, limit: int
) -> list[SweepRecord]:
    """The project's sweeps newest first, after the sweep ``after``."""
    if state is not None and state not in SWEEP_STATES:
        raise InvalidInputError(f"state: unknown sweep state {state!r}; one of {SWEEP_STATES}")
    if not 1 <= limit <= MAX_SWEEPS_PAGE:
        raise InvalidInputError(f"limit must be from 1 to {MAX_SWEEPS_PAGE}")
    query = _select().where(sweeps.c.project_pk == project_pk)
    if state is not None:
        query = query.where(sweeps.c.state == state)
    if after is not None:
        last = _row(conn, project_pk, after)
        query = query.where(
            or_(
                sweeps.c.created_at < last.created_at,
                and_(sweeps.c.created_at == last.created_at, sweeps.c.pk < last.pk),
            )
        )
    rows = conn.execute(
        query.order_by(sweeps.c.created_at.desc(), sweeps.c.pk.desc()).limit(limit)
    ).all()
    return [to_record(conn, row) for row in rows]


def get_sweep(conn: Connection, project_pk: int, sweep_id: str) -> SweepRecord:
    """One sweep or NotFoundError."""
    return to_record(conn, _row(conn, project_pk, sweep_id))


def trial_value(summary: Mapping[str, Any], metric: str) -> float | None:
    """``summary[metric]`` when it is a finite number (a flat key, else a dotted path)."""
    value: Any = summary.get(metric)
    if value is None and "." in metric:
        node: Any = summary
        for part in metric.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        value = node
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _trials(conn: Connection, sweep_pk: int, config: SweepConfig) -> list[EngineTrial]:
    rows = conn.execute(
        select(runs.c.state, runs.c.config, runs.c.summary).where(runs.c.sweep_pk == sweep_pk)
    ).all()
    metric = config.metric.name if config.metric else None
    out = []
    for row in rows:
        value = trial_value(row.summary or {}, metric) if metric else None
        out.append(EngineTrial(params=dict(row.config or {}), value=value, state=row.state))
    return out


def _running(conn: Connection, sweep_pk: int) -> int:
    query = select(func.count()).where(runs.c.sweep_pk == sweep_pk, runs.c.state == "running")
    return int(conn.scalar(query) or 0)


def _close(conn: Connection, row: Row[Any], now: float, running: int) -> str:
    """Hand out nothing more; finished at once when no trial runs. Returns the new state."""
    state = "finished" if running == 0 and row.state not in _DONE else row.state
    if state == "paused" and running:
        state = "running"  # a stopped sweep is not waiting for a resume
    values: dict[str, Any] = {"state": state, "updated_at": now}
    if row.closed_at is None:
        values["closed_at"] = now
    conn.execute(update(sweeps).where(sweeps.c.pk == row.pk).values(**values))
    return state


def next_trial(conn: Connection, project_pk: int, sweep_id: str, agent: str | None) -> NextTrial:
    """The hand-out, in the caller's write transaction (see the module docstring)."""
    row = _row(conn, project_pk, sweep_id, lock=True)
    if row.state in ("paused", *_DONE):
        return NextTrial(None, row.state, row.state)
    config = parse_config(row.config)
    trials = _trials(conn, row.pk, config)
    now = time.time()
    running = sum(1 for t in trials if t.state == "running")
    cap = config.run_cap
    if cap is not None and len(trials) >= cap:
        return NextTrial(None, _close(conn, row, now, running), "run_cap")
    points = strategy(config, row.seed).suggest(trials, 1)
    if not points:
        return NextTrial(None, _close(conn, row, now, running), "exhausted")
    if row.closed_at is not None:  # stopped
        return NextTrial(None, _close(conn, row, now, running), "finished")
    params = points[0]
    run_id = _free_run_id(conn, project_pk)
    meta = {"sweep_agent": agent} if agent else None
    result = conn.execute(
        insert(runs).values(
            project_pk=project_pk,
            id=run_id,
            name=new_run_name(),
            state="running",
            config=json_safe(params),
            summary={},
            tags=[],
            notes="",
            meta=meta,
            created_at=now,
            updated_at=now,
            heartbeat_at=now,
            console_lines=0,
            sweep_pk=row.pk,
        )
    )
    inserted = result.inserted_primary_key
    assert inserted is not None
    run_pk = int(inserted[0])
    kv.sync_kv(conn, run_pk, project_pk, "config", params, ())
    conn.execute(
        update(sweeps).where(sweeps.c.pk == row.pk).values(state="running", updated_at=now)
    )
    touch_project(conn, project_pk, now)
    return NextTrial(Trial(run_id, params), "running")


def _free_run_id(conn: Connection, project_pk: int) -> str:
    for _ in range(8):
        run_id = new_run_id()
        query = select(runs.c.pk).where(runs.c.project_pk == project_pk, runs.c.id == run_id)
        if conn.scalar(query) is None:
            return run_id
    raise ConflictError("could not pick a free run id; try again")  # pragma: no cover


def control_sweep(
    conn: Connection, project_pk: int, sweep_id: str, action: SweepAction
) -> SweepRecord:
    """Pause, resume, stop or cancel (see SweepStore.control_sweep)."""
    row = _row(conn, project_pk, sweep_id, lock=True)
    now = time.time()
    running = _running(conn, row.pk)
    if action == "pause":
        if row.state in _DONE:
            raise ConflictError(f"sweep {row.id} is {row.state}; it cannot be paused")
        _set_state(conn, row.pk, "paused", now)
    elif action == "resume":
        if row.state in _DONE:
            raise ConflictError(f"sweep {row.id} is {row.state}; it cannot be resumed")
        has_trials = conn.scalar(select(exists().where(runs.c.sweep_pk == row.pk)))
        _set_state(conn, row.pk, "running" if has_trials else "pending", now)
        if row.closed_at is not None and running == 0:
            _set_state(conn, row.pk, "finished", now)
    elif action == "stop":
        if row.state not in _DONE:
            _close(conn, row, now, running)
    elif action == "cancel":
        if row.state != "cancelled":
            values: dict[str, Any] = {"state": "cancelled", "updated_at": now}
            if row.closed_at is None:
                values["closed_at"] = now
            conn.execute(update(sweeps).where(sweeps.c.pk == row.pk).values(**values))
            trial_pks = conn.scalars(
                select(runs.c.pk).where(runs.c.sweep_pk == row.pk, runs.c.state == "running")
            ).all()
            for run_pk in trial_pks:
                request_stop(conn, int(run_pk), "sweep")
    else:
        raise InvalidInputError(
            f"action: unknown action {action!r}; one of pause, resume, stop, cancel"
        )
    return to_record(conn, _row(conn, project_pk, sweep_id))


def _set_state(conn: Connection, sweep_pk: int, state: str, now: float) -> None:
    conn.execute(update(sweeps).where(sweeps.c.pk == sweep_pk).values(state=state, updated_at=now))


def request_stop(conn: Connection, run_pk: int, reason: StopReason) -> bool:
    """Set ``meta.stop_requested`` unless already set; True when it was newly set."""
    query = select(runs.c.meta).where(runs.c.pk == run_pk)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    meta = conn.execute(query).scalar_one_or_none()
    meta = dict(meta) if isinstance(meta, dict) else {}
    if meta.get("stop_requested"):
        return False
    meta["stop_requested"] = reason
    conn.execute(update(runs).where(runs.c.pk == run_pk).values(meta=meta))
    return True


def read_histories(
    conn: Connection, store: SeriesStore, sweep_pk: int, metric: str
) -> tuple[dict[str, list[float]], set[int], dict[str, int]]:
    """Hyperband's input for one sweep: run id → metric values in step order, the running
    trials' pks not yet asked to stop, and run id → pk."""
    rows = conn.execute(
        select(runs.c.pk, runs.c.id, runs.c.state, runs.c.meta, series.c.points)
        .select_from(runs.join(series, and_(series.c.run_pk == runs.c.pk, series.c.key == metric)))
        .where(runs.c.sweep_pk == sweep_pk, series.c.kind == 0)
    ).all()
    histories: dict[str, list[float]] = {}
    running: set[int] = set()
    pks: dict[str, int] = {}
    for row in rows:
        limit = min(int(row.points), MAX_HISTORY_POINTS)
        if limit < 1:
            continue
        points = store.read_points(conn, row.pk, metric, 0, limit)
        histories[row.id] = [float(v) for v in points.values]
        pks[row.id] = row.pk
        asked = isinstance(row.meta, dict) and row.meta.get("stop_requested")
        if row.state == "running" and not asked:
            running.add(row.pk)
    return histories, running, pks


class SqlSweeps(SweepStore):
    """The SQL implementation, mixed into the SQL metadata store."""

    series: SeriesStore

    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[Connection]: ...

    @abc.abstractmethod
    def _write(self) -> AbstractContextManager[Connection]: ...

    def create_sweep(
        self,
        who: Principal,
        entity: str,
        project: str,
        config: dict[str, Any] | str,
        name: str | None,
    ) -> SweepRecord:
        parse_config(config)  # refuse a bad config before taking the write lock
        with self._write() as conn:
            authorize_write(conn, who, entity, project)
            project_pk = ensure_project(conn, entity, project)
            return create_sweep(conn, project_pk, config, name, who.username)

    def list_sweeps(
        self, project_pk: int, state: str | None, after: str | None, limit: int
    ) -> list[SweepRecord]:
        with self._read() as conn:
            return list_sweeps(conn, project_pk, state, after, limit)

    def get_sweep(self, project_pk: int, sweep_id: str) -> SweepRecord:
        with self._read() as conn:
            return get_sweep(conn, project_pk, sweep_id)

    def next_trial(self, project_pk: int, sweep_id: str, agent: str | None) -> NextTrial:
        with self._write() as conn:
            return next_trial(conn, project_pk, sweep_id, agent)

    def control_sweep(self, project_pk: int, sweep_id: str, action: SweepAction) -> SweepRecord:
        with self._write() as conn:
            return control_sweep(conn, project_pk, sweep_id, action)

    def request_stop(self, run_pk: int, reason: StopReason) -> None:
        with self._write() as conn:
            request_stop(conn, run_pk, reason)

    def evaluate_sweep(self, sweep_pk: int) -> list[str]:
        with self._read() as conn:
            row = conn.execute(select(sweeps).where(sweeps.c.pk == sweep_pk)).one_or_none()
            if row is None or row.state in _DONE:
                return []
            config = parse_config(row.config)
            stop_ids: list[str] = []
            to_stop: list[int] = []
            if config.early_terminate is not None and config.metric is not None:
                histories, running, pks = read_histories(
                    conn, self.series, row.pk, config.metric.name
                )
                if running:
                    ids = {run_id for run_id, pk in pks.items() if pk in running}
                    stop_ids = hyperband_stop(config, histories, ids)
                    to_stop = [pks[run_id] for run_id in stop_ids]
        with self._write() as conn:
            done = [pk for pk in to_stop if request_stop(conn, pk, "early_terminate")]
            current = conn.execute(select(sweeps).where(sweeps.c.pk == sweep_pk)).one_or_none()
            if (
                current is not None
                and current.closed_at is not None
                and current.state not in _DONE
                and _running(conn, sweep_pk) == 0
            ):
                _set_state(conn, sweep_pk, "finished", time.time())
        return [run_id for run_id, pk in zip(stop_ids, to_stop, strict=True) if pk in done]

    def evaluate_sweeps(self) -> int:
        with self._read() as conn:
            active = conn.scalars(
                select(sweeps.c.pk).where(
                    sweeps.c.state.in_(("pending", "running", "paused")),
                    or_(
                        sweeps.c.closed_at.is_not(None),
                        exists().where(runs.c.sweep_pk == sweeps.c.pk, runs.c.state == "running"),
                    ),
                )
            ).all()
        return sum(len(self.evaluate_sweep(int(pk))) for pk in active)
