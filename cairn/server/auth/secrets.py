"""Password hashing (argon2) and random tokens stored only as their sha256."""

from __future__ import annotations

import hashlib
import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

API_KEY_PREFIX = "cairn_"
SESSION_TTL_S = 14 * 24 * 3600
"""How long a browser session lasts."""
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches the stored hash (False for users without a password)."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_KEY_ALPHABET = string.ascii_letters + string.digits
_KEY_CHARS = 43  # 43 x log2(62) = 256 bits


def new_api_key() -> str:
    """A new API key: ``cairn_`` and 43 characters of ``[A-Za-z0-9]`` (256 bits). No ``-``:
    the W&B client refuses keys with one after its prefix (design 0016); older keys still work."""
    return API_KEY_PREFIX + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(_KEY_CHARS))


def new_token() -> str:
    """A random session or CSRF token."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The sha256 hex digest a token is stored as (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()
