"""``run.use_artifact``: a synchronous call that records the use and returns the version."""

from __future__ import annotations

import threading
import time
import weakref
from typing import TYPE_CHECKING, Final

from cairn.artifacts import remote
from cairn.artifacts.artifact import Artifact
from cairn.artifacts.names import ArtifactRef, parse_ref
from cairn.errors import CairnError, InvalidInputError, NotFoundError

if TYPE_CHECKING:
    from cairn.sdk.api.client import ApiClient
    from cairn.sdk.run import Run

RUN_WAIT_S: Final = 30.0
"""How long a use waits for a new run to reach the server (its first batch)."""

_known: weakref.WeakSet[Run] = weakref.WeakSet()
_lock = threading.Lock()


def client_for(run: Run) -> ApiClient:
    """An API client with the run's server and key."""
    from cairn.sdk.api.client import ApiClient

    return ApiClient(run.settings.base_url, run.settings.api_key)


def _ref_of(run: Run, artifact: Artifact | str, type_: str | None) -> ArtifactRef:
    if isinstance(artifact, Artifact):
        if artifact.record_id is not None or artifact._client is not None:
            artifact.wait()
        path = artifact.path
        if path is None:
            raise InvalidInputError(f"artifact {artifact.name!r} is a draft: log it first "
                                    "(run.log_artifact) or name a stored version")  # fmt: skip
        return parse_ref(path)
    if not isinstance(artifact, str):
        raise InvalidInputError("use_artifact() takes 'name:alias', 'entity/project/name:vN' "
                                "or a cairn.Artifact")  # fmt: skip
    return parse_ref(artifact, run.entity, run.project)


def _wait_for_run(run: Run, client: ApiClient) -> None:
    """A use names the run: wait (bounded) until its first batch has created it."""
    with _lock:
        if run in _known:
            return
    run.flush()
    deadline = time.monotonic() + RUN_WAIT_S
    while True:
        try:
            client.get_run(run.entity, run.project, run.id)
            break
        except NotFoundError:
            if time.monotonic() > deadline:
                raise CairnError(
                    f"run {run.path} has not reached the server after {RUN_WAIT_S:.0f} s; "
                    "cannot record the use"
                ) from None
            time.sleep(0.1)
    with _lock:
        _known.add(run)


def use_artifact(run: Run, artifact: Artifact | str, type: str | None = None) -> Artifact:
    """Record that ``run`` uses a stored version and return it (files via ``download()``)."""
    if run.settings.mode == "offline":
        raise InvalidInputError(f"use_artifact() asks the server, and run {run.path} is "
                                "offline")  # fmt: skip
    ref = _ref_of(run, artifact, type)
    client = client_for(run)
    if run.settings.mode == "disabled":
        return fetch_artifact(client, ref.path, type)  # read, no use recorded
    version = remote.get_version(client, ref)  # a missing artifact is an error at once
    if type is not None and version["type"] != type:
        raise InvalidInputError(f"artifact {ref.path} is of type {version['type']!r}, not {type!r}")
    _wait_for_run(run, client)
    exact = ArtifactRef(ref.entity, ref.project, ref.name, version["version"])
    return Artifact.from_version(client, remote.use_version(client, exact, run.id))


def fetch_artifact(client: ApiClient, path: str, type: str | None = None) -> Artifact:
    """A stored version by ``entity/project/name:ver``, without recording a use."""
    ref = parse_ref(path)
    version = remote.get_version(client, ref)
    if type is not None and version["type"] != type:
        raise InvalidInputError(f"artifact {ref.path} is of type {version['type']!r}, not {type!r}")
    return Artifact.from_version(client, version)
