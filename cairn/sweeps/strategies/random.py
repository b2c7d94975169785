"""Random search: independent draws from the config's distributions (probabilities honoured).

Deterministic for a given seed and number of trials: each call draws from a generator seeded
with ``(seed, len(trials))``, so a controller that rebuilds the strategy per hand-out still moves
on. Points are distinct from each other and from running trials, and from finished ones while
the space allows (a small discrete space may run out; then finished points repeat, as in W&B).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cairn.sweeps.config import SweepConfig
from cairn.sweeps.space import Trial

# draws per requested point before relaxing distinctness (small discrete spaces)
_TRIES = 64


class RandomStrategy:
    """``method: random``."""

    def __init__(self, config: SweepConfig, seed: int | None = None) -> None:
        self.space = config.space
        self.seed = int(np.random.SeedSequence().entropy) if seed is None else int(seed)  # type: ignore[arg-type]

    def suggest(self, trials: Sequence[Trial], n: int = 1) -> list[dict[str, Any]]:
        """``n`` random points, distinct as the module docstring says."""
        if n <= 0:
            return []
        rng = np.random.default_rng([self.seed, len(trials)])
        running = {self.space.key(t.params) for t in trials if t.state == "running"}
        tried = {self.space.key(t.params) for t in trials} | running
        draws = self.space.sample(rng, n * _TRIES)
        out: list[dict[str, Any]] = []
        chosen: set[str] = set()
        # first pass: new points only; then allow finished repeats; then anything
        for avoid in (tried, running, set()):
            for point in draws:
                if len(out) >= n:
                    return out
                k = self.space.key(point)
                if k in chosen or (k in avoid):
                    continue
                chosen.add(k)
                out.append(point)
            if avoid is running and len(out) < n:
                chosen = set()  # last resort: repeats allowed
        return out
