"""The server key that encrypts automation secrets at rest (Fernet: AES-128-CBC + HMAC-SHA256).

Secrets (a webhook's HMAC key, a Slack incoming-webhook URL) are sealed by the routes before the
store sees them and opened only by the delivery worker; the database alone never reveals them.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from cairn.errors import CairnError, InvalidInputError


class SecretBox:
    """Seals and opens secrets with one Fernet key."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except ValueError:
            raise InvalidInputError(
                "the secret key is not a Fernet key (32 url-safe base64 bytes); make one with "
                '`python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"`'
            ) from None

    def seal(self, secret: str) -> str:
        """The encrypted token of ``secret``."""
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def open_recent(self, token: str, max_age_s: int) -> str | None:
        """The payload of a token sealed at most ``max_age_s`` ago with this key, else None
        (capability URLs: a forged, altered or expired token opens nothing)."""
        try:
            return self._fernet.decrypt(token.encode("ascii"), ttl=max_age_s).decode()
        except (InvalidToken, ValueError, UnicodeError):
            return None

    def open(self, token: str) -> str:
        """The secret of a token; CairnError when another key sealed it."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            raise CairnError(
                "cannot decrypt the automation's secret: the server key changed since it was "
                "set; set the secret again"
            ) from None


def load_secret_box(path: Path, *, create: bool) -> SecretBox:
    """The box of the key at ``path``; with ``create`` a missing key is made there (mode 0600,
    written whole before it appears, so concurrent starts agree on one key)."""
    if not path.exists():
        if not create:
            raise InvalidInputError(
                f"the secret key file {path} does not exist; create it (see docs/registry.md) "
                "or leave --secret-key-file out to keep a key in the data directory"
            )
        _create_key(path)
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise InvalidInputError(f"cannot read the secret key file {path}: {exc}") from None
    return SecretBox(key)


def _create_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(Fernet.generate_key() + b"\n")
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            os.link(staging, path)
    finally:
        staging.unlink(missing_ok=True)
