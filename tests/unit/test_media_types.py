"""Histogram, Audio, Html, Text and galleries: encode outputs and every refusal's message."""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import cairn
from cairn.errors import InvalidInputError
from cairn.media.gallery import Gallery
from cairn.sdk.values import split_values
from tests.unit.mediahelp import encode, files_of


def test_histogram_of_a_sequence_counts_dropped_values() -> None:
    value = encode(cairn.Histogram([1.0, 2.0, 2.0, 3.0, np.nan, np.inf], num_bins=2)).value
    assert value == {"_type": "histogram", "values": [1, 3], "bins": [1.0, 2.0, 3.0],
                     "dropped": 2}  # fmt: skip
    assert "dropped" not in encode(cairn.Histogram(np.arange(10))).value
    assert len(encode(cairn.Histogram(np.arange(10))).value["bins"]) == 65


def test_histogram_from_numpy() -> None:
    counts, edges = np.histogram([1, 2, 2, 5], bins=3)
    value = encode(cairn.Histogram(np_histogram=(counts, edges))).value
    assert value["values"] == counts.tolist()
    assert value["bins"] == edges.tolist()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "either sequence or np_histogram"),
        ({"sequence": [1], "np_histogram": ([1], [0, 1])}, "either sequence or np_histogram"),
        ({"sequence": [1], "num_bins": 513}, "num_bins must be in 1..512"),
        ({"sequence": [1], "num_bins": 2.5}, "num_bins must be an integer"),
        ({"sequence": ["a", "b"]}, "must hold numbers"),
        ({"sequence": 3.0}, "takes a numpy array, a torch tensor, a list; got float"),
        ({"np_histogram": ([1, 2], [0, 1])}, "len(bin_edges) == len(counts) + 1"),
        ({"np_histogram": [1]}, "must be (counts, bin_edges)"),
        ({"np_histogram": ([np.nan], [0, 1])}, "must be finite"),
        ({"np_histogram": ([1, 1], [0, 2, 1])}, "must be increasing"),
        ({"np_histogram": (np.ones(600), np.arange(601))}, "600 bins"),
    ],
)
def test_bad_histograms_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        cairn.Histogram(**kwargs)
    assert message in str(err.value)


def test_audio_arrays_become_16_bit_wav() -> None:
    stereo = np.stack([np.linspace(-1, 1, 800), np.zeros(800)], axis=1)
    encoded = encode(cairn.Audio(stereo, sample_rate=8000, caption="sweep"), "sound", 1)
    value = encoded.value
    assert value["format"] == "wav"
    assert value["sample_rate"] == 8000
    assert value["duration"] == pytest.approx(0.1)
    assert value["caption"] == "sweep"
    assert value["path"].startswith("media/audio/sound_1_")
    assert value["path"].endswith(".wav")
    with wave.open(io.BytesIO(files_of(encoded)[value["path"]])) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 8000)
        frames = np.frombuffer(wav.readframes(800), "<i2").reshape(800, 2)
    assert frames[0, 0] == -32767
    assert frames[-1, 0] == 32767
    mono = encode(cairn.Audio(np.zeros(100, np.int16), sample_rate=100)).value
    assert mono["duration"] == 1.0


