"""Segmentation masks on an image: an array of class ids the image's size, or a PNG file.

``masks={"name": {"mask_data": HxW ints, "class_labels": {id: name}}}`` or
``{"name": {"path": "mask.png", "class_labels": {...}}}``. Written as a PNG of class ids:
8-bit grey, or 16-bit grey when an id is over 255.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cairn.errors import InvalidInputError
from cairn.media.base import EncodeContext, MediaFile
from cairn.media.inputs import as_array, is_path, read_file
from cairn.media.labels import check_class_labels
from cairn.media.png import encode_png
from cairn.media.sniff import image_size

_FIELDS = frozenset({"mask_data", "path", "class_labels"})


@dataclass(frozen=True)
class Mask:
    """One validated mask: its class ids (or PNG bytes) and labels."""

    class_labels: dict[str, str]
    ids: np.ndarray[Any, Any] | None = None
    png: bytes | None = None


def check_masks(masks: Any, width: int, height: int) -> dict[str, Mask]:
    """The masks, validated against the image's size and copied."""
    if not isinstance(masks, dict):
        raise InvalidInputError(
            "Image masks must be a dict {name: {'mask_data': array, 'class_labels': {...}}}"
        )
    out: dict[str, Mask] = {}
    for name, mask in masks.items():
        where = f"Image masks[{name!r}]"
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"{where}: a mask's name must be a non-empty string")
        if not isinstance(mask, dict):
            raise InvalidInputError(f"{where} must be a dict with 'mask_data' or 'path'")
        unknown = set(mask) - _FIELDS
        if unknown:
            raise InvalidInputError(
                f"{where} has unknown field {sorted(unknown)[0]!r}; "
                "use mask_data or path, and class_labels"
            )
        labels = check_class_labels(mask.get("class_labels"), where)
        if ("mask_data" in mask) == ("path" in mask):
            raise InvalidInputError(f"{where} needs exactly one of 'mask_data' and 'path'")
        if "path" in mask:
            out[name] = Mask(labels, png=_mask_file(mask["path"], where, width, height))
        else:
            out[name] = Mask(labels, ids=_mask_array(mask["mask_data"], where, width, height))
    return out


def _mask_array(data: Any, where: str, width: int, height: int) -> np.ndarray[Any, Any]:
    array = as_array(data, f"{where} mask_data")
    if array.ndim != 2:
        raise InvalidInputError(f"{where} mask_data must be 2-D (H, W), got shape {array.shape}")
    if array.shape != (height, width):
        raise InvalidInputError(
            f"{where} mask_data has shape {array.shape} but the image is ({height}, {width})"
        )
    if array.dtype == np.bool_:
        return array.astype(np.uint8)
    if array.dtype.kind not in "iu":
        raise InvalidInputError(
            f"{where} mask_data must hold integer class ids, got dtype {array.dtype}"
        )
    if array.size and (array.min() < 0 or array.max() > 65535):
        raise InvalidInputError(f"{where} mask_data class ids must be in 0..65535")
    wide = array.size > 0 and int(array.max()) > 255
    return array.astype(np.uint16 if wide else np.uint8)


def _mask_file(path: Any, where: str, width: int, height: int) -> bytes:
    if not is_path(path):
        raise InvalidInputError(f"{where} path must be a file path")
    data = read_file(path, {"png": "png"}, f"{where} path")
    size = image_size(data)
    if size is None or size[0] != "png":
        raise InvalidInputError(f"{where} path {str(path)!r} is not a PNG file")
    if size[1:] != (width, height):
        raise InvalidInputError(
            f"{where} path is {size[1]}x{size[2]} but the image is {width}x{height}"
        )
    return data


def encode_masks(
    ctx: EncodeContext, masks: dict[str, Mask]
) -> tuple[dict[str, Any], list[MediaFile]]:
    """Each mask as a PNG under ``media/images/mask/`` and its ``mask`` value."""
    values: dict[str, Any] = {}
    files = []
    for name, mask in masks.items():
        data = mask.png if mask.png is not None else encode_png(mask.ids)
        file = ctx.path("images/mask", data, "png")
        files.append(file)
        values[name] = {
            "_type": "mask",
            "path": file.path,
            "sha256": file.sha256,
            "size": len(data),
            "format": "png",
            "class_labels": mask.class_labels,
        }
    return values, files
