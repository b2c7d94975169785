"""``cairn.Api``: read projects, runs and their history from Python (pandas optional)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from cairn.errors import InvalidInputError
from cairn.sdk.api import history, manage
from cairn.sdk.api.client import ApiClient
from cairn.sdk.login import server_and_key

if TYPE_CHECKING:
    from cairn.artifacts.artifact import Artifact
    from cairn.registry.models import RegisteredModel
    from cairn.sdk.api.artifacts import ArtifactCollection

_number = history.number


def _numbers(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with the server's names of non-finite floats turned back into floats, in
    maps too (a summary of several modes, ``{"min": "NaN", "max": 2.0}``)."""
    if not [v for v in values.values() if v.__class__ is str or v.__class__ is dict]:
        return values  # no text at all (the usual summary): nothing to turn back
    return {k: _numbers(v) if v.__class__ is dict else _number(v) for k, v in values.items()}


def _dataframe(rows: list[dict[str, Any]]) -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise InvalidInputError(
            'pandas=True needs pandas: pip install "cairn-ml[export]"'
        ) from None
    return pd.DataFrame(rows)


class Project(NamedTuple):
    """A project as the API lists it (a named tuple: dataclasses cost a fresh script ~12 ms)."""

    entity: str
    name: str
    run_count: int
    visibility: str
    updated_at: float


