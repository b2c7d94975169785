"""Response encoding: JSON via orjson, with non-finite floats as the strings NaN/Infinity."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
from fastapi.responses import Response

_NONFINITE_NAMES = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def float_list(values: npt.NDArray[np.float64]) -> list[float | str]:
    """Return ``values`` as a JSON-ready list; NaN/±inf become ``"NaN"``/``"Infinity"``/..."""
    out: list[Any] = values.tolist()
    for index in np.flatnonzero(~np.isfinite(values)).tolist():
        out[index] = _NONFINITE_NAMES[repr(float(values[index]))]
    return out


def json_safe(value: Any) -> Any:
    """Replace non-finite floats anywhere in plain JSON data by their string names."""
    if isinstance(value, float):
        return value if np.isfinite(value) else _NONFINITE_NAMES[repr(value)]
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


class JSONBytesResponse(Response):
    """A JSON response rendered with orjson (numpy-free data only)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
