"""Turning what users pass to media types into private snapshots: arrays and file bytes.

torch and PIL are recognised by the module their object's class comes from, so neither is
imported unless the caller already uses it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from cairn.errors import InvalidInputError


def module_of(obj: object) -> str:
    """The top-level module of ``obj``'s class (``torch``, ``PIL``, ``numpy``, ...)."""
    return (type(obj).__module__ or "").split(".", 1)[0]


def is_path(data: object) -> bool:
    """Whether ``data`` names a file (a ``str`` or ``os.PathLike``)."""
    return isinstance(data, str | os.PathLike)


def as_array(data: Any, what: str, or_path: bool = False) -> np.ndarray[Any, Any]:
    """A numpy array of ``data`` (numpy, torch tensor, nested lists), never sharing memory."""
    if isinstance(data, np.ndarray):
        return np.array(data, copy=True)
    if module_of(data) == "torch" and hasattr(data, "detach"):
        # .numpy() may share memory with the tensor: copy, so later in-place updates don't leak in
        return np.array(data.detach().cpu().numpy(), copy=True)
    if isinstance(data, list | tuple):
        try:
            array = np.array(data)
        except ValueError:
            raise InvalidInputError(
                f"{what}: the nested lists are ragged (rows of different lengths)"
            ) from None
        if array.dtype == object:
            raise InvalidInputError(f"{what}: the nested lists are ragged or hold non-numbers")
        return array
    accepted = "a numpy array, a torch tensor, a list" + (" or a file path" if or_path else "")
    raise InvalidInputError(f"{what} takes {accepted}; got {type(data).__name__}")


def read_file(path: str | os.PathLike[str], extensions: dict[str, str], what: str) -> bytes:
    """The bytes of a file whose extension is one of ``extensions`` (extension -> format)."""
    file = Path(path)
    ext = file.suffix.lower().lstrip(".")
    if ext not in extensions:
        raise InvalidInputError(
            f"{what} reads {', '.join(sorted(extensions))} files; {str(path)!r} is not one"
        )
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise InvalidInputError(f"{what}: no such file {str(path)!r}") from None
    except OSError as exc:
        raise InvalidInputError(f"{what}: cannot read {str(path)!r} ({exc.strerror})") from None


def need_pillow(what: str) -> Any:
    """The ``PIL.Image`` module, or an error saying to install Pillow."""
    try:
        from PIL import Image as PILImage
    except ImportError:
        raise InvalidInputError(f"{what} needs Pillow: pip install pillow") from None
    return PILImage
