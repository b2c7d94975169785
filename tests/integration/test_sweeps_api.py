"""Sweeps over HTTP against a real server (SQLite and PostgreSQL): create, read, hand out,
control, stop requests on ingest responses, the runs query by sweep, hyperband, roles."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.authhelp import ADMIN, login, start_auth_server
from tests.serverproc import ServerProcess
from tests.wirehelp import history_record, new_stream, post_batch

PROJECT = "/api/v1/projects/team/proj"
YAML = """\
program: train.py
method: grid
metric:
  name: loss
  goal: minimize
parameters:
  lr:
    values: [0.1, 0.01, 0.001]
  layers:
    value: 2
"""


@pytest.fixture
def client(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as c:
        yield c


def create(client: httpx.Client, config: Any, **extra: Any) -> dict[str, Any]:
    response = client.post(f"{PROJECT}/sweeps", json={"config": config, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def sweep_url(sweep: dict[str, Any]) -> str:
    return f"/api/v1/sweeps/{sweep['path']}"


def heartbeat(client: httpx.Client, run_id: str) -> dict[str, Any]:
    response = post_batch(client, [], 0, new_stream(), run_id=run_id)
    assert response.status_code == 200, response.text
    return response.json()


def test_create_read_list_and_bad_configs(client: httpx.Client) -> None:
    sweep = create(client, YAML, name="from yaml")
    assert sweep["state"] == "pending"
    assert sweep["name"] == "from yaml"
    assert sweep["method"] == "grid"
    assert sweep["metric"] == {"name": "loss", "goal": "minimize"}
    assert sweep["path"] == f"team/proj/{sweep['id']}"
    assert len(sweep["id"]) == 8
    assert sweep["counts"] == {"running": 0, "finished": 0, "failed": 0, "crashed": 0, "killed": 0}
    assert sweep["best"] is None
    assert sweep["run_cap"] is None
    as_dict = create(client, {"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}})
    assert client.get(sweep_url(sweep)).json() == sweep
    listed = client.get(f"{PROJECT}/sweeps").json()
    assert [s["id"] for s in listed["sweeps"]] == [as_dict["id"], sweep["id"]]
    page = client.get(f"{PROJECT}/sweeps", params={"limit": 1}).json()
    assert page["next_after"] == as_dict["id"]
    rest = client.get(f"{PROJECT}/sweeps", params={"after": page["next_after"]}).json()
    assert [s["id"] for s in rest["sweeps"]] == [sweep["id"]]
    assert client.get(f"{PROJECT}/sweeps", params={"state": "paused"}).json()["sweeps"] == []

    bad = client.post(
        f"{PROJECT}/sweeps",
        json={
            "config": {
                "method": "grid",
                "parameters": {"lr": {"distribution": "log_uniform_values", "min": 0, "max": 1}},
                "run_cap": 0,
            }
        },
    )
    assert bad.status_code == 400
    detail = bad.json()["detail"]
    assert "parameters.lr.min: must be > 0 for log_uniform_values" in detail
    assert "run_cap: must be an integer > 0" in detail
    assert client.post(f"{PROJECT}/sweeps", json={"config": "method: [oops"}).status_code == 400
    assert len(client.get(f"{PROJECT}/sweeps").json()["sweeps"]) == 2
    assert client.get("/api/v1/sweeps/team/proj/zzzzzzzz").status_code == 404
    assert client.get("/api/v1/sweeps/team/nope/zzzzzzzz").status_code == 404
    assert client.post(f"{sweep_url(sweep)}/control", json={"action": "x"}).status_code == 422


def test_next_control_stop_and_runs_query(client: httpx.Client) -> None:
    sweep = create(client, YAML)
    url = sweep_url(sweep)
    first = client.post(f"{url}/next", json={"agent": "host-1"}).json()
    assert first["state"] == "running"
    assert first["reason"] is None
    trial = first["trial"]
    assert trial["params"] == {"lr": 0.1, "layers": 2}
    run = client.get(f"/api/v1/runs/team/proj/{trial['run_id']}").json()
    assert run["state"] == "running"
    assert run["config"] == trial["params"]
    assert run["sweep"] == sweep["id"]

    assert client.post(f"{url}/control", json={"action": "pause"}).json()["state"] == "paused"
    paused = client.post(f"{url}/next").json()
    assert paused == {"trial": None, "state": "paused", "reason": "paused"}
    assert client.post(f"{url}/control", json={"action": "resume"}).json()["state"] == "running"
    second = client.post(f"{url}/next", json={}).json()["trial"]

    query = client.post(f"{PROJECT}/runs/query", json={"filters": {"sweep": sweep["id"]}})
    assert query.status_code == 200, query.text
    assert sorted(r["id"] for r in query.json()["runs"]) == sorted(
        [trial["run_id"], second["run_id"]]
    )
    assert heartbeat(client, trial["run_id"])["stop"] is False

    stopped = client.post(f"{url}/control", json={"action": "stop"}).json()
    assert stopped["state"] == "running"
    assert stopped["counts"]["running"] == 2
    assert client.post(f"{url}/next").json()["reason"] == "finished"
    cancelled = client.post(f"{url}/control", json={"action": "cancel"})
    assert cancelled.json()["state"] == "cancelled"
    assert heartbeat(client, trial["run_id"])["stop"] is True
    assert heartbeat(client, second["run_id"])["stop"] is True
    resumed = client.post(f"{url}/control", json={"action": "resume"})
    assert resumed.status_code == 409
    assert client.post(f"{url}/next").json() == {
        "trial": None,
        "state": "cancelled",
        "reason": "cancelled",
    }

    # the web app's Stop button, on any run
    assert post_batch(client, [["run", {}]], 0, new_stream(), run_id="plain001").is_success
    assert heartbeat(client, "plain001")["stop"] is False
    assert client.post("/api/v1/runs/team/proj/plain001/stop", json={}).status_code == 202
    assert heartbeat(client, "plain001")["stop"] is True
    plain = client.get("/api/v1/runs/team/proj/plain001").json()
    assert plain["meta"]["stop_requested"] == "user"
    assert plain["sweep"] is None
    assert client.post("/api/v1/runs/team/proj/nope0001/stop").status_code == 404


def test_two_agents_racing_on_a_small_grid(client: httpx.Client, server: ServerProcess) -> None:
    sweep = create(client, YAML)
    url = sweep_url(sweep)
    answers: list[dict[str, Any]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def agent() -> None:
        try:
            with httpx.Client(base_url=server.base_url, timeout=30) as own:
                start.wait()
                while True:
                    answer = own.post(f"{url}/next").json()
                    answers.append(answer)
                    if answer["trial"] is None:
                        return
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=agent) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    trials = [a["trial"] for a in answers if a["trial"] is not None]
    assert sorted(t["params"]["lr"] for t in trials) == [0.001, 0.01, 0.1]
    assert [a["reason"] for a in answers if a["trial"] is None] == ["exhausted"] * 2


def test_hyperband_stops_a_clearly_bad_trial_after_its_history(client: httpx.Client) -> None:
    config = {
        "method": "grid",
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": {"lr": {"values": [1, 2, 3]}},
        "early_terminate": {"type": "hyperband", "min_iter": 1, "eta": 3},
    }
    url = sweep_url(create(client, config))
    run_ids = [client.post(f"{url}/next").json()["trial"]["run_id"] for _ in range(3)]
    losses = [[0.1, 0.05], [0.2, 0.1], [5.0, 4.0]]
    # the bad trial reports first: every prefix of arrivals then spares the good ones (with
    # only trials 0 and 1 in, hyperband would rightly stop trial 1 against trial 0)
    for run_id, values in reversed(list(zip(run_ids, losses, strict=True))):
        rows = [(step, 1000.0 + step, {"loss": v}) for step, v in enumerate(values)]
        response = post_batch(client, [history_record(rows)], 0, new_stream(), run_id=run_id)
        assert response.status_code == 200, response.text
    bad = run_ids[2]
    # hyperband runs after the batch's response; the run's next heartbeats carry its verdict
    deadline = time.monotonic() + 30
    while not heartbeat(client, bad)["stop"]:
        assert time.monotonic() < deadline, "hyperband never asked the bad trial to stop"
    run = client.get(f"/api/v1/runs/team/proj/{bad}").json()
    assert run["meta"]["stop_requested"] == "early_terminate"
    assert heartbeat(client, bad)["stop_reason"] == "early_terminate"
    assert heartbeat(client, run_ids[0])["stop"] is False
    assert heartbeat(client, run_ids[1])["stop"] is False


@pytest.fixture
def auth_server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = start_auth_server(tmp_path / "auth-data")
    try:
        yield proc
    finally:
        proc.stop()


def test_roles(auth_server: ServerProcess) -> None:
    root, csrf = login(auth_server, *ADMIN)
    root.headers["X-CSRF-Token"] = csrf
    for name in ("mia", "val"):
        made = root.post("/api/v1/users", json={"username": name, "password": "password-1"})
        assert made.is_success, made.text
    assert root.post("/api/v1/teams", json={"name": "lab"}).status_code == 201
    for name, role in (("mia", "member"), ("val", "viewer")):
        assert root.put(f"/api/v1/teams/lab/members/{name}", json={"role": role}).is_success
    assert post_batch(root, [["run", {}]], 0, new_stream(), entity="lab").is_success
    assert root.patch("/api/v1/projects/lab/proj", json={"visibility": "team"}).is_success
    clients = {}
    for name in ("mia", "val"):
        c, token = login(auth_server, name, "password-1")
        c.headers["X-CSRF-Token"] = token
        clients[name] = c
    mia, val = clients["mia"], clients["val"]
    made = mia.post("/api/v1/projects/lab/proj/sweeps", json={"config": YAML})
    assert made.status_code == 201, made.text
    url = f"/api/v1/sweeps/lab/proj/{made.json()['id']}"
    assert val.get(url).status_code == 200
    assert val.get("/api/v1/projects/lab/proj/sweeps").status_code == 200
    assert val.post("/api/v1/projects/lab/proj/sweeps", json={"config": YAML}).status_code == 403
    assert val.post(f"{url}/next").status_code == 403
    assert val.post(f"{url}/control", json={"action": "pause"}).status_code == 403
    assert val.post("/api/v1/runs/lab/proj/run00001/stop").status_code == 403
    assert mia.post(f"{url}/next").json()["trial"] is not None
    anonymous = httpx.Client(base_url=auth_server.base_url, timeout=30)
    assert anonymous.get(url).status_code in (401, 404)
    assert anonymous.post(f"{url}/next").status_code == 401
