"""cairn.Api, cairn login, cairn export and resume, against a real server."""

from __future__ import annotations

import csv
import io
import math
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import cairn
from cairn.errors import InvalidInputError, NotFoundError
from tests.serverproc import ServerProcess, start_server


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cairn.cli.main", *args],
        input=stdin, capture_output=True, text=True, timeout=120, env=os.environ.copy(),
    )  # fmt: skip


@pytest.fixture
def project(server: ServerProcess, workdir: Path) -> str:
    settings = {"base_url": server.base_url, "capture_system": False}
    for i, opt in enumerate(["adam", "sgd", "adam"]):
        with cairn.init(project="api", config={"opt": opt, "lr": 0.1 * (i + 1)},
                        settings=settings) as run:  # fmt: skip
            for step in range(50):
                run.log({"loss": 1.0 / (step + 1 + i), "acc": step * 0.01})
            run.summary["final"] = i
            run.summary["worst"] = float("inf")
    return "tester/api"


def test_runs_filters_order_history_and_scan(server: ServerProcess, project: str) -> None:
    api = cairn.Api(base_url=server.base_url)
    assert [(p.entity, p.name, p.run_count) for p in api.projects()] == [("tester", "api", 3)]
    runs = api.runs(project, filters={"config.opt": "adam"}, order="-summary.final")
    assert len(runs) == 2
    listed = list(runs)
    assert [r.summary["final"] for r in listed] == [2, 0]
    assert listed[0].summary["worst"] == float("inf")  # "Infinity" on the wire
    assert len(list(api.runs(project, filters="config.lr > 0.15"))) == 2
    everything = [r.id for r in api.runs(project, order="config.lr")]
    for per_page in (1, 2, 3):  # whole pages, a short last page; len() first or not
        paged = api.runs(project, order="config.lr", per_page=per_page)
        assert [r.id for r in paged] == everything
        assert len(paged) == 3
        assert [r.id for r in paged] == everything
        fresh = list(api.runs(project, order="config.lr", per_page=per_page))  # len() first
        assert [r.id for r in fresh] == everything
    run = api.run(listed[0].path)
    assert run.config["opt"] == "adam"
    rows = run.history(keys=["loss", "acc"], pandas=False)
    assert len(rows) == 50
    assert {k: v for k, v in rows[0].items() if k != "_timestamp"} == {
        "_step": 0, "loss": pytest.approx(1 / 3), "acc": 0.0
    }  # fmt: skip
    assert rows[0]["_timestamp"] > 1e9  # seconds since the epoch, as W&B's rows carry
    frame = run.history(samples=10)
    assert frame.columns[0] == "_step"
    assert len(frame) == 10
    scanned = list(run.scan_history(keys=["loss"], page_size=7))
    assert [r["_step"] for r in scanned] == list(range(50))
    with pytest.raises(NotFoundError):
        api.run("tester/api/nope")
    with pytest.raises(InvalidInputError, match="entity/project/run_id"):
        api.run("just-one-part")


def test_non_finite_values_in_a_summary_map_come_back_as_floats(
    server: ServerProcess, workdir: Path
) -> None:
    settings = {"base_url": server.base_url, "capture_system": False}
    with cairn.init(project="nan", settings=settings) as run:
        run.define_metric("loss", summary="first,min,last")
        for value in (float("nan"), 2.0, float("inf")):
            run.log({"loss": value})
    loss = cairn.Api(base_url=server.base_url).run(run.path).summary["loss"]
    assert isinstance(loss["first"], float)  # "NaN" on the wire
    assert math.isnan(loss["first"])
    assert (loss["min"], loss["last"]) == (2.0, float("inf"))