class PublicRun:
    """A run read through the API; ``history`` and ``scan_history`` fetch its metrics."""

    def __init__(self, client: ApiClient, data: dict[str, Any]) -> None:
        self._client = client
        self._load(data)

    def _load(self, data: dict[str, Any]) -> None:
        self._data = data
        self.id: str = data["id"]
        self.entity: str = data["entity"]
        self.project: str = data["project"]
        self.name: str = data["name"]
        self.state: str = data["state"]
        self.config: dict[str, Any] = data["config"]
        self.summary: dict[str, Any] = _numbers(data["summary"])
        self.tags: list[str] = data["tags"]
        self.group: str | None = data.get("group")
        self.job_type: str | None = data.get("job_type")
        self.notes: str = data.get("notes", "")
        self.created_at: float = data["created_at"]

    @property
    def path(self) -> str:
        """``entity/project/run_id``."""
        return f"{self.entity}/{self.project}/{self.id}"

    def _url(self, suffix: str = "") -> str:
        return f"/api/v1/runs/{self.path}{suffix}"

    def keys(self) -> list[str]:
        """The metric keys the run has logged (history and system)."""
        return [k["key"] for k in self._client.request("GET", self._url("/keys"))["keys"]]

    def history(
        self,
        samples: int = 500,
        keys: list[str] | None = None,
        x_axis: str = "_step",
        pandas: bool = True,
    ) -> Any:
        """Up to ``samples`` real logged rows, spread evenly over the run's steps, as W&B's
        ``run.history()`` returns them (never averages: see :meth:`history_buckets`).

        A row holds ``_step``, ``_timestamp`` and each key's value at that step; with ``keys``
        given, only the steps where every one of them has a value (W&B's rule), else every step
        with any metric (absent keys are NaN in the DataFrame). ``x_axis`` is accepted for W&B's
        signature and must be ``_step``.
        """
        if x_axis != "_step":
            raise InvalidInputError(
                "history() samples rows by step; for rows by time use "
                "history_buckets(x_axis='_timestamp' or '_runtime')"
            )
        if not isinstance(samples, int) or isinstance(samples, bool) or samples < 1:
            raise InvalidInputError(f"samples must be a positive whole number, got {samples!r}")
        wanted = keys or [k for k in self.keys() if not k.startswith("system/")]
        rows = (
            history.sampled(self._client, self.path, wanted, samples, keys is not None)
            if (wanted)
            else []
        )
        return _dataframe(rows) if pandas else rows

    def history_buckets(
        self,
        keys: list[str] | None = None,
        buckets: int = 500,
        x_axis: str = "_step",
        pandas: bool = True,
    ) -> Any:
        """About ``buckets`` rows per key, each the mean of its bucket on the server (exact
        where a key has no more points): a whole long run's shape in one small answer.

        Rows are keyed by the x axis (``_step``, ``_timestamp`` or ``_runtime``); a key
        without a value in a row is absent (NaN in the DataFrame).
        """
        if x_axis not in history.X_AXES:
            raise InvalidInputError(f"x_axis must be one of {list(history.X_AXES)}")
        wanted = keys or [k for k in self.keys() if not k.startswith("system/")]
        rows = history.bucketed(self._client, self.path, wanted, buckets, x_axis)
        return _dataframe(rows) if pandas else rows

    def scan_history(
        self,
        keys: list[str] | None = None,
        page_size: int = 10_000,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every logged row, exact, in step order, streamed page by page in constant memory:
        ``_step``, ``_timestamp`` and the values. With ``keys`` given, only rows where every one
        of them has a value (as W&B's); ``min_step``/``max_step`` bound the steps."""
        wanted = keys or [k for k in self.keys() if not k.startswith("system/")]
        return history.scan(
            self._client, self.path, wanted, page_size, min_step, max_step, keys is not None
        )

    def value_keys(self) -> list[dict[str, Any]]:
        """The keys of the run's non-numeric values: plain ones (strings, JSON; ``type`` is the
        latest value's JSON type) and media (``type`` is the media ``_type``), each with
        ``count``, ``step_min`` and ``step_max``, sorted by key."""
        answer = self._client.request("GET", self._url("/keys"))
        found = [*answer.get("values", []), *answer.get("media", [])]
        return sorted(found, key=lambda k: str(k["key"]))

    def values(
        self,
        key: str,
        step_min: int | None = None,
        step_max: int | None = None,
        page_size: int = 1000,
    ) -> Iterator[dict[str, Any]]:
        """Every non-numeric value of ``key`` (a string, JSON, a media reference) in step
        order, optionally only steps ``step_min`` .. ``step_max``: dicts of ``step``, ``time``
        and ``value``."""
        after: int | None = 0
        while after is not None:
            params: dict[str, Any] = {"key": key, "after": after, "limit": page_size}
            if step_min is not None:
                params["step_min"] = step_min
            if step_max is not None:
                params["step_max"] = step_max
            page = self._client.request("GET", self._url("/values"), params=params)
            yield from page["values"]
            after = page["next_after"]

    def alerts(self) -> list[dict[str, Any]]:
        """The alerts the run raised (``run.alert``), oldest first: ``title``, ``text``,
        ``level``, ``time`` and ``wait_s``."""
        result: list[dict[str, Any]] = []
        after: int | None = 0
        while after is not None:
            page = self._client.request(
                "GET", self._url("/alerts"), params={"after": after, "limit": 1000}
            )
            result += page["alerts"]
            after = page["next_after"]
        return result

    def files(self) -> list[dict[str, Any]]:
        """The run's files (path, sha256, size), by path."""
        result: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 5000}
            if after is not None:
                params["after"] = after
            page = self._client.request("GET", self._url("/files"), params=params)
            result += page["files"]
            after = page.get("next_after")  # servers before paging send everything at once
            if after is None:
                return result

    def update(self, **changes: Any) -> PublicRun:
        """Change the run's ``name``, ``tags``, ``notes``, ``group`` or ``job_type``; returns self
        with the stored values."""
        self._load(manage.edit_run(self._client, self.path, changes))
        return self

    def archive(self) -> None:
        """Hide the run from default listings (kept whole; ``restore()`` brings it back)."""
        self._load(manage.edit_run(self._client, self.path, {"archived": True}))

    def restore(self) -> None:
        """Show an archived run in listings again."""
        self._load(manage.edit_run(self._client, self.path, {"archived": False}))

    def move(self, project: str) -> None:
        """Move the run to another project of its entity (created when absent)."""
        self._load(manage.edit_run(self._client, self.path, {"project": project}))

    def delete(self) -> None:
        """Delete the run and everything stored under it (its files' bytes go at the server's
        next blob collection)."""
        manage.delete_run(self._client, self.path)

    def logged_artifacts(self) -> list[Artifact]:
        """The artifact versions this run logged."""
        from cairn.sdk.api import artifacts

        return artifacts.of_run(self._client, self.path, "logged")

    def used_artifacts(self) -> list[Artifact]:
        """The artifact versions this run used."""
        from cairn.sdk.api import artifacts

        return artifacts.of_run(self._client, self.path, "used")

    @property
    def archived(self) -> bool:
        """Whether the run is archived (hidden from default listings)."""
        return self._data.get("archived_at") is not None

    def __repr__(self) -> str:
        return f"<PublicRun {self.path} ({self.state})>"


class Runs:
    """A lazy, paginated sequence of runs; ``len()`` asks the server for the total once.

    ``list(runs)`` calls ``len()`` first: that request also brings the first ``per_page`` runs,
    and when they are all of them, iterating needs no further request.
    """

    def __init__(
        self,
        client: ApiClient,
        path: str,
        filters: Any,
        order: str | None,
        per_page: int,
        archived: str = "exclude",
    ) -> None:
        self._client = client
        self._archived = archived
        self._path = path
        self._filters = filters
        self._order = order
        self._per_page = per_page
        self._total: int | None = None
        self._all: list[PublicRun] | None = None

    def _body(self, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"limit": self._per_page, **extra}
        if self._archived != "exclude":
            body["archived"] = self._archived
        if isinstance(self._filters, str):
            body["expression"] = self._filters
        elif self._filters:
            body["filters"] = self._filters
        if self._order:
            body["order"] = self._order
        return body

    def _query(self, body: dict[str, Any]) -> dict[str, Any]:
        page: dict[str, Any] = self._client.request(
            "POST", f"/api/v1/projects/{self._path}/runs/query", json=body
        )
        return page

    def __iter__(self) -> Iterator[PublicRun]:
        if self._all is not None:
            yield from self._all
            return
        cursor: str | None = None
        while True:
            page = self._query(self._body(cursor=cursor))
            for data in page["runs"]:
                yield PublicRun(self._client, data)
            cursor = page["next_cursor"]
            if cursor is None:
                return

    def __len__(self) -> int:
        if self._total is None:
            page = self._query(self._body(offset=0))
            self._total = int(page["total"])
            if len(page["runs"]) >= self._total:
                self._all = [PublicRun(self._client, data) for data in page["runs"]]
        return self._total


class Api:
    """A Cairn server from Python: ``Api().runs("entity/project", filters=...)`` to read,
    ``run.update(...)``, ``api.move_runs(...)`` and the like to tidy up."""

    def __init__(self, base_url: str | None = None, api_key: str | None = None) -> None:
        self.base_url, key = server_and_key(base_url, api_key)
        self._client = ApiClient(self.base_url, key)

    def projects(self, entity: str | None = None) -> list[Project]:
        """Projects you can see, most recently active first."""
        out: list[Project] = []
        offset = 0
        while True:
            params: dict[str, Any] = {"offset": offset, "limit": 500}
            if entity:
                params["entity"] = entity
            page = self._client.request("GET", "/api/v1/projects", params=params)
            out += [
                Project(p["entity"], p["name"], p["run_count"], p["visibility"], p["updated_at"])
                for p in page["projects"]
            ]
            offset += len(page["projects"])
            if not page["projects"] or offset >= page["total"]:
                return out

    def run(self, path: str) -> PublicRun:
        """One run by ``entity/project/run_id``."""
        parts = path.strip("/").split("/")
        if len(parts) != 3:
            raise InvalidInputError(f"a run path is entity/project/run_id, got {path!r}")
        return PublicRun(
            self._client, self._client.request("GET", f"/api/v1/runs/{'/'.join(parts)}")
        )

    def runs(
        self,
        path: str,
        filters: dict[str, Any] | str | None = None,
        order: str | None = None,
        per_page: int = 500,
        archived: str = "exclude",
    ) -> Runs:
        """Runs of ``entity/project``; ``filters`` is a filter tree or a text expression.

        Runs come ``per_page`` to a request (at most 1,000). Archived runs are left out unless
        ``archived`` is ``"include"`` or ``"only"``.
        """
        if archived not in ("exclude", "include", "only"):
            raise InvalidInputError("archived must be 'exclude', 'include' or 'only'")
        parts = path.strip("/").split("/")
        if len(parts) != 2:
            raise InvalidInputError(f"a project path is entity/project, got {path!r}")
        if filters is not None and not isinstance(filters, dict | str):
            raise InvalidInputError("filters must be a dict (filter tree) or a string expression")
        json.dumps(filters)  # fail here, not on the server, for values JSON cannot carry
        return Runs(self._client, "/".join(parts), filters, order, per_page, archived)

    def artifact(self, path: str, type: str | None = None) -> Artifact:
        """One artifact version by ``entity/project/name:ver`` (``vN``, an alias or a digest;
        no version: ``latest``); ``download()`` its files."""
        from cairn.artifacts.using import fetch_artifact

        return fetch_artifact(self._client, path, type)

    def artifacts(self, project: str, type: str | None = None) -> list[ArtifactCollection]:
        """The artifact collections of ``entity/project`` (of one ``type``)."""
        from cairn.sdk.api import artifacts

        return artifacts.collections(self._client, project, type)

    def artifact_types(self, project: str) -> dict[str, int]:
        """The artifact types of ``entity/project`` and how many collections each has."""
        from cairn.sdk.api import artifacts

        return artifacts.types(self._client, project)

    # changing things (one request each; many runs: one all-or-nothing request per project)

    def tag_runs(self, paths: Iterable[str], tags: list[str]) -> int:
        """Add ``tags`` to runs named ``entity/project/run_id``; returns how many changed."""
        return manage.bulk(self._client, paths, "tag", tags=list(tags))

    def untag_runs(self, paths: Iterable[str], tags: list[str]) -> int:
        """Remove ``tags`` from runs."""
        return manage.bulk(self._client, paths, "untag", tags=list(tags))

    def archive_runs(self, paths: Iterable[str]) -> int:
        """Hide runs from default listings."""
        return manage.bulk(self._client, paths, "archive")

    def restore_runs(self, paths: Iterable[str]) -> int:
        """Show archived runs again."""
        return manage.bulk(self._client, paths, "restore")

    def move_runs(self, paths: Iterable[str], project: str) -> int:
        """Move runs to ``project`` of their entity (created when absent)."""
        return manage.bulk(self._client, paths, "move", project=project)

    def delete_runs(self, paths: Iterable[str]) -> int:
        """Delete runs and everything stored under them."""
        return manage.bulk(self._client, paths, "delete")

    def update_project(self, path: str, **changes: Any) -> dict[str, Any]:
        """Rename a project or set its ``visibility``, ``description`` or ``archived`` (admins)."""
        return manage.edit_project(self._client, path, changes)

    def delete_project(self, path: str) -> None:
        """Delete a project and all its runs (admins)."""
        manage.delete_project(self._client, path)

    def registered_models(self, entity: str) -> list[RegisteredModel]:
        """The entity's registered models (the model registry), by name."""
        from cairn.registry.models import registered_models

        return registered_models(entity, api=self)

    def registered_model(self, path: str) -> RegisteredModel:
        """One registered model by ``entity/name``: ``versions()``, ``aliases``, ``audit()``."""
        from cairn.registry.models import registered_model

        return registered_model(path, api=self)

    def project_usage(self, path: str) -> dict[str, int]:
        """``{runs, series, series_bytes, files, blob_bytes}`` of ``entity/project``."""
        return manage.project_usage(self._client, path)
