"""The strategy registry: ``method`` name → ``"module:Class"``, imported on first use.

Each strategy class is built as ``Class(config: SweepConfig, seed: int | None)`` and satisfies
:class:`cairn.sweeps.space.Strategy`. Adding a method is one line here plus its module; lazy
imports keep grid and random free of scipy.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from cairn.sweeps.config import SweepConfig, parse_config
from cairn.sweeps.space import Strategy

STRATEGIES: dict[str, str] = {
    "grid": "cairn.sweeps.strategies.grid:GridStrategy",
    "random": "cairn.sweeps.strategies.random:RandomStrategy",
    "bayes": "cairn.sweeps.strategies.bayes:BayesStrategy",
    "tpe": "cairn.sweeps.strategies.tpe:TPEStrategy",
}


def strategy(config: dict[str, Any] | str | SweepConfig, seed: int | None = None) -> Strategy:
    """The strategy for ``config['method']``, seeded (``None``: fresh OS entropy).

    ``config`` is validated first (``InvalidInputError`` listing every problem). A method whose
    module is not installed in this build raises ``NotImplementedError`` naming it.
    """
    parsed = config if isinstance(config, SweepConfig) else parse_config(config)
    target = STRATEGIES[parsed.method]
    module_name, _, class_name = target.partition(":")
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise NotImplementedError(
            f"method {parsed.method!r}: its strategy ({module_name}) is not in this build"
        ) from exc
    cls = getattr(module, class_name)
    made: Strategy = cls(parsed, seed)
    return made
