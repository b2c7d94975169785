"""Grid search: every combination of the dims' values, in a fixed order, each once.

Order: dims by dotted name, the last varying fastest (``itertools.product``), values in the
order the config lists them; int_uniform gives min..max; q_uniform gives ``min + k·q`` below
``max`` (W&B's ``arange(min, max, q)``: max itself is left out). Points already in ``trials``
(any state) are skipped; fewer than ``n`` back means the grid is exhausted.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

from cairn.sweeps.config import SweepConfig
from cairn.sweeps.space import Dim, Trial, _decimals, _nest


def grid_values(dim: Dim) -> list[Any]:
    """The values ``dim`` takes in a grid (a constant: its one value)."""
    if dim.kind == "constant":
        return [dim.value]
    if dim.kind == "categorical":
        return list(dim.choices)
    assert dim.low is not None
    assert dim.high is not None
    if dim.distribution == "int_uniform":
        return list(range(int(dim.low), int(dim.high) + 1))
    q = dim.q if dim.q is not None else 1.0
    count = int((dim.high - dim.low) / q - 1e-9) + 1
    raw = [dim.low + k * q for k in range(count)]
    if dim.kind == "int":
        return [round(v) for v in raw]
    decimals = max(_decimals(q), _decimals(dim.low))
    return [round(v, decimals) for v in raw]


class GridStrategy:
    """``method: grid``; ``seed`` is accepted and unused (the order is fixed)."""

    def __init__(self, config: SweepConfig, seed: int | None = None) -> None:
        self.space = config.space
        self._values = [grid_values(d) for d in self.space.dims]

    @property
    def size(self) -> int:
        """How many points the grid has (duplicates in ``values`` counted once when tried)."""
        total = 1
        for v in self._values:
            total *= len(v)
        return total

    def points(self) -> Iterator[dict[str, Any]]:
        """Every grid point, in order."""
        paths = [d.path for d in self.space.dims]
        for combo in itertools.product(*self._values):
            yield _nest(dict(zip(paths, combo, strict=True)))

    def suggest(self, trials: Sequence[Trial], n: int = 1) -> list[dict[str, Any]]:
        """The next ``n`` untried points in grid order (fewer, or none, when exhausted)."""
        taken = {self.space.key(t.params) for t in trials}
        out: list[dict[str, Any]] = []
        for point in self.points():
            if len(out) >= n:
                break
            k = self.space.key(point)
            if k not in taken:
                taken.add(k)
                out.append(point)
        return out
