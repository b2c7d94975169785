"""JSON-safe values: non-finite floats as the strings ``NaN``, ``Infinity`` and ``-Infinity``.

The one encoder of that convention, for what the server stores (config, summary, values) and
what it answers (see docs/read-api.md).
"""

from __future__ import annotations

import math
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
    """Replace non-finite floats anywhere in plain JSON data by their string names.

    Data without any (nearly all) is returned as it is, after one scan that builds nothing:
    the runs list calls this for every run's config and summary.
    """
    return value if _all_finite(value) else _replace_nonfinite(value)


def _all_finite(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is float:
        return bool(value - value == 0.0)  # NaN and ±inf give NaN
    if kind is dict:
        return all(map(_all_finite, value.values()))
    if kind is list or kind is tuple:
        return all(map(_all_finite, value))
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(map(_all_finite, value.values()))
    if isinstance(value, list | tuple):
        return all(map(_all_finite, value))
    return True


def _replace_nonfinite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else NONFINITE_NAMES[repr(float(value))]
    if isinstance(value, dict):
        return {k: _replace_nonfinite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_replace_nonfinite(v) for v in value]
    return value
