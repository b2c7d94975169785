"""``cairn sync``: upload run logs written offline or left behind, each record exactly once."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cairn.errors import InvalidInputError
from cairn.sdk.runlog.aside import AsideEntry, read_aside
from cairn.sdk.runlog.files import LOG_SUFFIX, LogReader, count_records, read_progress
from cairn.sdk.settings import Settings

if TYPE_CHECKING:
    from cairn.sdk.sender.retry import RetryResult


@dataclass(frozen=True, slots=True)
class LogState:
    """A run log on disk and how much of it the server has."""

    path: Path
    run_path: str
    records: int
    acked: int
    aside: tuple[AsideEntry, ...] = ()
    """Records set aside (refused for good; the rest went on), oldest first."""

    @property
    def pending(self) -> int:
        """Records not yet acknowledged."""
        return self.records - self.acked


def find_logs(paths: Iterable[Path]) -> list[Path]:
    """Run logs in the given files or directories (searched recursively), oldest first."""
    found: list[Path] = []
    for path in paths:
        if path.is_file() and path.suffix == LOG_SUFFIX:
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(path.rglob(f"*{LOG_SUFFIX}")))
        else:
            raise InvalidInputError(f"{path} is neither a run directory nor a run log")
    return sorted(dict.fromkeys(found), key=lambda p: p.stat().st_mtime)


def state_of(log: Path) -> LogState:
    """How far a run log has been uploaded."""
    reader = LogReader(log)
    header = reader.header
    reader.close()
    return LogState(
        path=log,
        run_path=f"{header.entity}/{header.project}/{header.run_id}",
        records=count_records(log),
        acked=read_progress(log).offset,
        aside=tuple(entry for _, entry in sorted(read_aside(log).items())),
    )


def settings_for(log: Path, base_url: str | None = None) -> Settings:
    """The settings to upload ``log`` with: to ``base_url`` when given, else to
    ``CAIRN_BASE_URL`` when set, else to the server the run used (its log header says which),
    with the API key for that server."""
    import os

    from cairn.sdk.settings import load_settings

    if base_url is None and not os.environ.get("CAIRN_BASE_URL"):
        reader = LogReader(log)
        base_url = reader.header.base_url
        reader.close()
    return load_settings(base_url=base_url)


def sync_log(log: Path, settings: Settings, *, on_progress: object = None) -> LogState:
    """Upload what the server lacks of one run log; returns its state afterwards.

    Safe to run twice, concurrently with nothing else, or after an interrupted sync: the
    server skips what it already has and the progress file says where to resume.
    """
    from cairn.sdk.sender.sender import Sender
    from cairn.sdk.sender.transport import Transport

    total = count_records(log)
    transport = Transport(settings.base_url, settings.api_key)
    sender = Sender(
        log,
        transport,
        max_records=settings.batch_max_records,
        max_bytes=settings.batch_max_bytes,
    )
    stop = threading.Event()
    try:
        while sender.acked < total and not sender.fatal:
            sent = sender.send_once(stop)
            if callable(on_progress):
                on_progress(sender.acked, total)
            if not sent and sender.acked < total and not sender.fatal:
                stop.wait(0.05)
    finally:
        sender.close()
        transport.close()
    if sender.fatal:
        raise InvalidInputError(f"the server refused {log}: {sender.fatal}")
    return state_of(log)


def retry_aside(log: Path, settings: Settings) -> RetryResult:
    """Send the log's set-aside records again; those refused again stay set aside."""
    from cairn.sdk.sender.retry import retry_aside as retry
    from cairn.sdk.sender.transport import Transport

    transport = Transport(settings.base_url, settings.api_key)
    try:
        return retry(log, transport)
    finally:
        transport.close()


def clean(log: Path) -> bool:
    """Remove a fully uploaded run's directory; False (and nothing removed) otherwise, or when
    records of it are set aside (they exist nowhere else)."""
    state = state_of(log)
    if state.pending or state.aside:
        return False
    shutil.rmtree(log.parent)
    return True
