"""Response encoding: JSON via orjson, with non-finite floats as the strings NaN/Infinity."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response

from cairn.server.jsonvalues import float_list, json_safe

__all__ = ["JSONBytesResponse", "float_list", "json_safe"]


class JSONBytesResponse(Response):
    """A JSON response rendered with orjson (numpy-free data only)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
