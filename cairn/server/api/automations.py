"""Automations of an entity (design 0013): an event (``version_linked``, ``alias_moved``,
``artifact_version_created``, ``run_metric_threshold``), a filter on it, and an action (a
signed webhook or a Slack message); their delivery log; a test event on demand.

Members of the entity read automations and their deliveries; admins of the entity (the user
for their own) create, change, delete and test them, since an automation sends the entity's
events to an address outside. Secrets (a webhook's HMAC key, a Slack URL) are encrypted with
the server key and never come back: an answer says only whether one is set.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from cairn.errors import InvalidInputError
from cairn.server.api.deps import Ctx, Who
from cairn.server.api.registry_models import EntityAdmin, EntityMember
from cairn.server.automations.deliver import check_destination
from cairn.server.automations.rules import EVENTS, MAX_SECRET, MAX_URL, check_url
from cairn.server.context import ServerContext
from cairn.server.store.automations import (
    MAX_DELIVERIES_PAGE,
    AutomationRecord,
    DeliveryRecord,
)

router = APIRouter(prefix="/api/v1", tags=["automations"])

ENTITY_PATH = "/automations/{entity}"
AUTOMATION_PATH = ENTITY_PATH + "/{name}"
AutomationName = Annotated[str, Path(min_length=1, max_length=128, description="Automation")]
Event = Literal["version_linked", "alias_moved", "artifact_version_created", "run_metric_threshold"]
assert set(Event.__args__) == set(EVENTS)  # type: ignore[attr-defined]


class AutomationCreate(BaseModel):
    """A new automation. ``webhook`` needs ``url`` (``secret`` signs its bodies); ``slack``
    needs ``slack_url`` (kept as a secret)."""

    name: str = Field(min_length=1, max_length=128)
    event: Event
    filter: dict[str, Any] = Field(
        default_factory=dict,
        description="version_linked: {model}; alias_moved: {model, alias}; "
        "artifact_version_created: {project, artifact, type}; run_metric_threshold: "
        "{project, metric, op (> >= < <= == !=), threshold}",
    )
    action: Literal["webhook", "slack"]
    url: str | None = Field(None, max_length=MAX_URL, description="the webhook's URL")
    secret: str | None = Field(
        None, min_length=1, max_length=MAX_SECRET, description="HMAC-SHA256 key of the webhook"
    )
    slack_url: str | None = Field(None, max_length=MAX_URL, description="incoming-webhook URL")
    enabled: bool = True


class AutomationEdit(BaseModel):
    """Fields to change; those left out stay. ``secret: null`` removes a webhook's secret."""

    filter: dict[str, Any] | None = None
    url: str | None = Field(None, max_length=MAX_URL)
    secret: str | None = Field(None, min_length=1, max_length=MAX_SECRET)
    slack_url: str | None = Field(None, max_length=MAX_URL)
    enabled: bool | None = None


class SecretState(BaseModel):
    """Whether a secret is stored (it is never shown)."""

    set: bool


class AutomationOut(BaseModel):
    """An automation (its secret never shown)."""

    entity: str
    name: str
    event: str
    filter: dict[str, Any]
    action: str
    url: str | None = Field(description="the webhook's URL; null for slack (a secret)")
    secret: SecretState = Field(description="the webhook's HMAC key or the Slack URL")
    enabled: bool
    created_at: float
    created_by: str | None
    updated_at: float


class DeliveryOut(BaseModel):
    """One delivery attempt. ``failed`` with ``next_attempt_at``: retried then; without:
    given up."""

    id: int
    automation: str
    event_id: str
    event: str
    payload: dict[str, Any]
    attempt: int
    state: Literal["pending", "delivered", "failed"]
    status_code: int | None
    response: str | None = Field(description="the first 2 KB of the receiver's answer")
    error: str | None
    created_at: float
    at: float | None = Field(description="when this attempt was made")
    next_attempt_at: float | None


class DeliveryList(BaseModel):
    """A page of attempts, newest first; pass ``next`` back as ``after``."""

    deliveries: list[DeliveryOut]
    next: int | None


class TestOut(BaseModel):
    """The queued test event (the worker sends it within seconds)."""

    event_id: str


def automation_out(a: AutomationRecord) -> dict[str, Any]:
    """The JSON of an automation: never its secret."""
    return {
        "entity": a.entity,
        "name": a.name,
        "event": a.event,
        "filter": a.filter,
        "action": a.action,
        "url": a.url,
        "secret": {"set": a.secret_set},
        "enabled": a.enabled,
        "created_at": a.created_at,
        "created_by": a.created_by,
        "updated_at": a.updated_at,
    }


