"""Records on the wire: validated packing, unpacking, telling kinds apart by their first bytes."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest

from cairn.errors import InvalidInputError
from cairn.wire import (
    ColumnBlockBuilder,
    decode_record,
    encode_record,
    encode_records,
    of_kind,
    validate_record,
)
from cairn.wire.records import (
    ALERT,
    ARTIFACT,
    CONSOLE,
    FILE,
    FINISH,
    HEARTBEAT,
    HISTORY,
    KINDS,
    RUN,
    SUMMARY,
    SYSTEM,
    VALUES,
    alert_record,
    artifact_record,
    claimed_kind,
    console_record,
    file_record,
    finish_record,
    run_record,
    summary_record,
    values_record,
)


def _block(with_steps: bool) -> dict[str, Any]:
    builder = ColumnBlockBuilder()
    builder.add_row(0 if with_steps else None, 1.0, {"loss": 0.5})
    builder.add_row(1 if with_steps else None, 2.0, {"loss": 0.25, "acc": 0.9})
    return builder.build(with_steps=with_steps)


def _one_of_each() -> dict[str, Any]:
    return {
        RUN: run_record({"name": "r", "tags": ["a"], "config": {"lr": 0.1}}),
        HISTORY: (HISTORY, _block(with_steps=True)),
        SYSTEM: (SYSTEM, _block(with_steps=False)),
        VALUES: values_record(3, 1.0, {"note": "text"}),
        SUMMARY: summary_record({"loss": 0.1}, ["old"]),
        CONSOLE: console_record("stdout", ["hello"], 1.0),
        FILE: file_record("out/model.pt", "0" * 64, 12),
        HEARTBEAT: (HEARTBEAT, {"time": 1.0}),
        FINISH: finish_record(2.0, 0),
        ALERT: alert_record("loss is NaN", "at step 3", "ERROR", 2.0, 60.0),
        ARTIFACT: artifact_record(
            "0" * 32, "data", "dataset", [{"path": "a.csv", "sha256": "1" * 64, "size": 3}], 1.0
        ),
    }


def test_every_kind_is_told_apart_by_its_first_bytes() -> None:
    records = _one_of_each()
    assert set(records) == KINDS
    packed = {kind: encode_record(record) for kind, record in records.items()}
    everything = list(packed.values())
    for kind in KINDS:
        assert of_kind(everything, kind) == [packed[kind]]


def test_a_kind_is_not_mistaken_for_a_longer_or_unknown_one() -> None:
    lookalikes = encode_records([["files", {}], ["fil", {}], ["file"], "file", {"file": 1}])
    assert of_kind(lookalikes, FILE) == []
    assert of_kind([b"", b"\x92"], FILE) == []


def test_packed_records_decode_back_validated() -> None:
    for kind, record in _one_of_each().items():
        assert record[0] == kind
        assert decode_record(encode_record(record)) == (kind, record[1])


@pytest.mark.parametrize(
    "payload",
    [
        b"\xc1",  # a byte msgpack never uses
        msgpack.packb(["file", {"path": "a"}]) + b"\x00",  # trailing bytes
        msgpack.packb(["nope", {}]),
        msgpack.packb(["file", {"path": "../escape", "sha256": "0" * 64, "size": 1}]),
    ],
)
def test_bad_payloads_fail_to_decode_clearly(payload: bytes) -> None:
    with pytest.raises(InvalidInputError):
        decode_record(payload)


def test_encoding_refuses_invalid_and_unpackable_records() -> None:
    with pytest.raises(InvalidInputError, match="unknown fields"):
        encode_record([RUN, {"colour": "red"}])
    with pytest.raises(InvalidInputError, match="summary key"):
        encode_record([SUMMARY, {"set": {"": 1}}])
    with pytest.raises(InvalidInputError, match="cannot be packed"):
        encode_record([SUMMARY, {"set": {"x": object()}}])
    with pytest.raises(InvalidInputError, match="map key"):
        encode_record(run_record({"meta": {"gpus": {0: "a100"}}}))


def test_the_claimed_kind_of_a_raw_record_is_read_without_trusting_it() -> None:
    assert claimed_kind(["nope", {}]) == "nope"
    assert claimed_kind(("file",)) == "file"
    assert claimed_kind([]) is None
    assert claimed_kind([3, {}]) is None
    assert claimed_kind({"kind": "run"}) is None


def test_relative_steps_only_with_resumed() -> None:
    assert validate_record(["run", {"resumed": True, "relative_steps": True}])[0] == "run"
    with pytest.raises(InvalidInputError, match="needs 'resumed'"):
        validate_record(["run", {"relative_steps": True}])
    with pytest.raises(InvalidInputError, match="must be a boolean"):
        validate_record(["run", {"resumed": True, "relative_steps": 1}])


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"title": " ", "text": "", "level": "INFO", "time": 1.0}, "title"),
        ({"title": "t" * 257, "text": "", "level": "INFO", "time": 1.0}, "title"),
        ({"title": "t", "text": "x" * (64 * 1024 + 1), "level": "INFO", "time": 1.0}, "text"),
        ({"title": "t", "text": "", "level": "info", "time": 1.0}, "level"),
        ({"title": "t", "text": "", "level": "WARN", "time": float("nan")}, "time"),
        ({"title": "t", "text": "", "level": "WARN", "time": 1.0, "wait_s": -1}, "wait_s"),
        ({"title": "t", "text": "", "level": "WARN", "time": 1.0, "page": True}, "unknown"),
        ({"text": "", "level": "WARN", "time": 1.0}, "title"),
    ],
)
def test_alert_records_are_checked(body: dict[str, Any], problem: str) -> None:
    with pytest.raises(InvalidInputError, match=problem):
        encode_record([ALERT, body])
