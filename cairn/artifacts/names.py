"""Artifact names, types, aliases and references (``e/p/name:ver``), as design 0013 fixes them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from cairn.errors import InvalidInputError
from cairn.wire import check_name as check_entity_or_project

NAME_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
VERSION_RE: Final = re.compile(r"^v[0-9]+$")
LATEST: Final = "latest"


def check_name(value: object, what: str = "artifact name") -> str:
    """``value`` if it is a valid artifact name or type, else InvalidInputError saying why."""
    if not isinstance(value, str) or not NAME_RE.match(value) or ".." in value:
        raise InvalidInputError(
            f"{what} {value!r} is not valid: use 1-128 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit (no '/', ':' or '..')"
        )
    return value


def check_alias(value: object) -> str:
    """``value`` if a client may set it as an alias (not ``vN``, not ``latest``)."""
    alias = check_name(value, "alias")
    if VERSION_RE.match(alias):
        raise InvalidInputError(f"alias {alias!r} looks like a version (vN): pick another name")
    if alias == LATEST:
        raise InvalidInputError("'latest' is moved by the server to the newest version; "
                                "it cannot be set or removed")  # fmt: skip
    return alias


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
    if not version or not (VERSION_RE.match(version) or NAME_RE.match(version)):
        raise InvalidInputError(f"{version!r} is not a version (vN), an alias or a digest")
    return ArtifactRef(entity, project, name, version)
