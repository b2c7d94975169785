"""The access rule applied to a role the store computed: allow, or the error that explains why not.

How a role is derived (ownership, teams, project membership, visibility) is the store's
contract (:meth:`cairn.server.store.metadata.AccessStore.resolve_project`).
"""

from __future__ import annotations

from cairn.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from cairn.server.auth.principal import Principal, role_at_least


def require_role(who: Principal, held: str | None, needed: str, project_path: str) -> None:
    """Raise unless ``held`` is at least ``needed`` on the project at ``project_path``.

    A project the caller may not see answers as if it did not exist, except that an anonymous
    caller is told to authenticate first.
    """
    if role_at_least(held, needed):
        return
    if not who.is_authenticated:
        raise AuthenticationError("authentication required: log in or pass an API key")
    if held is None:
        raise NotFoundError(f"project {project_path} does not exist")
    raise PermissionDeniedError(f"your role on {project_path} is {held}; this needs {needed}")