def test_history_samples_real_rows_and_buckets_are_named_apart(
    server: ServerProcess, workdir: Path
) -> None:
    settings = {"base_url": server.base_url, "capture_system": False}
    with cairn.init(project="sampled", settings=settings) as logged:
        for step in range(1000):
            row = {"loss": float(step)}
            if step % 10 == 0:
                row["val"] = step / 10
            logged.log(row, step=step)
        logged.log({"loss": 7.5}, step=999)  # a second value at a step: the last one counts
    run = cairn.Api(base_url=server.base_url).run(logged.path)
    rows = run.history(samples=11, keys=["loss"], pandas=False)
    assert [r["_step"] for r in rows] == [0, 100, 200, 300, 400, 500, 599, 699, 799, 899, 999]
    # real logged values, not bucket means
    assert [r["loss"] for r in rows[:-1]] == [float(r["_step"]) for r in rows[:-1]]
    assert rows[-1]["loss"] == 7.5
    both = run.history(samples=1000, keys=["loss", "val"], pandas=False)
    assert [r["_step"] for r in both] == list(range(0, 1000, 10))  # only rows with every key
    assert all(r["val"] == r["_step"] / 10 for r in both)
    every = run.history(samples=5000, pandas=False)  # no keys: every step with any metric
    assert len(every) == 1000
    assert "val" not in every[1]
    assert every[10]["val"] == 1.0
    buckets = run.history_buckets(keys=["loss"], buckets=10, pandas=False)
    assert len(buckets) == 10
    assert buckets[0]["loss"] == pytest.approx(sum(range(100)) / 100)  # a bucket's mean
    with pytest.raises(InvalidInputError, match="history_buckets"):
        run.history(x_axis="_timestamp")
    streamed = run.scan_history(keys=["loss", "val"], page_size=64, min_step=100, max_step=300)
    assert [r["_step"] for r in streamed] == list(range(100, 301, 10))
    assert [r["_step"] for r in run.scan_history(page_size=64)] == list(range(1000))


def test_export_csv(server: ServerProcess, project: str, tmp_path: Path) -> None:
    out = _cli("export", project, "--base-url", server.base_url)
    assert out.returncode == 0, out.stderr
    table = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [row["config.opt"] for row in table] == ["adam", "sgd", "adam"]
    assert "summary.loss" in table[0]
    parquet = tmp_path / "runs.parquet"
    out = _cli("export", project, "--format", "parquet", "-o", str(parquet),
               "--base-url", server.base_url)  # fmt: skip
    assert out.returncode == 0, out.stderr
    import pandas as pd

    assert len(pd.read_parquet(parquet)) == 3


def test_resume_continues_after_the_last_step(server: ServerProcess, workdir: Path) -> None:
    settings = {"base_url": server.base_url, "capture_system": False}
    with cairn.init(project="resume", id="keepgoing", settings=settings) as run:
        for step in range(10):
            run.log({"x": float(step)})
    again = cairn.init(project="resume", id="keepgoing", resume="must", settings=settings)
    assert again.step == 10
    assert again.name == run.name
    again.log({"x": 10.0})
    again.finish()
    api = cairn.Api(base_url=server.base_url)
    resumed = api.run(again.path)
    assert resumed.state == "finished"
    assert resumed.name == run.name
    assert [r["_step"] for r in resumed.scan_history(keys=["x"])] == list(range(11))
    with pytest.raises(InvalidInputError, match="does not exist"):
        cairn.init(project="resume", id="neverwas", resume="must", settings=settings)
    with pytest.raises(InvalidInputError, match="resume='never'"):
        cairn.init(project="resume", id="keepgoing", resume="never", settings=settings)


def test_login_checks_and_stores_the_key(
    tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = {"CAIRN_SERVER_ADMIN_USERNAME": "root", "CAIRN_SERVER_ADMIN_PASSWORD": "long password!"}
    server = start_server(tmp_path / "auth", extra_args=["--auth", "required"], env=admin)
    try:
        import httpx

        client = httpx.Client(base_url=server.base_url)
        login = client.post(
            "/api/v1/auth/login", json={"username": "root", "password": "long password!"}
        )
        csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
        key = client.post("/api/v1/api-keys", json={"name": "cli"}, headers=csrf).json()["key"]
        bad = _cli("login", "--base-url", server.base_url, "--key", "cairn_wrong")
        assert bad.returncode == 1
        assert "invalid API key" in bad.stderr
        good = _cli("login", "--base-url", server.base_url, stdin=key + "\n")
        assert good.returncode == 0, good.stderr
        stored = Path(os.environ["CAIRN_NETRC"])
        assert stat.S_IMODE(stored.stat().st_mode) == 0o600
        assert key in stored.read_text()
        # The stored key is used by runs without passing it.
        settings = {"base_url": server.base_url, "capture_system": False}
        monkeypatch.delenv("CAIRN_ENTITY")  # the entity comes from the login: runs go to "root"
        with cairn.init(project="authed", settings=settings) as run:
            run.log({"a": 1.0})
        assert run.entity == "root"
        assert cairn.Api(base_url=server.base_url).run(run.path).state == "finished"
    finally:
        server.stop()
