"""The metadata store's blob-upload part: who uploaded what, which blobs a caller may skip
sending, and resumable multipart sessions (design 0013, "Blobs at scale").

Composed into :class:`cairn.server.store.metadata.MetadataStore`; the bytes themselves are the
blob store's (:class:`cairn.server.store.base.BlobStore`). Contract in
tests/contract/test_upload_store.py.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cairn.errors import InvalidInputError

if TYPE_CHECKING:
    from cairn.server.auth.principal import Principal

UPLOAD_TTL_S = 24 * 3600.0
"""An upload session untouched this long is dropped with its staged parts."""


def split_project(project: str) -> tuple[str, str]:
    """``(entity, project)`` of an ``"entity/project"`` path; InvalidInputError otherwise."""
    entity, _, name = project.partition("/")
    if not entity or not name or "/" in name or len(entity) > 128 or len(name) > 128:
        raise InvalidInputError(f"{project!r} is not a project: use entity/project")
    return entity, name


@dataclass(frozen=True, slots=True)
class UploadSession:
    """A multipart upload of one blob by one caller."""

    id: str
    uploader: int
    sha256: str
    size: int
    part_size: int
    project: str
    handle: str | None
    created_at: float
    expires_at: float

    @property
    def part_sizes(self) -> list[int]:
        """The size of each part, in order: all ``part_size`` but the last."""
        full, rest = divmod(self.size, self.part_size)
        return [self.part_size] * full + ([rest] if rest else [])


class BlobUploads(abc.ABC):
    """Uploads, existence answers that reveal nothing, and multipart sessions."""

    @abc.abstractmethod
    def record_blob_upload(
        self, who: Principal, sha256: str, size: int, verify: Callable[[], bool]
    ) -> bool:
        """Note that the caller just stored the blob: restart its grace period (as
        ``touch_blob`` with a size) and remember the caller as one who sent these bytes.
        Returns ``verify()``, run while no collection of the blob can interleave."""

    @abc.abstractmethod
    def record_blob_uploads(
        self,
        who: Principal,
        sizes: Mapping[str, int],
        verify: Callable[[Sequence[str]], set[str]],
    ) -> set[str]:
        """``record_blob_upload`` for many blobs (sha256 → size) in one transaction: their
        grace periods restarted, the caller noted as their uploader. ``verify(shas)``, run
        while no collection of them can interleave, answers the ones whose bytes are stored;
        they are returned."""

    @abc.abstractmethod
    def project_blobs(self, project_pk: int, shas: Sequence[str]) -> dict[str, int]:
        """The blobs among ``shas`` that are stored and referenced in the project (run files,
        media, artifact entries), with their sizes: those its readers may download."""

    @abc.abstractmethod
    def present_blobs(
        self,
        who: Principal,
        project: str | None,
        shas: Sequence[str],
        grace_s: float,
        verify: Callable[[str], bool] | None = None,
    ) -> set[str]:
        """Which of ``shas`` the caller may skip uploading, their grace period restarted.

        A blob counts when it is stored and either referenced in ``project`` (``"e/p"``) by
        anything that references blobs (run files, media) while the caller can read that
        project, or sent by this caller within the last ``grace_s`` seconds. A project that does
        not exist or that the caller cannot see counts as referencing nothing (no error: its
        existence is not revealed). ``project`` None: only the caller's own uploads count.
        ``verify(sha)``, when given, is asked for each candidate while its row is held, and
        only those it confirms count. Blobs held by a concurrent writer may be reported
        missing (the caller then re-sends them), never waited for.
        """

    @abc.abstractmethod
    def open_upload(
        self,
        who: Principal,
        sha256: str,
        size: int,
        project: str,
        part_size: int,
        begin: Callable[[str], str | None],
        now: float | None = None,
    ) -> tuple[UploadSession, UploadSession | None]:
        """The caller's session for ``sha256``: the same one again (resume, its expiry moved
        a day on) while it has not expired and has the same size, else a new one whose staging
        ``begin(id)`` starts (its result is kept as the handle).

        Returns ``(session, replaced)``: ``replaced`` is a stale session this call dropped, whose
        staged parts the caller should abort. The caller must be allowed to write to
        ``project`` (as ingest: PermissionDeniedError/NotFoundError otherwise).
        """

    @abc.abstractmethod
    def upload_session(
        self, who: Principal, upload_id: str, now: float | None = None
    ) -> UploadSession:
        """The caller's unexpired session ``upload_id``; NotFoundError otherwise (another
        caller's session is not found either)."""

    @abc.abstractmethod
    def end_upload(self, upload_id: str) -> None:
        """Forget a session (completed or aborted); an unknown id is not an error."""

    @abc.abstractmethod
    def expired_uploads(self, now: float | None = None, limit: int = 1000) -> list[UploadSession]:
        """Sessions past their expiry, oldest first (housekeeping aborts and ends them)."""

    @abc.abstractmethod
    def forget_uploaders(self, older_than: float) -> int:
        """Drop upload notes older than ``older_than`` (epoch seconds); return how many."""
