"""The registry and automation store parts on SQLite and PostgreSQL: models, links (one
registry version per artifact version), atomic alias moves, the audit trail, sources hidden
from callers who cannot read them, and automation events emitted with the changes that cause
them (registry, artifact ingest, summary thresholds), and the delivery log's retries."""

from __future__ import annotations

import os

import pytest

from cairn.errors import ConflictError, InvalidInputError, NotFoundError
from cairn.server.auth.principal import OPEN_PRINCIPAL
from cairn.server.store.automations import Outcome
from cairn.server.store.metadata import MetadataStore
from cairn.wire.records import summary_record
from tests.contract.test_artifact_store import files, log, logged, project_pk, stored
from tests.contract.test_metadata_store import batch, user


def artifact_pk(meta: MetadataStore, name: str, ver: str) -> int:
    return meta.get_version(project_pk(meta), name, ver).pk


def two_versions(meta: MetadataStore) -> tuple[int, int]:
    stored(meta, "w0", "w1")
    logged(log(meta, "net", files(w="w0"), type_="model"))
    logged(log(meta, "net", files(w="w1"), type_="model"))
    return artifact_pk(meta, "net", "v0"), artifact_pk(meta, "net", "v1")


def test_models_create_edit_list_delete(meta: MetadataStore) -> None:
    two_versions(meta)  # creates the entity "team"
    model = meta.create_registered_model(
        "team", "classifier", description="cats", tags=["vision", "vision"], actor="ada"
    )
    assert (model.path, model.tags, model.versions, model.aliases) == (
        "team/classifier", ["vision"], 0, {}
    )  # fmt: skip
    with pytest.raises(ConflictError):
        meta.create_registered_model("team", "classifier")
    with pytest.raises(InvalidInputError):
        meta.create_registered_model("team", "bad/name")
    with pytest.raises(NotFoundError):
        meta.create_registered_model("nobody", "m")
    meta.create_registered_model("team", "Detector")
    meta.create_registered_model("team", "ranker")
    assert [m.name for m in meta.list_registered_models("team")] == sorted(
        ["Detector", "classifier", "ranker"]
    )
    assert [m.name for m in meta.list_registered_models("team", search="ANK")] == ["ranker"]
    page = meta.list_registered_models("team", limit=1)
    assert [m.name for m in meta.list_registered_models("team", after=page[0].name)] == sorted(
        ["classifier", "ranker"]
    )
    edited = meta.update_registered_model(
        "team", "classifier", {"description": "cats and dogs", "tags": ["x"]}, actor="bob"
    )
    assert (edited.description, edited.tags) == ("cats and dogs", ["x"])
    with pytest.raises(InvalidInputError):
        meta.update_registered_model("team", "classifier", {"name": "y"})
    audit = meta.list_audit("team", "classifier", None, 100)
    assert [(a.action, a.actor) for a in audit] == [("created", "ada"), ("edited", "bob")]
    assert audit[1].details["fields"] == ["description", "tags"]
    meta.delete_registered_model("team", "classifier")
    with pytest.raises(NotFoundError):
        meta.get_registered_model("team", "classifier")


