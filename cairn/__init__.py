"""Cairn: open, self-hosted experiment tracking.

``import cairn`` stays light: it imports neither numpy, httpx nor anything of the server.
"""

from cairn.__about__ import __version__
from cairn.errors import CairnError

__all__ = ["CairnError", "__version__"]
