"""Media for ``make run``'s example runs: boxed and masked shapes, a predictions table, histograms.

Everything is drawn with numpy so the example needs nothing beyond the SDK's own dependencies.
"""

from __future__ import annotations

from typing import Any

import numpy as np

CLASSES = {1: "square", 2: "disc", 3: "bar"}
SIZE = 96


def _scene(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """An RGB image with two or three shapes, its class-id mask and the shapes' boxes."""
    image = np.full((SIZE, SIZE, 3), 24, dtype=np.uint8)
    image += rng.integers(0, 16, size=image.shape, dtype=np.uint8)
    mask = np.zeros((SIZE, SIZE), dtype=np.uint8)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    shapes = []
    for _ in range(int(rng.integers(2, 4))):
        class_id = int(rng.integers(1, 4))
        cx, cy = (int(v) for v in rng.integers(18, SIZE - 18, size=2))
        half = int(rng.integers(8, 16))
        if class_id == 1:
            inside = (abs(xx - cx) <= half) & (abs(yy - cy) <= half)
        elif class_id == 2:
            inside = (xx - cx) ** 2 + (yy - cy) ** 2 <= half**2
        else:
            inside = (abs(xx - cx) <= half) & (abs(yy - cy) <= half // 3)
        colour = np.array([(90, 200, 250), (250, 170, 60), (140, 230, 120)][class_id - 1])
        image[inside] = colour.astype(np.uint8)
        mask[inside] = class_id
        shapes.append({"class_id": class_id, "x": cx, "y": cy, "half": half})
    return image, mask, shapes


def _boxes(
    shapes: list[dict[str, Any]], rng: np.random.Generator, noise: float
) -> list[dict[str, Any]]:
    """Predicted boxes around the shapes (pixel coordinates), jittered by ``noise``."""
    boxes = []
    for shape in shapes:
        jitter = rng.normal(0, noise * 4, size=4)
        half = shape["half"]
        score = float(np.clip(1 - noise + rng.normal(0, 0.08), 0.05, 0.99))
        boxes.append({
            "position": {
                "minX": float(max(0, shape["x"] - half + jitter[0])),
                "maxX": float(min(SIZE, shape["x"] + half + jitter[1])),
                "minY": float(max(0, shape["y"] - half + jitter[2])),
                "maxY": float(min(SIZE, shape["y"] + half + jitter[3])),
            },
            "domain": "pixel",
            "class_id": shape["class_id"],
            "box_caption": f"{CLASSES[shape['class_id']]} {score:.2f}",
            "scores": {"confidence": score},
        })  # fmt: skip
    return boxes


def media_at(step: int, total: int, run_index: int, seed: int) -> dict[str, Any]:
    """What one example run logs at ``step``: predictions with boxes and masks, a histogram."""
    import cairn

    rng = np.random.default_rng(seed * 1000 + step)
    noise = 0.1 + 0.9 * (1 - step / total) + 0.1 * run_index
    images = []
    for _ in range(4):
        image, mask, shapes = _scene(rng)
        images.append(
            cairn.Image(
                image,
                caption=f"step {step}",
                boxes={
                    "predictions": {"box_data": _boxes(shapes, rng, noise), "class_labels": CLASSES}
                },
                masks={"ground_truth": {"mask_data": mask, "class_labels": CLASSES}},
            )
        )
    weights = rng.normal(0, 1 / (1 + step / 100), size=2000)
    return {"predictions": images, "weights": cairn.Histogram(weights)}


def predictions_table(run_index: int, seed: int, rows: int = 200) -> Any:
    """A table of predictions on held-out shapes: image, label, prediction, score."""
    import cairn

    rng = np.random.default_rng(seed)
    thumbs = []
    labels = []
    for _ in range(12):
        image, _, shapes = _scene(rng)
        thumbs.append(cairn.Image(image))
        labels.append(CLASSES[shapes[0]["class_id"]])
    table = cairn.Table(columns=["id", "image", "label", "prediction", "score"])
    for row in range(rows):
        which = int(rng.integers(0, len(thumbs)))
        label = labels[which]
        right = rng.random() > 0.15 + 0.1 * run_index
        prediction = label if right else CLASSES[int(rng.integers(1, 4))]
        table.add_data(row, thumbs[which], label, prediction, float(rng.uniform(0.4, 1.0)))
    return table
