"""Records as bytes: each packed alone (the run log stores them one by one), read back, and told
apart by kind from their first bytes without decoding them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import msgpack

from cairn.errors import InvalidInputError
from cairn.wire.records import HISTORY, KINDS, SYSTEM, Record, validate_record


def encode_record(record: object) -> bytes:
    """Validate one record and pack it; InvalidInputError says why it cannot be written."""
    kind, body = validate_record(record)
    try:
        packed: bytes = msgpack.packb([kind, body], use_bin_type=True)
        if kind not in (HISTORY, SYSTEM):
            # Unpacked as the server does: a map key that is not a string (say an int, deep in
            # a summary value) would make it refuse the whole batch, not just this record.
            msgpack.unpackb(packed, raw=False, strict_map_key=True)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidInputError(f"{kind} record cannot be packed: {exc}") from None
    return packed


def encode_records(records: list[Any]) -> list[bytes]:
    """Pack each record separately, as it is: no validation (tests build bad records with it)."""
    return [msgpack.packb(r, use_bin_type=True) for r in records]


def decode_record(payload: bytes) -> Record:
    """Unpack and validate one packed record; InvalidInputError says what is wrong with it."""
    try:
        record = msgpack.unpackb(payload, raw=False, strict_map_key=True)
    except (msgpack.ExtraData, ValueError, TypeError) as exc:
        raise InvalidInputError(f"record is not valid msgpack: {exc}") from None
    return validate_record(record)


def _kind_prefix(kind: str) -> bytes:
    # [kind, {}] packed, less the empty map's one byte: the array header and the kind string.
    packed: bytes = msgpack.packb([kind, {}], use_bin_type=True)
    return packed[:-1]


_PREFIXES: Final = {kind: _kind_prefix(kind) for kind in KINDS}


def of_kind(payloads: Sequence[bytes], kind: str) -> list[bytes]:
    """The packed records in ``payloads`` that are of ``kind``, told by their first bytes only.

    Cheap enough for every frame of a run log: a prefix comparison each, nothing decoded.
    """
    prefix = _PREFIXES[kind]
    return [payload for payload in payloads if payload.startswith(prefix)]
