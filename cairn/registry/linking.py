"""Linking artifact versions into the registry from a run or an artifact (``run.link_model``,
``run.link_artifact``, ``Artifact.link``), as W&B's SDK does."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cairn.errors import InvalidInputError
from cairn.registry.client import split_model
from cairn.registry.models import RegistryVersion, _link

if TYPE_CHECKING:
    from cairn.artifacts.artifact import Artifact
    from cairn.sdk.api.client import ApiClient
    from cairn.sdk.run import Run

LINK_TIMEOUT_S = 300.0
"""How long linking waits for a just-logged version to reach the server."""


def _model_path(target: str, entity: str | None) -> str:
    """``entity/name`` of a link target; a bare name is in the artifact's entity."""
    if "/" not in target.strip("/") and entity:
        return f"{entity}/{target.strip('/')}"
    return target


def link_artifact(
    artifact: Artifact, target: str, aliases: Sequence[str] | None, client: ApiClient
) -> RegistryVersion:
    """Link ``artifact``'s stored version into the registered model ``target`` (``entity/name``
    or ``name`` in the artifact's entity); a version just logged is waited for first."""
    if artifact.path is None:
        artifact.wait(timeout=LINK_TIMEOUT_S)
    if artifact.path is None:
        raise InvalidInputError(
            f"artifact {artifact.name!r} has no version on the server yet: link it after "
            "run.log_artifact(...).wait()"
        )
    entity, name = split_model(_model_path(target, artifact.entity))
    return _link(client, entity, name, artifact.path, list(aliases or ()))


def run_client(run: Run) -> ApiClient:
    """An API client for the server the run writes to."""
    from cairn.sdk.api.client import ApiClient

    if run.settings.mode != "online":
        raise InvalidInputError(
            f"run {run.path} is {run.settings.mode}: linking into the registry needs the server "
            "(link after `cairn sync`, with cairn.registry.link)"
        )
    return ApiClient(run.settings.base_url, run.settings.api_key)


def link_model(
    run: Run,
    path: str | Path,
    registered_model_name: str,
    name: str | None = None,
    aliases: Sequence[str] | None = None,
) -> RegistryVersion:
    """Log the file or folder at ``path`` as a ``model`` artifact of the run (``name``, by
    default ``run-<id>-<file name>``) and link it into ``registered_model_name``."""
    local = Path(path)
    if not local.exists():
        raise InvalidInputError(f"link_model: {local} does not exist")
    client = run_client(run)
    artifact_name = name or f"run-{run.id}-{local.name}"
    logged = run.log_artifact(local, name=artifact_name, type="model")
    return link_artifact(logged, registered_model_name, aliases, client)
