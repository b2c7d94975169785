"""``cairn.Artifact``: a versioned set of files, built here, logged by a run, used by others.

An artifact is a draft while files are added (``add_file``, ``add_dir``, ``add_reference``,
``new_file``, ``remove``); ``run.log_artifact`` writes it to the run log as one record and it
gets its version (``vN``) when the server applies that record (``wait()``). One read from the
server (``run.use_artifact``, ``cairn.Api().artifact``) is bound to a stored version: its files
are downloaded with ``download()``, its aliases, description, metadata and TTL changed with
``save()``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from cairn.artifacts import refs, remote, staging
from cairn.artifacts.entries import Entry, Manifest
from cairn.artifacts.names import LATEST, ArtifactRef, check_alias, check_name
from cairn.errors import CairnError, InvalidInputError
from cairn.wire import check_artifact_path

if TYPE_CHECKING:
    from cairn.registry.models import RegistryVersion
    from cairn.sdk.api.client import ApiClient
    from cairn.sdk.api.public import PublicRun
    from cairn.sdk.run import Run


class ArtifactFile:
    """One file of an artifact: ``path``, ``size``, ``sha256`` (or ``ref`` and ``checksum``)."""

    def __init__(self, artifact: Artifact, entry: Entry) -> None:
        self._artifact = artifact
        self.entry = entry
        self.path = entry.path
        self.size = entry.size
        self.sha256 = entry.sha256
        self.ref = entry.ref
        self.checksum = entry.checksum

    def download(self, root: str | Path | None = None) -> Path:
        """Download this file alone (into ``root``, as for the whole artifact); its local path."""
        folder = self._artifact._download([self.entry], root)
        return folder / self.path

    def __repr__(self) -> str:
        return f"<ArtifactFile {self.path} ({self.size} bytes)>"


class Artifact:
    """A versioned set of files (W&B's ``Artifact``): ``Artifact("mnist", type="dataset")``."""

    def __init__(
        self,
        name: str,
        type: str,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.name = check_name(name)
        self.type = check_name(type, "artifact type")
        self.description = description
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.aliases: list[str] = []
        self.version: str | None = None
        """``vN`` once the server has the version (``wait()``)."""
        self.entity: str | None = None
        self.project: str | None = None
        self.size = 0
        self.file_count = 0
        self.created_at: float | None = None
        self._manifest: Manifest | None = Manifest()
        self._digest: str | None = None
        self._ttl_s: float | None = None
        self._logged_by: dict[str, Any] | None = None
        self._client: ApiClient | None = None
        self._saved: dict[str, Any] = {}
        self._run: Run | None = None
        self.record_id: str | None = None
        """The id of the ``artifact`` record that logged this draft."""
        self._applied = threading.Event()
        self._lock = threading.Lock()

    # -- state -----------------------------------------------------------------------------

    @property
    def is_draft(self) -> bool:
        """Whether files may still be added (not logged, not read from the server)."""
        return self.record_id is None and self._client is None

    def _require_draft(self) -> None:
        if not self.is_draft:
            raise InvalidInputError(
                f"artifact {self.name!r} is logged already and cannot change; make a new "
                "cairn.Artifact for a new version"
            )

    def _require_stored(self) -> ArtifactRef:
        if self._client is None and self.record_id is not None:
            self.wait()
        if self._client is None or self.version is None or not self.entity or not self.project:
            raise InvalidInputError(
                f"artifact {self.name!r} is not on the server: log it with run.log_artifact() "
                "or read one with run.use_artifact() / cairn.Api().artifact()"
            )
        return ArtifactRef(self.entity, self.project, self.name, self.version)

    @property
    def path(self) -> str | None:
        """``entity/project/name:vN`` once stored."""
        if self.entity and self.project and self.version:
            return f"{self.entity}/{self.project}/{self.name}:{self.version}"
        return None

    @property
    def source_name(self) -> str:
        """``name:vN`` (``name`` before the version is known)."""
        return f"{self.name}:{self.version}" if self.version else self.name

    @property
    def manifest(self) -> Manifest:
        """Every entry (fetched once from the server for a stored version)."""
        if self._manifest is None:
            ref = self._require_stored()
            assert self._client is not None
            self._manifest = Manifest.from_wire(remote.get_manifest(self._client, ref))
        return self._manifest

    @property
    def digest(self) -> str:
        """The manifest's digest: equal files and references, equal digest (metadata aside)."""
        if self._digest is not None:
            return self._digest
        return self.manifest.digest

    @property
    def ttl(self) -> dt.timedelta | None:
        """How long the version is kept after it is made (None: for ever)."""
        return None if self._ttl_s is None else dt.timedelta(seconds=self._ttl_s)

    @ttl.setter
    def ttl(self, value: dt.timedelta | float | None) -> None:
        seconds = value.total_seconds() if isinstance(value, dt.timedelta) else value
        if seconds is not None and (not isinstance(seconds, int | float) or not seconds > 0):
            raise InvalidInputError("ttl must be a positive timedelta (or seconds), or None")
        self._ttl_s = None if seconds is None else float(seconds)

    # -- building a draft --------------------------------------------------------------------

    def _staging(self) -> Path:
        from cairn.sdk.init import current_run

        run = current_run()
        recording = run is not None and run.settings.mode != "disabled"
        return staging.staging_dir(run.dir if run is not None and recording else None)

    def add_file(
        self, local_path: str | Path, name: str | None = None, policy: str = "mutable"
    ) -> ArtifactFile:
        """Add one file as ``name`` (default: its file name). ``mutable`` copies it into
        staging now; ``immutable`` hashes it in place (you promise not to change it)."""
        self._require_draft()
        source = Path(local_path)
        if not source.is_file():
            raise InvalidInputError(f"{source} is not a file")
        entry_name = name if name is not None else source.name
        entry = self._entries_for([(entry_name, source)], policy)[0]
        return ArtifactFile(self, entry)

    def add_dir(
        self, local_path: str | Path, name: str | None = None, policy: str = "mutable"
    ) -> list[ArtifactFile]:
        """Add every file under a folder, as ``name/relative/path`` (or the relative path)."""
        self._require_draft()
        folder = Path(local_path)
        if not folder.is_dir():
            raise InvalidInputError(f"{folder} is not a folder")
        prefix = name.strip("/") + "/" if name else ""
        pairs = [(prefix + relative, path) for relative, path in staging.files_under(folder)]
        return [ArtifactFile(self, e) for e in self._entries_for(pairs, policy)]

    def _entries_for(self, pairs: Sequence[tuple[str, str | Path]], policy: str) -> list[Entry]:
        manifest = self.manifest
        for entry_name, _ in pairs:
            check_artifact_path(entry_name)  # before any byte is copied
        hashed = staging.hash_files([p for _, p in pairs], policy, self._staging())
        entries = [
            Entry(entry_name, source.size, sha256=sha, local=source)
            for (entry_name, _), (sha, source) in zip(pairs, hashed, strict=True)
        ]
        for entry in entries:
            manifest.add(entry)
        return entries

    def add_reference(
        self,
        uri: str,
        name: str | None = None,
        checksum: bool = True,
        max_objects: int | None = None,
    ) -> list[ArtifactFile]:
        """Add a file, folder, URL or bucket prefix by URI; its bytes stay where they are.

        The checksum is taken here (file: sha256 of the content, one entry per file of a
        folder; https: the ETag, else a hash of the content; s3: ETags through boto3);
        ``checksum=False`` keeps the URI alone.
        """
        self._require_draft()
        entries = refs.checksum_reference(uri, name, checksum, max_objects)
        for entry in entries:
            self.manifest.add(entry)
        return [ArtifactFile(self, e) for e in entries]

    @contextlib.contextmanager
    def new_file(
        self, name: str, mode: str = "w", encoding: str | None = None
    ) -> Iterator[IO[Any]]:
        """``with art.new_file("labels.json") as f: ...``: write a file straight into the
        artifact (added when the block ends)."""
        self._require_draft()
        if mode not in ("w", "wb", "x", "xb"):
            raise InvalidInputError("new_file() opens a new file: mode is 'w', 'wb', 'x' or 'xb'")
        with tempfile.TemporaryDirectory(prefix="cairn-new-file-") as folder:
            path = Path(folder) / "file"
            with path.open(mode, encoding=encoding if "b" not in mode else None) as handle:
                yield handle
            self.add_file(path, name=name)

    def remove(self, name: str) -> None:
        """Remove the entry ``name``, or every entry under the folder ``name``."""
        self._require_draft()
        if not self.manifest.remove(name.strip("/") if name.endswith("/") else name):
            raise InvalidInputError(f"artifact {self.name!r} has no file or folder {name!r}")

    def files(self) -> list[ArtifactFile]:
        """Every file and reference, by path."""
        return [ArtifactFile(self, e) for e in self.manifest]

    def get_path(self, name: str) -> ArtifactFile:
        """The file ``name`` (``.download()`` fetches it alone)."""
        entry = self.manifest.get(name)
        if entry is None:
            raise InvalidInputError(f"artifact {self.source_name!r} has no file {name!r}")
        return ArtifactFile(self, entry)

    get_entry = get_path

    # -- logged drafts -----------------------------------------------------------------------

    def _mark_logged(self, run: Run, record_id: str, aliases: list[str]) -> None:
        self.record_id = record_id
        self._run = run
        self.entity, self.project = run.entity, run.project
        self.aliases = list(aliases)
        self._digest = self.manifest.digest
        self.size = self.manifest.size
        self.file_count = len(self.manifest)

    def _mark_applied(self, version: str) -> None:
        """Called by the sender when the server has applied the record."""
        with self._lock:
            self.version = version
        self._applied.set()

    def link(self, target: str, aliases: list[str] | None = None) -> RegistryVersion:
        """Link this stored version into the registered model ``target`` (``entity/name`` or a
        name in this artifact's entity), moving ``aliases`` onto it (as W&B's
        ``artifact.link``); a version just logged is waited for first."""
        from cairn.registry.linking import link_artifact, run_client

        if self._client is not None:
            client = self._client
        elif self._run is not None:
            client = run_client(self._run)
        else:
            raise InvalidInputError(
                f"artifact {self.name!r} is not on the server: log it with run.log_artifact() "
                "or read one with run.use_artifact() / cairn.Api().artifact()"
            )
        return link_artifact(self, target, aliases, client)

    def wait(self, timeout: float | None = None) -> Artifact:
        """Wait until the server has the logged version (``version`` is then ``vN``)."""
        if self._client is not None:
            return self
        if self.record_id is None or self._run is None:
            raise InvalidInputError(f"artifact {self.name!r} is not logged: run.log_artifact()")
        run = self._run
        if run.settings.mode != "online":
            raise InvalidInputError(
                f"run {run.path} is {run.settings.mode}: artifact {self.name!r} gets its version "
                f"when `cairn sync {run.dir}` uploads it"
            )
        from cairn.sdk.api.client import ApiClient

        client = ApiClient(run.settings.base_url, run.settings.api_key)
        deadline = None if timeout is None else time.monotonic() + timeout
        ref = ArtifactRef(run.entity, run.project, self.name, self._digest or "")
        while not self._applied.wait(0.25):
            if run.finished:
                # the sender is done (or gave up): ask the server by digest
                try:
                    self._mark_applied(remote.get_version(client, ref)["version"])
                    break
                except CairnError:
                    pass
            if deadline is not None and time.monotonic() > deadline:
                raise CairnError(
                    f"artifact {self.name!r} is not on the server after {timeout} s (still "
                    f"uploading?); its run log is {run.dir}"
                )
        self._bind(client, remote.get_version(client, ArtifactRef(
            run.entity, run.project, self.name, self.version or "")))  # fmt: skip
        return self

    # -- stored versions ---------------------------------------------------------------------

    @classmethod
    def from_version(cls, client: ApiClient, data: dict[str, Any]) -> Artifact:
        """An artifact bound to the stored version ``data`` (a Version of the API)."""
        art = cls(data["name"], data["type"])
        art._bind(client, data)
        art._manifest = None  # fetched on first use
        return art

    def _bind(self, client: ApiClient, data: dict[str, Any]) -> None:
        entity, project, _ = str(data["path"]).split("/", 2)
        self._client = client
        self.entity, self.project = entity, project
        self.name, self.type = data["name"], data["type"]
        self.version = data["version"]
        self._digest = data["digest"]
        self.description = data.get("description")
        self.metadata = dict(data.get("metadata") or {})
        self.aliases = [a for a in data.get("aliases", []) if a != LATEST]
        self.size = int(data.get("size") or 0)
        self.file_count = int(data.get("file_count") or 0)
        self.created_at = data.get("created_at")
        expires, created = data.get("expires_at"), data.get("created_at")
        self._ttl_s = expires - created if expires is not None and created is not None else None
        self._logged_by = data.get("logged_by")
        self._saved = self._editable()

    def _editable(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "metadata": json.loads(json.dumps(self.metadata)),
            "ttl_s": self._ttl_s,
            "aliases": sorted(set(self.aliases)),
        }

    def save(self) -> Artifact:
        """Store changes to ``aliases``, ``description``, ``metadata`` and ``ttl`` of a stored
        version; a draft is logged by the current run instead."""
        if self.is_draft:
            from cairn.sdk.init import current_run

            run = current_run()
            if run is None:
                raise InvalidInputError("save() of a new artifact needs a run: call cairn.init() "
                                        "first, or use `cairn artifact put`")  # fmt: skip
            run.log_artifact(self)
            return self
        ref = self._require_stored()
        assert self._client is not None
        now = self._editable()
        changes = {
            k: now[k] for k in ("description", "metadata", "ttl_s") if now[k] != self._saved[k]
        }
        for alias in now["aliases"]:
            check_alias(alias)
        if changes:
            remote.patch_version(self._client, ref, changes)
        for alias in sorted(set(now["aliases"]) - set(self._saved["aliases"])):
            remote.set_alias(self._client, ref, alias)
        for alias in sorted(set(self._saved["aliases"]) - set(now["aliases"])):
            remote.remove_alias(self._client, ref, alias)
        self._bind(self._client, remote.get_version(self._client, ref))
        return self

    def delete(self, delete_aliases: bool = False) -> None:
        """Delete this version (refused while it holds aliases, unless ``delete_aliases``)."""
        ref = self._require_stored()
        assert self._client is not None
        remote.delete_version(self._client, ref, delete_aliases)

    def logged_by(self) -> PublicRun | None:
        """The run that logged this version, if it is still there."""
        self._require_stored()
        run = self._logged_by
        return None if not run else self._public_run(run)

    def used_by(self) -> list[PublicRun]:
        """The runs that used this version (``run.use_artifact``)."""
        ref = self._require_stored()
        assert self._client is not None
        graph = remote.lineage(self._client, ref, depth=1)
        nodes = {n["id"]: n for n in graph.get("nodes", [])}
        mine = {
            n["id"]
            for n in nodes.values()
            if n.get("kind") == "artifact" and _node_path(n) == ref.path
        }
        users = [
            nodes[e["target"]]
            for e in graph.get("edges", [])
            if e.get("source") in mine and nodes.get(e["target"], {}).get("kind") == "run"
        ]
        return [self._public_run(n) for n in users]

    def _public_run(self, data: dict[str, Any]) -> PublicRun:
        from cairn.sdk.api.public import PublicRun

        assert self._client is not None
        if "path" in data:
            path = str(data["path"])
        else:
            path = f"{data['entity']}/{data['project']}/{data.get('run_id') or data['id']}"
        return PublicRun(self._client, self._client.request("GET", f"/api/v1/runs/{path}"))

    def download(self, root: str | Path | None = None, path_prefix: str | None = None) -> Path:
        """Download the files (those under ``path_prefix``) into ``root`` (default
        ``./artifacts/name:vN``); files already right are left alone. Returns the folder."""
        entries = [e for e in self.manifest if not path_prefix or e.path.startswith(path_prefix)]
        return self._download(entries, root)

    def _download(self, entries: list[Entry], root: str | Path | None) -> Path:
        from cairn.artifacts import download

        ref = self._require_stored()
        assert self._client is not None
        folder = Path(root) if root is not None else self.default_root()
        return download.download(self._client, ref, entries, folder)

    def default_root(self) -> Path:
        """``./artifacts/name:vN`` (``name-vN`` where ``:`` cannot be in a file name)."""
        sep = "-" if os.name == "nt" else ":"
        return Path("artifacts") / f"{self.name}{sep}{self.version}"

    def verify(self, root: str | Path | None = None) -> None:
        """Raise CairnError unless ``root`` holds exactly the version's files, unchanged."""
        from cairn.artifacts import download

        self._require_stored()
        download.verify(
            list(self.manifest), Path(root) if root is not None else self.default_root()
        )

    def __repr__(self) -> str:
        return f"<Artifact {self.path or self.source_name} ({self.type})>"


def _node_path(node: dict[str, Any]) -> str | None:
    path = node.get("path")
    if path:
        return str(path)
    if node.get("entity") and node.get("project") and node.get("name") and node.get("version"):
        return f"{node['entity']}/{node['project']}/{node['name']}:{node['version']}"
    return None
