"""``cairn import wandb``: a run recorded by the real ``wandb`` client offline, imported into a
real server, reads in Cairn's API as W&B recorded it; importing it again adds nothing; a damaged
log imports what is readable; bad input gets a message, never a traceback."""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.compat.wandb_offline import WandbRun, run_offline
from tests.serverproc import ServerProcess

pytest.importorskip("wandb", reason="the compat extra (wandb==0.31.0) is not installed")

import cairn

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
import numpy as np
import wandb

run = wandb.init(project="imported", name="first-try", notes="from W&B", tags=["t1", "t2"],
                 group="g", job_type="train",
                 config={"lr": 0.01, "model": {"layers": 2, "act": "relu"}})
run.config.update({"batch": 32})
run.define_metric("val/loss", summary="min")
run.define_metric("hidden_one", hidden=True)
with open("notes.txt", "w") as f:
    f.write("saved with the run\\n")
run.save("notes.txt", policy="now")
for step in range(5):
    run.log({"loss": 1.0 / (step + 1), "val/loss": [0.5, 0.3, 0.4, 0.2, 0.25][step],
             "nested": {"a": step, "b": {"c": step * 2}}, "phase": f"epoch-{step}",
             "odd": float("nan") if step == 2 else step, "hidden_one": step})
run.log({"sample": wandb.Image(np.arange(48, dtype=np.uint8).reshape(4, 4, 3), caption="tiny")})
print("to stdout")
print("to stderr", file=sys.stderr)
for i in range(3):
    sys.stdout.write(f"\\rprogress {i}")
    sys.stdout.flush()
