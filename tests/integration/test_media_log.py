"""Media logged with the real SDK against a real server, read back over the HTTP API."""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
import wave
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

import cairn
from cairn.media.base import EncodeContext, Encoded, Media
from tests.serverproc import ServerProcess


def _get(server: ServerProcess, path: str, **params: Any) -> Any:
    response = httpx.get(f"{server.base_url}/api/v1/{path}", params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def _values(server: ServerProcess, run: Any, key: str) -> dict[int, Any]:
    page = _get(server, f"runs/{run.path}/values", key=key)
    return {v["step"]: v["value"] for v in page["values"]}


def _file(server: ServerProcess, run: Any, path: str) -> bytes:
    response = httpx.get(f"{server.base_url}/api/v1/runs/{run.path}/files/{path}", timeout=30)
    assert response.status_code == 200, response.text
    return response.content


def _log_everything(run: Any, steps: int = 3) -> None:
    rng = np.random.default_rng(0)
    for step in range(steps):
        pixels = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
        mask = np.zeros((24, 32), np.int64)
        mask[4:10, 5:20] = 1
        boxes = {"predictions": {"box_data": [
            {"position": {"minX": 0.1, "maxX": 0.4, "minY": 0.2, "maxY": 0.5}, "class_id": 1,
             "scores": {"conf": 0.8}},
        ], "class_labels": {1: "cat"}}}  # fmt: skip
        run.log(
            {
                "loss": 1.0 / (step + 1),
                "note": f"step {step}",
                "pred": cairn.Image(
                    pixels,
                    caption=f"s{step}",
                    boxes=boxes,
                    masks={"seg": {"mask_data": mask, "class_labels": {0: "bg", 1: "cat"}}},
                ),
                "grid": [cairn.Image(rng.random((8, 8))) for _ in range(3)],
                "sound": cairn.Audio(np.sin(np.linspace(0, 20, 400)), sample_rate=4000),
                "weights": cairn.Histogram(rng.normal(size=1000), num_bins=16),
                "page": cairn.Html(f"<h1>{step}</h1>"),
                "sample": cairn.Text(f"**generated** {step}"),
            },
            step=step * 10,
        )


def _check_file_value(server: ServerProcess, run: Any, value: dict[str, Any]) -> bytes:
    data = _file(server, run, value["path"])
    assert hashlib.sha256(data).hexdigest() == value["sha256"]
    assert len(data) == value["size"]
    assert (run.dir / "files" / value["path"]).read_bytes() == data
    return data


def _check_run(server: ServerProcess, run: Any, steps: int = 3) -> None:
    wanted = [s * 10 for s in range(steps)]
    images = _values(server, run, "pred")
    assert sorted(images) == wanted
    image = images[10]
    assert image["_type"] == "image-file"
    assert (image["width"], image["height"], image["format"]) == (32, 24, "png")
    assert image["caption"] == "s1"
    assert image["path"].startswith("media/images/pred_10_")
    png = _check_file_value(server, run, image)
    assert png.startswith(b"\x89PNG")
    mask = image["masks"]["seg"]
    assert mask["class_labels"] == {"0": "bg", "1": "cat"}
    _check_file_value(server, run, mask)
    boxes = image["boxes"]["predictions"]
    assert boxes["class_labels"] == {"1": "cat"}
    box_file = httpx.get(
        f"{server.base_url}/api/v1/runs/{run.path}/files/{boxes['path']}", timeout=30
    ).json()
    assert box_file["box_data"][0]["scores"] == {"conf": 0.8}
    grid = _values(server, run, "grid")[wanted[-1]]
    assert grid["_type"] == "images/separated"
    assert grid["count"] == 3
    for member in grid["images"]:
        _check_file_value(server, run, member)
    sound = _values(server, run, "sound")[0]
    assert sound["_type"] == "audio-file"
    assert sound["sample_rate"] == 4000
    assert _check_file_value(server, run, sound)[:4] == b"RIFF"
    hist = _values(server, run, "weights")[0]
    assert hist["_type"] == "histogram"
    assert sum(hist["values"]) == 1000
    assert len(hist["bins"]) == 17
    page = _values(server, run, "page")[wanted[-1]]
    assert f"<h1>{steps - 1}</h1>".encode() in _check_file_value(server, run, page)
    text = _values(server, run, "sample")[0]
    assert text["preview"] == "**generated** 0"
    assert _check_file_value(server, run, text) == b"**generated** 0"
    assert _values(server, run, "note")[wanted[-1]] == f"step {steps - 1}"
    summary = _get(server, f"runs/{run.path}")["summary"]
    assert summary["loss"] == pytest.approx(1 / steps)
    assert summary["pred"]["path"] == images[wanted[-1]]["path"]


def test_media_logged_online_are_served_back(server: ServerProcess, workdir: Path) -> None:
    run = cairn.init(project="media", settings={"base_url": server.base_url})
    _log_everything(run)
    run.finish()
    assert _get(server, f"runs/{run.path}")["state"] == "finished"
    _check_run(server, run)


def test_media_logged_offline_travel_with_cairn_sync(server: ServerProcess, workdir: Path) -> None:
    run = cairn.init(project="media-off", mode="offline", settings={"base_url": server.base_url})
    _log_everything(run, steps=2)
    run.finish()
    result = subprocess.run(
        [sys.executable, "-m", "cairn.cli.main", "sync", str(run.dir), "--base-url",
         server.base_url], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    _check_run(server, run, steps=2)


class _Broken(Media):
    type_name = "image-file"

    def encode(self, ctx: EncodeContext) -> Encoded:
        raise RuntimeError("the user's object broke")


def test_a_value_that_fails_to_encode_is_dropped_with_one_warning(
    server: ServerProcess, workdir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = cairn.init(project="media-bad", settings={"base_url": server.base_url})
    with caplog.at_level(logging.WARNING, logger="cairn"):
        for step in range(3):
            run.log({"x": float(step), "bad": _Broken(), "ok": cairn.Text("fine")})
        run.finish()
    warnings = [r for r in caplog.records if "'bad'" in r.getMessage()]
    assert len(warnings) == 1
    assert "the user's object broke" in warnings[0].getMessage()
    assert sorted(_values(server, run, "ok")) == [0, 1, 2]
    keys = _get(server, f"runs/{run.path}/values", key="bad")["values"]
    assert keys == []
    assert _get(server, f"runs/{run.path}")["summary"]["x"] == 2.0


def test_a_wav_file_and_a_disabled_run(server: ServerProcess, workdir: Path) -> None:
    path = workdir / "clip.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\x01\x00" * 800)
    disabled = cairn.init(project="media", mode="disabled")
    disabled.log({"clip": cairn.Audio(path), "grid": [cairn.Image(np.zeros((2, 2)))]})
    disabled.finish()
    run = cairn.init(project="media-wav", settings={"base_url": server.base_url})
    run.log({"clip": cairn.Audio(path, caption="file")})
    run.finish()
    clip = _values(server, run, "clip")[0]
    assert clip["duration"] == 0.1
    assert _check_file_value(server, run, clip) == path.read_bytes()
