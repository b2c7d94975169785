"""References: entries whose bytes stay at a URI, checksummed here, never fetched by the server.

Checksums are ``sha256:<hex>`` (the content's), ``etag:<etag>`` (an HTTP or S3 ETag), or
``unchecked`` (``checksum=False``: the URI alone identifies the entry). ``file://`` paths and
directories give one entry per file; ``https://`` a HEAD (ETag) or a hash of the content;
``s3://`` objects and prefixes their ETags through boto3.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final
from urllib.parse import unquote, urlsplit

from cairn.artifacts.entries import Entry
from cairn.errors import CairnError, InvalidInputError

SCHEMES: Final = ("file", "http", "https", "s3", "gs")
UNCHECKED: Final = "unchecked"
DEFAULT_MAX_OBJECTS: Final = 10_000
_CHUNK: Final = 1 << 20
_TIMEOUT_S: Final = 60.0


def checksum_reference(
    uri: str, name: str | None, checksum: bool, max_objects: int | None
) -> list[Entry]:
    """The entries a reference adds; CairnError says why it cannot be checksummed."""
    scheme = urlsplit(uri).scheme.lower()
    if scheme not in SCHEMES:
        raise InvalidInputError(f"cannot reference {uri!r}: use one of "
                                f"{', '.join(s + '://' for s in SCHEMES)}")  # fmt: skip
    limit = DEFAULT_MAX_OBJECTS if max_objects is None else max_objects
    if limit < 1:
        raise InvalidInputError("max_objects must be at least 1")
    if scheme == "file":
        return _file_entries(uri, name, checksum, limit)
    if not checksum:
        return [Entry(name or _last_segment(uri), ref=uri, checksum=UNCHECKED)]
    if scheme in ("http", "https"):
        return [_http_entry(uri, name)]
    if scheme == "s3":
        return _s3_entries(uri, name, limit)
    raise InvalidInputError(f"checksummed gs:// references are not supported yet: pass "
                            f"checksum=False to reference {uri!r} by its URI")  # fmt: skip


def _last_segment(uri: str) -> str:
    path = unquote(urlsplit(uri).path).rstrip("/")
    return posixpath.basename(path) or urlsplit(uri).hostname or "reference"


def _joined(name: str | None, rel: str) -> str:
    return f"{name.rstrip('/')}/{rel}" if name else rel


def local_path(uri: str) -> Path:
    """The path a ``file://`` URI names (on this machine)."""
    parts = urlsplit(uri)
    if parts.netloc not in ("", "localhost"):
        raise InvalidInputError(f"{uri!r} names another host; file:// references are local paths")
    return Path(unquote(parts.path))


def _file_entries(uri: str, name: str | None, checksum: bool, limit: int) -> list[Entry]:
    path = local_path(uri)
    if not path.exists():
        raise InvalidInputError(f"{path} does not exist (referenced as {uri!r})")
    if not checksum:
        return [Entry(name or path.name, ref=path.as_uri(), checksum=UNCHECKED)]
    if path.is_file():
        return [_file_entry(path, name or path.name)]
    files = sorted(p for p in path.rglob("*") if p.is_file())
    if len(files) > limit:
        raise InvalidInputError(f"{path} holds {len(files)} files, more than max_objects="
                                f"{limit}: raise max_objects or reference less")  # fmt: skip
    from cairn.artifacts.staging import in_parallel

    return in_parallel(
        lambda f: _file_entry(f, _joined(name, f.relative_to(path).as_posix())), files
    )


def _file_entry(path: Path, name: str) -> Entry:
    from cairn.artifacts.staging import sha256_of

    size = path.stat().st_size
    return Entry(name, size, ref=path.resolve().as_uri(), checksum=f"sha256:{sha256_of(path)}")


def _open_url(uri: str, method: str) -> Any:
    import urllib.request  # ~30 ms: only for http references

    if not uri.lower().startswith(("https://", "http://")):
        raise InvalidInputError(f"{uri!r} is not an http(s) URL")
    headers = {"User-Agent": "cairn-sdk"}
    request = urllib.request.Request(uri, method=method, headers=headers)  # noqa: S310
    try:
        return urllib.request.urlopen(request, timeout=_TIMEOUT_S)  # noqa: S310 (checked above)
    except OSError as exc:  # URLError and HTTPError are OSErrors
        raise CairnError(f"cannot {method} the reference {uri}: {exc}") from None


def _strong_etag(headers: Any) -> str | None:
    etag = headers.get("ETag")
    if not etag or etag.startswith("W/"):
        return None  # a weak ETag does not promise the same bytes
    return str(etag).strip('"')


def _http_entry(uri: str, name: str | None) -> Entry:
    with _open_url(uri, "HEAD") as answer:
        etag = _strong_etag(answer.headers)
        length = answer.headers.get("Content-Length")
    size = int(length) if length and length.isdigit() else None
    if etag:
        return Entry(name or _last_segment(uri), size, ref=uri, checksum=f"etag:{etag}")
    digest = hashlib.sha256()
    size = 0
    with _open_url(uri, "GET") as answer:
        while chunk := answer.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return Entry(name or _last_segment(uri), size, ref=uri, checksum=f"sha256:{digest.hexdigest()}")


