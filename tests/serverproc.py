"""Start a real ``cairn server`` process on a free loopback port for tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ServerProcess:
    """A running server and how to reach it."""

    proc: subprocess.Popen[bytes]
    base_url: str
    data_dir: Path
    log_path: Path

    def stop(self) -> None:
        """Terminate the server and wait for it."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        """SIGKILL the server (a crash)."""
        self.proc.kill()
        self.proc.wait()

    def log(self) -> str:
        """What the server printed."""
        return self.log_path.read_text(errors="replace")


def start_server(
    data_dir: Path,
    db_url: str | None = None,
    port: int | None = None,
    extra_args: list[str] | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> ServerProcess:
    """Start ``cairn server`` and wait until /api/health answers.

    ``python -m`` puts the working directory first on ``sys.path``: to run another checkout's
    ``cairn`` (``env={"PYTHONPATH": ...}``), start it with ``cwd`` outside this one.
    """
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "cairn.cli.main", "server", "--port", str(port),
            "--data-dir", str(data_dir), "--log-level", "warning"]  # fmt: skip
    if db_url:
        args += ["--db", db_url]
    extra = extra_args or []
    if "--workers" not in extra:
        args += ["--workers", "1"]  # tests run many servers on two cores: one process each
    args += extra
    log_path = data_dir / f"server-{port}.log"
    log_file = log_path.open("ab")
    proc = subprocess.Popen(
        args, stdout=log_file, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, cwd=cwd
    )
    base_url = f"http://127.0.0.1:{port}"
    server = ServerProcess(proc, base_url, data_dir, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{base_url}/api/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"server did not become healthy:\n{server.log()}")
