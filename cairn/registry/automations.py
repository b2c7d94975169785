"""Automations of an entity from Python: list, create, delete, test, read deliveries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cairn.errors import InvalidInputError
from cairn.registry.client import client_of, segment

if TYPE_CHECKING:
    from cairn.sdk.api.public import Api


def _url(entity: str, name: str | None = None, suffix: str = "") -> str:
    base = f"/api/v1/automations/{segment(entity)}"
    return base if name is None else f"{base}/{segment(name)}{suffix}"


def list_automations(entity: str, *, api: Api | None = None) -> list[dict[str, Any]]:
    """The entity's automations (secrets show only as ``{"set": true}``)."""
    result: list[dict[str, Any]] = client_of(api).request("GET", _url(entity))
    return result


def create_automation(
    entity: str,
    name: str,
    event: str,
    *,
    webhook_url: str | None = None,
    secret: str | None = None,
    slack_url: str | None = None,
    filter: Mapping[str, Any] | None = None,
    enabled: bool = True,
    api: Api | None = None,
) -> dict[str, Any]:
    """Create an automation calling ``webhook_url`` (signed with ``secret`` when given) or
    posting to Slack's ``slack_url``, for ``event`` events matching ``filter``."""
    if (webhook_url is None) == (slack_url is None):
        raise InvalidInputError("pass webhook_url (and optionally secret) or slack_url")
    body: dict[str, Any] = {"name": name, "event": event, "filter": dict(filter or {}),
                            "enabled": enabled}  # fmt: skip
    if webhook_url is not None:
        body.update(action="webhook", url=webhook_url, secret=secret)
    else:
        body.update(action="slack", slack_url=slack_url)
    result: dict[str, Any] = client_of(api).request("POST", _url(entity), json=body)
    return result


def delete_automation(entity: str, name: str, *, api: Api | None = None) -> None:
    """Delete an automation and its delivery log."""
    client_of(api).request("DELETE", _url(entity, name))


def send_test_event(entity: str, name: str, *, api: Api | None = None) -> str:
    """Queue a ``test`` event for the automation now; its event id."""
    return str(client_of(api).request("POST", _url(entity, name, "/test"))["event_id"])


def deliveries(
    entity: str, name: str, limit: int = 100, *, api: Api | None = None
) -> list[dict[str, Any]]:
    """The automation's newest delivery attempts (status codes, errors, retries)."""
    page = client_of(api).request("GET", _url(entity, name, "/deliveries"),
                                  params={"limit": limit})  # fmt: skip
    return list(page["deliveries"])
