"""Blob batches: many small blobs in one request body or answer (design 0017).

An upload body is the msgpack array ``[[sha256, bytes], ...]``; a download answer is the map
``{"blobs": [[sha256, bytes], ...], "missing": [sha256, ...]}``. Both are
``application/vnd.cairn.blobs``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

import msgpack

from cairn.errors import InvalidInputError

BLOBS_CONTENT_TYPE: Final = "application/vnd.cairn.blobs"
MAX_BATCH_BLOBS: Final = 1000
MAX_BATCH_BYTES: Final = 8 * 1024 * 1024
"""The most bytes of content in one batch (an upload is also held to the server's part size)."""
SMALL_BLOB_BYTES: Final = 1024 * 1024
"""Blobs up to this size travel in batches; larger ones alone."""
PAIR_OVERHEAD: Final = 80
"""Bytes of msgpack framing per pair, at most (array header, the address, the bin header)."""
_SHA256: Final = re.compile(r"[0-9a-f]{64}")


def encode_pairs(pairs: Sequence[tuple[str, bytes]]) -> bytes:
    """An upload body: the pairs ``(sha256, content)`` in order."""
    body: bytes = msgpack.packb([[sha, data] for sha, data in pairs], use_bin_type=True)
    return body


def decode_pairs(body: bytes) -> list[tuple[str, bytes]]:
    """The pairs of an upload body; InvalidInputError saying what is wrong otherwise."""
    try:
        items = msgpack.unpackb(body, raw=False, use_list=True)
    except (ValueError, TypeError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError):
        raise InvalidInputError(
            f"a blob batch is a msgpack array of [sha256, bytes] pairs ({BLOBS_CONTENT_TYPE})"
        ) from None
    if not isinstance(items, list) or not items:
        raise InvalidInputError("a blob batch is a non-empty msgpack array of [sha256, bytes]")
    if len(items) > MAX_BATCH_BLOBS:
        raise InvalidInputError(
            f"a blob batch holds at most {MAX_BATCH_BLOBS} blobs, not {len(items)}: send fewer"
        )
    return [_pair(item, index) for index, item in enumerate(items)]


def _pair(item: Any, index: int) -> tuple[str, bytes]:
    if (
        not isinstance(item, list)
        or len(item) != 2
        or not isinstance(item[0], str)
        or not isinstance(item[1], bytes)
    ):
        raise InvalidInputError(f"blob {index} of the batch is not a [sha256 (str), bytes] pair")
    if not _SHA256.fullmatch(item[0]):
        raise InvalidInputError(
            f"blob {index} of the batch is addressed {item[0][:80]!r}: use the sha256 of its "
            "content as 64 lowercase hex digits"
        )
    return item[0], item[1]


def encode_answer(blobs: Sequence[tuple[str, bytes]], missing: Sequence[str]) -> bytes:
    """A download answer: the blobs sent, and the addresses not sent."""
    body: bytes = msgpack.packb(
        {"blobs": [[sha, data] for sha, data in blobs], "missing": list(missing)},
        use_bin_type=True,
    )
    return body


def decode_answer(body: bytes) -> tuple[dict[str, bytes], list[str]]:
    """``(sha256 → content, missing)`` of a download answer; InvalidInputError if malformed."""
    try:
        answer = msgpack.unpackb(body, raw=False, use_list=True)
        blobs = {str(sha): bytes(data) for sha, data in answer["blobs"]}
        missing = [str(sha) for sha in answer["missing"]]
    except (ValueError, TypeError, KeyError, msgpack.ExtraData, msgpack.FormatError,
            msgpack.StackError):  # fmt: skip
        raise InvalidInputError("the server's blob batch answer is malformed") from None
    return blobs, missing
