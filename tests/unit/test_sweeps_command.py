"""A trial's command line and environment: W&B's macros, sweep paths, exit codes."""

from __future__ import annotations

import json
import sys

import pytest

from cairn.errors import InvalidInputError
from cairn.sweeps.agent import SweepPath, exit_code_of_process
from cairn.sweeps.command import arg_text, build_command, needs_json_file, trial_env

PARAMS = {"lr": 0.001, "layers": 3, "opt": "adam", "flag": True, "sizes": [1, 2]}


def test_the_default_command_is_env_interpreter_program_args() -> None:
    assert build_command(PARAMS, program="train.py") == [
        "/usr/bin/env", sys.executable, "train.py", "--lr=0.001", "--layers=3", "--opt=adam",
        "--flag=True", "--sizes=[1,2]",
    ]  # fmt: skip


def test_every_macro_expands_as_w_and_b_does() -> None:
    command = ["${env}", "python3", "${program}", "--cfg=${args_json_file}", "${args_no_hyphens}",
               "${args_json}"]  # fmt: skip
    argv = build_command(
        {"lr": 0.5, "opt": {"name": "sgd", "m": 0.9}},
        command=command,
        program="t.py",
        args_json_file="/tmp/a.json",
    )
    assert argv[:4] == ["/usr/bin/env", "python3", "t.py", "--cfg=/tmp/a.json"]
    assert argv[4:6] == ["lr=0.5", 'opt={"name":"sgd","m":0.9}']
    assert json.loads(argv[6]) == {"lr": 0.5, "opt": {"name": "sgd", "m": 0.9}}
    assert needs_json_file(command)
    assert not needs_json_file(None)


def test_interpreter_and_plain_items_pass_through() -> None:
    argv = build_command({"a": 1}, command=["${interpreter}", "-u", "x.py", "${args}"],
                         interpreter="/opt/py")  # fmt: skip
    assert argv == ["/opt/py", "-u", "x.py", "--a=1"]
    assert build_command({}, command=["run.sh"]) == ["run.sh"]


@pytest.mark.parametrize(
    ("command", "program", "message"),
    [
        (None, None, "command: ${program} has nothing to stand for: set program"),
        (["python", "x.py", "--all=${args}"], None, "command: ${args} must be an item of its own"),
        ([], None, "command: is empty"),
    ],
)
def test_a_command_that_cannot_be_built_says_why(
    command: list[str] | None, program: str | None, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message.replace("$", r"\$").replace("{", r"\{")):
        build_command({"a": 1}, command=command, program=program)


def test_arg_text() -> None:
    assert [arg_text(v) for v in ("s", 1, 1.5, False, None, {"a": [1]})] == [
        "s", "1", "1.5", "False", "None", '{"a":[1]}',
    ]  # fmt: skip


def test_trial_env_names_the_run_sweep_and_server() -> None:
    env = trial_env(run_id="r1", sweep_id="abc12345", params={"lr": 0.1}, entity="e",
                    project="p", base_url="http://h:1", api_key=None)  # fmt: skip
    assert env == {
        "CAIRN_RUN_ID": "r1", "CAIRN_SWEEP_ID": "abc12345", "CAIRN_SWEEP_PARAMS": '{"lr":0.1}',
        "CAIRN_PROJECT": "p", "CAIRN_ENTITY": "e", "CAIRN_BASE_URL": "http://h:1",
    }  # fmt: skip
    keyed = trial_env(run_id="r1", sweep_id="s", params={}, entity="e", project="p",
                      base_url="http://h:1", api_key="cairn_x")  # fmt: skip
    assert keyed["CAIRN_API_KEY"] == "cairn_x"


def test_sweep_paths_take_missing_parts_from_the_defaults() -> None:
    assert str(SweepPath.parse("e/p/abc12345")) == "e/p/abc12345"
    assert SweepPath.parse("p/abc12345", entity="me") == SweepPath("me", "p", "abc12345")
    assert SweepPath.parse("abc12345", "me", "proj") == SweepPath("me", "proj", "abc12345")
    with pytest.raises(InvalidInputError, match="which project is sweep 'abc12345' in"):
        SweepPath.parse("abc12345", entity="me")
    with pytest.raises(InvalidInputError, match="which entity"):
        SweepPath.parse("p/abc12345")
    for bad in ("a/b/c/d", "e//x", ""):
        with pytest.raises(InvalidInputError, match="a sweep is named ENTITY/PROJECT/SWEEP_ID"):
            SweepPath.parse(bad, "e", "p")


def test_exit_codes_of_signals_read_as_a_shell_reports_them() -> None:
    assert [exit_code_of_process(c) for c in (0, 3, -2, -9)] == [0, 3, 130, 137]
