"""A server for the housekeeping browser tests: one small project per test, logged by the SDK.

Each test changes its own project (archives, moves, deletes, renames), so the tests do not
depend on each other's order and leave the shared seeded server alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.serverproc import ServerProcess, start_server

ROOT = Path(__file__).resolve().parents[2]
ENTITY = "tidy"

# project -> runs: {name, id?, tags?, file?}
PROJECTS: dict[str, list[dict[str, Any]]] = {
    "tagging": [{"name": "t-a", "tags": ["keep"]}, {"name": "t-b"}, {"name": "t-c"}],
    "archiving": [{"name": "a-1"}, {"name": "a-2"}, {"name": "a-3"}],
    "moving": [{"name": "m-1"}, {"name": "m-2"}],
    "moving-target": [{"name": "mt-1"}],
    "deleting": [{"name": "d-1"}, {"name": "d-2"}, {"name": "d-3"}],
    "colliding": [{"name": "c-dup", "id": "dup-1"}, {"name": "c-ok"}],
    "collide-target": [{"name": "ct-dup", "id": "dup-1"}],
    "runpage": [{"name": "r-1"}],
    "settings-usage": [{"name": "u-1", "file": True}, {"name": "u-2", "file": True}],
    "settings-rename": [{"name": "sr-1"}],
    "settings-details": [{"name": "sd-1"}],
    "settings-archive": [{"name": "sa-1"}],
    "settings-delete": [{"name": "sx-1"}, {"name": "sx-2"}],
}


def sdk_env(tmp: Path, entity: str, api_key: str | None = None) -> dict[str, str]:
    """A training script's environment: no CAIRN_* from the developer's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
    env.update(CAIRN_NETRC=str(tmp / "netrc"), CAIRN_ENTITY=entity, PYTHONPATH=str(ROOT))
    if api_key:
        env["CAIRN_API_KEY"] = api_key
    return env


def log_runs(
    base_url: str, tmp: Path, spec: list[dict[str, Any]], entity: str, api_key: str | None = None
) -> None:
    """Log the runs of ``spec`` (``{project, name, ...}``) in a separate SDK process."""
    spec_path = tmp / "spec.json"
    spec_path.write_text(json.dumps(spec))
    work = tmp / "work"
    work.mkdir(parents=True, exist_ok=True)
    script = [sys.executable, "-m", "tests.browser.seed_tidy", base_url, str(work), str(spec_path)]
    # outside any git checkout, so the SDK saves no diff.patch and the file counts stay fixed
    done = subprocess.run(
        script,
        env=sdk_env(tmp, entity, api_key),
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{done.stdout}\n{done.stderr}")


@dataclass
class Tidy:
    """The housekeeping server and how to read it back."""

    server: ServerProcess
    entity: str = ENTITY

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def api(self, path: str, **params: Any) -> httpx.Response:
        return httpx.get(f"{self.base_url}/api/v1{path}", params=params, timeout=10)

    def runs(self, project: str) -> dict[str, dict[str, Any]]:
        """Every run of the project, archived ones too, by name."""
        answer = self.api(f"/projects/{self.entity}/{project}/runs", limit=100, archived="include")
        answer.raise_for_status()
        return {run["name"]: run for run in answer.json()["runs"]}

    def project(self, project: str) -> httpx.Response:
        return self.api(f"/projects/{self.entity}/{project}")

    def workspace_url(self, project: str, query: str = "") -> str:
        return f"{self.base_url}/{self.entity}/{project}{query}"

    def settings_url(self, project: str) -> str:
        return f"{self.base_url}/{self.entity}/{project}/settings"


def fill(server: ServerProcess, tmp: Path) -> Tidy:
    """Log every project of PROJECTS on the server."""
    spec = [{"project": project, **run} for project, runs in PROJECTS.items() for run in runs]
    log_runs(server.base_url, tmp, spec, ENTITY)
    return Tidy(server)


@contextmanager
def locked_server(
    tmp: Path,
    users: dict[str, str],
    runs: list[dict[str, Any]],
    roles: dict[str, dict[str, str]],
) -> Iterator[ServerProcess]:
    """A server that requires login, stopped afterwards: ``users`` (name -> password) created by
    the admin, ``runs`` logged as the admin through the real SDK, and ``roles`` (project ->
    user -> role) given on the admin's projects."""
    from tests.browser.conftest import ADMIN_PASSWORD, ADMIN_USER

    server = start_server(
        tmp / "server",
        env={
            "CAIRN_SERVER_AUTH": "required",
            "CAIRN_SERVER_ADMIN_USERNAME": ADMIN_USER,
            "CAIRN_SERVER_ADMIN_PASSWORD": ADMIN_PASSWORD,
        },
    )
    try:
        with httpx.Client(base_url=server.base_url + "/api/v1", timeout=10) as admin:
            login = admin.post(
                "/auth/login", json={"username": ADMIN_USER, "password": ADMIN_PASSWORD}
            )
            login.raise_for_status()
            admin.headers["X-CSRF-Token"] = login.json()["csrf_token"]
            for user, password in users.items():
                admin.post(
                    "/users", json={"username": user, "password": password}
                ).raise_for_status()
            key = admin.post("/api-keys", json={"name": "seed"})
            key.raise_for_status()
            log_runs(server.base_url, tmp, runs, ADMIN_USER, key.json()["key"])
            for project, grants in roles.items():
                for user, role in grants.items():
                    admin.put(
                        f"/projects/{ADMIN_USER}/{project}/members/{user}", json={"role": role}
                    ).raise_for_status()
        yield server
    finally:
        server.stop()
