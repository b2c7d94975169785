"""What every media type shares: validate on the caller's thread, encode on the writer's.

A media object is built on the training thread, where ``__init__`` validates its input (raising
:class:`~cairn.errors.InvalidInputError`) and keeps a private snapshot of it. The run's writer
thread later calls :meth:`Media.encode`, which returns the value logged at the step (W&B's
reference shape, see docs/design/0010) and the files that value refers to. The writer writes those
files into the run directory and records them; nothing here touches the run or does I/O beyond
reading the caller's own input files.
"""

from __future__ import annotations

import abc
import hashlib
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cairn.errors import InvalidInputError

MAX_VALUE_JSON_BYTES = 1 << 20


@dataclass(frozen=True)
class MediaFile:
    """One file a media value refers to, by its path in the run."""

    path: str
    data: bytes
    sha256: str

    @classmethod
    def of(cls, path: str, data: bytes) -> MediaFile:
        return cls(path, data, hashlib.sha256(data).hexdigest())


@dataclass
class Encoded:
    """A media value ready to log: its JSON (W&B's shape) and its files."""

    value: dict[str, Any]
    files: list[MediaFile] = field(default_factory=list)
    #: values logged at the same step under other keys (full key names), e.g. a chart's
    #: ``<key>_table``; each is recorded like the main value
    siblings: dict[str, Encoded] = field(default_factory=dict)


@dataclass(frozen=True)
class EncodeContext:
    """Where a value is logged: its key and step (they name its files)."""

    key: str
    step: int

    def path(self, kind: str, data: bytes, ext: str, suffix: str = "") -> MediaFile:
        """``media/<kind>/<key>_<step>_<sha8><suffix>.<ext>`` holding ``data``."""
        digest = hashlib.sha256(data).hexdigest()
        name = f"media/{kind}/{self.key}_{self.step}_{digest[:8]}{suffix}.{ext}"
        return MediaFile(name, data, digest)


class Media(abc.ABC):
    """A value that ``run.log`` encodes off the training thread."""

    #: W&B's ``_type`` of the logged value
    type_name: ClassVar[str]

    def frozen(self) -> Media:
        """What logging this object now records, fixed on the caller's thread.

        ``run.log`` calls it once per log. Immutable media return themselves; a mutable one (a
        ``Table``) returns a snapshot, so later edits do not change what was logged.
        """
        return self

    @abc.abstractmethod
    def encode(self, ctx: EncodeContext) -> Encoded:
        """The value and its files. Runs on the writer thread; must not touch the run."""

    def file_value(self, file: MediaFile, **fields: Any) -> dict[str, Any]:
        """The reference JSON every file-backed type starts from."""
        value: dict[str, Any] = {
            "_type": self.type_name,
            "path": file.path,
            "sha256": file.sha256,
            "size": len(file.data),
        }
        value.update({k: v for k, v in fields.items() if v is not None})
        return value


def check_caption(caption: object) -> str | None:
    """A caption is text (or None); anything else is refused."""
    if caption is None or isinstance(caption, str):
        return caption
    raise InvalidInputError(f"caption must be a string, got {type(caption).__name__}")
