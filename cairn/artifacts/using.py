"""``run.use_artifact``: a synchronous call that records the use and returns the version."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cairn.artifacts import remote
from cairn.artifacts.artifact import Artifact
from cairn.artifacts.names import ArtifactRef, parse_ref
from cairn.errors import InvalidInputError

if TYPE_CHECKING:
    from cairn.sdk.api.client import ApiClient
    from cairn.sdk.run import Run


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
    exact = ArtifactRef(ref.entity, ref.project, ref.name, version["version"])
    # the server makes the run if its first batch has not come yet
    return Artifact.from_version(client, remote.use_version(client, exact, run.path))


def fetch_artifact(client: ApiClient, path: str, type: str | None = None) -> Artifact:
    """A stored version by ``entity/project/name:ver``, without recording a use."""
    ref = parse_ref(path)
    version = remote.get_version(client, ref)
    if type is not None and version["type"] != type:
        raise InvalidInputError(f"artifact {ref.path} is of type {version['type']!r}, not {type!r}")
    return Artifact.from_version(client, version)
