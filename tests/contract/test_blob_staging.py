"""Multipart uploads in every blob store: parts staged, joined into a blob, or dropped."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import httpx
import pytest

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.store.base import BlobInfo, BlobStore
from cairn.server.store.blobs import LocalBlobStore, S3BlobStore

MIB = 1024 * 1024
PART = 5 * MIB  # S3's smallest part; the local store takes any


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _parts(data: bytes) -> list[bytes]:
    return [data[i : i + PART] for i in range(0, len(data), PART)]


def _nothing_staged(store: BlobStore, upload_id: str, handle: str | None) -> None:
    assert store.uploaded_parts(upload_id, handle) == {}
    if isinstance(store, S3BlobStore):
        client = store.client
        assert client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", []) == []
        keys = [o["Key"] for o in client.list_objects_v2(Bucket=store.bucket).get("Contents", [])]
        assert [k for k in keys if "/.uploads/" in k or k.startswith(".uploads/")] == []
    else:
        assert isinstance(store, LocalBlobStore)
        assert not (store.root / ".uploads" / upload_id).exists()


def test_parts_in_any_order_join_into_one_blob(store: BlobStore) -> None:
    data = os.urandom(2 * PART + 7)
    upload = os.urandom(16).hex()
    handle = store.begin_upload(upload)
    parts = _parts(data)
    for number in (3, 1, 2):
        chunk = parts[number - 1]
        store.put_part(upload, handle, number, io.BytesIO(chunk), len(chunk))
    assert store.uploaded_parts(upload, handle) == {1: PART, 2: PART, 3: 7}
    assert list(store.iter_all()) == []  # staged parts are not blobs
    sizes = [len(p) for p in parts]
    info = store.complete_upload(upload, handle, sizes, _sha(data))
    assert info == BlobInfo(_sha(data), len(data))
    assert b"".join(store.open(info.sha256)) == data
    assert store.complete_upload(upload, handle, sizes, _sha(data)) == info  # again: same
    store.abort_upload(upload, handle)
    _nothing_staged(store, upload, handle)
    assert list(store.iter_all()) == [info]
    store.abort_upload(upload, handle)  # twice: no error


def test_content_that_hashes_otherwise_keeps_no_blob(store: BlobStore) -> None:
    data = os.urandom(PART + 3)
    upload = os.urandom(16).hex()
    handle = store.begin_upload(upload)
    for number, chunk in enumerate(_parts(data), 1):
        store.put_part(upload, handle, number, io.BytesIO(chunk), len(chunk))
    claimed = _sha(b"something else")
    with pytest.raises(InvalidInputError, match="hashes to") as caught:
        store.complete_upload(upload, handle, [PART, 3], claimed)
    assert caught.value.details == {"expected_sha256": claimed, "actual_sha256": _sha(data)}
    store.abort_upload(upload, handle)
    assert list(store.iter_all()) == []
    _nothing_staged(store, upload, handle)


def test_missing_and_wrong_sized_parts_are_named(store: BlobStore) -> None:
    upload = os.urandom(16).hex()
    handle = store.begin_upload(upload)
    first = os.urandom(PART)
    store.put_part(upload, handle, 1, io.BytesIO(first), PART)
    for wrong in (first[:-1], first + b"x"):
        with pytest.raises(InvalidInputError, match="part 2 holds"):
            store.put_part(upload, handle, 2, io.BytesIO(wrong), PART)
    assert store.uploaded_parts(upload, handle) == {1: PART}
    with pytest.raises(InvalidInputError, match="parts 2, 3 of the upload") as caught:
        store.complete_upload(upload, handle, [PART, PART, 1], _sha(b"whatever"))
    assert caught.value.details["missing_parts"] == [2, 3]
    assert store.uploaded_parts(upload, handle) == {1: PART}  # nothing changed
    for number in (0, 10_001):
        with pytest.raises(InvalidInputError, match="out of range"):
            store.put_part(upload, handle, number, io.BytesIO(b"x"), 1)
    store.abort_upload(upload, handle)


def test_a_part_sent_again_replaces_the_first(store: BlobStore) -> None:
    upload = os.urandom(16).hex()
    handle = store.begin_upload(upload)
    store.put_part(upload, handle, 1, io.BytesIO(b"a" * 10), 10)
    store.put_part(upload, handle, 1, io.BytesIO(b"b" * 10), 10)
    info = store.complete_upload(upload, handle, [10], _sha(b"b" * 10))
    assert b"".join(store.open(info.sha256)) == b"b" * 10
    store.abort_upload(upload, handle)


def test_parts_of_an_unknown_or_aborted_upload_are_refused(store: BlobStore) -> None:
    upload = os.urandom(16).hex()
    handle = store.begin_upload(upload)
    store.abort_upload(upload, handle)
    # S3 answers NoSuchUpload (NotFoundError here); moto fails with an internal error instead.
    expected = NotFoundError if isinstance(store, LocalBlobStore) else Exception
    with pytest.raises(expected):
        store.put_part(upload, handle, 1, io.BytesIO(b"late"), 4)
    assert store.uploaded_parts(upload, handle) == {}
    _nothing_staged(store, upload, handle)


BAD_IDS = ["../../etc", "A" * 32, "0" * 31, "0" * 33, "0" * 31 + "/", "", "0" * 32 + "\n"]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_invalid_upload_ids_are_refused(store: BlobStore, bad: str, tmp_path: Path) -> None:
    (tmp_path / "victim").write_bytes(b"outside the store")
    before = sorted(p for p in tmp_path.rglob("*"))
    calls = [
        lambda: store.begin_upload(bad),
        lambda: store.put_part(bad, "h", 1, io.BytesIO(b"x"), 1),
        lambda: store.uploaded_parts(bad, "h"),
        lambda: store.part_urls(bad, "h", [1], 60),
        lambda: store.complete_upload(bad, "h", [1], _sha(b"x")),
        lambda: store.abort_upload(bad, "h"),
    ]
    for call in calls:
        with pytest.raises(InvalidInputError, match="not an upload id"):
            call()
    assert sorted(p for p in tmp_path.rglob("*")) == before


def test_presigned_part_urls_take_the_bytes_directly(store: BlobStore) -> None:
    data = os.urandom(PART + 11)
    upload = os.urandom(16).hex()
    handle = store.begin_upload(upload)
    urls = store.part_urls(upload, handle, [1, 2], expires_s=600)
    if isinstance(store, LocalBlobStore):
        assert urls is None
        store.abort_upload(upload, handle)
        return
    assert urls is not None
    assert sorted(urls) == [1, 2]
    for number, chunk in enumerate(_parts(data), 1):
        assert httpx.put(urls[number], content=chunk).status_code == 200
    assert store.uploaded_parts(upload, handle) == {1: PART, 2: 11}
    info = store.complete_upload(upload, handle, [PART, 11], _sha(data))
    store.abort_upload(upload, handle)
    assert b"".join(store.open(info.sha256)) == data
    _nothing_staged(store, upload, handle)


def test_presigned_get_carries_the_asked_headers(store: BlobStore) -> None:
    info = store.put(io.BytesIO(b"<svg/>"))
    url = store.presigned_url(
        info.sha256, 60, content_type="image/svg+xml", content_disposition='inline; filename="a"'
    )
    if isinstance(store, LocalBlobStore):
        assert url is None
        return
    assert url is not None
    answer = httpx.get(url, headers={"Range": "bytes=1-3"})
    assert answer.status_code == 206
    assert answer.content == b"svg"
    assert answer.headers["content-type"] == "image/svg+xml"
    assert answer.headers["content-disposition"] == 'inline; filename="a"'
