"""What each store must do: typed interfaces whose docstrings are the contract.

Three stores sit behind the server:

* :class:`SeriesStore` keeps metric series as compressed columnar chunks inside the metadata
  database, so a history row and its run's acknowledged offset commit in one transaction.
* :class:`BlobStore` keeps files by content (sha256): a local directory or an S3 bucket.
* :class:`MetadataStore` (``cairn.server.store.metadata``) keeps entities, projects, runs, their
  config/summary index, offsets, console output and file references, and applies ingest batches.

Every backend passes the one suite in ``tests/contract/``. Returned objects are snapshots: later
writes never change them. Methods that take a ``conn`` run inside the caller's transaction and
neither commit nor roll back.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, Literal

from cairn.errors import InvalidInputError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from sqlalchemy import Connection

SeriesKind = Literal["history", "system"]
XAxis = Literal["step", "time"]


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    """One stored series of a run: its key, kind and extent."""

    key: str
    kind: SeriesKind
    count: int
    step_min: int | None
    step_max: int | None
    last_value: float | None


@dataclass(frozen=True, slots=True)
class SeriesPoints:
    """Exact points, ordered by step then arrival (system series: by time then arrival)."""

    steps: npt.NDArray[np.int64]
    times: npt.NDArray[np.float64]
    values: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SeriesWindow:
    """A bucketed or exact view of one series over an x range.

    ``mode == "exact"``: ``x`` and ``last`` hold every point in the window (``min``, ``max``
    and ``mean`` equal ``last``, ``count`` is 1, ``std`` is 0). ``mode == "buckets"``: one entry
    per non-empty bucket, ``x`` the bucket's smallest x; ``min``/``max``/``mean``/``std`` over its
    finite values (NaN when it has none; ``std`` is the population std, ddof 0), ``last`` its
    last value in (x, arrival) order. Bucket edges may be off by at most one summary block (64
    points): a block lying inside the window whose x span fits in one bucket counts whole in
    the bucket of its middle x, so every statistic, std included, is that of the bucket's points
    so moved; ``total`` is the number of points in the window. A block's std comes from its
    stored sum and sum of squares, which resolve a spread down to about 1e-8 of the values'
    magnitude (see docs/design/0002-series-chunks.md); points read exactly have no such limit.
    """

    mode: Literal["exact", "buckets"]
    x: npt.NDArray[np.float64]
    min: npt.NDArray[np.float64]
    max: npt.NDArray[np.float64]
    mean: npt.NDArray[np.float64]
    last: npt.NDArray[np.float64]
    count: npt.NDArray[np.int64]
    total: int
    std: npt.NDArray[np.float64]


class SeriesStore(abc.ABC):
    """Metric series of runs, stored as chunks of columnar points, never one row per point."""

    @abc.abstractmethod
    def append(
        self,
        conn: Connection,
        run_pk: int,
        key: str,
        kind: SeriesKind,
        steps: npt.NDArray[np.int64] | None,
        times: npt.NDArray[np.float64],
        values: npt.NDArray[np.float64],
    ) -> None:
        """Append points to the run's series ``key``, creating it on first use.

        Points keep their arrival order; any step is accepted, lower than the last included
        (no point is dropped for its step). ``steps`` is None for system series, which take no
        steps: they are numbered by arrival. NaN, +inf and -inf are stored and read back bit
        for bit. Runs in the caller's transaction; concurrent appends to the same series from
        two transactions serialize on the series row and lose nothing. Raises InvalidInputError
        when ``key`` already exists with the other kind.
        """

    @abc.abstractmethod
    def list_series(self, conn: Connection, run_pk: int) -> list[SeriesInfo]:
        """Return the run's series sorted by key (empty when it has none)."""

    @abc.abstractmethod
    def read_window(
        self,
        conn: Connection,
        run_pk: int,
        key: str,
        x_axis: XAxis,
        x_min: float | None,
        x_max: float | None,
        buckets: int,
    ) -> SeriesWindow:
        """Return the series over ``[x_min, x_max]`` (None = unbounded) in at most ``buckets``.

        Exact when the window holds no more points than ``buckets``; otherwise bucketed
        uniformly over the range from chunk and block summaries, decoding only chunks whose
        blocks straddle more than one bucket. Never decodes the whole of a long series for a
        coarse view. Raises NotFoundError for an unknown key.
        """

    @abc.abstractmethod
    def read_points(
        self,
        conn: Connection,
        run_pk: int,
        key: str,
        start: int,
        limit: int,
    ) -> SeriesPoints:
        """Return up to ``limit`` exact points from position ``start`` in (step, arrival) order.

        Positions are stable while no point with a lower step arrives, so ``start + len`` is the
        cursor of the next page. Raises NotFoundError for an unknown key.
        """


@dataclass(frozen=True, slots=True)
class BlobInfo:
    """A stored blob's address and size."""

    sha256: str
    size: int


class BlobStore(abc.ABC):
    """Content-addressed bytes: the key of a blob is the sha256 of its content.

    Writes are idempotent (the same content stored twice is one blob) and atomic (a reader never
    sees a partial blob). Keys are validated as 64 lowercase hex digits before any path or object
    name is built from them, so no key escapes the store's directory or prefix.
    """

    @abc.abstractmethod
    def put(self, data: BinaryIO, expected_sha256: str | None = None) -> BlobInfo:
        """Store the stream's bytes and return their address.

        When ``expected_sha256`` is given and the content hashes otherwise, nothing is kept and
        InvalidInputError is raised.
        """

    @abc.abstractmethod
    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored."""

    @abc.abstractmethod
    def open(self, sha256: str) -> Iterator[bytes]:
        """Yield the blob's bytes in chunks; NotFoundError, before the first chunk, if absent."""

    @abc.abstractmethod
    def open_range(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        """Yield the bytes ``start`` up to (not including) ``end`` of the blob, in chunks.

        As ``content[start:end]`` for ``0 <= start <= end``: an ``end`` past the blob's size
        stops at its end, a ``start`` at or past it yields nothing. Only the range is read from
        storage (a file seek, an HTTP ``Range`` request), never the bytes before it.
        NotFoundError, before the first chunk, if the blob is absent; InvalidInputError for a
        negative ``start`` or an ``end`` before ``start``.
        """

    @abc.abstractmethod
    def size(self, sha256: str) -> int:
        """The blob's size in bytes; NotFoundError if absent."""

    @abc.abstractmethod
    def delete(self, sha256: str) -> None:
        """Remove the blob; removing an absent blob is not an error."""

    @abc.abstractmethod
    def presigned_url(self, sha256: str, expires_s: int = 3600) -> str | None:
        """A time-limited URL a client may GET directly, or None when the store has none."""

    @abc.abstractmethod
    def iter_all(self) -> Iterator[BlobInfo]:
        """Every stored blob (for garbage collection and backup checks), in no set order."""


def check_range(start: int, end: int) -> None:
    """Refuse a byte range :meth:`BlobStore.open_range` does not take."""
    if start < 0 or end < start:
        raise InvalidInputError(
            f"byte range [{start}, {end}) is not valid: use 0 <= start <= end (end excluded)"
        )
