"""Table cells: what a cell may hold, its column type, and its JSON in a table file.

A cell is converted once, when its row is added (on the caller's thread): numpy scalars become
Python numbers, arrays and containers become plain lists and dicts (a copy, so later mutation
of the caller's objects does not reach the logged table), text over 1 MiB is refused. Media
objects stay as they are: they already hold a private snapshot and are encoded with the table.

Column types, as written in a table file's ``column_types``: ``number``, ``text``, ``bool``,
``json`` (lists, dicts, arrays; also a column of mixed types or of nulls only) and, for a media
cell, the media's ``_type`` (``image-file``, ``video-file``, ...). Non-finite floats are written
as the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` (Cairn's one convention, see
``cairn/server/jsonvalues.py``), so a table file is strict JSON that any parser reads; the column
stays ``number``.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any, Final

import numpy as np

from cairn.errors import InvalidInputError
from cairn.media.base import Media

MAX_CELL_TEXT_BYTES: Final = 1 << 20
NONFINITE_NAMES: Final = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def convert_cell(value: Any, where: str) -> tuple[Any, str | None]:
    """The cell as the table keeps it, and its type (None for a null cell).

    ``where`` names the cell (``row 3, column 'label'``) in the error for a value that cannot
    be a cell.
    """
    if value is None:
        return None, None
    kind = type(value)
    if kind is str:
        return _text(value, where), "text"
    if kind is bool or isinstance(value, np.bool_):
        return bool(value), "bool"
    if kind is int or kind is float:
        return value, "number"
    if isinstance(value, Media):
        if not getattr(value, "table_cell", True):
            raise InvalidInputError(
                f"{where}: a {type(value).__name__} cannot be a table cell; "
                "log it under its own key"
            )
        return value, value.type_name
    if isinstance(value, np.integer):
        return int(value), "number"
    if isinstance(value, np.floating | float):
        return float(value), "number"
    if isinstance(value, int):
        return int(value), "number"
    if isinstance(value, str):
        return _text(str(value), where), "text"
    if _is_pandas_null(value):
        return None, None
    if isinstance(value, _dt.date | _dt.datetime | _dt.time):
        return value.isoformat(), "text"
    if isinstance(value, np.ndarray | list | tuple | dict):
        return plain_json(value, where), "json"
    raise InvalidInputError(
        f"{where}: a {kind.__name__} cannot be a table cell; use a number, str, bool, None, "
        "a list, dict or numpy array, or a cairn media object"
    )


def plain_json(value: Any, where: str) -> Any:
    """``value`` as plain JSON data (lists, dicts with str keys, numbers, str, bool, None)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise InvalidInputError(
                f"{where}: a numpy array of dtype {value.dtype} cannot be a table cell; "
                "use a numeric array"
            )
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [plain_json(v, where) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise InvalidInputError(f"{where}: dict keys must be strings, got {k!r}")
            out[k] = plain_json(v, where)
        return out
    raise InvalidInputError(
        f"{where}: a {type(value).__name__} inside a list or dict cannot be a table cell"
    )


def json_safe(value: Any) -> Any:
    """``value`` with non-finite floats replaced by their string names (only where present)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else NONFINITE_NAMES[repr(value)]
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    return value


def _text(value: str, where: str) -> str:
    # len() counts code points; only a long string can exceed the byte limit, so most strings
    # are never encoded here.
    if len(value) * 4 > MAX_CELL_TEXT_BYTES and len(value.encode()) > MAX_CELL_TEXT_BYTES:
        raise InvalidInputError(
            f"{where}: the text is over 1 MiB ({len(value.encode())} bytes), the limit of a "
            "table cell; log long text as cairn.Text or a file"
        )
    return value


def _is_pandas_null(value: Any) -> bool:
    # pandas.NA and pandas.NaT, recognized without importing pandas
    return type(value).__name__ in ("NAType", "NaTType")
