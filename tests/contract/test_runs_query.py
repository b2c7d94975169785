"""The runs query on SQLite and PostgreSQL: filters, sorting, pages, cursors, the kv index."""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, select

from cairn.errors import InvalidInputError
from cairn.server.query.runs import MAX_LIMIT, RunsQuery
from cairn.server.store.sql import kv
from cairn.server.store.sql.schema import (
    VTYPE_BOOL,
    VTYPE_NUMBER,
    VTYPE_OTHER,
    VTYPE_TEXT,
    entities,
    metadata,
    projects,
    run_kv,
    runs,
)

# id -> (config, summary, tags, group)
RUNS: dict[str, tuple[dict[str, Any], dict[str, Any], list[str], str | None]] = {
    "r0": ({"lr": 0.1, "opt": "adam", "flag": True}, {"acc": 0.9}, ["a"], "g1"),
    "r1": ({"lr": 0.01, "opt": "sgd", "flag": False}, {"acc": 0.5}, ["a", "b"], "g1"),
    "r2": ({"lr": "high", "opt": "adam"}, {"acc": "n/a"}, [], "g2"),
    "r3": ({"opt": "rmsprop"}, {}, ["b"], None),
    "r4": ({"lr": 1, "flag": True}, {"acc": True}, [], None),
    "r5": ({"lr": None}, {"acc": float("nan")}, ["c"], None),
    "r6": ({"lr": [1, 2]}, {"acc": 0.5}, [], None),
    "r7": ({"model": {"depth": 3, "act": "relu"}}, {"acc": float("inf")}, ["x'); DROP"], None),
}


def _insert_project(conn: Connection, name: str) -> int:
    ent = conn.scalar(select(entities.c.pk).where(entities.c.name == "team"))
    if ent is None:
        ent = conn.execute(
            entities.insert().values(name="team", kind="team", created_at=0.0)
        ).inserted_primary_key[0]
    return int(
        conn.execute(
            projects.insert().values(
                entity_pk=ent,
                name=name,
                visibility="private",
                description="",
                created_at=0.0,
                updated_at=0.0,
            )
        ).inserted_primary_key[0]
    )


def _insert_run(
    conn: Connection,
    project_pk: int,
    run_id: str,
    config: dict[str, Any],
    summary: dict[str, Any],
    tags: list[str],
    group: str | None = None,
    created_at: float = 0.0,
) -> int:
    # JSON columns cannot hold NaN/inf portably; the kv index gets the real values.
    stored_summary = {k: v for k, v in summary.items() if not isinstance(v, float)}
    pk = conn.execute(
        runs.insert().values(
            project_pk=project_pk,
            id=run_id,
            name=f"name-{run_id}",
            state="finished" if run_id != "r3" else "running",
            config=config,
            summary=stored_summary,
            tags=tags,
            group=group,
            notes="",
            created_at=created_at,
            updated_at=created_at,
            heartbeat_at=created_at,
            console_lines=0,
        )
    ).inserted_primary_key[0]
    kv.replace_kv(conn, pk, project_pk, "config", config)
    kv.replace_kv(conn, pk, project_pk, "summary", summary)
    kv.sync_tags(conn, pk, project_pk, tags)
    return int(pk)


@pytest.fixture
def engine(engine: Engine) -> Engine:
    """The shared fixture's engine; creates the tables should its migrations not (yet) have."""
    metadata.create_all(engine)
    return engine


@pytest.fixture
def project(engine: Engine) -> tuple[Engine, int, dict[str, int]]:
    with engine.begin() as conn:
        project_pk = _insert_project(conn, "p")
        other = _insert_project(conn, "other")
        pks = {}
        for i, (run_id, (config, summary, tags, group)) in enumerate(RUNS.items()):
            pks[run_id] = _insert_run(
                conn, project_pk, run_id, config, summary, tags, group, created_at=100.0 + i
            )
            # A twin in another project must never leak into results.
            _insert_run(conn, other, run_id, config, summary, tags, group)
    return engine, project_pk, pks


