"""Fill a server with one project of media and tables through the real SDK (run as a script).

``python -m tests.browser.seed_media BASE_URL WORKDIR`` logs, in project ``MEDIA_PROJECT``, the
runs in ``RUNS``: each has images with boxes and masks at ``IMAGE_STEPS`` steps, a gallery, a
histogram over many steps, audio, a GIF video, hostile HTML and markdown, a 3D point cloud, a
plotly figure, a predictions table with image cells, an INCREMENTAL table logged twice, and
confusion-matrix, PR and ROC charts. The last run (``IMAGES_ONLY_RUN``) logs only the images, so
the image panel has three runs side by side.

It runs as its own process, like a training script (see seed.py for why).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

import cairn

ENTITY = "tester"
PROJECT = "media-demo"
RUNS = ["detector-a", "detector-b"]
IMAGES_ONLY_RUN = "detector-c"
IMAGE_STEPS = list(range(0, 100, 5))  # 20 steps
HIST_STEPS = 120
SIZE = 96  # image side in pixels
CLASSES = {1: "cat", 2: "dog", 3: "bird"}
# the "pred" table's rows and the chart classes
TABLE_ROWS = 320
LABELS = ["cat", "dog", "bird"]
# what the hostile HTML and markdown try; the tests check none of it reaches the app
HTML_REPORT = """<!doctype html><html><head><title>report</title></head><body>
<h1 id="title">Evaluation report</h1><p>accuracy 0.91</p>
<script>
  try { window.top.__xss = 1; } catch (e) {}
  try { parent.document.body.innerHTML = "pwned"; } catch (e) {}
  try { document.cookie; fetch("/api/v1/projects").catch(function () {}); } catch (e) {}
  document.getElementById("title").textContent = "Evaluation report (script ran)";
</script></body></html>"""
MARKDOWN = """# Sample generations

## Prompt 1

The **model** answered with *confidence*.

- first item
- second item

[click me](javascript:window.__xss=1)

