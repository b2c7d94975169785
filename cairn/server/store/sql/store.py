"""``SqlMetadataStore``: the metadata store on SQLite or PostgreSQL, one transaction per call.

Each method opens its transaction (a read-only one for reads, which on SQLite takes no write
lock) and delegates to the statement modules beside this one, which take a Connection so that
several of them compose inside one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, delete, event
from sqlalchemy.exc import OperationalError

from cairn.errors import InvalidInputError, NotFoundError, TooBusyError
from cairn.server.auth.principal import Principal
from cairn.server.query.filters import Field, Node
from cairn.server.query.groups import Group, run_groups
from cairn.server.query.runs import RunsQuery
from cairn.server.query.textmatch import regex_errors
from cairn.server.series.cache import WindowCache
from cairn.server.store.base import SeriesInfo, SeriesPoints, SeriesStore, SeriesWindow, XAxis
from cairn.server.store.media import MediaKey, ProjectMediaKey
from cairn.server.store.metadata import Archived, MetadataStore, RunsResult, StoreHooks
from cairn.server.store.records import (
    ConsoleLine,
    GcResult,
    IngestResult,
    ProjectKeys,
    ProjectRecord,
    ProjectUsage,
    RunFile,
    RunRecord,
    RunValue,
    ViewRecord,
    WorkspaceLayout,
)
from cairn.server.store.sql import (
    access,
    accounts,
    blob_gc,
    bulk,
    leases,
    media,
    project_keys,
    projects,
    run_data,
    runs,
    usage,
    workspaces,
)
from cairn.server.store.sql.admin import SqlAdmin
from cairn.server.store.sql.alerts import SqlAlerts
from cairn.server.store.sql.artifacts import SqlArtifacts
from cairn.server.store.sql.automations import SqlAutomations
from cairn.server.store.sql.blob_uploads import SqlBlobUploads
from cairn.server.store.sql.engine import open_engine, read_only
from cairn.server.store.sql.ingest import apply_batch, read_stream_offsets
from cairn.server.store.sql.migrate import upgrade
from cairn.server.store.sql.registry import SqlRegistry
from cairn.server.store.sql.schema import projects as projects_table
from cairn.server.store.sql.series import SqlSeriesStore
from cairn.server.store.sql.sweeps import SqlSweeps
from cairn.server.store.sql.value_reads import SqlValueReads
from cairn.server.store.sql.wandb_artifacts import SqlWandbArtifacts
from cairn.wire import Batch


def open_metadata_store(url: str, *, series_cache_mb: int = 0) -> SqlMetadataStore:
    """Open the database at ``url``, migrate it to the newest schema, and wrap it."""
    engine = open_engine(url)
    upgrade(engine)
    return SqlMetadataStore(engine, SqlSeriesStore(cache_bytes=series_cache_mb * 2**20))


@contextmanager
def _busy_as_too_busy() -> Iterator[None]:
    """SQLite's writer lock stayed taken past the busy timeout: tell the caller to come back
    (429), never hand it the driver's "database is locked"."""
    try:
        yield
    except OperationalError as exc:
        if "database is locked" not in str(exc.orig):
            raise
        raise TooBusyError(
            "the database is busy with other writers; try again shortly", retry_after_s=2.0
        ) from None


