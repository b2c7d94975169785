"""The first rows of a table file, read from its beginning (cairn/server/tables/prefix.py)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import pytest

from cairn import Table
from cairn.media.base import EncodeContext
from cairn.server.tables.prefix import read_prefix

IMG = {"_type": "image-file", "path": "media/images/a.png", "sha256": "a" * 64, "size": 3}


def chunked(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def rows(n: int) -> list[list[Any]]:
    return [[i, f"w{i % 7}", i / 4, IMG if i % 3 == 0 else None] for i in range(n)]


COLUMNS = ["id", "label", "score", "img"]


@pytest.mark.parametrize("size", [1, 7, 64, 1 << 20])
def test_wandb_key_order(size: int) -> None:
    # W&B writes columns, data, then ncols/nrows/column_types: no types before data
    doc = {"_type": "table", "columns": COLUMNS, "data": rows(50), "ncols": 4, "nrows": 50}
    doc["column_types"] = {"params": {}}
    got = read_prefix(chunked(json.dumps(doc, indent=1).encode(), size), 10)
    assert got is not None
    assert got.columns == COLUMNS
    assert got.rows == rows(10)
    assert got.column_types is None
    assert not got.complete


def test_sdk_written_file_has_types_before_data() -> None:
    table = Table(columns=["id", "name"], data=[[i, f"n{i}"] for i in range(30)])
    files = table.encode(EncodeContext("t", 0)).files
    body = next(f for f in files if f.path.endswith(".table.json"))
    got = read_prefix(chunked(body.data, 16), 5)
    assert got is not None
    assert got.columns == ["id", "name"]
    assert got.column_types == {"id": "number", "name": "text"}
    assert got.rows == [[i, f"n{i}"] for i in range(5)]


def test_data_ending_before_the_rows_wanted_is_complete() -> None:
    doc = {"columns": COLUMNS, "data": rows(3)}
    got = read_prefix(chunked(json.dumps(doc).encode(), 5), 100)
    assert got is not None
    assert got.complete
    assert got.rows == rows(3)
    empty = read_prefix([b'{"columns": ["a"], "data": [ ] }'], 10)
    assert empty is not None
    assert empty.complete
    assert empty.rows == []
    exact = read_prefix([json.dumps(doc).encode()], 3)
    assert exact is not None
    assert exact.complete


def test_strings_with_brackets_quotes_and_escapes() -> None:
    tricky = ["a]b", '["x"]', 'q"uo\\te', "line\nbreak ],[", "é😀 ünï", "\\"]
    doc = {"columns": ["s", "n"], "data": [[t, i] for i, t in enumerate(tricky)] * 3}
    data = json.dumps(doc, ensure_ascii=False).encode()
    for size in (1, 3, 13):  # chunk boundaries inside strings and multi-byte characters
        got = read_prefix(chunked(data, size), len(tricky) + 1)
        assert got is not None
        assert got.rows == [[t, i] for i, t in enumerate(tricky)] + [[tricky[0], 0]]


def test_a_row_split_across_chunks_and_a_number_at_a_chunk_end() -> None:
    data = b'{"columns":["n","m"],"data":[[12345,678],[9,10]]}'
    at = data.index(b"345")  # "12" | "345,678]...": the number must not be read as 12
    got = read_prefix(iter([data[:at], data[at:]]), 1)
    assert got is not None
    assert got.rows == [[12345, 678]]
    at = data.index(b"78]")
    got = read_prefix(iter([data[:at], data[at:]]), 2)
    assert got is not None
    assert got.rows == [[12345, 678], [9, 10]]
    assert got.complete


def test_nan_tokens() -> None:
    data = b'{"columns":["x","y"],"data":[[NaN,Infinity],[-Infinity,"NaN"],[1,2]]}'
    got = read_prefix(chunked(data, 4), 2)
    assert got is not None
    assert math.isnan(got.rows[0][0])
    assert got.rows[0][1] == math.inf
    assert got.rows[1] == [-math.inf, "NaN"]


@pytest.mark.parametrize(
    "data",
    [
        b"[1, 2]",  # not an object
        b'{"data": [[1]], "columns": ["a"]}',  # data before columns
        b'{"columns": ["a"], "nrows": 1}',  # no data
        b'{"columns": ["a", "b"], "data": [[1]]}',  # a short row
        b'{"columns": ["a"], "data": [[1], [2}',  # invalid JSON
        b'{"columns": ["a"], "data": [[1] [2]]}',  # no comma between rows
        b'{"columns": "a", "data": [[1]]}',  # columns not a list
        b'{"columns": ["a"], "data": [[1], [2',  # truncated
        b"",
    ],
)
def test_unexpected_shapes_give_none(data: bytes) -> None:
    assert read_prefix(chunked(data, 3), 5) is None


def test_too_many_bytes_before_the_rows_gives_none() -> None:
    doc = {"columns": ["a"], "notes": "x" * 10_000, "data": [[1], [2]]}
    data = json.dumps(doc).encode()
    assert read_prefix(chunked(data, 1000), 1, max_bytes=4000) is None
    assert read_prefix(chunked(data, 1000), 1) is not None


def test_the_stream_is_closed_when_done() -> None:
    closed = []

    def stream() -> Iterator[bytes]:
        try:
            yield b'{"columns":["a"],"data":[[1],'
            yield b"[2]]}"
        finally:
            closed.append(True)

    assert read_prefix(stream(), 1) is not None
    assert closed == [True]
