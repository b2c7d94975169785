"""W&B sweeps run by Cairn's controller: ``wandb sweep``, ``wandb agent`` and ``wandb.agent``
against a real Cairn server; every trial is a Cairn run of the sweep (design 0012, issue 13).

Trials are short; the W&B agent's own pacing (a heartbeat every 5 s, the client's file stream
every second at the least) sets how long a test takes, never an assertion.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.compat.wandb_client import CairnReader, run_script, wandb_env
from tests.serverproc import ServerProcess

pytestmark = pytest.mark.timeout(600)

# The in-process agent heartbeats every 5 s unless told otherwise; W&B's class attribute for that
# (documented "tests may set") keeps these tests short. The protocol is the same.
FAST_AGENT = "from wandb.agents import pyagent\npyagent.Agent.HEARTBEAT_SLEEP_SECONDS = 1\n"

FUNCTION_AGENT = """
import wandb
{fast}
def train():
    run = wandb.init()
    for i in range(3):
        run.log({{"loss": run.config["x"] * run.config["y"] / (i + 1)}})
    print("TRIAL", run.id, run.sweep_id, flush=True)

sweep_id = wandb.sweep({{"method": "grid", "metric": {{"name": "loss", "goal": "minimize"}},
                        "parameters": {{"x": {{"values": [1, 2]}}, "y": {{"values": [3, 4]}}}}}},
                       entity="ann", project="fn")
print("SWEEP", sweep_id, flush=True)
wandb.agent(sweep_id, function=train, entity="ann", project="fn")
sweep = wandb.Api().sweep(f"ann/fn/{{sweep_id}}")
print("STATE", sweep.state, sweep.expected_run_count, sweep.config["method"], flush=True)
"""

PROGRAM = """
import wandb
run = wandb.init()
for i in range(3):
    run.log({"loss": run.config["x"] * run.config["lr"] / (i + 1)})
"""

SWEEP_YAML = """\
program: train.py
method: grid
metric:
  name: loss
  goal: minimize
parameters:
  x:
    values: [1, 2, 3, 4]
  lr:
    value: 0.5
"""

RANDOM_CAPPED = """
import wandb
{fast}
def train():
    run = wandb.init()
    run.log({{"loss": run.config["x"]}})

sweep_id = wandb.sweep({{"method": "random", "run_cap": 3,
                        "parameters": {{"x": {{"min": 0.0, "max": 1.0}},
                                       "k": {{"values": [1, 2, 3]}}}}}},
                       entity="ann", project="cap")
print("SWEEP", sweep_id, flush=True)
wandb.agent(sweep_id, function=train, entity="ann", project="cap")
"""

FAILING = """
import os, wandb, yaml
{fast}
def train():
    with open(os.environ["WANDB_SWEEP_PARAM_PATH"]) as f:  # the agent's parameters file
        x = yaml.safe_load(f)["x"]["value"]
    if x == 2:
        raise RuntimeError("broken before wandb.init")
    run = wandb.init()
    run.log({{"loss": x}})

sweep_id = wandb.sweep({{"method": "grid", "parameters": {{"x": {{"values": [1, 2, 3]}}}}}},
                       entity="ann", project="fail")
print("SWEEP", sweep_id, flush=True)
wandb.agent(sweep_id, function=train, entity="ann", project="fail")
"""

# Good trials (x <= 3) log 15 values quickly and tie at every bracket, so hyperband never stops
# one (a run must be strictly worse than the threshold); the bad trial (x = 10) logs slowly for
# two minutes unless stopped: at brackets 3, 6 and 12 three good runs sit at the threshold below
# it, and its values reach the server (every second) long before its 24th, a bracket no good
# trial reaches. The last value ranks the good ones (x = 1 best).
HYPERBAND = """
import time, wandb
{fast}
def train():
    run = wandb.init(settings=wandb.Settings(x_file_stream_transmit_interval=1))
    x = run.config["x"]
    good = x <= 3
    for epoch in range(15 if good else 600):
        rank = x / 1000 if epoch == 14 else 0.0
        run.log({{"val_loss": (rank if good else x) + 1.0 / (epoch + 1)}})
        time.sleep(0.02 if good else 0.2)  # pacing only

sweep_id = wandb.sweep({{"method": "grid", "metric": {{"name": "val_loss", "goal": "minimize"}},
                        "parameters": {{"x": {{"values": [1, 2, 3, 10]}}}},
                        "early_terminate": {{"type": "hyperband", "min_iter": 3, "eta": 2}}}},
                       entity="ann", project="hb")