def ids(
    engine: Engine, project_pk: int, filters: Any = None, order: str = "+created_at"
) -> list[str]:
    with engine.connect() as conn:
        page = RunsQuery(project_pk, filters, order).page(conn, limit=MAX_LIMIT)
    return [row.id for row in page.rows]


CASES: list[tuple[Any, list[str]]] = [
    ({"config.lr": 0.1}, ["r0"]),
    ({"config.lr": {"$eq": 1}}, ["r4"]),
    ({"config.lr": {"$ne": 0.1}}, ["r1", "r2", "r4", "r5", "r6"]),
    ({"config.lr": {"$gt": 0.01}}, ["r0", "r4"]),
    ({"config.lr": {"$gte": 0.01}}, ["r0", "r1", "r4"]),
    ({"config.lr": {"$lt": 0.1}}, ["r1"]),
    ({"config.lr": {"$lte": 0.1}}, ["r0", "r1"]),
    ({"config.lr": {"$gt": "a"}}, ["r2"]),
    ({"config.lr": {"$in": [0.1, "high", 7]}}, ["r0", "r2"]),
    ({"config.lr": {"$nin": [0.1, "high"]}}, ["r1", "r4", "r5", "r6"]),
    ({"config.lr": {"$in": []}}, []),
    ({"config.lr": {"$nin": []}}, ["r0", "r1", "r2", "r4", "r5", "r6"]),
    ({"config.lr": {"$exists": True}}, ["r0", "r1", "r2", "r4", "r5", "r6"]),
    ({"config.lr": {"$exists": False}}, ["r3", "r7"]),
    ({"$not": {"config.lr": {"$gt": 0.01}}}, ["r1", "r2", "r3", "r5", "r6", "r7"]),
    ({"config.lr": {"$not": {"$gt": 0.01}}}, ["r1", "r2", "r3", "r5", "r6", "r7"]),
    ({"config.opt": "adam"}, ["r0", "r2"]),
    ({"config.opt": {"$gt": "b"}}, ["r3", "r1"][::-1]),
    ({"config.flag": True}, ["r0", "r4"]),
    ({"config.flag": False}, ["r1"]),
    ({"config.flag": {"$gt": False}}, ["r0", "r4"]),
    ({"config.flag": 1}, []),  # bools are not numbers
    ({"config.lr": True}, []),
    ({"config.model.depth": {"$gte": 3}}, ["r7"]),
    ({"config.model": {"$exists": True}}, []),  # only leaves are indexed
    ({"summary.acc": {"$gt": 0.6}}, ["r0", "r7"]),
    ({"summary.acc": {"$exists": True}}, ["r0", "r1", "r2", "r4", "r5", "r6", "r7"]),
    ({"summary.acc": {"$lt": float("inf")}}, ["r0", "r1", "r6"]),
    ({"state": "running"}, ["r3"]),
    ({"state": {"$ne": "running"}}, ["r0", "r1", "r2", "r4", "r5", "r6", "r7"]),
    ({"name": {"$in": ["name-r1", "name-r2", 3]}}, ["r1", "r2"]),
    ({"id": {"$gte": "r6"}}, ["r6", "r7"]),
    ({"created_at": {"$gt": 105}}, ["r6", "r7"]),
    ({"created_at": {"$gt": "a"}}, []),
    ({"group": "g1"}, ["r0", "r1"]),
    ({"group": {"$ne": "g1"}}, ["r2"]),
    ({"group": {"$exists": False}}, ["r3", "r4", "r5", "r6", "r7"]),
    ({"group": {"$nin": ["g2"]}}, ["r0", "r1"]),
    ({"$not": {"group": "g1"}}, ["r2", "r3", "r4", "r5", "r6", "r7"]),
    ({"tags": "a"}, ["r0", "r1"]),
    ({"tags": {"$in": ["b", "c"]}}, ["r1", "r3", "r5"]),
    ({"tags": {"$nin": ["a", "b"]}}, ["r2", "r4", "r5", "r6", "r7"]),
    ({"tags": {"$ne": "a"}}, ["r2", "r3", "r4", "r5", "r6", "r7"]),
    ({"tags": {"$exists": True}}, ["r0", "r1", "r3", "r5", "r7"]),
    ({"tags": {"$exists": False}}, ["r2", "r4", "r6"]),
    ({"$or": [{"config.opt": "sgd"}, {"tags": "c"}]}, ["r1", "r5"]),
    ({"config.opt": "adam", "summary.acc": {"$gt": 0.1}}, ["r0"]),
    ({"$and": [{"config.opt": "adam"}, {"$not": {"tags": "a"}}]}, ["r2"]),
]