def delivery_out(d: DeliveryRecord) -> dict[str, Any]:
    """The JSON of a delivery attempt."""
    return {
        "id": d.pk,
        "automation": d.automation,
        "event_id": d.event_id,
        "event": d.event,
        "payload": d.payload,
        "attempt": d.attempt,
        "state": d.state,
        "status_code": d.status_code,
        "response": d.response,
        "error": d.error,
        "created_at": d.created_at,
        "at": d.at,
        "next_attempt_at": d.next_attempt_at,
    }


def _destination(ctx: ServerContext, url: str, what: str) -> str:
    """A URL the server may call (checked now; checked again before every delivery)."""
    check_url(url, what)
    check_destination(url, ctx.settings.allow_private_webhooks)
    return url


def _sealed_fields(ctx: ServerContext, body: BaseModel, fields: set[str]) -> dict[str, Any]:
    """The store's columns for ``url``, ``secret`` and ``slack_url`` among ``fields``."""
    out: dict[str, Any] = {}
    url, secret, slack_url = (getattr(body, f) for f in ("url", "secret", "slack_url"))
    if "secret" in fields and "slack_url" in fields and secret and slack_url:
        raise InvalidInputError("pass secret (a webhook's) or slack_url, not both")
    if "url" in fields:
        out["url"] = None if url is None else _destination(ctx, url, "the webhook url")
    if "secret" in fields:
        out["secret_token"] = None if secret is None else ctx.secrets.seal(secret)
    if "slack_url" in fields and slack_url is not None:
        out["secret_token"] = ctx.secrets.seal(_destination(ctx, slack_url, "slack_url"))
    return out


@router.get(ENTITY_PATH, response_model=list[AutomationOut])
def list_automations(entity: EntityMember, ctx: Ctx) -> list[dict[str, Any]]:
    """The entity's automations by name."""
    return [automation_out(a) for a in ctx.meta.list_automations(entity)]


@router.post(ENTITY_PATH, status_code=201, response_model=AutomationOut)
def create_automation(
    entity: EntityAdmin, body: AutomationCreate, ctx: Ctx, who: Who
) -> dict[str, Any]:
    """Create an automation. A URL resolving to a non-public address is refused unless the
    server runs with ``--allow-private-webhooks``."""
    if body.action == "webhook" and body.slack_url is not None:
        raise InvalidInputError("a webhook takes url (and secret), not slack_url")
    if body.action == "slack" and (body.url is not None or body.secret is not None):
        raise InvalidInputError("a slack action takes slack_url only")
    spec = {"name": body.name, "event": body.event, "filter": body.filter,
            "action": body.action, "enabled": body.enabled,
            **_sealed_fields(ctx, body, {"url", "secret", "slack_url"})}  # fmt: skip
    return automation_out(ctx.meta.create_automation(entity, spec, who.username))


@router.get(AUTOMATION_PATH, response_model=AutomationOut)
def get_automation(entity: EntityMember, name: AutomationName, ctx: Ctx) -> dict[str, Any]:
    """One automation."""
    return automation_out(ctx.meta.get_automation(entity, name))


@router.patch(AUTOMATION_PATH, response_model=AutomationOut)
def edit_automation(
    entity: EntityAdmin, name: AutomationName, body: AutomationEdit, ctx: Ctx
) -> dict[str, Any]:
    """Change the filter, URL, secret or Slack URL, or turn it on or off."""
    fields = set(body.model_fields_set)
    changes: dict[str, Any] = _sealed_fields(ctx, body, fields)
    if "filter" in fields:
        changes["filter"] = body.filter or {}
    if body.enabled is not None:
        changes["enabled"] = body.enabled
    return automation_out(ctx.meta.update_automation(entity, name, changes))


@router.delete(AUTOMATION_PATH, status_code=204, response_class=Response)
def delete_automation(entity: EntityAdmin, name: AutomationName, ctx: Ctx) -> Response:
    """Delete the automation and its delivery log."""
    ctx.meta.delete_automation(entity, name)
    return Response(status_code=204)


@router.get(AUTOMATION_PATH + "/deliveries", response_model=DeliveryList)
def list_deliveries(
    entity: EntityMember,
    name: AutomationName,
    ctx: Ctx,
    after: Annotated[int | None, Query(ge=0, le=2**62, description="id from 'next'")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_DELIVERIES_PAGE)] = 100,
) -> dict[str, Any]:
    """Delivery attempts, newest first, with the receivers' status codes."""
    found = ctx.meta.list_deliveries(entity, name, after, limit)
    return {
        "deliveries": [delivery_out(d) for d in found],
        "next": found[-1].pk if len(found) == limit else None,
    }


@router.post(AUTOMATION_PATH + "/test", status_code=202, response_model=TestOut)
def test_automation(entity: EntityAdmin, name: AutomationName, ctx: Ctx, who: Who) -> Any:
    """Send a ``test`` event now (even when disabled); follow it in the deliveries."""
    return {"event_id": ctx.meta.enqueue_test(entity, name, who.username)}
