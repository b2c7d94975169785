"""Artifacts at size: logging a folder, logging it again unchanged, downloading a cached version.

``python bench/bench_artifacts.py [--mb 1024] [--files 10000] [--peers-python PATH]``

A folder of ``--files`` files of random bytes, ``--mb`` MiB in all (100 files a subfolder), is
logged by a real SDK to a real server on loopback (SQLite, local blob store), each step in a
fresh run:

- ``log``: ``run.log_artifact(folder)`` until ``wait()`` returns (hashing, the staged copy, the
  existence check, the uploads, the record): MB/s and files/s;
- ``re-log unchanged``: the same folder again: seconds, and what went up (blob upload requests
  — single PUTs, batches, parts — counted at the server's ``/metrics``, bytes the blob store
  grew by);
- ``download (cold)``: ``use_artifact(...).download()`` into an empty folder, with another,
  empty cache (logging keeps the files in the cache of the machine that logged them);
- ``download (cached)``: the same version into another folder once the cache holds it.

With ``--peers-python`` (a bench-only venv: ``python -m venv /tmp/peers &&
/tmp/peers/bin/pip install wandb==0.31.0 mlflow-skinny``) the same folder goes through the peers,
each in that interpreter (this file, ``--peer NAME``):

- ``wandb offline + sync``: the unmodified ``wandb`` client offline (``log_artifact`` +
  ``finish``, from after ``init()``), then ``wandb sync`` of that run directory (the whole CLI
  process) to a loopback Cairn server through its W&B surface (``WANDB_BASE_URL``, any
  well-formed ``WANDB_API_KEY``), both parts also shown apart; the same again for the re-log;
- ``wandb online``: ``log_artifact`` + ``wait()`` straight to such a server, then the downloads
  (``use_artifact(...).download()`` with another, empty cache, then again with it filled);
- ``MLflow``: ``log_artifacts`` to a local file store (a copy, no server), ``download_artifacts``.

Each wandb peer gets a fresh server of its own, as Cairn's SDK does (so none finds the folder's
bytes already stored), and counts only if that server then holds the artifact: its versions, each
with every file and byte (``bytes stored`` is what its blob store grew by). Without
``--peers-python``, or when a peer does not import there, the peer is skipped with a note.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PER_FOLDER = 100


def make_folder(root: Path, mb: int, files: int) -> int:
    """``files`` files of random bytes, ``mb`` MiB in all, under ``root``; the bytes written."""
    size = max(1, mb * 2**20 // files)
    for i in range(files):
        folder = root / f"part-{i // PER_FOLDER:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{i:06d}.bin").write_bytes(os.urandom(size))
    return size * files


def _tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# -- Cairn ---------------------------------------------------------------------------------------


def _blob_puts(base_url: str) -> float:
    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{base_url}/metrics", timeout=60).text
    routes = {
        ("PUT", "/api/v1/blobs/{sha256}"),
        ("POST", "/api/v1/blobs/batch"),
        ("PUT", "/api/v1/uploads/{upload_id}/parts/{number}"),
    }
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "cairn_http_requests_total"
        and (s.labels.get("method"), s.labels.get("route")) in routes
    )


def bench_cairn(data: Path, work: Path) -> dict[str, float]:
    """The four Cairn figures against a fresh loopback server."""
    sys.path.insert(0, str(ROOT))
    from tests.serverproc import start_server

    server = start_server(work / "server")
    os.environ["CAIRN_BASE_URL"] = server.base_url
    os.environ["CAIRN_CACHE_DIR"] = str(work / "cache")
    os.environ["CAIRN_SILENT"] = "true"
    os.chdir(work)
    import cairn

    blobs = server.data_dir / "blobs"
    out: dict[str, float] = {}
    try:
        settings = {"capture_system": False, "capture_console": False}
        for label in ("log", "relog"):
            puts, stored = _blob_puts(server.base_url), _tree_bytes(blobs)
            run = cairn.init(project="bench", settings=settings)
            t0 = time.perf_counter()
            art = run.log_artifact(data, name="ds", type="dataset").wait(timeout=3600)
            out[f"{label}_s"] = time.perf_counter() - t0
            run.finish()
            out[f"{label}_puts"] = _blob_puts(server.base_url) - puts
            out[f"{label}_bytes"] = _tree_bytes(blobs) - stored
            out[f"{label}_version"] = int(str(art.version).lstrip("v"))
        # another cache for the downloads: logging kept the files in the first one, as a
        # download on the machine that logged them would find them
        os.environ["CAIRN_CACHE_DIR"] = str(work / "download-cache")
        for label in ("cold", "cached"):
            run = cairn.init(project="bench", settings=settings)
            t0 = time.perf_counter()
            used = run.use_artifact("ds:latest")
            used.download(work / f"download-{label}")
            out[f"{label}_s"] = time.perf_counter() - t0
            run.finish()
    finally:
        server.stop()
    return out


# -- peers (run in the peers' interpreter: no cairn imports) -------------------------------------

ENTITY = PROJECT = "bench"


def _wandb_init(wandb: Any) -> Any:
    """A run with system metrics and console capture off, as Cairn's runs here."""
    settings = wandb.Settings(x_disable_stats=True, console="off")
    return wandb.init(entity=ENTITY, project=PROJECT, settings=settings)