@pytest.mark.parametrize(("filters", "expected"), CASES)
def test_filters(
    project: tuple[Engine, int, dict[str, int]], filters: Any, expected: list[str]
) -> None:
    engine, project_pk, _ = project
    assert ids(engine, project_pk, filters) == sorted(expected)


def test_text_expression_tree_runs(project: tuple[Engine, int, dict[str, int]]) -> None:
    from cairn.server.query.expression import parse_expression

    engine, project_pk, _ = project
    tree = parse_expression("config.opt = adam and (tags in [a] or summary.acc = n/a)")
    assert ids(engine, project_pk, tree) == ["r0", "r2"]


def test_injection_is_just_a_string(project: tuple[Engine, int, dict[str, int]]) -> None:
    engine, project_pk, _ = project
    evil = "x'); DROP TABLE runs; --"
    assert ids(engine, project_pk, {"name": evil}) == []
    assert ids(engine, project_pk, {"config.opt": {"$in": [evil]}}) == []
    assert ids(engine, project_pk, {"tags": "x'); DROP"}) == ["r7"]
    assert ids(engine, project_pk, {"config.x'); DROP TABLE runs; --": 1}) == []
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(runs)) == 2 * len(RUNS)


def test_sort_descending_numbers_text_bools_then_missing(
    project: tuple[Engine, int, dict[str, int]],
) -> None:
    engine, project_pk, _ = project
    # inf, 0.9, 0.5 (pk tiebreak r6 > r1), text, bool, then missing/NaN by pk.
    assert ids(engine, project_pk, order="-summary.acc") == [
        "r7", "r0", "r6", "r1", "r2", "r4", "r5", "r3",
    ]  # fmt: skip


def test_sort_ascending_keeps_missing_last(project: tuple[Engine, int, dict[str, int]]) -> None:
    engine, project_pk, _ = project
    assert ids(engine, project_pk, order="summary.acc") == [
        "r1", "r6", "r0", "r7", "r2", "r4", "r3", "r5",
    ]  # fmt: skip
    assert ids(engine, project_pk, order="+config.lr") == [
        "r1", "r0", "r4", "r2", "r3", "r5", "r6", "r7",
    ]  # fmt: skip


def test_sort_by_columns(project: tuple[Engine, int, dict[str, int]]) -> None:
    engine, project_pk, _ = project
    assert ids(engine, project_pk, order="-created_at") == [f"r{i}" for i in range(7, -1, -1)]
    assert ids(engine, project_pk, order="-group") == [
        "r2",
        "r1",
        "r0",
        "r7",
        "r6",
        "r5",
        "r4",
        "r3",
    ]
    assert ids(engine, project_pk, order="group") == [
        "r0",
        "r1",
        "r2",
        "r3",
        "r4",
        "r5",
        "r6",
        "r7",
    ]
    with engine.connect() as conn:
        assert len(RunsQuery(project_pk).page(conn).rows) == len(RUNS)  # default order
    with pytest.raises(InvalidInputError, match="tags"):
        RunsQuery(project_pk, order="tags")
    with pytest.raises(InvalidInputError, match="unknown field"):
        RunsQuery(project_pk, order="-nope")


