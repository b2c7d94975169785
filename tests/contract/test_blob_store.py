"""One suite for every blob store: a local directory and S3 (moto's server on loopback)."""

from __future__ import annotations

import hashlib
import io
import os
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.store.base import BlobInfo, BlobStore
from cairn.server.store.blobs import LocalBlobStore, S3BlobStore
from cairn.server.store.blobs.local import CHUNK_BYTES, TEMP_PREFIX
from tests.contract.conftest import REGION

MIB = 1024 * 1024


class Chunked(io.RawIOBase):
    """A read-only stream of ``size`` pseudo-random bytes, made as read (never all in memory)."""

    def __init__(self, size: int, seed: int = 0, fail_after: int | None = None) -> None:
        self.remaining = size
        self.fail_after = fail_after
        self.served = 0
        self.largest_read = 0
        self.digest = hashlib.sha256()
        self._block = hashlib.sha256(seed.to_bytes(8, "little")).digest() * 2048  # 64 KiB

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.fail_after is not None and self.served >= self.fail_after:
            raise OSError("connection reset by peer")
        n = self.remaining if size < 0 else min(size, self.remaining)
        self.largest_read = max(self.largest_read, n)
        out = (self._block * (n // len(self._block) + 1))[:n]
        self.remaining -= n
        self.served += n
        self.digest.update(out)
        return out


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(store: BlobStore, sha: str) -> bytes:
    return b"".join(store.open(sha))


@pytest.mark.parametrize("size", [0, 10, 3 * MIB + 7])
def test_round_trip(store: BlobStore, size: int) -> None:
    data = os.urandom(size)
    info = store.put(io.BytesIO(data))
    assert info == BlobInfo(_sha(data), size)
    assert store.exists(info.sha256)
    assert store.size(info.sha256) == size
    assert _read(store, info.sha256) == data


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, 0),
        (0, 1),
        (5, 17),
        (CHUNK_BYTES - 3, CHUNK_BYTES + 5),  # across a chunk boundary
        (2 * MIB, 3 * MIB + 7),  # exactly to the end
        (3 * MIB, 9 * MIB),  # an end past the size stops at the end
        (3 * MIB + 7, 3 * MIB + 20),  # a start at the end: nothing
        (5 * MIB, 6 * MIB),  # a start past the end: nothing
    ],
)
def test_open_range_is_a_slice(store: BlobStore, start: int, end: int) -> None:
    data = os.urandom(3 * MIB + 7)
    sha = store.put(io.BytesIO(data)).sha256
    chunks = list(store.open_range(sha, start, end))
    assert b"".join(chunks) == data[start:end]
    assert all(0 < len(chunk) <= CHUNK_BYTES for chunk in chunks)


def test_open_range_of_an_absent_blob_or_a_bad_range(store: BlobStore) -> None:
    missing = _sha(b"never stored")
    with pytest.raises(NotFoundError):
        store.open_range(missing, 0, 10)  # raised on the call, before any chunk
    with pytest.raises(NotFoundError):
        store.open_range(missing, 3, 3)
    sha = store.put(io.BytesIO(b"0123456789")).sha256
    for start, end in ((-1, 4), (5, 4)):
        with pytest.raises(InvalidInputError, match="byte range"):
            store.open_range(sha, start, end)
    assert b"".join(store.open_range(sha, 8, 10)) == b"89"


def test_large_content_streams_in_and_out_in_chunks(store: BlobStore) -> None:
    size = 5 * MIB + 123
    source = Chunked(size, seed=1)
    info = store.put(source)  # type: ignore[arg-type]  # a RawIOBase is a binary stream
    assert info == BlobInfo(source.digest.hexdigest(), size)
    assert source.largest_read <= CHUNK_BYTES
    digest = hashlib.sha256()
    chunks = 0
    for chunk in store.open(info.sha256):
        assert 0 < len(chunk) <= CHUNK_BYTES
        digest.update(chunk)
        chunks += 1
    assert digest.hexdigest() == info.sha256
    assert chunks >= size // CHUNK_BYTES


def test_putting_the_same_content_twice_keeps_one_blob(store: BlobStore) -> None:
    first = store.put(io.BytesIO(b"same"))
    second = store.put(io.BytesIO(b"same"), expected_sha256=_sha(b"same"))
    assert first == second == BlobInfo(_sha(b"same"), 4)
    assert list(store.iter_all()) == [first]
    assert _read(store, first.sha256) == b"same"


