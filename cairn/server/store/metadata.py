"""The metadata store's interface: what routers, auth and housekeeping may ask of the database.

Every method is one transaction of its own (committed when it returns, rolled back when it
raises); routers never hold a connection or build a statement. Returned objects are snapshots.
Errors are :mod:`cairn.errors` classes: NotFoundError for an unknown entity/project/run/user,
ConflictError for a name already taken, InvalidInputError for a value the store refuses,
AuthenticationError/PermissionDeniedError from the ``resolve_*`` checks. Every backend passes
``tests/contract/test_metadata_store.py``.

The run series live in the same database (so a history row and its acknowledged offset commit
together); the ``*_series`` reads go through the store for that reason.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from cairn.server.store.admin import AdminStore
from cairn.server.store.alerts import AlertReads
from cairn.server.store.artifacts import ArtifactStore
from cairn.server.store.automations import AutomationStore
from cairn.server.store.media import MediaReads
from cairn.server.store.registry import RegistryStore
from cairn.server.store.sweeps import SweepStore
from cairn.server.store.uploads import BlobUploads
from cairn.server.store.value_reads import ValueReads
from cairn.server.store.wandb_artifacts import WandbArtifactStore

if TYPE_CHECKING:
    from cairn.server.auth.principal import Principal
    from cairn.server.query.filters import Field, Node
    from cairn.server.query.groups import Group
    from cairn.server.store.base import SeriesInfo, SeriesPoints, SeriesWindow, XAxis
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
    from cairn.wire import Batch


MAX_BULK = 10_000
"""Most runs one bulk call may change."""

Archived = Literal["exclude", "include", "only"]
"""Which archived runs or projects a listing shows: none (the default), all, or only them."""


@dataclass(frozen=True, slots=True)
class RunsResult:
    """Runs of one query: a keyset page (``next_cursor``) or an offset window (``total``)."""

    runs: list[RunRecord]
    next_cursor: str | None = None
    total: int | None = None


class AccountStore(abc.ABC):
    """Users, sessions, API keys, teams and memberships. Secrets are kept hashed only."""

    @abc.abstractmethod
    def create_user(
        self,
        username: str,
        password: str | None,
        *,
        is_admin: bool = False,
        must_change: bool = False,
    ) -> int:
        """Create a user and its personal entity; return the user's pk. ``must_change``: the
        password is temporary (their sessions may only change it).

        ConflictError when a user or team already has the name; InvalidInputError for a bad
        name or a password shorter than the minimum.
        """

    @abc.abstractmethod
    def set_password(self, username: str, password: str) -> None:
        """Replace a user's password and end all their sessions; NotFoundError if unknown."""

    @abc.abstractmethod
    def count_admins(self) -> int:
        """How many admin users exist."""

    @abc.abstractmethod
    def check_password(self, username: str, password: str) -> Principal | None:
        """The user when the password matches, else None (unknown users too, same timing);
        PermissionDeniedError when it matches but an admin disabled the account."""

    @abc.abstractmethod
    def open_session(self, user_pk: int) -> tuple[str, str]:
        """Start a browser session; return ``(token, csrf_token)`` (only hashes are stored)."""

    @abc.abstractmethod
    def session_principal(self, token: str) -> Principal | None:
        """The user of an unexpired session token, with its CSRF token; None otherwise (and for
        a disabled user)."""

    @abc.abstractmethod
    def close_session(self, token: str) -> None:
        """End a session; an unknown token is not an error."""

    @abc.abstractmethod
    def create_api_key(self, user_pk: int, name: str) -> tuple[str, dict[str, Any]]:
        """Mint an API key; return the key (shown once) and its listing entry."""

    @abc.abstractmethod
    def list_api_keys(self, user_pk: int) -> list[dict[str, Any]]:
        """The user's keys (id, name, prefix, created_at, last_used_at), never the keys."""

    @abc.abstractmethod
    def delete_api_key(self, user_pk: int, key_id: int) -> None:
        """Revoke one of the user's keys; NotFoundError when the user has no such key."""

    @abc.abstractmethod
    def api_key_principal(self, key: str) -> Principal | None:
        """The owner of an API key (noting its use at most once a minute); None if unknown or
        its owner is disabled."""

    @abc.abstractmethod
    def create_team(self, name: str, admin_user_pk: int | None) -> None:
        """Create a team with ``admin_user_pk`` (when given) as admin; ConflictError if taken."""

    @abc.abstractmethod
    def set_team_member(self, team: str, username: str, role: str) -> None:
        """Add a user to a team or change their role; NotFoundError for an unknown team/user,
        ConflictError when that would leave the team without an admin."""

    @abc.abstractmethod
    def set_project_member(self, project_pk: int, username: str, role: str) -> None:
        """Give a user a role on one project; NotFoundError for an unknown user."""