def test_link_once_per_source_and_alias_moves(meta: MetadataStore) -> None:
    v0, v1 = two_versions(meta)
    first, new = meta.link_version(OPEN_PRINCIPAL, "team", "clf", v0, ["staging"], actor="ada")
    assert (first.version, new, first.aliases) == ("v0", True, ["staging"])
    assert (first.source_status, first.source_path) == ("visible", "team/proj/net:v0")
    assert first.source is not None
    assert first.source.digest == first.digest
    again, new = meta.link_version(OPEN_PRINCIPAL, "team", "clf", v0, ["production"])
    assert (again.version, new, again.aliases) == ("v0", False, ["production", "staging"])
    second, _ = meta.link_version(OPEN_PRINCIPAL, "team", "clf", v1, ["staging"], actor="bob")
    assert (second.version, second.aliases) == ("v1", ["staging"])
    model = meta.get_registered_model("team", "clf")
    assert (model.versions, model.aliases) == (2, {"production": "v0", "staging": "v1"})
    moved = meta.set_registry_alias(OPEN_PRINCIPAL, "team", "clf", "production", "staging", "cy")
    assert moved.version == "v1"
    assert meta.get_registry_version(OPEN_PRINCIPAL, "team", "clf", "production").version == "v1"
    # moving it where it is changes nothing (no audit event)
    meta.set_registry_alias(OPEN_PRINCIPAL, "team", "clf", "production", "v1", "cy")
    for reserved in ("v3", "latest"):
        with pytest.raises(InvalidInputError):
            meta.set_registry_alias(OPEN_PRINCIPAL, "team", "clf", reserved, "v1", "cy")
    meta.delete_registry_alias("team", "clf", "staging", actor="cy")
    with pytest.raises(NotFoundError):
        meta.delete_registry_alias("team", "clf", "staging")
    listed = meta.list_registry_versions(OPEN_PRINCIPAL, "team", "clf", None, 1)
    assert [v.version for v in listed] == ["v1"]
    older = meta.list_registry_versions(OPEN_PRINCIPAL, "team", "clf", "v1", 10)
    assert [v.version for v in older] == ["v0"]
    meta.unlink_version("team", "clf", "v1", actor="cy")
    third, _ = meta.link_version(OPEN_PRINCIPAL, "team", "clf", v1)
    assert third.version == "v2"  # numbers are never reused
    actions = [(a.action, a.details.get("alias"), a.details.get("version"))
               for a in meta.list_audit("team", "clf", None, 100)]  # fmt: skip
    assert actions == [
        ("created", None, None),
        ("linked", None, "v0"),
        ("alias_moved", "staging", "v0"),
        ("alias_moved", "production", "v0"),
        ("linked", None, "v1"),
        ("alias_moved", "staging", "v1"),
        ("alias_moved", "production", "v1"),
        ("alias_removed", "staging", "v1"),
        ("unlinked", None, "v1"),
        ("linked", None, "v2"),
    ]
    trail = meta.list_audit("team", "clf", None, 100)
    assert trail[6].details["previous"] == "v0"
    assert [a.id for a in meta.list_audit("team", "clf", trail[7].id, 100)] == [
        a.id for a in trail[8:]
    ]


def test_sources_hidden_from_callers_who_cannot_read_them(meta: MetadataStore) -> None:
    v0, _ = two_versions(meta)
    meta.link_version(OPEN_PRINCIPAL, "team", "clf", v0)
    outsider = user(meta, "eve")
    hidden = meta.get_registry_version(outsider, "team", "clf", "v0")
    assert (hidden.source_status, hidden.source_path, hidden.source) == ("hidden", None, None)
    assert hidden.digest  # what was linked is still named by its content
    # a deleted source leaves the registry version, marked deleted, with the path it had
    meta.delete_version(project_pk(meta), "net", "v0")
    gone = meta.get_registry_version(OPEN_PRINCIPAL, "team", "clf", "v0")
    assert (gone.source_status, gone.source_path) == ("deleted", "team/proj/net:v0")


def automation(meta: MetadataStore, name: str, event: str, **filter_: object) -> None:
    meta.create_automation(
        "team",
        {"name": name, "event": event, "filter": filter_, "action": "webhook",
         "url": "http://hooks.example/x", "secret_token": "sealed"},
        actor="ada",
    )  # fmt: skip


def test_events_become_pending_deliveries(meta: MetadataStore) -> None:
    v0, v1 = two_versions(meta)
    automation(meta, "linked", "version_linked", model="clf")
    automation(meta, "prod", "alias_moved", model="clf", alias="production")
    automation(meta, "other", "alias_moved", model="another")
    automation(meta, "new-data", "artifact_version_created", type="dataset")
    automation(meta, "acc", "run_metric_threshold", project="proj", metric="acc", op=">=",
               threshold=0.9)  # fmt: skip
    meta.link_version(OPEN_PRINCIPAL, "team", "clf", v0, ["production"], actor="ada")
    meta.set_registry_alias(OPEN_PRINCIPAL, "team", "clf", "production", "v0", "ada")  # no move
    meta.link_version(OPEN_PRINCIPAL, "team", "clf", v1)
    meta.set_registry_alias(OPEN_PRINCIPAL, "team", "clf", "production", "v1", "bob")
    stored(meta, "d0")
    logged(log(meta, "data", files(d="d0")))
    logged(log(meta, "data", files(d="d0")))  # the same digest: no new version, no event
    for value in (0.5, 0.95, 0.97, 0.1, 0.92):  # crosses up twice
        meta.apply_batch(
            batch([list(summary_record({"acc": value}))], stream=os.urandom(16)), OPEN_PRINCIPAL
        )
    due = meta.due_deliveries(2e10, 100)
    by_event: dict[str, list[dict[str, object]]] = {}
    for d in due:
        assert d.attempt == 1
        assert d.secret_token == "sealed"
        by_event.setdefault(d.event, []).append(d.payload)
    assert sorted(by_event) == [
        "alias_moved", "artifact_version_created", "run_metric_threshold", "version_linked"
    ]  # fmt: skip
    assert [p["data"]["version"] for p in by_event["version_linked"]] == ["v0", "v1"]  # type: ignore[index]
    moves = by_event["alias_moved"]
    assert [(p["automation"], p["actor"], p["data"]["previous"]) for p in moves] == [  # type: ignore[index]
        ("prod", "ada", None), ("prod", "bob", "v0")
    ]  # fmt: skip
    [created] = by_event["artifact_version_created"]
    assert created["data"]["artifact"]["path"] == "team/proj/data:v0"  # type: ignore[index]
    assert [p["data"]["value"] for p in by_event["run_metric_threshold"]] == [0.95, 0.92]  # type: ignore[index]
    assert all(p["entity"] == "team" and len(str(p["id"])) == 32 for p in due_payloads(due))
    # a disabled automation emits nothing
    meta.update_automation("team", "prod", {"enabled": False})
    before = len(meta.due_deliveries(2e10, 100))
    meta.set_registry_alias(OPEN_PRINCIPAL, "team", "clf", "production", "v0", "ada")
    assert len(meta.due_deliveries(2e10, 100)) == before


