"""``cairn.Text``: text or markdown logged at a step, as a file with a short preview inline."""

from __future__ import annotations

from cairn.errors import InvalidInputError
from cairn.media.base import EncodeContext, Encoded, Media

PREVIEW_CHARS = 200


class Text(Media):
    """A text (``markdown=True``: rendered as markdown by the web app)."""

    type_name = "text-file"

    def __init__(self, text: str, markdown: bool = True) -> None:
        if not isinstance(text, str):
            raise InvalidInputError(f"Text takes a string, got {type(text).__name__}")
        self.text = text
        self.markdown = bool(markdown)

    def encode(self, ctx: EncodeContext) -> Encoded:
        data = self.text.encode()
        file = ctx.path("text", data, "md" if self.markdown else "txt")
        value = self.file_value(
            file,
            format="markdown" if self.markdown else "plain",
            preview=self.text[:PREVIEW_CHARS],
        )
        return Encoded(value, [file])
