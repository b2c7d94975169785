"""The artifact record and its rules, shared by the SDK and the server: names, aliases, safe
manifest paths (percent-decoded once and twice too), the manifest digest, wire versions."""

from __future__ import annotations

import hashlib
from typing import Any

import msgpack
import pytest
import zstandard

from cairn.artifacts.manifest import manifest_digest
from cairn.errors import InvalidInputError, WireVersionError
from cairn.wire import check_artifact_path, decode_batch, encode_batch, encode_records
from cairn.wire.artifacts import check_alias, check_artifact_name, check_version_ref
from cairn.wire.records import ARTIFACT, artifact_record, validate_record

SHA = "ab" * 32


def entries() -> list[dict[str, Any]]:
    return [
        {"path": "b/data.csv", "sha256": SHA, "size": 10, "md5": "q83vEjRWeJA="},
        {"path": "a.txt", "sha256": "cd" * 32, "size": 0},
        {"path": "remote", "ref": "s3://bucket/key", "checksum": "etag-1", "size": 5},
    ]


def test_the_digest_is_the_design_formula_and_ignores_order_and_metadata() -> None:
    text = (
        "cairn-manifest-v1\n"
        f"a.txt\t{'cd' * 32}\n"
        f"b/data.csv\t{SHA}\n"
        "remote\tref:s3://bucket/key#etag-1\n"
    )
    expected = hashlib.sha256(text.encode()).hexdigest()
    assert manifest_digest(entries()) == expected
    assert manifest_digest(list(reversed(entries()))) == expected
    _, one = artifact_record("0" * 32, "d", "dataset", entries(), 1.0, metadata={"a": 1})
    _, two = artifact_record("1" * 32, "d", "dataset", entries(), 2.0, metadata={"a": 2})
    assert one["digest"] == two["digest"] == expected
    assert manifest_digest([]) == hashlib.sha256(b"cairn-manifest-v1\n").hexdigest()


@pytest.mark.parametrize(
    "path",
    [
        "../x", "a/../b", "/abs", "a\\b", "a//b", "./a", "a\x00b", "a\nb",
        "%2e%2e/x", "a/%2E%2E/b", "%252e%252e/x", "%2fetc/passwd", "a%5cb", "a%00b",
        "%25%32%65%25%32%65/x", "a/%2e",
    ],
)  # fmt: skip
def test_unsafe_manifest_paths_are_refused(path: str) -> None:
    with pytest.raises(InvalidInputError):
        check_artifact_path(path)


@pytest.mark.parametrize("path", ["a.txt", "dir/sub/file.bin", "100%.txt", "a%2Fb", "x..y", "é"])
def test_safe_manifest_paths_pass(path: str) -> None:
    assert check_artifact_path(path) == path


def test_names_aliases_and_version_references() -> None:
    for good in ("mnist", "my-model_v2.1", "A" * 128):
        assert check_artifact_name(good) == good
    for bad in ("", "a/b", "a:b", "..", "a..b", ".hidden", "-x", "A" * 129, 3, None):
        with pytest.raises(InvalidInputError):
            check_artifact_name(bad)
    assert check_alias("best") == "best"
    for reserved in ("latest", "v0", "v12", "v007"):
        with pytest.raises(InvalidInputError, match=r"reserved|managed"):
            check_alias(reserved)
    for ref in ("v3", "latest", "best", "f" * 64):
        assert check_version_ref(ref) == ref
    with pytest.raises(InvalidInputError):
        check_version_ref("a/b")


def test_artifact_records_are_validated() -> None:
    kind, body = artifact_record("0" * 32, "data", "dataset", entries(), 1.0, aliases=["best"])
    assert validate_record([kind, body]) == (ARTIFACT, body)
    # 'latest' is accepted in a record (the server keeps it on the newest version anyway)
    validate_record(artifact_record("0" * 32, "d", "dataset", [], 1.0, aliases=["latest"]))

    def refused(match: str, **changes: Any) -> None:
        bad = {**body, **changes}
        with pytest.raises(InvalidInputError, match=match):
            validate_record([ARTIFACT, bad])

    refused("not the digest", digest="0" * 64)
    refused("'id'", id="xyz")
    refused("artifact name", name="../up")
    refused("artifact type", type="a/b")
    refused("reserved", aliases=["v1"])
    refused("unknown fields", colour="red")
    refused("ttl_s", ttl_s=0)
    refused("twice", entries=[entries()[0], entries()[0]])
    refused("'ref' must be a URI", entries=[{"path": "r", "ref": "ftp://x", "checksum": "c"}])
    refused("checksum", entries=[{"path": "r", "ref": "s3://b/k"}])
    refused("sha256", entries=[{"path": "f", "sha256": "nothex", "size": 1}])
    refused("size", entries=[{"path": "f", "sha256": SHA}])
    refused("not a safe", entries=[{"path": "%2e%2e/f", "sha256": SHA, "size": 1}])
    refused("unknown fields", entries=[{"path": "f", "sha256": SHA, "size": 1, "mode": 1}])


def test_batches_of_wire_version_1_and_2_are_read_and_others_refused() -> None:
    records = encode_records([["heartbeat", {"time": 1.0}]])
    for version in (1, 2):
        batch = decode_batch(encode_batch("e", "p", "r1", b"s" * 16, 0, records, version=version))
        assert batch.version == version
    # a kind newer than the batch's version is refused as unknown in that version
    record = list(artifact_record("0" * 32, "d", "dataset", [], 1.0))
    with pytest.raises(InvalidInputError, match="wire version 1"):
        validate_record(record, 1)
    header = msgpack.packb({"v": 3, "entity": "e", "project": "p", "run": "r", "stream": b"x" * 16,
                            "first": 0})  # fmt: skip
    body = zstandard.ZstdCompressor().compress(header + msgpack.packb([]))
    with pytest.raises(WireVersionError, match="speaks 1 and 2"):
        decode_batch(body)
