"""Resuming a run (design 0014): where it continues, online or offline, and ``auto``'s record of
the last run in a directory that did not finish.

Online, the server says where the run stands. Offline, the newest local run log of the run does;
without one the new log's steps are relative and the server places them after the run's last
step when ``cairn sync`` uploads it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cairn.errors import InvalidInputError, NotFoundError
from cairn.sdk.runlog.files import LOG_SUFFIX, LogReader
from cairn.sdk.settings import Settings
from cairn.wire import decode_column_block, decode_record
from cairn.wire.records import HISTORY, RUN, SUMMARY, VALUES

AUTO_FILE = "resume.json"
"""In the run root (``./cairn``): the run ``resume="auto"`` continues, until it ends cleanly."""


@dataclass(frozen=True, slots=True)
class ResumePoint:
    """Where a resumed run continues."""

    start_step: int
    """The step its first ``log()`` writes to."""
    name: str | None
    """Its name, where known."""
    summary: dict[str, Any] = field(default_factory=dict)
    """Its summary so far, for min/max/mean/first to continue over."""
    relative_steps: bool = False
    """Offline with no local log of the run: the server places the steps at sync."""


def resume_point(
    settings: Settings, entity: str, project: str, run_id: str, mode: str
) -> ResumePoint | None:
    """Where run ``run_id`` continues under ``mode`` (allow, must, never); None: a new run.

    InvalidInputError for ``must`` when the run is not there, ``never`` when it is. Offline,
    "there" means a local run log of it; with none, ``never`` starts a new run and ``allow``
    and ``must`` continue at relative steps.
    """
    where = f"{entity}/{project}/{run_id}"
    if settings.mode == "online":
        point = _from_server(settings, entity, project, run_id)
    else:
        log = newest_local_log(settings.run_root, entity, project, run_id)
        point = None if log is None else read_point(log)
        if point is None and mode != "never":
            return ResumePoint(0, None, {}, relative_steps=True)
    if point is None and mode == "must":
        raise InvalidInputError(f"resume='must' but run {where} does not exist")
    if point is not None and mode == "never":
        raise InvalidInputError(f"run {where} exists and resume='never'")
    return point


def _from_server(settings: Settings, entity: str, project: str, run_id: str) -> ResumePoint | None:
    from cairn.sdk.api.client import ApiClient

    client = ApiClient(settings.base_url, settings.api_key)
    try:
        existing = client.get_run(entity, project, run_id)
    except NotFoundError:
        return None
    finally:
        client.close()
    last = existing.get("last_step")
    summary = existing.get("summary")
    return ResumePoint(
        start_step=0 if last is None else int(last) + 1,
        name=existing.get("name"),
        summary=dict(summary) if isinstance(summary, dict) else {},
    )


def newest_local_log(root: Path, entity: str, project: str, run_id: str) -> Path | None:
    """The most recently started run log of this run under ``root``, if any."""
    newest: tuple[float, Path] | None = None
    for log in root.glob(f"run-*/run-{run_id}{LOG_SUFFIX}"):
        try:
            reader = LogReader(log)
        except (OSError, InvalidInputError):
            continue  # not a run log this Cairn reads: not one to continue
        header = reader.header
        reader.close()
        if (header.entity, header.project, header.run_id) != (entity, project, run_id):
            continue
        if newest is None or header.created_at > newest[0]:
            newest = (header.created_at, log)
    return None if newest is None else newest[1]


def read_point(log: Path) -> ResumePoint:
    """Where the run a local log records stands at the end of that log.

    A log whose own steps are relative (it was resumed offline without a local log) gives
    relative steps again, from 0: the server places each such log after what it has.
    """
    last: int | None = None
    name: str | None = None
    relative = False
    summary: dict[str, Any] = {}
    reader = LogReader(log)
    try:
        for frame in reader.frames():
            try:
                kind, body = decode_record(frame.payload)
            except InvalidInputError:
                continue  # the server would refuse it too
            if kind == HISTORY and body["n"]:
                steps = decode_column_block(body).steps
                if steps is not None:
                    last = max(int(steps.max()), -1 if last is None else last)
            elif kind == VALUES:
                last = body["step"] if last is None else max(last, body["step"])
            elif kind == SUMMARY:
                summary.update(body.get("set", {}))
                for key in body.get("remove", []):
                    summary.pop(key, None)
            elif kind == RUN:
                name = body.get("name") or name
                relative = relative or bool(body.get("relative_steps"))
    finally:
        reader.close()
    if relative:
        return ResumePoint(0, name, summary, relative_steps=True)
    return ResumePoint(0 if last is None else last + 1, name, summary)


def auto_run_id(root: Path, entity: str, project: str) -> str | None:
    """The run ``resume="auto"`` continues here: the last one started in ``root`` (for this
    entity and project) that did not end cleanly; None for a new run."""
    try:
        state = json.loads((root / AUTO_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or (state.get("entity"), state.get("project")) != (
        entity,
        project,
    ):
        return None
    run_id = state.get("run_id")
    return run_id if isinstance(run_id, str) else None


def remember_run(root: Path, entity: str, project: str, run_id: str) -> None:
    """Note the run just started as the one ``auto`` continues (best effort)."""
    target = root / AUTO_FILE
    try:
        root.mkdir(parents=True, exist_ok=True)
        temp = target.with_suffix(f".{os.getpid()}.tmp")
        temp.write_text(json.dumps({"entity": entity, "project": project, "run_id": run_id}))
        os.replace(temp, target)
    except OSError:
        pass  # a convenience: without it, auto starts a new run


def forget_run(root: Path, run_id: str) -> None:
    """The run ended cleanly: ``auto`` starts a new one next time (unless another run took over
    the record since)."""
    target = root / AUTO_FILE
    try:
        state = json.loads(target.read_text())
        if isinstance(state, dict) and state.get("run_id") == run_id:
            target.unlink()
    except (OSError, ValueError):
        pass
