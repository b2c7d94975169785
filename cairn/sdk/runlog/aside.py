"""Records of a run log set aside: refused for good, so the sender went on without them.

The list lives beside the log (``<run>.aside``, one JSON object a line, rewritten atomically),
so a restarted sender or ``cairn sync`` skips them instead of retrying them forever, and
``cairn sync --retry-aside`` knows what to try again (design 0015).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

ASIDE_SUFFIX = ".aside"


@dataclass(frozen=True, slots=True)
class AsideEntry:
    """One record set aside: where it is in the log and why it could not go."""

    offset: int
    kind: str
    """The record's kind (``file``, ``history``, ...), or ``?`` when it cannot be decoded."""
    reason: str
    """What refused it, as the user reads it (the server's or proxy's answer, a missing file)."""
    at: float
    """When it was set aside (seconds since the epoch)."""
    what: str = ""
    """What the record is, for a person: a file's path, or the record's size."""


def aside_path(log: Path) -> Path:
    """The set-aside list beside a log."""
    return log.with_suffix(ASIDE_SUFFIX)


def read_aside(log: Path) -> dict[int, AsideEntry]:
    """The log's set-aside records by offset; empty when there are none.

    A line that cannot be read (a hand edit) is skipped: its record is then sent again.
    """
    try:
        text = aside_path(log).read_text()
    except FileNotFoundError:
        return {}
    entries: dict[int, AsideEntry] = {}
    for line in text.splitlines():
        try:
            raw = json.loads(line)
            entry = AsideEntry(
                offset=int(raw["offset"]),
                kind=str(raw["kind"]),
                reason=str(raw["reason"]),
                at=float(raw["at"]),
                what=str(raw.get("what", "")),
            )
        except (ValueError, KeyError, TypeError):
            continue
        entries[entry.offset] = entry
    return entries


def write_aside(log: Path, entries: dict[int, AsideEntry]) -> None:
    """Replace the list atomically (a temp file, then rename); none left removes the file."""
    target = aside_path(log)
    if not entries:
        target.unlink(missing_ok=True)
        return
    temp = target.with_suffix(".aside-tmp")
    lines = [json.dumps(asdict(entries[offset])) for offset in sorted(entries)]
    temp.write_text("\n".join(lines) + "\n")
    os.replace(temp, target)


def add_aside(log: Path, entry: AsideEntry) -> None:
    """Add (or replace) the entry for ``entry.offset``."""
    entries = read_aside(log)
    entries[entry.offset] = entry
    write_aside(log, entries)
