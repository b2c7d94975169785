"""JSON-safe values: non-finite floats as the strings ``NaN``, ``Infinity`` and ``-Infinity``.

The one encoder of that convention, for what the server stores (config, summary, values) and
what it answers (see docs/read-api.md).
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt

NONFINITE_NAMES: Final = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def float_list(values: npt.NDArray[np.float64]) -> list[float | str]:
    """Return ``values`` as a JSON-ready list; NaN/±inf become ``"NaN"``/``"Infinity"``/..."""
    out: list[Any] = values.tolist()
    for index in np.flatnonzero(~np.isfinite(values)).tolist():
        out[index] = NONFINITE_NAMES[repr(float(values[index]))]
    return out


def json_safe(value: Any) -> Any:
    """Replace non-finite floats anywhere in plain JSON data by their string names."""
    if isinstance(value, float):
        return value if np.isfinite(value) else NONFINITE_NAMES[repr(value)]
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
