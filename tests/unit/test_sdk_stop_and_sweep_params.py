"""The SDK side of stop requests and sweep trials, without a server: answers, settings, config,
and what a stopped run writes to its run log."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import cairn
from cairn.errors import InvalidInputError
from cairn.sdk.config import Config
from cairn.sdk.init import apply_sweep_params
from cairn.sdk.net import Response
from cairn.sdk.runlog.files import LogReader
from cairn.sdk.sender.transport import classify
from cairn.sdk.settings import load_settings
from cairn.wire import decode_record


def _answer(body: dict[str, Any], status: int = 200) -> Response:
    return Response(status, {"content-type": "application/json"}, json.dumps(body).encode())


def test_an_ingest_answer_with_stop_carries_it_and_its_reason() -> None:
    result = classify(_answer({"next_offset": 3, "stop": True, "stop_reason": "early_terminate"}))
    assert (result.outcome, result.next_offset, result.stop) == ("ok", 3, True)
    assert result.stop_reason == "early_terminate"
    bare = classify(_answer({"next_offset": 3, "stop": True}))
    assert bare.stop
    assert bare.stop_reason is None


@pytest.mark.parametrize("body", [{}, {"stop": False}, {"stop": "yes"}, {"stop": 1}])
def test_an_answer_without_a_true_stop_asks_nothing(body: dict[str, Any]) -> None:
    assert not classify(_answer({"next_offset": 0, **body})).stop


def test_a_refused_batch_never_reads_as_a_stop() -> None:
    assert not classify(_answer({"detail": "no", "stop": True}, status=400)).stop


def test_settings_read_the_sweep_variables() -> None:
    settings = load_settings(
        {"CAIRN_RUN_ID": "abc", "CAIRN_SWEEP_ID": "s1234567",
         "CAIRN_SWEEP_PARAMS": '{"lr": 0.1, "opt": {"m": 0.9}}', "CAIRN_STOP_INTERRUPTS": "false"},
        api_key="k",
    )  # fmt: skip
    assert settings.run_id == "abc"
    assert settings.sweep_id == "s1234567"
    assert settings.sweep_params == {"lr": 0.1, "opt": {"m": 0.9}}
    assert settings.stop_interrupts is False
    assert load_settings({}, api_key="k").stop_interrupts is True


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CAIRN_SWEEP_PARAMS", "{lr: 1}", "CAIRN_SWEEP_PARAMS must be a JSON object: "),
        ("CAIRN_SWEEP_PARAMS", "[1, 2]", "CAIRN_SWEEP_PARAMS must be a JSON object, got"),
        ("CAIRN_STOP_INTERRUPTS", "maybe", "CAIRN_STOP_INTERRUPTS must be true or false"),
    ],
)
def test_malformed_sweep_variables_are_named(variable: str, value: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        load_settings({variable: value}, api_key="k")


def test_sweep_parameters_merge_into_nested_config_win_and_stay() -> None:
    changes: list[dict[str, Any]] = []
    config = Config(changes.append)
    config.update({"lr": 1.0, "epochs": 3, "opt": {"name": "sgd", "m": 0.5}})
    apply_sweep_params(config, {"lr": 0.01, "opt": {"m": 0.9}})
    assert config.as_dict() == {"lr": 0.01, "epochs": 3, "opt": {"name": "sgd", "m": 0.9}}
    assert changes[-1] == {"lr": 0.01, "opt": {"name": "sgd", "m": 0.9}}
    # a script that sets its own defaults after init() keeps the trial's values, as in W&B
    config.update({"lr": 5.0, "epochs": 4}, allow_val_change=True)
    config.lr = 7.0
    assert config.as_dict() == {"lr": 0.01, "epochs": 4, "opt": {"name": "sgd", "m": 0.9}}


def _records(log_path: Path) -> list[tuple[str, dict[str, Any]]]:
    reader = LogReader(log_path)
    try:
        return [decode_record(frame.payload) for frame in reader.frames()]
    finally:
        reader.close()


def test_a_stopped_run_ends_killed_with_its_reason_and_keeps_its_meta(workdir: Path) -> None:
    run = cairn.init(project="p", mode="offline",
                     settings={"stop_interrupts": False, "capture_environment": False})  # fmt: skip
    assert run.should_stop is False
    run.update_run(meta={"kept": 1})
    run._stop_requested("early_terminate")  # what the sender thread calls on a stop answer
    assert run.should_stop
    assert run.stop_reason == "early_terminate"
    run.log({"x": 1})
    run.finish()
    records = _records(run.log_path)
    finish = [body for kind, body in records if kind == "finish"]
    assert finish[0]["state"] == "killed"
    metas = [body["meta"] for kind, body in records if kind == "run" and "meta" in body]
    assert metas[-1] == {"kept": 1, "stop_reason": "early_terminate"}


def _interrupted_by(call: Callable[[], None]) -> None:
    call()
    for _ in range(1_000_000):  # the interrupt lands at the next bytecode boundary
        pass


def test_a_stop_request_interrupts_the_main_thread_once(workdir: Path) -> None:
    run = cairn.init(project="p", mode="offline", settings={"capture_environment": False})
    with pytest.raises(KeyboardInterrupt):
        _interrupted_by(lambda: run._stop_requested("user"))
    run._stop_requested("user")  # a second answer asking again interrupts nothing
    run.finish()
    finish = [body for kind, body in _records(run.log_path) if kind == "finish"]
    assert finish[0]["state"] == "killed"


def test_ctrl_c_in_a_with_block_ends_the_run_killed(workdir: Path) -> None:
    with pytest.raises(KeyboardInterrupt), cairn.init(project="p", mode="offline") as run:
        raise KeyboardInterrupt
    finish = [body for kind, body in _records(run.log_path) if kind == "finish"]
    assert finish[0] == {**finish[0], "state": "killed", "exit_code": 130}
    assert not run.should_stop


def test_init_takes_the_run_id_and_parameters_the_agent_passes(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "config-defaults.yaml").write_text("lr: 3\nbatch: 32\n")
    monkeypatch.setenv("CAIRN_RUN_ID", "trial0001")
    monkeypatch.setenv("CAIRN_SWEEP_ID", "abc12345")
    monkeypatch.setenv("CAIRN_SWEEP_PARAMS", '{"lr": 0.5, "depth": 4}')
    run = cairn.init(project="p", mode="offline", config={"lr": 1, "depth": 2, "seed": 7})
    assert run.id == "trial0001"
    assert run.config.as_dict() == {"lr": 0.5, "batch": 32, "depth": 4, "seed": 7}
    run.finish()
    assert cairn.init(project="p", mode="offline", id="mine").id == "mine"
    cairn.finish()
