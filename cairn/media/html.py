"""``cairn.Html``: an HTML page (a string, an ``.html`` file or a file-like object)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cairn.errors import InvalidInputError
from cairn.media.base import EncodeContext, Encoded, Media
from cairn.media.inputs import read_file

# Links open outside the sandboxed frame the web app shows the page in; the page keeps its look.
_INJECT = '<base target="_blank"><style>body{font-family:system-ui,sans-serif}</style>'
_HEAD = re.compile(r"<head[^>]*>", re.IGNORECASE)


class Html(Media):
    """An HTML page logged at a step. ``inject`` adds ``<base target="_blank">`` and a default
    font to its head (as W&B injects its stylesheet); the page is served sandboxed."""

    type_name = "html-file"

    def __init__(self, data: Any, inject: bool = True) -> None:
        if isinstance(data, Path) or (
            isinstance(data, str)
            and data.lower().endswith((".html", ".htm"))
            and Path(data).is_file()
        ):
            text = read_file(data, {"html": "html", "htm": "html"}, "Html").decode(
                "utf-8", errors="replace"
            )
        elif isinstance(data, str):
            text = data
        elif hasattr(data, "read"):
            read = data.read()
            text = read.decode("utf-8", errors="replace") if isinstance(read, bytes) else read
            if not isinstance(text, str):
                raise InvalidInputError("Html: the file-like object must read str or bytes")
        else:
            raise InvalidInputError(
                f"Html takes a string of HTML, an .html file path or a file-like object; "
                f"got {type(data).__name__}"
            )
        self.html = _inject(text) if inject else text

    def encode(self, ctx: EncodeContext) -> Encoded:
        data = self.html.encode()
        file = ctx.path("html", data, "html")
        return Encoded(self.file_value(file), [file])


def _inject(text: str) -> str:
    head = _HEAD.search(text)
    if head is not None:
        return text[: head.end()] + _INJECT + text[head.end() :]
    return f"<head>{_INJECT}</head>{text}"
