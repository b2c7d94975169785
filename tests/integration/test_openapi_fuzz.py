"""Schemathesis with every check (`--checks all`) against the served OpenAPI: 0 failures.

The CLI runs as a new user would run it (coverage, fuzzing and stateful phases), against a real
server with a run in it; the only addition is how to write ingest batches (the hooks module).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serverproc import ServerProcess, start_server
from tests.wirehelp import history_record, new_stream, post_batch


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = start_server(Path(tmp_path_factory.mktemp("fuzz")) / "data")
    with httpx.Client(base_url=server.base_url) as client:
        rows = [(s, 1.0 + s, {"loss": 1.0 / (s + 1), "acc": s / 10}) for s in range(50)]
        post_batch(
            client,
            [["run", {"config": {"lr": 0.1}}], history_record(rows),
             ["summary", {"set": {"acc": 4.9}}]],
            0, new_stream(), entity="e", project="p",
        )  # fmt: skip
    try:
        yield server
    finally:
        server.stop()


def test_schemathesis_finds_no_failure_with_every_check(
    fuzz_server: ServerProcess, tmp_path: Path
) -> None:
    cli = Path(sys.executable).with_name("schemathesis")
    config = Path(__file__).resolve().parents[2] / "schemathesis.toml"
    command = [
        str(cli), "--config-file", str(config), "run", f"{fuzz_server.base_url}/api/openapi.json",
        "--checks", "all", "--max-examples", "20", "--seed", "20261206", "--no-color",
    ]  # fmt: skip
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.integration.schemathesis_hooks",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    # run in a scratch directory: the CLI keeps a cache (.schemathesis/) where it runs
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path
    )
    summary = done.stdout[-6000:] + done.stderr[-2000:]
    assert done.returncode == 0, summary
    last_line = done.stdout.strip().splitlines()[-1]
    assert "failure" not in last_line, summary
    assert "error" not in last_line, summary
    tested = re.search(r"Tested: (\d+)", done.stdout)
    assert tested is not None, summary
    assert int(tested.group(1)) >= 38, summary
