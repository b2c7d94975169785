"""PNG encoding of numpy arrays with the standard library (``zlib`` + ``struct``).

Only what media needs: 8-bit grey, grey+alpha, RGB and RGBA, and 16-bit grey (masks whose class
ids go past 255). Every row uses filter type 0 (none): the bytes go straight to zlib, which is
what makes this faster than Pillow's adaptive filtering for raw arrays.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# channels -> PNG colour type
_COLOUR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(pixels: Any, level: int = 6) -> bytes:
    """The PNG file of ``pixels``: uint8 HxW / HxWxC (C in 1..4), or uint16 HxW (16-bit grey).

    The caller has validated shape and dtype; anything else is a programming error (ValueError).
    """
    array = np.asarray(pixels)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in _COLOUR_TYPES:
        raise ValueError(f"cannot encode an array of shape {array.shape} as PNG")
    height, width, channels = array.shape
    if array.dtype == np.uint8:
        depth = 8
    elif array.dtype == np.uint16 and channels == 1:
        depth = 16
        array = array.astype(">u2")
    else:
        raise ValueError(f"cannot encode {array.dtype} pixels as PNG")
    row_bytes = width * channels * (depth // 8)
    # One leading zero byte per row (filter type 0), then the row's samples.
    raw = np.zeros((height, row_bytes + 1), dtype=np.uint8)
    raw[:, 1:] = np.ascontiguousarray(array).view(np.uint8).reshape(height, row_bytes)
    header = struct.pack(">IIBBBBB", width, height, depth, _COLOUR_TYPES[channels], 0, 0, 0)
    return b"".join(
        (
            SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(raw.tobytes(), level)),
            _chunk(b"IEND", b""),
        )
    )
