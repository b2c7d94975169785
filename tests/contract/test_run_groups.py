# ruff: noqa: F811  (pytest fixtures imported from the runs-query contract suite)
"""Grouping runs on SQLite and PostgreSQL: every group's filter selects exactly its runs."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import Engine

from cairn.errors import InvalidInputError
from cairn.server.query.filters import parse_field, validate
from cairn.server.query.groups import parse_group_field, run_groups
from tests.contract.test_runs_query import RUNS, engine, ids, project  # noqa: F401

Project = tuple[Engine, int, dict[str, int]]


def _groups(project: Project, group_by: str, filters: Any = None, aggregate: tuple[str, ...] = ()):
    engine, project_pk, _ = project
    with engine.connect() as conn:
        return run_groups(
            conn,
            project_pk,
            validate(filters),
            parse_group_field(group_by),
            [parse_field(a) for a in aggregate],
        )


@pytest.mark.parametrize(
    "group_by", ["config.lr", "config.opt", "config.flag", "group", "state", "summary.acc"]
)
def test_each_group_filter_selects_exactly_its_runs(project: Project, group_by: str) -> None:
    engine, project_pk, _ = project
    groups, truncated = _groups(project, group_by)
    assert not truncated
    assert sum(g.count for g in groups) == len(RUNS)
    seen: list[str] = []
    for group in groups:
        members = ids(engine, project_pk, group.filter)
        assert len(members) == group.count, (group.value, group.filter)
        seen += members
    assert sorted(seen) == sorted(RUNS)


def test_values_counts_and_order(project: Project) -> None:
    groups, _ = _groups(project, "config.opt")
    assert Counter({g.value: g.count for g in groups}) == Counter(
        {"adam": 2, None: 4, "rmsprop": 1, "sgd": 1}
    )
    assert groups[0].count == max(g.count for g in groups)
    lr = {g.value: g.count for g in _groups(project, "config.lr")[0]}
    # 0.1, 0.01, "high", 1 (an integral number comes back as int); None: missing, null, a list
    assert lr == {0.1: 1, 0.01: 1, "high": 1, 1: 1, None: 4}
    assert isinstance(next(v for v in lr if v == 1 and not isinstance(v, float)), int)


def test_aggregates_cover_numbers_only(project: Project) -> None:
    groups, _ = _groups(project, "group", aggregate=("summary.acc",))
    by_value = {g.value: g for g in groups}
    g1 = by_value["g1"].aggregates["summary.acc"]
    assert g1.count == 2
    assert g1.mean == pytest.approx(0.7)
    assert (g1.min, g1.max) == (0.5, 0.9)
    g2 = by_value["g2"].aggregates["summary.acc"]  # "n/a" is text: no number to aggregate
    assert g2.count == 0
    assert g2.mean is None
    none = by_value[None].aggregates["summary.acc"]  # r3 missing, r4 bool, r5 NaN, r6 0.5, r7 inf
    assert none.count == 2
    assert none.max == float("inf")


def test_filter_applies_before_grouping(project: Project) -> None:
    groups, _ = _groups(project, "config.opt", filters={"config.flag": True})
    assert {g.value: g.count for g in groups} == {"adam": 1, None: 1}


def test_limit_reports_truncation(project: Project) -> None:
    engine, project_pk, _ = project
    with engine.connect() as conn:
        groups, truncated = run_groups(
            conn, project_pk, validate(None), parse_group_field("config.opt"), [], limit=2
        )
    assert len(groups) == 2
    assert truncated


def test_bad_group_fields_are_explained() -> None:
    with pytest.raises(InvalidInputError, match="cannot group by 'created_at'"):
        parse_group_field("created_at")
    with pytest.raises(InvalidInputError, match="unknown field"):
        parse_group_field("nonsense")