def test_wrong_expected_hash_keeps_nothing(store: BlobStore) -> None:
    with pytest.raises(InvalidInputError, match="hashes to"):
        store.put(io.BytesIO(b"content"), expected_sha256=_sha(b"other"))
    assert not store.exists(_sha(b"content"))
    assert not store.exists(_sha(b"other"))
    assert list(store.iter_all()) == []


def test_a_stream_that_fails_midway_keeps_nothing(store: BlobStore) -> None:
    with pytest.raises(OSError, match="connection reset"):
        store.put(Chunked(3 * MIB, fail_after=2 * MIB))  # type: ignore[arg-type]
    assert list(store.iter_all()) == []


def test_absent_blob(store: BlobStore) -> None:
    missing = _sha(b"never stored")
    assert not store.exists(missing)
    with pytest.raises(NotFoundError):
        store.open(missing)  # raised on the call, before any chunk is asked for
    with pytest.raises(NotFoundError):
        store.size(missing)
    store.delete(missing)


def test_delete(store: BlobStore) -> None:
    info = store.put(io.BytesIO(b"bye"))
    kept = store.put(io.BytesIO(b"stay"))
    store.delete(info.sha256)
    store.delete(info.sha256)
    assert not store.exists(info.sha256)
    with pytest.raises(NotFoundError):
        store.open(info.sha256)
    assert list(store.iter_all()) == [kept]


BAD_ADDRESSES = [
    "../../etc/passwd",
    "A" * 64,
    "abc",
    "0" * 63 + "/",
    "../" + "0" * 61,
    "/" + "0" * 63,
    "0" * 64 + "\n",
    "0" * 65,
    "",
]


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("bad", BAD_ADDRESSES)
def test_invalid_addresses_are_refused(store: BlobStore, bad: str, tmp_path: Path) -> None:
    (tmp_path / "victim").write_bytes(b"outside the store")
    kept = store.put(io.BytesIO(b"kept"))
    before = _tree(tmp_path)
    calls: list[Any] = [
        store.exists,
        store.open,
        store.size,
        store.delete,
        store.presigned_url,
        lambda key: store.put(io.BytesIO(b"x"), expected_sha256=key),
    ]
    for call in calls:
        with pytest.raises(InvalidInputError, match="not a blob address"):
            call(bad)
    assert _tree(tmp_path) == before
    assert list(store.iter_all()) == [kept]


def test_iter_all_lists_every_blob(store: BlobStore) -> None:
    assert list(store.iter_all()) == []
    infos = {store.put(io.BytesIO(bytes([i]) * (i * 1000))) for i in range(20)}
    listed = list(store.iter_all())
    assert len(listed) == len(infos)
    assert set(listed) == infos


def test_presigned_url(store: BlobStore) -> None:
    info = store.put(io.BytesIO(b"direct download"))
    url = store.presigned_url(info.sha256, expires_s=60)
    if isinstance(store, LocalBlobStore):
        assert url is None
        return
    assert url is not None
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.content == b"direct download"


def test_concurrent_puts_of_one_content_leave_one_intact_blob(store: BlobStore) -> None:
    data = os.urandom(2 * MIB + 5)
    errors: list[BaseException] = []
    results: list[BlobInfo] = []
    start = threading.Barrier(8)

    def put() -> None:
        try:
            start.wait()
            results.append(store.put(io.BytesIO(data)))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=put) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert set(results) == {BlobInfo(_sha(data), len(data))}
    assert _read(store, _sha(data)) == data
    assert list(store.iter_all()) == [results[0]]


# Backend-specific behaviour.


