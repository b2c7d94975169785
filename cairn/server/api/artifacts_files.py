"""Artifact files and lineage (design 0013): a version's entries, its whole manifest (streamed),
one file's bytes, a diff of two versions, the lineage graph, and a run's artifacts.

A file's bytes are served only through a version of a project the caller can read that lists
that file, so a sha256 learnt elsewhere reveals nothing (as for run media).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Path, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from cairn.errors import NotFoundError
from cairn.server.api.artifacts_models import (
    VERSION_PATH,
    ArtifactName,
    EntryOut,
    VersionOut,
    VersionRef,
    checked,
    entry_out,
    version_out,
)
from cairn.server.api.blob_response import BLOB_RESPONSES, blob_response
from cairn.server.api.deps import Ctx, ProjectDep, RunDep, Who
from cairn.server.api.runs import RUN_PATH
from cairn.server.encoding import JSONBytesResponse
from cairn.server.store.artifacts import MAX_ENTRIES_PAGE, MAX_LINEAGE_DEPTH
from cairn.server.store.metadata import MetadataStore
from cairn.wire import check_artifact_path

router = APIRouter(prefix="/api/v1", tags=["artifacts"])

MANIFEST_PAGE = 5000


class EntryList(BaseModel):
    """A page of a version's entries by path; pass ``next`` back as ``after`` (null: the end)."""

    files: list[EntryOut]
    next: str | None


class Manifest(BaseModel):
    """Every entry of a version, by path."""

    digest: str
    entries: list[EntryOut]


class ChangedEntry(BaseModel):
    """A path whose content differs: the entry in ``ver`` and in ``other``."""

    path: str
    before: EntryOut
    after: EntryOut


class DiffOut(BaseModel):
    """From ``ver`` to ``other``: entries only in ``other`` (added), only in ``ver`` (removed),
    and in both with other content (changed)."""

    added: list[EntryOut]
    removed: list[EntryOut]
    changed: list[ChangedEntry]


class LineageNode(BaseModel):
    """A run or a version (``kind``); ``id`` is ``run:<path>`` or ``artifact:<path>``."""

    id: str
    kind: str
    path: str
    model_config = {"extra": "allow"}


class LineageEdge(BaseModel):
    """Data flow: a version a run used → the run; a run → a version it logged."""

    source: str
    target: str


class LineageOut(BaseModel):
    """The graph around a version; ``truncated`` when it was cut at the node limit."""

    nodes: list[LineageNode]
    edges: list[LineageEdge]
    truncated: bool


class RunArtifacts(BaseModel):
    """The versions a run logged (outputs) and used (inputs)."""

    logged: list[VersionOut]
    used: list[VersionOut]


