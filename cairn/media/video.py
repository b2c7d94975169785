"""``cairn.Video``: a video file, its bytes, or frames (numpy) written as an animated GIF.

Frames are a uint8 array of shape (T, C, H, W) (W&B's order) or (T, H, W, C), C being 1, 3 or 4;
they are copied when the Video is made and turned into a GIF with Pillow on the writer thread.
A file (gif, mp4, webm, ogg) or raw bytes with ``format=`` are kept as they are.
"""

from __future__ import annotations

import importlib.util
import io
import os
from typing import Any, ClassVar, Final

import numpy as np

from cairn.errors import InvalidInputError
from cairn.media.base import EncodeContext, Encoded, Media, check_caption

FORMATS: Final = ("gif", "mp4", "webm", "ogg")
MAX_SIDE: Final = 8192


class Video(Media):
    """A video logged with ``run.log`` (W&B's ``wandb.Video``)."""

    type_name: ClassVar[str] = "video-file"

    def __init__(
        self,
        data_or_path: Any,
        caption: str | None = None,
        fps: float = 4,
        format: str | None = None,
    ) -> None:
        self.caption = check_caption(caption)
        if isinstance(fps, bool) or not isinstance(fps, int | float) or not 0 < fps <= 1000:
            raise InvalidInputError(f"Video: fps must be a number in (0, 1000], got {fps!r}")
        self.fps = fps
        fmt = format.lower().lstrip(".") if isinstance(format, str) else format
        if fmt is not None and fmt not in FORMATS:
            raise InvalidInputError(
                f"Video: format must be one of {', '.join(FORMATS)}, got {format!r}"
            )
        self.width: int | None = None
        self.height: int | None = None
        self._frames: np.ndarray[Any, Any] | None = None
        self._bytes = b""
        if isinstance(data_or_path, str | os.PathLike):
            self.format = _path_format(os.fspath(data_or_path), fmt)
            try:
                with open(data_or_path, "rb") as f:
                    self._bytes = f.read()
            except OSError as exc:
                raise InvalidInputError(
                    f"Video: cannot read {os.fspath(data_or_path)!r}: {exc.strerror}"
                ) from None
        elif isinstance(data_or_path, bytes | bytearray | memoryview):
            if fmt is None:
                raise InvalidInputError(
                    f"Video: pass format= ({', '.join(FORMATS)}) with the bytes of a video"
                )
            self.format = fmt
            self._bytes = bytes(data_or_path)
        elif isinstance(data_or_path, np.ndarray):
            if fmt not in (None, "gif"):
                raise InvalidInputError(
                    f"Video: frames are written as an animated GIF, not {fmt}; to log {fmt}, "
                    "write the file yourself and pass its path"
                )
            self.format = "gif"
            self._frames = _frames(data_or_path)
            self.height, self.width = self._frames.shape[1:3]
            if importlib.util.find_spec("PIL") is None:
                raise InvalidInputError(
                    "Video: writing frames as a GIF needs Pillow: pip install pillow"
                )
        else:
            raise InvalidInputError(
                "Video: data_or_path must be a file path, bytes with format=, or a numpy array "
                f"of frames, got {type(data_or_path).__name__}"
            )
        if self._frames is None:
            if not self._bytes:
                raise InvalidInputError("Video: the video is empty (0 bytes)")
            if self.format == "gif":
                self.width, self.height = _gif_size(self._bytes)

    def encode(self, ctx: EncodeContext) -> Encoded:
        data = self._bytes if self._frames is None else _gif(self._frames, self.fps)
        file = ctx.path("videos", data, self.format)
        value = self.file_value(
            file,
            format=self.format,
            width=self.width,
            height=self.height,
            fps=self.fps if self._frames is not None else None,
            caption=self.caption,
        )
        return Encoded(value, [file])


def _path_format(path: str, fmt: str | None) -> str:
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if ext not in FORMATS:
        raise InvalidInputError(
            f"Video: {path!r} is not a video file this accepts ({', '.join(FORMATS)})"
        )
    if fmt is not None and fmt != ext:
        raise InvalidInputError(f"Video: format={fmt!r} but the file {path!r} is {ext}")
    return ext


def _frames(array: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The frames as a (T, H, W, C) uint8 copy (C being 1, 3 or 4)."""
    if array.ndim != 4:
        raise InvalidInputError(
            "Video: frames must be a 4-D array (T, C, H, W) or (T, H, W, C), "
            f"got shape {array.shape}"
        )
    if array.dtype != np.uint8:
        raise InvalidInputError(
            f"Video: frames must be uint8, got {array.dtype}; convert them, e.g. "
            "(frames * 255).astype(np.uint8) for floats in [0, 1]"
        )
    if array.shape[0] == 0:
        raise InvalidInputError("Video: no frames (T = 0)")
    if array.shape[1] in (1, 3, 4):
        array = array.transpose(0, 2, 3, 1)
    elif array.shape[3] not in (1, 3, 4):
        raise InvalidInputError(
            f"Video: cannot tell the channels of shape {array.shape}: (T, C, H, W) or "
            "(T, H, W, C) with C = 1, 3 or 4"
        )
    height, width = array.shape[1:3]
    if not 0 < height <= MAX_SIDE or not 0 < width <= MAX_SIDE:
        raise InvalidInputError(
            f"Video: frames of {width}x{height} px; each side must be 1 to {MAX_SIDE} px"
        )
    return np.ascontiguousarray(array).copy()


def _gif(frames: np.ndarray[Any, Any], fps: float) -> bytes:
    from PIL import Image

    channels = frames.shape[3]
    images = [
        Image.fromarray(frame[:, :, 0]) if channels == 1 else Image.fromarray(frame[:, :, :3])
        for frame in frames
    ]
    out = io.BytesIO()
    images[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=max(1, round(1000 / fps)),
        loop=0,
    )
    return out.getvalue()


def _gif_size(data: bytes) -> tuple[int | None, int | None]:
    if len(data) < 10 or data[:4] != b"GIF8":
        raise InvalidInputError("Video: the file is not a GIF (its header is not GIF87a/GIF89a)")
    return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
