"""``cairn.Object3D``: point clouds (with 3D boxes and vectors) and 3D model files.

A point cloud is a numpy array of N rows: ``x, y, z`` (Nx3), plus a category (Nx4) or an RGB
colour 0-255 (Nx6); or W&B's scene dict ``{"type": "lidar/beta", "points": ..., "boxes":
[{"corners": 8x3, "label", "color"}], "vectors": [{"start", "end"}]}``. It is written as W&B's
``.pts.json`` (the bare list of points for an array, the dict for a scene). A path to an
``.obj``/``.gltf``/``.glb``/``.stl`` file is kept as it is; a ``.pts.json`` file is checked like
the data it holds. Over 5,000,000 points is refused.
"""

from __future__ import annotations

import json
import os
from typing import Any, ClassVar, Final

import numpy as np

from cairn.errors import InvalidInputError
from cairn.media.base import EncodeContext, Encoded, Media

MAX_POINTS: Final = 5_000_000
MODEL_FORMATS: Final = ("obj", "gltf", "glb", "stl")
SCENE_TYPES: Final = ("lidar/beta",)
BOX_FIELDS: Final = frozenset({"corners", "label", "color", "score"})


class Object3D(Media):
    """A 3D object logged with ``run.log`` (W&B's ``wandb.Object3D``)."""

    type_name: ClassVar[str] = "object3D-file"

    def __init__(self, data: Any) -> None:
        self.points: int | None = None
        self._points: np.ndarray[Any, Any] | None = None
        self._scene: dict[str, Any] | None = None
        self._bytes = b""
        if isinstance(data, str | os.PathLike):
            self._from_path(os.fspath(data))
        elif isinstance(data, np.ndarray):
            self._points = _points(data, "data")
            self.format = "pts.json"
        elif isinstance(data, dict):
            self._scene = _scene(data)
            self.format = "pts.json"
        else:
            raise InvalidInputError(
                "Object3D: data must be a numpy array of points, a scene dict "
                '({"type": "lidar/beta", "points": ...}) or a file path, '
                f"got {type(data).__name__}"
            )
        if self._points is not None:
            self.points = len(self._points)
        elif self._scene is not None:
            self.points = len(self._scene["points"])

    def _from_path(self, path: str) -> None:
        lower = path.lower()
        if lower.endswith(".pts.json"):
            fmt = "pts.json"
        else:
            fmt = os.path.splitext(lower)[1].lstrip(".")
            if fmt not in MODEL_FORMATS:
                raise InvalidInputError(
                    f"Object3D: {path!r} is not a 3D file this accepts "
                    f"(.pts.json, {', '.join('.' + f for f in MODEL_FORMATS)})"
                )
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError as exc:
            raise InvalidInputError(f"Object3D: cannot read {path!r}: {exc.strerror}") from None
        if not raw:
            raise InvalidInputError(f"Object3D: {path!r} is empty")
        self.format = fmt
        if fmt != "pts.json":
            self._bytes = raw
            return
        try:
            parsed = json.loads(raw)
        except ValueError as exc:
            raise InvalidInputError(f"Object3D: {path!r} is not valid JSON: {exc}") from None
        if isinstance(parsed, dict):
            self._scene = _scene(parsed)
        else:
            self._points = _points(parsed, path)

    def encode(self, ctx: EncodeContext) -> Encoded:
        if self._points is not None:
            data = _dumps(self._points.tolist())
        elif self._scene is not None:
            scene = dict(self._scene)
            scene["points"] = scene["points"].tolist()
            data = _dumps(scene)
        else:
            data = self._bytes
        file = ctx.path("object3D", data, self.format)
        return Encoded(self.file_value(file, format=self.format, points=self.points), [file])


