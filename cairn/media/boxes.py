"""Bounding boxes on an image, in W&B's ``box_data`` shape, validated field by field.

``boxes={"predictions": {"box_data": [box, ...], "class_labels": {id: name}}}`` where a box is
``{"position": {"minX", "maxX", "minY", "maxY"} | {"middle": [x, y], "width", "height"},
"domain": "pixel"?, "class_id": int, "box_caption": str?, "scores": {name: number}?}``.
Without ``domain`` coordinates are relative to the image (0..1), as in W&B.
"""

from __future__ import annotations

import json
import math
from typing import Any

from cairn.errors import InvalidInputError
from cairn.media.base import EncodeContext, MediaFile
from cairn.media.labels import check_class_labels, class_id

_BOX_FIELDS = frozenset({"position", "domain", "class_id", "box_caption", "scores"})
_GROUP_FIELDS = frozenset({"box_data", "class_labels"})
_CORNERS = ("minX", "maxX", "minY", "maxY")


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not hasattr(value, "__float__"):
        raise InvalidInputError(f"{what} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidInputError(f"{what} must be finite, got {number}")
    return number


def _position(position: Any, where: str) -> dict[str, Any]:
    if not isinstance(position, dict):
        raise InvalidInputError(f"{where} 'position' must be a dict")
    keys = set(position)
    if keys == set(_CORNERS):
        out = {k: _number(position[k], f"{where} position.{k}") for k in _CORNERS}
        if out["minX"] > out["maxX"] or out["minY"] > out["maxY"]:
            raise InvalidInputError(f"{where} position has minX > maxX or minY > maxY")
        return out
    if keys == {"middle", "width", "height"}:
        middle = position["middle"]
        if not isinstance(middle, list | tuple) or len(middle) != 2:
            raise InvalidInputError(f"{where} position.middle must be [x, y]")
        width = _number(position["width"], f"{where} position.width")
        height = _number(position["height"], f"{where} position.height")
        if width < 0 or height < 0:
            raise InvalidInputError(f"{where} position width and height must be >= 0")
        return {
            "middle": [_number(v, f"{where} position.middle") for v in middle],
            "width": width,
            "height": height,
        }
    raise InvalidInputError(
        f"{where} position must have minX, maxX, minY, maxY or middle, width, height; "
        f"got {sorted(keys)}"
    )


def _box(box: Any, where: str) -> dict[str, Any]:
    if not isinstance(box, dict):
        raise InvalidInputError(f"{where} must be a dict")
    unknown = set(box) - _BOX_FIELDS
    if unknown:
        raise InvalidInputError(
            f"{where} has unknown field {sorted(unknown)[0]!r}; "
            f"a box has {', '.join(sorted(_BOX_FIELDS))}"
        )
    if "position" not in box or "class_id" not in box:
        raise InvalidInputError(f"{where} needs 'position' and 'class_id'")
    out: dict[str, Any] = {
        "position": _position(box["position"], where),
        "class_id": class_id(box["class_id"], f"{where} class_id"),
    }
    domain = box.get("domain")
    if domain is not None:
        if domain != "pixel":
            raise InvalidInputError(
                f"{where} domain must be 'pixel' or left out (relative 0..1), got {domain!r}"
            )
        out["domain"] = domain
    caption = box.get("box_caption")
    if caption is not None:
        if not isinstance(caption, str):
            raise InvalidInputError(f"{where} box_caption must be a string")
        out["box_caption"] = caption
    scores = box.get("scores")
    if scores is not None:
        if not isinstance(scores, dict) or not all(isinstance(k, str) for k in scores):
            raise InvalidInputError(f"{where} scores must be a dict {{name: number}}")
        out["scores"] = {k: _number(v, f"{where} scores[{k!r}]") for k, v in scores.items()}
    return out


def check_boxes(boxes: Any) -> dict[str, dict[str, Any]]:
    """The box groups, validated and made plain JSON; InvalidInputError names what is wrong."""
    if not isinstance(boxes, dict):
        raise InvalidInputError(
            "Image boxes must be a dict {group: {'box_data': [...], 'class_labels': {...}}}"
        )
    out: dict[str, dict[str, Any]] = {}
    for name, group in boxes.items():
        where = f"Image boxes[{name!r}]"
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"{where}: a box group's name must be a non-empty string")
        if not isinstance(group, dict):
            raise InvalidInputError(f"{where} must be a dict with 'box_data'")
        unknown = set(group) - _GROUP_FIELDS
        if unknown:
            raise InvalidInputError(
                f"{where} has unknown field {sorted(unknown)[0]!r}; use box_data, class_labels"
            )
        data = group.get("box_data")
        if not isinstance(data, list | tuple):
            raise InvalidInputError(f"{where} box_data must be a list of boxes")
        out[name] = {
            "box_data": [_box(box, f"{where} box {i}") for i, box in enumerate(data)],
            "class_labels": check_class_labels(group.get("class_labels"), where),
        }
    return out


def encode_boxes(
    ctx: EncodeContext, groups: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any], list[MediaFile]]:
    """Each group as a ``.boxes2D.json`` file and its ``boxes2D`` value."""
    values: dict[str, Any] = {}
    files = []
    for name, group in groups.items():
        data = json.dumps(group, separators=(",", ":")).encode()
        file = ctx.path("metadata/boxes2D", data, "json", suffix=".boxes2D")
        files.append(file)
        values[name] = {
            "_type": "boxes2D",
            "path": file.path,
            "sha256": file.sha256,
            "size": len(data),
            "class_labels": group["class_labels"],
        }
    return values, files
