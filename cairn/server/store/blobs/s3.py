"""Blobs in an S3-compatible bucket: ``prefix/ab/<sha256>``, uploaded after hashing."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from typing import Any, BinaryIO

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.store.base import BlobInfo, BlobStore
from cairn.server.store.blobs.local import CHUNK_BYTES, check_sha256

_SPOOL_BYTES = 16 * 1024 * 1024


def _boto3_client(endpoint_url: str | None, region: str | None) -> Any:
    try:
        import boto3
    except ImportError:
        raise InvalidInputError(
            'the S3 blob store needs boto3: pip install "cairn-ml[s3]"'
        ) from None
    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region)


class S3BlobStore(BlobStore):
    """Content-addressed objects in one bucket under a prefix."""

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
        self._client = client or _boto3_client(endpoint_url, region)

    def _key(self, sha256: str) -> str:
        check_sha256(sha256)
        name = f"{sha256[:2]}/{sha256}"
        return f"{self.prefix}/{name}" if self.prefix else name

    def _missing(self, exc: Exception) -> bool:
        error = getattr(exc, "response", {}).get("Error", {})
        return str(error.get("Code")) in ("404", "NoSuchKey", "NotFound")

    def put(self, data: BinaryIO, expected_sha256: str | None = None) -> BlobInfo:
        if expected_sha256 is not None:
            check_sha256(expected_sha256)
        digest = hashlib.sha256()
        size = 0
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
            while chunk := data.read(CHUNK_BYTES):
                digest.update(chunk)
                spool.write(chunk)
                size += len(chunk)
            sha = digest.hexdigest()
            if expected_sha256 is not None and sha != expected_sha256:
                raise InvalidInputError(
                    f"content hashes to {sha}, not {expected_sha256}: the upload was corrupted "
                    "or the address is wrong"
                )
            if not self.exists(sha):
                spool.seek(0)
                self._client.upload_fileobj(spool, self.bucket, self._key(sha))
        return BlobInfo(sha, size)

    def exists(self, sha256: str) -> bool:
        try:
            self._client.head_object(Bucket=self.bucket, Key=self._key(sha256))
        except Exception as exc:
            if self._missing(exc):
                return False
            raise
        return True

    def open(self, sha256: str) -> Iterator[bytes]:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self._key(sha256))
        except Exception as exc:
            if self._missing(exc):
                raise NotFoundError(f"blob {sha256} is not stored") from None
            raise
        body = response["Body"]
        return _stream(body)

    def size(self, sha256: str) -> int:
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=self._key(sha256))
        except Exception as exc:
            if self._missing(exc):
                raise NotFoundError(f"blob {sha256} is not stored") from None
            raise
        return int(head["ContentLength"])

    def delete(self, sha256: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=self._key(sha256))

    def presigned_url(self, sha256: str, expires_s: int = 3600) -> str | None:
        url: str = self._client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": self._key(sha256)},
            ExpiresIn=expires_s,
        )
        return url

    def iter_all(self) -> Iterator[BlobInfo]:
        paginator = self._client.get_paginator("list_objects_v2")
        start = f"{self.prefix}/" if self.prefix else ""
        for page in paginator.paginate(Bucket=self.bucket, Prefix=start):
            for item in page.get("Contents", []):
                name = item["Key"].rsplit("/", 1)[-1]
                try:
                    check_sha256(name)
                except InvalidInputError:
                    continue
                yield BlobInfo(name, int(item["Size"]))


def _stream(body: Any) -> Iterator[bytes]:
    try:
        while chunk := body.read(CHUNK_BYTES):
            yield chunk
    finally:
        body.close()
