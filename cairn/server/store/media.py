"""The metadata store's media reads: which media keys runs and projects have, and media files.

A media value is a logged value whose JSON is an object with a string ``_type`` (W&B's reference
shape, design 0010); its bytes are one of the run's files, found by sha256. Composed into
:class:`cairn.server.store.metadata.MetadataStore`; contract in tests/contract/test_media_store.py.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from cairn.server.store.records import RunFile

MAX_PROJECT_MEDIA_KEYS = 5000
"""Most (key, type) pairs a project's media key list holds."""


@dataclass(frozen=True, slots=True)
class MediaKey:
    """A media key of one run: the latest value's ``_type``, how many values, their steps."""

    key: str
    type: str
    count: int
    step_min: int
    step_max: int


@dataclass(frozen=True, slots=True)
class ProjectMediaKey:
    """A media key of a project's runs with one ``_type``, and how many runs have it so."""

    key: str
    type: str
    runs: int


class MediaReads(abc.ABC):
    """Reads of run media (each one read transaction)."""

    @abc.abstractmethod
    def run_media_keys(self, run_pk: int) -> list[MediaKey]:
        """The run's media keys sorted by key (empty when it logged none)."""

    @abc.abstractmethod
    def project_media_keys(self, project_pk: int) -> list[ProjectMediaKey]:
        """The media keys of the project's runs, sorted by key then type; a key whose runs
        logged different ``_type``s appears once per type. At most MAX_PROJECT_MEDIA_KEYS."""

    @abc.abstractmethod
    def media_file(self, run_pk: int, sha256: str) -> RunFile | None:
        """One of the run's files with that content (the first by path), or None when the run
        has none: a blob is only ever served through a run that references it."""
