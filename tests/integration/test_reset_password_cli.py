"""``cairn server reset-password`` on the database itself: a locked-out admin gets back in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cairn.server.auth.throttle import ACCOUNT_FAILURES
from cairn.server.store.sql.store import open_metadata_store

CLI = (sys.executable, "-m", "cairn.cli.main", "server")


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


def test_reset_password_unlocks_and_replaces_the_password(db_url: str, tmp_path: Path) -> None:
    where = ("--db", db_url, "--data-dir", str(tmp_path))
    made = _cli("create-admin", "--username", "boss", "--password-stdin", *where,
                stdin="the first password\n")  # fmt: skip
    assert made.returncode == 0, made.stderr
    meta = open_metadata_store(db_url)
    try:
        boss = meta.check_password("boss", "the first password")
        assert boss is not None
        assert boss.user_pk is not None
        token, _ = meta.open_session(boss.user_pk)
        for _ in range(ACCOUNT_FAILURES):
            meta.note_login_failure("boss", "192.0.2.1")
        assert meta.login_lock("boss", "192.0.2.2") is not None

        done = _cli("reset-password", "boss", "--password-stdin", *where,
                    stdin="a brand new password\n")  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "set the password of 'boss'" in done.stdout

        assert meta.login_lock("boss", "192.0.2.2") is None
        assert meta.check_password("boss", "the first password") is None
        who = meta.check_password("boss", "a brand new password")
        assert who is not None
        assert who.is_admin
        assert not who.must_change_password
        assert meta.session_principal(token) is None  # sessions ended
    finally:
        meta.close()


def test_reset_password_refuses_unknown_users_and_short_passwords(
    db_url: str, tmp_path: Path
) -> None:
    where = ("--db", db_url, "--data-dir", str(tmp_path))
    unknown = _cli("reset-password", "ghost", "--password-stdin", *where, stdin="long enough!\n")
    assert unknown.returncode == 1
    assert "'ghost' does not exist" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    _cli("create-admin", "--username", "boss", "--password-stdin", *where, stdin="long enough!\n")
    short = _cli("reset-password", "boss", "--password-stdin", *where, stdin="short\n")
    assert short.returncode == 1
    assert "at least 8 characters" in short.stderr
