"""``define_metric`` through the real SDK and server: rules in the run's meta and the project's
keys answer, globs, step metrics filled into rows (``step_sync``), several summary modes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

import cairn
from tests.serverproc import ServerProcess


def _get(server: ServerProcess, path: str, **params: Any) -> Any:
    response = httpx.get(f"{server.base_url}/api/v1/{path}", params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def _points(server: ServerProcess, run: Any, key: str) -> list[tuple[int, float]]:
    answer = _get(server, f"runs/{run.path}/series/{key}/points")
    return list(zip(answer["steps"], answer["values"], strict=True))


def _rule(name: str, **fields: Any) -> dict[str, Any]:
    rule = {"name": name, "step_metric": None, "summary": [], "goal": None, "hidden": False,
            "step_sync": True}  # fmt: skip
    return {**rule, **fields}


def test_rules_globs_step_sync_and_summaries(server: ServerProcess, workdir: Path) -> None:
    run = cairn.init(project="rules", settings={"base_url": server.base_url})
    run.define_metric("epoch", hidden=True)
    run.define_metric("val/*", step_metric="epoch")
    run.define_metric("val/loss", summary="min,max")
    run.define_metric("acc", summary="best", goal="maximize")
    run.define_metric("val/loss", step_metric="epoch")  # merges: the summary stays
    step = 0
    for epoch in range(3):
        run.log({"epoch": epoch, "train/loss": 1.0 / (epoch + 1)})
        run.log({"train/loss": 0.9 / (epoch + 1), "acc": [0.5, 0.9, 0.7][epoch]})
        run.log({"val/loss": 2.0 - epoch / 2, "val/sub/acc": 0.1 * epoch})  # no epoch: filled
        step += 3
    run.log({"validation": 1.0})  # not under val/: no epoch
    run.finish()

    stored = _get(server, f"runs/{run.path}")
    assert stored["meta"]["metrics"] == [
        _rule("epoch", hidden=True),
        _rule("val/*", step_metric="epoch"),
        _rule("acc", summary=["best"], goal="maximize"),
        _rule("val/loss", step_metric="epoch", summary=["min", "max"]),  # redefined last
    ]
    assert "python_version" in stored["meta"]  # the environment capture's meta is kept too
    # epoch was logged at steps 0, 3, 6 and filled into the val rows (steps 2, 5, 8) only
    assert _points(server, run, "epoch") == [
        (0, 0.0), (2, 0.0), (3, 1.0), (5, 1.0), (6, 2.0), (8, 2.0)
    ]  # fmt: skip
    assert stored["summary"]["val/loss"] == {"min": 1.0, "max": 2.0}
    assert stored["summary"]["acc"] == 0.9
    assert stored["summary"]["val/sub/acc"] == 0.2  # a glob rule without summary: the last
    assert stored["summary"]["validation"] == 1.0

    keys = _get(server, f"projects/{run.entity}/rules/keys")
    assert keys["metric_rules"] == stored["meta"]["metrics"]
    assert {k["key"] for k in keys["summary"]} >= {"val/loss.min", "val/loss.max"}
    # the web app's x = epoch: val/loss joined against epoch at the same steps
    answer = httpx.post(f"{server.base_url}/api/v1/history", timeout=30, json={
        "runs": [run.path], "keys": ["val/loss"], "x_key": "epoch"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    (window,) = answer.json()["series"]
    assert (window["x"], window["last"]) == ([0.0, 1.0, 2.0], [2.0, 1.5, 1.0])


def test_rules_survive_a_later_meta_and_the_newest_run_wins(
    server: ServerProcess, workdir: Path
) -> None:
    settings = {"base_url": server.base_url, "capture_environment": False}
    old = cairn.init(project="two", settings=settings)
    old.define_metric("loss", step_metric="epoch", summary="min")
    old.define_metric("old/*", hidden=True)
    old.finish()
    new = cairn.init(project="two", settings=settings)
    new.define_metric("loss", step_metric="batch", step_sync=False)
    new.update_run(meta={"note": "kept"})  # a run record's meta replaces the stored one
    new.log({"loss": 1.0})
    new.finish()
    assert "batch" not in {k["key"] for k in _get(server, f"runs/{new.path}/keys")["keys"]}
    meta = _get(server, f"runs/{new.path}")["meta"]
    batch = _rule("loss", step_metric="batch", step_sync=False)
    assert meta == {"note": "kept", "metrics": [batch]}
    rules = _get(server, f"projects/{new.entity}/two/keys")["metric_rules"]
    assert rules == [batch, _rule("old/*", hidden=True)]


def test_offline_rules_arrive_with_sync(server: ServerProcess, workdir: Path) -> None:
    run = cairn.init(project="off", mode="offline", settings={"base_url": server.base_url})
    run.define_metric("val/*", step_metric="epoch", summary="mean")
    run.log({"epoch": 1})
    run.log({"val/loss": 4.0})
    run.log({"val/loss": 2.0})
    run.finish()
    result = subprocess.run(
        [sys.executable, "-m", "cairn.cli.main", "sync", str(run.dir), "--base-url",
         server.base_url], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stored = _get(server, f"runs/{run.path}")
    assert stored["meta"]["metrics"] == [_rule("val/*", step_metric="epoch", summary=["mean"])]
    assert stored["summary"]["val/loss"] == 3.0
    assert _points(server, run, "epoch") == [(0, 1.0), (1, 1.0), (2, 1.0)]


def test_meta_that_is_not_rules_is_left_out_of_the_keys(
    server: ServerProcess, workdir: Path
) -> None:
    run = cairn.init(project="odd", settings={"base_url": server.base_url})
    run.update_run(meta={"metrics": [{"name": "ok", "hidden": True}, 3, {"name": 5}, "x"]})
    run.finish()
    rules = _get(server, f"projects/{run.entity}/odd/keys")["metric_rules"]
    assert rules == [_rule("ok", hidden=True)]
