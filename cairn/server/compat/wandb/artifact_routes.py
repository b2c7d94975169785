"""Artifact capability URLs of the W&B surface (design 0016): ``PUT`` a file or the manifest of
a version the client is building, ``GET`` a committed version's manifest and files.

The client sends no credentials on them; the token names the caller, whose role is checked
again on each use (member to write, viewer to read). A file's bytes are hashed as they arrive:
sha256 addresses the blob, MD5 must be the one the URL was made for.
"""

from __future__ import annotations

import base64
import hashlib
import tempfile
from typing import IO, BinaryIO, Final, cast

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.api.blob_response import blob_response
from cairn.server.api.bodies import limited_chunks
from cairn.server.auth.principal import Principal
from cairn.server.compat.wandb.manifests import MAX_MANIFEST_BYTES, manifest_json, parse_manifest
from cairn.server.compat.wandb.resolvers.artifact_shapes import encode_id
from cairn.server.compat.wandb.responses import wandb_errors
from cairn.server.compat.wandb.tokens import ArtifactGrant, open_artifact_grant
from cairn.server.context import ServerContext
from cairn.server.store.wandb_artifacts import WandbArtifact
from cairn.wire.records import check_artifact_path

router = APIRouter(include_in_schema=False)

MAX_ARTIFACT_FILE_BYTES: Final = 5 * 1024**3
_SPOOL_BYTES: Final = 8 * 1024 * 1024


def _ctx(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.cairn
    return ctx


class _Received:
    """A request body spooled to a temporary file, with its sha256, MD5 and size."""

    def __init__(self) -> None:
        self.spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
        self.sha256 = hashlib.sha256()
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.size = 0

    async def read(self, request: Request, limit: int) -> None:
        async for chunk in limited_chunks(request, limit):
            self.sha256.update(chunk)
            self.md5.update(chunk)
            self.spool.write(chunk)
            self.size += len(chunk)

    def keep(self, ctx: ServerContext, who: Principal) -> str:
        """Store the bytes as a blob noted as the caller's upload; their sha256."""
        sha = self.sha256.hexdigest()
        self.spool.seek(0)
        ctx.blobs.put(cast(BinaryIO, self.spool), sha)

        def bytes_kept() -> bool:
            if not ctx.blobs.exists(sha):  # collected between put and now: store it again
                self.spool.seek(0)
                ctx.blobs.put(cast(BinaryIO, self.spool), sha)
            return True

        ctx.meta.record_blob_upload(who, sha, self.size, bytes_kept)
        return sha


@router.put("/wandb-artifacts/{token}")
@wandb_errors
async def put_artifact_part(request: Request, token: str) -> Response:
    """Store one file of a W&B artifact upload, or its ``wandb_manifest.json``."""
    ctx = _ctx(request)
    grant = open_artifact_grant(ctx.secrets, token, "put_file", "put_manifest")
    received = _Received()
    try:
        if grant.action == "put_file":
            await received.read(request, MAX_ARTIFACT_FILE_BYTES)
            await run_in_threadpool(_keep_file, ctx, grant, received)
        else:
            await received.read(request, MAX_MANIFEST_BYTES)
            await run_in_threadpool(_keep_manifest, ctx, grant, received)
    finally:
        received.spool.close()
    return Response(status_code=200)


def _writable_upload(ctx: ServerContext, grant: ArtifactGrant) -> WandbArtifact:
    upload = ctx.meta.wandb_artifact(grant.target)
    ctx.meta.authorize_write(grant.principal, upload.entity, upload.project)
    if upload.committed:
        raise InvalidInputError(f"artifact {upload.name!r} is committed: its files are final")
    return upload


def _keep_file(ctx: ServerContext, grant: ArtifactGrant, received: _Received) -> None:
    upload = _writable_upload(ctx, grant)
    md5 = base64.b64encode(received.md5.digest()).decode("ascii")
    if md5 != grant.md5:
        raise InvalidInputError(
            f"artifact {upload.name!r}: the bytes sent have MD5 {md5}, this URL is for the file "
            f"with MD5 {grant.md5}"
        )
    sha = received.keep(ctx, grant.principal)
    ctx.meta.remember_md5s([(sha, md5)])
    ctx.meta.add_wandb_artifact_files(upload.pk, [(md5, sha, received.size)])


def _keep_manifest(ctx: ServerContext, grant: ArtifactGrant, received: _Received) -> None:
    upload = _writable_upload(ctx, grant)
    received.spool.seek(0)
    parse_manifest(received.spool.read())  # refused here, not only at CommitArtifact
    ctx.meta.set_wandb_manifest(upload.pk, received.keep(ctx, grant.principal))


@router.get("/wandb-artifacts/{token}")
@wandb_errors
async def get_artifact_manifest(request: Request, token: str) -> Response:
    """A committed version's manifest in W&B's format."""
    ctx = _ctx(request)
    grant = open_artifact_grant(ctx.secrets, token, "read")

    def manifest() -> dict[str, object]:
        version = ctx.meta.readable_version(grant.principal, grant.target)
        return manifest_json(ctx, version, encode_id("version", version.pk))

    return JSONResponse(await run_in_threadpool(manifest))


@router.get("/wandb-artifacts/{token}/{path:path}")
@wandb_errors
async def get_artifact_file(request: Request, token: str, path: str) -> Response:
    """One stored file of a committed version (ranges and ETags as Cairn's own downloads)."""
    ctx = _ctx(request)
    grant = open_artifact_grant(ctx.secrets, token, "read")
    check_artifact_path(path)

    def sha_of() -> str:
        version = ctx.meta.readable_version(grant.principal, grant.target)
        entry = ctx.meta.get_entry(version.pk, path)
        if entry is None or entry.sha256 is None:
            raise NotFoundError(f"artifact {version.path} has no stored file {path!r}")
        return entry.sha256

    sha = await run_in_threadpool(sha_of)
    return await run_in_threadpool(
        blob_response,
        ctx,
        sha,
        path,
        if_none_match=request.headers.get("if-none-match"),
        range_=request.headers.get("range"),
        if_range=request.headers.get("if-range"),
        disposition="attachment",
    )