def due_payloads(due: list[object]) -> list[dict[str, object]]:
    return [d.payload for d in due]  # type: ignore[attr-defined]


def test_delivery_retries_and_log(meta: MetadataStore) -> None:
    two_versions(meta)
    automation(meta, "hook", "version_linked")
    event_id = meta.enqueue_test("team", "hook", actor="ada")
    [first] = meta.due_deliveries(2e10, 10)
    assert (first.event_id, first.event, first.attempt) == (event_id, "test", 1)
    meta.finish_delivery(first.pk, Outcome(500, "x" * 5000), retry_at=100.0, now=50.0)
    assert meta.due_deliveries(99.0, 10) == []
    [second] = meta.due_deliveries(100.0, 10)
    assert second.attempt == 2
    meta.finish_delivery(second.pk, Outcome(200, "ok"), retry_at=300.0, now=101.0)
    meta.finish_delivery(second.pk, Outcome(error="late"), retry_at=None, now=102.0)  # ignored
    assert meta.due_deliveries(2e10, 10) == []
    log_ = meta.list_deliveries("team", "hook", None, 10)
    assert [(d.attempt, d.state, d.status_code) for d in log_] == [
        (2, "delivered", 200), (1, "failed", 500)
    ]  # fmt: skip
    assert len(log_[1].response or "") == 2048
    assert (log_[1].next_attempt_at, log_[0].next_attempt_at) == (100.0, None)
    assert [d.pk for d in meta.list_deliveries("team", "hook", log_[0].pk, 10)] == [log_[1].pk]
    assert meta.prune_deliveries(101.0) == 1
    meta.delete_automation("team", "hook")
    with pytest.raises(NotFoundError):
        meta.list_deliveries("team", "hook", None, 10)


def test_automation_rules(meta: MetadataStore) -> None:
    two_versions(meta)
    base = {"name": "a", "event": "alias_moved", "action": "webhook", "url": "https://x.example"}
    for bad in (
        {"event": "nope"},
        {"action": "email"},
        {"url": "ftp://x.example"},
        {"url": None},
        {"filter": {"metric": "acc"}},
        {"event": "run_metric_threshold", "filter": {"metric": "acc", "op": "~", "threshold": 1}},
        {"event": "run_metric_threshold", "filter": {"metric": "acc"}},
        {"action": "slack", "url": None},
        {"name": "a/b"},
    ):
        with pytest.raises(InvalidInputError):
            meta.create_automation("team", {**base, **bad})
    made = meta.create_automation("team", base)
    assert (made.secret_set, made.enabled, made.filter) == (False, True, {})
    with pytest.raises(ConflictError):
        meta.create_automation("team", base)
    slack = meta.create_automation(
        "team", {"name": "s", "event": "version_linked", "action": "slack", "secret_token": "t"}
    )
    assert (slack.url, slack.secret_set) == (None, True)
    with pytest.raises(InvalidInputError):
        meta.update_automation("team", "s", {"event": "alias_moved"})
    assert [a.name for a in meta.list_automations("team")] == ["a", "s"]
