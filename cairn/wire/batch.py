"""Batches: the unit the sender posts and the server applies in one transaction.

A batch is the msgpack map ``{"v", "entity", "project", "run", "stream", "first", "records"}``,
zstd-compressed. ``stream`` is the writer stream's 16-byte id; ``first`` is the offset of the first
record; records are numbered consecutively from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

import msgpack
import zstandard

from cairn.errors import InvalidInputError, PayloadTooLargeError, WireVersionError
from cairn.wire.records import SUPPORTED_WIRE_VERSIONS, WIRE_VERSION

CONTENT_TYPE: Final = "application/vnd.cairn.batch"
MAX_COMPRESSED_BYTES: Final = 32 * 1024 * 1024
MAX_DECOMPRESSED_BYTES: Final = 256 * 1024 * 1024
STREAM_ID_BYTES: Final = 16

NAME_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
"""Entity, project and user names (also in the OpenAPI schemas of the routes that take them)."""
NAME_RE: Final = re.compile(NAME_PATTERN)
RUN_ID_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_name(value: object, what: str) -> str:
    """Return ``value`` if it is a valid entity or project name, else raise InvalidInputError."""
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise InvalidInputError(
            f"{what} {value!r} is not valid: use 1-128 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return value


def check_run_id(value: object) -> str:
    """Return ``value`` if it is a valid run id, else raise InvalidInputError."""
    if not isinstance(value, str) or not RUN_ID_RE.match(value):
        raise InvalidInputError(
            f"run id {value!r} is not valid: use 1-64 letters, digits, '.', '_' or '-'"
        )
    return value


@dataclass(frozen=True, slots=True)
class Batch:
    """A decoded batch; ``records`` are still raw (validate each with ``validate_record``)."""

    entity: str
    project: str
    run_id: str
    stream: bytes
    first_offset: int
    records: list[Any]
    version: int = WIRE_VERSION
    """The wire version the sender wrote (records of newer kinds are refused)."""

    @property
    def end_offset(self) -> int:
        """Offset one past the last record."""
        return self.first_offset + len(self.records)


def encode_batch(
    entity: str,
    project: str,
    run_id: str,
    stream: bytes,
    first_offset: int,
    packed_records: list[bytes],
    level: int = 3,
    version: int = WIRE_VERSION,
) -> bytes:
    """Return the compressed body of a batch of already-packed records.

    ``version`` is the wire version of the records: a run log written by an older SDK is sent
    as the version it was written in, so an older server still reads it.
    """
    header = msgpack.packb(
        {
            "v": version,
            "entity": entity,
            "project": project,
            "run": run_id,
            "stream": stream,
            "first": first_offset,
        },
        use_bin_type=True,
    )
    # A map followed by an array header and the records: decoding with one Unpacker stays
    # zero-copy for the records, and the sender never re-packs what the run log stored.
    parts = [header, _array_header(len(packed_records)), *packed_records]
    return zstandard.ZstdCompressor(level=level).compress(b"".join(parts))


def _array_header(n: int) -> bytes:
    packed: bytes = msgpack.packb([None] * n)
    # Strip the n nil elements (one byte each) to keep only the array header.
    return packed[: len(packed) - n]


def decode_batch(body: bytes) -> Batch:
    """Decompress and decode a batch body; raise a clear InvalidInputError on any malformation."""
    if len(body) > MAX_COMPRESSED_BYTES:
        raise PayloadTooLargeError(
            f"batch of {len(body)} bytes exceeds the {MAX_COMPRESSED_BYTES}-byte limit; "
            "send smaller batches"
        )
    try:
        dctx = zstandard.ZstdDecompressor()
        raw = dctx.decompress(body, max_output_size=MAX_DECOMPRESSED_BYTES)
    except zstandard.ZstdError as exc:
        raise InvalidInputError(f"batch is not valid zstd data: {exc}") from None
    if len(raw) >= MAX_DECOMPRESSED_BYTES:
        raise PayloadTooLargeError(
            f"batch decompresses past the {MAX_DECOMPRESSED_BYTES}-byte limit; send smaller batches"
        )
    unpacker = msgpack.Unpacker(raw=False, strict_map_key=True, max_buffer_size=len(raw) + 1)
    unpacker.feed(raw)
    try:
        header = unpacker.unpack()
        records = unpacker.unpack()
    except (msgpack.OutOfData, ValueError, TypeError) as exc:
        raise InvalidInputError(f"batch is not valid msgpack: {exc}") from None
    if not isinstance(header, dict) or not isinstance(records, list):
        raise InvalidInputError("batch must be a header map followed by a list of records")
    return _batch_from(header, records)


def _batch_from(header: dict[str, Any], records: list[Any]) -> Batch:
    version = header.get("v")
    if isinstance(version, bool) or version not in SUPPORTED_WIRE_VERSIONS:
        speaks = " and ".join(str(v) for v in SUPPORTED_WIRE_VERSIONS)
        raise WireVersionError(
            f"batch wire version {version!r} is not supported (this server speaks {speaks}); "
            "upgrade the server or the SDK so they match"
        )
    stream = header.get("stream")
    if not isinstance(stream, bytes) or len(stream) != STREAM_ID_BYTES:
        raise InvalidInputError(f"batch 'stream' must be {STREAM_ID_BYTES} bytes")
    first = header.get("first")
    if not isinstance(first, int) or isinstance(first, bool) or first < 0:
        raise InvalidInputError("batch 'first' must be an offset >= 0")
    return Batch(
        entity=check_name(header.get("entity"), "entity"),
        project=check_name(header.get("project"), "project"),
        run_id=check_run_id(header.get("run")),
        stream=stream,
        first_offset=first,
        records=records,
        version=int(version),
    )