def _s3_client() -> Any:
    try:
        import boto3
    except ImportError:
        raise InvalidInputError(
            's3:// references need boto3: pip install "cairn-ml[s3]" (or pass checksum=False '
            "to reference by URI only)"
        ) from None
    return boto3.client("s3")


def _bucket_key(uri: str) -> tuple[str, str]:
    parts = urlsplit(uri)
    return parts.netloc, unquote(parts.path).lstrip("/")


def _s3_entries(uri: str, name: str | None, limit: int) -> list[Entry]:
    client = _s3_client()
    bucket, key = _bucket_key(uri)
    if key and not key.endswith("/"):
        try:
            head = client.head_object(Bucket=bucket, Key=key)
        except Exception as exc:
            if _status(exc) not in (403, 404):
                raise CairnError(f"cannot read the reference {uri}: {exc}") from None
        else:
            etag = str(head["ETag"]).strip('"')
            return [Entry(name or posixpath.basename(key), int(head["ContentLength"]), ref=uri,
                          checksum=f"etag:{etag}")]  # fmt: skip
    prefix = key.rstrip("/") + "/" if key else ""
    entries: list[Entry] = []
    for obj in _s3_list(client, bucket, prefix, uri):
        if obj["Key"].endswith("/"):
            continue  # a folder marker
        if len(entries) >= limit:
            raise InvalidInputError(f"{uri} holds more than max_objects={limit} objects: raise "
                                    "max_objects or reference less")  # fmt: skip
        rel = obj["Key"][len(prefix) :]
        entries.append(Entry(_joined(name, rel), int(obj["Size"]), ref=f"s3://{bucket}/{obj['Key']}",
                             checksum=f"etag:{str(obj['ETag']).strip(chr(34))}"))  # fmt: skip
    if not entries:
        raise InvalidInputError(f"{uri} names no object and no prefix with objects")
    return entries


def _s3_list(client: Any, bucket: str, prefix: str, uri: str) -> Iterator[dict[str, Any]]:
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            yield from page.get("Contents", ())
    except Exception as exc:
        raise CairnError(f"cannot list the reference {uri}: {exc}") from None


def _status(exc: Exception) -> int | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return int(status) if status else None
    return None


# -- fetching a reference's bytes (download) --------------------------------------------------


def fetch(entry: Entry, target: Path) -> None:
    """Write a reference's bytes to ``target`` (via a partial file) and check them against the
    checksum; CairnError naming the file when they differ (the reference changed)."""
    assert entry.ref is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.urandom(4).hex()}")
    try:
        etag, sha, size = _fetch_into(entry.ref, partial)
        _check(entry, etag, sha, size)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _copy(source: IO[bytes], partial: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with partial.open("wb") as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _fetch_into(ref: str, partial: Path) -> tuple[str | None, str, int]:
    scheme = urlsplit(ref).scheme.lower()
    if scheme == "file":
        path = local_path(ref)
        if path.is_dir():
            shutil.copytree(path, partial)  # an unchecked folder reference: its tree as it is
            return None, "", 0
        try:
            with path.open("rb") as source:
                sha, size = _copy(source, partial)
        except OSError as exc:
            raise CairnError(f"cannot read the reference {ref}: {exc}") from None
        return None, sha, size
    if scheme in ("http", "https"):
        with _open_url(ref, "GET") as answer:
            etag = _strong_etag(answer.headers)
            sha, size = _copy(answer, partial)
        return etag, sha, size
    if scheme == "s3":
        bucket, key = _bucket_key(ref)
        try:
            obj = _s3_client().get_object(Bucket=bucket, Key=key)
        except Exception as exc:
            raise CairnError(f"cannot read the reference {ref}: {exc}") from None
        sha, size = _copy(obj["Body"], partial)
        return str(obj["ETag"]).strip('"'), sha, size
    raise InvalidInputError(f"cannot download the reference {ref}: gs:// downloads need "
                            "google-cloud-storage support, which is not there yet")  # fmt: skip


def _check(entry: Entry, etag: str | None, sha: str, size: int) -> None:
    checksum = entry.checksum or UNCHECKED
    if checksum == UNCHECKED:
        return
    kind, _, expected = checksum.partition(":")
    got = sha if kind == "sha256" else etag
    if got != expected or (entry.size is not None and size != entry.size):
        raise CairnError(
            f"the reference {entry.path!r} ({entry.ref}) changed since it was logged: "
            f"{kind} {got} ({size} bytes) instead of {expected} ({entry.size} bytes)"
        )


def matches(entry: Entry, path: Path) -> bool | None:
    """Whether a downloaded reference at ``path`` still holds its logged bytes: None when only
    the source can tell (an ETag, or unchecked)."""
    kind, _, expected = (entry.checksum or "").partition(":")
    if kind != "sha256":
        return None
    from cairn.artifacts.staging import sha256_of

    return path.is_file() and sha256_of(path) == expected
