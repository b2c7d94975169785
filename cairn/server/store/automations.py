"""The metadata store's automations part (design 0013): an entity's event rules, the events
they emit as pending deliveries, and the delivery log.

Secrets reach the store encrypted (``secret_token``: a Fernet token made with the server key)
and leave it the same way; only the delivery worker decrypts them. Events are emitted inside
the store's own writes (registry links and alias moves, artifact versions created by ingest, a
run summary crossing a threshold), so an event exists exactly when its change committed.
Composed into :class:`cairn.server.store.metadata.MetadataStore`; contract in
tests/contract/test_registry_store.py.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

MAX_AUTOMATIONS = 100
"""Most automations one entity may have."""
MAX_DELIVERIES_PAGE = 1000
RESPONSE_EXCERPT = 2048
"""Characters of a receiver's answer kept in the delivery log."""
DeliveryState = Literal["pending", "delivered", "failed"]


@dataclass(frozen=True, slots=True)
class AutomationRecord:
    """One automation. ``secret_token`` is the encrypted secret (never shown to anyone)."""

    pk: int
    entity: str
    name: str
    event: str
    filter: dict[str, Any]
    action: str
    url: str | None
    enabled: bool
    created_at: float
    created_by: str | None
    updated_at: float
    secret_token: str | None = field(default=None, repr=False)

    @property
    def secret_set(self) -> bool:
        """Whether a secret (webhook HMAC key, Slack URL) is stored."""
        return self.secret_token is not None


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One attempt to deliver an event. ``failed`` with ``next_attempt_at`` set: a retry is
    pending; without: the delivery gave up."""

    pk: int
    automation: str
    event_id: str
    event: str
    payload: dict[str, Any]
    attempt: int
    state: DeliveryState
    status_code: int | None
    response: str | None
    error: str | None
    created_at: float
    at: float | None
    next_attempt_at: float | None


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A pending attempt that is due, with what sending it needs."""

    pk: int
    event_id: str
    event: str
    payload: dict[str, Any]
    attempt: int
    action: str
    url: str | None
    secret_token: str | None = field(repr=False)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt got: an HTTP status (and the answer's first bytes) or an error."""

    status_code: int | None = None
    response: str | None = None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        """A 2xx answer."""
        return self.status_code is not None and 200 <= self.status_code < 300


class AutomationStore(abc.ABC):
    """Automations of an entity and their deliveries; each method one transaction."""

    @abc.abstractmethod
    def list_automations(self, entity: str) -> list[AutomationRecord]:
        """The entity's automations by name."""

    @abc.abstractmethod
    def get_automation(self, entity: str, name: str) -> AutomationRecord:
        """One automation; NotFoundError when the entity has none of that name."""

    @abc.abstractmethod
    def create_automation(
        self, entity: str, spec: Mapping[str, Any], actor: str | None = None
    ) -> AutomationRecord:
        """Create an automation from ``name``, ``event``, ``filter``, ``action``, ``url``
        (webhook), ``secret_token`` and ``enabled``. ConflictError for a name taken;
        InvalidInputError for a bad event/filter/action, a webhook without a URL, a Slack
        action without its (encrypted) URL, or past :data:`MAX_AUTOMATIONS`."""

    @abc.abstractmethod
    def update_automation(
        self, entity: str, name: str, changes: Mapping[str, Any]
    ) -> AutomationRecord:
        """Change ``filter``, ``url``, ``secret_token`` (None clears a webhook's secret) and/or
        ``enabled``; checked as create_automation."""

    @abc.abstractmethod
    def delete_automation(self, entity: str, name: str) -> None:
        """Delete an automation and its delivery log."""

    @abc.abstractmethod
    def list_deliveries(
        self, entity: str, name: str, after: int | None, limit: int
    ) -> list[DeliveryRecord]:
        """The automation's delivery attempts newest first, older than the id ``after``."""

    @abc.abstractmethod
    def enqueue_test(self, entity: str, name: str, actor: str | None = None) -> str:
        """Queue a ``test`` event for the automation now (even when disabled); its event id."""

    @abc.abstractmethod
    def due_deliveries(self, now: float, limit: int) -> list[DueDelivery]:
        """Pending attempts due by ``now``, oldest first, at most ``limit``."""

    @abc.abstractmethod
    def finish_delivery(
        self, pk: int, outcome: Outcome, retry_at: float | None, now: float
    ) -> None:
        """Record an attempt's outcome: ``delivered`` for a 2xx, else ``failed``; a failure
        with ``retry_at`` queues the next attempt then. A delivery no longer pending (its
        automation deleted meanwhile) is left alone."""

    @abc.abstractmethod
    def prune_deliveries(self, before: float) -> int:
        """Forget finished attempts made before ``before``; how many went."""
