"""Run attributes assignable after ``init()``: ``run.name``, ``run.tags``, ``run.notes``,
``run.group``. Each assignment is checked like ``init()``'s arguments and becomes a ``run``
record, so it reaches the server through the run log like everything else (offline too)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cairn.errors import InvalidInputError
from cairn.wire import validate_record
from cairn.wire.records import RUN

if TYPE_CHECKING:
    from cairn.sdk.run import Run

SETTABLE = ("name", "tags", "notes", "group")
"""The run fields a ``RunField`` attribute reads and writes (the last value sent wins)."""


def checked(field: str, value: Any) -> Any:
    """``value`` as the run record carries it (tags as a list); InvalidInputError naming the
    field when it cannot be one."""
    if field == "name":
        if not isinstance(value, str) or not value.strip():
            raise InvalidInputError(f"run.name must be a non-empty string, got {value!r}")
    elif field == "tags":
        if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
            raise InvalidInputError(
                f"run.tags must be a list of strings (run.tags = ['a', 'b']), got {value!r}"
            )
        value = list(dict.fromkeys(value))
    elif value is not None and not isinstance(value, str):
        raise InvalidInputError(f"run.{field} must be a string or None, got {value!r}")
    validate_record([RUN, {field: value}])
    return value


class RunField:
    """A data descriptor for one of :data:`SETTABLE`: reading gives the value last sent in a
    run record (``tags`` as a tuple, as in W&B); assigning sends a new one."""

    def __init__(self, field: str) -> None:
        if field not in SETTABLE:
            raise ValueError(f"{field!r} is not one of {SETTABLE}")
        self.field = field

    def __get__(self, run: Run | None, owner: type | None = None) -> Any:
        if run is None:
            return self
        value = run._run_fields.get(self.field)
        if self.field == "tags":
            return tuple(value or ())
        return value

    def __set__(self, run: Run, value: Any) -> None:
        run.update_run(**{self.field: checked(self.field, value)})


def remember(fields: dict[str, Any], body: dict[str, Any]) -> None:
    """Note in ``fields`` the settable fields a run record's ``body`` sets."""
    for field in SETTABLE:
        if field in body and (field != "name" or body[field]):
            fields[field] = body[field]
