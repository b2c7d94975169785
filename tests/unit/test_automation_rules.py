"""Automation rules without a server: filters, threshold crossings, the SSRF guard on address
literals, signatures, the retry schedule, and the server key's file."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from cairn.errors import CairnError, InvalidInputError
from cairn.server.automations.deliver import check_destination, retry_at, signature
from cairn.server.automations.rules import check_filter, crossed
from cairn.server.automations.secrets import load_secret_box
from cairn.server.settings import ServerSettings, settings_from_env
from cairn.server.store.automations import Outcome


def test_filters() -> None:
    assert check_filter("alias_moved", {"model": "m", "alias": None}) == {"model": "m"}
    rule = check_filter("run_metric_threshold", {"metric": "acc", "op": ">=", "threshold": 1})
    assert rule == {"metric": "acc", "op": ">=", "threshold": 1.0}
    for event, bad in (
        ("alias_moved", {"metric": "acc"}),
        ("version_linked", {"model": 3}),
        ("run_metric_threshold", {"metric": "acc", "op": ">=", "threshold": float("nan")}),
        ("run_metric_threshold", {"metric": "acc", "op": ">=", "threshold": True}),
    ):
        with pytest.raises(InvalidInputError):
            check_filter(event, bad)


def test_crossings() -> None:
    rule = {"metric": "acc", "op": ">", "threshold": 0.9}
    assert crossed(rule, None, 0.95)
    assert crossed(rule, 0.5, 0.95)
    assert not crossed(rule, 0.92, 0.95)  # already above: no new event
    assert not crossed(rule, 0.5, "NaN")
    assert not crossed(rule, 0.5, True)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://[::ffff:127.0.0.1]/",
    ],
)
def test_private_literals_are_refused(url: str) -> None:
    with pytest.raises(InvalidInputError, match="--allow-private-webhooks"):
        check_destination(url, allow_private=False)
    check_destination(url, allow_private=True)


def test_public_literal_passes() -> None:
    check_destination("https://93.184.216.34/hook", allow_private=False)


def test_signature_and_retry_schedule() -> None:
    body = b'{"a":1}'
    expected = hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert signature("k", body) == f"sha256={expected}"
    backoff = (10.0, 30.0)
    assert retry_at(Outcome(500), 1, backoff, 100.0) == 110.0
    assert retry_at(Outcome(error="timeout"), 2, backoff, 100.0) == 130.0
    assert retry_at(Outcome(500), 3, backoff, 100.0) is None  # the last attempt
    assert retry_at(Outcome(429), 1, backoff, 100.0) == 110.0
    assert retry_at(Outcome(404), 1, backoff, 100.0) is None
    assert retry_at(Outcome(204), 1, backoff, 100.0) is None


def test_server_key_file(tmp_path: Path) -> None:
    path = tmp_path / "data" / "secret.key"
    box = load_secret_box(path, create=True)
    assert path.stat().st_mode & 0o777 == 0o600
    token = box.seal("hush")
    assert "hush" not in token
    assert load_secret_box(path, create=True).open(token) == "hush"  # the same key again
    other = tmp_path / "other.key"
    with pytest.raises(InvalidInputError, match="does not exist"):
        load_secret_box(other, create=False)
    other.write_text("not a key")
    with pytest.raises(InvalidInputError, match="Fernet"):
        load_secret_box(other, create=False)
    load_secret_box(tmp_path / "third.key", create=True)
    with pytest.raises(CairnError, match="set the secret again"):
        load_secret_box(tmp_path / "third.key", create=False).open(token)


def test_settings() -> None:
    env = {"CAIRN_SERVER_ALLOW_PRIVATE_WEBHOOKS": "true", "CAIRN_SERVER_WEBHOOK_BACKOFF_S": "1,2"}
    settings = settings_from_env(env)
    assert (settings.allow_private_webhooks, settings.webhook_backoff) == (True, (1.0, 2.0))
    assert settings_from_env({"CAIRN_SERVER_ALLOW_PRIVATE_WEBHOOKS": "0"}).allow_private_webhooks \
        is False  # fmt: skip
    with pytest.raises(InvalidInputError):
        settings_from_env({"CAIRN_SERVER_ALLOW_PRIVATE_WEBHOOKS": "maybe"})
    with pytest.raises(InvalidInputError):
        ServerSettings(webhook_backoff_s="1,-2")
