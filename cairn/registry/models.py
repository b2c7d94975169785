"""Registered models and their versions: ``link``, aliases, reads, the audit trail."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from cairn.registry.client import client_of, model_url, segment, split_model
from cairn.sdk.api.client import ApiClient

if TYPE_CHECKING:
    from cairn.sdk.api.public import Api

PAGE = 1000


class RegistryVersion:
    """A version of a registered model; ``source_path`` names the linked artifact version
    (None when it is in a project you cannot read)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.model: str = data["model"]
        self.version: str = data["version"]
        self.path: str = data["path"]
        self.digest: str = data["digest"]
        self.aliases: list[str] = data["aliases"]
        self.linked_by: str | None = data["linked_by"]
        self.linked_at: float = data["linked_at"]
        self.source_status: str = data["source_status"]
        self.source_path: str | None = data["source_path"]

    def __repr__(self) -> str:
        return f"<RegistryVersion {self.path} -> {self.source_path} {self.aliases}>"


class RegisteredModel:
    """A registered model: ``versions()``, ``aliases``, ``audit()``, and changes to it."""

    def __init__(self, client: ApiClient, data: dict[str, Any]) -> None:
        self._client = client
        self._load(data)

    def _load(self, data: dict[str, Any]) -> None:
        self.data = data
        self.entity: str = data["entity"]
        self.name: str = data["name"]
        self.path: str = data["path"]
        self.description: str | None = data["description"]
        self.tags: list[str] = data["tags"]
        self.aliases: dict[str, str] = data["aliases"]
        self.version_count: int = data["versions"]

    def _url(self, suffix: str = "") -> str:
        return model_url(self.entity, self.name, suffix)

    def versions(self) -> Iterator[RegistryVersion]:
        """Every version, newest first (paged)."""
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": PAGE}
            if after is not None:
                params["after"] = after
            page = self._client.request("GET", self._url("/versions"), params=params)
            for data in page["versions"]:
                yield RegistryVersion(data)
            after = page["next"]
            if after is None:
                return

    def version(self, ref: str) -> RegistryVersion:
        """One version by ``vN`` or alias."""
        return RegistryVersion(self._client.request("GET", self._url(f"/versions/{segment(ref)}")))

    def audit(self) -> list[dict[str, Any]]:
        """Who changed what and when, oldest first (``id, at, actor, action, details``)."""
        events: list[dict[str, Any]] = []
        after: int | None = None
        while True:
            params: dict[str, Any] = {"limit": PAGE}
            if after is not None:
                params["after"] = after
            page = self._client.request("GET", self._url("/audit"), params=params)
            events += page["events"]
            after = page["next"]
            if after is None:
                return events

    def link(self, artifact: str, aliases: Sequence[str] = ()) -> RegistryVersion:
        """Link an artifact version (``entity/project/name:ver``) into this model."""
        version = _link(self._client, self.entity, self.name, artifact, aliases)
        self.refresh()
        return version

    def set_alias(self, alias: str, version: str) -> RegistryVersion:
        """Point ``alias`` at ``version`` (``vN`` or another alias)."""
        moved = _set_alias(self._client, self.entity, self.name, alias, version)
        self.refresh()
        return moved

    def remove_alias(self, alias: str) -> None:
        """Remove an alias."""
        self._client.request("DELETE", self._url(f"/aliases/{segment(alias)}"))
        self.refresh()

    def update(self, **changes: Any) -> RegisteredModel:
        """Replace ``description`` and/or ``tags``."""
        self._load(self._client.request("PATCH", self._url(), json=changes))
        return self

    def delete(self) -> None:
        """Delete the model with its versions and audit trail (the artifacts stay)."""
        self._client.request("DELETE", self._url())

    def refresh(self) -> None:
        """Read the model again."""
        self._load(self._client.request("GET", self._url()))

    def __repr__(self) -> str:
        return f"<RegisteredModel {self.path} ({self.version_count} versions)>"


def _link(
    client: ApiClient, entity: str, name: str, artifact: str, aliases: Sequence[str]
) -> RegistryVersion:
    body = {"artifact": artifact, "aliases": list(aliases)}
    return RegistryVersion(client.request("POST", model_url(entity, name, "/versions"), json=body))


def _set_alias(
    client: ApiClient, entity: str, name: str, alias: str, version: str
) -> RegistryVersion:
    url = model_url(entity, name, f"/aliases/{segment(alias)}")
    return RegistryVersion(client.request("PUT", url, json={"version": version}))


def link(
    version_path: str,
    registered_model_name: str,
    aliases: Sequence[str] = (),
    *,
    api: Api | None = None,
) -> RegistryVersion:
    """Link the artifact version ``entity/project/name:ver`` into the registered model
    ``entity/name`` (or ``name`` in your default entity), registering it when new, and move
    ``aliases`` onto it. Linking a version linked before returns that registry version."""
    entity, name = split_model(registered_model_name)
    return _link(client_of(api), entity, name, version_path, aliases)


def create_model(
    path: str,
    description: str | None = None,
    tags: Sequence[str] = (),
    *,
    api: Api | None = None,
) -> RegisteredModel:
    """Register a model ``entity/name`` without versions yet."""
    client = client_of(api)
    entity, name = split_model(path)
    body = {"name": name, "description": description, "tags": list(tags)}
    data = client.request("POST", f"/api/v1/registry/{segment(entity)}", json=body)
    return RegisteredModel(client, data)


def registered_models(entity: str, *, api: Api | None = None) -> list[RegisteredModel]:
    """The entity's registered models by name."""
    client = client_of(api)
    out: list[RegisteredModel] = []
    after: str | None = None
    while True:
        params: dict[str, Any] = {"limit": PAGE}
        if after is not None:
            params["after"] = after
        page = client.request("GET", f"/api/v1/registry/{segment(entity)}", params=params)
        out += [RegisteredModel(client, m) for m in page["models"]]
        after = page["next"]
        if after is None:
            return out


def registered_model(path: str, *, api: Api | None = None) -> RegisteredModel:
    """One registered model by ``entity/name``."""
    client = client_of(api)
    entity, name = split_model(path)
    return RegisteredModel(client, client.request("GET", model_url(entity, name)))


def set_alias(path: str, alias: str, version: str, *, api: Api | None = None) -> RegistryVersion:
    """Point ``alias`` of the model ``entity/name`` at ``version`` (``vN`` or an alias)."""
    entity, name = split_model(path)
    return _set_alias(client_of(api), entity, name, alias, version)


def remove_alias(path: str, alias: str, *, api: Api | None = None) -> None:
    """Remove an alias of the model ``entity/name``."""
    entity, name = split_model(path)
    client_of(api).request("DELETE", model_url(entity, name, f"/aliases/{segment(alias)}"))


def unlink(path: str, version: str, *, api: Api | None = None) -> None:
    """Unlink ``version`` from the model ``entity/name`` (the artifact version stays)."""
    entity, name = split_model(path)
    client_of(api).request("DELETE", model_url(entity, name, f"/versions/{segment(version)}"))
