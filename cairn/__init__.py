"""Cairn: open, self-hosted experiment tracking.

``import cairn`` loads only this file: ``cairn.init``, ``cairn.Api`` and the rest import their
modules on first use, so a script that only reads through ``cairn.Api`` starts fast, and
nothing here imports numpy, httpx or anything of the server.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from cairn.__about__ import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from cairn import plot, registry, sweeps
    from cairn.artifacts.artifact import Artifact
    from cairn.errors import CairnError
    from cairn.media.audio import Audio
    from cairn.media.histogram import Histogram
    from cairn.media.html import Html
    from cairn.media.image import Image
    from cairn.media.object3d import Object3D
    from cairn.media.plotly import Plotly
    from cairn.media.table import JoinedTable, Table
    from cairn.media.text import Text
    from cairn.media.video import Video
    from cairn.sdk.alerts import AlertLevel
    from cairn.sdk.api.public import Api
    from cairn.sdk.init import define_metric, finish, init, log, save
    from cairn.sdk.login_flow import login
    from cairn.sdk.run import Run
    from cairn.sdk.settings import Settings
    from cairn.sweeps.agent import agent

__all__ = [
    "AlertLevel",
    "Api",
    "Artifact",
    "Audio",
    "CairnError",
    "Histogram",
    "Html",
    "Image",
    "JoinedTable",
    "Object3D",
    "Plotly",
    "Run",
    "Settings",
    "Table",
    "Text",
    "Video",
    "__version__",
    "agent",
    "define_metric",
    "finish",
    "init",
    "log",
    "login",
    "plot",
    "registry",
    "save",
    "sweeps",
]

_HOMES = {
    "AlertLevel": "cairn.sdk.alerts",
    "Api": "cairn.sdk.api.public",
    "Artifact": "cairn.artifacts.artifact",
    "Audio": "cairn.media.audio",
    "Histogram": "cairn.media.histogram",
    "Html": "cairn.media.html",
    "Image": "cairn.media.image",
    "Text": "cairn.media.text",
    "CairnError": "cairn.errors",
    "JoinedTable": "cairn.media.table",
    "Object3D": "cairn.media.object3d",
    "Plotly": "cairn.media.plotly",
    "Table": "cairn.media.table",
    "Video": "cairn.media.video",
    "Run": "cairn.sdk.run",
    "Settings": "cairn.sdk.settings",
    "agent": "cairn.sweeps.agent",
    "define_metric": "cairn.sdk.init",
    "finish": "cairn.sdk.init",
    "init": "cairn.sdk.init",
    "log": "cairn.sdk.init",
    "login": "cairn.sdk.login_flow",
    "save": "cairn.sdk.init",
}
# submodules reached as attributes (``cairn.plot.confusion_matrix``), imported on first use
_MODULES = {"plot": "cairn.plot", "registry": "cairn.registry", "sweeps": "cairn.sweeps"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is not None:
        value = getattr(import_module(home), name)
        globals()[name] = value
        return value
    if name in _MODULES:
        module = import_module(_MODULES[name])
        globals()[name] = module
        return module
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


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, "config", "summary", "run"})