<img src=x onerror="window.__xss=1">
"""


def _settings(base_url: str) -> dict[str, Any]:
    return {"base_url": base_url, "capture_system": False, "show_progress": False}


def _picture(step: int, seed: int) -> np.ndarray[Any, Any]:
    """A dark gradient with a lighter square that moves with the step."""
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    img = np.zeros((SIZE, SIZE, 3), dtype=np.uint8)
    img[..., 0] = (x * 60 // SIZE + 20 * seed).astype(np.uint8)
    img[..., 1] = (y * 60 // SIZE).astype(np.uint8)
    img[..., 2] = 40
    off = (step // 5) % 40
    img[20 + off // 2 : 50 + off // 2, 10 + off : 40 + off] = (200, 200, 220)
    return img


def _boxes(step: int) -> dict[str, Any]:
    """Two box groups: predictions in relative coordinates with scores (one cat, one dog, one
    low-score bird) and ground truth in pixels (one cat)."""
    shift = (step // 5) % 10 / 100
    return {
        "predictions": {
            "box_data": [
                {
                    "position": {
                        "minX": 0.1 + shift,
                        "maxX": 0.45 + shift,
                        "minY": 0.2,
                        "maxY": 0.55,
                    },
                    "class_id": 1,
                    "box_caption": "cat 0.92",
                    "scores": {"conf": 0.92},
                },
                {
                    "position": {"minX": 0.55, "maxX": 0.9, "minY": 0.5, "maxY": 0.9},
                    "class_id": 2,
                    "box_caption": "dog 0.81",
                    "scores": {"conf": 0.81},
                },
                {
                    "position": {"minX": 0.6, "maxX": 0.8, "minY": 0.08, "maxY": 0.3},
                    "class_id": 3,
                    "box_caption": "bird 0.15",
                    "scores": {"conf": 0.15},
                },
            ],
            "class_labels": CLASSES,
        },
        "ground_truth": {
            "box_data": [
                {
                    "position": {"middle": [30, 36], "width": 32, "height": 30},
                    "domain": "pixel",
                    "class_id": 1,
                }
            ],
            "class_labels": CLASSES,
        },
    }


def _mask(step: int) -> np.ndarray[Any, Any]:
    mask = np.zeros((SIZE, SIZE), dtype=np.uint8)
    off = (step // 5) % 40
    mask[20 + off // 2 : 50 + off // 2, 10 + off : 40 + off] = 1
    mask[70:90, 60:90] = 2
    return mask


def _detection(step: int, seed: int) -> Any:
    return cairn.Image(
        _picture(step, seed),
        caption=f"step {step}",
        boxes=_boxes(step),
        masks={
            "prediction": {
                "mask_data": _mask(step),
                "class_labels": {0: "background", **CLASSES},
            }
        },
        classes=[{"id": k, "name": v} for k, v in CLASSES.items()],
    )


def _log_images(run: Any, seed: int) -> None:
    for step in IMAGE_STEPS:
        run.log({"detections": _detection(step, seed)}, step=step)


def _tone(freq: float) -> Any:
    t = np.linspace(0, 0.5, 8000, endpoint=False)
    return cairn.Audio(0.4 * np.sin(2 * np.pi * freq * t), sample_rate=16_000, caption="tone")


def _video(seed: int) -> Any:
    frames = np.zeros((8, 3, 32, 32), dtype=np.uint8)
    for i in range(8):
        frames[i, 0] = 30 * i + 10 * seed
        frames[i, :, 4 * i : 4 * i + 8, 8:24] = 255
    return cairn.Video(frames, fps=4, caption="rollout")


def _cloud() -> Any:
    rng = np.random.default_rng(3)
    points = np.concatenate([rng.normal(0, 1, (500, 3)), rng.integers(1, 4, (500, 1))], axis=1)
    corners = [[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)]
    return cairn.Object3D(
        {
            "type": "lidar/beta",
            "points": points,
            "boxes": [{"corners": corners, "label": "car", "color": [255, 0, 0], "score": 0.9}],
        }
    )


def _plotly(seed: int) -> Any:
    return cairn.Plotly(
        {
            "data": [
                {"type": "scatter", "mode": "lines", "x": [0, 1, 2, 3], "y": [1, 3, 2, 4 + seed]},
                {"type": "bar", "x": [0, 1, 2, 3], "y": [2, 1, 3, 1]},
            ],
            "layout": {"title": {"text": "plotly figure"}},
        }
    )


def _predictions(seed: int) -> Any:
    """TABLE_ROWS rows: id, a thumbnail (10 distinct images shared by reference), pred, truth,
    score. Row i has score i / TABLE_ROWS (so sorting by score descending puts the last id first)
    and truth LABELS[i % 3]."""
    thumbs = [cairn.Image(_picture(5 * k, seed)[::4, ::4].copy()) for k in range(10)]
    table = cairn.Table(columns=["id", "image", "pred", "truth", "score"])
    for i in range(TABLE_ROWS):
        truth = LABELS[i % 3]
        pred = truth if i % 4 else LABELS[(i + 1) % 3]
        table.add_data(i, thumbs[i % 10], pred, truth, round(i / TABLE_ROWS, 4))
    return table


def _labels(seed: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Labels and class probabilities of a fairly good 3-class classifier."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, 200)
    logits = rng.normal(0, 1, (200, 3))
    logits[np.arange(200), y] += 2.0
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y, probs


def seed_run(base_url: str, workdir: Path, name: str, seed: int) -> None:
    run = cairn.init(
        project=PROJECT,
        entity=ENTITY,
        name=name,
        config={"seed": seed, "model": "detector"},
        dir=str(workdir / "runs"),
        settings=_settings(base_url),
    )
    _log_images(run, seed)
    if name == IMAGES_ONLY_RUN:
        run.finish()
        return
    rng = np.random.default_rng(seed)
    for step in range(HIST_STEPS):
        run.log({"weights": cairn.Histogram(rng.normal(step / 40, 1, 2000))}, step=step)
    last = HIST_STEPS
    gallery = [cairn.Image(_picture(5 * k, seed), caption=f"sample {k}") for k in range(4)]
    run.log(
        {
            "samples": gallery,
            "tone": _tone(440 + 110 * seed),
            "rollout": _video(seed),
            "report": cairn.Html(HTML_REPORT),
            "notes": cairn.Text(MARKDOWN),
            "cloud": _cloud(),
            "figure": _plotly(seed),
            "predictions": _predictions(seed),
        },
        step=last,
    )
    progress = cairn.Table(columns=["epoch", "acc"], log_mode="INCREMENTAL")
    for epoch in range(3):
        progress.add_data(epoch, 0.5 + 0.1 * epoch)
    run.log({"progress": progress}, step=last)
    for epoch in range(3, 5):
        progress.add_data(epoch, 0.5 + 0.1 * epoch)
    run.log({"progress": progress}, step=last + 1)
    y, probs = _labels(seed)
    run.log(
        {
            "cm": cairn.plot.confusion_matrix(
                y_true=y, preds=probs.argmax(axis=1), class_names=LABELS
            ),
            "pr": cairn.plot.pr_curve(y, probs, labels=LABELS),
            "roc": cairn.plot.roc_curve(y, probs, labels=LABELS),
        },
        step=last + 1,
    )
    run.finish()


def main(argv: list[str]) -> None:
    base_url, workdir = argv[0], Path(argv[1])
    workdir.mkdir(parents=True, exist_ok=True)
    for seed, name in enumerate([*RUNS, IMAGES_ONLY_RUN]):
        seed_run(base_url, workdir, name, seed)


if __name__ == "__main__":
    main(sys.argv[1:])