def _walk(conn: Connection, query: RunsQuery, limit: int) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(100):
        page = query.page(conn, limit=limit, cursor=cursor)
        assert len(page.rows) <= limit
        seen += [row.id for row in page.rows]
        if page.next_cursor is None:
            return seen
        assert len(page.rows) == limit
        cursor = page.next_cursor
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("order", ["-summary.acc", "summary.acc", "config.lr", "-group", "name"])
@pytest.mark.parametrize("limit", [1, 2, 3, 7, 8, 50])
def test_keyset_pages_return_every_run_once(
    project: tuple[Engine, int, dict[str, int]], order: str, limit: int
) -> None:
    engine, project_pk, _ = project
    with engine.connect() as conn:
        full = [r.id for r in RunsQuery(project_pk, None, order).page(conn, limit=100).rows]
        assert sorted(full) == sorted(RUNS)
        assert _walk(conn, RunsQuery(project_pk, None, order), limit) == full
        filtered = RunsQuery(project_pk, {"config.lr": {"$exists": True}}, order)
        assert sorted(_walk(conn, filtered, limit)) == ["r0", "r1", "r2", "r4", "r5", "r6"]


def test_pages_of_many_runs_with_ties(engine: Engine) -> None:
    with engine.begin() as conn:
        project_pk = _insert_project(conn, "many")
        for i in range(120):
            summary: dict[str, Any] = {"acc": i % 5} if i % 7 else {}
            if i % 11 == 0:
                summary = {"acc": f"t{i % 3}"}
            _insert_run(conn, project_pk, f"m{i:03d}", {"opt": "adam"}, summary, [])
    with engine.connect() as conn:
        for order in ("-summary.acc", "summary.acc"):
            query = RunsQuery(project_pk, {"config.opt": "adam"}, order)
            walked = _walk(conn, query, 13)
            assert len(walked) == 120
            assert len(set(walked)) == 120
            assert walked == [r.id for r in query.page(conn, limit=1000).rows]
            window = query.window(conn, offset=40, limit=30)
            assert window.total == 120
            assert [r.id for r in window.rows] == walked[40:70]


@pytest.mark.parametrize("offset", [0, 3, 4, 5, 6, 7, 8, 20])
def test_offset_window_and_total(project: tuple[Engine, int, dict[str, int]], offset: int) -> None:
    engine, project_pk, _ = project
    with engine.connect() as conn:
        query = RunsQuery(project_pk, None, "-summary.acc")
        full = [r.id for r in query.page(conn, limit=100).rows]
        window = query.window(conn, offset=offset, limit=3)
        assert window.total == len(RUNS)
        assert [r.id for r in window.rows] == full[offset : offset + 3]
        filtered = RunsQuery(project_pk, {"tags": {"$in": ["a", "b"]}}, "-summary.acc")
        assert filtered.window(conn, offset=0, limit=10).total == 3
        assert filtered.count(conn) == 3
        with pytest.raises(InvalidInputError):
            query.window(conn, offset=-1)


def test_limits(project: tuple[Engine, int, dict[str, int]]) -> None:
    engine, project_pk, _ = project
    with engine.connect() as conn:
        query = RunsQuery(project_pk)
        for bad in (0, -1, True, 1.5):
            with pytest.raises(InvalidInputError, match="limit"):
                query.page(conn, limit=bad)  # type: ignore[arg-type]
        assert len(query.page(conn, limit=10**9).rows) == len(RUNS)  # capped, not refused


def _tamper(cursor: str) -> list[str]:
    token, digest = cursor.split(".")
    body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    body["k"] = body["k"] + 1
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
    flipped = digest[:-1] + ("0" if digest[-1] != "0" else "1")
    return [
        f"{forged}.{digest}",
        f"{token}.{flipped}",
        cursor[:-3],
        "not-a-cursor",
        "",
        "a.b.c",
        "!!!.abc",
        cursor + "x",
    ]


