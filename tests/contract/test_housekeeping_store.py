"""Archive, bulk changes, disk use and blob garbage collection, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from cairn.errors import ConflictError, InvalidInputError, NotFoundError
from cairn.server.auth.principal import OPEN_PRINCIPAL
from cairn.server.store.base import BlobStore
from cairn.server.store.metadata import MetadataStore
from cairn.server.store.records import ProjectRecord
from tests.contract.test_metadata_store import batch, history, run_record


def make_runs(meta: MetadataStore, n: int, project: str = "proj") -> ProjectRecord:
    for i in range(n):
        meta.apply_batch(
            batch(
                [run_record(), history([(0, {"loss": float(i)})])],
                run_id=f"run{i:05d}",
                project=project,
                stream=os.urandom(16),
            ),
            OPEN_PRINCIPAL,
        )
    return meta.resolve_project(OPEN_PRINCIPAL, "team", project, "viewer")


def ids(meta: MetadataStore, project: ProjectRecord, archived: Any = "exclude") -> list[str]:
    result = meta.query_runs(project, None, "id", limit=100, archived=archived)
    return [r.id for r in result.runs]


def test_archived_runs_leave_default_listings_and_come_back(meta: MetadataStore) -> None:
    project = make_runs(meta, 3)
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    archived = meta.update_run(run, {"archived": True})
    assert archived.archived_at is not None
    assert ids(meta, project) == ["run00000", "run00002"]
    assert ids(meta, project, "only") == ["run00001"]
    assert ids(meta, project, "include") == ["run00000", "run00001", "run00002"]
    window = meta.query_runs(project, None, None, limit=10, offset=0)
    assert window.total == 2
    by_state, _ = meta.group_runs(
        project.pk, _tree(None), _field("state"), [], 10, archived="exclude"
    )
    assert [(g.value, g.count) for g in by_state] == [("running", 2)]
    restored = meta.update_run(archived, {"archived": False})
    assert restored.archived_at is None
    assert ids(meta, project) == ["run00000", "run00001", "run00002"]
    with pytest.raises(InvalidInputError):
        meta.update_run(restored, {"archived": "yes"})


def test_archived_projects_leave_the_project_list(meta: MetadataStore) -> None:
    make_runs(meta, 1, "keep")
    gone = make_runs(meta, 1, "old")
    meta.update_project(gone.pk, archived=True)
    names = [p.name for p in meta.list_projects(OPEN_PRINCIPAL, None, None, 0, 10)[0]]
    assert names == ["keep"]
    only = meta.list_projects(OPEN_PRINCIPAL, None, None, 0, 10, archived="only")[0]
    assert [p.name for p in only] == ["old"]
    assert only[0].archived_at is not None
    # archived projects keep their runs readable by path
    assert meta.resolve_run(OPEN_PRINCIPAL, "team", "old", "run00000", "viewer").id == "run00000"
    assert meta.update_project(gone.pk, archived=False).archived_at is None


def test_bulk_changes_are_all_or_nothing(meta: MetadataStore) -> None:
    project = make_runs(meta, 4)
    first = ["run00000", "run00001"]
    assert meta.bulk_update_runs(project, first, add_tags=["best", "a"]) == 2
    assert meta.bulk_update_runs(project, ["run00001"], remove_tags=["a"]) == 1
    tagged = meta.query_runs(project, {"tags": "best"}, "id", limit=10).runs
    assert [(r.id, r.tags) for r in tagged] == [("run00000", ["best", "a"]), ("run00001", ["best"])]
    with pytest.raises(NotFoundError, match="run99999"):
        meta.bulk_update_runs(project, ["run00002", "run99999"], archived=True)
    assert ids(meta, project, "only") == []  # nothing changed
    assert meta.bulk_update_runs(project, ["run00002", "run00003"], archived=True) == 2
    assert ids(meta, project) == first
    assert meta.bulk_update_runs(project, ["run00002", "run00003"], archived=False) == 2
    with pytest.raises(InvalidInputError):
        meta.bulk_update_runs(project, [])
    with pytest.raises(InvalidInputError):
        meta.bulk_update_runs(project, ["run00000"], add_tags=[""])

    assert meta.bulk_update_runs(project, first, move_to="elsewhere") == 2
    elsewhere = meta.resolve_project(OPEN_PRINCIPAL, "team", "elsewhere", "viewer")
    assert ids(meta, elsewhere) == first
    assert ids(meta, project) == ["run00002", "run00003"]
    moved = meta.query_runs(elsewhere, {"tags": "best"}, "id", limit=10).runs
    assert len(moved) == 2  # tags (and their index) moved along
    meta.apply_batch(
        batch([run_record()], project="proj", run_id="run00000", stream=os.urandom(16)),
        OPEN_PRINCIPAL,
    )
    with pytest.raises(ConflictError):
        meta.bulk_update_runs(elsewhere, first, move_to="proj")
    assert ids(meta, elsewhere) == first  # the one that could move did not either

    assert meta.bulk_delete_runs(project, ["run00002", "run00003"]) == 2
    assert ids(meta, project, "include") == ["run00000"]


def test_project_usage_counts_series_and_distinct_blobs(meta: MetadataStore) -> None:
    project = make_runs(meta, 2)
    empty = meta.project_usage(project.pk)
    assert (empty.runs, empty.series, empty.files, empty.blob_bytes) == (2, 2, 0, 0)
    assert empty.series_bytes > 0
    shared, own = "aa" * 32, "bb" * 32
    meta.touch_blob(shared, 1000, lambda: True)
    meta.touch_blob(own, 24, lambda: True)
    for run_id, files in (("run00000", [shared, own]), ("run00001", [shared])):
        records = [["file", {"path": f"f{i}", "sha256": s, "size": 1}] for i, s in enumerate(files)]
        meta.apply_batch(batch(records, run_id=run_id, stream=os.urandom(16)), OPEN_PRINCIPAL)
    used = meta.project_usage(project.pk)
    assert (used.files, used.blob_bytes) == (3, 1024)


def test_a_file_record_needs_its_blob_on_the_server(meta: MetadataStore) -> None:
    result = meta.apply_batch(
        batch([run_record(), ["file", {"path": "x.bin", "sha256": "cc" * 32, "size": 1}]]),
        OPEN_PRINCIPAL,
    )
    assert result.applied == 1
    assert "not on the server" in result.rejected[0]["error"]
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    assert meta.list_files(run.pk) == []


def test_existence_checks_touch_only_known_blobs(meta: MetadataStore) -> None:
    calls: list[str] = []
    assert not meta.touch_blob("dd" * 32, None, lambda: calls.append("x") or True)
    assert calls == []
    assert meta.touch_blob("dd" * 32, 5, lambda: True)
    assert meta.touch_blob("dd" * 32, None, lambda: True)
    assert not meta.touch_blob("dd" * 32, None, lambda: False)


def _stored(blobs: BlobStore, meta: MetadataStore, data: bytes) -> str:
    import io

    info = blobs.put(io.BytesIO(data))
    assert meta.touch_blob(info.sha256, info.size, lambda: True)
    return info.sha256


def test_collection_removes_only_unreferenced_blobs_past_their_grace(
    meta: MetadataStore, store: BlobStore
) -> None:
    blobs = store
    kept = _stored(blobs, meta, b"referenced")
    orphan = _stored(blobs, meta, b"orphan")
    fresh_file = _stored(blobs, meta, b"of a deleted run")
    meta.apply_batch(
        batch(
            [
                run_record(),
                ["file", {"path": "keep.txt", "sha256": kept, "size": 10}],
                ["file", {"path": "gone.txt", "sha256": fresh_file, "size": 16}],
            ]
        ),
        OPEN_PRINCIPAL,
    )
    assert meta.collect_blobs(3600, blobs.delete).blobs == 0  # all inside their grace
    result = meta.collect_blobs(3600, blobs.delete, now=10**10)
    assert (result.blobs, result.bytes) == (1, len(b"orphan"))
    assert not blobs.exists(orphan)
    assert blobs.exists(kept)
    assert blobs.exists(fresh_file)
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    meta.delete_run(run.pk)
    assert meta.collect_blobs(0, blobs.delete, now=10**10).blobs == 2
    assert list(blobs.iter_all()) == []
    assert meta.collect_blobs(0, blobs.delete, now=10**10).blobs == 0


def test_collection_racing_uploads_of_the_same_blob_never_loses_bytes(
    meta: MetadataStore, store: BlobStore
) -> None:
    """Upload (put, then touch with re-put) against collection with no grace: at every end,
    a blob with a row has its bytes."""
    import io

    blobs = store
    errors: list[BaseException] = []
    for round_ in range(10):
        data = f"contended {round_}".encode()
        sha = hashlib.sha256(data).hexdigest()
        _stored(blobs, meta, data)  # an orphan, collectable at once

        def upload(data: bytes = data, sha: str = sha) -> None:
            try:
                for _ in range(5):
                    blobs.put(io.BytesIO(data), sha)

                    def kept(sha: str = sha, data: bytes = data) -> bool:
                        if not blobs.exists(sha):
                            blobs.put(io.BytesIO(data), sha)
                        return True

                    meta.touch_blob(sha, len(data), kept)
            except BaseException as exc:
                errors.append(exc)

        def collect() -> None:
            try:
                for _ in range(5):
                    meta.collect_blobs(0, blobs.delete, now=10**10)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=upload), threading.Thread(target=collect)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        has_row = meta.touch_blob(sha, None, lambda sha=sha: blobs.exists(sha))
        row_only = meta.touch_blob(sha, None, lambda: True)
        assert has_row == row_only, "a blob row survived without its bytes"


def _tree(value: Any) -> Any:
    from cairn.server.query.filters import validate

    return validate(value)


def _field(name: str) -> Any:
    from cairn.server.query.filters import parse_field

    return parse_field(name)


def test_a_locked_sqlite_database_answers_too_busy(tmp_path: Path) -> None:
    import sqlite3

    from cairn.errors import TooBusyError
    from cairn.server.store.sql.engine import open_engine
    from cairn.server.store.sql.migrate import upgrade
    from cairn.server.store.sql.series import SqlSeriesStore
    from cairn.server.store.sql.store import SqlMetadataStore

    path = tmp_path / "cairn.db"
    engine = open_engine(f"sqlite:///{path}", busy_timeout_s=0.2)
    upgrade(engine)
    meta = SqlMetadataStore(engine, SqlSeriesStore())
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(TooBusyError) as busy:
            meta.apply_batch(batch([run_record()]), OPEN_PRINCIPAL)
        assert busy.value.retry_after_s > 0
        with pytest.raises(TooBusyError):
            meta.create_team("lab", None)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert meta.apply_batch(batch([run_record()]), OPEN_PRINCIPAL).applied == 1
    meta.close()
