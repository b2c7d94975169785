"""Upload notes, existence answers and upload sessions, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

import pytest

from cairn.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from cairn.server.auth.principal import OPEN_PRINCIPAL, Principal
from cairn.server.store.metadata import MetadataStore
from cairn.server.store.uploads import UPLOAD_TTL_S, UploadSession
from tests.contract.test_metadata_store import batch, run_record, user

A, B, C = "aa" * 32, "bb" * 32, "cc" * 32
GRACE = 3600.0


def _reference(meta: MetadataStore, who: Principal, entity: str, sha: str) -> None:
    """A run in ``entity/proj`` with a file of content ``sha`` (stored first)."""
    meta.touch_blob(sha, 10, lambda: True)
    record = ["file", {"path": "weights.bin", "sha256": sha, "size": 10}]
    result = meta.apply_batch(
        batch([run_record(), record], entity=entity, stream=os.urandom(16)), who
    )
    assert result.applied == 2, result


def test_references_count_only_in_a_project_the_caller_can_read(meta: MetadataStore) -> None:
    ada, bob = user(meta, "ada"), user(meta, "bob")
    _reference(meta, ada, "ada", A)
    assert meta.present_blobs(ada, "ada/proj", [A, B], GRACE) == {A}
    # bob cannot read ada/proj: the blob is missing to him, whatever project he names
    assert meta.present_blobs(bob, "ada/proj", [A], GRACE) == set()
    assert meta.present_blobs(bob, "bob/proj", [A], GRACE) == set()
    assert meta.present_blobs(bob, "nobody/never", [A], GRACE) == set()
    # without a project only one's own uploads count: ada referenced it but never sent it
    assert meta.present_blobs(ada, None, [A], GRACE) == set()
    assert meta.present_blobs(OPEN_PRINCIPAL, "ada/proj", [A], GRACE) == {A}  # superuser


def test_own_uploads_count_within_the_grace_period(meta: MetadataStore) -> None:
    ada, bob = user(meta, "ada"), user(meta, "bob")
    assert meta.record_blob_upload(ada, A, 10, lambda: True)
    assert meta.present_blobs(ada, None, [A, B], GRACE) == {A}
    assert meta.present_blobs(ada, "ada/anything", [A], GRACE) == {A}
    assert meta.present_blobs(bob, None, [A], GRACE) == set()
    time.sleep(0.01)
    assert meta.present_blobs(ada, None, [A], grace_s=0.0) == set()  # sent before the window
    # bob sends the same bytes: now they count for him too
    assert meta.record_blob_upload(bob, A, 10, lambda: True)
    assert meta.present_blobs(bob, None, [A], GRACE) == {A}
    assert meta.forget_uploaders(time.time() + 1) == 2
    assert meta.present_blobs(bob, None, [A], GRACE) == set()


def test_an_upload_note_without_stored_bytes_counts_nothing(meta: MetadataStore) -> None:
    ada = user(meta, "ada")
    assert not meta.record_blob_upload(ada, A, 10, lambda: False)  # verify said: not stored
    assert meta.present_blobs(ada, None, [A], GRACE, verify=lambda sha: False) == set()
    assert meta.present_blobs(ada, None, [A], GRACE, verify=lambda sha: True) == {A}


def test_an_answer_restarts_the_grace_period(meta: MetadataStore) -> None:
    ada = user(meta, "ada")
    meta.record_blob_upload(ada, A, 10, lambda: True)
    meta.record_blob_upload(ada, B, 10, lambda: True)
    later = time.time() + 100
    # both are unreferenced; A is answered present just before a collection with a 50 s grace
    assert meta.present_blobs(ada, None, [A], GRACE) == {A}
    deleted: list[str] = []
    result = meta.collect_blobs(50.0, deleted.append, now=later - 60)
    assert (result.blobs, deleted) == (0, [])
    result = meta.collect_blobs(0.0, deleted.append, now=later)
    assert sorted(deleted) == [A, B]
    assert meta.present_blobs(ada, None, [A, B], GRACE) == set()  # notes went with the bytes


def test_many_addresses_in_one_answer(meta: MetadataStore) -> None:
    ada = user(meta, "ada")
    shas = [f"{i:064x}" for i in range(2500)]
    for sha in shas[::2]:
        meta.record_blob_upload(ada, sha, 1, lambda: True)
    assert meta.present_blobs(ada, None, shas, GRACE) == set(shas[::2])


def _begin(calls: list[str]) -> object:
    def begin(upload_id: str) -> str:
        calls.append(upload_id)
        return f"handle-{upload_id}"

    return begin


def test_a_session_is_resumed_by_the_same_caller_for_the_same_blob(meta: MetadataStore) -> None:
    ada, bob = user(meta, "ada"), user(meta, "bob")
    calls: list[str] = []
    begin = _begin(calls)
    first, replaced = meta.open_upload(ada, A, 25, "ada/proj", 10, begin)  # type: ignore[arg-type]
    assert replaced is None
    assert calls == [first.id]
    assert first.handle == f"handle-{first.id}"
    assert first.part_sizes == [10, 10, 5]
    assert first.expires_at == pytest.approx(first.created_at + UPLOAD_TTL_S, abs=1)
    again, replaced = meta.open_upload(ada, A, 25, "ada/proj", 10, begin)  # type: ignore[arg-type]
    assert (again.id, again.handle, replaced, calls) == (first.id, first.handle, None, [first.id])
    assert meta.upload_session(ada, first.id) == again
    with pytest.raises(NotFoundError, match="does not exist or has expired"):
        meta.upload_session(bob, first.id)  # another caller's session is not found
    bobs, _ = meta.open_upload(bob, A, 25, "bob/proj", 10, begin)  # type: ignore[arg-type]
    assert bobs.id != first.id
    meta.end_upload(first.id)
    meta.end_upload(first.id)
    with pytest.raises(NotFoundError):
        meta.upload_session(ada, first.id)


def test_stale_sessions_are_replaced_and_listed_as_expired(meta: MetadataStore) -> None:
    ada = user(meta, "ada")
    calls: list[str] = []
    begin = _begin(calls)
    old, _ = meta.open_upload(ada, A, 25, "ada/proj", 10, begin, now=1000.0)  # type: ignore[arg-type]
    other, _ = meta.open_upload(ada, B, 5, "ada/proj", 10, begin, now=1000.0 + UPLOAD_TTL_S)  # type: ignore[arg-type]
    expired = meta.expired_uploads(now=1000.0 + UPLOAD_TTL_S + 1)
    assert [s.id for s in expired] == [old.id]
    with pytest.raises(NotFoundError):
        meta.upload_session(ada, old.id)
    new, replaced = meta.open_upload(ada, A, 25, "ada/proj", 10, begin)  # type: ignore[arg-type]
    assert isinstance(replaced, UploadSession)
    assert replaced.id == old.id
    assert new.id != old.id
    resized, replaced = meta.open_upload(ada, A, 26, "ada/proj", 10, begin)  # type: ignore[arg-type]
    assert replaced is not None
    assert (replaced.id, resized.size) == (new.id, 26)
    assert meta.upload_session(ada, other.id, now=1000.0 + UPLOAD_TTL_S).sha256 == B


def test_a_session_needs_write_access_to_its_project(meta: MetadataStore) -> None:
    ada, bob = user(meta, "ada"), user(meta, "bob")
    _reference(meta, ada, "ada", A)
    calls: list[str] = []
    with pytest.raises((PermissionDeniedError, NotFoundError)):
        meta.open_upload(bob, B, 25, "ada/proj", 10, _begin(calls))  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="not a project"):
        meta.open_upload(ada, B, 25, "no-slash", 10, _begin(calls))  # type: ignore[arg-type]
    assert calls == []


def test_many_uploads_are_noted_in_one_call(meta: MetadataStore) -> None:
    ada, bob = user(meta, "ada"), user(meta, "bob")
    asked: list[str] = []

    def verify(shas: Sequence[str]) -> set[str]:
        asked.extend(shas)
        return {sha for sha in shas if sha != B}  # B's bytes went missing meanwhile

    assert meta.record_blob_uploads(ada, {C: 30, A: 10, B: 20}, verify) == {A, C}
    assert asked == [A, B, C]  # in address order, as every writer locks rows
    assert meta.present_blobs(ada, None, [A, B, C], GRACE, verify=lambda sha: sha != B) == {A, C}
    assert meta.present_blobs(bob, None, [A, C], GRACE) == set()  # noted as ada's only
    assert meta.record_blob_uploads(ada, {}, verify) == set()
    # the rows exist: a collection with no grace takes the unreferenced ones
    deleted: list[str] = []
    meta.collect_blobs(0.0, deleted.append, now=time.time() + 1)
    assert sorted(deleted) == [A, B, C]


def test_a_projects_blobs_are_those_it_references(meta: MetadataStore) -> None:
    ada, bob = user(meta, "ada"), user(meta, "bob")
    _reference(meta, ada, "ada", A)
    _reference(meta, bob, "bob", B)
    meta.record_blob_uploads(ada, {C: 10}, set)  # stored, referenced nowhere
    project = meta.resolve_project(ada, "ada", "proj", "viewer")
    assert meta.project_blobs(project.pk, [A, B, C, "dd" * 32]) == {A: 10}
    assert meta.project_blobs(project.pk, []) == {}