def test_audio_files_are_copied(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(4000)
        wav.writeframes(b"\x00\x00" * 2000)
    encoded = encode(cairn.Audio(path))
    assert encoded.value["sample_rate"] == 4000
    assert encoded.value["duration"] == 0.5
    assert encoded.files[0].data == path.read_bytes()
    mp3 = tmp_path / "b.mp3"
    mp3.write_bytes(b"ID3 not really")
    value = encode(cairn.Audio(str(mp3))).value
    assert value["format"] == "mp3"
    assert "sample_rate" not in value


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((np.zeros(10),), "needs sample_rate="),
        ((np.zeros(10), 0), "sample_rate must be a positive integer"),
        ((np.zeros((10, 9)), 100), "channels <= 8"),
        ((np.zeros((2, 2, 2)), 100), "shape (samples,) or (samples, channels"),
        ((np.zeros(0), 100), "no samples"),
        ((np.array([0.0, 1.5]), 100), "must be in [-1, 1], got 0.0..1.5: normalise"),
        ((np.array([0, 1], np.int32), 100), "float in [-1, 1] or int16, got dtype int32"),
        (("a.aiff",), "reads flac, mp3, ogg, wav files"),
        ((3, 100), "takes a numpy array"),
    ],
)
def test_bad_audio_is_refused(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        cairn.Audio(*args)
    assert message in str(err.value)


def test_a_broken_wav_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.wav"
    path.write_bytes(b"RIFF")
    with pytest.raises(InvalidInputError, match="not a WAV file we can read"):
        cairn.Audio(path)


def test_html_from_text_file_and_file_like(tmp_path: Path) -> None:
    encoded = encode(cairn.Html("<p>hi</p>"), "page", 0)
    page = files_of(encoded)[encoded.value["path"]].decode()
    assert page.startswith('<head><base target="_blank">')
    assert page.endswith("<p>hi</p>")
    assert encoded.value["_type"] == "html-file"
    assert encoded.value["path"].startswith("media/html/page_0_")
    raw = encode(cairn.Html("<html><HEAD></HEAD><p>x</p></html>", inject=False))
    assert raw.files[0].data == b"<html><HEAD></HEAD><p>x</p></html>"
    injected = encode(cairn.Html("<html><HEAD></HEAD><p>x</p></html>")).files[0].data.decode()
    assert injected.startswith('<html><HEAD><base target="_blank">')
    path = tmp_path / "report.html"
    path.write_text("<b>file</b>")
    assert encode(cairn.Html(str(path), inject=False)).files[0].data == b"<b>file</b>"
    assert encode(cairn.Html(io.StringIO("<i>io</i>"), inject=False)).files[0].data == b"<i>io</i>"
    with pytest.raises(InvalidInputError, match="takes a string of HTML"):
        cairn.Html(3)
    with pytest.raises(InvalidInputError, match="no such file"):
        cairn.Html(tmp_path / "missing.html")


def test_text_and_markdown() -> None:
    long = "# Title\n" + "x" * 500
    encoded = encode(cairn.Text(long), "notes", 5)
    value = encoded.value
    assert value["_type"] == "text-file"
    assert value["format"] == "markdown"
    assert value["path"].startswith("media/text/notes_5_")
    assert value["path"].endswith(".md")
    assert value["preview"] == long[:200]
    assert files_of(encoded)[value["path"]] == long.encode()
    plain = encode(cairn.Text("plain", markdown=False)).value
    assert plain["format"] == "plain"
    assert plain["path"].endswith(".txt")
    with pytest.raises(InvalidInputError, match="Text takes a string, got int"):
        cairn.Text(3)  # type: ignore[arg-type]


def test_a_list_of_images_is_a_gallery() -> None:
    images = [cairn.Image(np.full((4, 5), i, np.uint8), caption=f"#{i}") for i in range(3)]
    numbers, others, media = split_values({"loss": 1, "grid": images}, set())
    assert numbers == {"loss": 1.0}
    assert others == {}
    gallery = media["grid"]
    assert isinstance(gallery, Gallery)
    encoded = encode(gallery, "grid", 2)
    value = encoded.value
    assert value["_type"] == "images/separated"
    assert (value["count"], value["width"], value["height"]) == (3, 5, 4)
    assert value["captions"] == ["#0", "#1", "#2"]
    assert value["filenames"] == [v["path"] for v in value["images"]]
    assert len(set(value["filenames"])) == 3
    assert len(encoded.files) == 3


def test_media_are_split_from_numbers_and_lists_of_other_media_are_refused() -> None:
    hist = cairn.Histogram([1, 2])
    numbers, others, media = split_values({"a": {"h": hist, "n": 2}, "t": ["x", 1]}, set())
    assert numbers == {"a/n": 2.0}
    assert others == {"t": ["x", 1]}
    assert media == {"a/h": hist}
    with pytest.raises(InvalidInputError, match=r"'clips'.*item 1 is Audio"):
        split_values({"clips": [cairn.Image(np.zeros((2, 2))), cairn.Audio(np.zeros(2), 2)]},
                     set())  # fmt: skip
    with pytest.raises(InvalidInputError, match=r"'mixed'.*item 0 is int"):
        split_values({"mixed": [1, cairn.Text("t")]}, set())