print("SWEEP", sweep_id, flush=True)
wandb.agent(sweep_id, function=train, entity="ann", project="hb")
"""

SLOW_PROGRAM = """
import time, wandb
run = wandb.init(settings=wandb.Settings(x_file_stream_transmit_interval=1))
for i in range(600):
    run.log({"loss": run.config["x"] + i})
    time.sleep(0.1)
"""


def _sweep_id(result: subprocess.CompletedProcess[str]) -> str:
    for line in result.stdout.splitlines():
        if line.startswith("SWEEP "):
            return line.split()[1]
    raise AssertionError(f"no SWEEP line:\n{result.stdout}\n{result.stderr}")


def _trials(server: ServerProcess, entity: str, project: str, sweep_id: str) -> list[Any]:
    response = httpx.post(
        f"{server.base_url}/api/v1/projects/{entity}/{project}/runs/query",
        json={"filters": {"sweep": sweep_id}, "limit": 100},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    runs: list[Any] = response.json()["runs"]
    return runs


def _sweep(server: ServerProcess, path: str) -> Any:
    response = httpx.get(f"{server.base_url}/api/v1/sweeps/{path}", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def _cli_env(server: ServerProcess, root: Path) -> dict[str, str]:
    """A wandb CLI's environment: this server, and this interpreter as the agent's ``python``."""
    env = wandb_env(server.base_url, root)
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    return env


def _wandb(env: dict[str, str], root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wandb", *args],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _created_sweep(server: ServerProcess, entity: str, project: str) -> str:
    response = httpx.get(f"{server.base_url}/api/v1/projects/{entity}/{project}/sweeps", timeout=30)
    assert response.status_code == 200, response.text
    [sweep] = response.json()["sweeps"]
    sweep_id: str = sweep["id"]
    return sweep_id


def _wait_for(check: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout  # a hang guard, not a timing assertion
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError("the condition never held")


def test_grid_sweep_with_wandb_agent_function_in_one_process(
    server: ServerProcess, tmp_path: Path
) -> None:
    result = run_script(FUNCTION_AGENT.format(fast=FAST_AGENT), server.base_url, tmp_path)
    sweep_id = _sweep_id(result)
    trial_ids = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("TRIAL")]
    assert all(line.split()[2] == sweep_id for line in result.stdout.splitlines()
               if line.startswith("TRIAL"))  # fmt: skip
    runs = {r["id"]: r for r in _trials(server, "ann", "fn", sweep_id)}
    assert sorted(runs) == sorted(trial_ids)  # each W&B run is the trial the controller made
    assert sorted((r["config"]["x"], r["config"]["y"]) for r in runs.values()) == [
        (1, 3), (1, 4), (2, 3), (2, 4)
    ]  # fmt: skip
    for run in runs.values():
        assert run["state"] == "finished", run
        assert run["sweep"] == sweep_id
        assert run["summary"]["loss"] == pytest.approx(run["config"]["x"] * run["config"]["y"] / 3)
        assert "_wandb" not in run["config"]
    sweep = _sweep(server, f"ann/fn/{sweep_id}")
    assert sweep["state"] == "finished"
    assert sweep["counts"]["finished"] == 4
    best = runs[sweep["best"]["run_id"]]
    assert (best["config"]["x"], best["config"]["y"]) == (1, 3)
    assert "STATE FINISHED 4 grid" in result.stdout  # what W&B's Public API reads of it


def test_grid_sweep_with_the_wandb_sweep_and_agent_commands(
    server: ServerProcess, tmp_path: Path
) -> None:
    (tmp_path / "train.py").write_text(textwrap.dedent(PROGRAM))
    (tmp_path / "sweep.yaml").write_text(SWEEP_YAML)
    env = _cli_env(server, tmp_path)
    created = _wandb(env, tmp_path, "sweep", "-e", "bo", "-p", "cli", "sweep.yaml")
    assert created.returncode == 0, created.stdout + created.stderr
    sweep_id = _created_sweep(server, "bo", "cli")
    agent = _wandb(env, tmp_path, "agent", f"bo/cli/{sweep_id}")
    assert agent.returncode == 0, agent.stdout + agent.stderr
    runs = _trials(server, "bo", "cli", sweep_id)
    assert sorted(r["config"]["x"] for r in runs) == [1, 2, 3, 4]
    for run in runs:
        assert run["config"]["lr"] == 0.5
        assert run["state"] == "finished", run
        assert run["summary"]["loss"] == pytest.approx(run["config"]["x"] * 0.5 / 3)
        assert run["meta"]["program"].endswith("train.py")
    sweep = _sweep(server, f"bo/cli/{sweep_id}")
    assert (sweep["state"], sweep["counts"]["finished"]) == ("finished", 4)


def test_random_sweep_stops_at_its_run_cap(server: ServerProcess, tmp_path: Path) -> None:
    result = run_script(RANDOM_CAPPED.format(fast=FAST_AGENT), server.base_url, tmp_path)
    sweep_id = _sweep_id(result)
    runs = _trials(server, "ann", "cap", sweep_id)
    assert len(runs) == 3  # the agent was told to exit at the cap, not left polling
    for run in runs:
        assert 0.0 <= run["config"]["x"] <= 1.0
        assert run["config"]["k"] in (1, 2, 3)
        assert run["state"] == "finished"
    assert _sweep(server, f"ann/cap/{sweep_id}")["state"] == "finished"


def test_a_trial_that_dies_before_it_reports_is_failed(
    server: ServerProcess, tmp_path: Path
) -> None:
    result = run_script(FAILING.format(fast=FAST_AGENT), server.base_url, tmp_path)
    sweep_id = _sweep_id(result)
    runs = {r["config"]["x"]: r for r in _trials(server, "ann", "fail", sweep_id)}
    assert {x: r["state"] for x, r in runs.items()} == {1: "finished", 2: "failed", 3: "finished"}
    sweep = _sweep(server, f"ann/fail/{sweep_id}")
    assert (sweep["state"], sweep["counts"]["failed"]) == ("finished", 1)


def test_hyperband_stops_a_bad_wandb_trial_early(server: ServerProcess, tmp_path: Path) -> None:
    result = run_script(HYPERBAND.format(fast=FAST_AGENT), server.base_url, tmp_path)
    sweep_id = _sweep_id(result)
    runs = {r["config"]["x"]: r for r in _trials(server, "ann", "hb", sweep_id)}
    assert sorted(runs) == [1, 2, 3, 10]
    assert [runs[x]["state"] for x in (1, 2, 3)] == ["finished"] * 3
    bad = runs[10]
    assert bad["state"] == "killed", bad
    assert bad["meta"]["stop_reason"] == "early_terminate"
    assert bad["last_step"] is not None
    assert bad["last_step"] < 599
    sweep = _sweep(server, f"ann/hb/{sweep_id}")
    assert sweep["state"] == "finished"
    assert sweep["best"]["run_id"] == runs[1]["id"]


def test_cancel_in_cairn_stops_the_trial_and_ends_the_wandb_agent(
    server: ServerProcess, tmp_path: Path
) -> None:
    (tmp_path / "slow.py").write_text(textwrap.dedent(SLOW_PROGRAM))
    env = _cli_env(server, tmp_path)
    created = httpx.post(
        f"{server.base_url}/api/v1/projects/cy/cancel/sweeps",
        json={"config": "program: slow.py\nmethod: grid\nparameters:\n  x:\n    values: [1, 2]\n"},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    sweep_id = created.json()["id"]
    log = (tmp_path / "agent.log").open("w")
    agent = subprocess.Popen(
        [sys.executable, "-m", "wandb", "agent", f"cy/cancel/{sweep_id}"],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    cairn = CairnReader(server.base_url)
    try:
        _wait_for(lambda: any(r["last_step"] is not None
                              for r in _trials(server, "cy", "cancel", sweep_id)))  # fmt: skip
        cancelled = httpx.post(
            f"{server.base_url}/api/v1/sweeps/cy/cancel/{sweep_id}/control",
            json={"action": "cancel"},
            timeout=30,
        )
        assert cancelled.status_code == 200, cancelled.text
        assert agent.wait(timeout=180) == 0, (tmp_path / "agent.log").read_text()
    finally:
        agent.kill()
        log.close()
    [run] = _trials(server, "cy", "cancel", sweep_id)
    run = cairn.run(f"cy/cancel/{run['id']}")
    assert run["state"] == "killed", run
    assert run["meta"]["stop_reason"] == "sweep"
    assert run["last_step"] < 599
    assert _sweep(server, f"cy/cancel/{sweep_id}")["state"] == "cancelled"


def test_wandb_sweep_state_flags_control_the_cairn_sweep(
    server: ServerProcess, tmp_path: Path
) -> None:
    created = httpx.post(
        f"{server.base_url}/api/v1/projects/dee/ctl/sweeps",
        json={"config": {"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}}},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    path = f"dee/ctl/{created.json()['id']}"
    env = _cli_env(server, tmp_path)
    for flag, state in (("--pause", "paused"), ("--resume", "pending"), ("--cancel", "cancelled")):
        done = _wandb(env, tmp_path, "sweep", flag, path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert _sweep(server, path)["state"] == state, flag


def test_a_bad_sweep_config_is_refused_with_its_problems(
    server: ServerProcess, tmp_path: Path
) -> None:
    document = (
        "mutation UpsertSweep($config: String, $entityName: String, $projectName: String) {"
        " upsertSweep(input: {config: $config, entityName: $entityName,"
        " projectName: $projectName}) { sweep { name } configValidationWarnings } }"
    )
    for config, problem in (
        ("method: [grid\nparameters: {}", "not valid YAML"),
        ("method: grid\nparameters:\n  lr: {min: 1, max: 0.1}\n", "parameters.lr"),
        ("method: grid\ncontroller: {type: local}\nparameters:\n  x: {values: [1]}\n", "local"),
    ):
        response = httpx.post(
            f"{server.base_url}/graphql",
            json={
                "query": document,
                "variables": {"config": config, "entityName": "eve", "projectName": "bad"},
            },
            auth=("api", "cairn_" + "k" * 43),
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["data"]["upsertSweep"] is None
        assert problem in body["errors"][0]["message"], body
    heartbeat = httpx.post(
        f"{server.base_url}/graphql",
        json={
            "query": "mutation Heartbeat($id: ID!) { agentHeartbeat(input: {id: $id}) "
            "{ commands } }",
            "variables": {"id": "bm90LWFuLWFnZW50"},
        },
        auth=("api", "cairn_" + "k" * 43),
        timeout=30,
    )
    assert "no sweep agent has the id" in heartbeat.json()["errors"][0]["message"]
    listed = httpx.get(f"{server.base_url}/api/v1/projects/eve/bad/sweeps", timeout=30)
    assert listed.status_code == 404 or listed.json()["sweeps"] == []  # nothing was stored
    result = run_script(
        """
        import wandb
        try:
            wandb.sweep({"method": "nope", "parameters": {"x": {"values": [1]}}},
                        entity="eve", project="bad")
        except Exception as exc:
            print("REFUSED", exc)
        """,
        server.base_url,
        tmp_path / "client",
    )
    assert "REFUSED" in result.stdout, result.stdout
    assert "unknown method 'nope'" in result.stdout


def test_a_run_naming_a_sweep_it_is_no_trial_of_is_refused(
    server: ServerProcess, tmp_path: Path
) -> None:
    result = run_script(
        "import wandb\nwandb.init()\n",
        server.base_url,
        tmp_path,
        expect_code=1,
        WANDB_SWEEP_ID="zz99zz99",
    )
    assert "is not a trial of sweep zz99zz99" in result.stderr
    assert "wandb agent" in result.stderr


LIST_SWEEPS = """
import wandb
from wandb.errors import UnsupportedError
sweeps = wandb.Api().project("lst", entity="many").sweeps(per_page=2)
print("COUNT", len(sweeps))
for sweep in sweeps:
    print("SWEEP", sweep.id, sweep.state, sweep.config["method"], flush=True)
