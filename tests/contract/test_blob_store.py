"""One suite for every blob store: a local directory and S3 (moto's server on loopback)."""

from __future__ import annotations

import hashlib
import io
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.store.base import BlobStore
from cairn.server.store.blobs import LocalBlobStore, S3BlobStore, open_blob_store
from tests.serverproc import free_port


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    import boto3

    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"b{os.urandom(6).hex()}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    return S3BlobStore(bucket, "cairn/blobs", endpoint_url=endpoint, region="us-east-1")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(store: BlobStore, sha: str) -> bytes:
    return b"".join(store.open(sha))


@pytest.mark.parametrize("size", [0, 10, 3 * 1024 * 1024 + 7])
def test_round_trip(store: BlobStore, size: int) -> None:
    data = os.urandom(size)
    info = store.put(io.BytesIO(data))
    assert info.sha256 == _sha(data)
    assert info.size == size
    assert store.exists(info.sha256)
    assert store.size(info.sha256) == size
    assert _read(store, info.sha256) == data


def test_putting_the_same_content_twice_keeps_one_blob(store: BlobStore) -> None:
    first = store.put(io.BytesIO(b"same"))
    second = store.put(io.BytesIO(b"same"), expected_sha256=_sha(b"same"))
    assert first == second
    assert [b.sha256 for b in store.iter_all()] == [first.sha256]


def test_wrong_expected_hash_keeps_nothing(store: BlobStore) -> None:
    with pytest.raises(InvalidInputError, match="hashes to"):
        store.put(io.BytesIO(b"content"), expected_sha256=_sha(b"other"))
    assert not store.exists(_sha(b"content"))
    assert list(store.iter_all()) == []


def test_absent_blob(store: BlobStore) -> None:
    missing = _sha(b"never stored")
    assert not store.exists(missing)
    with pytest.raises(NotFoundError):
        store.open(missing)
    with pytest.raises(NotFoundError):
        store.size(missing)
    store.delete(missing)


def test_delete(store: BlobStore) -> None:
    info = store.put(io.BytesIO(b"bye"))
    store.delete(info.sha256)
    assert not store.exists(info.sha256)


@pytest.mark.parametrize("bad", ["../../etc/passwd", "A" * 64, "abc", "0" * 63 + "/", ""])
def test_invalid_addresses_are_refused(store: BlobStore, bad: str, tmp_path: Path) -> None:
    for call in (store.exists, store.open, store.size, store.delete):
        with pytest.raises(InvalidInputError, match="blob address"):
            call(bad)


def test_iter_all_lists_every_blob(store: BlobStore) -> None:
    infos = {store.put(io.BytesIO(bytes([i]) * (i + 1))) for i in range(5)}
    assert set(store.iter_all()) == infos


def test_presigned_url(store: BlobStore) -> None:
    info = store.put(io.BytesIO(b"direct download"))
    url = store.presigned_url(info.sha256)
    if isinstance(store, LocalBlobStore):
        assert url is None
    else:
        assert url is not None
        assert httpx.get(url).content == b"direct download"


def test_concurrent_puts_of_one_content_leave_one_intact_blob(store: BlobStore) -> None:
    data = os.urandom(256 * 1024)
    errors: list[BaseException] = []

    def put() -> None:
        try:
            store.put(io.BytesIO(data))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=put) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _read(store, _sha(data)) == data
    assert len(list(store.iter_all())) == 1


def test_local_store_cleans_temp_files_of_interrupted_uploads(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    (tmp_path / ".tmp-leftover").write_bytes(b"partial")
    assert store.clean_temp(older_than_s=-1) == 1
    assert not (tmp_path / ".tmp-leftover").exists()


def test_open_blob_store_urls(tmp_path: Path) -> None:
    default = open_blob_store("", data_dir=tmp_path)
    assert isinstance(default, LocalBlobStore)
    assert default.root == tmp_path / "blobs"
    assert isinstance(open_blob_store(str(tmp_path / "x"), data_dir=tmp_path), LocalBlobStore)
    as_file = open_blob_store(f"file://{tmp_path / 'y'}", data_dir=tmp_path)
    assert isinstance(as_file, LocalBlobStore)
    assert as_file.root == tmp_path / "y"
    with pytest.raises(InvalidInputError, match="unsupported blob store"):
        open_blob_store("ftp://host/x", data_dir=tmp_path)
