"""Table files (W&B's shape) to typed Arrow tables: types, media cells, parts, joins."""

from __future__ import annotations

import math
import threading
from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from cairn.errors import InvalidInputError
from cairn.server.tables.cache import TableCache
from cairn.server.tables.load import (
    build_table,
    join_tables,
    load_parts,
    parse_json,
    table_parts,
    table_refs,
)

IMG = {"_type": "image-file", "path": "media/images/a.png", "sha256": "a" * 64, "size": 3}


def test_columns_get_one_type_each() -> None:
    doc = {
        "columns": ["id", "score", "label", "ok", "img", "extra", "empty", "big"],
        "data": [
            [1, 0.5, "cat", True, IMG, [1, 2], None, 2**70],
            [2, 2, "dog", False, None, {"a": 1}, None, 1],
        ],
    }
    names, rows = table_parts(doc, "t")
    table = build_table(names, rows)
    assert table.types == {
        "id": "number",
        "score": "number",
        "label": "text",
        "ok": "bool",
        "img": "media:image-file",
        "extra": "json",
        "empty": "json",
        "big": "number",
    }
    assert table.table.schema.field("id").type == pa.int64()
    assert table.table.schema.field("score").type == pa.float64()
    assert table.table.schema.field("big").type == pa.float64()
    assert orjson.loads(table.table.column("img")[0].as_py()) == IMG
    assert table.table.column("img")[1].as_py() is None
    assert orjson.loads(table.table.column("extra")[1].as_py()) == {"a": 1}


def test_non_finite_numbers_in_both_spellings() -> None:
    raw = b'{"columns": ["x", "y"], "data": [[NaN, "NaN"], [1.5, "Infinity"], [2, -1]]}'
    names, rows = table_parts(parse_json(raw, "t"), "t")
    table = build_table(names, rows)
    assert table.types == {"x": "number", "y": "number"}
    y = table.table.column("y").to_pylist()
    assert math.isnan(table.table.column("x")[0].as_py())
    assert math.isnan(y[0])
    assert y[1] == math.inf
    assert y[2] == -1.0


def test_nan_text_alone_stays_text() -> None:
    table = build_table(["t"], [["NaN"], ["cat"]])
    assert table.types == {"t": "text"}


def test_mixed_media_types_and_mixed_kinds() -> None:
    audio = {"_type": "audio-file", "sha256": "b" * 64, "path": "x.wav"}
    table = build_table(["m", "j"], [[IMG, 1], [audio, "one"]])
    assert table.types == {"m": "media", "j": "json"}
    assert table.table.column("j").to_pylist() == ["1", '"one"']


def test_malformed_files_are_refused_with_the_row() -> None:
    with pytest.raises(InvalidInputError, match="row 1 has 1 cells"):
        table_parts({"columns": ["a", "b"], "data": [[1, 2], [3]]}, "t")
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        parse_json(b"{nope", "t")
    with pytest.raises(InvalidInputError, match="columns"):
        table_parts([1, 2], "t")


def test_duplicate_column_names_are_made_unique() -> None:
    names, _ = table_parts({"columns": ["a", "a", 3], "data": []}, "t")
    assert names == ["a", "a (2)", "3"]


def test_incremental_parts_concatenate_in_order() -> None:
    parts = {
        "p0": {"columns": ["i", "s"], "data": [[0, "a"], [1, "b"]]},
        "p1": {"columns": ["i", "s"], "data": [[2, "c"]]},
    }
    value = {
        "_type": "table-file",
        "path": "p1",
        "sha256": "1" * 64,
        "log_mode": "INCREMENTAL",
        "previous": [{"path": "p0", "sha256": "0" * 64}],
    }
    refs = table_refs(value, "k")
    table = load_parts(refs, lambda ref: orjson.dumps(parts[ref["path"]]))
    assert table.table.column("i").to_pylist() == [0, 1, 2]
    assert table.table.column("s").to_pylist() == ["a", "b", "c"]


def test_parts_with_other_columns_are_refused() -> None:
    parts = {"a": {"columns": ["i"], "data": [[0]]}, "b": {"columns": ["j"], "data": [[1]]}}
    refs = [{"path": "a", "sha256": "0" * 64}, {"path": "b", "sha256": "1" * 64}]
    with pytest.raises(InvalidInputError, match="differ from the first part"):
        load_parts(refs, lambda ref: orjson.dumps(parts[ref["path"]]))


def test_a_value_that_is_no_table_says_what_it_is() -> None:
    with pytest.raises(InvalidInputError, match="is a image-file, not a table-file"):
        table_refs(IMG, "k")


def test_joined_tables_match_on_the_key() -> None:
    left = build_table(["id", "pred", "x"], [[1, "cat", 0.1], [2, "dog", 0.2], [3, "cow", 0.3]])
    right = build_table(["id", "truth", "x"], [[2.0, "dog", 1.0], [1.0, "fox", 2.0]])
    joined = join_tables(left, right, "id")
    assert joined.table.column_names[0] == "id"
    assert set(joined.table.column_names) == {"id", "pred", "0.x", "truth", "1.x"}
    rows = sorted(joined.table.to_pylist(), key=lambda r: r["id"])
    assert [(r["id"], r["pred"], r["truth"]) for r in rows] == [
        (1, "cat", "fox"),
        (2, "dog", "dog"),
    ]
    assert joined.types["pred"] == "text"
    assert joined.types["0.x"] == "number"
    with pytest.raises(InvalidInputError, match="no column 'nope'"):
        join_tables(left, right, "nope")


def test_cache_builds_once_and_reads_back_memory_mapped(tmp_path: Path) -> None:
    cache = TableCache(tmp_path, max_bytes=1 << 30)
    built = build_table(["a", "m"], [[1, IMG], [2, None]])
    assert cache.get("k" * 64, lambda: built).types == built.types
    fresh = TableCache(tmp_path, max_bytes=1 << 30)
    again = fresh.get("k" * 64, lambda: pytest.fail("built twice"))
    assert again.types == {"a": "number", "m": "media:image-file"}
    assert again.table.column("a").to_pylist() == [1, 2]
    assert fresh.builds == 0
    assert cache.builds == 1


def test_concurrent_requests_build_a_table_once(tmp_path: Path) -> None:
    cache = TableCache(tmp_path, max_bytes=1 << 30)
    started, release = threading.Event(), threading.Event()

    def build() -> object:
        started.set()
        release.wait(10)
        return build_table(["a"], [[1]])

    first = threading.Thread(target=cache.get, args=("f" * 64, build))
    first.start()
    started.wait(10)
    second = threading.Thread(target=cache.get, args=("f" * 64, build))
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert cache.builds == 1


def test_cache_evicts_least_recently_read_past_its_size(tmp_path: Path) -> None:
    big = build_table(["s"], [["x" * 1000] for _ in range(200)])
    cache = TableCache(tmp_path, max_bytes=1)  # every file is over: only the newest stays
    cache.get("a" * 64, lambda: big)
    cache.get("b" * 64, lambda: big)
    assert sorted(p.name for p in tmp_path.glob("*.arrow")) == ["b" * 64 + ".arrow"]
    assert not list(tmp_path.glob("*.tmp"))