try:
    wandb.Api().project("lst", entity="many").sweeps(filters={"state": "RUNNING"})
except UnsupportedError as exc:
    print("FILTERS REFUSED", exc)
wandb.init(entity="many", project="none").finish()  # a project with runs and no sweeps
print("EMPTY", len(wandb.Api().project("none", entity="many").sweeps()))
"""


def test_project_sweeps_lists_every_sweep_a_page_at_a_time(
    server: ServerProcess, tmp_path: Path
) -> None:
    made = []
    for method in ("random", "grid", "random"):
        created = httpx.post(
            f"{server.base_url}/api/v1/projects/many/lst/sweeps",
            json={"config": {"method": method, "parameters": {"x": {"values": [1, 2]}}}},
            timeout=30,
        )
        assert created.status_code == 201, created.text
        made.append((created.json()["id"], method))
    paused = httpx.post(
        f"{server.base_url}/api/v1/sweeps/many/lst/{made[1][0]}/control",
        json={"action": "pause"},
        timeout=30,
    )
    assert paused.status_code == 200, paused.text
    result = run_script(LIST_SWEEPS, server.base_url, tmp_path)
    listed = [line.split()[1:] for line in result.stdout.splitlines() if line.startswith("SWEEP")]
    # newest first, across two pages of 2, each once, with W&B's state names
    assert [(sid, method) for sid, _state, method in listed] == made[::-1]
    states = {sid: state for sid, state, _method in listed}
    assert states[made[1][0]] == "PAUSED"
    assert states[made[0][0]] == "RUNNING"
    assert "COUNT 3" in result.stdout
    assert "FILTERS REFUSED" in result.stdout  # the client knows Cairn does not filter them
    assert "EMPTY 0" in result.stdout
