"""Artifact names, aliases, version references and the manifest digest (design 0013).

The SDK and the server apply the same rules: the SDK before it writes an ``artifact`` record,
the server before it applies one and for every name in an artifact route. No import of the rest
of ``cairn.wire`` here, so :mod:`cairn.wire.records` can build on it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from cairn.errors import InvalidInputError

NAME_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
"""Artifact names, types and aliases (W&B's characters; no ``/``, ``:`` or ``..``)."""
_NAME_RE: Final = re.compile(NAME_PATTERN)
_VERSION_RE: Final = re.compile(r"^v(0|[1-9][0-9]{0,17})$")
_DIGEST_RE: Final = re.compile(r"^[0-9a-f]{64}$")

LATEST: Final = "latest"
"""The alias the server keeps on a collection's newest version; clients never set it."""

MANIFEST_PREFIX: Final = "cairn-manifest-v1\n"


def check_artifact_name(value: object, what: str = "artifact name") -> str:
    """Return ``value`` if it is a valid artifact name or type, else raise InvalidInputError."""
    if not isinstance(value, str) or not _NAME_RE.match(value) or ".." in value:
        raise InvalidInputError(
            f"{what} {value!r} is not valid: use 1-128 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit, without '..'"
        )
    return value


def check_alias(value: object) -> str:
    """Return ``value`` if a client may set it as an alias, else raise InvalidInputError.

    ``vN`` names versions and ``latest`` is kept by the server, so neither is an alias a
    client sets.
    """
    alias = check_artifact_name(value, "alias")
    if re.fullmatch(r"v[0-9]+", alias):
        raise InvalidInputError(
            f"alias {alias!r} is reserved: 'v' and digits name versions; pick another alias"
        )
    if alias == LATEST:
        raise InvalidInputError(
            "alias 'latest' is managed by the server (it always names the newest version)"
        )
    return alias


def version_index(ref: str) -> int | None:
    """The number of a ``vN`` reference, None when ``ref`` is not one."""
    match = _VERSION_RE.match(ref)
    return int(match[1]) if match else None


def is_digest(ref: str) -> bool:
    """Whether ``ref`` has the shape of a manifest digest (64 lowercase hex digits)."""
    return bool(_DIGEST_RE.match(ref))


def check_version_ref(value: object) -> str:
    """Return ``value`` if it can name a version (``vN``, an alias or a digest), else raise."""
    if isinstance(value, str) and (version_index(value) is not None or is_digest(value)):
        return value
    return check_artifact_name(value, "version or alias")


def manifest_digest(entries: Iterable[Mapping[str, Any]]) -> str:
    """The digest of a manifest: hex sha256, independent of entry order, metadata excluded.

    ``sha256("cairn-manifest-v1\\n" + "".join(f"{path}\\t{sha256 or 'ref:' + ref + '#' +
    checksum}\\n" for entries sorted by path))``. Each entry is a map with ``path`` and either
    ``sha256`` (a stored file) or ``ref`` and ``checksum`` (a reference); other keys are ignored.
    """
    lines = []
    for entry in sorted(entries, key=lambda e: str(e["path"])):
        sha = entry.get("sha256")
        target = sha if sha else f"ref:{entry['ref']}#{entry['checksum']}"
        lines.append(f"{entry['path']}\t{target}\n")
    return hashlib.sha256((MANIFEST_PREFIX + "".join(lines)).encode()).hexdigest()
