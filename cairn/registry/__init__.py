"""The model registry from Python: link artifact versions into registered models, move their
aliases, read versions and the audit trail; and the automations that watch them.

``cairn.registry.link("team/proj/net:v3", "team/classifier", aliases=["staging"])`` links a
version (registering the model when new); ``cairn.Api().registered_model("team/classifier")``
reads one. Each call is one request to the server (see docs/registry.md).
"""

from __future__ import annotations

from cairn.registry.automations import (
    create_automation,
    delete_automation,
    deliveries,
    list_automations,
    send_test_event,
)
from cairn.registry.models import (
    RegisteredModel,
    RegistryVersion,
    create_model,
    link,
    registered_model,
    registered_models,
    remove_alias,
    set_alias,
    unlink,
)

__all__ = [
    "RegisteredModel",
    "RegistryVersion",
    "create_automation",
    "create_model",
    "delete_automation",
    "deliveries",
    "link",
    "list_automations",
    "registered_model",
    "registered_models",
    "remove_alias",
    "send_test_event",
    "set_alias",
    "unlink",
]