def _points(data: Any, where: str) -> np.ndarray[Any, Any]:
    """Points as a float64 (N, 3|4|6) copy, checked."""
    try:
        array = np.array(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"Object3D: the points in {where} must be numbers in rows of 3, 4 or 6"
        ) from None
    if array.ndim != 2 or array.shape[1] not in (3, 4, 6):
        raise InvalidInputError(
            f"Object3D: points must have shape (N, 3) xyz, (N, 4) xyz + category or (N, 6) "
            f"xyz + rgb; got {array.shape} in {where}"
        )
    if len(array) > MAX_POINTS:
        raise InvalidInputError(
            f"Object3D: {len(array)} points is over the limit of {MAX_POINTS:,}; "
            "subsample the cloud before logging it"
        )
    if not np.isfinite(array).all():
        raise InvalidInputError(f"Object3D: the points in {where} hold NaN or infinity")
    if array.shape[1] == 6 and ((array[:, 3:] < 0).any() or (array[:, 3:] > 255).any()):
        raise InvalidInputError("Object3D: rgb colours of (N, 6) points must be in 0..255")
    return array


def _scene(data: dict[str, Any]) -> dict[str, Any]:
    kind = data.get("type")
    if kind not in SCENE_TYPES:
        raise InvalidInputError(f"Object3D: a scene dict needs 'type': 'lidar/beta', got {kind!r}")
    unknown = set(data) - {"type", "points", "boxes", "vectors"}
    if unknown:
        raise InvalidInputError(
            f"Object3D: unknown scene fields {sorted(unknown)}; use type, points, boxes and vectors"
        )
    if "points" not in data:
        raise InvalidInputError("Object3D: a scene dict needs 'points'")
    scene: dict[str, Any] = {"type": kind, "points": _points(data["points"], "points")}
    boxes = data.get("boxes", [])
    if not isinstance(boxes, list | tuple):
        raise InvalidInputError("Object3D: 'boxes' must be a list of box dicts")
    scene["boxes"] = [_box(box, i) for i, box in enumerate(boxes)]
    vectors = data.get("vectors", [])
    if not isinstance(vectors, list | tuple):
        raise InvalidInputError("Object3D: 'vectors' must be a list of {start, end} dicts")
    scene["vectors"] = [_vector(v, i) for i, v in enumerate(vectors)]
    return scene


def _box(box: Any, i: int) -> dict[str, Any]:
    if not isinstance(box, dict):
        raise InvalidInputError(f"Object3D: boxes[{i}] must be a dict, got {type(box).__name__}")
    unknown = set(box) - BOX_FIELDS
    if unknown:
        raise InvalidInputError(
            f"Object3D: boxes[{i}] has unknown fields {sorted(unknown)}; "
            f"use {', '.join(sorted(BOX_FIELDS))}"
        )
    corners = _array(box.get("corners"), (8, 3), f"boxes[{i}].corners")
    out: dict[str, Any] = {"corners": corners.tolist()}
    if "label" in box:
        if not isinstance(box["label"], str):
            raise InvalidInputError(f"Object3D: boxes[{i}].label must be a string")
        out["label"] = box["label"]
    if "color" in box:
        color = _array(box["color"], (3,), f"boxes[{i}].color")
        if (color < 0).any() or (color > 255).any():
            raise InvalidInputError(f"Object3D: boxes[{i}].color must be r, g, b in 0..255")
        out["color"] = color.tolist()
    if "score" in box:
        score = box["score"]
        if isinstance(score, bool) or not isinstance(score, int | float | np.number):
            raise InvalidInputError(f"Object3D: boxes[{i}].score must be a number")
        out["score"] = float(score)
    return out


def _vector(vector: Any, i: int) -> dict[str, Any]:
    if not isinstance(vector, dict) or not {"start", "end"} <= set(vector):
        raise InvalidInputError(f"Object3D: vectors[{i}] must be a dict with start and end")
    return {
        "start": _array(vector["start"], (3,), f"vectors[{i}].start").tolist(),
        "end": _array(vector["end"], (3,), f"vectors[{i}].end").tolist(),
    }


def _array(value: Any, shape: tuple[int, ...], where: str) -> np.ndarray[Any, Any]:
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        array = np.empty(0)
    if array.shape != shape or not np.isfinite(array).all():
        raise InvalidInputError(
            f"Object3D: {where} must be finite numbers of shape {shape}, got {value!r:.80}"
        )
    return array


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()
