"""The manifest digest, shared by the SDK and the server (design 0013, "Wire v2").

The digest is part of the wire format, so it lives in :mod:`cairn.wire.artifacts` (the server
recomputes it for every ``artifact`` record); this module is where artifact code imports it.
"""

from __future__ import annotations

from cairn.wire.artifacts import MANIFEST_PREFIX, manifest_digest

__all__ = ["MANIFEST_PREFIX", "manifest_digest"]
