"""``cairn.Histogram``: counts and bin edges, logged inline (no file)."""

from __future__ import annotations

from typing import Any

import numpy as np

from cairn.errors import InvalidInputError
from cairn.media.base import EncodeContext, Encoded, Media
from cairn.media.inputs import as_array

MAX_BINS = 512


class Histogram(Media):
    """A histogram of ``sequence`` in ``num_bins`` bins, or a ready ``np_histogram``
    ``(counts, edges)``. Non-finite values are dropped and counted in the value's ``dropped``."""

    type_name = "histogram"

    def __init__(
        self,
        sequence: Any = None,
        np_histogram: tuple[Any, Any] | None = None,
        num_bins: int = 64,
    ) -> None:
        if isinstance(num_bins, bool) or not isinstance(num_bins, int):
            raise InvalidInputError(f"Histogram num_bins must be an integer, got {num_bins!r}")
        if not 1 <= num_bins <= MAX_BINS:
            raise InvalidInputError(f"Histogram num_bins must be in 1..{MAX_BINS}, got {num_bins}")
        if (sequence is None) == (np_histogram is None):
            raise InvalidInputError("Histogram takes either sequence or np_histogram, not both")
        self.num_bins = num_bins
        self._sequence: np.ndarray[Any, Any] | None = None
        self._counts: list[Any] = []
        self._edges: list[float] = []
        if sequence is not None:
            array = as_array(sequence, "Histogram sequence")
            if array.dtype.kind not in "biuf":
                raise InvalidInputError(
                    f"Histogram sequence must hold numbers, got dtype {array.dtype}"
                )
            self._sequence = array.astype(np.float64, copy=False).ravel()
        else:
            self._counts, self._edges = _check_np_histogram(np_histogram)

    def encode(self, ctx: EncodeContext) -> Encoded:
        dropped = 0
        if self._sequence is not None:
            finite = self._sequence[np.isfinite(self._sequence)]
            dropped = int(self._sequence.size - finite.size)
            counts, edges = np.histogram(finite, bins=self.num_bins)
            self._counts, self._edges = counts.tolist(), edges.tolist()
        value: dict[str, Any] = {
            "_type": self.type_name,
            "values": self._counts,
            "bins": self._edges,
        }
        if dropped:
            value["dropped"] = dropped
        return Encoded(value)


def _check_np_histogram(hist: Any) -> tuple[list[Any], list[float]]:
    if not isinstance(hist, list | tuple) or len(hist) != 2:
        raise InvalidInputError("Histogram np_histogram must be (counts, bin_edges)")
    counts = as_array(hist[0], "Histogram np_histogram counts").astype(np.float64).ravel()
    edges = as_array(hist[1], "Histogram np_histogram bin_edges").astype(np.float64).ravel()
    if edges.size != counts.size + 1:
        raise InvalidInputError(
            f"Histogram np_histogram needs len(bin_edges) == len(counts) + 1, "
            f"got {edges.size} and {counts.size}"
        )
    if not 1 <= counts.size <= MAX_BINS:
        raise InvalidInputError(f"Histogram np_histogram has {counts.size} bins; 1..{MAX_BINS}")
    if not (np.isfinite(counts).all() and np.isfinite(edges).all()):
        raise InvalidInputError("Histogram np_histogram counts and edges must be finite")
    if (np.diff(edges) < 0).any():
        raise InvalidInputError("Histogram np_histogram bin_edges must be increasing")
    as_ints = counts.astype(np.int64)
    values = as_ints.tolist() if (as_ints == counts).all() else counts.tolist()
    return values, edges.tolist()
