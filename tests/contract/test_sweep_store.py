"""The sweep store on SQLite and PostgreSQL: hand-out (also concurrent), run_cap, control,
stop requests on ingest results, hyperband and the runs query's ``sweep`` field."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest

from cairn.errors import ConflictError, InvalidInputError, NotFoundError
from cairn.server.auth.principal import OPEN_PRINCIPAL
from cairn.server.store.metadata import MetadataStore
from cairn.server.store.sweeps import NextTrial
from tests.contract.test_metadata_store import batch, history

GRID5: dict[str, Any] = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"lr": {"values": [0.1, 0.01, 0.001, 0.0001, 0.00001]}},
}


def create(meta: MetadataStore, config: Any = GRID5, name: str | None = None) -> str:
    return meta.create_sweep(OPEN_PRINCIPAL, "team", "proj", config, name).id


def project_pk(meta: MetadataStore) -> int:
    return meta.resolve_project(OPEN_PRINCIPAL, "team", "proj", "viewer").pk


def send(meta: MetadataStore, run_id: str, records: list[Any]) -> Any:
    return meta.apply_batch(batch(records, run_id=run_id, stream=os.urandom(16)), OPEN_PRINCIPAL)


def finish(meta: MetadataStore, run_id: str, loss: float | None = None) -> None:
    records: list[Any] = []
    if loss is not None:
        records.append(["summary", {"set": {"loss": loss}}])
    records.append(["finish", {"time": 2000.0, "exit_code": 0}])
    assert send(meta, run_id, records).rejected == []


def test_create_get_list_and_bad_configs(meta: MetadataStore) -> None:
    yaml_text = (
        "method: random\nmetric: {name: acc, goal: maximize}\n"
        "parameters:\n  x: {min: 0.0, max: 1.0}\n"
    )
    a = create(meta, GRID5, name="first")
    b = create(meta, yaml_text)
    pk = project_pk(meta)
    got = meta.get_sweep(pk, a)
    assert (got.name, got.state, got.method, got.metric_name, got.metric_goal) == (
        "first",
        "pending",
        "grid",
        "loss",
        "minimize",
    )
    assert len(got.id) == 8
    assert got.id.isalnum()
    assert got.id.lower() == got.id
    assert got.config == GRID5
    assert got.best is None
    assert got.counts["running"] == 0
    assert meta.get_sweep(pk, b).metric_goal == "maximize"
    assert [s.id for s in meta.list_sweeps(pk, None, None, 10)] == [b, a]
    assert [s.id for s in meta.list_sweeps(pk, None, b, 10)] == [a]
    assert meta.list_sweeps(pk, "finished", None, 10) == []
    with pytest.raises(InvalidInputError) as bad:
        create(meta, {"method": "nope", "parameters": {"lr": {"min": 1.0, "max": 0.5}}})
    message = bad.value.message
    assert "method: unknown method 'nope'" in message
    assert "parameters.lr" in message
    assert len(meta.list_sweeps(pk, None, None, 10)) == 2
    with pytest.raises(NotFoundError):
        meta.get_sweep(pk, "zzzzzzzz")


def test_grid_hands_out_each_point_once_then_says_exhausted(meta: MetadataStore) -> None:
    sweep_id = create(meta)
    pk = project_pk(meta)
    trials = [meta.next_trial(pk, sweep_id, "agent-1") for _ in range(5)]
    assert all(t.trial is not None and t.state == "running" for t in trials)
    lrs = sorted(t.trial.params["lr"] for t in trials if t.trial)
    assert lrs == sorted(GRID5["parameters"]["lr"]["values"])
    assert meta.next_trial(pk, sweep_id, None) == NextTrial(None, "running", "exhausted")
    first = trials[0].trial
    assert first is not None
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", first.run_id, "viewer")
    assert run.state == "running"
    assert run.config == first.params
    assert run.sweep == sweep_id
    assert run.meta == {"sweep_agent": "agent-1"}
    project = meta.resolve_project(OPEN_PRINCIPAL, "team", "proj", "viewer")
    found = meta.query_runs(project, {"sweep": sweep_id}, None, limit=50).runs
    assert sorted(r.id for r in found) == sorted(t.trial.run_id for t in trials if t.trial)
    assert meta.query_runs(project, {"sweep": {"$exists": False}}, None, limit=50).runs == []
    # the runs end: the closed sweep finishes, and the best trial is the lowest loss
    for index, t in enumerate(trials):
        assert t.trial is not None
        finish(meta, t.trial.run_id, loss=float(5 - index))
    meta.evaluate_sweeps()
    done = meta.get_sweep(pk, sweep_id)
    assert done.state == "finished"
    assert done.counts["finished"] == 5
    assert done.best == (trials[-1].trial.run_id, 1.0)  # type: ignore[union-attr]
    assert meta.next_trial(pk, sweep_id, None) == NextTrial(None, "finished", "finished")


def test_concurrent_agents_never_share_a_trial(meta: MetadataStore) -> None:
    sweep_id = create(meta)
    pk = project_pk(meta)
    answers: list[NextTrial] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def agent() -> None:
        try:
            start.wait()
            answers.append(meta.next_trial(pk, sweep_id, None))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=agent) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    got = [a.trial for a in answers if a.trial is not None]
    assert len(got) == 5
    assert len({t.params["lr"] for t in got}) == 5
    assert len({t.run_id for t in got}) == 5
    assert sorted(a.reason for a in answers if a.trial is None) == ["exhausted"] * 3
    assert meta.get_sweep(pk, sweep_id).counts["running"] == 5


def test_run_cap_counts_every_trial(meta: MetadataStore) -> None:
    config = {**GRID5, "method": "random", "run_cap": 2}
    sweep_id = create(meta, config)
    pk = project_pk(meta)
    first = meta.next_trial(pk, sweep_id, None).trial
    assert first is not None
    assert meta.next_trial(pk, sweep_id, None).trial is not None
    finish(meta, first.run_id)
    assert meta.next_trial(pk, sweep_id, None) == NextTrial(None, "running", "run_cap")
    assert meta.get_sweep(pk, sweep_id).run_cap == 2


def test_pause_resume_stop_and_cancel(meta: MetadataStore) -> None:
    sweep_id = create(meta)
    pk = project_pk(meta)
    assert meta.control_sweep(pk, sweep_id, "pause").state == "paused"
    assert meta.next_trial(pk, sweep_id, None) == NextTrial(None, "paused", "paused")
    assert meta.control_sweep(pk, sweep_id, "resume").state == "pending"
    trial = meta.next_trial(pk, sweep_id, None).trial
    assert trial is not None
    # a run's ingest results carry no stop until one is requested
    assert send(meta, trial.run_id, []).stop is False
    stopped = meta.control_sweep(pk, sweep_id, "stop")
    assert stopped.state == "running"
    assert stopped.closed
    assert meta.next_trial(pk, sweep_id, None) == NextTrial(None, "running", "finished")
    assert send(meta, trial.run_id, []).stop is False  # stop lets running trials finish
    cancelled = meta.control_sweep(pk, sweep_id, "cancel")
    assert cancelled.state == "cancelled"
    assert send(meta, trial.run_id, []).stop is True
    assert send(meta, trial.run_id, [["heartbeat", {"time": 1.0}]]).stop is True
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", trial.run_id, "viewer")
    assert run.meta is not None
    assert run.meta["stop_requested"] == "sweep"
    # a run record replacing meta keeps the request
    send(meta, trial.run_id, [["run", {"meta": {"python": "3.11"}}]])
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", trial.run_id, "viewer")
    assert run.meta == {"stop_requested": "sweep", "python": "3.11"}
    with pytest.raises(ConflictError):
        meta.control_sweep(pk, sweep_id, "resume")
    assert meta.next_trial(pk, sweep_id, None) == NextTrial(None, "cancelled", "cancelled")


def test_request_stop_of_any_run(meta: MetadataStore) -> None:
    send(meta, "plain001", [["run", {"created_at": 1.0}]])
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "plain001", "viewer")
    assert run.sweep is None
    meta.request_stop(run.pk, "user")
    meta.request_stop(run.pk, "early_terminate")  # the first reason stays
    assert send(meta, "plain001", []).stop is True
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "plain001", "viewer")
    assert run.meta == {"stop_requested": "user"}


def test_hyperband_stops_the_clearly_bad_run(meta: MetadataStore) -> None:
    config = {
        **GRID5,
        "early_terminate": {"type": "hyperband", "min_iter": 1, "eta": 3},
    }
    sweep_id = create(meta, config)
    pk = project_pk(meta)
    trials = [meta.next_trial(pk, sweep_id, None).trial for _ in range(3)]
    losses = {0: [0.1, 0.05], 1: [0.2, 0.1], 2: [5.0, 4.0]}
    for index, trial in enumerate(trials):
        assert trial is not None
        rows = [(step, {"loss": v}) for step, v in enumerate(losses[index])]
        assert send(meta, trial.run_id, [history(rows)]).sweep_pk is not None
    bad = trials[2]
    assert bad is not None
    sweep = meta.get_sweep(pk, sweep_id)
    assert meta.evaluate_sweep(sweep.pk) == [bad.run_id]
    assert meta.evaluate_sweep(sweep.pk) == []  # asked once
    assert send(meta, bad.run_id, []).stop is True
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", bad.run_id, "viewer")
    assert run.meta == {"stop_requested": "early_terminate"}
    good = trials[0]
    assert good is not None
    assert send(meta, good.run_id, []).stop is False