def test_local_layout_fans_out_and_leaves_no_temp_files(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    info = store.put(io.BytesIO(b"layout"))
    sha = info.sha256
    assert (tmp_path / sha[:2] / sha[2:4] / sha).read_bytes() == b"layout"
    assert list(tmp_path.glob(TEMP_PREFIX + "*")) == []
    with pytest.raises(InvalidInputError):
        store.put(io.BytesIO(b"layout"), expected_sha256=_sha(b"nope"))
    assert list(tmp_path.glob(TEMP_PREFIX + "*")) == []


def test_local_iter_all_ignores_temp_and_stray_files(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    info = store.put(io.BytesIO(b"real"))
    (tmp_path / (TEMP_PREFIX + "partial")).write_bytes(b"half")
    (tmp_path / "ab" / "cd").mkdir(parents=True)
    (tmp_path / "ab" / "cd" / ("0" * 64)).write_bytes(b"misplaced")
    (tmp_path / "ab" / "cd" / "notes.txt").write_bytes(b"stray")
    assert list(store.iter_all()) == [info]


def test_local_clean_temp_removes_only_old_temp_files(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    info = store.put(io.BytesIO(b"keep me"))
    old = tmp_path / (TEMP_PREFIX + "crashed")
    fresh = tmp_path / (TEMP_PREFIX + "uploading")
    old.write_bytes(b"partial")
    fresh.write_bytes(b"partial")
    an_hour_ago = fresh.stat().st_mtime - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert store.clean_temp(older_than_s=600) == 1
    assert not old.exists()
    assert fresh.exists()
    assert store.exists(info.sha256)


def test_s3_key_layout_and_prefix_isolation(s3_endpoint: str, s3_bucket: str) -> None:
    ours = S3BlobStore(s3_bucket, "/team/blobs/", endpoint_url=s3_endpoint, region=REGION)
    other = S3BlobStore(s3_bucket, "elsewhere", endpoint_url=s3_endpoint, region=REGION)
    info = ours.put(io.BytesIO(b"object"))
    sha = info.sha256
    client = ours.client
    head = client.head_object(Bucket=s3_bucket, Key=f"team/blobs/{sha[:2]}/{sha}")
    assert head["ContentLength"] == len(b"object")
    client.put_object(Bucket=s3_bucket, Key="team/blobs/README", Body=b"foreign")
    client.put_object(Bucket=s3_bucket, Key=f"team/blobs/zz/{'1' * 64}", Body=b"misplaced")
    assert list(ours.iter_all()) == [info]
    assert list(other.iter_all()) == []
    assert not other.exists(sha)


def test_s3_iter_all_follows_pages(s3_endpoint: str, s3_bucket: str) -> None:
    store = S3BlobStore(s3_bucket, "p", endpoint_url=s3_endpoint, region=REGION)
    # Listed pages hold up to 1,000 keys: write the objects directly to cross a page quickly.
    expected = set()
    for i in range(1005):
        body = str(i).encode()
        sha = _sha(body)
        store.client.put_object(Bucket=s3_bucket, Key=store.key_of(sha), Body=body)
        expected.add(BlobInfo(sha, len(body)))
    assert set(store.iter_all()) == expected


def test_s3_large_blobs_go_up_in_parts(s3_endpoint: str, s3_bucket: str) -> None:
    store = S3BlobStore(s3_bucket, "parts", endpoint_url=s3_endpoint, region=REGION)
    store.single_put_bytes = store.part_bytes = 5 * MIB  # S3's smallest part
    data = os.urandom(11 * MIB + 1)
    info = store.put(io.BytesIO(data))
    assert info == BlobInfo(_sha(data), len(data))
    assert _read(store, info.sha256) == data
    assert store.put(io.BytesIO(data)) == info  # already there: no second upload
    with pytest.raises(InvalidInputError):
        store.put(io.BytesIO(data[:-1]), expected_sha256=info.sha256)
    assert list(store.iter_all()) == [info]
    uploads = store.client.list_multipart_uploads(Bucket=s3_bucket)
    assert uploads.get("Uploads", []) == []


def test_s3_put_never_overwrites_a_stored_blob(s3_endpoint: str, s3_bucket: str) -> None:
    store = S3BlobStore(s3_bucket, "", endpoint_url=s3_endpoint, region=REGION)
    client = store.client
    client.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    small = store.put(io.BytesIO(b"first"))
    large = os.urandom(6 * MIB)
    store.single_put_bytes = store.part_bytes = 5 * MIB
    big = store.put(io.BytesIO(large))
    # Writers that lost the race to exists() upload again; the conditional write refuses it.
    store.exists = lambda sha256: False  # type: ignore[method-assign]
    assert store.put(io.BytesIO(b"first")) == small
    assert store.put(io.BytesIO(large)) == big
    versions = client.list_object_versions(Bucket=s3_bucket)["Versions"]
    assert sorted(v["Key"] for v in versions) == sorted(
        store.key_of(i.sha256) for i in (small, big)
    )
    assert client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []
