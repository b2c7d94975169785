"""Sending one delivery: the SSRF guard, the signed webhook POST, the Slack message.

A webhook gets the event as JSON with ``X-Cairn-Event`` (the event), ``X-Cairn-Delivery`` (the
event id: the same on every retry, for de-duplication) and, when the automation has a secret,
``X-Cairn-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>``. Slack gets
``{"text": ...}``. Redirects are not followed (a redirect could point anywhere).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx

from cairn.__about__ import __version__
from cairn.errors import CairnError, InvalidInputError
from cairn.server.automations.secrets import SecretBox
from cairn.server.store.automations import RESPONSE_EXCERPT, DueDelivery, Outcome

RETRIED_4XX = (408, 425, 429)
"""Client errors worth retrying; any other 4xx would fail the same way again."""


def signature(secret: str, body: bytes) -> str:
    """The ``X-Cairn-Signature`` value of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_destination(url: str, allow_private: bool) -> None:
    """Refuse (InvalidInputError) a URL whose host resolves to a loopback, private, link-local,
    multicast or otherwise non-public address, unless ``allow_private``."""
    if allow_private:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"cannot resolve the host of {host!r}: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            raise InvalidInputError(
                f"{host!r} resolves to {address}, which is not a public address; the server "
                "calls only public addresses unless started with --allow-private-webhooks"
            )


def slack_text(payload: dict[str, Any]) -> str:
    """A one-line summary of an event for a Slack channel."""
    data = payload.get("data") or {}
    event = payload.get("event")
    who = f" by {payload['actor']}" if payload.get("actor") else ""
    if event == "version_linked":
        return f"Cairn: {data.get('source')} was linked as {data.get('path')}{who}"
    if event == "alias_moved":
        return f"Cairn: {data.get('alias')} of {data['model']['path']} now names " \
               f"{data.get('version')} ({data.get('source')}){who}"  # fmt: skip
    if event == "artifact_version_created":
        return f"Cairn: new artifact version {data['artifact']['path']}"
    if event == "run_metric_threshold":
        return f"Cairn: run {data['run']['path']}: {data.get('metric')} = {data.get('value')} " \
               f"({data.get('op')} {data.get('threshold')})"  # fmt: skip
    return f"Cairn: {data.get('message') or event} (automation {payload.get('automation')})"


def send(
    delivery: DueDelivery, box: SecretBox, *, timeout_s: float, allow_private: bool
) -> Outcome:
    """Make one attempt; never raises (what went wrong is the outcome's ``error``)."""
    try:
        if delivery.action == "slack":
            url = box.open(delivery.secret_token or "")
            body = json.dumps({"text": slack_text(delivery.payload)}).encode()
            headers = {}
        else:
            url = delivery.url or ""
            body = json.dumps(delivery.payload, separators=(",", ":")).encode()
            headers = {"X-Cairn-Event": delivery.event, "X-Cairn-Delivery": delivery.event_id}
            if delivery.secret_token is not None:
                headers["X-Cairn-Signature"] = signature(box.open(delivery.secret_token), body)
        check_destination(url, allow_private)
    except CairnError as exc:
        return Outcome(error=exc.message)
    headers.update({"Content-Type": "application/json", "User-Agent": f"cairn/{__version__}"})
    try:
        with httpx.Client(timeout=timeout_s, follow_redirects=False, trust_env=False) as client:
            response = client.post(url, content=body, headers=headers)
            excerpt = response.text[:RESPONSE_EXCERPT]
    except httpx.HTTPError as exc:
        return Outcome(error=f"{type(exc).__name__}: {exc}"[:RESPONSE_EXCERPT])
    return Outcome(status_code=response.status_code, response=excerpt)


def retry_at(
    outcome: Outcome, attempt: int, backoff: tuple[float, ...], now: float
) -> float | None:
    """When to try again after attempt ``attempt`` failed (None: give up)."""
    code = outcome.status_code
    if outcome.delivered or (code is not None and 400 <= code < 500 and code not in RETRIED_4XX):
        return None
    if attempt > len(backoff):
        return None
    return now + backoff[attempt - 1]
