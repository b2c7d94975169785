"""``cairn.Audio``: a numpy waveform written as 16-bit PCM WAV, or an audio file copied."""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any

import numpy as np

from cairn.errors import InvalidInputError
from cairn.media.base import EncodeContext, Encoded, Media, check_caption
from cairn.media.inputs import as_array, is_path, read_file

MAX_CHANNELS = 8
_FILE_TYPES = {"wav": "wav", "mp3": "mp3", "ogg": "ogg", "flac": "flac"}


class Audio(Media):
    """Audio logged at a step. Arrays: float in [-1, 1] or int16, shape (n,) or (n, channels);
    ``sample_rate`` is required for them. Files (wav, mp3, ogg, flac) are logged as they are."""

    type_name = "audio-file"

    def __init__(self, data: Any, sample_rate: int | None = None, caption: str | None = None):
        self.caption = check_caption(caption)
        if sample_rate is not None and (
            isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate <= 0
        ):
            raise InvalidInputError(f"Audio sample_rate must be a positive integer, got "
                                    f"{sample_rate!r}")  # fmt: skip
        self.sample_rate = sample_rate
        self.duration: float | None = None
        self._samples: np.ndarray[Any, Any] | None = None
        self._file: bytes | None = None
        if is_path(data):
            self._file = read_file(data, _FILE_TYPES, "Audio")
            self.format = _FILE_TYPES[Path(data).suffix.lower().lstrip(".")]
            if self.format == "wav":
                self._read_wav_header(str(data))
            return
        if sample_rate is None:
            raise InvalidInputError("Audio from an array needs sample_rate= (samples per second)")
        self._samples = _pcm16(as_array(data, "Audio", or_path=True))
        self.format = "wav"
        self.duration = self._samples.shape[0] / sample_rate

    def _read_wav_header(self, name: str) -> None:
        assert self._file is not None
        try:
            with wave.open(io.BytesIO(self._file)) as wav:
                rate, frames = wav.getframerate(), wav.getnframes()
        except (wave.Error, EOFError) as exc:
            raise InvalidInputError(f"Audio: {name!r} is not a WAV file we can read ({exc})") \
                from None  # fmt: skip
        if self.sample_rate is not None and self.sample_rate != rate:
            raise InvalidInputError(
                f"Audio sample_rate={self.sample_rate} but {name!r} is {rate} Hz; leave it out"
            )
        self.sample_rate = rate
        self.duration = frames / rate if rate else None

    def encode(self, ctx: EncodeContext) -> Encoded:
        if self._samples is not None:
            data = _wav(self._samples, self.sample_rate or 0)
        else:
            assert self._file is not None
            data = self._file
        file = ctx.path("audio", data, self.format)
        value = self.file_value(
            file,
            format=self.format,
            sample_rate=self.sample_rate,
            duration=self.duration,
            caption=self.caption,
        )
        return Encoded(value, [file])


def _pcm16(array: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """(n, channels) int16 samples from a float [-1, 1] or int16 array."""
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or not 1 <= array.shape[1] <= MAX_CHANNELS:
        raise InvalidInputError(
            f"Audio array must have shape (samples,) or (samples, channels <= {MAX_CHANNELS}), "
            f"got {array.shape}"
        )
    if array.shape[0] == 0:
        raise InvalidInputError("Audio array has no samples")
    if array.dtype == np.int16:
        return np.ascontiguousarray(array)
    if array.dtype.kind != "f":
        raise InvalidInputError(
            f"Audio arrays must be float in [-1, 1] or int16, got dtype {array.dtype}"
        )
    low, high = float(array.min()), float(array.max())
    if not (low >= -1.0 and high <= 1.0):
        raise InvalidInputError(
            f"Audio float samples must be in [-1, 1], got {low}..{high}: normalise them"
        )
    return np.ascontiguousarray(np.rint(array * 32767.0), dtype=np.int16)


def _wav(samples: np.ndarray[Any, Any], sample_rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(samples.shape[1])
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(samples.astype("<i2", copy=False).tobytes())
    return out.getvalue()
