"""Schemathesis against the served OpenAPI: no 5xx, and responses match their schemas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

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


# Batches are opaque bytes to the fuzzer: random bytes must get a 4xx, never a 5xx.
schemathesis.serializer.alias("application/vnd.cairn.batch", "application/octet-stream")


def test_api_never_answers_5xx_and_keeps_its_schema(fuzz_server: ServerProcess) -> None:
    # Driven by hand rather than by schemathesis' pytest plugin, which does not run on pytest 9.
    api = schemathesis.openapi.from_url(f"{fuzz_server.base_url}/api/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

        try:
            check()
        except Exception as exc:  # collect every operation's failure, report all at once
            failures.append(f"{operation.label}: {exc}")
    assert operations > 10
    assert failures == [], "\n\n".join(failures)
