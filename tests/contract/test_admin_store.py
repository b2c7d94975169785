"""The metadata store's admin part: the sign-in throttle's backoff in time, users' flags."""

from __future__ import annotations

import pytest

from cairn.errors import ConflictError, PermissionDeniedError
from cairn.server.auth.principal import OPEN_PRINCIPAL
from cairn.server.auth.throttle import (
    ACCOUNT_FAILURES,
    ADDRESS_FAILURES,
    BASE_LOCK_S,
    FORGET_AFTER_S,
    MAX_LOCK_S,
)
from cairn.server.store.metadata import MetadataStore

T0 = 1_800_000_000.0


def test_locks_double_after_each_failure_past_the_threshold(meta: MetadataStore) -> None:
    now = T0
    for _ in range(ACCOUNT_FAILURES - 1):
        meta.note_login_failure("ada", "192.0.2.1", now=now)
        assert meta.login_lock("ada", "192.0.2.1", now=now) is None
    expected = BASE_LOCK_S
    for _ in range(8):
        meta.note_login_failure("ada", "192.0.2.1", now=now)
        assert meta.login_lock("ada", "192.0.2.9", now=now) == pytest.approx(expected)
        now += expected  # the lock is over: one more try
        assert meta.login_lock("ada", "192.0.2.9", now=now) is None
        expected = min(MAX_LOCK_S, expected * 2)
    assert expected == MAX_LOCK_S


def test_a_quiet_hour_forgets_the_failures(meta: MetadataStore) -> None:
    for _ in range(ACCOUNT_FAILURES):
        meta.note_login_failure("ada", "192.0.2.1", now=T0)
    later = T0 + FORGET_AFTER_S + 1
    meta.note_login_failure("ada", "192.0.2.1", now=later)
    assert meta.login_lock("ada", "192.0.2.1", now=later) is None
    assert meta.list_login_locks(now=later) == []


def test_the_address_counts_over_accounts(meta: MetadataStore) -> None:
    for i in range(ADDRESS_FAILURES):
        meta.note_login_failure(f"user{i}", "192.0.2.1", now=T0)
    assert meta.login_lock("someone", "192.0.2.1", now=T0) == pytest.approx(BASE_LOCK_S)
    assert meta.login_lock("someone", "192.0.2.2", now=T0) is None
    [lock] = meta.list_login_locks(now=T0)
    assert (lock.kind, lock.name, lock.failures) == ("address", "192.0.2.1", ADDRESS_FAILURES)
    meta.clear_login_lock("address", "192.0.2.1")
    assert meta.login_lock("someone", "192.0.2.1", now=T0) is None


def test_success_clears_the_account_not_the_address(meta: MetadataStore) -> None:
    pk = meta.create_user("ada", "password-123")
    for _ in range(ACCOUNT_FAILURES - 1):
        meta.note_login_failure("ada", "192.0.2.1", now=T0)
    meta.note_login_success(pk, "ada", now=T0)
    [ada] = meta.list_users(now=T0)
    assert (ada.failed_logins, ada.locked_until, ada.last_login_at) == (0, None, T0)
    for i in range(ADDRESS_FAILURES - ACCOUNT_FAILURES + 1):
        meta.note_login_failure(f"other{i}", "192.0.2.1", now=T0)
    assert meta.login_lock("ada", "192.0.2.1", now=T0) is not None


def test_disabled_users_cannot_sign_in_and_one_admin_stays_enabled(meta: MetadataStore) -> None:
    pk = meta.create_user("ada", "password-123", is_admin=True)
    meta.create_user("bob", "password-456")
    token, _ = meta.open_session(pk)
    with pytest.raises(ConflictError, match="last enabled admin"):
        meta.update_user("ada", disabled=True, is_admin=None, by=OPEN_PRINCIPAL)
    meta.update_user("bob", disabled=None, is_admin=True, by=OPEN_PRINCIPAL)
    ada = meta.update_user("ada", disabled=True, is_admin=None, by=OPEN_PRINCIPAL)
    assert ada.disabled
    assert meta.session_principal(token) is None
    with pytest.raises(PermissionDeniedError, match="disabled"):
        meta.check_password("ada", "password-123")
    assert meta.check_password("ada", "wrong-password") is None
