"""``cairn.Plotly``: a plotly figure as interactive JSON, a matplotlib figure as a PNG.

A plotly ``Figure`` (or the dict of one: ``{"data": [...], "layout": {...}}``) is turned into
JSON when the Plotly is made (the figure is mutable), so the writer thread only stores bytes.
A matplotlib figure (or ``matplotlib.pyplot`` itself, meaning its current figure) is rendered to
PNG then, and logged as an ``image-file`` value, width and height read from the PNG header.
Neither library is imported here: a figure is recognized by what it has.
"""

from __future__ import annotations

import base64
import io
import json
import math
from typing import Any, ClassVar

import numpy as np

from cairn.errors import InvalidInputError
from cairn.media.base import EncodeContext, Encoded, Media

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Plotly(Media):
    """A plotly figure logged with ``run.log`` (W&B's ``wandb.Plotly``).

    ``Plotly(matplotlib_figure)`` gives a :class:`MatplotlibImage` (an ``image-file`` value).
    """

    type_name: ClassVar[str] = "plotly-file"

    def __new__(cls, fig: Any) -> Plotly:
        if cls is Plotly and _is_matplotlib(fig):
            return super().__new__(MatplotlibImage)
        return super().__new__(cls)

    def __init__(self, fig: Any) -> None:
        if hasattr(fig, "to_plotly_json"):
            self._json = _plotly_json(fig)
        elif isinstance(fig, dict):
            if not isinstance(fig.get("data"), list | tuple):
                raise InvalidInputError(
                    'Plotly: a figure dict needs "data", a list of traces '
                    '({"data": [...], "layout": {...}})'
                )
            self._json = _dumps(_plain(fig))
        else:
            raise InvalidInputError(
                "Plotly: expected a plotly Figure, a figure dict or a matplotlib figure, "
                f"got {type(fig).__name__}"
            )

    def encode(self, ctx: EncodeContext) -> Encoded:
        file = ctx.path("plotly", self._json, "plotly.json")
        return Encoded(self.file_value(file), [file])


class MatplotlibImage(Plotly):
    """A matplotlib figure rendered to PNG when made; logged as W&B's ``image-file``."""

    type_name: ClassVar[str] = "image-file"

    def __init__(self, fig: Any) -> None:
        if _is_pyplot(fig):  # the module means its current figure, as in W&B
            fig = fig.gcf()
        out = io.BytesIO()
        try:
            fig.savefig(out, format="png")
        except Exception as exc:  # a figure that cannot draw itself: say so, on this thread
            raise InvalidInputError(
                f"Plotly: the matplotlib figure cannot be rendered: {exc}"
            ) from exc
        self._png = out.getvalue()
        self.width, self.height = png_size(self._png)

    def encode(self, ctx: EncodeContext) -> Encoded:
        file = ctx.path("images", self._png, "png")
        value = self.file_value(file, format="png", width=self.width, height=self.height)
        return Encoded(value, [file])


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    if len(data) < 24 or data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise InvalidInputError("the data is not a PNG image")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _is_matplotlib(fig: Any) -> bool:
    if _is_pyplot(fig):
        return True
    return type(fig).__module__.startswith("matplotlib") and hasattr(fig, "savefig")


def _is_pyplot(fig: Any) -> bool:
    return getattr(fig, "__name__", None) == "matplotlib.pyplot"


def _plotly_json(fig: Any) -> bytes:
    # Not plotly.io.to_json: plotly 6+ writes numeric arrays there as base64 typed arrays
    # ({"dtype", "bdata"}), which only recent plotly.js reads; plain lists read everywhere.
    try:
        figure = fig.to_plotly_json()
    except Exception as exc:
        raise InvalidInputError(f"Plotly: the figure cannot be turned into JSON: {exc}") from exc
    if not isinstance(figure, dict):
        raise InvalidInputError("Plotly: to_plotly_json() did not give a figure dict")
    return _dumps(_plain(figure))


def _plain(value: Any) -> Any:
    """Plain JSON data: numpy arrays as lists, NaN and infinity as null (plotly's gaps)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value and set(value) <= _TYPED_ARRAY_KEYS:
            return _plain(_typed_array(value))
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    raise InvalidInputError(
        f"Plotly: a {type(value).__name__} in the figure cannot be written as JSON"
    )


_TYPED_ARRAY_KEYS = frozenset({"dtype", "bdata", "shape"})
_TYPED_ARRAY_DTYPES = frozenset({"i1", "u1", "i2", "u2", "i4", "u4", "f4", "f8"})


def _typed_array(value: dict[str, Any]) -> np.ndarray[Any, Any]:
    """A plotly typed array (``{"dtype": "f8", "bdata": base64, "shape": "2, 3"}``) decoded."""
    dtype = value["dtype"]
    if dtype not in _TYPED_ARRAY_DTYPES:
        raise InvalidInputError(f"Plotly: unknown typed-array dtype {dtype!r} in the figure")
    try:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype="<" + dtype)
        shape = value.get("shape")
        if shape is not None:
            dims = shape if isinstance(shape, list) else str(shape).split(",")
            array = array.reshape([int(d) for d in dims])
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(
            f"Plotly: a typed array in the figure is malformed: {exc}"
        ) from None
    return array


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()
