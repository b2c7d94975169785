"""The sender's side of artifact records, against a real server: their blobs go up first; a
record whose in-place file changed is set aside (warned about), never a stuck sender."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import msgpack
import pytest

import cairn
from cairn.artifacts import logged
from cairn.artifacts.sending import SET_ASIDE_DIR, ArtifactUploads
from cairn.artifacts.staging import STAGING_DIR
from cairn.sdk.run import Run
from cairn.sdk.sender.transport import Transport
from cairn.server.store.blobs import LocalBlobStore
from cairn.wire import encode_records
from cairn.wire.records import ARTIFACT
from tests.serverproc import ServerProcess


def _record(run: Run, art: cairn.Artifact) -> bytes:
    """``art`` logged by ``run`` (staging and sidecar settled), as the packed record."""
    run.log_artifact(art)
    assert art.record_id is not None
    return encode_records([[ARTIFACT, logged.build_record(art, art.record_id, [])]])[0]


def _stored(server: ServerProcess, sha256: str) -> bool:
    return LocalBlobStore(server.data_dir / "blobs").path_of(sha256).is_file()


@pytest.fixture
def run(workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("CAIRN_CACHE_DIR", str(tmp_path / "cache"))
    return cairn.init(project="p", mode="offline")


def test_staged_and_in_place_blobs_are_uploaded_before_the_batch(
    server: ServerProcess, run: Run, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_bytes(b"staged bytes")
    (tmp_path / "b.bin").write_bytes(b"in place bytes")
    art = cairn.Artifact("ds", "dataset")
    staged = art.add_file(tmp_path / "a.txt")
    in_place = art.add_file(tmp_path / "b.bin", policy="immutable")
    payload = _record(run, art)
    assert (run.dir / STAGING_DIR / f"{staged.sha256}").is_file()
    other = b"not an artifact record"
    uploads = ArtifactUploads(run.dir, "tester/p", Transport(server.base_url, None))
    payloads, failed = uploads.prepare([other, payload])
    assert failed is None
    assert payloads == [other, payload]
    assert staged.sha256 is not None
    assert in_place.sha256 is not None
    assert _stored(server, staged.sha256)
    assert _stored(server, in_place.sha256)
    run.finish()


def test_a_changed_in_place_file_sets_its_record_aside_and_the_rest_goes_on(
    server: ServerProcess, run: Run, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "kept.bin").write_bytes(b"kept")
    (tmp_path / "touched.bin").write_bytes(b"touched, same bytes")
    (tmp_path / "changed.bin").write_bytes(b"before")
    good = cairn.Artifact("good", "dataset")
    good.add_file(tmp_path / "kept.bin", policy="immutable")
    good.add_file(tmp_path / "touched.bin", policy="immutable")
    bad = cairn.Artifact("bad", "dataset")
    changed = bad.add_file(tmp_path / "changed.bin", policy="immutable")
    good_payload, bad_payload = _record(run, good), _record(run, bad)
    (tmp_path / "changed.bin").write_bytes(b"after!")
    later = (tmp_path / "touched.bin").stat().st_mtime_ns + 10**9
    os.utime(tmp_path / "touched.bin", ns=(later, later))  # touched: same content, kept
    uploads = ArtifactUploads(run.dir, "tester/p", Transport(server.base_url, None))
    with caplog.at_level(logging.WARNING, logger="cairn"):
        payloads, failed = uploads.prepare([good_payload, bad_payload])
    assert failed is None
    assert payloads[0] == good_payload
    kind, body = msgpack.unpackb(payloads[1])
    assert kind == "console"
    assert "changed.bin" in body["lines"][0]
    assert "changed.bin" in caplog.text
    kept = run.dir / STAGING_DIR / SET_ASIDE_DIR / f"{bad.record_id}.msgpack"
    assert kept.read_bytes() == bad_payload
    assert changed.sha256 is not None
    assert not _stored(server, changed.sha256)
    assert all(_stored(server, f.sha256 or "") for f in good.files())
    run.finish()
