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
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, Literal

from cairn.errors import InvalidInputError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from sqlalchemy import Connection

_UPLOAD_ID_RE = re.compile(r"[0-9a-f]{32}")

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
    def presigned_url(
        self,
        sha256: str,
        expires_s: int = 3600,
        *,
        content_type: str | None = None,
        content_disposition: str | None = None,
    ) -> str | None:
        """A time-limited URL a client may GET directly (ranges included), or None when the
        store has none. ``content_type``/``content_disposition``: the headers its answer carries.
        """

    @abc.abstractmethod
    def iter_all(self) -> Iterator[BlobInfo]:
        """Every stored blob (for garbage collection and backup checks), in no set order."""

    # Multipart uploads (design 0013): the parts of one blob are staged under an upload id
    # (32 lowercase hex digits, validated like an address) and joined into a blob once all
    # arrived. Staged parts are never listed by iter_all nor read as blobs.

    #: The smallest part a store takes (the last part of an upload may be smaller).
    min_part_bytes: int = 1

    @abc.abstractmethod
    def begin_upload(self, upload_id: str) -> str | None:
        """Start staging parts for ``upload_id``; return the store's own handle for it (kept
        with the session and passed back to every other call), or None when it needs none."""

    @abc.abstractmethod
    def put_part(
        self, upload_id: str, handle: str | None, number: int, data: BinaryIO, length: int
    ) -> None:
        """Stage part ``number`` (1-based), exactly ``length`` bytes of ``data``.

        Atomic: a part is staged whole or not at all, and sending it again replaces it.
        InvalidInputError when the stream holds another number of bytes (nothing is staged);
        NotFoundError when the upload was never begun or was aborted.
        """

    @abc.abstractmethod
    def uploaded_parts(self, upload_id: str, handle: str | None) -> dict[int, int]:
        """The staged parts, number → size (empty when none or when the upload is unknown)."""

    @abc.abstractmethod
    def part_urls(
        self, upload_id: str, handle: str | None, numbers: list[int], expires_s: int
    ) -> dict[int, str] | None:
        """Presigned URLs a client may PUT each part to directly (bytes bypass the server), or
        None when the store has none (the parts then go through :meth:`put_part`)."""

    @abc.abstractmethod
    def complete_upload(
        self, upload_id: str, handle: str | None, part_sizes: list[int], expected_sha256: str
    ) -> BlobInfo:
        """Join parts ``1..len(part_sizes)`` (each of exactly its size) into a blob, hashing
        every byte once; the result is as atomic as :meth:`put`.

        InvalidInputError naming the parts when some are absent or of another size (nothing
        changes), or naming both hashes when the joined content hashes otherwise (no blob is
        kept). May be called again after it succeeded, until :meth:`abort_upload`.
        """

    @abc.abstractmethod
    def abort_upload(self, upload_id: str, handle: str | None) -> None:
        """Drop whatever is staged for the upload; dropping an unknown upload is not an error."""


def check_upload_id(upload_id: object) -> str:
    """Return ``upload_id`` if it is 32 lowercase hex digits, else raise InvalidInputError."""
    if not isinstance(upload_id, str) or not _UPLOAD_ID_RE.fullmatch(upload_id):
        raise InvalidInputError(f"{upload_id!r} is not an upload id: use 32 lowercase hex digits")
    return upload_id


def missing_parts_error(wanted: list[int], staged: dict[int, int]) -> InvalidInputError:
    """The error for completing an upload whose parts are not all staged with their sizes."""
    absent = [n for n, size in enumerate(wanted, 1) if staged.get(n) != size]
    shown = ", ".join(map(str, absent[:20])) + (" ..." if len(absent) > 20 else "")
    return InvalidInputError(
        f"parts {shown} of the upload are missing or of the wrong size: send them, then "
        "complete the upload again",
        missing_parts=absent,
    )


def check_range(start: int, end: int) -> None:
    """Refuse a byte range :meth:`BlobStore.open_range` does not take."""
    if start < 0 or end < start:
        raise InvalidInputError(
            f"byte range [{start}, {end}) is not valid: use 0 <= start <= end (end excluded)"
        )
