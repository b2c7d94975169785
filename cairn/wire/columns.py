"""Column blocks: many history rows packed column by column as raw little-endian bytes.

A block of ``n`` rows holds the steps (int64), the wall times (float64) and, per key, the row
positions where that key is present (uint32, omitted when present in every row) and its float64
values. The SDK builds blocks with the standard ``array`` module (no numpy import on the training
side); the server decodes them with ``numpy.frombuffer``: no Python loop per point.
"""

from __future__ import annotations

import sys
from array import array
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from cairn.errors import InvalidInputError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

_BIG_ENDIAN = sys.byteorder == "big"


def _le_bytes(values: array[Any]) -> bytes:
    if _BIG_ENDIAN:
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


class ColumnBlockBuilder:
    """Accumulates rows of ``{key: float}`` and packs them into one block body.

    A row is kept as the dict it came in (do not change it afterwards) and the block is turned
    into columns when built, by C-level loops over all its rows: a per-row, per-key append cost
    the writer thread more than the training loop spent calling ``log()``.
    Not thread-safe: one writer thread owns a builder.
    """

    __slots__ = ("_columns", "_rows", "_steps", "_times")

    def __init__(self) -> None:
        self._steps: array[int] = array("q")
        self._times: array[float] = array("d")
        self._rows: list[dict[str, float]] = []
        self._columns: dict[str, tuple[array[int] | None, array[float]]] | None = None

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def points(self) -> int:
        """Number of (key, value) points held."""
        return sum(map(len, self._rows))

    def add_row(self, step: int | None, time: float, values: dict[str, float]) -> None:
        """Append one row; ``step`` is None for system rows, which take no steps."""
        if step is not None:
            self._steps.append(step)
        self._times.append(time)
        self._rows.append(values)
        self._columns = None

    def columns(self) -> dict[str, tuple[array[int] | None, array[float]]]:
        """Per key: the rows holding it (None: every row) and its values, in row order."""
        if self._columns is None:
            self._columns = _transpose(self._rows)
        return self._columns

    def build(self, with_steps: bool = True) -> dict[str, Any]:
        """Return the record body and reset the builder."""
        n = len(self._rows)
        cols: dict[str, list[bytes | None]] = {
            key: [None if positions is None else _le_bytes(positions), _le_bytes(values)]
            for key, (positions, values) in self.columns().items()
        }
        body: dict[str, Any] = {"n": n, "times": _le_bytes(self._times), "cols": cols}
        if with_steps:
            body["steps"] = _le_bytes(self._steps)
        self._steps = array("q")
        self._times = array("d")
        self._rows = []
        self._columns = None
        return body


def _transpose(
    rows: list[dict[str, float]],
) -> dict[str, tuple[array[int] | None, array[float]]]:
    if not rows:
        return {}
    keys = rows[0].keys()
    if all(map(keys.__eq__, map(dict.keys, rows))):  # the usual block: the same keys each row
        return {key: (None, array("d", map(itemgetter(key), rows))) for key in keys}
    order: dict[str, None] = {}
    for row in rows:
        order.update(dict.fromkeys(row))
    columns: dict[str, tuple[array[int] | None, array[float]]] = {}
    for key in order:
        positions = [i for i, row in enumerate(rows) if key in row]
        values = array("d", [rows[i][key] for i in positions])
        columns[key] = (None if len(positions) == len(rows) else array("I", positions), values)
    return columns


@dataclass(frozen=True, slots=True)
class Column:
    """One key's points in a decoded block: row positions (None = every row) and values."""

    positions: npt.NDArray[np.uint32] | None
    values: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ColumnBlock:
    """A decoded column block; arrays are read-only views of the record's bytes."""

    steps: npt.NDArray[np.int64] | None
    times: npt.NDArray[np.float64]
    columns: dict[str, Column]

    def column_points(self, key: str) -> tuple[Any, Any, Any]:
        """Return (steps, times, values) of one key; steps is None for a system block."""
        import numpy as np

        column = self.columns[key]
        if column.positions is None:
            return self.steps, self.times, column.values
        positions = column.positions.astype(np.intp)
        steps = None if self.steps is None else self.steps[positions]
        return steps, self.times[positions], column.values


def decode_column_block(body: dict[str, Any]) -> ColumnBlock:
    """Decode a validated ``history``/``system`` body; raise InvalidInputError on bad lengths."""
    import numpy as np

    n: int = body["n"]
    times = _frombuffer(body["times"], "<f8", n, "times")
    steps = None
    if "steps" in body:
        steps = _frombuffer(body["steps"], "<i8", n, "steps")
        if n and int(steps.min()) < 0:
            raise InvalidInputError("history steps must be >= 0")
    columns: dict[str, Column] = {}
    for key, (raw_positions, raw_values) in body["cols"].items():
        if raw_positions is None:
            values = _frombuffer(raw_values, "<f8", n, f"values of {key!r}")
            columns[key] = Column(None, values)
            continue
        count = len(raw_positions) // 4
        positions = _frombuffer(raw_positions, "<u4", count, f"positions of {key!r}")
        values = _frombuffer(raw_values, "<f8", count, f"values of {key!r}")
        if count and (int(positions[-1]) >= n or bool(np.any(np.diff(positions) <= 0))):
            raise InvalidInputError(
                f"positions of {key!r} must be strictly increasing row numbers below {n}"
            )
        columns[key] = Column(positions, values)
    return ColumnBlock(steps, times, columns)


def _frombuffer(raw: bytes, dtype: str, count: int, what: str) -> Any:
    import numpy as np

    width = np.dtype(dtype).itemsize
    if len(raw) != count * width:
        raise InvalidInputError(
            f"column block {what}: expected {count} items ({count * width} bytes), got {len(raw)}"
        )
    return np.frombuffer(raw, dtype=dtype)