print()
run.summary["note"] = "kept"
run.finish()
"""
RUN_PATH_PROJECT = "tester/imported"
NUMBERS = ("loss", "val/loss", "nested/a", "nested/b/c", "odd", "hidden_one")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> WandbRun:
    """One offline W&B run (console, system metrics and environment on) for the module."""
    root = tmp_path_factory.mktemp("wandb-run")
    script = root / "script.py"
    script.write_text(textwrap.dedent(SCRIPT))
    return run_offline(script, root / "work", everything=True)


def _import(base_url: str, work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``cairn import wandb ARGS`` run in ``work`` against ``base_url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
    env.update(
        CAIRN_BASE_URL=base_url, CAIRN_NETRC=str(work / "netrc"), CAIRN_ENTITY="tester",
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
    )  # fmt: skip
    work.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "cairn.cli.main", "import", "wandb", *args],
        cwd=work, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _run_dir(recorded: WandbRun) -> Path:
    assert recorded.log is not None
    return recorded.log.parent


def _canon(value: Any) -> Any:
    """NaN comparable (NaN != NaN), ints as floats (JSON keeps 0, Cairn 0.0)."""
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canon(v) for v in value]
    if (isinstance(value, float) and math.isnan(value)) or value == "NaN":
        return "NaN"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def _get(server: ServerProcess, path: str, **params: Any) -> Any:
    answer = httpx.get(f"{server.base_url}/api/v1/runs/{path}", params=params, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _snapshot(server: ServerProcess, path: str) -> dict[str, Any]:
    """Everything the server holds of the run (times of the last write left out)."""
    public = cairn.Api(base_url=server.base_url).run(path)
    run = _get(server, path)
    keys = _get(server, f"{path}/keys")
    return {
        "run": {k: v for k, v in run.items() if k not in ("updated_at", "heartbeat_at")},
        "rows": _canon(list(public.scan_history())),
        "values": {k["key"]: _canon(list(public.values(k["key"]))) for k in public.value_keys()},
        "series": {
            k["key"]: _canon(_get(server, f"{path}/series/{k['key']}/points")) for k in keys["keys"]
        },
        "console": _get(server, f"{path}/console"),
        "files": [(f["path"], f["sha256"], f["size"]) for f in public.files()],
    }


def test_import_reads_as_wandb_recorded(
    server: ServerProcess, recorded: WandbRun, tmp_path: Path
) -> None:
    result = _import(server.base_url, tmp_path / "work", str(_run_dir(recorded).parent))
    assert result.returncode == 0, result.stdout + result.stderr
    run_id = _run_dir(recorded).name.rsplit("-", 1)[-1]
    path = f"{RUN_PATH_PROJECT}/{run_id}"
    assert path in result.stdout
    public = cairn.Api(base_url=server.base_url).run(path)
    stored = _get(server, path)

    # the run: fields, config (W&B's private part in meta), how it ended, when it started
    fields = ("name", "notes", "tags", "group", "job_type")
    assert [stored[f] for f in fields] == ["first-try", "from W&B", ["t1", "t2"], "g", "train"]
    assert stored["config"] == {"lr": 0.01, "model": {"layers": 2, "act": "relu"}, "batch": 32}
    assert (stored["state"], stored["exit_code"]) == ("finished", 0)
    assert stored["created_at"] == pytest.approx(recorded.start_time, abs=1e-3)
    meta = stored["meta"]
    assert meta["program"].endswith("script.py")
    assert meta["imported"]["from"] == "wandb"
    rules = {rule["name"]: rule for rule in meta["metrics"]}
    assert rules["val/loss"]["summary"] == ["min"]
    assert rules["hidden_one"]["hidden"] is True

    # every history row W&B recorded, numbers as history and the rest as values
    expected_rows = {
        step: {k: v for k, v in row.items() if k in NUMBERS} for step, row in recorded.rows.items()
    }
    rows = {row["_step"]: {k: v for k, v in row.items() if not k.startswith("_")}
            for row in public.scan_history()}  # fmt: skip
    assert _canon(rows) == _canon({s: r for s, r in expected_rows.items() if r})
    phases = [(v["step"], v["value"]) for v in public.values("phase")]
    assert phases == [(s, row["phase"]) for s, row in recorded.rows.items() if "phase" in row]
    (image,) = public.values("sample")
    image_step = max(recorded.rows)
    assert image["step"] == image_step
    assert image["value"]["_type"] == "image-file"
    assert image["value"]["path"] == recorded.rows[image_step]["sample/path"]

    # the summary after W&B's last update: one-mode define_metric summaries as plain values
    summary = public.summary
    assert summary["val/loss"] == recorded.summary["val/loss"]["min"] == 0.2
    for key in ("loss", "nested/a", "nested/b/c", "phase", "odd", "hidden_one", "note"):
        assert _canon(summary[key]) == _canon(recorded.summary[key]), key
    assert summary["sample"]["_type"] == "image-file"

    # every file of files/ (media, wandb.save, requirements) with its bytes; media find theirs
    on_disk = {
        p.relative_to(_run_dir(recorded) / "files").as_posix(): p.read_bytes()
        for p in (_run_dir(recorded) / "files").rglob("*")
        if p.is_file()
    }
    files = {f["path"]: f["sha256"] for f in public.files()}
    assert files == {name: hashlib.sha256(data).hexdigest() for name, data in on_disk.items()}
    assert "notes.txt" in files
    for name in ("notes.txt", image["value"]["path"]):
        answer = httpx.get(f"{server.base_url}/api/v1/runs/{path}/files/{name}", timeout=30)
        assert answer.content == on_disk[name]

    # console lines per stream; a carriage return shows the line's last frame, as a terminal
    lines = _get(server, f"{path}/console")["lines"]
    by_stream = {s: [ln["text"] for ln in lines if ln["stream"] == s] for s in ("stdout", "stderr")}
    assert by_stream == {"stdout": ["to stdout", "progress 2"], "stderr": ["to stderr"]}

    # every system sample W&B took, as Cairn's system series
    samples = [s for s in recorded.stats if "memory_percent" in s]
    if samples:  # W&B takes its first sample at start: there is one unless the run was instant
        points = _get(server, f"{path}/series/system/memory.percent/points")
        assert points["times"] == pytest.approx([s["_timestamp"] for s in samples])
        assert points["values"] == pytest.approx([s["memory_percent"] for s in samples])


def test_second_import_adds_nothing(
    server: ServerProcess, recorded: WandbRun, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    first = _import(server.base_url, work, str(_run_dir(recorded)))
    assert first.returncode == 0, first.stdout + first.stderr
    path = f"{RUN_PATH_PROJECT}/{_run_dir(recorded).name.rsplit('-', 1)[-1]}"
    before = _snapshot(server, path)

    again = _import(server.base_url, work, str(_run_dir(recorded)))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "imported before" in again.stdout
    assert _snapshot(server, path) == before

    # with the converted log gone, it is written again, identical: the server skips it all
    shutil.rmtree(work / "cairn" / "wandb-import")
    rebuilt = _import(server.base_url, work, str(_run_dir(recorded)))
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert "sent:" in rebuilt.stdout
    assert _snapshot(server, path) == before


def test_damaged_log_imports_what_is_readable(
    server: ServerProcess, recorded: WandbRun, tmp_path: Path
) -> None:
    copy = tmp_path / "wandb" / _run_dir(recorded).name
    shutil.copytree(_run_dir(recorded), copy, symlinks=True)
    (log,) = copy.glob("run-*.wandb")
    data = bytearray(log.read_bytes())
    # inside the history record of step 2 (and the summary update W&B writes beside it)
    spots = [i for i in range(len(data)) if data.startswith(b'"epoch-2"', i)]
    for spot in spots:
        data[spot + 2] ^= 0xFF
    log.write_bytes(bytes(data[:-5]))  # and the exit record cut short, as by a crash

    result = _import(server.base_url, tmp_path / "work", str(copy.parent))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output
    assert f"{len(spots) + 1} unreadable record(s) skipped" in result.stderr
    assert "imported as crashed" in result.stderr
    path = f"{RUN_PATH_PROJECT}/{copy.name.rsplit('-', 1)[-1]}"
    assert _get(server, path)["state"] == "crashed"
    steps = [row["_step"] for row in cairn.Api(base_url=server.base_url).run(path).scan_history()]
    assert steps == [0, 1, 3, 4]


def test_bad_input_says_what_to_do(recorded: WandbRun, tmp_path: Path) -> None:
    offline = "http://127.0.0.1:9"  # never contacted: dry runs and refusals
    unreachable = _import(offline, tmp_path, str(_run_dir(recorded)))
    assert unreachable.returncode == 1
    assert f"no Cairn server answers at {offline}" in unreachable.stderr

    refused = _import(
        offline, tmp_path, str(_run_dir(recorded)), "--project", "not valid!", "--dry-run"
    )
    assert refused.returncode == 1
    assert "project 'not valid!' is not valid" in refused.stderr
    assert "pass --project" in refused.stderr

    (tmp_path / "empty").mkdir()
    empty = _import(offline, tmp_path, str(tmp_path / "empty"))
    assert empty.returncode == 1
    assert "no W&B runs in" in empty.stderr

    dry = _import(offline, tmp_path, str(_run_dir(recorded)), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "6 history rows" in dry.stdout
    assert "nothing written or sent" in dry.stdout
    assert not (tmp_path / "cairn").exists()

    # without the wandb package (a stand-in that fails to import): what to install
    fake = tmp_path / "no-wandb" / "wandb"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('wandb is not installed')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
    env["PYTHONPATH"] = os.pathsep.join([str(fake.parent), str(ROOT)])
    missing = subprocess.run(
        [sys.executable, "-m", "cairn.cli.main", "import", "wandb", str(_run_dir(recorded))],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert missing.returncode == 1
    assert "install cairn-ml[compat]" in missing.stderr
    assert "Traceback" not in missing.stderr
