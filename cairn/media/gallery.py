"""A list of ``Image`` logged under one key: W&B's ``images/separated`` value."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cairn.errors import InvalidInputError
from cairn.media.base import EncodeContext, Encoded, Media
from cairn.media.image import Image


class Gallery(Media):
    """What ``run.log({"key": [Image, ...]})`` logs; built by ``run.log``, not by users."""

    type_name = "images/separated"

    def __init__(self, images: Sequence[Image]) -> None:
        if not images or not all(isinstance(i, Image) for i in images):
            raise InvalidInputError("a gallery is a non-empty list of cairn.Image")
        self.images = list(images)

    def encode(self, ctx: EncodeContext) -> Encoded:
        encoded = [image.encode(ctx) for image in self.images]
        values = [e.value for e in encoded]
        first = values[0]
        value: dict[str, Any] = {
            "_type": self.type_name,
            "count": len(values),
            "width": first["width"],
            "height": first["height"],
            "format": first["format"],
            "images": values,
            "filenames": [v["path"] for v in values],
        }
        captions = [v.get("caption") for v in values]
        if any(c is not None for c in captions):
            value["captions"] = [c or "" for c in captions]
        return Encoded(value, [f for e in encoded for f in e.files])
