"""A manifest: path → a stored file (sha256, size) or a reference (URI, checksum).

``to_wire`` lays entries out as the ``artifact`` record and the server's manifest carry them;
``Entry.local`` (where the bytes are on this machine before upload) never leaves the process.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cairn.errors import InvalidInputError
from cairn.wire import check_artifact_path
from cairn.wire.artifacts import manifest_digest

_SHA256: Final = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a file's bytes wait for upload: a staged copy, or the user's file hashed in place
    (then ``size`` and ``mtime_ns`` tell whether it changed since)."""

    path: Path
    size: int
    mtime_ns: int | None = None
    """Set for an in-place (``immutable``) file; None for a staged copy, which is ours."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One manifest entry: a stored file (``sha256``) or a reference (``ref`` + ``checksum``)."""

    path: str
    size: int | None = None
    sha256: str | None = None
    md5: str | None = None
    ref: str | None = None
    checksum: str | None = None
    local: Source | None = None

    @property
    def is_reference(self) -> bool:
        """Whether the bytes live at ``ref`` rather than on the server."""
        return self.ref is not None

    def to_wire(self) -> dict[str, Any]:
        """The entry as the record and the server's manifest carry it."""
        if self.ref is not None:
            body: dict[str, Any] = {"path": self.path, "ref": self.ref, "checksum": self.checksum}
            if self.size is not None:
                body["size"] = self.size
            return body
        body = {"path": self.path, "sha256": self.sha256, "size": self.size}
        if self.md5:
            body["md5"] = self.md5
        return body

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Entry:
        """An entry as the server lists it; InvalidInputError when it is malformed."""
        path = check_artifact_path(str(data.get("path", "")))
        size = data.get("size")
        if size is not None and (not isinstance(size, int) or size < 0):
            raise InvalidInputError(f"manifest entry {path!r} has a bad size {size!r}")
        if data.get("ref"):
            return cls(path, size, ref=str(data["ref"]), checksum=str(data.get("checksum", "")))
        sha = data.get("sha256")
        if not isinstance(sha, str) or not _SHA256.match(sha) or size is None:
            raise InvalidInputError(f"manifest entry {path!r} has no valid sha256 and size")
        md5 = data.get("md5")
        return cls(path, size, sha256=sha, md5=md5 if isinstance(md5, str) else None)


class Manifest:
    """Entries by path; paths are checked with the rules the server applies."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self._entries: dict[str, Entry] = {}
        for entry in entries:
            self.add(entry)

    def add(self, entry: Entry, *, overwrite: bool = True) -> None:
        """Add ``entry`` (replacing one at the same path unless ``overwrite`` is off)."""
        check_artifact_path(entry.path)
        if not overwrite and entry.path in self._entries:
            raise InvalidInputError(f"the artifact already has a file at {entry.path!r}")
        self._entries[entry.path] = entry

    def remove(self, path: str) -> list[str]:
        """Remove the entry ``path``, or every entry under the folder ``path``; what went."""
        prefix = path.rstrip("/") + "/"
        gone = [p for p in self._entries if p == path or p.startswith(prefix)]
        for p in gone:
            del self._entries[p]
        return gone

    def get(self, path: str) -> Entry | None:
        """The entry at ``path``, if any."""
        return self._entries.get(path)

    def __iter__(self) -> Iterator[Entry]:
        return iter(sorted(self._entries.values(), key=lambda e: e.path))

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, path: object) -> bool:
        return path in self._entries

    @property
    def size(self) -> int:
        """Bytes of all entries whose size is known."""
        return sum(e.size or 0 for e in self._entries.values())

    @property
    def digest(self) -> str:
        """The manifest's digest (equal manifests, equal digests; metadata plays no part)."""
        return manifest_digest(e.to_wire() for e in self._entries.values())

    def to_wire(self) -> list[dict[str, Any]]:
        """Every entry, by path."""
        return [e.to_wire() for e in self]

    @classmethod
    def from_wire(cls, entries: Iterable[Mapping[str, Any]]) -> Manifest:
        """A manifest as the server sends it (each path checked once, by ``Entry.from_wire``)."""
        manifest = cls()
        for data in entries:
            entry = Entry.from_wire(data)
            manifest._entries[entry.path] = entry
        return manifest
