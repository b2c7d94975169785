"""Cairn: open, self-hosted experiment tracking.

``import cairn`` stays light: it imports neither numpy, httpx nor anything of the server.
"""

from typing import Any

from cairn.__about__ import __version__
from cairn.errors import CairnError
from cairn.sdk.init import define_metric, finish, init, log, save
from cairn.sdk.run import Run
from cairn.sdk.settings import Settings

__all__ = [
    "CairnError",
    "Run",
    "Settings",
    "__version__",
    "define_metric",
    "finish",
    "init",
    "log",
    "save",
]


def __getattr__(name: str) -> Any:
    if name == "Api":
        from cairn.sdk.api.public import Api

        return Api
    # ``cairn.config``, ``cairn.summary`` and ``cairn.run`` follow the current run, as in W&B.
    if name in ("config", "summary", "run"):
        from cairn.sdk.init import current_run

        run = current_run()
        if name == "run":
            return run
        if run is None:
            raise AttributeError(f"cairn.{name} needs an active run: call cairn.init() first")
        return getattr(run, name)
    raise AttributeError(f"module 'cairn' has no attribute {name!r}")
