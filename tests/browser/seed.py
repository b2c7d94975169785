"""Fill a server with a small, realistic project through the real SDK (run as a script).

``python -m tests.browser.seed BASE_URL WORKDIR`` creates the finished, failed and hostile runs;
``python -m tests.browser.seed BASE_URL WORKDIR --running`` starts one run, logs to it, prints
``READY <run id>`` and keeps it running (heartbeats) until its stdin closes.

It runs as its own process, like a training script: console capture, atexit and the SDK's
threads behave as they do for users, and nothing leaks into the pytest process.
"""

from __future__ import annotations

import math
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import cairn

ENTITY = "tester"
PROJECT = "vision"
OTHER_PROJECT = "nlp-experiments"
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=1</script>"
STEPS = 500
SAVED_FILE = "notes/checkpoint-info.txt"
SAVED_TEXT = "best checkpoint: epoch 42, val/acc 0.913\n"
# ANSI-coloured console lines (green INFO, red ERROR, bold yellow warning)
ANSI_LINES = [
    "\x1b[32mINFO\x1b[0m starting epoch 1",
    "\x1b[1;33mWARNING\x1b[0m learning rate warm-up active",
    "\x1b[31mERROR\x1b[0m gradient norm exploded at step 123",
    "plain line: needle-7f3a in the haystack",
]

SAMPLE_TEXT = "a cat sitting on a mat"
ALERTS = [("val/acc plateaued", "no improvement for 50 steps", "WARN"),
          ("loss spike", "loss jumped at step 123", "ERROR")]  # fmt: skip

# name, config, tags, group, notes, exit code, seed
RUNS: list[dict[str, Any]] = [
    {"name": "resnet-baseline", "lr": 0.1, "optimizer": "sgd", "batch_size": 128, "depth": 18,
     "tags": ["baseline", "resnet"], "group": "resnet", "notes": "First baseline on the full set.",
     "console": True, "file": True},
    {"name": "resnet-adam", "lr": 0.001, "optimizer": "adam", "batch_size": 128, "depth": 18,
     "tags": ["resnet"], "group": "resnet", "notes": "", "extras": True},
    {"name": "resnet-deep", "lr": 0.01, "optimizer": "adam", "batch_size": 256, "depth": 50,
     "tags": ["resnet", "deep"], "group": "resnet", "notes": "Deeper model."},
    {"name": "vit-small", "lr": 0.0003, "optimizer": "adamw", "batch_size": 64, "depth": 12,
     "tags": ["vit"], "group": "vit", "notes": "", "system": True},
    {"name": "vit-diverged", "lr": 0.05, "optimizer": "adamw", "batch_size": 64, "depth": 12,
     "tags": ["vit"], "group": "vit", "notes": "Diverged: lr too high.", "exit_code": 1},
    {"name": "mlp-tiny", "lr": 0.02, "optimizer": "sgd", "batch_size": 32, "depth": 2,
     "tags": [], "group": None, "notes": ""},
]  # fmt: skip


def _settings(base_url: str, **extra: Any) -> dict[str, Any]:
    return {"base_url": base_url, "capture_system": False, "show_progress": False, **extra}


def _curves(run: dict[str, Any], index: int, steps: int) -> list[dict[str, float]]:
    """Loss going down, accuracy going up, with noise; the diverged run blows up."""
    rng = random.Random(index)
    rate = 0.004 + 0.002 * index
    rows = []
    for step in range(steps):
        base = 2.3 * math.exp(-rate * step) + 0.1 + 0.02 * index
        if run.get("exit_code") and step > steps // 2:
            base *= 1 + (step - steps // 2) / 40
        loss = base * (1 + 0.08 * rng.uniform(-1, 1))
        acc = max(0.0, min(1.0, 1 - base / 2.4 + 0.02 * rng.uniform(-1, 1)))
        row = {"train/loss": loss, "train/acc": acc}
        if step % 5 == 0:
            row["val/loss"] = base * 1.1
            row["val/acc"] = max(0.0, acc - 0.03)
        rows.append(row)
    return rows


def _git_repo(workdir: Path) -> None:
    """A small git repository so runs record a remote, branch and commit."""
    if (workdir / ".git").exists():
        return
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "train.py").write_text("print('train')\n")

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=workdir, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.email", "ci@example.com")
    git("config", "user.name", "CI")
    git("remote", "add", "origin", "https://github.com/example/vision.git")
    git("add", "train.py")
    git("commit", "-q", "-m", "initial")


