"""A tiny PNG decoder for the media tests (filter type 0 only, as cairn writes) and helpers."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import numpy as np

from cairn.media.base import EncodeContext, Encoded, Media

_CHANNELS = {0: 1, 4: 2, 2: 3, 6: 4}


def decode_png(data: bytes) -> np.ndarray[Any, Any]:
    """HxWxC pixels of a PNG whose rows all use filter type 0; checks every chunk's CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body)
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert header is not None
    width, height, depth, colour = header[:4]
    channels = _CHANNELS[colour]
    sample = depth // 8
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, -1)
    assert (raw[:, 0] == 0).all(), "cairn writes filter type 0 only"
    rows = raw[:, 1:].tobytes()
    dtype = np.uint8 if sample == 1 else np.dtype(">u2")
    return (
        np.frombuffer(rows, dtype=dtype)
        .reshape(height, width, channels)
        .astype(np.uint8 if sample == 1 else np.uint16)
    )


def encode(media: Media, key: str = "img", step: int = 3) -> Encoded:
    return media.encode(EncodeContext(key, step))


def files_of(encoded: Encoded) -> dict[str, bytes]:
    return {f.path: f.data for f in encoded.files}