class AccessStore(abc.ABC):
    """Who may do what (the rules are in :mod:`cairn.server.auth.access`)."""

    @abc.abstractmethod
    def entity_role(self, who: Principal, entity: str) -> str | None:
        """The caller's role in an entity: admin of their own, their team role, else None."""

    @abc.abstractmethod
    def project_role(self, who: Principal, project: ProjectRecord) -> str | None:
        """The caller's role on the project (viewer, member, admin), None when it may not see it.

        The strongest of: admin for superusers and the owner of the project's entity; the
        caller's team role on team and public projects of the team (on private ones only when
        admin); their project membership; viewer on a public project.
        """

    @abc.abstractmethod
    def resolve_project(
        self, who: Principal, entity: str, project: str, role: str
    ) -> ProjectRecord:
        """The project, when the caller holds ``role`` on it.

        A project the caller may not see raises NotFoundError as if it did not exist (an
        anonymous caller gets AuthenticationError); a weaker role, PermissionDeniedError.
        """

    @abc.abstractmethod
    def resolve_run(
        self, who: Principal, entity: str, project: str, run_id: str, role: str
    ) -> RunRecord:
        """The run, when the caller holds ``role`` on its project (errors as resolve_project)."""

    @abc.abstractmethod
    def resolve_runs(self, who: Principal, paths: Sequence[str], role: str) -> list[RunRecord]:
        """Runs by ``entity/project/run_id`` path, in order, duplicates once; all checked in
        one read. InvalidInputError for a malformed path; NotFoundError for any unknown run.
        """

    @abc.abstractmethod
    def authorize_write(self, who: Principal, entity: str, project: str) -> None:
        """Raise unless the caller may write runs into ``entity/project`` (creating it)."""


class ProjectStore(abc.ABC):
    """Projects: listing, edits, deletion."""

    @abc.abstractmethod
    def list_projects(
        self,
        who: Principal,
        entity: str | None,
        search: str | None,
        offset: int,
        limit: int,
        archived: Archived = "exclude",
    ) -> tuple[list[ProjectRecord], int]:
        """A page of the projects the caller may see, most recently active first, and their
        total. ``search`` matches a part of the name, case-insensitively, wildcards literal.
        """

    @abc.abstractmethod
    def update_project(
        self,
        project_pk: int,
        *,
        name: str | None = None,
        visibility: str | None = None,
        description: str | None = None,
        archived: bool | None = None,
    ) -> ProjectRecord:
        """Edit, archive or restore a project and return it; ConflictError when the new name
        is taken. Archiving hides it from default listings and keeps everything in it.
        """

    @abc.abstractmethod
    def delete_project(self, project_pk: int) -> None:
        """Delete a project with all its runs and everything stored under them."""

    @abc.abstractmethod
    def project_usage(self, project_pk: int) -> ProjectUsage:
        """Runs, series and files of a project, with the bytes they take."""

    @abc.abstractmethod
    def project_keys(self, project_pk: int) -> ProjectKeys:
        """Config/summary keys with run counts, and metric keys with their kind."""


class ViewStore(abc.ABC):
    """Workspace layouts: the project's default, each user's own, and named views."""

    @abc.abstractmethod
    def get_workspace(self, project_pk: int, user_pk: int | None) -> WorkspaceLayout | None:
        """The user's own layout when they saved one, else the project's default (None: none)."""

    @abc.abstractmethod
    def save_workspace(self, project_pk: int, user_pk: int, layout: Any, now: float) -> None:
        """Replace one user's own layout of the project (last writer wins)."""

    @abc.abstractmethod
    def save_default_workspace(
        self, project_pk: int, layout: Any, now: float, username: str | None
    ) -> None:
        """Replace the project's default layout, which users without their own see."""

    @abc.abstractmethod
    def forget_workspace(self, project_pk: int, user_pk: int) -> None:
        """Drop the user's own layout (they see the project's default again)."""

    @abc.abstractmethod
    def list_views(self, project_pk: int) -> list[ViewRecord]:
        """The project's named views sorted by name, without their layouts."""

    @abc.abstractmethod
    def get_view(self, project_pk: int, view_id: str) -> ViewRecord:
        """One named view with its layout; NotFoundError when the project has no such view."""

    @abc.abstractmethod
    def create_view(
        self, project_pk: int, name: str, layout: Any, username: str | None
    ) -> ViewRecord:
        """Save a layout under a new name; ConflictError when the project has that name,
        InvalidInputError for an empty name or past the per-project limit of views."""

    @abc.abstractmethod
    def update_view(
        self, project_pk: int, view_id: str, name: str | None, layout: Any | None
    ) -> ViewRecord:
        """Rename a view and/or replace its layout (errors as create_view, NotFoundError)."""

    @abc.abstractmethod
    def delete_view(self, project_pk: int, view_id: str) -> None:
        """Delete a named view; NotFoundError when absent."""


