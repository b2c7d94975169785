"""cairn.Video, cairn.Object3D, cairn.Plotly (and matplotlib figures): values, files, bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

import cairn
from cairn.errors import InvalidInputError
from cairn.media.base import EncodeContext, Encoded

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def one_file(enc: Encoded, prefix: str, ext: str) -> bytes:
    assert len(enc.files) == 1
    file = enc.files[0]
    assert file.path == enc.value["path"]
    assert file.path.startswith(prefix)
    assert file.path.endswith(f"_{file.sha256[:8]}.{ext}")
    assert enc.value["sha256"] == file.sha256
    assert enc.value["size"] == len(file.data)
    return file.data


# -- Video ---------------------------------------------------------------------------------------


def test_video_frames_tchw_become_an_animated_gif() -> None:
    frames = np.zeros((3, 3, 8, 10), np.uint8)
    frames[1, 0] = 255  # the second frame red
    video = cairn.Video(frames, caption="run", fps=5)
    frames[:] = 7  # later changes do not reach the logged video
    enc = video.encode(EncodeContext("val/clip", 12))
    data = one_file(enc, "media/videos/val/clip_12_", "gif")
    assert enc.value["_type"] == "video-file"
    assert (enc.value["format"], enc.value["width"], enc.value["height"]) == ("gif", 10, 8)
    assert (enc.value["fps"], enc.value["caption"]) == (5, "run")
    gif = Image.open(io.BytesIO(data))
    assert gif.n_frames == 3
    assert gif.info["duration"] == 200
    gif.seek(1)
    assert gif.convert("RGB").getpixel((0, 0)) == (255, 0, 0)


def test_video_frames_thwc_and_grey() -> None:
    frames = np.zeros((2, 6, 4, 1), np.uint8)
    frames[1] = 200  # distinct frames (Pillow merges identical ones, adding their durations)
    enc = cairn.Video(frames).encode(EncodeContext("v", 0))
    assert (enc.value["width"], enc.value["height"]) == (4, 6)
    assert Image.open(io.BytesIO(enc.files[0].data)).n_frames == 2


def test_video_from_path_and_bytes(tmp_path: Path) -> None:
    mp4 = tmp_path / "clip.MP4"
    mp4.write_bytes(b"\x00\x00\x00\x18ftypmp42 fake")
    enc = cairn.Video(mp4, caption="c").encode(EncodeContext("v", 1))
    assert one_file(enc, "media/videos/v_1_", "mp4") == mp4.read_bytes()
    assert enc.value["format"] == "mp4"
    assert "fps" not in enc.value
    assert "width" not in enc.value
    gif = cairn.Video(np.zeros((1, 3, 2, 2), np.uint8)).encode(EncodeContext("g", 0))
    again = cairn.Video(gif.files[0].data, format="gif").encode(EncodeContext("g", 1))
    assert (again.value["width"], again.value["height"]) == (2, 2)
    webm = cairn.Video(b"\x1a\x45\xdf\xa3", format="webm").encode(EncodeContext("w", 0))
    assert webm.value["path"].endswith(".webm")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda p: cairn.Video(p / "missing.mp4"), "cannot read .*missing.mp4"),
        (lambda p: cairn.Video(p / "a.avi"), r"a.avi' is not a video file this accepts"),
        (lambda p: cairn.Video(b"xx"), "pass format= .* with the bytes"),
        (lambda p: cairn.Video(b"xx", format="avi"), "format must be one of gif, mp4"),
        (lambda p: cairn.Video(b"", format="mp4"), "the video is empty"),
        (lambda p: cairn.Video(b"notagif", format="gif"), "the file is not a GIF"),
        (lambda p: cairn.Video(np.zeros((2, 3, 4), np.uint8)), r"4-D array .* got shape"),
        (lambda p: cairn.Video(np.zeros((2, 3, 4, 4), np.float32)), "must be uint8, got float32"),
        (lambda p: cairn.Video(np.zeros((2, 5, 4, 7), np.uint8)), "cannot tell the channels"),
        (lambda p: cairn.Video(np.zeros((0, 3, 4, 4), np.uint8)), r"no frames"),
        (
            lambda p: cairn.Video(np.zeros((1, 3, 4, 4), np.uint8), format="mp4"),
            "frames are written as an animated GIF, not mp4",
        ),
        (lambda p: cairn.Video(np.zeros((1, 3, 4, 4), np.uint8), fps=0), "fps must be a number"),
        (lambda p: cairn.Video(np.zeros((1, 3, 4, 4), np.uint8), caption=3), "caption must be"),
        (lambda p: cairn.Video([1, 2, 3]), "data_or_path must be a file path, bytes"),
    ],
)
def test_video_bad_input(tmp_path: Path, build: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        build(tmp_path)


def test_video_format_must_match_the_file(tmp_path: Path) -> None:
    path = tmp_path / "a.gif"
    path.write_bytes(b"GIF89a\x01\x00\x01\x00")
    with pytest.raises(InvalidInputError, match=r"format=.mp4. but the file .* is gif"):
        cairn.Video(path, format="mp4")


# -- Object3D ------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [3, 4, 6])
def test_point_cloud_from_numpy(width: int) -> None:
    points = np.arange(5 * width, dtype=np.float64).reshape(5, width) % 200
    obj = cairn.Object3D(points)
    points[:] = -1
    enc = obj.encode(EncodeContext("lidar", 3))
    data = one_file(enc, "media/object3D/lidar_3_", "pts.json")
    assert enc.value["_type"] == "object3D-file"
    assert (enc.value["format"], enc.value["points"]) == ("pts.json", 5)
    assert json.loads(data) == (np.arange(5 * width).reshape(5, width) % 200).tolist()


def test_lidar_scene_with_boxes_and_vectors() -> None:
    scene = {
        "type": "lidar/beta",
        "points": np.zeros((4, 3)),
        "boxes": [{"corners": np.ones((8, 3)), "label": "car", "color": [255, 0, 0], "score": 0.9}],
        "vectors": [{"start": [0, 0, 0], "end": [1, 2, 3]}],
    }
    enc = cairn.Object3D(scene).encode(EncodeContext("scene", 0))
    body = json.loads(one_file(enc, "media/object3D/scene_0_", "pts.json"))
    assert enc.value["points"] == 4
    assert body["type"] == "lidar/beta"
    assert body["boxes"] == [
        {"corners": [[1.0] * 3] * 8, "label": "car", "color": [255.0, 0.0, 0.0], "score": 0.9}
    ]
    assert body["vectors"] == [{"start": [0.0, 0.0, 0.0], "end": [1.0, 2.0, 3.0]}]


def test_object3d_from_files(tmp_path: Path) -> None:
    glb = tmp_path / "mesh.glb"
    glb.write_bytes(b"glTF\x02\x00\x00\x00")
    enc = cairn.Object3D(str(glb)).encode(EncodeContext("m", 1))
    assert one_file(enc, "media/object3D/m_1_", "glb") == glb.read_bytes()
    assert enc.value["format"] == "glb"
    assert "points" not in enc.value
    pts = tmp_path / "cloud.pts.json"
    pts.write_text("[[0, 0, 0], [1, 1, 1]]")
    enc = cairn.Object3D(pts).encode(EncodeContext("p", 0))
    assert (enc.value["format"], enc.value["points"]) == ("pts.json", 2)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda p: cairn.Object3D(np.zeros((4, 5))), r"shape \(N, 3\) xyz.*got \(4, 5\)"),
        (lambda p: cairn.Object3D(np.zeros(3)), r"got \(3,\)"),
        (lambda p: cairn.Object3D(np.array([[0, 0, np.nan]])), "hold NaN or infinity"),
        (lambda p: cairn.Object3D(np.full((1, 6), 300.0)), r"rgb colours .* 0..255"),
        (lambda p: cairn.Object3D(np.array([["a", "b", "c"]])), "must be numbers in rows"),
        (lambda p: cairn.Object3D(3), "data must be a numpy array of points, a scene dict"),
        (lambda p: cairn.Object3D({"points": [[0, 0, 0]]}), "needs 'type': 'lidar/beta'"),
        (lambda p: cairn.Object3D({"type": "lidar/beta"}), "needs 'points'"),
        (
            lambda p: cairn.Object3D({"type": "lidar/beta", "points": [], "meshes": []}),
            r"unknown scene fields \['meshes'\]",
        ),
        (
            lambda p: cairn.Object3D(
                {"type": "lidar/beta", "points": [[0, 0, 0]], "boxes": [{"corners": [[0, 0]]}]}
            ),
            r"boxes\[0\].corners must be finite numbers of shape \(8, 3\)",
        ),
        (
            lambda p: cairn.Object3D(
                {
                    "type": "lidar/beta",
                    "points": [[0, 0, 0]],
                    "boxes": [{"corners": np.zeros((8, 3)), "colour": [1, 2, 3]}],
                }
            ),
            r"boxes\[0\] has unknown fields \['colour'\]",
        ),
        (
            lambda p: cairn.Object3D(
                {
                    "type": "lidar/beta",
                    "points": [[0, 0, 0]],
                    "boxes": [{"corners": np.zeros((8, 3)), "color": [1, 2, 999]}],
                }
            ),
            r"boxes\[0\].color must be r, g, b in 0..255",
        ),
        (
            lambda p: cairn.Object3D(
                {"type": "lidar/beta", "points": [[0, 0, 0]], "vectors": [{"start": [0, 0, 0]}]}
            ),
            r"vectors\[0\] must be a dict with start and end",
        ),
        (lambda p: cairn.Object3D(p / "x.ply"), r"x.ply' is not a 3D file this accepts"),
        (lambda p: cairn.Object3D(p / "x.obj"), "cannot read"),
    ],
)
def test_object3d_bad_input(tmp_path: Path, build: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        build(tmp_path)


def test_object3d_refuses_over_five_million_points() -> None:
    with pytest.raises(InvalidInputError, match="5000001 points is over the limit of 5,000,000"):
        cairn.Object3D(np.zeros((5_000_001, 3), np.float32))


def test_bad_pts_json_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.pts.json"
    path.write_text("{not json")
    with pytest.raises(InvalidInputError, match="is not valid JSON"):
        cairn.Object3D(path)


# -- Plotly and matplotlib -----------------------------------------------------------------------


def test_plotly_figure_as_plain_json() -> None:
    fig = go.Figure(go.Scatter(x=np.arange(3), y=np.array([1.0, np.nan, 2.0])))
    plot = cairn.Plotly(fig)
    fig.data[0].y = [9, 9, 9]  # later changes do not reach the logged figure
    enc = plot.encode(EncodeContext("fig", 2))
    body = json.loads(one_file(enc, "media/plotly/fig_2_", "plotly.json"))
    assert enc.value["_type"] == "plotly-file"
    assert set(enc.value) == {"_type", "path", "sha256", "size"}
    assert body["data"][0]["x"] == [0, 1, 2]  # lists, not plotly's base64 typed arrays
    assert body["data"][0]["y"] == [1.0, None, 2.0]


def test_plotly_figure_dict() -> None:
    enc = cairn.Plotly({"data": [{"type": "bar", "y": np.array([1, 2])}]}).encode(
        EncodeContext("d", 0)
    )
    assert json.loads(enc.files[0].data) == {"data": [{"type": "bar", "y": [1, 2]}]}


def test_matplotlib_figure_becomes_a_png_image_value() -> None:
    fig, ax = plt.subplots(figsize=(2, 1), dpi=50)
    ax.plot([1, 2, 3])
    for source in (fig, plt):
        logged = cairn.Plotly(source)
        assert logged.type_name == "image-file"
        enc = logged.encode(EncodeContext("mpl", 1))
        data = one_file(enc, "media/images/mpl_1_", "png")
        assert enc.value["_type"] == "image-file"
        assert (enc.value["format"], enc.value["width"], enc.value["height"]) == ("png", 100, 50)
        assert Image.open(io.BytesIO(data)).size == (100, 50)
    plt.close(fig)


@pytest.mark.parametrize(
    ("fig", "message"),
    [
        ("fig", "expected a plotly Figure, a figure dict or a matplotlib figure, got str"),
        ({"layout": {}}, 'a figure dict needs "data"'),
        ({"data": [{"x": object()}]}, "a object in the figure cannot be written as JSON"),
        (
            {"data": [{"x": {"dtype": "c16", "bdata": ""}}]},
            "unknown typed-array dtype 'c16'",
        ),
    ],
)
def test_plotly_bad_input(fig: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        cairn.Plotly(fig)