def _wandb_artifact(wandb: Any, data: Path) -> Any:
    art = wandb.Artifact("ds", "dataset")
    art.add_dir(str(data))
    return art


def peer_wandb(data: Path, work: Path, blobs: Path) -> dict[str, float]:
    """wandb offline, then ``wandb sync`` to the server in ``WANDB_BASE_URL``: the folder, then
    again unchanged; offline from after init() until finish() returns, the sync as a whole."""
    os.environ["WANDB_MODE"] = "offline"
    os.chdir(work)
    import wandb

    cli = Path(sys.executable).with_name("wandb")
    out: dict[str, float] = {}
    for label in ("log", "relog"):
        stored = _tree_bytes(blobs)
        run = _wandb_init(wandb)
        t0 = time.perf_counter()
        run.log_artifact(_wandb_artifact(wandb, data))
        run.finish()
        out[f"{label}_offline_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        sync = subprocess.run(
            [cli, "sync", "--entity", ENTITY, str(Path(run.dir).parent)],
            capture_output=True,
            text=True,
            env={k: v for k, v in os.environ.items() if k != "WANDB_MODE"},
        )
        out[f"{label}_sync_s"] = time.perf_counter() - t0
        if sync.returncode != 0:
            said = (sync.stdout + sync.stderr).strip().splitlines()[-1:]
            raise SystemExit(f"wandb sync exited with {sync.returncode}: {said}")
        out[f"{label}_s"] = out[f"{label}_offline_s"] + out[f"{label}_sync_s"]
        out[f"{label}_bytes"] = _tree_bytes(blobs) - stored
    return out


def peer_wandb_online(data: Path, work: Path, blobs: Path) -> dict[str, float]:
    """wandb online to the server in ``WANDB_BASE_URL``: the folder, then again unchanged, from
    after init() until the artifact's wait() returns; then the downloads, cold and cached."""
    os.environ["WANDB_MODE"] = "online"
    os.chdir(work)
    import wandb

    out: dict[str, float] = {}
    for label in ("log", "relog"):
        stored = _tree_bytes(blobs)
        run = _wandb_init(wandb)
        t0 = time.perf_counter()
        art = _wandb_artifact(wandb, data)
        run.log_artifact(art)
        art.wait()
        out[f"{label}_s"] = time.perf_counter() - t0
        run.finish()
        out[f"{label}_bytes"] = _tree_bytes(blobs) - stored
    # another cache, as for Cairn: logging kept the files in the first one
    os.environ["WANDB_CACHE_DIR"] = str(work / "download-cache")
    for label in ("cold", "cached"):
        run = _wandb_init(wandb)
        t0 = time.perf_counter()
        root = run.use_artifact("ds:latest").download(root=str(work / f"download-{label}"))
        out[f"{label}_s"] = time.perf_counter() - t0
        run.finish()
        out[f"{label}_files"] = sum(1 for p in Path(root).rglob("*") if p.is_file())
    return out


def peer_mlflow(data: Path, work: Path, blobs: Path | None = None) -> dict[str, float]:
    """MLflow: ``log_artifacts`` to a local file store (a copy), twice; ``download_artifacts``."""
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    import mlflow

    mlflow.set_tracking_uri((work / "mlruns").as_uri())
    out: dict[str, float] = {}
    run_id = ""
    for label in ("log", "relog"):
        t0 = time.perf_counter()
        with mlflow.start_run() as run:
            mlflow.log_artifacts(str(data), "ds")
        out[f"{label}_s"] = time.perf_counter() - t0
        run_id = run.info.run_id
    t0 = time.perf_counter()
    mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path="ds", dst_path=str(work / "download")
    )
    out["cold_s"] = time.perf_counter() - t0
    return out


PEERS = {"wandb": peer_wandb, "wandb-online": peer_wandb_online, "mlflow": peer_mlflow}
LABELS = {"wandb": "wandb offline + sync", "wandb-online": "wandb online", "mlflow": "MLflow"}


