"""The run log file format (version 1); old versions must stay readable forever.

::

    magic    8 bytes   b"CAIRNLOG"
    version  u16 LE    file format version (1)
    hlen     u32 LE    length of the header
    hcrc     u32 LE    crc32 of the header
    header   msgpack   {"wire": 2, "stream": 16 bytes, "entity", "project", "run_id",
                        "created_at", "base_url"}
    frames   ...       [u32 LE length][u32 LE crc32 of payload][payload = msgpack record]

``wire`` is the wire version of the records (1 before artifacts; a log keeps its own and is sent
as that version). A record's offset is its frame's index (0, 1, 2, ...). A frame cut short by a
crash, or whose CRC does not match, ends the readable log: everything before it is intact.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Any, BinaryIO, Final

import msgpack

from cairn.errors import InvalidInputError, WireVersionError
from cairn.wire import WIRE_VERSION

MAGIC: Final = b"CAIRNLOG"
FORMAT_VERSION: Final = 1
_PREAMBLE = struct.Struct("<8sHII")
_FRAME = struct.Struct("<II")
FRAME_OVERHEAD: Final = _FRAME.size
MAX_FRAME_BYTES: Final = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class LogHeader:
    """What a run log says about itself."""

    stream: bytes
    entity: str | None
    project: str
    run_id: str
    created_at: float
    base_url: str | None
    wire: int = WIRE_VERSION

    def to_map(self) -> dict[str, Any]:
        """The header as stored."""
        return {
            "wire": self.wire,
            "stream": self.stream,
            "entity": self.entity,
            "project": self.project,
            "run_id": self.run_id,
            "created_at": self.created_at,
            "base_url": self.base_url,
        }


def encode_header(header: LogHeader) -> bytes:
    """The bytes that start a run log."""
    body: bytes = msgpack.packb(header.to_map(), use_bin_type=True)
    return _PREAMBLE.pack(MAGIC, FORMAT_VERSION, len(body), zlib.crc32(body)) + body


def read_header(handle: BinaryIO) -> tuple[LogHeader, int]:
    """Read the header at the start of ``handle``; returns it and where the frames begin."""
    preamble = handle.read(_PREAMBLE.size)
    if len(preamble) < _PREAMBLE.size:
        raise InvalidInputError("not a Cairn run log: the file is too short")
    magic, version, length, crc = _PREAMBLE.unpack(preamble)
    if magic != MAGIC:
        raise InvalidInputError("not a Cairn run log: wrong magic bytes")
    if version != FORMAT_VERSION:
        raise WireVersionError(
            f"run log format version {version} is newer than this Cairn reads "
            f"({FORMAT_VERSION}); upgrade cairn-ml to sync it"
        )
    body = handle.read(length)
    if len(body) != length or zlib.crc32(body) != crc:
        raise InvalidInputError("run log header is damaged (CRC mismatch)")
    data = msgpack.unpackb(body, raw=False)
    header = LogHeader(
        stream=data["stream"],
        entity=data.get("entity"),
        project=data["project"],
        run_id=data["run_id"],
        created_at=float(data["created_at"]),
        base_url=data.get("base_url"),
        wire=int(data.get("wire", 1)),
    )
    return header, _PREAMBLE.size + length


def encode_frame(payload: bytes) -> bytes:
    """One framed record."""
    return _FRAME.pack(len(payload), zlib.crc32(payload)) + payload


def read_frame(handle: BinaryIO) -> bytes | None:
    """The next record's payload, or None at the end of the intact log (torn or absent frame).

    On None the handle's position is unspecified; callers re-seek to the last good position.
    """
    head = handle.read(FRAME_OVERHEAD)
    if len(head) < FRAME_OVERHEAD:
        return None
    length, crc = _FRAME.unpack(head)
    if length > MAX_FRAME_BYTES:
        return None
    payload = handle.read(length)
    if len(payload) != length or zlib.crc32(payload) != crc:
        return None
    return payload
