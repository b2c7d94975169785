"""Run scripts with the real, unmodified ``wandb`` client against a Cairn server."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx

OPEN_KEY = "cairn_" + "k" * 43
"""Any well-formed key: an open server (loopback) takes it, and the client insists on one."""


def wandb_env(base_url: str, root: Path, api_key: str = OPEN_KEY, **extra: str) -> dict[str, str]:
    """The environment of a wandb process pointed at ``base_url`` with its files under ``root``
    (no settings or credentials of this machine leak in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB")}
    env.update(
        WANDB_BASE_URL=base_url,
        WANDB_API_KEY=api_key,
        WANDB_DIR=str(root),
        WANDB_CONFIG_DIR=str(root / "config"),
        WANDB_CACHE_DIR=str(root / "cache"),
        WANDB_DATA_DIR=str(root / "data"),
        WANDB_SILENT="true",
        WANDB_ERROR_REPORTING="false",
        WANDB_X_STATS_SAMPLING_INTERVAL="1",
        **extra,
    )
    return env


def run_script(
    source: str,
    base_url: str,
    root: Path,
    *,
    api_key: str = OPEN_KEY,
    expect_code: int = 0,
    timeout: float = 180,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """Write ``source`` (dedented) to ``root/train.py`` and run it; assert its exit code."""
    root.mkdir(parents=True, exist_ok=True)
    script = root / "train.py"
    script.write_text(textwrap.dedent(source))
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=root,
        env=wandb_env(base_url, root, api_key, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == expect_code, result.stdout + result.stderr
    return result


def run_id_of(result: subprocess.CompletedProcess[str]) -> str:
    """The id a script printed as ``RUN <id>``."""
    for line in result.stdout.splitlines():
        if line.startswith("RUN "):
            return line.split()[1]
    raise AssertionError(f"the script printed no RUN line:\n{result.stdout}\n{result.stderr}")


class CairnReader:
    """Reads what Cairn's own API holds for a run."""

    def __init__(self, base_url: str, api_key: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(base_url=base_url + "/api/v1", headers=headers, timeout=30)

    def run(self, path: str) -> dict[str, Any]:
        """The run's metadata."""
        return self._get(f"/runs/{path}")

    def history(self, path: str, key: str) -> list[tuple[float, Any]]:
        """Every (step, value) of one history key, exact."""
        page = self._get(f"/runs/{path}/series/{key}/points", limit=100_000)
        return list(zip(page["steps"], page["values"], strict=True))

    def keys(self, path: str) -> dict[str, dict[str, Any]]:
        """The run's series keys."""
        return {k["key"]: k for k in self._get(f"/runs/{path}/keys")["keys"]}

    def console(self, path: str) -> list[tuple[str, str]]:
        """Every console line as (stream, text)."""
        page = self._get(f"/runs/{path}/console", limit=1000)
        return [(line["stream"], line["text"]) for line in page["lines"]]

    def files(self, path: str) -> dict[str, int]:
        """The run's files and their sizes."""
        return {f["path"]: f["size"] for f in self._get(f"/runs/{path}/files")["files"]}

    def file_bytes(self, path: str, name: str) -> bytes:
        """One run file's content."""
        response = self.client.get(f"/runs/{path}/files/{name}", follow_redirects=True)
        assert response.status_code == 200, response.text
        return response.content

    def values(self, path: str, key: str) -> list[tuple[int, Any]]:
        """Every (step, value) of one non-numeric key."""
        page = self._get(f"/runs/{path}/values", key=key, limit=1000)
        return [(v["step"], v["value"]) for v in page["values"]]

    def _get(self, url: str, **params: Any) -> Any:
        response = self.client.get(url, params=params)
        assert response.status_code == 200, f"{url}: {response.status_code} {response.text}"
        return response.json()
