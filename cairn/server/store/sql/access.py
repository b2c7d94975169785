"""Roles in SQL: who may do what with a project, from ownership, teams, membership, visibility.

* an admin user (or the open server's local user) is admin everywhere;
* a user is admin of the projects of their own entity;
* a team member has their team role on the team's ``team`` and ``public`` projects, and on its
  ``private`` projects only when that role is admin;
* a project member has their project role on that project;
* anyone, even without credentials, is a viewer of a ``public`` project.
The strongest of these wins.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, and_, or_, select, true

from cairn.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from cairn.server.auth.access import require_role
from cairn.server.auth.principal import ROLES, Principal, role_at_least
from cairn.server.store.records import ProjectRecord
from cairn.server.store.sql.schema import entities, memberships, project_members, projects, users


def project_role(conn: Connection, who: Principal, project: ProjectRecord) -> str | None:
    """The caller's role on ``project``, or None when it may not even see it."""
    if who.is_superuser:
        return "admin"
    roles: list[str] = []
    if project.visibility == "public":
        roles.append("viewer")
    if who.user_pk is not None:
        entity_pk = conn.scalar(select(projects.c.entity_pk).where(projects.c.pk == project.pk))
        own = conn.scalar(select(users.c.entity_pk).where(users.c.pk == who.user_pk))
        if own == entity_pk:
            return "admin"
        team_role = conn.scalar(
            select(memberships.c.role).where(
                memberships.c.entity_pk == entity_pk, memberships.c.user_pk == who.user_pk
            )
        )
        if team_role and (project.visibility != "private" or team_role == "admin"):
            roles.append(team_role)
        member_role = conn.scalar(
            select(project_members.c.role).where(
                project_members.c.project_pk == project.pk,
                project_members.c.user_pk == who.user_pk,
            )
        )
        if member_role:
            roles.append(member_role)
    return max(roles, key=ROLES.index) if roles else None


def require_project_role(
    conn: Connection, who: Principal, project: ProjectRecord, needed: str
) -> None:
    """Raise unless the caller has at least ``needed`` on the project (see require_role)."""
    require_role(who, project_role(conn, who, project), needed, f"{project.entity}/{project.name}")


def entity_role(conn: Connection, who: Principal, entity: str) -> str | None:
    """The caller's role in an entity (to create projects there): own entity or team role."""
    if who.is_superuser:
        return "admin"
    if who.user_pk is None:
        return None
    row = conn.execute(
        select(entities.c.pk, users.c.pk.label("owner"))
        .outerjoin(users, users.c.entity_pk == entities.c.pk)
        .where(entities.c.name == entity)
    ).one_or_none()
    if row is None:
        return None
    if row.owner == who.user_pk:
        return "admin"
    role: str | None = conn.scalar(
        select(memberships.c.role).where(
            memberships.c.entity_pk == row.pk, memberships.c.user_pk == who.user_pk
        )
    )
    return role


def visible_projects(who: Principal) -> ColumnElement[bool]:
    """A WHERE clause over ``projects`` keeping those the caller may see."""
    if who.is_superuser:
        return true()
    public = projects.c.visibility == "public"
    if who.user_pk is None:
        return public
    own = projects.c.entity_pk.in_(select(users.c.entity_pk).where(users.c.pk == who.user_pk))
    teams = select(memberships.c.entity_pk).where(memberships.c.user_pk == who.user_pk)
    team_admin = teams.where(memberships.c.role == "admin")
    team = or_(
        and_(projects.c.visibility != "private", projects.c.entity_pk.in_(teams)),
        projects.c.entity_pk.in_(team_admin),
    )
    member = projects.c.pk.in_(
        select(project_members.c.project_pk).where(project_members.c.user_pk == who.user_pk)
    )
    return or_(public, own, team, member)


def authorize_write(conn: Connection, who: Principal, entity: str, project: str) -> None:
    """Raise unless the caller may write runs into ``entity/project`` (creating it if absent).

    Writing needs member on an existing project; creating a project needs member in its entity;
    creating a new entity (team) through a write needs an admin.
    """
    if who.is_superuser:
        return
    if not who.is_authenticated:
        raise AuthenticationError("authentication required: log in or pass an API key")
    from cairn.server.store.sql.projects import get_project

    try:
        record = get_project(conn, entity, project)
    except NotFoundError:
        role = entity_role(conn, who, entity)
        if not role_at_least(role, "member"):
            raise PermissionDeniedError(
                f"you may not create projects in {entity!r}: write to your own entity or a "
                "team where you are a member"
            ) from None
        return
    require_project_role(conn, who, record, "member")
