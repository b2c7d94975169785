"""Contract: ``latest_value`` (one value of a key: at a step, or at its highest step)."""

from __future__ import annotations

from cairn.server.auth.principal import OPEN_PRINCIPAL
from cairn.server.store.metadata import MetadataStore
from tests.contract.test_metadata_store import batch, run_record


def test_latest_value_by_step_and_latest(meta: MetadataStore) -> None:
    meta.apply_batch(
        batch(
            [
                run_record(),
                ["values", {"step": 2, "time": 3.0, "values": {"t": "two"}}],
                ["values", {"step": 5, "time": 4.0, "values": {"t": "five"}}],
                ["values", {"step": 1, "time": 5.0, "values": {"t": "one", "u": "x"}}],
                ["values", {"step": 2, "time": 6.0, "values": {"t": "two again"}}],
            ]
        ),
        OPEN_PRINCIPAL,
    )
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    latest = meta.latest_value(run.pk, "t")
    assert latest is not None
    assert (latest.step, latest.value) == (5, "five")
    at_two = meta.latest_value(run.pk, "t", 2)
    assert at_two is not None
    assert (at_two.step, at_two.time, at_two.value) == (2, 6.0, "two again")
    assert meta.latest_value(run.pk, "t", 3) is None
    assert meta.latest_value(run.pk, "missing") is None
