"""The ``.wandb`` log reader on logs built here in LevelDB's framing: records across blocks,
damaged chunks (the rest still read, the lost counted), a cut-short tail, and not a log at all;
with the pure parts of an import beside it (console lines, the summary's shape)."""

from __future__ import annotations

import io
import math
import struct
import zlib

import pytest

from cairn.compat.wandb_log import BLOCK, HEADER_BYTES, Damage, payloads
from cairn.compat.wandb_proto import MAX_LINE_CHARS, ConsoleLines
from cairn.compat.wandb_rows import summary_values
from cairn.errors import InvalidInputError

STDERR, STDOUT = 0, 1


def _log(records: list[bytes]) -> tuple[bytes, list[int]]:
    """A log of ``records`` as wandb writes it, and the offset of each record's first chunk."""
    out = bytearray(b":W&B\xe1\xbe\x00")
    starts = []
    for record in records:
        starts.append(len(out))
        rest, first = record, True
        while True:
            left = BLOCK - len(out) % BLOCK
            if left < 7:
                out += b"\0" * left
                continue
            piece, rest = rest[: left - 7], rest[left - 7 :]
            kind = (1 if first else 4) if not rest else (2 if first else 3)
            out += struct.pack("<IHB", zlib.crc32(bytes([kind]) + piece), len(piece), kind)
            out += piece
            first = False
            if not rest:
                break
    return bytes(out), starts


def _read(data: bytes) -> tuple[list[bytes], Damage]:
    damage = Damage()
    return list(payloads(io.BytesIO(data), damage)), damage


def test_records_whole_and_across_blocks_are_read_back() -> None:
    records = [b"a" * 10, b"b" * (BLOCK + 5000), b"c" * 3, b"d" * (3 * BLOCK), b"e"]
    data, _ = _log(records)
    assert _read(data) == (records, Damage())


def test_a_damaged_record_is_lost_and_counted_the_rest_read() -> None:
    records = [b"first" * 10, b"second" * 10, b"third" * 10, b"fourth" * 10]
    data, starts = _log(records)
    damaged = bytearray(data)
    damaged[starts[1] + 7 + 3] ^= 0xFF  # in the data: its header is intact
    damaged[starts[2] + 7 + 3] ^= 0xFF  # and the next one's too
    read, damage = _read(bytes(damaged))
    assert read == [records[0], records[3]]
    assert damage.records == 2
    assert damage.skipped_bytes == starts[3] - starts[1]


def test_a_damaged_length_is_skipped_to_the_next_intact_chunk() -> None:
    records = [b"x" * 100, b"y" * 100, b"z" * 100]
    data, starts = _log(records)
    damaged = bytearray(data)
    damaged[starts[1] + 4] ^= 0x7F  # the length field: where the chunk ends is unknown
    read, damage = _read(bytes(damaged))
    assert read == [records[0], records[2]]
    assert damage.records == 1


def test_a_record_spanning_blocks_with_a_damaged_middle_is_lost_alone() -> None:
    records = [b"p" * 50, b"q" * (2 * BLOCK + 100), b"r" * 50]
    data, _ = _log(records)
    damaged = bytearray(data)
    damaged[BLOCK + 100] ^= 0xFF  # inside the big record's middle chunk
    read, damage = _read(bytes(damaged))
    assert read == [records[0], records[2]]
    assert damage.records == 1


def test_a_log_cut_short_keeps_what_was_whole() -> None:
    records = [b"one" * 20, b"two" * 20, b"three" * 20000]
    data, starts = _log(records)
    for cut in (starts[2] + 3, starts[2] + 500, len(data) - 1):
        read, damage = _read(data[:cut])
        assert read == records[:2]
        assert damage.records == 1


def test_not_a_wandb_log_is_refused_by_name() -> None:
    with pytest.raises(InvalidInputError, match="not a W&B run log"):
        _read(b"CAIRNLOG" + b"\0" * 100)
    assert _read(b":W&B\xe1\xbe\x00")[0] == []
    assert HEADER_BYTES == 7


def test_console_pieces_become_lines_per_stream() -> None:
    console = ConsoleLines()
    lines = [
        *console.feed(STDOUT, 1.0, "hello "),
        *console.feed(STDERR, 2.0, "oops\n"),
        *console.feed(STDOUT, 3.0, "world\n\rstep 1"),
        *console.feed(STDOUT, 4.0, "\rstep 2\r\n"),
        *console.feed(STDOUT, 5.0, "x" * (MAX_LINE_CHARS + 5) + "\nunended"),
        *console.finish(),
    ]
    assert [(ln.stream, ln.time, ln.text) for ln in lines[:4]] == [
        ("stderr", 2.0, "oops"),
        ("stdout", 1.0, "hello world"),
        ("stdout", 3.0, "step 2"),  # a carriage return starts the line over
        ("stdout", 5.0, "x" * MAX_LINE_CHARS + " [... 5 more characters truncated]"),
    ]
    assert lines[4].text == "unended"
    assert len(lines) == 5


def test_summary_nested_dicts_flatten_like_history_keys() -> None:
    summary = {
        "_wandb": {"runtime": 3},
        "_step": 4,
        "loss": 0.5,
        "val/loss": {"min": 0.2},
        "acc": {"max": 0.9, "last": 0.8},
        "nested": {"a": 1, "b": {"c": 2, "d": {"min": math.inf}}},
        "img": {"_type": "image-file", "path": "media/images/x.png"},
        "empty": {},
    }
    assert summary_values(summary) == {
        "loss": 0.5,
        "val/loss": 0.2,
        "acc": {"max": 0.9, "last": 0.8},
        "nested/a": 1,
        "nested/b/c": 2,
        "nested/b/d": math.inf,
        "img": {"_type": "image-file", "path": "media/images/x.png"},
        "empty": {},
    }
