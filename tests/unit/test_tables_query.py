"""Filter, sort, group and page typed tables; the same semantics as the runs filter."""

from __future__ import annotations

import math

import pyarrow as pa
import pytest

from cairn.errors import InvalidInputError
from cairn.server.tables.combine import join_runs, stack
from cairn.server.tables.load import TypedTable, build_table
from cairn.server.tables.query import SortKey, TableRequest, run_query

IMG = {"_type": "image-file", "path": "media/images/a.png", "sha256": "a" * 64}


@pytest.fixture
def table() -> TypedTable:
    rows = [
        [0, "cat", 0.9, True, IMG],
        [1, "dog", 0.2, False, None],
        [2, "cat", "NaN", None, IMG],
        [3, None, 0.5, True, IMG],
        [4, "dog", 0.7, False, None],
    ]
    return build_table(["id", "label", "score", "ok", "img"], rows)


def ids(table: TypedTable, **request: object) -> list[int]:
    page = run_query(table, TableRequest(limit=1000, **request))  # type: ignore[arg-type]
    return [int(v) for v in page.rows.column("id").to_pylist()]


def test_comparisons_on_each_type(table: TypedTable) -> None:
    assert ids(table, filter={"label": "cat"}) == [0, 2]
    assert ids(table, filter={"score": {"$gte": 0.5}}) == [0, 3, 4]
    assert ids(table, filter={"ok": True}) == [0, 3]
    assert ids(table, filter={"id": {"$in": [1, 3, 9]}}) == [1, 3]
    assert ids(table, filter={"label": {"$in": ["dog", 7]}}) == [1, 4]


def test_null_matches_nothing_but_missing(table: TypedTable) -> None:
    assert ids(table, filter={"label": {"$ne": "cat"}}) == [1, 4]
    assert ids(table, filter={"label": {"$nin": ["cat"]}}) == [1, 4]
    assert ids(table, filter={"label": {"$exists": False}}) == [3]
    assert ids(table, filter={"img": {"$exists": True}}) == [0, 2, 3]
    assert ids(table, filter={"$not": {"label": "cat"}}) == [1, 3, 4]


def test_nan_is_present_but_equals_and_orders_nowhere(table: TypedTable) -> None:
    assert 2 not in ids(table, filter={"score": {"$gt": -1}})
    assert 2 not in ids(table, filter={"score": {"$lt": 10}})
    assert 2 in ids(table, filter={"score": {"$ne": 0.5}})
    assert 2 in ids(table, filter={"score": {"$exists": True}})


def test_types_do_not_mix(table: TypedTable) -> None:
    assert ids(table, filter={"score": "0.9"}) == []
    assert ids(table, filter={"label": 1}) == []
    assert ids(table, filter={"id": True}) == []
    assert ids(table, filter={"label": {"$ne": 1}}) == [0, 1, 2, 4]


def test_expression_form(table: TypedTable) -> None:
    assert ids(table, expr="label = cat and score > 0.5") == [0]
    assert ids(table, expr="not label exists or id in [4]") == [3, 4]
    assert ids(table, expr='"label" notin [dog]') == [0, 2]
    assert ids(table, filter={"ok": True}, expr="id > 0") == [3]


def test_regex_and_contains_match_text_cells_like_runs(table: TypedTable) -> None:
    assert ids(table, filter={"label": {"$regex": "^c"}}) == [0, 2]
    assert ids(table, filter={"label": {"$regex": "^C"}}) == []
    assert ids(table, filter={"label": {"$regex": "^C", "$options": "i"}}) == [0, 2]
    assert ids(table, filter={"label": {"$contains": "OG"}}) == [1, 4]
    assert ids(table, filter={"score": {"$contains": "0"}}) == []  # numbers are not text
    assert ids(table, expr="label ~ t$ or label contains o") == [0, 1, 2, 4]
    assert ids(table, expr="label !~ cat") == [1, 4]  # present and not matching
    with pytest.raises(InvalidInputError, match="invalid regular expression"):
        ids(table, filter={"label": {"$regex": "("}})
    with pytest.raises(InvalidInputError, match="only \\$exists"):
        ids(table, filter={"img": {"$contains": "a"}})


def test_bad_filters_are_400_naming_the_column(table: TypedTable) -> None:
    with pytest.raises(InvalidInputError, match=r"no column 'nope'; its columns are 'id'"):
        ids(table, filter={"nope": 1})
    with pytest.raises(InvalidInputError, match="no column 'nope'"):
        ids(table, expr="nope > 1")
    with pytest.raises(InvalidInputError, match="no column 'x'"):
        ids(table, sort=(SortKey("x"),))
    with pytest.raises(InvalidInputError, match="group_by"):
        ids(table, group_by="x")
    with pytest.raises(InvalidInputError, match="only \\$exists"):
        ids(table, filter={"img": "a"})
    with pytest.raises(InvalidInputError, match="null cannot be compared"):
        ids(table, filter={"label": None})
    with pytest.raises(InvalidInputError, match="column 5"):
        ids(table, expr="id >")
    deep: dict[str, object] = {"id": 1}
    for _ in range(40):
        deep = {"$not": deep}
    with pytest.raises(InvalidInputError, match="deeper than"):
        ids(table, filter=deep)


