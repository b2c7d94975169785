"""Opaque keyset cursors for runs pages: base64url JSON plus a checksum.

A cursor names the sort it belongs to, the segment of the sort (numbers, text, bools, missing)
and the last row's sort value and pk. The checksum catches edited or truncated cursors; it is
not a secret, and none is needed: a forged cursor only moves within a query its holder may run.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass

from cairn.errors import InvalidInputError

_VERSION = 1


@dataclass(frozen=True)
class Position:
    """Where a page ended: sort segment, that row's sort value and its pk."""

    segment: int
    value: float | str | None
    pk: int


def _digest(body: bytes) -> str:
    return hashlib.sha256(b"cairn-runs-cursor:" + body).hexdigest()[:16]


def encode_cursor(order: str, position: Position) -> str:
    """The cursor string for ``position`` in a query sorted by ``order``."""
    payload = {
        "v": _VERSION,
        "o": order,
        "g": position.segment,
        "x": position.value,
        "k": position.pk,
    }
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    token = base64.urlsafe_b64encode(body).decode().rstrip("=")
    return f"{token}.{_digest(body)}"


def decode_cursor(cursor: str, order: str) -> Position:
    """The position in ``cursor``; InvalidInputError when it is malformed, edited or foreign."""
    bad = InvalidInputError(
        "invalid cursor: pass back the next_cursor of the previous page unchanged"
    )
    if not isinstance(cursor, str) or cursor.count(".") != 1 or len(cursor) > 4096:
        raise bad
    token, digest = cursor.split(".")
    try:
        body = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(body)
    except (binascii.Error, ValueError) as err:
        raise bad from err
    if digest != _digest(body) or not isinstance(payload, dict):
        raise bad
    segment, value, pk = payload.get("g"), payload.get("x"), payload.get("k")
    if (
        payload.get("v") != _VERSION
        or type(segment) is not int
        or type(pk) is not int
        or not (value is None or isinstance(value, str) or type(value) in (int, float))
    ):
        raise bad
    if payload.get("o") != order:
        raise InvalidInputError(
            f"this cursor belongs to a query sorted by {payload.get('o')!r}, not {order!r}; "
            "start again without a cursor"
        )
    return Position(segment, value, pk)
