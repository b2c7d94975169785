"""Who is calling: a user (by session or API key), the implicit local user, or nobody."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Via = Literal["open", "session", "api_key", "anonymous"]
ROLES = ("viewer", "member", "admin")


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of a request."""

    via: Via
    user_pk: int | None = None
    username: str | None = None
    is_admin: bool = False
    csrf_token: str | None = None
    must_change_password: bool = False
    """An admin reset the password: a session may only change it (or sign out) until then."""

    @property
    def is_authenticated(self) -> bool:
        """Whether a user (or the open server's local user) is calling."""
        return self.via != "anonymous"

    @property
    def is_superuser(self) -> bool:
        """Whether every check passes: an admin, or the open server's one local user."""
        return self.is_admin or self.via == "open"


OPEN_PRINCIPAL = Principal(via="open", username=None, is_admin=True)
ANONYMOUS = Principal(via="anonymous")


def role_at_least(role: str | None, needed: str) -> bool:
    """Whether ``role`` grants ``needed`` (viewer < member < admin)."""
    return role is not None and ROLES.index(role) >= ROLES.index(needed)