class SqlMetadataStore(
    SqlValueReads,
    SqlAlerts,
    SqlSweeps,
    SqlAdmin,
    SqlArtifacts,
    SqlRegistry,
    SqlAutomations,
    SqlBlobUploads,
    SqlWandbArtifacts,
    MetadataStore,
):
    """The metadata store over a SQLAlchemy engine, with the series store in the same database."""

    def __init__(self, engine: Engine, series: SeriesStore) -> None:
        self.engine = engine
        self.series = series
        self._reader = read_only(engine)

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._reader.connect() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with _busy_as_too_busy(), self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    # telemetry

    def count_runs_by_state(self) -> dict[str, int]:
        with self._read() as conn:
            return runs.count_runs_by_state(conn)

    def instrument(self, hooks: StoreHooks) -> None:
        size = getattr(self.engine.pool, "size", None)
        if hooks.pool_size is not None and callable(size):
            hooks.pool_size(int(size()))
        if hooks.connection_checked_out is not None:
            checked_out = hooks.connection_checked_out
            event.listen(self.engine, "checkout", lambda *_: checked_out())
        if hooks.connection_checked_in is not None:
            checked_in = hooks.connection_checked_in
            event.listen(self.engine, "checkin", lambda *_: checked_in())
        cache = getattr(self.series, "cache", None)
        if hooks.series_cache_lookup is not None and isinstance(cache, WindowCache):
            cache.on_lookup = hooks.series_cache_lookup

    # accounts

    def create_user(
        self,
        username: str,
        password: str | None,
        *,
        is_admin: bool = False,
        must_change: bool = False,
    ) -> int:
        with self._write() as conn:
            return accounts.create_user(
                conn, username, password, is_admin=is_admin, must_change=must_change
            )

    def set_password(self, username: str, password: str) -> None:
        with self._write() as conn:
            accounts.set_password(conn, username, password)

    def count_admins(self) -> int:
        with self._read() as conn:
            return accounts.count_admins(conn)

    def check_password(self, username: str, password: str) -> Principal | None:
        with self._read() as conn:
            return accounts.check_password(conn, username, password)

    def open_session(self, user_pk: int) -> tuple[str, str]:
        with self._write() as conn:
            return accounts.open_session(conn, user_pk)

    def session_principal(self, token: str) -> Principal | None:
        with self._read() as conn:
            return accounts.session_principal(conn, token)

    def close_session(self, token: str) -> None:
        with self._write() as conn:
            accounts.close_session(conn, token)

    def create_api_key(self, user_pk: int, name: str) -> tuple[str, dict[str, Any]]:
        with self._write() as conn:
            return accounts.create_api_key(conn, user_pk, name)

    def list_api_keys(self, user_pk: int) -> list[dict[str, Any]]:
        with self._read() as conn:
            return accounts.list_api_keys(conn, user_pk)

    def delete_api_key(self, user_pk: int, key_id: int) -> None:
        with self._write() as conn:
            accounts.delete_api_key(conn, user_pk, key_id)

    def api_key_principal(self, key: str) -> Principal | None:
        with self._write() as conn:  # notes the key's last use
            return accounts.api_key_principal(conn, key)

    def create_team(self, name: str, admin_user_pk: int | None) -> None:
        with self._write() as conn:
            accounts.create_team(conn, name, admin_user_pk)

    def set_team_member(self, team: str, username: str, role: str) -> None:
        with self._write() as conn:
            accounts.set_team_member(conn, team, username, role)

    def set_project_member(self, project_pk: int, username: str, role: str) -> None:
        with self._write() as conn:
            accounts.set_project_member(conn, project_pk, username, role)

    # access

    def entity_role(self, who: Principal, entity: str) -> str | None:
        with self._read() as conn:
            return access.entity_role(conn, who, entity)

    def project_role(self, who: Principal, project: ProjectRecord) -> str | None:
        with self._read() as conn:
            return access.project_role(conn, who, project)

    def resolve_project(
        self, who: Principal, entity: str, project: str, role: str
    ) -> ProjectRecord:
        with self._read() as conn:
            record = projects.get_project(conn, entity, project)
            access.require_project_role(conn, who, record, role)
            return record

    def resolve_run(
        self, who: Principal, entity: str, project: str, run_id: str, role: str
    ) -> RunRecord:
        with self._read() as conn:
            if not who.is_superuser:
                record = projects.get_project(conn, entity, project)
                access.require_project_role(conn, who, record, role)
            return runs.get_run(conn, entity, project, run_id)

    def resolve_runs(self, who: Principal, paths: Sequence[str], role: str) -> list[RunRecord]:
        allowed: set[tuple[str, str]] = set()
        out: list[RunRecord] = []
        with self._read() as conn:
            for path in dict.fromkeys(paths):
                parts = path.split("/")
                if len(parts) != 3 or not all(parts):
                    raise InvalidInputError(f"run path {path!r} must be entity/project/run_id")
                entity, project, run_id = parts
                if (entity, project) not in allowed and not who.is_superuser:
                    record = projects.get_project(conn, entity, project)
                    access.require_project_role(conn, who, record, role)
                    allowed.add((entity, project))
                out.append(runs.get_run(conn, entity, project, run_id))
        return out

    def authorize_write(self, who: Principal, entity: str, project: str) -> None:
        with self._read() as conn:
            access.authorize_write(conn, who, entity, project)

    # projects

    def list_projects(
        self,
        who: Principal,
        entity: str | None,
        search: str | None,
        offset: int,
        limit: int,
        archived: Archived = "exclude",
    ) -> tuple[list[ProjectRecord], int]:
        with self._read() as conn:
            visible = access.visible_projects(who)
            return projects.list_projects(conn, entity, search, offset, limit, visible, archived)

    def update_project(
        self,
        project_pk: int,
        *,
        name: str | None = None,
        visibility: str | None = None,
        description: str | None = None,
        archived: bool | None = None,
    ) -> ProjectRecord:
        with self._write() as conn:
            projects.update_project(
                conn,
                project_pk,
                name=name,
                visibility=visibility,
                description=description,
                archived=archived,
            )
            return projects.get_project_by_pk(conn, project_pk)

    def delete_project(self, project_pk: int) -> None:
        with self._write() as conn:
            conn.execute(delete(projects_table).where(projects_table.c.pk == project_pk))

    def project_usage(self, project_pk: int) -> ProjectUsage:
        with self._read() as conn:
            return usage.project_usage(conn, project_pk)

    def project_keys(self, project_pk: int) -> ProjectKeys:
        with self._read() as conn:
            return project_keys.project_keys(conn, project_pk)

    # workspace layouts and views

    def get_workspace(self, project_pk: int, user_pk: int | None) -> WorkspaceLayout | None:
        with self._read() as conn:
            return workspaces.get_workspace(conn, project_pk, user_pk)

    def save_workspace(self, project_pk: int, user_pk: int, layout: Any, now: float) -> None:
        with self._write() as conn:
            workspaces.save_workspace(conn, project_pk, user_pk, layout, now)

    def save_default_workspace(
        self, project_pk: int, layout: Any, now: float, username: str | None
    ) -> None:
        with self._write() as conn:
            workspaces.save_default_workspace(conn, project_pk, layout, now, username)

    def forget_workspace(self, project_pk: int, user_pk: int) -> None:
        with self._write() as conn:
            workspaces.forget_workspace(conn, project_pk, user_pk)

    def list_views(self, project_pk: int) -> list[ViewRecord]:
        with self._read() as conn:
            return workspaces.list_views(conn, project_pk)

    def get_view(self, project_pk: int, view_id: str) -> ViewRecord:
        with self._read() as conn:
            return workspaces.get_view(conn, project_pk, view_id)

    def create_view(
        self, project_pk: int, name: str, layout: Any, username: str | None
    ) -> ViewRecord:
        with self._write() as conn:
            return workspaces.create_view(conn, project_pk, name, layout, username)

    def update_view(
        self, project_pk: int, view_id: str, name: str | None, layout: Any | None
    ) -> ViewRecord:
        with self._write() as conn:
            return workspaces.update_view(conn, project_pk, view_id, name, layout)

    def delete_view(self, project_pk: int, view_id: str) -> None:
        with self._write() as conn:
            workspaces.delete_view(conn, project_pk, view_id)

    # runs

    def query_runs(
        self,
        project: ProjectRecord,
        filters: dict[str, Any] | None,
        order: str | None,
        *,
        limit: int,
        cursor: str | None = None,
        offset: int | None = None,
        archived: Archived = "exclude",
    ) -> RunsResult:
        if cursor is not None and offset is not None:
            raise InvalidInputError(
                "pass either cursor (keyset pages) or offset (windows), not both"
            )
        query = RunsQuery(project.pk, filters, order, runs.RUN_COLUMNS, archived=archived)
        with regex_errors(), self._read() as conn:
            if offset is not None:
                window = query.window(conn, offset=offset, limit=limit)
                records = [runs.to_record(r, project.entity, project.name) for r in window.rows]
                return RunsResult(records, total=window.total)
            page = query.page(conn, limit=limit, cursor=cursor)
        records = [runs.to_record(r, project.entity, project.name) for r in page.rows]
        return RunsResult(records, next_cursor=page.next_cursor)

    def group_runs(
        self,
        project_pk: int,
        node: Node,
        group_by: Field,
        aggregate: list[Field],
        limit: int,
        archived: Archived = "exclude",
    ) -> tuple[list[Group], bool]:
        with regex_errors(), self._read() as conn:
            return run_groups(conn, project_pk, node, group_by, aggregate, limit, archived)

    def update_run(
        self, run: RunRecord, changes: dict[str, Any], move_to: str | None = None
    ) -> RunRecord:
        with self._write() as conn:
            runs.edit_run(conn, run, dict(changes))
            project = run.project
            if move_to is not None and move_to != run.project:
                runs.move_run(conn, run, projects.ensure_project(conn, run.entity, move_to))
                project = move_to
            return runs.get_run(conn, run.entity, project, run.id)

    def delete_run(self, run_pk: int) -> None:
        with self._write() as conn:
            runs.delete_run(conn, run_pk)

    def bulk_update_runs(
        self,
        project: ProjectRecord,
        run_ids: Sequence[str],
        *,
        add_tags: Sequence[str] = (),
        remove_tags: Sequence[str] = (),
        archived: bool | None = None,
        move_to: str | None = None,
    ) -> int:
        with self._write() as conn:
            run_pks = bulk.resolve_ids(conn, project.pk, run_ids)
            if add_tags or remove_tags:
                bulk.retag(conn, project.pk, run_pks, add_tags, remove_tags)
            if archived is not None:
                bulk.set_archived(conn, run_pks, archived)
            if move_to is not None:
                bulk.move(conn, project, run_pks, move_to)
            return len(run_pks)

    def bulk_delete_runs(self, project: ProjectRecord, run_ids: Sequence[str]) -> int:
        with self._write() as conn:
            run_pks = bulk.resolve_ids(conn, project.pk, run_ids)
            bulk.delete_runs(conn, run_pks)
            return len(run_pks)

    def read_console(self, run_pk: int, start: int, limit: int) -> tuple[list[ConsoleLine], int]:
        with self._read() as conn:
            return run_data.read_console(conn, run_pk, start, limit)

    def list_files(
        self, run_pk: int, *, prefix: str = "", after: str | None = None, limit: int | None = None
    ) -> list[RunFile]:
        with self._read() as conn:
            return run_data.list_files(conn, run_pk, prefix, after, limit)

    def file_sha256(self, run_pk: int, path: str) -> str | None:
        with self._read() as conn:
            return run_data.file_sha256(conn, run_pk, path)

    def read_values(
        self,
        run_pk: int,
        key: str,
        after: int,
        limit: int,
        *,
        step_min: int | None = None,
        step_max: int | None = None,
    ) -> list[RunValue]:
        with self._read() as conn:
            return run_data.read_values(conn, run_pk, key, after, limit, step_min, step_max)

    # media

    def run_media_keys(self, run_pk: int) -> list[MediaKey]:
        with self._read() as conn:
            return media.run_media_keys_of(conn, run_pk)

    def project_media_keys(self, project_pk: int) -> list[ProjectMediaKey]:
        with self._read() as conn:
            return media.project_media_keys(conn, project_pk)

    def media_file(self, run_pk: int, sha256: str) -> RunFile | None:
        with self._read() as conn:
            return media.media_file(conn, run_pk, sha256)

    # series

    def list_series(self, run_pk: int) -> list[SeriesInfo]:
        with self._read() as conn:
            return self.series.list_series(conn, run_pk)

    def read_windows(
        self,
        requests: Sequence[tuple[int, str, XAxis, float | None, float | None]],
        buckets: int,
    ) -> list[SeriesWindow | None]:
        out: list[SeriesWindow | None] = []
        with self._read() as conn:
            for run_pk, key, axis, x_min, x_max in requests:
                try:
                    out.append(
                        self.series.read_window(conn, run_pk, key, axis, x_min, x_max, buckets)
                    )
                except NotFoundError:
                    out.append(None)
        return out

    def read_points(self, run_pk: int, key: str, start: int, limit: int) -> SeriesPoints:
        with self._read() as conn:
            return self.series.read_points(conn, run_pk, key, start, limit)

    # ingest and housekeeping

    def apply_batch(
        self, batch: Batch, who: Principal, rebase: Callable[[int], list[Any]] | None = None
    ) -> IngestResult:
        return self._apply(batch, who, append=False, rebase=rebase)

    def append_batch(self, batch: Batch, who: Principal) -> IngestResult:
        return self._apply(batch, who, append=True)

    def _apply(
        self,
        batch: Batch,
        who: Principal,
        *,
        append: bool,
        rebase: Callable[[int], list[Any]] | None = None,
    ) -> IngestResult:
        def authorize(conn: Connection, entity: str, project: str) -> None:
            access.authorize_write(conn, who, entity, project)

        with _busy_as_too_busy():
            return apply_batch(
                self.engine, self.series, batch, authorize, append=append, rebase=rebase
            )

    def stream_offsets(self, run_pk: int, streams: Sequence[bytes]) -> dict[bytes, int]:
        return read_stream_offsets(self.engine, run_pk, streams)

    def touch_blob(self, sha256: str, size: int | None, verify: Callable[[], bool]) -> bool:
        with self._write() as conn:
            return blob_gc.touch(conn, sha256, size, time.time(), verify)

    def collect_blobs(
        self,
        grace_s: float,
        delete_bytes: Callable[[str], None],
        now: float | None = None,
        limit: int = 10_000,
    ) -> GcResult:
        started = time.time() if now is None else now
        cutoff = started - max(grace_s, 0.0)
        with self._read() as conn:
            shas = blob_gc.candidates(conn, cutoff, limit)
        count = size = 0
        for sha in shas:
            with self._write() as conn:
                freed = blob_gc.collect_one(conn, sha, cutoff, delete_bytes)
            if freed is not None:
                count, size = count + 1, size + freed
        return GcResult(blobs=count, bytes=size)

    def mark_crashed_runs(self, timeout_s: float, now: float | None = None) -> int:
        with self._write() as conn:
            return runs.mark_crashed_runs(conn, timeout_s, time.time() if now is None else now)

    def try_acquire_lease(self, name: str, holder: str, ttl_s: float) -> bool:
        with self._write() as conn:
            return leases.try_acquire(conn, name, holder, ttl_s)
