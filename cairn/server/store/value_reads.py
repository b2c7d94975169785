"""Reads of one logged value by key and step (tables, and any reader that wants "the latest")."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cairn.server.store.records import RunValue


class ValueReads(abc.ABC):
    """One non-numeric value of a run's key."""

    @abc.abstractmethod
    def latest_value(self, run_pk: int, key: str, step: int | None = None) -> RunValue | None:
        """The value of ``key`` at ``step`` (the last one logged there when there are several),
        or at the key's highest step when ``step`` is None; None when there is none.
        """
