"""Turning what users pass to ``log()`` into floats and other values, cheaply.

Python ints and floats take a fast path. numpy and torch scalars (anything with ``.item()`` and
a single element) become floats without importing those libraries. Strings and other JSON-able
values go to the run's non-numeric values; media objects (and lists of ``Image``, a gallery) go
to the writer to be encoded; anything else is a TypeError naming the key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from cairn.errors import InvalidInputError
from cairn.media.base import Media
from cairn.wire import check_key

_MAX_TEXT = 1 << 20


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts become ``a/b`` keys (W&B's convention for ``log``)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str):
            raise TypeError(f"log() keys must be strings, got {key!r}")
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, name + "/"))
        else:
            out[name] = value
    return out


def split_values(
    data: Mapping[str, Any], known_keys: set[str]
) -> tuple[dict[str, float], dict[str, Any], dict[str, Media]]:
    """Numbers as floats, other values, and media; TypeError names a key that is none of them.

    Keys are validated once: ``known_keys`` collects those already checked.
    """
    numbers: dict[str, float] = {}
    others: dict[str, Any] = {}
    media: dict[str, Media] = {}
    for key, value in data.items():
        if key not in known_keys:
            if not isinstance(key, str):
                raise TypeError(f"log() keys must be strings, got {key!r}")
            if not isinstance(value, Mapping):
                check_key(key, "log() key")
                known_keys.add(key)
        kind = type(value)
        if kind is float or kind is int:
            numbers[key] = float(value)
            continue
        if isinstance(value, Mapping):
            nested = split_values(flatten(value, key + "/"), known_keys)
            numbers.update(nested[0])
            others.update(nested[1])
            media.update(nested[2])
            continue
        if isinstance(value, Media):
            media[key] = value.frozen()
            continue
        if kind is list and value and _has_media(value):
            media[key] = _gallery(key, value)
            continue
        _classify(key, value, numbers, others)
    return numbers, others, media


def freeze_media(row: dict[str, Any], logged: Mapping[str, Any]) -> None:
    """Replace in ``row`` each media value of ``logged`` (nested dicts too) by its snapshot."""
    for key, value in logged.items():
        if isinstance(value, Media):
            row[key] = value.frozen()
        elif isinstance(value, Mapping) and _holds_media(value):
            nested = dict(value)
            freeze_media(nested, value)
            row[key] = nested


def _holds_media(values: Mapping[str, Any]) -> bool:
    return any(
        isinstance(v, Media) or (isinstance(v, Mapping) and _holds_media(v))
        for v in values.values()
    )


def _has_media(values: list[Any]) -> bool:
    return any(isinstance(v, Media) for v in values)


def _gallery(key: str, values: list[Any]) -> Media:
    """A list of ``Image`` is a gallery; any other list holding media is refused."""
    from cairn.media.gallery import Gallery
    from cairn.media.image import Image

    for index, value in enumerate(values):
        if not isinstance(value, Image):
            raise InvalidInputError(
                f"log() value of {key!r}: a list of media must hold only cairn.Image (a "
                f"gallery); item {index} is {type(value).__name__}: log it under its own key"
            )
    return Gallery(values)


def _classify(key: str, value: Any, numbers: dict[str, float], others: dict[str, Any]) -> None:
    if isinstance(value, bool | int | float):
        numbers[key] = float(value)
    elif _is_scalar_array(value):
        numbers[key] = float(value.item())
    elif isinstance(value, str):
        if len(value) > _MAX_TEXT:
            raise TypeError(f"log() value of {key!r} is a string over {_MAX_TEXT} characters")
        others[key] = value
    elif value is None or _is_json(value):
        others[key] = value
    else:
        raise TypeError(
            f"log() value of {key!r} has type {type(value).__name__}: log numbers, strings, "
            "lists/dicts of those, or numpy/torch scalars"
        )


def _is_scalar_array(value: Any) -> bool:
    item = getattr(value, "item", None)
    if item is None or not callable(item):
        return False
    size = getattr(value, "size", None)
    size = size() if callable(size) else size
    if size is None:
        numel = getattr(value, "numel", None)
        size = numel() if callable(numel) else None
    return size == 1


def _is_json(value: Any, depth: int = 0) -> bool:
    if depth > 20:
        return False
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, float):
        return True
    if isinstance(value, list | tuple):
        return all(_is_json(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v, depth + 1) for k, v in value.items())
    return False


def is_number(value: float) -> bool:
    """Whether a float is finite (summaries ignore NaN/inf for min/max/mean)."""
    return math.isfinite(value)
