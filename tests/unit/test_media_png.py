"""The stdlib PNG encoder and the image header sniffer, checked against Pillow."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from cairn.media.png import encode_png
from cairn.media.sniff import image_format, image_size
from tests.unit.mediahelp import decode_png

RNG = np.random.default_rng(7)


@pytest.mark.parametrize(
    ("shape", "pil_mode"),
    [((5, 7), "L"), ((5, 7, 2), "LA"), ((5, 7, 3), "RGB"), ((5, 7, 4), "RGBA")],
)
def test_8_bit_pngs_decode_to_the_same_pixels(shape: tuple[int, ...], pil_mode: str) -> None:
    pixels = RNG.integers(0, 256, shape, dtype=np.uint8)
    data = encode_png(pixels)
    with PILImage.open(io.BytesIO(data)) as image:
        assert image.mode == pil_mode
        assert image.size == (7, 5)
        assert (np.asarray(image).reshape(shape) == pixels).all()
    assert (decode_png(data).reshape(shape) == pixels).all()


def test_16_bit_grey_keeps_class_ids_over_255() -> None:
    ids = RNG.integers(0, 65536, (9, 4), dtype=np.uint16)
    data = encode_png(ids)
    assert (decode_png(data)[:, :, 0] == ids).all()
    with PILImage.open(io.BytesIO(data)) as image:
        assert image.size == (4, 9)
        assert (np.asarray(image).astype(np.uint16) == ids).all()


def test_other_arrays_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="shape"):
        encode_png(np.zeros((2, 2, 5), np.uint8))
    with pytest.raises(ValueError, match="float64"):
        encode_png(np.zeros((2, 2)))


@pytest.mark.parametrize(
    ("fmt", "save_as", "kwargs"),
    [
        ("png", "PNG", {}),
        ("jpeg", "JPEG", {}),
        ("jpeg", "JPEG", {"progressive": True}),
        ("gif", "GIF", {}),
        ("webp", "WEBP", {}),
        ("webp", "WEBP", {"lossless": True}),
    ],
)
def test_sniffer_reads_the_size_pillow_wrote(
    fmt: str, save_as: str, kwargs: dict[str, object]
) -> None:
    out = io.BytesIO()
    PILImage.new("RGB", (123, 45), (10, 20, 30)).save(out, save_as, **kwargs)
    assert image_size(out.getvalue()) == (fmt, 123, 45)


def test_webp_extended_header() -> None:
    out = io.BytesIO()
    PILImage.new("RGBA", (321, 17), (10, 20, 30, 40)).save(out, "WEBP", exif=b"Exif\x00\x00")
    assert image_size(out.getvalue()) == ("webp", 321, 17)


def test_unknown_or_truncated_files_have_no_size(tmp_path: Path) -> None:
    assert image_format(b"hello") is None
    assert image_size(b"hello") is None
    assert image_size(b"\xff\xd8\xff\xe0\x00") is None
    assert image_size(b"\x89PNG\r\n\x1a\n") is None
