"""Issue 12's acceptance, end to end: ``examples/registry_sklearn.py`` (a real scikit-learn model,
the real SDK, its own process) logs a dataset and a model, links the model into the registry and
moves ``production``; an automation's webhook reaches a local receiver, signed; the lineage
(data run → dataset → training run → model) is in the API and drawn in the web app."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT
from tests.receiver import Received, receiver
from tests.serverproc import ServerProcess, start_server
from tests.wirehelp import new_stream, post_batch

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

ENTITY, PROJECT, MODEL = "tester", "registry-demo", "toy-classifier"
SECRET = "example-hook-secret"


@pytest.fixture(scope="module")
def done(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Received]]:
    """The server after the example ran, and the webhook its promotion fired."""
    tmp = tmp_path_factory.mktemp("registry-example")
    server = start_server(
        tmp / "data",
        extra_args=["--allow-private-webhooks"],
        env={"CAIRN_SERVER_WEBHOOK_POLL_S": "0.1"},
    )
    try:
        with receiver() as hook:
            with httpx.Client(base_url=server.base_url, timeout=30) as client:
                # the entity exists once anything was logged to it (an empty first batch here)
                first = post_batch(client, [], 0, new_stream(), entity=ENTITY, project="scratch")
                assert first.status_code == 200, first.text
                made = client.post(f"/api/v1/automations/{ENTITY}", json={
                    "name": "deploy", "event": "alias_moved",
                    "filter": {"model": MODEL, "alias": "production"},
                    "action": "webhook", "url": f"{hook.url}/deploy", "secret": SECRET,
                })  # fmt: skip
                assert made.status_code == 201, made.text
            env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
            env.update(CAIRN_BASE_URL=server.base_url, CAIRN_ENTITY=ENTITY,
                       CAIRN_NETRC=str(tmp / "netrc"), PYTHONPATH=str(ROOT))  # fmt: skip
            ran = subprocess.run(
                [sys.executable, str(ROOT / "examples" / "registry_sklearn.py"),
                 "--project", PROJECT, "--model", MODEL],
                cwd=tmp, env=env, capture_output=True, text=True, timeout=240,
            )  # fmt: skip
            assert ran.returncode == 0, ran.stderr + server.log()
            assert f"MODEL {ENTITY}/{MODEL}:v0 FROM {ENTITY}/{PROJECT}/" in ran.stdout
            (delivered,) = hook.wait_for(1)
        yield server, delivered
    finally:
        server.stop()


def _get(server: ServerProcess, path: str) -> Any:
    answer = httpx.get(f"{server.base_url}/api/v1{path}", timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _model_source(server: ServerProcess) -> str:
    """The artifact version the registered model's v0 was linked from."""
    versions = _get(server, f"/registry/{ENTITY}/{MODEL}/versions")["versions"]
    return str(versions[0]["source_path"])


def test_promoting_the_model_fires_a_signed_webhook(done: tuple[ServerProcess, Received]) -> None:
    server, delivered = done
    expected = "sha256=" + hmac.new(SECRET.encode(), delivered.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(delivered.headers["X-Cairn-Signature"], expected)
    payload = json.loads(delivered.body)
    assert payload["event"] == "alias_moved"
    data = payload["data"]
    assert (data["alias"], data["version"], data["path"]) == (
        "production",
        "v0",
        f"{ENTITY}/{MODEL}:v0",
    )
    assert data["source"] == _model_source(server)
    assert data["source"].startswith(f"{ENTITY}/{PROJECT}/run-")


def test_the_lineage_runs_from_the_data_run_to_the_model(
    done: tuple[ServerProcess, Received], page: Any
) -> None:
    server, _ = done
    source = _model_source(server)  # entity/project/run-<id>-model.pkl:v0
    name, version = source.split("/")[-1].split(":")
    lineage = _get(
        server, f"/artifacts/{ENTITY}/{PROJECT}/{name}/versions/{version}/lineage?depth=3"
    )
    nodes = {n["id"]: n for n in lineage["nodes"]}
    edges = {(e["source"], e["target"]) for e in lineage["edges"]}
    data_run = next(
        i for i, n in nodes.items() if n["kind"] == "run" and n.get("name") == "make-data"
    )
    train = next(
        i for i, n in nodes.items() if n["kind"] == "run" and n.get("name") == "train-logreg"
    )
    dataset = f"artifact:{ENTITY}/{PROJECT}/toy-data:v0"
    model = f"artifact:{source}"
    assert {(data_run, dataset), (dataset, train), (train, model)} <= edges

    page.goto(f"{server.base_url}/{ENTITY}/{PROJECT}/artifacts/{name}/{version}?tab=lineage")
    page.get_by_label("Lineage depth").select_option("3")
    graph = page.get_by_role("group", name="Lineage graph")
    for node in (data_run, dataset, train, model):
        expect(graph.locator(f"g[data-node-id='{node}']")).to_be_visible()
    for source_id, target_id in ((data_run, dataset), (dataset, train), (train, model)):
        edge = graph.locator(f"path[data-source='{source_id}'][data-target='{target_id}']")
        expect(edge).to_have_count(1)
