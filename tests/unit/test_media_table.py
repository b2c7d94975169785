"""cairn.Table and cairn.JoinedTable: typed columns, table files, log modes, bad input."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cairn
from cairn.errors import InvalidInputError
from cairn.media.base import EncodeContext, Encoded
from cairn.media.object3d import Object3D
from cairn.media.table import JoinedTable, Table


def table_file(enc: Encoded) -> dict[str, Any]:
    """The table JSON of an encoded table (its own file is the last one)."""
    file = enc.files[-1]
    assert file.path == enc.value["path"]
    assert hashlib.sha256(file.data).hexdigest() == enc.value["sha256"] == file.sha256
    assert enc.value["size"] == len(file.data)
    parsed: dict[str, Any] = json.loads(file.data)
    return parsed


def test_table_file_round_trips_with_types_and_numpy_cells() -> None:
    table = cairn.Table(columns=["id", "label", "score", "ok", "extra"])
    table.add_data(np.int64(1), "cat", np.float32(0.5), np.bool_(True), {"k": np.arange(2)})
    table.add_data(2, None, float("nan"), False, [1, 2])
    table.add_data(3, "dog", float("-inf"), True, np.array([0.5]))
    enc = table.encode(EncodeContext("eval/preds", 7))
    assert enc.value == {
        "_type": "table-file",
        "path": enc.files[-1].path,
        "sha256": enc.files[-1].sha256,
        "size": len(enc.files[-1].data),
        "ncols": 5,
        "nrows": 3,
        "log_mode": "IMMUTABLE",
    }
    assert enc.value["path"].startswith("media/table/eval/preds_7_")
    assert enc.value["path"].endswith(f"{enc.value['sha256'][:8]}.table.json")
    body = table_file(enc)
    assert body == {
        "columns": ["id", "label", "score", "ok", "extra"],
        "data": [
            [1, "cat", 0.5, True, {"k": [0, 1]}],
            [2, None, "NaN", False, [1, 2]],
            [3, "dog", "-Infinity", True, [0.5]],
        ],
        "column_types": {
            "id": "number",
            "label": "text",
            "score": "number",
            "ok": "bool",
            "extra": "json",
        },
    }
    # the Python side keeps real floats
    assert math.isnan(table.get_column("score")[1])
    assert table.get_column("id", convert_to="numpy").tolist() == [1, 2, 3]


def test_dataframe_without_columns_argument() -> None:
    df = pd.DataFrame(
        {"user": ["ada", "geoff"], "n": [1, 2], "when": [pd.Timestamp("2024-01-02"), pd.NaT]}
    )
    for table in (Table(dataframe=df), Table(data=df)):
        assert table.columns == ["user", "n", "when"]
        assert table.data == [["ada", 1, "2024-01-02T00:00:00"], ["geoff", 2, None]]
        assert table.column_types == {"user": "text", "n": "number", "when": "text"}


def test_numpy_2d_data_and_default_columns() -> None:
    table = Table(data=np.arange(6).reshape(2, 3))
    assert table.columns == ["Input", "Output", "Expected"]
    assert table.data == [[0, 1, 2], [3, 4, 5]]


def test_add_column_and_get_column() -> None:
    table = Table(columns=["a"], data=[[1], [2]])
    table.add_column("b", ["x", "y"])
    assert table.data == [[1, "x"], [2, "y"]]
    assert table.get_column("b") == ["x", "y"]
    empty = Table(columns=[])
    empty.add_column("c", [1.5, 2.5])
    assert empty.data == [[1.5], [2.5]]


def test_media_cells_are_encoded_with_the_table_and_shared_by_reference() -> None:
    cloud = Object3D(np.zeros((5, 3)))
    other = Object3D(np.ones((2, 3)))
    table = Table(columns=["name", "cloud"], data=[["a", cloud], ["b", other], ["c", cloud]])
    assert table.column_types["cloud"] == "object3D-file"
    enc = table.encode(EncodeContext("clouds", 2))
    body = table_file(enc)
    first, second, third = (row[1] for row in body["data"])
    assert first["_type"] == "object3D-file"
    assert first["path"].startswith("media/object3D/clouds/0_1_2_")
    assert second["path"].startswith("media/object3D/clouds/1_1_2_")
    assert third == first  # the same object: one file, referenced twice
    assert {f.path for f in enc.files} == {first["path"], second["path"], enc.value["path"]}
    assert len(enc.files) == 3


def test_immutable_table_is_logged_as_first_frozen_and_then_refuses_changes() -> None:
    table = Table(columns=["a"], data=[[1]])
    snap = table.frozen()
    assert table.frozen() is snap
    with pytest.raises(InvalidInputError, match=r"log_mode='IMMUTABLE'.*'MUTABLE'"):
        table.add_data(2)
    with pytest.raises(InvalidInputError, match="IMMUTABLE"):
        table.add_column("b", [1])


def test_mutable_snapshot_is_not_changed_by_later_rows() -> None:
    table = Table(columns=["a"], data=[[1]], log_mode="MUTABLE")
    snap = table.frozen()
    table.add_data(2)
    table.add_column("b", ["x", "y"])
    assert table_file(snap.encode(EncodeContext("t", 0)))["data"] == [[1]]
    enc = table.frozen().encode(EncodeContext("t", 1))
    assert table_file(enc)["data"] == [[1, "x"], [2, "y"]]
    assert enc.value["log_mode"] == "MUTABLE"


def test_incremental_logs_new_rows_as_parts_with_previous() -> None:
    table = Table(columns=["step", "loss"], log_mode="INCREMENTAL")
    table.add_data(0, 1.0)
    table.add_data(1, 0.5)
    first = table.frozen()
    table.add_data(2, 0.25)
    second = table.frozen()
    third = table.frozen()  # nothing new: an empty part
    e0 = first.encode(EncodeContext("hist", 10))
    e1 = second.encode(EncodeContext("hist", 20))
    e2 = third.encode(EncodeContext("hist", 30))
    assert table_file(e0)["data"] == [[0, 1.0], [1, 0.5]]
    assert table_file(e1)["data"] == [[2, 0.25]]
    assert table_file(e2)["data"] == []
    assert (e0.value["increment"], e0.value["previous"]) == (0, [])
    assert e1.value["increment"] == 1
    assert e1.value["previous"] == [{"path": e0.value["path"], "sha256": e0.value["sha256"]}]
    assert e2.value["previous"] == [
        {"path": e0.value["path"], "sha256": e0.value["sha256"]},
        {"path": e1.value["path"], "sha256": e1.value["sha256"]},
    ]
    assert e1.value["log_mode"] == "INCREMENTAL"
    assert e1.value["nrows"] == 1
    with pytest.raises(InvalidInputError, match="columns are fixed once it is logged"):
        table.add_column("extra", [0, 0, 0])


def test_incremental_media_cells_keep_whole_table_row_numbers() -> None:
    table = Table(columns=["cloud"], log_mode="INCREMENTAL")
    table.add_data(Object3D(np.zeros((1, 3))))
    table.frozen().encode(EncodeContext("k", 0))
    table.add_data(Object3D(np.ones((1, 3))))
    enc = table.frozen().encode(EncodeContext("k", 1))
    assert table_file(enc)["data"][0][0]["path"].startswith("media/object3D/k/1_0_1_")


def test_joined_table() -> None:
    left = Table(columns=["id", "x"], data=[[1, "a"]])
    right = Table(columns=["key", "y"], data=[[1, 2.0]])
    joined = cairn.JoinedTable(left, right, ["id", "key"])
    left.add_data(2, "b")  # after the join: not in it
    enc = joined.encode(EncodeContext("j", 3))
    t1, t2 = enc.value["table1"], enc.value["table2"]
    assert enc.value["_type"] == "joined-table"
    assert enc.value["join_key"] == ["id", "key"]
    files = {f.path: f for f in enc.files}
    assert set(files) == {t1["path"], t2["path"]}
    assert files[t1["path"]].sha256 == t1["sha256"]
    assert json.loads(files[t1["path"]].data)["data"] == [[1, "a"]]
    assert t1["path"].startswith("media/table/j/table1_3_")
    assert JoinedTable(left, left, "id").encode(EncodeContext("j", 4)).value["join_key"] == "id"


def test_allow_mixed_types_makes_a_json_column() -> None:
    table = Table(columns=["v"], data=[[1], ["one"]], allow_mixed_types=True)
    assert table.column_types == {"v": "json"}
    assert table_file(table.encode(EncodeContext("m", 0)))["data"] == [[1], ["one"]]


def test_null_only_column_is_json() -> None:
    assert Table(columns=["v"], data=[[None]]).column_types == {"v": "json"}


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Table(columns=["a"], log_mode="SOMETIMES"), "log_mode must be one of"),
        (lambda: Table(columns="abc"), "list of names, not a single string"),
        (lambda: Table(columns=["a", "a"]), "'a' appears twice"),
        (lambda: Table(columns=["a", ""]), "non-empty string"),
        (lambda: Table(columns=["a"], data=5), "data must be a list of rows, got int"),
        (lambda: Table(columns=["a"], data=np.zeros(3)), "must be 2-D"),
        (lambda: Table(columns=["a"], dataframe=[[1]]), "must be a pandas DataFrame"),
        (lambda: Table(columns=["a", "b"], data=[[1]]), r"row 0: got 1 values for 2 columns"),
        (lambda: Table(columns=["a"], data=["xy"]), "row 0: a row must be a list"),
        (
            lambda: Table(columns=["n", "label"], data=[[1, "cat"], [2, 3]]),
            r"row 1, column 'label': expected text .* got number \(3\).*allow_mixed_types",
        ),
        (
            lambda: Table(columns=["a"], data=[[object()]]),
            r"row 0, column 'a': a object cannot be a table cell",
        ),
        (
            lambda: Table(columns=["a"], data=[[{1: "x"}]]),
            r"row 0, column 'a': dict keys must be strings",
        ),
        (
            lambda: Table(columns=["a"], data=[[np.array(["x"])]]),
            r"numpy array of dtype <U1 cannot be a table cell",
        ),
        (
            lambda: Table(columns=["a"], data=[["x" * ((1 << 20) + 1)]]),
            r"row 0, column 'a': the text is over 1 MiB",
        ),
        (
            lambda: Table(columns=["a"], data=[[Table(columns=["b"])]]),
            r"a Table cannot be a table cell; log it under its own key",
        ),
        (lambda: JoinedTable(Table(columns=["a"]), "t", "a"), "table2 must be a cairn.Table"),
        (
            lambda: JoinedTable(Table(columns=["a"]), Table(columns=["b"]), "a"),
            r"table2 has no column 'a'; its columns are \['b'\]",
        ),
        (
            lambda: JoinedTable(Table(columns=["a"]), Table(columns=["a"]), ["a"]),
            "join_key must be a column name or a list of two",
        ),
    ],
)
def test_bad_input(build: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        build()


def test_bad_changes_leave_the_table_as_it_was() -> None:
    table = Table(columns=["a", "b"], data=[[1, "x"]])
    with pytest.raises(InvalidInputError, match=r"row 1, column 'b': expected text"):
        table.add_data(2, 2)
    assert table.data == [[1, "x"]]
    with pytest.raises(InvalidInputError, match="got 3 values for a table of 1 rows"):
        table.add_column("c", [1, 2, 3])
    with pytest.raises(InvalidInputError, match="already has a column 'a'"):
        table.add_column("a", [1])
    two = Table(columns=["a"], data=[[1], [2]])
    with pytest.raises(InvalidInputError, match=r"row 1, column 'c': expected number .* got text"):
        two.add_column("c", [1, "x"])
    assert two.columns == ["a"]
    with pytest.raises(InvalidInputError, match=r"has no column 'zz'"):
        table.get_column("zz")
    with pytest.raises(InvalidInputError, match="convert_to must be None or 'numpy'"):
        table.get_column("a", convert_to="list")
    assert table.columns == ["a", "b"]
