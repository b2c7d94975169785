"""Sweeps: W&B-compatible sweep configs, search spaces, strategies and early termination.

Pure: no server, no SDK I/O. The public engine::

    s = cairn.sweeps.strategy(config, seed=0)      # config: dict, YAML text or SweepConfig
    params = s.suggest(trials, n=4)                 # trials: list[cairn.sweeps.Trial]

``import cairn`` does not import this package; ``cairn.sweeps`` loads it on first use.
"""

from __future__ import annotations

from cairn.sweeps.config import EarlyTerminate, Metric, SweepConfig, parse_config
from cairn.sweeps.hyperband import hyperband_bands, hyperband_stop
from cairn.sweeps.space import Dim, Space, Strategy, Trial
from cairn.sweeps.strategies import STRATEGIES, strategy

__all__ = [
    "STRATEGIES",
    "Dim",
    "EarlyTerminate",
    "Metric",
    "Space",
    "Strategy",
    "SweepConfig",
    "Trial",
    "hyperband_bands",
    "hyperband_stop",
    "parse_config",
    "strategy",
]


def __dir__() -> list[str]:
    return sorted(__all__)
