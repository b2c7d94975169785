"""The store's media reads, values by step range and paged files, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import threading
from typing import Any

from sqlalchemy import text

from cairn.server.auth.principal import OPEN_PRINCIPAL
from cairn.server.store.media import MediaKey, ProjectMediaKey
from cairn.server.store.metadata import MetadataStore
from tests.contract.test_metadata_store import batch, run_record

SHA_A = "aa" * 32
SHA_B = "bb" * 32


def image(step: int, sha: str = SHA_A) -> dict[str, Any]:
    return {"_type": "image-file", "path": f"media/images/img_{step}.png", "sha256": sha}


def values(step: int, vals: dict[str, Any]) -> list[Any]:
    return ["values", {"step": step, "time": 1000.0 + step, "values": vals}]


def send(meta: MetadataStore, records: list[Any], run_id: str = "run00001", **kw: Any) -> None:
    result = meta.apply_batch(
        batch(records, run_id=run_id, stream=os.urandom(16), **kw), OPEN_PRINCIPAL
    )
    assert result.rejected == []


def test_media_keys_are_indexed_as_values_arrive(meta: MetadataStore) -> None:
    send(meta, [run_record(), values(3, {"img": image(3), "note": "hi"})])
    send(
        meta,
        [
            values(1, {"img": image(1), "audio": {"_type": "audio-file", "sha256": SHA_B}}),
            values(7, {"img": {"_type": "images/separated", "count": 2}}),
            values(8, {"img": "not media", "odd": {"_type": 5}, "long": {"_type": "x" * 33}}),
        ],
    )
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    assert meta.run_media_keys(run.pk) == [
        MediaKey("audio", "audio-file", 1, 1, 1),
        # the latest `_type` wins; the plain string at step 8 is not counted
        MediaKey("img", "images/separated", 3, 1, 7),
    ]
    send(meta, [run_record(), values(2, {"img": image(2)})], run_id="run00002")
    project = meta.resolve_project(OPEN_PRINCIPAL, "team", "proj", "viewer")
    assert meta.project_media_keys(project.pk) == [
        ProjectMediaKey("audio", "audio-file", 1),
        ProjectMediaKey("img", "image-file", 1),
        ProjectMediaKey("img", "images/separated", 1),
    ]


def test_concurrent_batches_of_one_run_all_count(meta: MetadataStore) -> None:
    send(meta, [run_record()])
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(5):
                step = n * 100 + i
                send(meta, [values(step, {"a": image(step), "b": image(step)})])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    assert meta.run_media_keys(run.pk) == [
        MediaKey("a", "image-file", 20, 0, 304),
        MediaKey("b", "image-file", 20, 0, 304),
    ]


def test_moved_runs_take_their_media_keys_along(meta: MetadataStore) -> None:
    send(meta, [run_record(), values(1, {"img": image(1)})])
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    meta.update_run(run, {}, "other")
    old = meta.resolve_project(OPEN_PRINCIPAL, "team", "proj", "viewer")
    new = meta.resolve_project(OPEN_PRINCIPAL, "team", "other", "viewer")
    assert meta.project_media_keys(old.pk) == []
    assert meta.project_media_keys(new.pk) == [ProjectMediaKey("img", "image-file", 1)]


def test_values_by_step_range(meta: MetadataStore) -> None:
    send(meta, [run_record(), *[values(s, {"img": image(s)}) for s in range(10)]])
    send(meta, [values(4, {"img": image(44)})])
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")

    def steps(after: int, limit: int, lo: int | None, hi: int | None) -> list[tuple[int, str]]:
        rows = meta.read_values(run.pk, "img", after, limit, step_min=lo, step_max=hi)
        return [(v.step, v.value["path"]) for v in rows]

    assert steps(0, 100, 3, 5) == [
        (3, "media/images/img_3.png"),
        (4, "media/images/img_4.png"),
        (4, "media/images/img_44.png"),
        (5, "media/images/img_5.png"),
    ]
    assert steps(2, 100, 3, 5) == [(4, "media/images/img_44.png"), (5, "media/images/img_5.png")]
    assert [s for s, _ in steps(0, 3, 8, None)] == [8, 9]
    assert [s for s, _ in steps(0, 2, None, 1)] == [0, 1]
    assert steps(0, 10, 20, 30) == []


def test_files_page_by_prefix_and_cursor_and_media_file(meta: MetadataStore) -> None:
    assert meta.touch_blob(SHA_A, 3, lambda: True)
    assert meta.touch_blob(SHA_B, 3, lambda: True)
    paths = ["a.txt", "media/images/x_1.png", "media/images/x_2.png", "media/other.txt", "z"]
    send(
        meta,
        [run_record()]
        + [["file", {"path": p, "sha256": SHA_B if p == "z" else SHA_A, "size": 3}] for p in paths],
    )
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    assert [f.path for f in meta.list_files(run.pk)] == paths
    first = meta.list_files(run.pk, limit=2)
    rest = meta.list_files(run.pk, after=first[-1].path, limit=10)
    assert [f.path for f in first + rest] == paths
    images = ["media/images/x_1.png", "media/images/x_2.png"]
    assert [f.path for f in meta.list_files(run.pk, prefix="media/images/")] == images
    assert [f.path for f in meta.list_files(run.pk, prefix="media/i")] == images
    assert meta.list_files(run.pk, prefix="media/I") == []  # case matters
    assert meta.list_files(run.pk, prefix="media/%") == []  # no wildcards
    assert [f.path for f in meta.list_files(run.pk, prefix="media/", after=images[0], limit=2)] == [
        images[1],
        "media/other.txt",
    ]
    found = meta.media_file(run.pk, SHA_B)
    assert found is not None
    assert (found.path, found.sha256, found.size) == ("z", SHA_B, 3)
    assert getattr(meta.media_file(run.pk, SHA_A), "path", None) == "a.txt"
    assert meta.media_file(run.pk, "cc" * 32) is None
    send(meta, [run_record()], run_id="run00002")
    other = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00002", "viewer")
    assert meta.media_file(other.pk, SHA_A) is None


def test_0005_backfills_media_of_existing_values(db_url: str) -> None:
    from alembic import command

    from cairn.server.store.sql.engine import open_engine
    from cairn.server.store.sql.migrate import alembic_config, upgrade
    from cairn.server.store.sql.series import SqlSeriesStore
    from cairn.server.store.sql.store import SqlMetadataStore

    engine = open_engine(db_url)
    try:
        command.upgrade(alembic_config(engine), "0004")
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO entities (name, kind, created_at) VALUES ('team','team',0)")
            )
            conn.execute(
                text(
                    "INSERT INTO projects (entity_pk, name, visibility, description, created_at,"
                    " updated_at) VALUES (1, 'proj', 'private', '', 0, 0)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO runs (project_pk, id, name, state, config, summary, tags, notes,"
                    " created_at, updated_at, heartbeat_at, console_lines) VALUES"
                    " (1, 'r1', 'n', 'finished', '{}', '{}', '[]', '', 0, 0, 0, 0)"
                )
            )
            for step, value in [
                (5, '{"_type": "image-file", "sha256": "x"}'),
                (2, '{"_type": "image-file", "sha256": "y"}'),
                (9, '{"_type": "histogram", "bins": [0, 1], "values": [3]}'),
                (1, '"text"'),
                (3, '{"_type": 1}'),
            ]:
                conn.execute(
                    text(
                        "INSERT INTO run_values (run_pk, key, step, time, value)"
                        " VALUES (1, :key, :step, 0, :value)"
                    ),
                    {"key": "img" if step < 9 else "hist", "step": step, "value": value},
                )
        upgrade(engine)
        meta = SqlMetadataStore(engine, SqlSeriesStore())
        run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "r1", "viewer")
        assert meta.run_media_keys(run.pk) == [
            MediaKey("hist", "histogram", 1, 9, 9),
            MediaKey("img", "image-file", 2, 2, 5),
        ]
        with engine.connect() as conn:
            marked = conn.execute(
                text("SELECT step, media_type FROM run_values ORDER BY step")
            ).all()
        assert [tuple(r) for r in marked] == [
            (1, None),
            (2, "image-file"),
            (3, None),
            (5, "image-file"),
            (9, "histogram"),
        ]
    finally:
        engine.dispose()
