"""Start a real ``cairn server`` process on a free loopback port for tests."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

_BAND_LOW = 10_000  # test servers' ports: below the kernel's ephemeral range


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now, from this test worker's own band.

    ``bind(("127.0.0.1", 0))`` hands out ephemeral ports, the same pool outgoing connections
    draw their source ports from, so with tests in parallel processes a port released here
    could be taken before the server binds it. Ports below the ephemeral range, split into one
    band per pytest-xdist worker, are used by nothing else; the kernel's pick remains the
    fallback where the ephemeral range leaves no room below it.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    high = _ephemeral_low()
    width = (high - _BAND_LOW) // max(workers, 1)
    if worker.isdigit() and width >= 100:
        start = _BAND_LOW + int(worker) * width
        for port in random.sample(range(start, start + width), 50):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        picked: int = sock.getsockname()[1]
        return picked


class PortTaken(RuntimeError):
    """The server could not bind its port: something else holds it."""


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
    if port is None:
        for _ in range(4):  # another process may still take a port between check and bind
            try:
                return start_server(data_dir, db_url, free_port(), extra_args, env, cwd)
            except PortTaken:
                continue
        raise RuntimeError("no free port for the server after 4 tries")
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
            log = server.log()
            if "address already in use" in log:
                raise PortTaken(f"port {port} is taken:\n{log}")
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log}")
        try:
            if httpx.get(f"{base_url}/api/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"server did not become healthy:\n{server.log()}")
