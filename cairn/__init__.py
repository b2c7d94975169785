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
    from cairn.errors import CairnError
    from cairn.media.audio import Audio
    from cairn.media.histogram import Histogram
    from cairn.media.html import Html
    from cairn.media.image import Image
    from cairn.media.text import Text
    from cairn.sdk.api.public import Api
    from cairn.sdk.init import define_metric, finish, init, log, save
    from cairn.sdk.run import Run
    from cairn.sdk.settings import Settings

__all__ = [
    "Api",
    "Audio",
    "CairnError",
    "Histogram",
    "Html",
    "Image",
    "Run",
    "Settings",
    "Text",
    "__version__",
    "define_metric",
    "finish",
    "init",
    "log",
    "save",
]

_HOMES = {
    "Api": "cairn.sdk.api.public",
    "Audio": "cairn.media.audio",
    "Histogram": "cairn.media.histogram",
    "Html": "cairn.media.html",
    "Image": "cairn.media.image",
    "Text": "cairn.media.text",
    "CairnError": "cairn.errors",
    "Run": "cairn.sdk.run",
    "Settings": "cairn.sdk.settings",
    "define_metric": "cairn.sdk.init",
    "finish": "cairn.sdk.init",
    "init": "cairn.sdk.init",
    "log": "cairn.sdk.init",
    "save": "cairn.sdk.init",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is not None:
        value = getattr(import_module(home), name)
        globals()[name] = value
        return value
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
