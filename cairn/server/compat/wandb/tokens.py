"""Capability URLs for run files and artifacts: the client sends no credentials on them
(design 0016).

A token is the server key's Fernet seal of what it grants and for whom, so it cannot be forged
or altered, and it expires. The store checks the caller's role again when a token is used.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Final

from cairn.errors import AuthenticationError
from cairn.server.auth.principal import OPEN_PRINCIPAL, Principal
from cairn.server.automations.secrets import SecretBox

FILE_TOKEN_TTL_S: Final = 24 * 3600
_FILE_PURPOSE: Final = "wandb-run-file"
_ARTIFACT_PURPOSE: Final = "wandb-artifact"
ARTIFACT_ACTIONS: Final = ("put_file", "put_manifest", "read")


@dataclass(frozen=True, slots=True)
class Holder:
    """Who a capability was made for (what of a Principal a token carries)."""

    via: str
    user_pk: int | None
    username: str | None
    is_admin: bool

    @classmethod
    def of(cls, who: Principal) -> Holder:
        """The holder that stands for ``who``."""
        return cls(who.via, who.user_pk, who.username, who.is_admin)

    @property
    def principal(self) -> Principal:
        """The caller the grant was made for."""
        if self.via == "open":
            return OPEN_PRINCIPAL
        return Principal(
            via="api_key", user_pk=self.user_pk, username=self.username, is_admin=self.is_admin
        )


@dataclass(frozen=True, slots=True)
class FileGrant:
    """A run file a capability URL may write (``upload``) or read."""

    entity: str
    project: str
    run_id: str
    path: str
    upload: bool
    holder: Holder

    @classmethod
    def for_caller(
        cls, who: Principal, entity: str, project: str, run_id: str, path: str, *, upload: bool
    ) -> FileGrant:
        """What ``who`` may do with one file, to be used without credentials."""
        return cls(entity, project, run_id, path, upload, Holder.of(who))

    @property
    def principal(self) -> Principal:
        """The caller the grant was made for; the store checks its role again on use."""
        return self.holder.principal


@dataclass(frozen=True, slots=True)
class ArtifactGrant:
    """What an artifact capability URL allows: ``put_file`` (one file of the pending W&B
    artifact ``target``, whose bytes must have the base64 MD5 ``md5``), ``put_manifest`` (its
    ``wandb_manifest.json``) or ``read`` (the manifest and files of the version ``target``)."""

    action: str
    target: int
    md5: str | None
    holder: Holder

    @classmethod
    def for_caller(
        cls, who: Principal, action: str, target: int, md5: str | None = None
    ) -> ArtifactGrant:
        """What ``who`` may do with one artifact, to be used without credentials."""
        if action not in ARTIFACT_ACTIONS:
            raise ValueError(f"unknown artifact grant {action!r}")
        return cls(action, target, md5, Holder.of(who))

    @property
    def principal(self) -> Principal:
        """The caller the grant was made for; the store checks its role again on use."""
        return self.holder.principal


def _seal(box: SecretBox, purpose: str, grant: FileGrant | ArtifactGrant) -> str:
    return box.seal(json.dumps({"purpose": purpose, **asdict(grant)}))


def _open(box: SecretBox, token: str, purpose: str) -> dict[str, Any] | None:
    """The grant's fields (its holder built), or None for a forged, altered, expired or
    other-purpose token."""
    text = box.open_recent(token, FILE_TOKEN_TTL_S)
    payload = json.loads(text) if text else None
    if not isinstance(payload, dict) or payload.pop("purpose", None) != purpose:
        return None
    holder = payload.get("holder")
    if not isinstance(holder, dict):
        return None
    payload["holder"] = Holder(**holder)
    return payload


def seal_grant(box: SecretBox, grant: FileGrant) -> str:
    """The token of ``grant`` (URL-safe)."""
    return _seal(box, _FILE_PURPOSE, grant)


def open_grant(box: SecretBox, token: str) -> FileGrant:
    """The grant a token carries; AuthenticationError for a forged, altered or expired one."""
    payload = _open(box, token, _FILE_PURPOSE)
    if payload is None:
        raise AuthenticationError(
            "this file URL is invalid or expired (they last 24 hours); ask for a new one"
        )
    return FileGrant(**payload)


def seal_artifact_grant(box: SecretBox, grant: ArtifactGrant) -> str:
    """The token of ``grant`` (URL-safe)."""
    return _seal(box, _ARTIFACT_PURPOSE, grant)


def open_artifact_grant(box: SecretBox, token: str, *actions: str) -> ArtifactGrant:
    """The grant a token carries, which must allow one of ``actions``; AuthenticationError
    for a forged, altered, expired or other kind of token."""
    payload = _open(box, token, _ARTIFACT_PURPOSE)
    if payload is None or payload.get("action") not in actions:
        raise AuthenticationError(
            "this artifact URL is invalid, expired (they last 24 hours) or not for this use; "
            "ask the server for a new one"
        )
    return ArtifactGrant(**payload)
