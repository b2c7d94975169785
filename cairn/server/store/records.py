"""Snapshots the metadata store returns: plain frozen dataclasses, never live rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    """A project and its activity figures."""

    pk: int
    entity: str
    name: str
    visibility: str
    description: str
    created_at: float
    updated_at: float
    run_count: int = 0
    archived_at: float | None = None


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A run's metadata (config and summary as stored JSON)."""

    pk: int
    project_pk: int
    entity: str
    project: str
    id: str
    name: str
    state: str
    config: dict[str, Any]
    summary: dict[str, Any]
    tags: list[str]
    group: str | None
    job_type: str | None
    notes: str
    host: str | None
    git: dict[str, Any] | None
    meta: dict[str, Any] | None
    created_at: float
    updated_at: float
    heartbeat_at: float
    finished_at: float | None
    exit_code: int | None
    last_step: int | None
    archived_at: float | None = None
    sweep: str | None = None  # the id of the sweep that handed the run out

    @property
    def path(self) -> str:
        """``entity/project/run_id``."""
        return f"{self.entity}/{self.project}/{self.id}"


@dataclass(frozen=True, slots=True)
class IngestResult:
    """Outcome of applying one batch: the stream's next offset and what happened to records."""

    next_offset: int
    applied: int
    skipped: int
    rejected: list[dict[str, Any]] = field(default_factory=list)
    stop: bool = False  # the run has a stop request (design 0012)
    stop_reason: str | None = None  # why: user, early_terminate, sweep
    sweep_pk: int | None = None  # the run is a trial of this sweep
    artifacts: list[dict[str, str]] = field(default_factory=list)  # applied artifact records


@dataclass(frozen=True, slots=True)
class ConsoleLine:
    """One line of a run's console output."""

    line: int
    stream: str
    time: float
    text: str


@dataclass(frozen=True, slots=True)
class RunFile:
    """A file saved with a run: its path in the run and its blob."""

    path: str
    sha256: str
    size: int
    updated_at: float


@dataclass(frozen=True, slots=True)
class RunValue:
    """One non-numeric value a run logged (a string, a media reference) at a step."""

    step: int
    time: float
    value: Any


@dataclass(frozen=True, slots=True)
class ProjectKeys:
    """Keys of a project's runs with how many runs have each; metric keys with their kind."""

    config: list[tuple[str, int]]
    summary: list[tuple[str, int]]
    metrics: list[tuple[str, str, int]]
    metric_rules: list[dict[str, Any]] = field(default_factory=list)
    """``define_metric`` rules of the project's newest runs (see ``cairn.server.metric_rules``)."""


@dataclass(frozen=True, slots=True)
class ProjectUsage:
    """Disk a project takes: its series chunks, and the distinct blobs its runs reference."""

    runs: int
    series: int
    series_bytes: int
    files: int
    blob_bytes: int


@dataclass(frozen=True, slots=True)
class GcResult:
    """What one garbage collection removed."""

    blobs: int
    bytes: int


@dataclass(frozen=True, slots=True)
class WorkspaceLayout:
    """A saved layout, when, and whose: the user's own or the project's default."""

    layout: Any
    updated_at: float
    source: str  # "user" | "project"


@dataclass(frozen=True, slots=True)
class ViewRecord:
    """A named view of a project (layout None in listings)."""

    id: str
    name: str
    layout: Any
    created_by: str | None
    created_at: float
    updated_at: float