def test_tampered_cursors_are_refused(project: tuple[Engine, int, dict[str, int]]) -> None:
    engine, project_pk, _ = project
    with engine.connect() as conn:
        query = RunsQuery(project_pk, None, "-summary.acc")
        cursor = query.page(conn, limit=2).next_cursor
        assert cursor is not None
        for bad in _tamper(cursor):
            with pytest.raises(InvalidInputError, match="cursor"):
                query.page(conn, limit=2, cursor=bad or "x")
        with pytest.raises(InvalidInputError, match="sorted by"):
            RunsQuery(project_pk, None, "summary.acc").page(conn, cursor=cursor)


def _kv_rows(conn: Connection, run_pk: int) -> dict[str, tuple[int, Any, Any]]:
    rows = conn.execute(
        select(run_kv.c.key, run_kv.c.vtype, run_kv.c.num, run_kv.c.text).where(
            run_kv.c.run_pk == run_pk
        )
    )
    return {r.key: (r.vtype, r.num, r.text) for r in rows}


def test_kv_rows_and_sync(engine: Engine) -> None:
    with engine.begin() as conn:
        project_pk = _insert_project(conn, "kv")
        pk = _insert_run(
            conn,
            project_pk,
            "k1",
            {"a": 1, "b": {"c": "x" * 600, "d": True}, "e": [1], "f": None, "g": {}},
            {"nan": float("nan"), "inf": float("-inf")},
            ["t1", "t1", "t2"],
        )
        rows = _kv_rows(conn, pk)
        assert rows["config.a"] == (VTYPE_NUMBER, 1.0, None)
        assert rows["config.b.c"] == (VTYPE_TEXT, None, "x" * kv.TEXT_MAX)
        assert rows["config.b.d"] == (VTYPE_BOOL, 1.0, None)
        assert rows["config.e"][0] == rows["config.f"][0] == rows["config.g"][0] == VTYPE_OTHER
        assert rows["summary.nan"] == (VTYPE_OTHER, None, None)
        assert rows["summary.inf"][1] == -math.inf
        assert {k for k in rows if k.startswith("tags:")} == {"tags:t1", "tags:t2"}

        kv.sync_kv(conn, pk, project_pk, "config", {"b": 5, "a": {"x": 1}}, ["e", "missing"])
        rows = _kv_rows(conn, pk)
        assert rows["config.b"] == (VTYPE_NUMBER, 5.0, None)
        assert "config.b.c" not in rows
        assert "config.a" not in rows
        assert rows["config.a.x"] == (VTYPE_NUMBER, 1.0, None)
        assert "config.e" not in rows
        kv.sync_kv(conn, pk, project_pk, "config", {"b": "now text"})
        assert _kv_rows(conn, pk)["config.b"] == (VTYPE_TEXT, None, "now text")

        kv.replace_kv(conn, pk, project_pk, "summary", {"acc": 0.5})
        kv.sync_tags(conn, pk, project_pk, ["t3"])
        rows = _kv_rows(conn, pk)
        assert {k for k in rows if not k.startswith("config.")} == {"summary.acc", "tags:t3"}
    long_text = {"config.b": "x" * 700}
    assert ids(engine, project_pk, long_text) == []
    with engine.begin() as conn:
        kv.sync_kv(conn, pk, project_pk, "config", {"b": "x" * 700})
    assert ids(engine, project_pk, long_text) == ["k1"]  # compared on the first 512 characters


def test_flatten() -> None:
    assert kv.flatten("config", {"a": {"b": {"c": 1}}, "d": {}, "e": 2}) == {
        "config.a.b.c": 1,
        "config.d": {},
        "config.e": 2,
    }
    with pytest.raises(ValueError, match="prefix"):
        kv.replace_kv(None, 1, 1, "other", {})  # type: ignore[arg-type]
