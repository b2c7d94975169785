"""How failed sign-ins slow down the next ones: per account and per client address.

Every failure (wrong password, unknown user, wrong current password when changing it) counts
for the username as typed and for the client address. Once an account has ``ACCOUNT_FAILURES``
failures, or an address ``ADDRESS_FAILURES``, it is locked: every sign-in for it is answered 429
with ``Retry-After`` at once, the password unchecked, right or wrong. Each further failure after
a lock ends doubles the lock, up to ``MAX_LOCK_S``. ``FORGET_AFTER_S`` without a failure forgets
the count. A successful sign-in clears its account's count, not its address's (else an attacker
with one account of their own could clear their address between guesses at others).
Unknown usernames count like known ones, so a lock says nothing about who has an account.
"""

from __future__ import annotations

from typing import Final, Literal

LockKind = Literal["account", "address"]

ACCOUNT_FAILURES: Final = 5
"""Failures in a row after which an account is locked."""
ADDRESS_FAILURES: Final = 20
"""Failures from one client address (over any accounts) after which it is locked."""
BASE_LOCK_S: Final = 30.0
"""The first lock; each failure after it doubles the next."""
MAX_LOCK_S: Final = 900.0
FORGET_AFTER_S: Final = 3600.0
"""Quiet time after the last failure that resets a count."""


def threshold(kind: LockKind) -> int:
    """Failures after which an account or an address is locked."""
    return ACCOUNT_FAILURES if kind == "account" else ADDRESS_FAILURES


def lock_seconds(kind: LockKind, failures: int) -> float:
    """How long ``failures`` failures lock the account or address (0 below the threshold)."""
    over = failures - threshold(kind)
    if over < 0:
        return 0.0
    return min(MAX_LOCK_S, BASE_LOCK_S * 2.0 ** min(over, 30))