@router.get(VERSION_PATH + "/files", response_model=EntryList)
def list_files(
    project: ProjectDep,
    name: ArtifactName,
    ver: VersionRef,
    ctx: Ctx,
    prefix: Annotated[str, Query(max_length=1024, description="only paths starting so")] = "",
    after: Annotated[
        str | None, Query(max_length=1024, description="next of the last page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ENTRIES_PAGE)] = 1000,
) -> JSONBytesResponse:
    """A page of a version's files (and references) by path."""
    checked(name, ver)
    version = ctx.meta.get_version(project.pk, name, ver)
    found = ctx.meta.list_entries(version.pk, prefix=prefix, after=after, limit=limit)
    return JSONBytesResponse(
        {
            "files": [entry_out(e) for e in found],
            "next": found[-1].path if len(found) == limit else None,
        }
    )


def _manifest_chunks(meta: MetadataStore, version_pk: int, digest: str) -> Iterator[bytes]:
    head = b'{"digest":' + orjson.dumps(digest) + b',"entries":['
    after: str | None = None
    first = True
    while True:
        # a page per read: a version's entries never change, so the pages join up exactly;
        # a page per chunk, as each chunk costs a send (an entry per chunk took seconds)
        page = meta.list_entries(version_pk, after=after, limit=MANIFEST_PAGE)
        if page:
            body = b",".join(orjson.dumps(entry_out(entry)) for entry in page)
            yield head + (b"" if first else b",") + body
            head, first = b"", False
        if len(page) < MANIFEST_PAGE:
            break
        after = page[-1].path
    yield head + b"]}"


@router.get(
    VERSION_PATH + "/manifest",
    response_class=StreamingResponse,
    responses={200: {"model": Manifest, "description": "every entry, streamed"}},
)
def read_manifest(
    project: ProjectDep, name: ArtifactName, ver: VersionRef, ctx: Ctx
) -> StreamingResponse:
    """The version's whole manifest, streamed as one JSON object."""
    checked(name, ver)
    version = ctx.meta.get_version(project.pk, name, ver)
    return StreamingResponse(
        _manifest_chunks(ctx.meta, version.pk, version.digest), media_type="application/json"
    )


@router.get(
    VERSION_PATH + "/files/{path:path}",
    response_class=StreamingResponse,
    responses=BLOB_RESPONSES,
)
def download_file(
    project: ProjectDep,
    name: ArtifactName,
    ver: VersionRef,
    ctx: Ctx,
    path: Annotated[str, Path(max_length=1024, description="file path in the artifact")],
    if_none_match: Annotated[str | None, Header(max_length=4096)] = None,
    range_: Annotated[str | None, Header(alias="Range", max_length=256)] = None,
    if_range: Annotated[str | None, Header(max_length=256)] = None,
) -> Response:
    """The bytes of one file (ETag = its sha256, one byte range), or a redirect to them."""
    checked(name, ver)
    check_artifact_path(path)
    version = ctx.meta.get_version(project.pk, name, ver)
    entry = ctx.meta.get_entry(version.pk, path)
    if entry is None:
        raise NotFoundError(f"{version.path} has no file {path!r}")
    if entry.sha256 is None:
        raise NotFoundError(
            f"{path!r} in {version.path} is a reference to {entry.ref}; the server holds no "
            "bytes of it: fetch it from there"
        )
    return blob_response(
        ctx,
        entry.sha256,
        path,
        if_none_match=if_none_match,
        range_=range_,
        if_range=if_range,
        disposition="attachment",
    )


@router.get(VERSION_PATH + "/diff", response_model=DiffOut)
def diff_versions(
    project: ProjectDep,
    name: ArtifactName,
    ver: VersionRef,
    ctx: Ctx,
    other: Annotated[
        str, Query(min_length=1, max_length=128, description="the version to compare")
    ],
) -> JSONBytesResponse:
    """What changes from ``ver`` to ``other`` (of the same artifact)."""
    checked(name, ver)
    checked(name, other)
    before = ctx.meta.get_version(project.pk, name, ver)
    after = ctx.meta.get_version(project.pk, name, other)
    diff = ctx.meta.diff_versions(before.pk, after.pk)
    return JSONBytesResponse(
        {
            "added": [entry_out(e) for e in diff.added],
            "removed": [entry_out(e) for e in diff.removed],
            "changed": [
                {"path": b.path, "before": entry_out(b), "after": entry_out(a)}
                for b, a in diff.changed
            ],
        }
    )


@router.get(VERSION_PATH + "/lineage", response_model=LineageOut)
def read_lineage(
    project: ProjectDep,
    name: ArtifactName,
    ver: VersionRef,
    ctx: Ctx,
    who: Who,
    depth: Annotated[int, Query(ge=1, le=MAX_LINEAGE_DEPTH, description="links to follow")] = 2,
) -> dict[str, Any]:
    """Runs and versions around this version, as a graph of data flow."""
    checked(name, ver)
    version = ctx.meta.get_version(project.pk, name, ver)
    graph = ctx.meta.version_lineage(who, version.pk, depth)
    return {
        "nodes": graph.nodes,
        "edges": [{"source": s, "target": t} for s, t in graph.edges],
        "truncated": graph.truncated,
    }


@router.get(RUN_PATH + "/artifacts", response_model=RunArtifacts)
def run_artifacts(run: RunDep, ctx: Ctx, who: Who) -> dict[str, Any]:
    """The versions a run logged and those it used."""
    logged, used = ctx.meta.run_artifacts(who, run.pk)
    return {"logged": [version_out(v) for v in logged], "used": [version_out(v) for v in used]}
