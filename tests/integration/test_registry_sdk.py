"""cairn.registry, cairn.Api's registry reads and the ``cairn registry`` / ``cairn automation``
commands against a real server (the store is covered on both databases elsewhere)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import cairn
from cairn.cli.main import main
from cairn.errors import InvalidInputError, NotFoundError
from tests.integration.test_artifacts_api import entries_of, log_artifact
from tests.receiver import receiver
from tests.serverproc import ServerProcess, start_server


@pytest.fixture
def live(tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server: ServerProcess = start_server(
        tmp_path / "data",
        extra_args=["--allow-private-webhooks"],
        env={"CAIRN_SERVER_WEBHOOK_POLL_S": "0.1"},
    )
    monkeypatch.setenv("CAIRN_BASE_URL", server.base_url)
    monkeypatch.setenv("CAIRN_ENTITY", "team")
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            for content in (b"w0", b"w1"):
                log_artifact(client, "net", entries_of(client, {"w": content}), type_="model")
        yield server.base_url
    finally:
        server.stop()


def test_sdk_link_aliases_and_reads(live: str) -> None:
    first = cairn.registry.link("team/proj/net:v0", "clf", aliases=["staging"])
    assert (first.path, first.source_path, first.aliases) == (
        "team/clf:v0", "team/proj/net:v0", ["staging"]
    )  # fmt: skip
    assert cairn.registry.link("team/proj/net:v0", "team/clf").version == "v0"  # once
    model = cairn.Api().registered_model("team/clf")
    second = model.link("team/proj/net:v1", aliases=["production"])
    assert second.version == "v1"
    assert model.aliases == {"production": "v1", "staging": "v0"}
    model.set_alias("production", "v0")
    assert model.version("production").version == "v0"
    model.remove_alias("staging")
    assert [v.version for v in model.versions()] == ["v1", "v0"]
    assert [e["action"] for e in model.audit()][-2:] == ["alias_moved", "alias_removed"]
    model.update(description="cats", tags=["vision"])
    assert [m.name for m in cairn.Api().registered_models("team")] == ["clf"]
    made = cairn.registry.create_model("team/ranker", description="r")
    assert made.version_count == 0
    cairn.registry.unlink("team/clf", "v1")
    with pytest.raises(NotFoundError):
        cairn.registry.registered_model("team/clf").version("v1")
    with pytest.raises(InvalidInputError):
        cairn.registry.set_alias("team/clf", "v9", "v0")
    made.delete()
    assert [m.name for m in cairn.registry.registered_models("team")] == ["clf"]


def test_cli(
    live: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["registry", "link", "team/proj/net:v0", "team/clf", "--alias", "staging"]) == 0
    assert "linked team/proj/net:v0 as team/clf:v0 (staging)" in capsys.readouterr().out
    assert main(["registry", "alias", "clf", "production", "v0"]) == 0
    assert main(["registry", "ls"]) == 0
    assert "team/clf\t1 versions\tproduction=v0,staging=v0" in capsys.readouterr().out
    assert main(["registry", "ls", "team/clf"]) == 0
    assert "v0\tproduction,staging\tteam/proj/net:v0" in capsys.readouterr().out
    assert main(["registry", "alias", "clf", "staging", "--rm"]) == 0
    assert main(["registry", "alias", "clf", "nope", "--rm"]) == 1
    assert "no alias" in capsys.readouterr().err

    with receiver() as hook:
        monkeypatch.setattr("sys.stdin", io.StringIO("cli-secret\n"))
        create = ["automation", "create", "team", "prod", "--event", "alias_moved",
                  "--webhook", hook.url, "--secret-stdin", "--alias", "production"]  # fmt: skip
        assert main(create) == 0
        assert main(["automation", "ls", "team"]) == 0
        listed = capsys.readouterr().out
        assert f"prod\talias_moved\twebhook {hook.url}\talias=production\ton" in listed
        assert "cli-secret" not in listed
        assert main(["automation", "test", "team", "prod"]) == 0
        assert main(["registry", "link", "team/proj/net:v1", "clf", "--alias", "production"]) == 0
        got = hook.wait_for(2)
    assert sorted(json.loads(g.body)["event"] for g in got) == ["alias_moved", "test"]
    assert all(g.headers["X-Cairn-Signature"].startswith("sha256=") for g in got)
    assert main(["automation", "rm", "team", "prod"]) == 0
    assert main(["automation", "rm", "team", "prod"]) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert main(["automation", "create", "team", "s", "--event", "version_linked",
                 "--slack-stdin"]) == 1  # fmt: skip
    assert "no secret" in capsys.readouterr().err