class RunStore(abc.ABC):
    """Runs: queries, edits, console output, files, non-numeric values."""

    @abc.abstractmethod
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
        """Runs matching a filter tree, sorted in the database.

        With ``offset`` an offset window and the total; otherwise a keyset page after ``cursor``.
        Archived runs are left out unless ``archived`` asks for them. InvalidInputError for a
        malformed filter, order or cursor.
        """

    @abc.abstractmethod
    def group_runs(
        self,
        project_pk: int,
        node: Node,
        group_by: Field,
        aggregate: list[Field],
        limit: int,
        archived: Archived = "exclude",
    ) -> tuple[list[Group], bool]:
        """Groups of the matching runs, largest first, and whether there were more."""

    @abc.abstractmethod
    def update_run(
        self, run: RunRecord, changes: dict[str, Any], move_to: str | None = None
    ) -> RunRecord:
        """Apply user edits (name, tags, notes, group, job_type, archived) and optionally move it to
        another project of its entity (created when absent), atomically; return the run after.

        InvalidInputError for unknown fields or bad values; ConflictError when the target
        project has a run with the same id.
        """

    @abc.abstractmethod
    def delete_run(self, run_pk: int) -> None:
        """Delete a run and its history, console, values, files references and offsets.

        Blobs its files referenced stay until a collection finds nothing else refers to them.
        """

    @abc.abstractmethod
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
        """Change many runs of one project at once, all or nothing; return how many.

        NotFoundError naming the ids not in the project (nothing changed); InvalidInputError for
        an empty or over-long list or a bad tag; ConflictError when a moved run's id is taken in
        the target project.
        """

    @abc.abstractmethod
    def bulk_delete_runs(self, project: ProjectRecord, run_ids: Sequence[str]) -> int:
        """Delete many runs of one project, all or nothing (errors as bulk_update_runs)."""

    @abc.abstractmethod
    def read_console(self, run_pk: int, start: int, limit: int) -> tuple[list[ConsoleLine], int]:
        """Console lines ``start`` .. ``start + limit`` in order, and the run's line total."""

    @abc.abstractmethod
    def list_files(
        self, run_pk: int, *, prefix: str = "", after: str | None = None, limit: int | None = None
    ) -> list[RunFile]:
        """The run's files by path: those whose path starts with ``prefix`` and sorts after
        ``after`` (a keyset cursor: the last path of the previous page), at most ``limit``."""

    @abc.abstractmethod
    def file_sha256(self, run_pk: int, path: str) -> str | None:
        """The blob of one of the run's files, or None when it has no such file."""

    @abc.abstractmethod
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
        """Non-numeric values of ``key`` with ``step_min <= step <= step_max`` (None: unbounded)
        in (step, arrival) order, from position ``after`` within that range."""


class SeriesReads(abc.ABC):
    """Reads of run series (see :class:`cairn.server.store.base.SeriesStore` for contracts)."""

    @abc.abstractmethod
    def list_series(self, run_pk: int) -> list[SeriesInfo]:
        """The run's series sorted by key."""

    @abc.abstractmethod
    def read_windows(
        self,
        requests: Sequence[tuple[int, str, XAxis, float | None, float | None]],
        buckets: int,
    ) -> list[SeriesWindow | None]:
        """Windows for ``(run_pk, key, axis, x_min, x_max)`` requests in one read transaction;
        None where the run has no such series.
        """

    @abc.abstractmethod
    def read_points(self, run_pk: int, key: str, start: int, limit: int) -> SeriesPoints:
        """A page of exact points (SeriesStore.read_points); NotFoundError for an unknown key."""


