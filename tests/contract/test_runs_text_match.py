"""$regex and $contains on SQLite and PostgreSQL: same answers, special characters, errors."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, insert

from cairn.errors import InvalidInputError
from cairn.server.query.expression import parse_expression
from cairn.server.query.runs import MAX_LIMIT, RunsQuery
from cairn.server.store.sql import kv
from cairn.server.store.sql.schema import runs
from tests.contract.test_runs_query import _insert_project

# id -> (name, group, tags, config)
RUNS: dict[str, tuple[str, str | None, list[str], dict[str, Any]]] = {
    "a": ("resnet-50", "vision", ["Baseline", "gpu"], {"arch": "ResNet", "lr": 0.1}),
    "b": ("ResNet-101", None, ["gpu"], {"arch": "resnext", "lr": 0.01}),
    "c": ("100% done_ok", "g_1", ["100%"], {"arch": "vit", "note": "a\\b"}),
    "d": ("1000 done ok", "g11", [], {"arch": "vit_b", "note": "a/b"}),
    "e": ("back\\slash", None, ["with space"], {"arch": 3}),
    "f": ("multi\nline", "vision", ["resnet-tag"], {"arch": "line1\nline2"}),
}


@pytest.fixture
def project(engine: Engine) -> tuple[Engine, int]:
    with engine.begin() as conn:
        project_pk = _insert_project(conn, "p")
        other = _insert_project(conn, "other")
        for i, (run_id, (name, group, tags, config)) in enumerate(RUNS.items()):
            for pk_of_project in (project_pk, other):  # a twin elsewhere must never leak in
                pk = conn.execute(
                    insert(runs).values(
                        project_pk=pk_of_project,
                        id=run_id,
                        name=name,
                        state="finished",
                        config=config,
                        summary={},
                        tags=tags,
                        group=group,
                        notes=f"note {run_id}",
                        created_at=float(i),
                        updated_at=0.0,
                        heartbeat_at=0.0,
                        console_lines=0,
                    )
                ).inserted_primary_key[0]
                kv.replace_kv(conn, pk, pk_of_project, "config", config)
                kv.sync_tags(conn, pk, pk_of_project, tags)
    return engine, project_pk


def ids(project: tuple[Engine, int], filters: Any) -> list[str]:
    """Matching ids from a page and, checked to agree, the count (which compiles differently)."""
    engine, project_pk = project
    query = RunsQuery(project_pk, filters, "+created_at")
    with engine.connect() as conn:
        found = [row.id for row in query.page(conn, limit=MAX_LIMIT).rows]
        assert query.count(conn) == len(found)
    return found


CASES: list[tuple[Any, list[str]]] = [
    ({"name": {"$contains": "resnet"}}, ["a", "b"]),  # case-insensitive
    ({"name": {"$contains": "RESNET-1"}}, ["b"]),
    ({"name": {"$contains": "%"}}, ["c"]),  # LIKE wildcards are plain characters
    ({"name": {"$contains": "_"}}, ["c"]),
    ({"name": {"$contains": "0% d"}}, ["c"]),
    ({"name": {"$contains": "\\"}}, ["e"]),
    ({"name": {"$contains": "k\\s"}}, ["e"]),
    ({"name": {"$contains": ""}}, ["a", "b", "c", "d", "e", "f"]),
    ({"name": {"$regex": "^res"}}, ["a"]),  # case-sensitive
    ({"name": {"$regex": "^res", "$options": "i"}}, ["a", "b"]),
    ({"name": {"$regex": "resn.t-\\d+$"}}, ["a"]),
    ({"name": {"$regex": "done.ok"}}, ["c", "d"]),
    ({"name": {"$regex": "multi.line"}}, ["f"]),  # . matches a newline on both
    ({"name": {"$regex": "^line"}}, []),  # ^ anchors at the start of the text only
    ({"name": {"$regex": "\\\\"}}, ["e"]),
    ({"name": {"$regex": "^\\d{3}%"}}, ["c"]),
    ({"name": {"$regex": "(?<=0)% d"}}, ["c"]),
    ({"name": {"$not": {"$regex": "^res", "$options": "i"}}}, ["c", "d", "e", "f"]),
    ({"group": {"$contains": "_"}}, ["c"]),
    ({"group": {"$regex": "^g1"}}, ["d"]),
    ({"$not": {"group": {"$regex": "^g"}}}, ["a", "b", "e", "f"]),  # missing: negation holds
    ({"id": {"$regex": "^[a-c]$"}}, ["a", "b", "c"]),
    ({"notes": {"$contains": "NOTE E"}}, ["e"]),
    ({"config.arch": {"$contains": "res"}}, ["a", "b"]),
    ({"config.arch": {"$regex": "^res"}}, ["b"]),  # a prefix range on the value index
    ({"config.arch": {"$regex": "^vit"}}, ["c", "d"]),
    ({"config.arch": {"$regex": "^vit_"}}, ["d"]),
    ({"config.arch": {"$regex": "^vit$"}}, ["c"]),
    ({"config.arch": {"$regex": "^3"}}, []),  # numbers are not text
    ({"config.arch": {"$regex": "^line2"}}, []),
    ({"config.note": {"$contains": "\\"}}, ["c"]),
    ({"config.note": {"$regex": "a/b"}}, ["d"]),
    ({"config.missing": {"$regex": ""}}, []),
    ({"tags": {"$contains": "GPU"}}, ["a", "b"]),
    ({"tags": {"$regex": "^Base"}}, ["a"]),
    ({"tags": {"$regex": "^base"}}, []),
    ({"tags": {"$regex": "^base", "$options": "i"}}, ["a"]),
    ({"tags": {"$contains": "%"}}, ["c"]),
    ({"tags": {"$regex": " "}}, ["e"]),
    ({"tags": {"$not": {"$contains": "gpu"}}}, ["c", "d", "e", "f"]),
    ({"$or": [{"tags": {"$regex": "^resnet"}}, {"name": {"$regex": "^res"}}]}, ["a", "f"]),
]


@pytest.mark.parametrize(("filters", "expected"), CASES)
def test_text_match(project: tuple[Engine, int], filters: Any, expected: list[str]) -> None:
    assert ids(project, filters) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('name ~ "^res"', ["a"]),
        ('name ~* "^res"', ["a", "b"]),
        ('name !~ "^res"', ["b", "c", "d", "e", "f"]),
        ('name !~* "^res"', ["c", "d", "e", "f"]),
        ("name contains resnet", ["a", "b"]),
        ('not name contains "resnet"', ["c", "d", "e", "f"]),
        ('group !~ "^g"', ["a", "f"]),  # present and not matching, like !=
        ("tags contains gpu and config.arch ~* net$", ["a"]),
    ],
)
def test_text_language(project: tuple[Engine, int], expression: str, expected: list[str]) -> None:
    assert ids(project, parse_expression(expression)) == expected


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"name": {"$regex": "("}}, "invalid regular expression '\\(': missing \\)"),
        ({"name": {"$regex": "a" * 257}}, "longer than 256"),
        ({"name": {"$contains": "a" * 257}}, "longer than 256"),
        ({"name": {"$regex": 3}}, "takes a string pattern"),
        ({"name": {"$contains": ["a"]}}, "takes a string"),
        ({"name": {"$regex": "\\bword"}}, "backspace in PostgreSQL"),
        ({"name": {"$regex": "(a+)+$"}}, "exponential time"),
        ({"name": {"$regex": "(?i)res"}}, "\\$options"),
        ({"name": {"$regex": "[[:digit:]]"}}, "POSIX classes"),
        ({"name": {"$regex": "a", "$options": "m"}}, '\\$options: takes "i"'),
        ({"name": {"$options": "i"}}, "\\$options goes with \\$regex"),
        ({"created_at": {"$regex": "1"}}, "holds numbers"),
    ],
)
def test_refused_patterns_are_400s(project: tuple[Engine, int], filters: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        ids(project, filters)
