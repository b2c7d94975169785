"""``cairn.Image``: numpy arrays, torch tensors, PIL images or image files, with boxes and masks.

Arrays may be HW, HWC or CHW (1, 3 or 4 channels; CHW when the first dimension is 1, 3 or 4 and
the last is not). uint8, bool and integer arrays must lie in 0..255; float arrays in [0, 1] are
scaled by 255; any other float range is refused (normalise it, or pass uint8). An image over
8192 px on a side or over 64 MiB of pixel data is refused: nothing is downscaled silently.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cairn.errors import InvalidInputError
from cairn.media.base import EncodeContext, Encoded, Media, check_caption
from cairn.media.boxes import check_boxes, encode_boxes
from cairn.media.inputs import as_array, is_path, module_of, read_file
from cairn.media.labels import check_classes
from cairn.media.masks import check_masks, encode_masks
from cairn.media.png import encode_png
from cairn.media.sniff import image_size

MAX_SIDE = 8192
MAX_PIXEL_BYTES = 64 << 20
_FILE_TYPES = {"png": "png", "jpg": "jpeg", "jpeg": "jpeg", "gif": "gif", "webp": "webp"}
_MODES = {"L": 1, "RGB": 3, "RGBA": 4}


class Image(Media):
    """An image logged at a step; encoded to PNG (arrays) or copied (files) off the caller's
    thread."""

    type_name = "image-file"

    def __init__(
        self,
        data: Any,
        caption: str | None = None,
        mode: str | None = None,
        boxes: dict[str, Any] | None = None,
        masks: dict[str, Any] | None = None,
        classes: Any = None,
        file_type: str | None = None,
    ) -> None:
        self.caption = check_caption(caption)
        if mode is not None and mode not in _MODES:
            raise InvalidInputError(f"Image mode must be one of {sorted(_MODES)}, got {mode!r}")
        if file_type is not None and file_type != "png":
            raise InvalidInputError(
                f"Image file_type {file_type!r}: arrays are written as png; "
                "pass a jpeg/gif/webp file's path to log it as it is"
            )
        self._pixels: np.ndarray[Any, Any] | None = None
        self._file: bytes | None = None
        if is_path(data):
            self._file = read_file(data, _FILE_TYPES, "Image")
            size = image_size(self._file)
            if size is None:
                raise InvalidInputError(
                    f"Image: {str(data)!r} is not a PNG, JPEG, GIF or WebP file we can read"
                )
            self.format, self.width, self.height = size
            channels = 3  # not in every header; the size rule counts a file's pixels as RGB
        else:
            if module_of(data) == "PIL":
                pixels = _from_pil(data)
            else:
                pixels = _normalise(as_array(data, "Image", or_path=True))
            if mode is not None and _MODES[mode] != pixels.shape[2]:
                raise InvalidInputError(
                    f"Image mode {mode!r} needs {_MODES[mode]} channel(s); "
                    f"the data has {pixels.shape[2]}"
                )
            self.height, self.width, channels = pixels.shape
            self._pixels = pixels
            self.format = "png"
        _check_size(self.width, self.height, channels)
        self._boxes = check_boxes(boxes) if boxes is not None else None
        self._masks = check_masks(masks, self.width, self.height) if masks is not None else None
        self._classes = check_classes(classes)

    def encode(self, ctx: EncodeContext) -> Encoded:
        if self._pixels is not None:
            pixels = self._pixels
            data = encode_png(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
        else:
            assert self._file is not None
            data = self._file
        file = ctx.path("images", data, "jpg" if self.format == "jpeg" else self.format)
        files = [file]
        value = self.file_value(
            file,
            format=self.format,
            width=self.width,
            height=self.height,
            caption=self.caption,
        )
        if self._masks:
            value["masks"], mask_files = encode_masks(ctx, self._masks)
            files += mask_files
        if self._boxes:
            value["boxes"], box_files = encode_boxes(ctx, self._boxes)
            files += box_files
        if self._classes is not None:
            value["classes"] = self._classes
        return Encoded(value, files)


def _check_size(width: int, height: int, channels: int) -> None:
    if width == 0 or height == 0:
        raise InvalidInputError(f"Image is empty ({width}x{height})")
    if width > MAX_SIDE or height > MAX_SIDE:
        raise InvalidInputError(
            f"Image is {width}x{height}; the limit is {MAX_SIDE} px a side: downscale or crop it"
        )
    if width * height * channels > MAX_PIXEL_BYTES:
        raise InvalidInputError(
            f"Image is {width}x{height}x{channels}, over {MAX_PIXEL_BYTES >> 20} MiB of "
            "pixels: downscale or crop it"
        )


def _normalise(array: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """HxWxC uint8 (C in 1, 3, 4) from HW / HWC / CHW of any accepted dtype."""
    if array.ndim == 2:
        array = array[:, :, None]
    elif array.ndim == 3:
        if array.shape[2] not in (1, 3, 4):
            if array.shape[0] not in (1, 3, 4):
                raise InvalidInputError(
                    f"Image array of shape {array.shape}: channels (1, 3 or 4) must come "
                    "last (HWC) or first (CHW)"
                )
            array = np.moveaxis(array, 0, 2)
    else:
        raise InvalidInputError(
            f"Image array must be HW, HWC or CHW, got {array.ndim} dimensions {array.shape}"
        )
    _check_size(array.shape[1], array.shape[0], array.shape[2])
    kind = array.dtype.kind
    if kind == "b":
        return np.ascontiguousarray(array, dtype=np.uint8) * np.uint8(255)
    if kind in "iu":
        if array.dtype != np.uint8 and (array.min() < 0 or array.max() > 255):
            raise InvalidInputError(
                f"Image {array.dtype} values must be in 0..255, got "
                f"{array.min()}..{array.max()}: scale them or pass floats in [0, 1]"
            )
        return np.ascontiguousarray(array, dtype=np.uint8)
    if kind == "f":
        low, high = float(array.min()), float(array.max())
        if not (low >= 0.0 and high <= 1.0):  # NaN fails both
            raise InvalidInputError(
                f"Image float values must be in [0, 1], got {low}..{high}: normalise them "
                "(e.g. (x - x.min()) / (x.max() - x.min())) or pass uint8 in 0..255"
            )
        return np.ascontiguousarray(np.rint(array * 255.0), dtype=np.uint8)
    raise InvalidInputError(
        f"Image arrays must be uint8, bool, integer or float, got dtype {array.dtype}"
    )


def _from_pil(image: Any) -> np.ndarray[Any, Any]:
    """The pixels of a PIL image (its own mode kept when it is L, RGB or RGBA)."""
    try:
        image.load()
    except Exception as exc:
        raise InvalidInputError(f"Image: cannot read the PIL image ({exc})") from None
    if image.mode not in _MODES:
        alpha = "A" in image.mode or "transparency" in image.info
        image = image.convert("RGBA" if alpha else "RGB")
    pixels = np.array(image, dtype=np.uint8)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    return pixels
