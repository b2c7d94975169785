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
/tmp/peers/bin/pip install wandb==0.31.0 mlflow-skinny``) the same folder goes through wandb
(offline: ``log_artifact`` + ``finish``; ``wandb sync`` needs a W&B server, which this machine
has not, so it is left out) and MLflow (``log_artifacts`` to a local file store, and
``download_artifacts``), each in that interpreter (this file, ``--peer NAME``). Without it, or
when a peer does not import there, the peer is skipped with a note.
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


def peer_wandb(data: Path, work: Path) -> dict[str, float]:
    """wandb offline: log the folder as an artifact, then again unchanged; from after init()
    until finish() returns (the artifact written into the offline run)."""
    os.environ.update(WANDB_MODE="offline", WANDB_SILENT="true", WANDB_DIR=str(work))
    os.chdir(work)
    import wandb

    out: dict[str, float] = {}
    for label in ("log", "relog"):
        run = wandb.init(project="bench")
        t0 = time.perf_counter()
        art = wandb.Artifact("ds", "dataset")
        art.add_dir(str(data))
        run.log_artifact(art)
        run.finish()
        out[f"{label}_s"] = time.perf_counter() - t0
    return out


def peer_mlflow(data: Path, work: Path) -> dict[str, float]:
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


PEERS = {"wandb": peer_wandb, "mlflow": peer_mlflow}


def run_peer(python: str, name: str, data: Path, work: Path) -> dict[str, float] | str:
    """The peer's figures from ``python``, or why there are none."""
    probe = subprocess.run([python, "-c", f"import {name}"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"skipped: {name} does not import in {python}"
    folder = work / f"peer-{name}"
    folder.mkdir()
    done = subprocess.run(
        [python, __file__, "--peer", name, "--data", str(data), "--work", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return f"failed: {done.stderr.strip().splitlines()[-1:]}"
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
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
                 [cell(t, lambda f: _rate(mb, files, f.get("log_s"))) for t in tools]))  # fmt: skip
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


def _relog(f: dict[str, float]) -> str:
    text = f"{f['relog_s']:.1f} s"
    if "relog_puts" in f:
        stored = f["relog_bytes"] / 2**20
        text += (f", {f['relog_puts']:.0f} upload requests, {stored:.0f} MB stored, "
                 f"version v{f['relog_version']:.0f}")  # fmt: skip
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=1024, help="MiB in the folder (default 1024)")
    parser.add_argument("--files", type=int, default=10_000, help="files (default 10,000)")
    parser.add_argument("--peers-python", help="an interpreter with wandb and/or mlflow")
    parser.add_argument("--peer", choices=sorted(PEERS), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:  # inside the peers' interpreter
        print(json.dumps(PEERS[args.peer](args.data, args.work)))
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
        for name in PEERS:
            if args.peers_python:
                results[name] = run_peer(args.peers_python, name, data, work)
            else:
                results[name] = "skipped: no --peers-python given"
            shutil.rmtree(work / f"peer-{name}", ignore_errors=True)
        report(mb, args.files, results)
        print("\nraw:", json.dumps(results))


if __name__ == "__main__":
    main()