def test_sort_by_several_columns_nulls_and_nan_last(table: TypedTable) -> None:
    assert ids(table, sort=(SortKey("score", "desc"),)) == [0, 4, 3, 1, 2]
    assert ids(table, sort=(SortKey("score"),)) == [1, 3, 4, 0, 2]
    assert ids(table, sort=(SortKey("label"), SortKey("id", "desc"))) == [2, 0, 4, 1, 3]


def test_paging(table: TypedTable) -> None:
    page = run_query(table, TableRequest(sort=(SortKey("id", "desc"),), offset=1, limit=2))
    assert page.total == 5
    assert page.rows.column("id").to_pylist() == [3, 2]
    assert run_query(table, TableRequest(offset=10, limit=2)).rows.num_rows == 0
    with pytest.raises(InvalidInputError, match="limit"):
        run_query(table, TableRequest(limit=5000))


def test_group_counts_and_number_stats(table: TypedTable) -> None:
    page = run_query(table, TableRequest(group_by="label", limit=10))
    assert page.rows.column("label").to_pylist() == ["cat", "cat", "dog", "dog", None]
    groups = page.groups
    assert groups is not None
    assert [(g["value"], g["count"]) for g in groups] == [("cat", 2), ("dog", 2), (None, 1)]
    dog = groups[1]["stats"]
    assert dog["score"] == {"min": 0.2, "max": 0.7, "mean": pytest.approx(0.45)}
    assert dog["id"] == {"min": 1, "max": 4, "mean": 2.5}
    assert math.isnan(groups[0]["stats"]["score"]["mean"])


def test_runs_stacked_and_joined() -> None:
    a = build_table(["id", "pred"], [[1, "cat"], [2, "dog"]])
    b = build_table(["id", "pred", "run"], [[2, 5, "x"], [3, 6, "y"]])
    stacked = stack([("ra", a), ("rb", b)])
    assert stacked.table.column_names == ["run", "id", "pred", "run (table)"]
    assert stacked.types["pred"] == "json"
    assert stacked.table.column("run").to_pylist() == ["ra", "ra", "rb", "rb"]
    assert stacked.table.column("pred").to_pylist() == ['"cat"', '"dog"', "5", "6"]
    joined = join_runs([("ra", a), ("rb", b)], "id")
    page = run_query(joined, TableRequest(sort=(SortKey("id"),)))
    assert page.rows.column_names == ["id", "ra/pred", "rb/pred", "rb/run"]
    assert page.rows.column("ra/pred").to_pylist() == ["cat", "dog", None]
    assert page.rows.column("rb/pred").to_pylist() == [None, 5, 6]
    assert joined.column_runs["rb/pred"] == "rb"
    with pytest.raises(InvalidInputError, match="run ra's table has no column 'pred2'"):
        join_runs([("ra", a)], "pred2")


def test_media_columns_sort_group_and_stack() -> None:
    other = {**IMG, "sha256": "b" * 64}
    table = build_table(["id", "img"], [[0, other], [1, IMG], [2, None], [3, IMG]])
    assert table.table.schema.field("img").type.value_type == pa.string()
    assert ids(table, sort=(SortKey("img"),)) == [1, 3, 0, 2]
    groups = run_query(table, TableRequest(group_by="img")).groups
    assert groups is not None
    assert [g["count"] for g in groups] == [2, 1, 1]
    plain = build_table(["id", "img"], [[9, "not media"]])
    stacked = stack([("a", table), ("b", plain)])
    assert stacked.types["img"] == "json"
    assert stacked.table.column("img").to_pylist()[-1] == '"not media"'


def test_a_page_selected_top_k_matches_the_full_sort() -> None:
    rows = [[i, i % 7, "NaN" if i % 11 == 0 else (i * 37) % 50] for i in range(400)]
    rows[5][2] = None
    table = build_table(["id", "g", "v"], rows)
    for sort in ((SortKey("v", "desc"),), (SortKey("g"), SortKey("v"))):
        full = ids(table, sort=sort)
        for offset in (0, 10, 30):
            page = run_query(table, TableRequest(sort=sort, offset=offset, limit=10))
            assert page.rows.column("id").to_pylist() == full[offset : offset + 10]
