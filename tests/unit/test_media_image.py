"""``cairn.Image``: what each input encodes to, boxes and masks, and every refusal's message."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage

import cairn
from cairn.errors import InvalidInputError
from tests.unit.mediahelp import decode_png, encode, files_of

RNG = np.random.default_rng(3)


def _pixels(image: cairn.Image) -> np.ndarray[Any, Any]:
    encoded = encode(image)
    return decode_png(files_of(encoded)[encoded.value["path"]])


def test_hwc_uint8_encodes_to_a_png_value_in_wandb_shape() -> None:
    pixels = RNG.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    image = cairn.Image(pixels, caption="a cat")
    pixels[:] = 0  # the training loop reuses its buffer: what was logged must not change
    encoded = encode(image, "val/img", 7)
    value = encoded.value
    data = encoded.files[0].data
    sha = hashlib.sha256(data).hexdigest()
    assert value == {
        "_type": "image-file",
        "path": f"media/images/val/img_7_{sha[:8]}.png",
        "sha256": sha,
        "size": len(data),
        "format": "png",
        "width": 30,
        "height": 20,
        "caption": "a cat",
    }
    assert (decode_png(data) != 0).any()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (np.array([[0.0, 1.0], [0.5, 0.25]]), [[0, 255], [128, 64]]),
        (np.array([[True, False], [False, True]]), [[255, 0], [0, 255]]),
        (np.array([[0, 255], [7, 9]], dtype=np.int64), [[0, 255], [7, 9]]),
        ([[0, 255], [7, 9]], [[0, 255], [7, 9]]),
    ],
)
def test_dtypes_become_8_bit_grey(data: Any, expected: list[list[int]]) -> None:
    assert _pixels(cairn.Image(data))[:, :, 0].tolist() == expected


def test_chw_is_recognised_and_hwc_wins_when_both_could_be() -> None:
    chw = RNG.integers(0, 256, (3, 8, 5), dtype=np.uint8)
    assert (_pixels(cairn.Image(chw)) == np.moveaxis(chw, 0, 2)).all()
    ambiguous = RNG.integers(0, 256, (3, 8, 4), dtype=np.uint8)  # last dim 4: HWC, RGBA
    assert _pixels(cairn.Image(ambiguous)).shape == (3, 8, 4)
    single = RNG.integers(0, 256, (1, 6, 9), dtype=np.uint8)
    assert _pixels(cairn.Image(single)).shape == (6, 9, 1)


class _Tensor:
    """Enough of a torch tensor (no torch here): the SDK recognises it by its module."""

    __module__ = "torch"

    def __init__(self, array: np.ndarray[Any, Any]) -> None:
        self.array = array

    def detach(self) -> _Tensor:
        return self

    def cpu(self) -> _Tensor:
        return self

    def numpy(self) -> np.ndarray[Any, Any]:
        return self.array


def test_torch_like_tensors_are_read_without_torch() -> None:
    chw = RNG.random((3, 4, 6), dtype=np.float32)
    pixels = _pixels(cairn.Image(_Tensor(chw)))
    assert (pixels == np.rint(np.moveaxis(chw, 0, 2) * 255).astype(np.uint8)).all()


def test_pil_images_keep_their_pixels() -> None:
    rgb = RNG.integers(0, 256, (6, 5, 3), dtype=np.uint8)
    assert (_pixels(cairn.Image(PILImage.fromarray(rgb))) == rgb).all()
    palette = PILImage.fromarray(rgb).convert("P")
    assert _pixels(cairn.Image(palette)).shape == (6, 5, 3)


@pytest.mark.parametrize(("ext", "save_as"), [("png", "PNG"), ("jpg", "JPEG"), ("gif", "GIF"),
                                               ("webp", "WEBP")])  # fmt: skip
def test_files_are_copied_as_they_are(tmp_path: Path, ext: str, save_as: str) -> None:
    path = tmp_path / f"pic.{ext}"
    PILImage.new("RGB", (40, 30), (200, 10, 10)).save(path, save_as)
    image = cairn.Image(str(path), caption="file")
    path.write_bytes(b"changed later")
    encoded = encode(image)
    fmt = {"jpg": "jpeg"}.get(ext, ext)
    assert encoded.value["format"] == fmt
    assert (encoded.value["width"], encoded.value["height"]) == (40, 30)
    assert encoded.value["path"].endswith(f".{ext}")
    with PILImage.open(io.BytesIO(encoded.files[0].data)) as reopened:
        assert reopened.size == (40, 30)


def test_boxes_are_written_as_a_boxes2d_file() -> None:
    boxes = {
        "predictions": {
            "box_data": [
                {"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.6},
                 "class_id": 1, "box_caption": "cat 0.9", "scores": {"conf": 0.9}},
                {"position": {"middle": [10, 12], "width": 4, "height": 6}, "domain": "pixel",
                 "class_id": np.int64(2)},
            ],
            "class_labels": {1: "cat", "2": "dog"},
        }
    }  # fmt: skip
    encoded = encode(cairn.Image(np.zeros((32, 32, 3), np.uint8), boxes=boxes), "pred", 4)
    group = encoded.value["boxes"]["predictions"]
    assert group["_type"] == "boxes2D"
    assert group["class_labels"] == {"1": "cat", "2": "dog"}
    assert group["path"].startswith("media/metadata/boxes2D/pred_4_")
    assert group["path"].endswith(".boxes2D.json")
    stored = json.loads(files_of(encoded)[group["path"]])
    assert stored["class_labels"] == {"1": "cat", "2": "dog"}
    assert stored["box_data"][0]["scores"] == {"conf": 0.9}
    assert stored["box_data"][1] == {
        "position": {"middle": [10.0, 12.0], "width": 4.0, "height": 6.0},
        "class_id": 2,
        "domain": "pixel",
    }
    assert group["sha256"] == hashlib.sha256(files_of(encoded)[group["path"]]).hexdigest()


def _box(**fields: Any) -> dict[str, Any]:
    box: dict[str, Any] = {"position": {"minX": 0, "maxX": 1, "minY": 0, "maxY": 1},
                           "class_id": 0}  # fmt: skip
    box.update(fields)
    return {"p": {"box_data": [_box_ok(), box]}}


def _box_ok() -> dict[str, Any]:
    return {"position": {"minX": 0, "maxX": 1, "minY": 0, "maxY": 1}, "class_id": 0}


@pytest.mark.parametrize(
    ("boxes", "message"),
    [
        (_box(label="x"), "box 1 has unknown field 'label'"),
        (_box(class_id="cat"), "box 1 class_id must be an integer"),
        (_box(class_id=-1), "box 1 class_id must be >= 0"),
        (_box(position={"minX": 0, "maxX": 1}), "box 1 position must have minX"),
        (_box(position={"minX": 2, "maxX": 1, "minY": 0, "maxY": 1}), "minX > maxX"),
        (_box(position={"minX": float("nan"), "maxX": 1, "minY": 0, "maxY": 1}), "finite"),
        (_box(position={"middle": [1], "width": 1, "height": 1}), "middle must be [x, y]"),
        (_box(domain="percent"), "domain must be 'pixel'"),
        (_box(box_caption=3), "box_caption must be a string"),
        (_box(scores={"conf": "high"}), "scores['conf'] must be a number"),
        ({"p": {"box_data": [], "labels": {}}}, "unknown field 'labels'"),
        ({"p": {"box_data": "x"}}, "box_data must be a list"),
        ({"p": {"box_data": [], "class_labels": {"a": "cat"}}}, "class_labels key 'a'"),
        ({"p": {"box_data": [], "class_labels": {1: 2}}}, "must be a string name"),
        ([1, 2], "boxes must be a dict"),
    ],
)
def test_bad_boxes_are_refused_naming_the_box_and_field(boxes: Any, message: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        cairn.Image(np.zeros((4, 4), np.uint8), boxes=boxes)
    assert message in str(err.value)


def test_masks_are_pngs_of_class_ids(tmp_path: Path) -> None:
    small = RNG.integers(0, 5, (6, 8))
    wide = RNG.integers(0, 1000, (6, 8))
    path = tmp_path / "mask.png"
    PILImage.fromarray(small.astype(np.uint8)).save(path)
    masks = {
        "pred": {"mask_data": small, "class_labels": {0: "bg", 1: "cat"}},
        "many": {"mask_data": wide},
        "file": {"path": path},
    }
    encoded = encode(cairn.Image(np.zeros((6, 8, 3), np.uint8), masks=masks), "seg", 2)
    files = files_of(encoded)
    pred, many = encoded.value["masks"]["pred"], encoded.value["masks"]["many"]
    assert pred["_type"] == "mask"
    assert pred["format"] == "png"
    assert pred["class_labels"] == {"0": "bg", "1": "cat"}
    assert pred["path"].startswith("media/images/mask/seg_2_")
    assert (decode_png(files[pred["path"]])[:, :, 0] == small).all()
    decoded = decode_png(files[many["path"]])
    assert decoded.dtype == np.uint16
    assert (decoded[:, :, 0] == wide).all()
    assert files[encoded.value["masks"]["file"]["path"]] == path.read_bytes()


@pytest.mark.parametrize(
    ("mask", "message"),
    [
        ({"mask_data": np.zeros((5, 8), np.uint8)}, "shape (5, 8) but the image is (6, 8)"),
        ({"mask_data": np.zeros((6, 8, 1), np.uint8)}, "must be 2-D"),
        ({"mask_data": np.zeros((6, 8))}, "integer class ids"),
        ({"mask_data": np.full((6, 8), -1)}, "0..65535"),
        ({"mask_data": np.zeros((6, 8), np.uint8), "colors": {}}, "unknown field 'colors'"),
        ({}, "exactly one of 'mask_data' and 'path'"),
        ({"path": "nothing.png"}, "no such file"),
        ({"path": "mask.bmp"}, "reads png files"),
    ],
)
def test_bad_masks_are_refused(mask: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        cairn.Image(np.zeros((6, 8), np.uint8), masks={"m": mask})
    assert message in str(err.value)
    assert "masks['m']" in str(err.value)


def test_a_mask_file_of_another_size_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mask.png"
    PILImage.new("L", (3, 3)).save(path)
    with pytest.raises(InvalidInputError, match="is 3x3 but the image is 8x6"):
        cairn.Image(np.zeros((6, 8), np.uint8), masks={"m": {"path": path}})


def test_classes_take_wandb_shape() -> None:
    value = encode(cairn.Image(np.zeros((2, 2), np.uint8), classes=[{"id": 1, "name": "cat"}]))
    assert value.value["classes"] == [{"id": 1, "name": "cat"}]
    with pytest.raises(InvalidInputError, match=r"classes\[0\] must be a dict"):
        cairn.Image(np.zeros((2, 2), np.uint8), classes=[1])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (np.zeros((4, 4, 4, 4)), "HW, HWC or CHW, got 4 dimensions"),
        (np.zeros((5, 6, 7)), "channels (1, 3 or 4) must come last (HWC) or first (CHW)"),
        (np.array([[0.0, 2.0]]), "float values must be in [0, 1], got 0.0..2.0: normalise"),
        (np.array([[-0.5, 0.5]]), "float values must be in [0, 1]"),
        (np.array([[np.nan, 0.5]]), "float values must be in [0, 1]"),
        (np.array([[0, 300]]), "int64 values must be in 0..255"),
        (np.array([["a"]]), "must be uint8, bool, integer or float"),
        (np.zeros((0, 4), np.uint8), "Image is empty"),
        (np.zeros((1, 8193), np.uint8), "limit is 8192 px a side"),
        (np.zeros((5000, 5000, 3), np.uint8), "over 64 MiB of pixels"),
        ({"a": 1}, "takes a numpy array, a torch tensor, a list or a file path; got dict"),
        ([[1, 2], [3]], "ragged"),
        ("pic.bmp", "reads gif, jpeg, jpg, png, webp files"),
        ("missing.png", "no such file"),
    ],
)
def test_bad_images_are_refused(data: Any, message: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        cairn.Image(data)
    assert message in str(err.value)


def test_bad_options_are_refused(tmp_path: Path) -> None:
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"not a png at all")
    with pytest.raises(InvalidInputError, match="not a PNG, JPEG, GIF or WebP"):
        cairn.Image(fake)
    with pytest.raises(InvalidInputError, match="caption must be a string"):
        cairn.Image(np.zeros((2, 2), np.uint8), caption=3)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="mode 'RGB' needs 3 channel"):
        cairn.Image(np.zeros((2, 2), np.uint8), mode="RGB")
    with pytest.raises(InvalidInputError, match="mode must be one of"):
        cairn.Image(np.zeros((2, 2), np.uint8), mode="CMYK")
    with pytest.raises(InvalidInputError, match="arrays are written as png"):
        cairn.Image(np.zeros((2, 2), np.uint8), file_type="jpg")
