"""Artifact references (``e/p/name:ver``) and the aliases a run logs with (design 0013).

The rules for names, types, aliases and versions are the wire's (:mod:`cairn.wire.artifacts`),
so the SDK refuses exactly what the server would.
"""

from __future__ import annotations

from dataclasses import dataclass

from cairn.errors import InvalidInputError
from cairn.wire import check_name as check_entity_or_project
from cairn.wire.artifacts import LATEST, check_alias, check_artifact_name, check_version_ref

check_name = check_artifact_name
"""``value`` if it is a valid artifact name or type (the wire's rule), else InvalidInputError."""


def clean_aliases(aliases: object) -> list[str]:
    """Aliases to log with a version: checked, deduplicated, ``latest`` dropped (W&B passes it
    by default; the server moves it anyway)."""
    if aliases is None:
        return []
    if isinstance(aliases, str):
        aliases = [aliases]
    if not isinstance(aliases, list | tuple | set | frozenset):
        raise InvalidInputError(f"aliases must be a list of strings, got {type(aliases).__name__}")
    out: list[str] = []
    for alias in aliases:
        if alias == LATEST:
            continue
        if check_alias(alias) not in out:
            out.append(alias)
    return out


@dataclass(frozen=True, slots=True)
class ArtifactRef:
    """A version named as ``entity/project/name:ver``; ``ver`` is ``vN``, an alias or a digest."""

    entity: str
    project: str
    name: str
    version: str

    @property
    def path(self) -> str:
        """``entity/project/name:ver``."""
        return f"{self.entity}/{self.project}/{self.name}:{self.version}"

    @property
    def url(self) -> str:
        """The API path of the collection, ``/api/v1/artifacts/e/p/name``."""
        return f"/api/v1/artifacts/{self.entity}/{self.project}/{self.name}"


def parse_ref(text: str, entity: str | None = None, project: str | None = None) -> ArtifactRef:
    """``name``, ``name:ver``, ``project/name:ver`` or ``entity/project/name:ver`` (the missing
    parts from ``entity``/``project``; no version means ``latest``)."""
    if not isinstance(text, str) or not text:
        raise InvalidInputError(f"name an artifact as entity/project/name:version, got {text!r}")
    head, sep, version = text.strip().rpartition(":")
    if not sep:
        head, version = version, LATEST
    parts = head.split("/")
    if len(parts) > 3 or not all(parts):
        raise InvalidInputError(f"an artifact is named entity/project/name:version, got {text!r}")
    name = parts[-1]
    if len(parts) >= 2:
        project = parts[-2]
    if len(parts) == 3:
        entity = parts[0]
    if not entity or not project:
        raise InvalidInputError(
            f"{text!r} does not say its project: name it entity/project/name:version"
        )
    check_name(name)
    check_entity_or_project(entity, "entity")
    check_entity_or_project(project, "project")
    if not version:
        raise InvalidInputError(f"{text!r} names no version after ':' (vN, an alias or a digest)")
    check_version_ref(version)
    return ArtifactRef(entity, project, name, version)


__all__ = [
    "LATEST",
    "ArtifactRef",
    "check_alias",
    "check_name",
    "clean_aliases",
    "parse_ref",
]
