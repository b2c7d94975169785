"""An unmodified ``wandb`` client logs to a real Cairn server: what Cairn's API then holds.

Each test runs the scripts a user would write, with only ``WANDB_BASE_URL`` and
``WANDB_API_KEY`` pointing at Cairn (design 0016).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.compat.wandb_client import CairnReader, run_id_of, run_script, wandb_env
from tests.serverproc import ServerProcess

pytestmark = pytest.mark.timeout(600)

BASIC = """
    import sys, wandb
    run = wandb.init(entity="{entity}", project="wb", name="first", tags=["a", "b"],
                     notes="a note", group="g1", job_type="train",
                     config={{"lr": 0.01, "layers": 3, "opt": {{"name": "adam"}}}})
    run.config.update({{"batch": 32}})
    for i in range(50):
        run.log({{"loss": 1.0 / (i + 1), "acc": i / 50, "nested": {{"a": i}},
                 "text": f"s{{i}}", "odd": float("nan") if i == 7 else i, "flag": i % 2 == 0}})
    print("hello from stdout")
    print("oops on stderr", file=sys.stderr)
    run.summary["best"] = 0.5
    run.summary["extra"] = {{"x": 1}}
    run.finish()
    print("RUN", run.id)
"""


def test_init_config_log_summary_console_finish(server: ServerProcess, tmp_path: Path) -> None:
    result = run_script(BASIC.format(entity="alice"), server.base_url, tmp_path)
    path = f"alice/wb/{run_id_of(result)}"
    cairn = CairnReader(server.base_url)

    run = cairn.run(path)
    assert run["state"] == "finished"
    assert run["exit_code"] == 0
    assert run["name"] == "first"
    assert run["tags"] == ["a", "b"]
    assert run["notes"] == "a note"
    assert run["group"] == "g1"
    assert run["job_type"] == "train"
    assert run["config"] == {"lr": 0.01, "layers": 3, "opt": {"name": "adam"}, "batch": 32}
    assert "_wandb" not in run["config"]
    assert run["meta"]["wandb"]["t"]
    assert run["meta"]["program"].endswith("train.py")
    assert run["last_step"] == 49

    assert cairn.history(path, "loss") == [(i, 1.0 / (i + 1)) for i in range(50)]
    assert cairn.history(path, "nested/a") == [(i, float(i)) for i in range(50)]
    assert cairn.history(path, "flag") == [(i, float(i % 2 == 0)) for i in range(50)]
    odd = cairn.history(path, "odd")
    assert odd[7][1] == "NaN"
    assert [v for s, v in odd if s != 7] == [float(i) for i in range(50) if i != 7]
    assert cairn.values(path, "text") == [(i, f"s{i}") for i in range(50)]
    assert not any(k.startswith("_") for k in cairn.keys(path))

    summary = run["summary"]
    assert summary["loss"] == pytest.approx(0.02)
    assert summary["best"] == 0.5
    assert summary["extra/x"] == 1
    assert summary["nested/a"] == 49
    assert summary["text"] == "s49"
    assert not any(key.startswith("_") for key in summary)

    assert ("stdout", "hello from stdout") in cairn.console(path)
    assert ("stderr", "oops on stderr") in cairn.console(path)
    files = cairn.files(path)
    assert {"config.yaml", "wandb-metadata.json", "requirements.txt", "output.log"} <= set(files)
    assert b"hello from stdout" in cairn.file_bytes(path, "output.log")


def test_the_same_data_through_cairn_and_wandb_reads_alike(
    server: ServerProcess, tmp_path: Path
) -> None:
    body = """
        for i in range(20):
            run.log({"loss": 1.0 / (i + 1), "val": {"acc": i / 20}, "note": f"n{i}"})
        run.summary["best"] = 0.25
        run.finish()
        print("RUN", run.id)
    """
    by_wandb = run_script(
        'import wandb\nrun = wandb.init(entity="sam", project="same",'
        ' config={"lr": 0.1, "d": {"x": 1}})\n' + textwrap.dedent(body),
        server.base_url,
        tmp_path / "w",
    )
    cairn_env = {"CAIRN_BASE_URL": server.base_url, "CAIRN_DIR": str(tmp_path / "c")}
    by_cairn = run_script(
        'import cairn\nrun = cairn.init(entity="sam", project="same",'
        ' config={"lr": 0.1, "d": {"x": 1}})\n' + textwrap.dedent(body),
        server.base_url,
        tmp_path / "c",
        **cairn_env,
    )
    cairn = CairnReader(server.base_url)
    wandb_run = cairn.run(f"sam/same/{run_id_of(by_wandb)}")
    cairn_run = cairn.run(f"sam/same/{run_id_of(by_cairn)}")
    assert wandb_run["config"] == cairn_run["config"]
    assert {k: wandb_run["summary"][k] for k in cairn_run["summary"]} == cairn_run["summary"]
    for key in ("loss", "val/acc"):
        assert cairn.history(wandb_run["path"], key) == cairn.history(cairn_run["path"], key)
    assert cairn.values(wandb_run["path"], "note") == cairn.values(cairn_run["path"], "note")
    user_keys = {k for k in cairn.keys(cairn_run["path"]) if not k.startswith("system/")}
    assert user_keys <= set(cairn.keys(wandb_run["path"]))


def test_offline_then_wandb_sync(server: ServerProcess, tmp_path: Path) -> None:
    result = run_script(
        """
        import wandb
        run = wandb.init(project="off", config={"k": 1})
        for i in range(30):
            run.log({"x": i * 2})
        print("printed offline")
        run.finish()
        print("RUN", run.id)
        """,
        server.base_url,
        tmp_path,
        WANDB_MODE="offline",
    )
    run_id = run_id_of(result)
    (run_dir,) = tmp_path.glob("wandb/offline-run-*")
    sync = subprocess.run(
        [Path(sys.executable).with_name("wandb"), "sync", "--entity", "bob", str(run_dir)],
        env=wandb_env(server.base_url, tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert sync.returncode == 0, sync.stdout + sync.stderr
    cairn = CairnReader(server.base_url)
    run = cairn.run(f"bob/off/{run_id}")
    assert run["state"] == "finished"
    assert run["config"] == {"k": 1}
    assert cairn.history(f"bob/off/{run_id}", "x") == [(i, float(i * 2)) for i in range(30)]
    assert ("stdout", "printed offline") in cairn.console(f"bob/off/{run_id}")


def test_resume_continues_steps_and_lines(server: ServerProcess, tmp_path: Path) -> None:
    script = """
        import os, wandb
        part = int(os.environ["PART"])
        run = wandb.init(entity="carol", project="res", id="resume01", resume="allow",
                         config={f"part{part}": True})
        for i in range(5):
            run.log({"x": part * 100 + i})
        print(f"part {part}")
        run.finish()
        print("RUN", run.id)
    """
    run_script(script, server.base_url, tmp_path / "one", PART="1")
    run_script(script, server.base_url, tmp_path / "two", PART="2")
    cairn = CairnReader(server.base_url)
    path = "carol/res/resume01"
    expected = [100 + i for i in range(5)] + [200 + i for i in range(5)]
    assert cairn.history(path, "x") == [(step, float(x)) for step, x in enumerate(expected)]
    run = cairn.run(path)
    assert run["state"] == "finished"
    assert run["config"] == {"part1": True, "part2": True}
    assert [text for _, text in cairn.console(path)] == ["part 1", "part 2"]


def test_a_failing_script_ends_the_run_failed(server: ServerProcess, tmp_path: Path) -> None:
    result = run_script(
        """
        import wandb
        run = wandb.init(entity="dan", project="fail")
        print("RUN", run.id, flush=True)
        run.log({"x": 1})
        raise RuntimeError("training diverged")
        """,
        server.base_url,
        tmp_path,
        expect_code=1,
    )
    run = CairnReader(server.base_url).run(f"dan/fail/{run_id_of(result)}")
    assert run["state"] == "failed"
    assert run["exit_code"] == 1


def test_saved_files_code_and_progress_bars(server: ServerProcess, tmp_path: Path) -> None:
    (tmp_path / "weights.bin").parent.mkdir(parents=True, exist_ok=True)
    payload = bytes(range(256)) * 1000
    (tmp_path / "weights.bin").write_bytes(payload)
    result = run_script(
        """
        import sys, time, wandb
        run = wandb.init(entity="eve", project="files", save_code=True)
        wandb.save("weights.bin", policy="now")
        for i in range(5):
            sys.stdout.write(f"\\rprogress {i}/5")
            sys.stdout.flush()
            time.sleep(0.05)
        sys.stdout.write("\\ndone\\n")
        run.finish()
        print("RUN", run.id)
        """,
        server.base_url,
        tmp_path,
    )
    path = f"eve/files/{run_id_of(result)}"
    cairn = CairnReader(server.base_url)
    files = cairn.files(path)
    assert cairn.file_bytes(path, "weights.bin") == payload
    assert any(name.startswith("code/") and name.endswith("train.py") for name in files)
    texts = [text for _, text in cairn.console(path)]
    assert texts.count("progress 4/5") == 1
    assert "done" in texts
    assert not any(text.startswith("progress 0") for text in texts)  # overwritten in place


def test_stop_from_cairn_ends_the_wandb_process(server: ServerProcess, tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(
        "import time, wandb\n"
        'run = wandb.init(entity="fay", project="stop", id="stopme01",\n'
        "                 settings=wandb.Settings(x_file_stream_transmit_interval=1))\n"
        "for i in range(600):\n"
        '    run.log({"x": i})\n'
        "    time.sleep(0.1)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)], cwd=tmp_path, env=wandb_env(server.base_url, tmp_path)
    )
    cairn = CairnReader(server.base_url)
    try:
        _wait_for(lambda: _last_step(cairn, "fay/stop/stopme01") >= 5)
        response = cairn.client.post("/runs/fay/stop/stopme01/stop")
        assert response.status_code in (200, 202, 204), response.text
        assert proc.wait(timeout=120) != 0
    finally:
        proc.kill()
    run = cairn.run("fay/stop/stopme01")
    assert run["state"] == "killed"
    assert run["meta"]["stop_reason"] == "user"
    assert run["last_step"] < 599


def _last_step(cairn: CairnReader, path: str) -> int:
    response = cairn.client.get(f"/runs/{path}")
    step = response.json().get("last_step") if response.status_code == 200 else None
    return -1 if step is None else int(step)


def _wait_for(check: object, timeout: float = 60) -> None:
    import time

    deadline = time.monotonic() + timeout  # a hang guard, not a timing assertion
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.2)
    raise AssertionError("the condition never held")


def test_nan_only_is_not_lost(server: ServerProcess, tmp_path: Path) -> None:
    result = run_script(
        """
        import wandb
        run = wandb.init(entity="gus", project="nan")
        run.log({"a": float("inf"), "b": float("-inf"), "c": float("nan")})
        run.finish()
        print("RUN", run.id)
        """,
        server.base_url,
        tmp_path,
    )
    path = f"gus/nan/{run_id_of(result)}"
    cairn = CairnReader(server.base_url)
    values = {key: cairn.history(path, key)[0][1] for key in ("a", "b", "c")}
    assert values == {"a": "Infinity", "b": "-Infinity", "c": "NaN"}


def test_alerts_and_git_state(server: ServerProcess, tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    tmp_path.mkdir(parents=True, exist_ok=True)
    git("init", "-q")
    git("remote", "add", "origin", "https://example.com/team/model.git")
    (tmp_path / "README").write_text("x")
    git("add", "README")
    git("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "first")
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.strip()
    result = run_script(
        """
        import wandb
        run = wandb.init(entity="hal", project="alerts")
        run.alert(title="Low accuracy", text="acc 0.1 < 0.5", level=wandb.AlertLevel.WARN)
        run.finish()
        print("RUN", run.id)
        """,
        server.base_url,
        tmp_path,
    )
    path = f"hal/alerts/{run_id_of(result)}"
    cairn = CairnReader(server.base_url)
    alerts = cairn.client.get(f"/runs/{path}/alerts").json()["alerts"]
    assert [(a["title"], a["text"], a["level"]) for a in alerts] == [
        ("Low accuracy", "acc 0.1 < 0.5", "WARN")
    ]
    git_state = cairn.run(path)["git"]
    assert git_state["commit"] == commit
    assert git_state["remote"] == "https://example.com/team/model.git"
