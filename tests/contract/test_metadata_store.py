"""The MetadataStore contract, through the interface only, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import math
import os
import threading
from typing import Any

import pytest

from cairn.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    OffsetGapError,
    PermissionDeniedError,
)
from cairn.server.auth.principal import ANONYMOUS, OPEN_PRINCIPAL, Principal
from cairn.server.query.filters import parse_field, validate
from cairn.server.store.metadata import MetadataStore
from cairn.wire import Batch, ColumnBlockBuilder

SHA = "ab" * 32


def batch(
    records: list[Any],
    *,
    first: int = 0,
    stream: bytes = b"s" * 16,
    run_id: str = "run00001",
    entity: str = "team",
    project: str = "proj",
) -> Batch:
    return Batch(entity, project, run_id, stream, first, records)


def history(rows: list[tuple[int, dict[str, float]]]) -> list[Any]:
    builder = ColumnBlockBuilder()
    for step, values in rows:
        builder.add_row(step, 1000.0 + step, values)
    return ["history", builder.build()]


def run_record(**fields: Any) -> list[Any]:
    return ["run", {"created_at": 1000.0, **fields}]


def user(meta: MetadataStore, name: str, *, admin: bool = False) -> Principal:
    pk = meta.create_user(name, "password-123", is_admin=admin)
    return Principal(via="api_key", user_pk=pk, username=name, is_admin=admin)


def seed_run(meta: MetadataStore, run_id: str = "run00001", **fields: Any) -> None:
    meta.apply_batch(
        batch([run_record(**fields)], run_id=run_id, stream=os.urandom(16)), OPEN_PRINCIPAL
    )


# accounts


def test_users_passwords_and_sessions(meta: MetadataStore) -> None:
    pk = meta.create_user("ada", "password-123", is_admin=True)
    assert meta.count_admins() == 1
    with pytest.raises(ConflictError):
        meta.create_user("ada", "password-456")
    with pytest.raises(InvalidInputError, match="at least"):
        meta.create_user("bob", "short")
    who = meta.check_password("ada", "password-123")
    assert who is not None
    assert who.user_pk == pk
    assert who.is_admin
    assert meta.check_password("ada", "wrong-password") is None
    assert meta.check_password("nobody", "password-123") is None
    token, csrf = meta.open_session(pk)
    session = meta.session_principal(token)
    assert session is not None
    assert session.username == "ada"
    assert session.csrf_token == csrf
    meta.set_password("ada", "new-password-1")
    assert meta.session_principal(token) is None  # a new password ends every session
    assert meta.check_password("ada", "new-password-1") is not None
    token, _ = meta.open_session(pk)
    meta.close_session(token)
    meta.close_session(token)  # twice is fine
    assert meta.session_principal(token) is None
    with pytest.raises(NotFoundError):
        meta.set_password("nobody", "password-123")


def test_api_keys_are_shown_once_and_revocable(meta: MetadataStore) -> None:
    pk = meta.create_user("ada", "password-123")
    key, entry = meta.create_api_key(pk, "laptop")
    listed = meta.list_api_keys(pk)
    assert [k["name"] for k in listed] == ["laptop"]
    assert key not in repr(listed)
    who = meta.api_key_principal(key)
    assert who is not None
    assert who.user_pk == pk
    assert meta.api_key_principal(key + "x") is None
    meta.delete_api_key(pk, entry["id"])
    assert meta.api_key_principal(key) is None
    with pytest.raises(NotFoundError):
        meta.delete_api_key(pk, entry["id"])


# access


def test_roles_from_ownership_teams_membership_and_visibility(meta: MetadataStore) -> None:
    ada, bob, eve = user(meta, "ada"), user(meta, "bob"), user(meta, "eve")
    meta.create_team("lab", ada.user_pk)
    meta.set_team_member("lab", "bob", "viewer")
    assert meta.entity_role(ada, "lab") == "admin"
    assert meta.entity_role(bob, "lab") == "viewer"
    assert meta.entity_role(eve, "lab") is None
    assert meta.entity_role(ada, "ada") == "admin"
    with pytest.raises(ConflictError):
        meta.create_team("lab", None)
    with pytest.raises(NotFoundError):
        meta.set_team_member("lab", "nobody", "member")

    meta.authorize_write(ada, "lab", "p")  # may create projects in a team she admins
    with pytest.raises(PermissionDeniedError):
        meta.authorize_write(bob, "lab", "p")  # a viewer may not
    with pytest.raises(AuthenticationError):
        meta.authorize_write(ANONYMOUS, "lab", "p")
    meta.apply_batch(batch([run_record()], entity="lab", project="p"), ada)

    project = meta.resolve_project(ada, "lab", "p", "admin")
    meta.update_project(project.pk, visibility="private")
    with pytest.raises(NotFoundError):  # private to a team viewer: as if absent
        meta.resolve_project(bob, "lab", "p", "viewer")
    with pytest.raises(AuthenticationError):
        meta.resolve_project(ANONYMOUS, "lab", "p", "viewer")
    meta.update_project(project.pk, visibility="team")
    assert meta.resolve_project(bob, "lab", "p", "viewer").name == "p"
    with pytest.raises(PermissionDeniedError, match="viewer"):
        meta.resolve_project(bob, "lab", "p", "member")
    meta.set_project_member(project.pk, "eve", "member")
    assert meta.resolve_run(eve, "lab", "p", "run00001", "member").id == "run00001"
    meta.update_project(project.pk, visibility="public")
    assert meta.resolve_project(ANONYMOUS, "lab", "p", "viewer").visibility == "public"
    with pytest.raises(AuthenticationError):
        meta.resolve_project(ANONYMOUS, "lab", "p", "member")


def test_resolve_runs_checks_each_project_and_keeps_order(meta: MetadataStore) -> None:
    seed_run(meta, "aaaa0001")
    seed_run(meta, "aaaa0002")
    paths = ["team/proj/aaaa0002", "team/proj/aaaa0001", "team/proj/aaaa0002"]
    assert [r.id for r in meta.resolve_runs(OPEN_PRINCIPAL, paths, "viewer")] == [
        "aaaa0002",
        "aaaa0001",
    ]
    with pytest.raises(InvalidInputError, match="entity/project/run_id"):
        meta.resolve_runs(OPEN_PRINCIPAL, ["team/proj"], "viewer")
    with pytest.raises(NotFoundError):
        meta.resolve_runs(OPEN_PRINCIPAL, ["team/proj/zzzz9999"], "viewer")
    outsider = user(meta, "eve")
    with pytest.raises(NotFoundError):
        meta.resolve_runs(outsider, ["team/proj/aaaa0001"], "viewer")


# projects


def test_projects_list_search_edit_and_delete(meta: MetadataStore) -> None:
    for name in ("alpha", "beta_1", "betax2"):
        meta.apply_batch(batch([run_record()], project=name), OPEN_PRINCIPAL)
    page, total = meta.list_projects(OPEN_PRINCIPAL, None, None, 0, 10)
    assert total == 3
    assert {p.name for p in page} == {"alpha", "beta_1", "betax2"}
    assert all(p.run_count == 1 for p in page)
    page, total = meta.list_projects(OPEN_PRINCIPAL, "team", "A_", 0, 10)
    assert (total, [p.name for p in page]) == (1, ["beta_1"])  # '_' is literal, not any char
    assert meta.list_projects(OPEN_PRINCIPAL, "team", "%", 0, 10) == ([], 0)
    page, total = meta.list_projects(OPEN_PRINCIPAL, None, None, 1, 1)
    assert total == 3
    assert len(page) == 1
    assert meta.list_projects(ANONYMOUS, None, None, 0, 10) == ([], 0)

    alpha = meta.resolve_project(OPEN_PRINCIPAL, "team", "alpha", "viewer")
    renamed = meta.update_project(alpha.pk, name="gamma", description="d")
    assert (renamed.name, renamed.description, renamed.run_count) == ("gamma", "d", 1)
    with pytest.raises(ConflictError):
        meta.update_project(alpha.pk, name="beta_1")
    with pytest.raises(InvalidInputError):
        meta.update_project(alpha.pk, visibility="everyone")
    meta.delete_project(alpha.pk)
    with pytest.raises(NotFoundError):
        meta.resolve_project(OPEN_PRINCIPAL, "team", "gamma", "viewer")
    with pytest.raises(NotFoundError):
        meta.resolve_run(OPEN_PRINCIPAL, "team", "gamma", "run00001", "viewer")


def test_workspace_and_project_keys(meta: MetadataStore) -> None:
    meta.apply_batch(
        batch(
            [
                run_record(config={"lr": 0.1, "model": {"depth": 3}}),
                history([(0, {"loss": 1.0})]),
                ["summary", {"set": {"acc": 0.5}}],
            ]
        ),
        OPEN_PRINCIPAL,
    )
    project = meta.resolve_project(OPEN_PRINCIPAL, "team", "proj", "viewer")
    ada, bob = user(meta, "ada"), user(meta, "bob")
    assert meta.get_workspace(project.pk, None) is None
    assert meta.get_workspace(project.pk, ada.user_pk) is None
    meta.save_default_workspace(project.pk, {"panels": [1]}, 5.0, "ada")
    meta.save_default_workspace(project.pk, {"panels": [2]}, 6.0, None)
    default = meta.get_workspace(project.pk, None)
    assert default is not None
    assert (default.layout, default.updated_at, default.source) == ({"panels": [2]}, 6.0, "project")
    assert ada.user_pk is not None
    assert bob.user_pk is not None
    meta.save_workspace(project.pk, ada.user_pk, {"panels": ["ada"]}, 7.0)
    own = meta.get_workspace(project.pk, ada.user_pk)
    assert own is not None
    assert (own.layout, own.source) == ({"panels": ["ada"]}, "user")
    others = meta.get_workspace(project.pk, bob.user_pk)
    assert others is not None
    assert (others.layout, others.source) == ({"panels": [2]}, "project")
    meta.forget_workspace(project.pk, ada.user_pk)
    again = meta.get_workspace(project.pk, ada.user_pk)
    assert again is not None
    assert again.source == "project"
    keys = meta.project_keys(project.pk)
    assert ("lr", 1) in keys.config
    assert ("model.depth", 1) in keys.config
    assert keys.summary == [("acc", 1)]
    assert ("loss", "history", 1) in keys.metrics


# runs and ingest


def test_apply_batch_is_exactly_once_and_reports_gaps(meta: MetadataStore) -> None:
    rows = [history([(i, {"loss": float(i)})]) for i in range(4)]
    first = meta.apply_batch(batch([run_record(), *rows[:2]]), OPEN_PRINCIPAL)
    assert (first.next_offset, first.applied, first.skipped) == (3, 3, 0)
    again = meta.apply_batch(batch([run_record(), *rows[:2]]), OPEN_PRINCIPAL)
    assert (again.next_offset, again.applied, again.skipped) == (3, 0, 3)
    overlap = meta.apply_batch(batch(rows[1:], first=2), OPEN_PRINCIPAL)
    assert (overlap.next_offset, overlap.applied, overlap.skipped) == (5, 2, 1)
    with pytest.raises(OffsetGapError) as gap:
        meta.apply_batch(batch(rows, first=9), OPEN_PRINCIPAL)
    assert gap.value.expected_offset == 5
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    points = meta.read_points(run.pk, "loss", 0, 100)
    assert points.steps.tolist() == [0, 1, 2, 3]
    assert points.values.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_a_bad_record_is_set_aside_and_the_rest_apply(meta: MetadataStore) -> None:
    result = meta.apply_batch(
        batch([run_record(), ["console", {"stream": "tty"}], history([(0, {"x": 1.0})])]),
        OPEN_PRINCIPAL,
    )
    assert (result.applied, len(result.rejected)) == (2, 1)
    assert result.rejected[0]["offset"] == 1
    assert "stream" in result.rejected[0]["error"]
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    assert [s.key for s in meta.list_series(run.pk)] == ["x"]


def test_concurrent_batches_of_one_stream_apply_once(meta: MetadataStore) -> None:
    seed_run(meta)
    stream = os.urandom(16)
    records = [history([(i, {"v": float(i)})]) for i in range(20)]
    errors: list[BaseException] = []

    def send() -> None:
        try:
            meta.apply_batch(batch(records, stream=stream), OPEN_PRINCIPAL)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    assert meta.read_points(run.pk, "v", 0, 100).steps.tolist() == list(range(20))


def test_console_files_values_and_windows(meta: MetadataStore) -> None:
    assert meta.touch_blob(SHA, 3, lambda: True)
    meta.apply_batch(
        batch(
            [
                run_record(),
                ["console", {"stream": "stdout", "lines": ["a", "b", "c"], "time": 1.0}],
                ["console", {"stream": "stderr", "lines": ["d"], "time": 2.0}],
                ["file", {"path": "out/model.txt", "sha256": SHA, "size": 3}],
                ["values", {"step": 2, "time": 3.0, "values": {"note": "two"}}],
                ["values", {"step": 1, "time": 4.0, "values": {"note": "one"}}],
                history([(i, {"loss": float(i), "acc": math.nan}) for i in range(3000)]),
            ]
        ),
        OPEN_PRINCIPAL,
    )
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    lines, total = meta.read_console(run.pk, 1, 2)
    assert total == 4
    assert [(line.line, line.stream, line.text) for line in lines] == [
        (1, "stdout", "b"),
        (2, "stdout", "c"),
    ]
    assert [(f.path, f.sha256, f.size) for f in meta.list_files(run.pk)] == [
        ("out/model.txt", SHA, 3)
    ]
    assert meta.file_sha256(run.pk, "out/model.txt") == SHA
    assert meta.file_sha256(run.pk, "missing.txt") is None
    assert [(v.step, v.value) for v in meta.read_values(run.pk, "note", 0, 10)] == [
        (1, "one"),
        (2, "two"),
    ]
    assert [v.value for v in meta.read_values(run.pk, "note", 1, 10)] == ["two"]
    coarse, exact, missing = meta.read_windows(
        [
            (run.pk, "loss", "step", None, None),
            (run.pk, "loss", "step", 10.0, 19.0),
            (run.pk, "nope", "step", None, None),
        ],
        100,
    )
    assert coarse is not None
    assert coarse.mode == "buckets"
    assert coarse.total == 3000
    assert exact is not None
    assert exact.mode == "exact"
    assert exact.x.tolist() == list(range(10, 20))
    assert missing is None
    with pytest.raises(NotFoundError):
        meta.read_points(run.pk, "nope", 0, 10)


def test_query_group_edit_move_and_delete_runs(meta: MetadataStore) -> None:
    for i, opt in enumerate(["adam", "sgd", "adam"]):
        meta.apply_batch(
            batch(
                [run_record(config={"opt": opt}), ["summary", {"set": {"acc": i / 10}}]],
                run_id=f"run0000{i}",
                stream=os.urandom(16),
            ),
            OPEN_PRINCIPAL,
        )
    project = meta.resolve_project(OPEN_PRINCIPAL, "team", "proj", "viewer")
    page = meta.query_runs(project, {"config.opt": "adam"}, "-summary.acc", limit=1)
    assert [r.id for r in page.runs] == ["run00002"]
    assert page.next_cursor is not None
    rest = meta.query_runs(
        project, {"config.opt": "adam"}, "-summary.acc", limit=1, cursor=page.next_cursor
    )
    assert [r.id for r in rest.runs] == ["run00000"]
    window = meta.query_runs(project, None, "summary.acc", limit=2, offset=1)
    assert window.total == 3
    assert [r.id for r in window.runs] == ["run00001", "run00002"]
    with pytest.raises(InvalidInputError):
        meta.query_runs(project, {"config.opt": {"$bogus": 1}}, None, limit=5)
    with pytest.raises(InvalidInputError):
        meta.query_runs(project, None, None, limit=5, cursor="x", offset=0)
    groups, truncated = meta.group_runs(
        project.pk, validate(None), parse_field("config.opt"), [parse_field("summary.acc")], 10
    )
    assert not truncated
    assert [(g.value, g.count) for g in groups] == [("adam", 2), ("sgd", 1)]

    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00000", "viewer")
    edited = meta.update_run(run, {"name": "renamed", "tags": ["a", "a", "b"], "notes": "n"})
    assert (edited.name, edited.tags, edited.notes) == ("renamed", ["a", "b"], "n")
    with pytest.raises(InvalidInputError):
        meta.update_run(run, {"state": "paused"})  # not a state a run can be ended with
    with pytest.raises(InvalidInputError):
        meta.update_run(run, {"exit_code": 1})  # only together with the state
    with pytest.raises(InvalidInputError):
        meta.update_run(run, {"config": {}})
    moved = meta.update_run(edited, {}, move_to="other")
    assert (moved.project, moved.name) == ("other", "renamed")
    assert meta.query_runs(project, {"tags": {"$in": ["a"]}}, None, limit=5).runs == []
    seed_run(meta, "run00001")  # already exists in proj: moving it to other is fine
    meta.apply_batch(
        batch([run_record()], project="other", run_id="run00001", stream=os.urandom(16)),
        OPEN_PRINCIPAL,
    )
    clash = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    with pytest.raises(ConflictError):
        meta.update_run(clash, {}, move_to="other")
    meta.delete_run(clash.pk)
    with pytest.raises(NotFoundError):
        meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")


# housekeeping


def test_crashed_runs_are_marked_once(meta: MetadataStore) -> None:
    seed_run(meta)
    assert meta.mark_crashed_runs(60.0) == 0
    assert meta.mark_crashed_runs(60.0, now=1e12) == 1
    assert meta.mark_crashed_runs(60.0, now=1e12) == 0
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    assert run.state == "crashed"


def test_only_one_holder_gets_a_live_lease(meta: MetadataStore) -> None:
    assert meta.try_acquire_lease("job", "a", 60)
    assert not meta.try_acquire_lease("job", "b", 60)
    assert meta.try_acquire_lease("job", "a", 60)  # renewal
    assert meta.try_acquire_lease("job", "b", -1) is False
    assert meta.try_acquire_lease("other", "b", 60)


def test_an_expired_lease_can_be_taken_over(meta: MetadataStore) -> None:
    assert meta.try_acquire_lease("job", "a", -1)  # taken, and already expired
    assert meta.try_acquire_lease("job", "b", 60)
    assert not meta.try_acquire_lease("job", "a", 60)


def test_racing_lease_holders_never_both_win(meta: MetadataStore) -> None:
    for round_ in range(5):
        winners: list[str] = []
        lock = threading.Lock()

        def take(holder: str, name: str, lock: threading.Lock, winners: list[str]) -> None:
            if meta.try_acquire_lease(name, holder, 60):
                with lock:
                    winners.append(holder)

        threads = [
            threading.Thread(target=take, args=(f"h{i}", f"job{round_}", lock, winners))
            for i in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(winners) == 1


def test_project_role_is_the_strongest_grant(meta: MetadataStore) -> None:
    ada, bob = user(meta, "ada"), user(meta, "bob")
    meta.create_team("lab", ada.user_pk)
    meta.set_team_member("lab", "bob", "member")
    meta.apply_batch(batch([run_record()], entity="lab", project="p"), ada)
    project = meta.resolve_project(ada, "lab", "p", "viewer")
    assert meta.project_role(ada, project) == "admin"
    assert meta.project_role(OPEN_PRINCIPAL, project) == "admin"
    assert meta.project_role(bob, project) is None  # private: a team member sees it only as admin
    project = meta.update_project(project.pk, visibility="team")
    assert meta.project_role(bob, project) == "member"
    meta.set_project_member(project.pk, "bob", "admin")
    assert meta.project_role(bob, project) == "admin"
    project = meta.update_project(project.pk, visibility="public")
    assert meta.project_role(ANONYMOUS, project) == "viewer"


def test_named_views(meta: MetadataStore) -> None:
    seed_run(meta)
    project = meta.resolve_project(OPEN_PRINCIPAL, "team", "proj", "viewer")
    assert meta.list_views(project.pk) == []
    loss = meta.create_view(project.pk, "  loss curves ", {"panels": ["loss"]}, "ada")
    assert (loss.name, loss.layout, loss.created_by) == ("loss curves", {"panels": ["loss"]}, "ada")
    assert len(loss.id) == 8
    acc = meta.create_view(project.pk, "accuracy", {"panels": ["acc"]}, None)
    assert [(v.name, v.layout) for v in meta.list_views(project.pk)] == [
        ("accuracy", None),
        ("loss curves", None),
    ]
    with pytest.raises(ConflictError):
        meta.create_view(project.pk, "accuracy", {}, None)
    with pytest.raises(InvalidInputError):
        meta.create_view(project.pk, "   ", {}, None)
    with pytest.raises(ConflictError):
        meta.update_view(project.pk, acc.id, "loss curves", None)
    renamed = meta.update_view(project.pk, acc.id, "acc", {"panels": ["acc", "f1"]})
    assert (renamed.name, renamed.layout) == ("acc", {"panels": ["acc", "f1"]})
    assert meta.get_view(project.pk, acc.id).layout == {"panels": ["acc", "f1"]}
    same_name = meta.update_view(project.pk, acc.id, "acc", None)  # its own name is not taken
    assert same_name.layout == {"panels": ["acc", "f1"]}
    meta.delete_view(project.pk, loss.id)
    with pytest.raises(NotFoundError):
        meta.get_view(project.pk, loss.id)
    with pytest.raises(NotFoundError):
        meta.delete_view(project.pk, loss.id)
    with pytest.raises(NotFoundError):
        meta.update_view(project.pk, "nope0000", "x", None)
