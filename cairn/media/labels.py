"""Class labels (``{id: name}``) shared by boxes, masks and ``Image(classes=)``."""

from __future__ import annotations

from typing import Any

from cairn.errors import InvalidInputError


def class_id(value: Any, what: str) -> int:
    """An integer class id >= 0 (numpy integers too, bools not)."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise InvalidInputError(f"{what} must be an integer class id, got {value!r}")
    number = int(value.__index__())
    if number < 0:
        raise InvalidInputError(f"{what} must be >= 0, got {number}")
    return number


def check_class_labels(labels: Any, what: str) -> dict[str, str]:
    """``{id: name}`` with JSON's string keys; ids may be ints or digit strings."""
    if labels is None:
        return {}
    if not isinstance(labels, dict):
        raise InvalidInputError(f"{what} class_labels must be a dict {{id: name}}")
    out: dict[str, str] = {}
    for key, name in labels.items():
        ident = int(key) if isinstance(key, str) and key.isdigit() else key
        number = class_id(ident, f"{what} class_labels key {key!r}")
        if not isinstance(name, str):
            raise InvalidInputError(f"{what} class_labels[{key!r}] must be a string name")
        out[str(number)] = name
    return out


def check_classes(classes: Any) -> list[dict[str, Any]] | None:
    """``Image(classes=)``: a list of ``{"id", "name"}`` (W&B's shape) or ``{id: name}``."""
    if classes is None:
        return None
    if isinstance(classes, dict):
        return [{"id": int(k), "name": v} for k, v in check_class_labels(classes, "Image").items()]
    if not isinstance(classes, list | tuple):
        raise InvalidInputError("Image classes must be a list of {'id', 'name'} or {id: name}")
    out = []
    for index, entry in enumerate(classes):
        if not isinstance(entry, dict) or set(entry) - {"id", "name"} or "id" not in entry:
            raise InvalidInputError(
                f"Image classes[{index}] must be a dict with 'id' and 'name', got {entry!r}"
            )
        name = entry.get("name", str(entry["id"]))
        if not isinstance(name, str):
            raise InvalidInputError(f"Image classes[{index}] name must be a string")
        out.append({"id": class_id(entry["id"], f"Image classes[{index}] id"), "name": name})
    return out
