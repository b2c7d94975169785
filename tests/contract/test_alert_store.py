"""Contract: alerts (``list_alerts``), the plain value key index (``run_value_keys``), and what
preemption changes in housekeeping (a silent run marked preempting is killed, not crashed)."""

from __future__ import annotations

from cairn.server.auth.principal import OPEN_PRINCIPAL
from cairn.server.store.metadata import MetadataStore
from tests.contract.test_metadata_store import batch, run_record


def _alert(title: str, level: str = "INFO", **extra: object) -> list[object]:
    return ["alert", {"title": title, "text": f"about {title}", "level": level, "time": 5.0,
                      **extra}]  # fmt: skip


def test_alerts_are_kept_in_order_and_paged(meta: MetadataStore) -> None:
    result = meta.apply_batch(
        batch([run_record(), _alert("a"), _alert("b", "WARN", wait_s=60.0), _alert("c", "ERROR")]),
        OPEN_PRINCIPAL,
    )
    assert result.rejected == []
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    alerts = meta.list_alerts(run.pk, 0, 10)
    assert [(a.title, a.level, a.wait_s) for a in alerts] == [
        ("a", "INFO", None), ("b", "WARN", 60.0), ("c", "ERROR", None),
    ]  # fmt: skip
    assert alerts[1].text == "about b"
    first = meta.list_alerts(run.pk, 0, 2)
    assert [a.title for a in meta.list_alerts(run.pk, first[-1].seq, 2)] == ["c"]
    meta.delete_run(run.pk)
    assert meta.list_alerts(run.pk, 0, 10) == []


def test_a_bad_alert_is_refused_alone(meta: MetadataStore) -> None:
    result = meta.apply_batch(
        batch([run_record(), _alert("ok"), _alert("bad", "LOUD")]), OPEN_PRINCIPAL
    )
    assert [r["kind"] for r in result.rejected] == ["alert"]
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    assert [a.title for a in meta.list_alerts(run.pk, 0, 10)] == ["ok"]


def test_plain_value_keys_are_indexed_apart_from_media(meta: MetadataStore) -> None:
    image = {"_type": "image-file", "path": "media/images/x.png"}
    meta.apply_batch(
        batch([
            run_record(),
            ["values", {"step": 3, "time": 1.0, "values": {"note": "hi", "img": image}}],
            ["values", {"step": 1, "time": 2.0, "values": {"note": "earlier", "cfg": [1, 2]}}],
        ]),
        OPEN_PRINCIPAL,
    )  # fmt: skip
    meta.apply_batch(
        batch([["values", {"step": 7, "time": 3.0, "values": {"note": {"a": True}}}]], first=3),
        OPEN_PRINCIPAL,
    )
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    keys = [(k.key, k.type, k.count, k.step_min, k.step_max) for k in meta.run_value_keys(run.pk)]
    assert keys == [("cfg", "array", 1, 1, 1), ("note", "object", 3, 1, 7)]
    assert [m.key for m in meta.run_media_keys(run.pk)] == ["img"]


def test_a_silent_run_marked_preempting_is_killed_as_preempted(meta: MetadataStore) -> None:
    meta.apply_batch(batch([run_record(meta={"preempting": True, "gpu": "h100"})]), OPEN_PRINCIPAL)
    meta.apply_batch(batch([run_record()], run_id="run00002"), OPEN_PRINCIPAL)
    assert meta.mark_crashed_runs(60.0, now=1e12) == 2
    preempted = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    assert preempted.state == "killed"
    assert preempted.meta == {"preempting": True, "gpu": "h100", "stop_reason": "preempted"}
    other = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00002", "viewer")
    assert other.state == "crashed"


def test_resuming_forgets_why_the_run_stopped(meta: MetadataStore) -> None:
    ended = {"preempting": True, "stop_reason": "preempted", "gpu": "h100"}
    meta.apply_batch(
        batch([run_record(meta=ended), ["finish", {"time": 9.0, "exit_code": 143,
                                                  "state": "killed"}]]),
        OPEN_PRINCIPAL,
    )  # fmt: skip
    meta.apply_batch(batch([["run", {"resumed": True}]], stream=b"t" * 16), OPEN_PRINCIPAL)
    run = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer")
    assert run.state == "running"
    assert run.meta == {"gpu": "h100"}
