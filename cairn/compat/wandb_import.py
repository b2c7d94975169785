"""``cairn import wandb``: a local W&B run directory becomes a Cairn run log, sent like any run.

Each run is written once to ``<run root>/wandb-import/<run directory>-<hash>/run-<id>.cairn``,
its ``files`` a link to the W&B run's ``files/`` (no copy of media), and sent by the SDK's
sender: the same exactly-once ingest as a live run. The folder and the log's stream id derive
from the server, the target run and the source directory, so importing a directory again sends
only what the server lacks (nothing, once a run is in), and an interrupted import resumes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cairn.compat.wandb_run import WandbRun, scan
from cairn.compat.wandb_runlog import RunLogBuilder, Tally
from cairn.errors import InvalidInputError
from cairn.sdk.runlog.files import LOG_SUFFIX, LogWriter
from cairn.sdk.runlog.format import LogHeader
from cairn.wire import check_name, check_run_id

IMPORT_DIR: Final = "wandb-import"
"""The folder of the run root (``./cairn``) that holds imported runs' logs."""
DEFAULT_PROJECT: Final = "uncategorized"


@dataclass(frozen=True, slots=True)
class Target:
    """The Cairn run a W&B run becomes."""

    entity: str
    project: str
    run_id: str

    @property
    def path(self) -> str:
        """``entity/project/run_id``."""
        return f"{self.entity}/{self.project}/{self.run_id}"


@dataclass(frozen=True, slots=True)
class Prepared:
    """A W&B run read and turned into a Cairn run log (or only counted, in a dry run)."""

    run: WandbRun
    target: Target
    log: Path
    """Where the run log is (or would be)."""
    tally: Tally | None
    """What the log holds; None when an earlier import wrote it (it is only sent again)."""


def target_of(run: WandbRun, entity: str | None, project: str | None, default: str) -> Target:
    """The Cairn run for ``run``: ``entity``/``project`` when given, else the W&B run's, else
    ``default`` (the caller's entity) and ``uncategorized``; InvalidInputError saying what to
    pass when Cairn refuses a name."""
    if not run.run_id:
        raise InvalidInputError(f"{run.log}: no readable run record names the run's id")
    try:
        check_run_id(run.run_id)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{exc.message}; Cairn cannot keep this W&B run's id") from None
    chosen = {"entity": entity or run.entity or default,
              "project": project or run.project or DEFAULT_PROJECT}  # fmt: skip
    for what, name in chosen.items():
        try:
            check_name(name, what)
        except InvalidInputError as exc:
            raise InvalidInputError(f"{exc.message}; pass --{what} to import it") from None
    return Target(chosen["entity"], chosen["project"], run.run_id)


def _digest(base_url: str, target: Target, run: WandbRun) -> bytes:
    seed = f"cairn import wandb\n{base_url}\n{target.path}\n{run.directory.name}"
    return hashlib.sha256(seed.encode()).digest()


def log_path(run_root: Path, base_url: str, target: Target, run: WandbRun) -> Path:
    """Where the run log of ``run`` imported as ``target`` into ``base_url`` is kept."""
    folder = f"{run.directory.name}-{_digest(base_url, target, run).hex()[:10]}"
    return run_root / IMPORT_DIR / folder / f"run-{target.run_id}{LOG_SUFFIX}"


def prepare(
    wandb_log: Path,
    *,
    run_root: Path,
    base_url: str,
    entity: str | None,
    project: str | None,
    default_entity: str,
    dry_run: bool = False,
) -> Prepared:
    """Read the W&B run of ``wandb_log`` and write its Cairn run log (unless an earlier import
    did, or ``dry_run``: then it is only counted and nothing is written)."""
    run = scan(wandb_log)
    target = target_of(run, entity, project, default_entity)
    path = log_path(run_root, base_url, target, run)
    if dry_run:
        return Prepared(run, target, path, RunLogBuilder(run, None, target.run_id).build())
    if path.exists():
        _link_files(run, path.parent)
        return Prepared(run, target, path, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)  # left by an import that was stopped while writing
    header = LogHeader(
        stream=_digest(base_url, target, run)[:16],
        entity=target.entity,
        project=target.project,
        run_id=target.run_id,
        created_at=run.created_at or 0.0,
        base_url=base_url,
    )
    writer = LogWriter(partial, header)
    try:
        tally = RunLogBuilder(run, writer, target.run_id).build()
    finally:
        writer.close()
    _link_files(run, path.parent)
    os.replace(partial, path)  # only a whole log is ever at the final name
    return Prepared(run, target, path, tally)


def _link_files(run: WandbRun, folder: Path) -> None:
    """Make ``folder/files`` the W&B run's ``files/`` (where the sender reads the blobs): a
    link, set again on each import in case the W&B directory moved; a copy where the file
    system has no links."""
    source = run.directory / "files"
    target = folder / "files"
    if not source.is_dir():
        return
    if target.is_symlink():
        target.unlink()
    elif target.exists():
        return  # a copy made earlier
    try:
        target.symlink_to(source.resolve(), target_is_directory=True)
    except OSError:
        shutil.copytree(source, target)
