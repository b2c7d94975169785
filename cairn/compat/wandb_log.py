"""Reading W&B's ``run-<id>.wandb`` transaction log: its records, and how much was unreadable.

The log is LevelDB's log format under a 7-byte header (``:W&B``, a 2-byte magic, a version
byte): 32 KiB blocks of chunks, each ``crc32 (4) | length (2, little-endian) | type (1)`` then
the data; the CRC is zlib's, over the type byte and the data. Types: 1 a whole record, 2 its
first chunk, 3 a middle one, 4 its last; a block's tail too short for a chunk header is padding.
A record is one ``wandb_internal_pb2.Record``, parsed with the ``wandb`` package's own
protobufs (the ``compat`` extra; wandb 0.31 no longer ships a Python reader of the log).

A damaged chunk loses its record; reading goes on at the next intact chunk (found by its CRC,
since a damaged length cannot be trusted). A record cut short by a crash is lost. Everything
else is read.
"""

from __future__ import annotations

import importlib
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Final

from cairn.errors import CairnError, InvalidInputError

BLOCK: Final = 32 * 1024
HEADER_BYTES: Final = 7
MAGIC: Final = b":W&B"
_CHUNK: Final = struct.Struct("<IHB")
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4

MISSING_WANDB: Final = (
    "install cairn-ml[compat] (the wandb package reads .wandb files): "
    'pip install "cairn-ml[compat]"'
)


@dataclass
class Damage:
    """What could not be read: records lost (at least one per damaged spot) and bytes skipped."""

    records: int = 0
    skipped_bytes: int = 0

    def __bool__(self) -> bool:
        return bool(self.records or self.skipped_bytes)


def protos() -> Any:
    """wandb's ``wandb_internal_pb2`` module; a CairnError saying what to install without it."""
    try:
        return importlib.import_module("wandb.proto.wandb_internal_pb2")
    except ImportError:
        raise CairnError(MISSING_WANDB) from None


def read_records(path: Path, damage: Damage) -> Iterator[Any]:
    """Each readable ``Record`` of the log at ``path``, in order; the unreadable are counted in
    ``damage``. InvalidInputError when the file is not a W&B log at all."""
    pb = protos()
    decode_error: type[Exception] = importlib.import_module("google.protobuf.message").DecodeError
    with path.open("rb") as handle:
        for payload in payloads(handle, damage, str(path)):
            record = pb.Record()
            try:
                record.ParseFromString(payload)
            except decode_error:
                damage.records += 1
                continue
            yield record


def payloads(handle: BinaryIO, damage: Damage, name: str = "the file") -> Iterator[bytes]:
    """The log's record payloads, streamed block by block; damage counted in ``damage``."""
    header = handle.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES or header[:4] != MAGIC:
        raise InvalidInputError(f"{name} is not a W&B run log (.wandb): it does not start :W&B")
    pending: bytearray | None = None
    lost = False  # in a damaged stretch: what is left of its records is not counted again
    start = HEADER_BYTES
    while block := handle.read(BLOCK - start):
        pos = 0
        while len(block) - pos >= _CHUNK.size:
            chunk = _chunk_at(block, pos)
            if chunk is None:
                if not block[pos:].strip(b"\0"):  # zero padding up to the block's end
                    break
                resume = _next_chunk(block, pos + 1)
                damage.records += _records_in(block, pos, resume, pending is not None, lost)
                damage.skipped_bytes += resume - pos
                pending, lost = None, True
                pos = resume
                continue
            kind, data = chunk
            pos += _CHUNK.size + len(data)
            if kind in (_FULL, _FIRST):
                if pending is not None:  # a record that never got its last chunk
                    damage.records += 1
                lost = False
                pending = None if kind == _FULL else bytearray(data)
                if kind == _FULL:
                    yield data
            elif pending is None:  # the rest of a record whose start was lost
                damage.records += 0 if lost else 1
                lost = kind == _MIDDLE
            else:
                pending += data
                if kind == _LAST:
                    yield bytes(pending)
                    pending = None
        tail = block[pos:]
        if len(block) < BLOCK - start and tail.strip(b"\0"):  # a chunk header cut short
            damage.records += 0 if lost else 1
            damage.skipped_bytes += len(tail)
        start = 0
    if pending is not None:  # the last record was cut short (the run was still writing)
        damage.records += 1
        damage.skipped_bytes += len(pending)


def _chunk_at(block: bytes, pos: int) -> tuple[int, bytes] | None:
    """(type, data) of the intact chunk at ``pos``, or None when there is none."""
    crc, length, kind = _CHUNK.unpack_from(block, pos)
    end = pos + _CHUNK.size + length
    if not _FULL <= kind <= _LAST or end > len(block):
        return None
    data = block[pos + _CHUNK.size : end]
    return (kind, data) if zlib.crc32(bytes([kind]) + data) == crc else None


def _records_in(block: bytes, pos: int, resume: int, in_record: bool, lost: bool) -> int:
    """How many records the damaged stretch ``pos:resume`` held: counted by the chunk headers
    in it when they lead exactly to ``resume`` (only data was damaged), else at least one."""
    records, at = 0, pos
    while at < resume and len(block) - at >= _CHUNK.size:
        _, length, kind = _CHUNK.unpack_from(block, at)
        if not _FULL <= kind <= _LAST:
            break
        if kind in (_FULL, _FIRST):
            records += 1 + (in_record and at == pos)  # and the record it cut short
        elif at == pos:
            records += 0 if lost else 1  # the rest of a record begun earlier
        at += _CHUNK.size + length
    if at != resume:
        return 0 if lost else 1
    return records


def _next_chunk(block: bytes, start: int) -> int:
    """Where the next intact chunk after a damaged one starts (its CRC says it is one), or
    the block's end: more of a damaged block is read than LevelDB's reader reads."""
    for pos in range(start, len(block) - _CHUNK.size + 1):
        if _FULL <= block[pos + 6] <= _LAST and _chunk_at(block, pos) is not None:
            return pos
    return len(block)
