"""Lineage in SQL: the bipartite graph of runs and versions that ``artifact_links`` holds.

``out`` links (a run logged a version) and ``in`` links (a run used one) are walked both ways
from a version, one hop at a time; a node in a project the caller cannot read is left out, with
the links through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from cairn.server.auth.principal import Principal
from cairn.server.store.artifacts import MAX_LINEAGE_NODES, Lineage, VersionRecord
from cairn.server.store.sql.access import visible_projects
from cairn.server.store.sql.artifacts_reads import versions_where
from cairn.server.store.sql.schema import (
    artifact_collections,
    artifact_links,
    artifact_versions,
    entities,
    projects,
    runs,
)
from cairn.server.store.sql.upsert import insert_ignore

_IN_CHUNK = 500
_Link = tuple[int, int, str]  # (run_pk, version_pk, direction)


def use_version(conn: Connection, version_pk: int, run_pk: int, now: float) -> None:
    """Record an ``in`` link (the first use's time is kept)."""
    insert_ignore(
        conn,
        artifact_links,
        {"run_pk": run_pk, "version_pk": version_pk, "direction": "in", "at": now},
    )


def run_artifacts(
    conn: Connection, who: Principal, run_pk: int
) -> tuple[list[VersionRecord], list[VersionRecord]]:
    """Versions the run logged and used, in projects the caller can read."""
    out = []
    for direction in ("out", "in"):
        linked = select(artifact_links.c.version_pk).where(
            artifact_links.c.run_pk == run_pk, artifact_links.c.direction == direction
        )
        out.append(versions_where(conn, artifact_versions.c.pk.in_(linked), visible_projects(who)))
    return out[0], out[1]


def _chunks(pks: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(pks)
    for start in range(0, len(ordered), _IN_CHUNK):
        yield ordered[start : start + _IN_CHUNK]


def _links_of_versions(conn: Connection, who: Principal, version_pks: set[int]) -> list[_Link]:
    """Links of these versions to runs the caller can see."""
    link = artifact_links
    out: list[_Link] = []
    for chunk in _chunks(version_pks):
        rows = conn.execute(
            select(link.c.run_pk, link.c.version_pk, link.c.direction)
            .join(runs, runs.c.pk == link.c.run_pk)
            .join(projects, projects.c.pk == runs.c.project_pk)
            .where(link.c.version_pk.in_(chunk), visible_projects(who))
        )
        out.extend((int(r), int(v), str(d)) for r, v, d in rows)
    return out


def _links_of_runs(conn: Connection, who: Principal, run_pks: set[int]) -> list[_Link]:
    """Links of these runs to versions the caller can see."""
    link, v, c = artifact_links, artifact_versions, artifact_collections
    out: list[_Link] = []
    for chunk in _chunks(run_pks):
        rows = conn.execute(
            select(link.c.run_pk, link.c.version_pk, link.c.direction)
            .join(v, v.c.pk == link.c.version_pk)
            .join(c, c.c.pk == v.c.collection_pk)
            .join(projects, projects.c.pk == c.c.project_pk)
            .where(link.c.run_pk.in_(chunk), visible_projects(who))
        )
        out.extend((int(r), int(vp), str(d)) for r, vp, d in rows)
    return out


def version_lineage(conn: Connection, who: Principal, version_pk: int, depth: int) -> Lineage:
    """Runs and versions within ``depth`` links of the version (see ArtifactStore)."""
    version_pks, run_pks = {version_pk}, set[int]()
    links: set[_Link] = set()
    new_versions, new_runs = {version_pk}, set[int]()
    truncated = False
    for _ in range(depth):
        found = _links_of_versions(conn, who, new_versions) + _links_of_runs(conn, who, new_runs)
        next_runs = sorted({r for r, _, _ in found} - run_pks)
        next_versions = sorted({v for _, v, _ in found} - version_pks)
        room = MAX_LINEAGE_NODES - len(version_pks) - len(run_pks)
        if len(next_runs) + len(next_versions) > room:
            truncated = True
            next_runs = next_runs[:room]
            next_versions = next_versions[: max(0, room - len(next_runs))]
        run_pks.update(next_runs)
        version_pks.update(next_versions)
        links.update(link for link in found if link[0] in run_pks and link[1] in version_pks)
        new_runs, new_versions = set(next_runs), set(next_versions)
        if truncated or not (new_runs or new_versions):
            break
    version_ids = {
        rec.pk: _artifact_node(rec)
        for chunk in _chunks(version_pks)
        for rec in versions_where(conn, artifact_versions.c.pk.in_(chunk))
    }
    run_ids = _run_nodes(conn, run_pks)
    edges = []
    for run_pk, v_pk, direction in sorted(links):
        run_node, version_node = run_ids[run_pk]["id"], version_ids[v_pk]["id"]
        edges.append((run_node, version_node) if direction == "out" else (version_node, run_node))
    nodes = [version_ids[pk] for pk in sorted(version_ids)] + [
        run_ids[pk] for pk in sorted(run_ids)
    ]
    return Lineage(nodes=nodes, edges=edges, truncated=truncated)


def _artifact_node(version: VersionRecord) -> dict[str, Any]:
    return {
        "id": f"artifact:{version.path}",
        "kind": "artifact",
        "path": version.path,
        "entity": version.entity,
        "project": version.project,
        "name": version.name,
        "type": version.type,
        "version": version.version,
        "digest": version.digest,
    }


def _run_nodes(conn: Connection, run_pks: set[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(run_pks):
        rows = conn.execute(
            select(
                runs.c.pk,
                runs.c.id,
                runs.c.name,
                runs.c.state,
                projects.c.name.label("project_name"),
                entities.c.name.label("entity_name"),
            )
            .join(projects, projects.c.pk == runs.c.project_pk)
            .join(entities, entities.c.pk == projects.c.entity_pk)
            .where(runs.c.pk.in_(chunk))
        )
        for r in rows:
            path = f"{r.entity_name}/{r.project_name}/{r.id}"
            out[int(r.pk)] = {
                "id": f"run:{path}",
                "kind": "run",
                "path": path,
                "entity": r.entity_name,
                "project": r.project_name,
                "run_id": r.id,
                "name": r.name,
                "state": r.state,
            }
    return out
