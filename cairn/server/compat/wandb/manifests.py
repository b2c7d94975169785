"""W&B artifact manifests (``wandb_manifest.json``) read and written as Cairn's entries.

W&B names a stored file by the base64 MD5 of its bytes and a reference by whatever digest its
handler chose; Cairn names a file by its sha256. The server computes both from the bytes it
holds, so a manifest it hands out never repeats a digest a client only claimed.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import orjson

from cairn.errors import InvalidInputError
from cairn.server.context import ServerContext
from cairn.server.store.artifacts import MAX_ENTRIES_PAGE, EntryRecord, VersionRecord
from cairn.wire.records import REF_SCHEMES, check_artifact_path

STORAGE_POLICY: Final = "wandb-storage-policy-v1"
DIGEST_HEADER: Final = "wandb-artifact-manifest-v1\n"
MAX_MANIFEST_BYTES: Final = 256 * 1024 * 1024
_MAX_DIGEST: Final = 1 << 12


@dataclass(frozen=True, slots=True)
class WandbEntry:
    """One entry of a W&B manifest: a stored file (``digest`` its base64 MD5) or a reference
    (``ref``, whose ``digest`` is the handler's checksum)."""

    path: str
    digest: str
    size: int | None
    ref: str | None = None
    extra: dict[str, Any] | None = None


def wandb_digest(entries: Iterable[tuple[str, str]]) -> str:
    """W&B's manifest digest (MANIFEST_MD5) of ``(path, entry digest)`` pairs."""
    hasher = hashlib.md5(DIGEST_HEADER.encode(), usedforsecurity=False)
    for path, digest in sorted(entries):
        hasher.update(f"{path}:{digest}\n".encode())
    return hasher.hexdigest()


def b64_md5(digest: bytes) -> str:
    """An MD5 as W&B writes it (base64 of the 16 bytes)."""
    return base64.b64encode(digest).decode("ascii")


def parse_manifest(raw: bytes) -> list[WandbEntry]:
    """The entries of an uploaded ``wandb_manifest.json``; InvalidInputError naming what is
    wrong."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInputError(f"the artifact manifest is not JSON: {exc}") from None
    if not isinstance(body, dict) or body.get("version") != 1:
        raise InvalidInputError("the artifact manifest must be a W&B manifest of version 1")
    if body.get("storagePolicy", STORAGE_POLICY) != STORAGE_POLICY:
        raise InvalidInputError(
            f"artifact storage policy {body.get('storagePolicy')!r} is not supported: "
            f"Cairn stores W&B artifacts with {STORAGE_POLICY!r}"
        )
    contents = body.get("contents")
    if not isinstance(contents, dict):
        raise InvalidInputError("the artifact manifest has no 'contents' map")
    return [_entry(path, value) for path, value in contents.items()]


def _entry(path: str, value: object) -> WandbEntry:
    check_artifact_path(path)
    if not isinstance(value, dict):
        raise InvalidInputError(f"artifact manifest entry {path!r} must be a map")
    digest = value.get("digest")
    if not isinstance(digest, str) or not digest or len(digest) > _MAX_DIGEST:
        raise InvalidInputError(f"artifact manifest entry {path!r} needs a string 'digest'")
    size = value.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise InvalidInputError(f"artifact manifest entry {path!r}: 'size' must be >= 0")
    ref = value.get("ref")
    if ref is not None and not isinstance(ref, str):
        raise InvalidInputError(f"artifact manifest entry {path!r}: 'ref' must be a string")
    extra = value.get("extra")
    if extra is not None and not isinstance(extra, dict):
        raise InvalidInputError(f"artifact manifest entry {path!r}: 'extra' must be a map")
    return WandbEntry(path, digest, size, ref, extra or None)


def reference_entry(entry: WandbEntry) -> dict[str, Any]:
    """A W&B reference as a Cairn entry (its digest is the checksum); InvalidInputError for a
    scheme Cairn does not track."""
    assert entry.ref is not None
    if not entry.ref.startswith(REF_SCHEMES):
        raise InvalidInputError(
            f"artifact reference {entry.ref[:100]!r} ({entry.path!r}): Cairn tracks references "
            f"starting with {', '.join(REF_SCHEMES)}; add this file to the artifact instead"
        )
    out: dict[str, Any] = {"path": entry.path, "ref": entry.ref, "checksum": entry.digest}
    if entry.size is not None:
        out["size"] = entry.size
    if entry.extra:
        out["extra"] = entry.extra
    return out


def all_entries(ctx: ServerContext, version_pk: int) -> list[EntryRecord]:
    """Every entry of a version, by path."""
    out: list[EntryRecord] = []
    after: str | None = None
    while True:
        page = ctx.meta.list_entries(version_pk, after=after, limit=MAX_ENTRIES_PAGE)
        out.extend(page)
        if len(page) < MAX_ENTRIES_PAGE:
            return out
        after = page[-1].path


def file_md5s(ctx: ServerContext, shas: Iterable[str]) -> dict[str, str]:
    """The base64 MD5 of each blob, computed from its bytes the first time one is asked for."""
    wanted = list(dict.fromkeys(shas))
    known = ctx.meta.md5s_of(wanted)
    computed: list[tuple[str, str]] = []
    for sha in wanted:
        if sha not in known:
            hasher = hashlib.md5(usedforsecurity=False)
            for chunk in ctx.blobs.open(sha):
                hasher.update(chunk)
            known[sha] = b64_md5(hasher.digest())
            computed.append((sha, known[sha]))
    if computed:
        ctx.meta.remember_md5s(computed)
    return known


def entry_digests(ctx: ServerContext, entries: list[EntryRecord]) -> dict[str, str]:
    """Each entry's W&B digest by path: a file's MD5, a reference's checksum."""
    md5s = file_md5s(ctx, [e.sha256 for e in entries if e.sha256])
    return {e.path: md5s[e.sha256] if e.sha256 else str(e.checksum) for e in entries}


def version_digest(ctx: ServerContext, version: VersionRecord) -> str:
    """A version's W&B manifest digest (what W&B's client computes for the same files)."""
    entries = all_entries(ctx, version.pk)
    return wandb_digest(entry_digests(ctx, entries).items())


def manifest_json(ctx: ServerContext, version: VersionRecord, artifact_id: str) -> dict[str, Any]:
    """The version as a W&B manifest (no local paths: only what the version holds)."""
    entries = all_entries(ctx, version.pk)
    digests = entry_digests(ctx, entries)
    contents: dict[str, Any] = {}
    for entry in entries:
        item: dict[str, Any] = {"digest": digests[entry.path]}
        if entry.ref is not None:
            item["ref"] = entry.ref
        else:
            item["birthArtifactID"] = artifact_id
        if entry.size is not None:
            item["size"] = entry.size
        if entry.extra:
            item["extra"] = entry.extra
        contents[entry.path] = item
    return {
        "version": 1,
        "storagePolicy": STORAGE_POLICY,
        "storagePolicyConfig": {"storageLayout": "V2"},
        "contents": contents,
    }
