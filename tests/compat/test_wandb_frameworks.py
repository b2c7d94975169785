"""Framework integrations that talk W&B log to a real Cairn server through the unmodified client.

Lightning's ``WandbLogger`` and Hugging Face's ``Trainer(report_to="wandb")`` run in the user's
own script (a subprocess, only ``WANDB_*`` pointing at Cairn), on the CPU, with tiny models made
in code: nothing is downloaded. Each script writes what the framework handed to W&B to a JSON
file, and the test checks that Cairn's API holds exactly that.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.compat.wandb_client import CairnReader, run_id_of, run_script
from tests.serverproc import ServerProcess

pytestmark = pytest.mark.timeout(300)

OFFLINE_HUB = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}

LIGHTNING = """
    import json
    import torch
    import lightning as L
    from lightning.pytorch.loggers import WandbLogger
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(0)
    logged = []
    train_losses = []

    class RecordingLogger(WandbLogger):
        # What Lightning hands to W&B, to compare with what Cairn holds.
        def log_metrics(self, metrics, step=None):
            logged.append({"metrics": dict(metrics), "step": step})
            super().log_metrics(metrics, step)

    class Tiny(L.LightningModule):
        def __init__(self, lr=0.05, hidden=8):
            super().__init__()
            self.save_hyperparameters()
            self.net = torch.nn.Sequential(
                torch.nn.Linear(4, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))

        def training_step(self, batch, _):
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.net(x), y)
            self.log("train_loss", loss, on_step=True, on_epoch=False)
            train_losses.append(loss.item())
            return loss

        def validation_step(self, batch, _):
            x, y = batch
            self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y))
            self.log("val_mae", (self.net(x) - y).abs().mean())

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    def data(n):
        x = torch.randn(n, 4)
        return TensorDataset(x, x.sum(dim=1, keepdim=True))

    logger = RecordingLogger(project="lit", entity="ivy", name="tiny-linear")
    logger.log_hyperparams({"batch_size": 4, "data": {"train": 32, "val": 16}})
    trainer = L.Trainer(
        max_epochs=3, accelerator="cpu", logger=logger, log_every_n_steps=1,
        num_sanity_val_steps=0, enable_progress_bar=False, enable_model_summary=False,
        default_root_dir="lightning")
    model = Tiny()
    logger.watch(model, log="gradients", log_freq=4)
    trainer.fit(model, DataLoader(data(32), batch_size=4), DataLoader(data(16), batch_size=8))
    with open("logged.json", "w") as f:
        json.dump({"logged": logged, "train_losses": train_losses}, f)
    print("RUN", logger.experiment.id)
"""


def test_lightning_wandb_logger(server: ServerProcess, tmp_path: Path) -> None:
    result = run_script(LIGHTNING, server.base_url, tmp_path)
    path = f"ivy/lit/{run_id_of(result)}"
    seen = json.loads((tmp_path / "logged.json").read_text())
    logged: list[dict[str, Any]] = seen["logged"]
    cairn = CairnReader(server.base_url)

    run = cairn.run(path)
    assert run["state"] == "finished"
    assert run["exit_code"] == 0
    assert run["name"] == "tiny-linear"
    assert run["config"] == {
        "lr": 0.05,
        "hidden": 8,
        "batch_size": 4,
        "data": {"train": 32, "val": 16},
    }

    # 8 batches an epoch for 3 epochs, and one validation line at each epoch's end.
    train = [entry for entry in logged if "train_loss" in entry["metrics"]]
    val = [entry for entry in logged if "val_loss" in entry["metrics"]]
    assert len(train) == 24
    assert [entry["metrics"]["train_loss"] for entry in train] == seen["train_losses"]
    assert len(val) == 3
    assert len(logged) == 27

    # Each log_metrics call is one W&B line: its index is the W&B step, which is Cairn's step.
    keys = {"train_loss", "val_loss", "val_mae", "epoch", "trainer/global_step"}
    assert keys <= set(cairn.keys(path))
    for key in keys:
        expected = [
            (i, float(entry["metrics"][key] if key != "trainer/global_step" else entry["step"]))
            for i, entry in enumerate(logged)
            if key in entry["metrics"] or key == "trainer/global_step"
        ]
        assert cairn.history(path, key) == expected, key
    assert [value for _, value in cairn.history(path, "epoch")] == [
        float(entry["metrics"]["epoch"]) for entry in logged
    ]
    assert {value for _, value in cairn.history(path, "epoch")} == {0.0, 1.0, 2.0}
    assert run["summary"]["trainer/global_step"] == logged[-1]["step"]
    assert run["summary"]["val_loss"] == val[-1]["metrics"]["val_loss"]

    # logger.watch: every 4th backward pass's gradients, as histograms on that batch's line.
    train_steps = [i for i, entry in enumerate(logged) if "train_loss" in entry["metrics"]]
    sizes = {"net.0.weight": 4 * 8, "net.0.bias": 8, "net.2.weight": 8, "net.2.bias": 1}
    for name, size in sizes.items():
        histograms = cairn.values(path, f"gradients/{name}")
        assert [step for step, _ in histograms] == train_steps[3::4], name
        assert all(h["_type"] == "histogram" for _, h in histograms)
        assert all(sum(h["values"]) == size for _, h in histograms)
        assert all(len(h["bins"]) == len(h["values"]) + 1 for _, h in histograms)
    graph = run["summary"]["graph_0"]
    assert graph["_type"] == "graph-file"
    assert cairn.files(path)[graph["path"]] == graph["size"]


HF_TRAINER = """
    import json
    import torch
    from transformers import (BertConfig, BertForSequenceClassification, Trainer,
                              TrainerCallback, TrainingArguments)

    torch.manual_seed(0)

    class Examples(torch.utils.data.Dataset):
        def __init__(self, n):
            self.ids = torch.randint(1, 64, (n, 12))
            self.labels = self.ids[:, 0] % 2

        def __len__(self):
            return len(self.ids)

        def __getitem__(self, i):
            return {"input_ids": self.ids[i], "attention_mask": torch.ones(12, dtype=torch.long),
                    "labels": self.labels[i]}

    class Record(TrainerCallback):
        # The logs the Trainer hands its callbacks, W&B's among them.
        def __init__(self):
            self.logs = []

        def on_log(self, args, state, control, logs=None, **kwargs):
            self.logs.append({"logs": dict(logs), "global_step": state.global_step})

    config = BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32,
                        max_position_embeddings=16, num_labels=2)
    model = BertForSequenceClassification(config)
    args = TrainingArguments(
        output_dir="out", report_to="wandb", run_name="tiny-bert", logging_steps=1,
        max_steps=10, per_device_train_batch_size=4, per_device_eval_batch_size=8,
        eval_strategy="steps", eval_steps=5, save_strategy="no", learning_rate=1e-3,
        use_cpu=True, disable_tqdm=True, seed=0)
    record = Record()
    trainer = Trainer(model=model, args=args, train_dataset=Examples(40),
                      eval_dataset=Examples(16), callbacks=[record])
    trainer.train()
    import wandb
    with open("logged.json", "w") as f:
        json.dump({"logs": record.logs, "num_parameters": model.num_parameters()}, f)
    print("RUN", wandb.run.id)
