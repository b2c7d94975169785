"""Schemathesis hooks for the OpenAPI run: how to write Cairn's binary media types.

Loaded by the schemathesis CLI through ``SCHEMATHESIS_HOOKS``. An ingest batch or a blob batch is
opaque bytes to a generic fuzzer; given bytes (a schema-valid body) these write a real one, so
positive cases must be accepted, and anything else stays garbage, so negative cases must be
refused.
"""

from __future__ import annotations

import hashlib
from typing import Any

import schemathesis

from cairn.wire import CONTENT_TYPE, encode_batch, encode_records
from cairn.wire.blobs import BLOBS_CONTENT_TYPE, encode_pairs


@schemathesis.serializer(CONTENT_TYPE)
def cairn_batch(_ctx: Any, value: Any) -> bytes:
    """A valid batch for a bytes/str value (a heartbeat on a stream derived from it)."""
    if not isinstance(value, bytes | str):
        return b"not a batch"
    raw = value.encode() if isinstance(value, str) else value
    stream = hashlib.sha256(raw).digest()[:16]
    records = encode_records([["heartbeat", {"time": 1.0}]])
    return encode_batch("fuzz", "batches", "run00001", stream, 0, records)


@schemathesis.serializer(BLOBS_CONTENT_TYPE)
def cairn_blobs(_ctx: Any, value: Any) -> bytes:
    """A valid blob batch for a bytes/str value: that content under its sha256."""
    if not isinstance(value, bytes | str):
        return b"not a blob batch"
    raw = value.encode() if isinstance(value, str) else value
    return encode_pairs([(hashlib.sha256(raw).hexdigest(), raw)])