def run_peer(
    python: str,
    name: str,
    data: Path,
    folder: Path,
    env: dict[str, str] | None = None,
    blobs: Path | None = None,
) -> dict[str, float] | str:
    """The peer's figures from ``python``, or why there are none."""
    module = name.split("-")[0]
    probe = subprocess.run([python, "-c", f"import {module}"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"skipped: {module} does not import in {python}"
    folder.mkdir(parents=True, exist_ok=True)
    args = [python, __file__, "--peer", name, "--data", str(data), "--work", str(folder)]
    if blobs is not None:
        args += ["--blobs", str(blobs)]
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        return f"failed: {done.stderr.strip().splitlines()[-1:]}"
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def bench_wandb(
    python: str, name: str, data: Path, work: Path, files: int, size: int
) -> dict[str, float] | str:
    """A wandb peer against a fresh loopback Cairn server, and whether the server then holds
    what it logged: every version with all ``files`` files and ``size`` bytes."""
    import httpx

    from tests.compat.wandb_client import wandb_env
    from tests.serverproc import start_server

    folder = work / f"peer-{name}"
    server = start_server(work / f"server-{name}")
    try:
        env = wandb_env(server.base_url, folder)
        figures = run_peer(python, name, data, folder, env, server.data_dir / "blobs")
        if isinstance(figures, str):
            return figures
        url = f"{server.base_url}/api/v1/artifacts/{ENTITY}/{PROJECT}/ds/versions"
        versions = httpx.get(url, timeout=60).json()["versions"]
    finally:
        server.stop()
    held = [(v["version"], v["file_count"], v["size"]) for v in versions]
    if not held or any((n, b) != (files, size) for _, n, b in held):
        return f"failed: the server holds {held or 'no version'}, not {files} files, {size} bytes"
    for label in ("cold", "cached"):
        if f"{label}_files" in figures and figures[f"{label}_files"] != files:
            return f"failed: the {label} download has {figures[f'{label}_files']} files"
    figures["relog_version"] = max(int(v[1:]) for v, _, _ in held)
    return figures


# -- report --------------------------------------------------------------------------------------


def _rate(mb: float, files: int, seconds: float | None) -> str:
    if not seconds:
        return "—"
    return f"{seconds:.1f} s ({mb / seconds:.0f} MB/s, {files / seconds:,.0f} files/s)"


def report(mb: float, files: int, results: dict[str, Any]) -> None:
    """One Markdown table, a column per tool, and the notes."""
    tools = list(results)
    rows: list[tuple[str, list[str]]] = []

    def cell(tool: str, fn: Any) -> str:
        figures = results[tool]
        return "—" if isinstance(figures, str) else fn(figures)

    rows.append(("log the folder (until the server has it)",
                 [cell(t, lambda f: _rate(mb, files, f.get("log_s")) + _parts(f, "log"))
                  for t in tools]))  # fmt: skip
    rows.append(("re-log unchanged", [cell(t, lambda f: _relog(f)) for t in tools]))
    cold = [cell(t, lambda f: _rate(mb, files, f.get("cold_s"))) for t in tools]
    rows.append(("download, cache empty", cold))
    rows.append(("download of a cached version",
                 [cell(t, lambda f: f"{f['cached_s']:.2f} s" if "cached_s" in f else "—")
                  for t in tools]))  # fmt: skip
    print(f"| {mb:.0f} MB, {files:,} files | " + " | ".join(tools) + " |")
    print("|---|" + "---:|" * len(tools))
    for label, cells in rows:
        print(f"| {label} | " + " | ".join(cells) + " |")
    for tool in tools:
        if isinstance(results[tool], str):
            print(f"\n{tool}: {results[tool]}")


def _parts(f: dict[str, float], label: str) -> str:
    """Offline and sync apart, where there are both."""
    if f"{label}_sync_s" not in f:
        return ""
    return f": offline {f[f'{label}_offline_s']:.1f} s + sync {f[f'{label}_sync_s']:.1f} s"


def _relog(f: dict[str, float]) -> str:
    text = f"{f['relog_s']:.1f} s" + _parts(f, "relog")
    if "relog_puts" in f:
        text += f", {f['relog_puts']:.0f} upload requests"
    if "relog_bytes" in f:
        text += f", {f['relog_bytes'] / 2**20:.0f} MB stored"
    if "relog_version" in f:
        text += f", version v{f['relog_version']:.0f}"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=1024, help="MiB in the folder (default 1024)")
    parser.add_argument("--files", type=int, default=10_000, help="files (default 10,000)")
    parser.add_argument("--peers-python", help="an interpreter with wandb and/or mlflow")
    parser.add_argument("--peer", choices=sorted(PEERS), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--blobs", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:  # inside the peers' interpreter
        print(json.dumps(PEERS[args.peer](args.data, args.work, args.blobs)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-artifacts-") as tmp:
        work = Path(tmp)
        data = work / "data"
        written = make_folder(data, args.mb, args.files)
        # as any folder not written this instant: a file written within 2 s of being hashed is
        # hashed again at its next log (its stat could hide a write in the same clock tick)
        time.sleep(2.5)
        mb = written / 2**20
        (work / "cairn").mkdir()
        results: dict[str, Any] = {"Cairn": bench_cairn(data, work / "cairn")}
        for name, label in LABELS.items():
            if not args.peers_python:
                results[label] = "skipped: no --peers-python given"
            elif name.startswith("wandb"):
                results[label] = bench_wandb(
                    args.peers_python, name, data, work, args.files, written
                )
            else:
                results[label] = run_peer(args.peers_python, name, data, work / f"peer-{name}")
            shutil.rmtree(work / f"peer-{name}", ignore_errors=True)
            shutil.rmtree(work / f"server-{name}", ignore_errors=True)
        report(mb, args.files, results)
        print("\nraw:", json.dumps(results))


if __name__ == "__main__":
    main()
