"""Reads of one logged value by key and step (tables, and any reader that wants "the latest")."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cairn.server.store.records import RunValue


@dataclass(frozen=True, slots=True)
class ValueKey:
    """A key of a run's plain (non-media) values: the latest value's JSON type (``string``,
    ``boolean``, ``number``, ``null``, ``array``, ``object``), how many values, their steps."""

    key: str
    type: str
    count: int
    step_min: int
    step_max: int


class ValueReads(abc.ABC):
    """A run's non-numeric values: one by key and step, and which keys it has."""

    @abc.abstractmethod
    def run_value_keys(self, run_pk: int) -> list[ValueKey]:
        """The keys of the run's plain values (not media) sorted by key; empty when none."""

    @abc.abstractmethod
    def latest_value(self, run_pk: int, key: str, step: int | None = None) -> RunValue | None:
        """The value of ``key`` at ``step`` (the last one logged there when there are several),
        or at the key's highest step when ``step`` is None; None when there is none.
        """