def seed_finished(base_url: str, workdir: Path) -> None:
    """The finished and failed runs, the hostile run and a second project."""
    for index, spec in enumerate(RUNS):
        extra = {"capture_system": True, "system_interval_s": 0.2} if spec.get("system") else {}
        run = cairn.init(
            project=PROJECT,
            entity=ENTITY,
            name=spec["name"],
            config={
                "lr": spec["lr"],
                "optimizer": spec["optimizer"],
                "batch_size": spec["batch_size"],
                "model": {"depth": spec["depth"], "arch": spec["name"].split("-")[0]},
                "seed": index,
            },
            tags=spec["tags"],
            group=spec["group"],
            notes=spec["notes"] or None,
            dir=str(workdir / "runs"),
            settings=_settings(base_url, **extra),
        )
        if spec.get("console"):
            for line in ANSI_LINES:
                print(line, flush=True)
        rows = _curves(spec, index, STEPS)
        if spec.get("extras"):  # text and JSON values beside the metrics
            for step, phase in ((0, "warmup"), (100, "train"), (STEPS - 1, "eval")):
                rows[step]["phase"] = phase
            rows[10]["sample"] = {"text": SAMPLE_TEXT, "tokens": [3, 7, 9]}
        for row in rows:
            run.log(row)
        if spec.get("extras"):
            for title, text, level in ALERTS:
                run.alert(title, text, level=level)
        if spec.get("system"):
            time.sleep(1.5)  # a few system-metric samples at 0.2 s
        run.summary["best_val_acc"] = max(r.get("val/acc", 0.0) for r in rows)
        if spec.get("file"):
            path = workdir / SAVED_FILE
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(SAVED_TEXT)
            run.save(str(path), base_path=str(workdir), policy="now")
        run.finish(exit_code=spec.get("exit_code", 0))

    # the hostile run: markup in every free-text field the pages show
    run = cairn.init(
        project=PROJECT,
        entity=ENTITY,
        name=XSS_IMG,
        config={
            "lr": 0.001,
            "optimizer": XSS_SCRIPT,
            "batch_size": 16,
            "model": {"depth": 1},
            "payload": XSS_IMG,
        },
        tags=[XSS_SCRIPT, "hostile"],
        notes=f"{XSS_IMG} and {XSS_SCRIPT}",
        dir=str(workdir / "runs"),
        settings=_settings(base_url),
    )
    print(f"console says {XSS_IMG} {XSS_SCRIPT}", flush=True)
    for step in range(50):
        run.log({"train/loss": 1.0 / (step + 1), XSS_IMG: step})
    run.log({"caption": XSS_SCRIPT})
    run.alert(XSS_IMG, XSS_SCRIPT, level="ERROR")
    run.finish()

    run = cairn.init(
        project=OTHER_PROJECT,
        entity=ENTITY,
        name="bert-base",
        config={"lr": 2e-5},
        dir=str(workdir / "runs"),
        settings=_settings(base_url),
    )
    for step in range(20):
        run.log({"train/loss": 1.0 / (step + 1)})
    run.finish()


def seed_running(base_url: str, workdir: Path) -> None:
    """One run that stays running until stdin closes (its heartbeats keep it alive)."""
    run = cairn.init(
        project=PROJECT,
        entity=ENTITY,
        name="live-run",
        config={"lr": 0.004, "optimizer": "adam", "batch_size": 128, "model": {"depth": 34}},
        tags=["live"],
        group="resnet",
        dir=str(workdir / "runs-live"),
        settings=_settings(base_url, heartbeat_s=2.0),
    )
    for row in _curves({}, 9, 200):
        run.log(row)
    print(f"READY {run.id}", file=sys.__stdout__, flush=True)
    sys.stdin.read()
    run.finish()


def main(argv: list[str]) -> None:
    base_url, workdir = argv[0], Path(argv[1])
    _git_repo(workdir)
    import os

    os.chdir(workdir)
    # What the run pages show as the command: a training script's, not this machine's paths.
    sys.argv = ["train.py", "--epochs", "10"]
    if "--running" in argv:
        seed_running(base_url, workdir)
    else:
        seed_finished(base_url, workdir)


if __name__ == "__main__":
    main(sys.argv[1:])
