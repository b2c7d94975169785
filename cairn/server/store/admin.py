"""The metadata store's administration part: users an admin manages, teams and project members
as listed, and the sign-in throttle (policy in :mod:`cairn.server.auth.throttle`).

Composed into :class:`cairn.server.store.metadata.MetadataStore`; every method is one
transaction. ``now`` parameters exist for tests; the server leaves them out (the clock).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cairn.server.auth.principal import Principal
    from cairn.server.auth.throttle import LockKind


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A user as an admin sees them; ``locked_until`` is set while sign-ins are refused."""

    username: str
    is_admin: bool
    disabled: bool
    must_change_password: bool
    created_at: float
    last_login_at: float | None
    failed_logins: int
    locked_until: float | None


@dataclass(frozen=True, slots=True)
class Member:
    """A user's role in a team or on a project."""

    username: str
    role: str


@dataclass(frozen=True, slots=True)
class TeamInfo:
    """A team and its members (by username)."""

    name: str
    created_at: float
    members: list[Member]


@dataclass(frozen=True, slots=True)
class LoginLock:
    """An account or client address whose sign-ins are refused until ``locked_until``."""

    kind: LockKind
    name: str
    failures: int
    locked_until: float


class AdminStore(abc.ABC):
    """Users, memberships and the sign-in throttle, for admins and the login route."""

    @abc.abstractmethod
    def list_users(self, now: float | None = None) -> list[UserInfo]:
        """Every user by username, with their sign-in failures and lock."""

    @abc.abstractmethod
    def update_user(
        self, username: str, *, disabled: bool | None, is_admin: bool | None, by: Principal
    ) -> UserInfo:
        """Disable or enable a user, or grant or take back admin; None leaves a flag alone.

        Disabling ends the user's sessions and refuses their API keys until enabled again.
        NotFoundError for an unknown user; ConflictError when ``by`` would disable or demote
        themselves, or no enabled admin would be left.
        """

    @abc.abstractmethod
    def reset_password(self, username: str, password: str, *, must_change: bool) -> None:
        """Set a user's password (``must_change``: a temporary one), end all their sessions and
        clear their account's sign-in lock. NotFoundError / InvalidInputError (too short)."""

    @abc.abstractmethod
    def change_password(self, user_pk: int, password: str, keep_session: str | None) -> None:
        """The user's own new password (no longer temporary); ends their sessions but
        ``keep_session`` (the caller's session token). InvalidInputError when too short."""

    @abc.abstractmethod
    def list_teams(self, who: Principal) -> list[TeamInfo]:
        """Teams by name with members: all of them for an admin, else the caller's own."""

    @abc.abstractmethod
    def remove_team_member(self, team: str, username: str) -> None:
        """Take a user out of a team; NotFoundError when not a member, ConflictError for the
        team's last admin."""

    @abc.abstractmethod
    def list_project_members(self, project_pk: int) -> list[Member]:
        """The users given a role on this one project, by username."""

    @abc.abstractmethod
    def remove_project_member(self, project_pk: int, username: str) -> None:
        """Take a user's project role away; NotFoundError when they have none."""

    @abc.abstractmethod
    def login_lock(self, username: str, address: str, now: float | None = None) -> float | None:
        """Seconds until sign-ins for ``username`` from ``address`` are taken again, or None
        when neither the account nor the address is locked."""

    @abc.abstractmethod
    def note_login_failure(self, username: str, address: str, now: float | None = None) -> None:
        """Count a failed sign-in for the account (known or not) and the address; lock them
        when they reach their thresholds. Several server processes count together."""

    @abc.abstractmethod
    def note_login_success(self, user_pk: int, username: str, now: float | None = None) -> None:
        """Clear the account's failures and note when the user last signed in."""

    @abc.abstractmethod
    def list_login_locks(self, now: float | None = None) -> list[LoginLock]:
        """Accounts and addresses locked now, the longest-locked first."""

    @abc.abstractmethod
    def clear_login_lock(self, kind: LockKind, name: str) -> None:
        """Forget an account's or address's failures (unlock it); unknown ones are ignored."""