class IngestStore(abc.ABC):
    """Writes from senders: batches, blobs, and the housekeeping that watches them."""

    @abc.abstractmethod
    def apply_batch(
        self, batch: Batch, who: Principal, rebase: Callable[[int], list[Any]] | None = None
    ) -> IngestResult:
        """Apply ``batch`` exactly once, after checking the caller may write to its project.

        Creates the project and run when absent. Records before the stream's acknowledged
        offset are skipped; a batch starting past it raises OffsetGapError (nothing applied).
        A record the store cannot apply is set aside and reported; the others apply. Data and
        the new offset commit in one transaction.

        With ``rebase``, once the batch is known not to start past the acknowledged offset,
        its records are ``rebase(next_offset)``, applied from that offset: the writer builds
        only what is new while the offset is locked (the W&B surface packs many history lines
        into one record this way, design 0016).
        """

    @abc.abstractmethod
    def append_batch(self, batch: Batch, who: Principal) -> IngestResult:
        """Apply ``batch`` after whatever its stream holds (``first_offset`` is ignored), as
        apply_batch otherwise: for writers whose records are idempotent by their own meaning,
        such as the W&B surface's run fields, summaries and overwritten console lines."""

    @abc.abstractmethod
    def stream_offsets(self, run_pk: int, streams: Sequence[bytes]) -> dict[bytes, int]:
        """The next offset the server expects from each of the run's ``streams`` (0 if unseen)."""

    @abc.abstractmethod
    def mark_crashed_runs(self, timeout_s: float, now: float | None = None) -> int:
        """Mark running runs silent for longer than ``timeout_s`` as crashed (those whose meta
        says ``preempting``: killed, with ``meta.stop_reason = "preempted"``); return how many."""

    @abc.abstractmethod
    def try_acquire_lease(self, name: str, holder: str, ttl_s: float) -> bool:
        """Take or renew lease ``name`` for ``ttl_s`` s; True for exactly one holder at a time."""


class BlobBookkeeping(abc.ABC):
    """Which blobs the server holds, and collecting those nothing refers to (design 0007)."""

    @abc.abstractmethod
    def touch_blob(self, sha256: str, size: int | None, verify: Callable[[], bool]) -> bool:
        """Restart the blob's grace period and return ``verify()``, run while no collection of
        this blob can interleave.

        ``size`` given: the blob was just stored (its row is created when absent). ``size`` None:
        an existence check; only an existing row is touched, and False is returned without
        calling ``verify`` when there is none. A file record applied later touches it too, and
        is refused when the blob has no row.
        """

    @abc.abstractmethod
    def collect_blobs(
        self,
        grace_s: float,
        delete_bytes: Callable[[str], None],
        now: float | None = None,
        limit: int = 10_000,
    ) -> GcResult:
        """Delete up to ``limit`` blobs that nothing references and nobody touched in the last
        ``grace_s`` seconds (nor since this call began), calling ``delete_bytes(sha256)`` for
        each while it still holds the blob's row; return what went.
        """


@dataclass(frozen=True, slots=True)
class StoreHooks:
    """Callbacks an operator's metrics follow (each may be None)."""

    pool_size: Callable[[int], None] | None = None
    connection_checked_out: Callable[[], None] | None = None
    connection_checked_in: Callable[[], None] | None = None
    series_cache_lookup: Callable[[bool], None] | None = None


class StoreTelemetry(abc.ABC):
    """What the store tells an operator (``/metrics``)."""

    @abc.abstractmethod
    def count_runs_by_state(self) -> dict[str, int]:
        """How many runs are in each state, every known state included (zero when none)."""

    @abc.abstractmethod
    def instrument(self, hooks: StoreHooks) -> None:
        """Call ``hooks`` from now on: pool size once, connection use and cache lookups as
        they happen. Hooks must be cheap and must not raise."""


class MetadataStore(
    StoreTelemetry,
    AccountStore,
    AdminStore,
    AccessStore,
    ProjectStore,
    RunStore,
    MediaReads,
    ViewStore,
    SeriesReads,
    IngestStore,
    BlobBookkeeping,
    BlobUploads,
    ValueReads,
    AlertReads,
    SweepStore,
    ArtifactStore,
    RegistryStore,
    AutomationStore,
    WandbArtifactStore,
):
    """Everything the server keeps in its database, behind one interface."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections; the store is unusable afterwards."""
