"""Blobs in an S3-compatible bucket: ``prefix/ab/<sha256>``, uploaded once hashed."""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import Iterator
from typing import IO, Any, BinaryIO

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.store.base import (
    BlobInfo,
    BlobStore,
    check_range,
    check_upload_id,
    missing_parts_error,
)
from cairn.server.store.blobs.local import CHUNK_BYTES, UPLOADS_DIR, check_sha256, mismatch_error

# Blobs up to this size are spooled in memory while hashed; larger ones go to a temp file.
SPOOL_BYTES = 8 * 1024 * 1024
MIB = 1024 * 1024
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_UPLOAD_ATTEMPTS = 3
_MAX_PARTS = 10_000


def make_client(endpoint_url: str | None, region: str | None) -> Any:
    """A boto3 S3 client; InvalidInputError naming the extra when boto3 is not installed."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise InvalidInputError(
            'the S3 blob store needs boto3: pip install "cairn-ml[s3]"'
        ) from None
    # Custom endpoints (MinIO, Ceph, R2 ...) rarely resolve bucket subdomains: address by path.
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path" if endpoint_url else "auto"},
        retries={"mode": "standard"},
    )
    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region, config=config)


class S3BlobStore(BlobStore):
    """Content-addressed objects in one bucket under a prefix."""

    #: Larger blobs go up in parts of ``part_bytes`` (S3: 5 MiB at least, 10,000 parts at most).
    single_put_bytes = 64 * MIB
    part_bytes = 16 * MIB
    min_part_bytes = 5 * MIB

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        client: Any = None,
    ) -> None:
        if not bucket:
            raise InvalidInputError("an S3 blob store needs a bucket: s3://bucket/prefix")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client: Any = client if client is not None else make_client(endpoint_url, region)

    def key_of(self, sha256: str) -> str:
        """The object key of blob ``sha256`` (validated first, so it stays under the prefix)."""
        check_sha256(sha256)
        name = f"{sha256[:2]}/{sha256}"
        return f"{self.prefix}/{name}" if self.prefix else name

    def put(self, data: BinaryIO, expected_sha256: str | None = None) -> BlobInfo:
        if expected_sha256 is not None:
            check_sha256(expected_sha256)
        digest = hashlib.sha256()
        size = 0
        # The key is the hash, known only at the end: spool first, upload once verified.
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            while chunk := data.read(CHUNK_BYTES):
                digest.update(chunk)
                spool.write(chunk)
                size += len(chunk)
            sha = digest.hexdigest()
            if expected_sha256 is not None and sha != expected_sha256:
                raise mismatch_error(sha, expected_sha256)
            if not self.exists(sha):
                self._upload(spool, self.key_of(sha), size)
        return BlobInfo(sha, size)

    def _upload(self, spool: IO[bytes], key: str, size: int) -> None:
        """Create the object unless it exists: a PUT, or parts above ``single_put_bytes``.

        Both are atomic (no reader sees a partial object) and conditional (``If-None-Match: *``),
        so racing writers of one content do not overwrite each other: a 412 means the same bytes
        are already stored. A 409 (a conflicting conditional write in flight) is retried.
        Stores without conditional writes ignore the header and overwrite identical bytes.
        """
        for attempt in range(_UPLOAD_ATTEMPTS):
            spool.seek(0)
            try:
                if size <= self.single_put_bytes:
                    self.client.put_object(
                        Bucket=self.bucket, Key=key, Body=spool, ContentLength=size, IfNoneMatch="*"
                    )
                else:
                    self._upload_parts(spool, key, size)
            except Exception as exc:
                code = _error_code(exc)
                if code == "PreconditionFailed":
                    return
                if code != "ConditionalRequestConflict" or attempt + 1 == _UPLOAD_ATTEMPTS:
                    raise
            else:
                return

    def _upload_parts(self, spool: IO[bytes], key: str, size: int) -> None:
        """A multipart upload, one part in memory at a time; aborted on any failure."""
        part_bytes = max(self.part_bytes, -(-size // _MAX_PARTS))
        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        try:
            parts: list[dict[str, Any]] = []
            while part := spool.read(part_bytes):
                number = len(parts) + 1
                response = self.client.upload_part(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=part
                )
                parts.append({"ETag": response["ETag"], "PartNumber": number})
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
                IfNoneMatch="*",
            )
        except BaseException:
            with contextlib.suppress(Exception):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise

    def exists(self, sha256: str) -> bool:
        try:
            self._head(sha256)
        except NotFoundError:
            return False
        return True

    def open(self, sha256: str) -> Iterator[bytes]:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except Exception as exc:
            if _is_missing(exc):
                raise NotFoundError(f"blob {sha256} is not stored") from None
            raise
        return _stream(response["Body"])

    def open_range(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        check_range(start, end)
        key = self.key_of(sha256)
        if start == end:  # no byte wanted: HTTP has no empty range, but absence still counts
            self._head(sha256)
            return iter(())
        try:
            response = self.client.get_object(
                Bucket=self.bucket, Key=key, Range=f"bytes={start}-{end - 1}"
            )
        except Exception as exc:
            if _is_missing(exc):
                raise NotFoundError(f"blob {sha256} is not stored") from None
            if _error_code(exc) == "InvalidRange":  # start at or past the end
                return iter(())
            raise
        return _stream(response["Body"])

    def size(self, sha256: str) -> int:
        return int(self._head(sha256)["ContentLength"])

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key_of(sha256))

    def presigned_url(
        self,
        sha256: str,
        expires_s: int = 3600,
        *,
        content_type: str | None = None,
        content_disposition: str | None = None,
    ) -> str | None:
        params = {"Bucket": self.bucket, "Key": self.key_of(sha256)}
        if content_type is not None:
            params["ResponseContentType"] = content_type
        if content_disposition is not None:
            params["ResponseContentDisposition"] = content_disposition
        url: str = self.client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=expires_s
        )
        return url

    # Multipart uploads: a native multipart upload into the staging key ``prefix/.uploads/<id>``
    # (never a blob key: iter_all skips it), completed there, read back once to hash, then
    # copied to the blob's address. The handle is S3's UploadId.

    def staging_key(self, upload_id: str) -> str:
        """The object key an upload is staged under (validated first, so it stays under the
        prefix)."""
        name = f"{UPLOADS_DIR}/{check_upload_id(upload_id)}"
        return f"{self.prefix}/{name}" if self.prefix else name

    def begin_upload(self, upload_id: str) -> str | None:
        response = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=self.staging_key(upload_id)
        )
        return str(response["UploadId"])

    def put_part(
        self, upload_id: str, handle: str | None, number: int, data: BinaryIO, length: int
    ) -> None:
        key = self.staging_key(upload_id)
        _check_part_number(number)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            got = 0
            while got <= length and (chunk := data.read(CHUNK_BYTES)):
                spool.write(chunk)
                got += len(chunk)
            if got != length:
                raise InvalidInputError(
                    f"part {number} holds {'more than ' if got > length else ''}{got} bytes, "
                    f"not {length}: send the part's exact bytes",
                    expected_size=length,
                )
            spool.seek(0)
            try:
                self.client.upload_part(
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=_handle(handle),
                    PartNumber=number,
                    Body=spool,
                    ContentLength=length,
                )
            except Exception as exc:
                if _error_code(exc) == "NoSuchUpload":
                    raise NotFoundError(f"upload {upload_id} was not begun or is gone") from None
                raise

    def uploaded_parts(self, upload_id: str, handle: str | None) -> dict[int, int]:
        return {n: size for n, (size, _) in self._parts(upload_id, handle).items()}

    def _parts(self, upload_id: str, handle: str | None) -> dict[int, tuple[int, str]]:
        """number → (size, ETag) of the staged parts; empty for an unknown upload."""
        key = self.staging_key(upload_id)
        if handle is None:
            return {}
        parts: dict[int, tuple[int, str]] = {}
        marker = 0
        while True:
            try:
                page = self.client.list_parts(
                    Bucket=self.bucket, Key=key, UploadId=handle, PartNumberMarker=marker
                )
            except Exception as exc:
                if _error_code(exc) == "NoSuchUpload":
                    return {}
                raise
            for part in page.get("Parts", []):
                parts[int(part["PartNumber"])] = (int(part["Size"]), str(part["ETag"]))
            if not page.get("IsTruncated"):
                return dict(sorted(parts.items()))
            marker = int(page["NextPartNumberMarker"])

    def part_urls(
        self, upload_id: str, handle: str | None, numbers: list[int], expires_s: int
    ) -> dict[int, str] | None:
        key = self.staging_key(upload_id)
        upload = _handle(handle)
        urls: dict[int, str] = {}
        for number in numbers:
            _check_part_number(number)
            urls[number] = self.client.generate_presigned_url(
                "upload_part",
                Params={
                    "Bucket": self.bucket,
                    "Key": key,
                    "UploadId": upload,
                    "PartNumber": number,
                },
                ExpiresIn=expires_s,
            )
        return urls

    def complete_upload(
        self, upload_id: str, handle: str | None, part_sizes: list[int], expected_sha256: str
    ) -> BlobInfo:
        check_sha256(expected_sha256)
        key = self.staging_key(upload_id)
        if not self._object_exists(key):  # a second call finds it completed already
            parts = self._parts(upload_id, handle)
            if any(parts.get(n, (None,))[0] != size for n, size in enumerate(part_sizes, 1)):
                raise missing_parts_error(part_sizes, {n: s for n, (s, _) in parts.items()})
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=_handle(handle),
                MultipartUpload={
                    "Parts": [
                        {"PartNumber": n, "ETag": parts[n][1]}
                        for n in range(1, len(part_sizes) + 1)
                    ]
                },
            )
        digest = hashlib.sha256()
        size = 0
        for chunk in _stream(self.client.get_object(Bucket=self.bucket, Key=key)["Body"]):
            digest.update(chunk)
            size += len(chunk)
        sha = digest.hexdigest()
        if sha != expected_sha256:
            self.client.delete_object(Bucket=self.bucket, Key=key)
            raise mismatch_error(sha, expected_sha256)
        if not self.exists(sha):
            # A managed copy: server-side, in parts past 5 GiB (CopyObject's limit).
            self.client.copy({"Bucket": self.bucket, "Key": key}, self.bucket, self.key_of(sha))
        return BlobInfo(sha, size)

    def abort_upload(self, upload_id: str, handle: str | None) -> None:
        key = self.staging_key(upload_id)
        if handle is not None:
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=handle)
            except Exception as exc:
                if _error_code(exc) not in ("NoSuchUpload", *_MISSING_CODES):
                    raise
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def _object_exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            if _is_missing(exc):
                return False
            raise
        return True

    def iter_all(self) -> Iterator[BlobInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        start = f"{self.prefix}/" if self.prefix else ""
        for page in paginator.paginate(Bucket=self.bucket, Prefix=start):
            for item in page.get("Contents", []):
                name = item["Key"].rsplit("/", 1)[-1]
                try:
                    if self.key_of(name) != item["Key"]:
                        continue  # a foreign object under the prefix, not one of ours
                except InvalidInputError:
                    continue
                yield BlobInfo(name, int(item["Size"]))

    def _head(self, sha256: str) -> dict[str, Any]:
        try:
            head: dict[str, Any] = self.client.head_object(
                Bucket=self.bucket, Key=self.key_of(sha256)
            )
        except Exception as exc:
            if _is_missing(exc):
                raise NotFoundError(f"blob {sha256} is not stored") from None
            raise
        return head


def _check_part_number(number: int) -> None:
    if not 1 <= number <= _MAX_PARTS:
        raise InvalidInputError(f"part {number} is out of range: parts are 1 to {_MAX_PARTS}")


def _handle(handle: str | None) -> str:
    """The UploadId kept with a session (a session made by another store has none)."""
    if not handle:
        raise NotFoundError("this upload was not begun in the S3 store: start it again")
    return handle


def _error_code(exc: Exception) -> str | None:
    """The S3 error code of a botocore ClientError, None for any other exception."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return None if code is None else str(code)


def _is_missing(exc: Exception) -> bool:
    """Whether a botocore ClientError says the object does not exist."""
    return _error_code(exc) in _MISSING_CODES


def _stream(body: Any) -> Iterator[bytes]:
    try:
        while chunk := body.read(CHUNK_BYTES):
            yield chunk
    finally:
        body.close()