"""

SUMMARY_ONLY = {"train_runtime", "train_samples_per_second", "train_steps_per_second",
                "train_loss", "total_flos"}  # fmt: skip
"""What Hugging Face's W&B callback puts in the summary instead of the history."""


def _wandb_key(key: str) -> str:
    """Hugging Face's name for a logged key in W&B (``eval_loss`` → ``eval/loss``)."""
    return "eval/" + key[5:] if key.startswith("eval_") else "train/" + key


def test_hugging_face_trainer_report_to_wandb(server: ServerProcess, tmp_path: Path) -> None:
    result = run_script(
        HF_TRAINER,
        server.base_url,
        tmp_path,
        WANDB_PROJECT="hf",
        WANDB_ENTITY="jay",
        **OFFLINE_HUB,
    )
    path = f"jay/hf/{run_id_of(result)}"
    seen = json.loads((tmp_path / "logged.json").read_text())
    lines: list[dict[str, Any]] = seen["logs"]
    cairn = CairnReader(server.base_url)

    run = cairn.run(path)
    assert run["state"] == "finished"
    assert run["exit_code"] == 0
    assert run["name"] == "tiny-bert"

    config = run["config"]
    # TrainingArguments ...
    assert config["max_steps"] == 10
    assert config["learning_rate"] == 1e-3
    assert config["logging_steps"] == 1
    assert config["run_name"] == "tiny-bert"
    assert config["report_to"] == ["wandb"]
    # ... the model's config ...
    assert config["model_type"] == "bert"
    assert config["hidden_size"] == 16
    assert config["num_hidden_layers"] == 1
    assert config["vocab_size"] == 64
    # ... and what the callback adds.
    assert config["model/num_parameters"] == seen["num_parameters"]

    # One W&B line per on_log: 10 training steps, 2 evaluations, the closing totals.
    train = [line for line in lines if "loss" in line["logs"]]
    evals = [line for line in lines if "eval_loss" in line["logs"]]
    assert [line["global_step"] for line in train] == list(range(1, 11))
    assert [line["global_step"] for line in evals] == [5, 10]
    assert len(lines) == 13
    assert cairn.history(path, "train/global_step") == [
        (i, float(line["global_step"])) for i, line in enumerate(lines)
    ]
    history_keys = {
        _wandb_key(key)
        for line in lines
        for key, value in line["logs"].items()
        if key not in SUMMARY_ONLY and isinstance(value, int | float)
    }
    assert {"train/loss", "train/learning_rate", "train/epoch", "eval/loss"} <= history_keys
    for key in history_keys:
        expected = [
            (i, float(value))
            for i, line in enumerate(lines)
            for k, value in line["logs"].items()
            if _wandb_key(k) == key and k not in SUMMARY_ONLY
        ]
        assert cairn.history(path, key) == expected, key

    summary = run["summary"]
    totals = lines[-1]["logs"]
    for key in SUMMARY_ONLY:
        assert summary[key] == pytest.approx(totals[key]), key
    assert summary["train/global_step"] == 10
    assert summary["train/loss"] == train[-1]["logs"]["loss"]
