"""Saving files with a run: ``run.save(glob, policy)`` and ``run.log_code()``."""

from __future__ import annotations

import glob as globbing
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from cairn.errors import InvalidInputError
from cairn.wire import check_file_path
from cairn.wire.records import Record, file_record

POLICIES = ("now", "end", "live")
_SKIP_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", "cairn", "wandb"})


def copy_into_run(run_dir: Path, name: str, source: Path) -> Record:
    """Copy ``source`` to the run's files as ``name``; returns its file record."""
    check_file_path(name)
    target = run_dir / "files" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
    return file_record(name, digest.hexdigest(), size)


def expand(pattern: str, base_path: str | Path | None) -> list[tuple[str, Path]]:
    """(name in the run, file) for each file the glob matches; names relative to ``base_path``."""
    if not pattern:
        raise InvalidInputError("save() needs a file name or glob")
    matches = [Path(p) for p in globbing.glob(pattern, recursive=True) if Path(p).is_file()]
    base = Path(base_path) if base_path is not None else _static_prefix(pattern)
    out = []
    for match in matches:
        try:
            name = match.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            name = match.name
        out.append((name, match))
    return out


def _static_prefix(pattern: str) -> Path:
    parts = Path(pattern).parts
    static = []
    for part in parts[:-1]:
        if any(c in part for c in "*?["):
            break
        static.append(part)
    return Path(*static) if static else Path(".")


def code_files(root: Path, include: Callable[[str], bool]) -> list[tuple[str, Path]]:
    """Source files under ``root`` (skipping VCS, virtualenvs and run directories)."""
    out = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for file in sorted(files):
            path = Path(folder) / file
            if include(str(path)):
                out.append((f"code/{path.relative_to(root).as_posix()}", path))
    return out


def default_include(path: str) -> bool:
    """``log_code``'s default: Python files."""
    return path.endswith(".py")


def snapshot(path: Path) -> tuple[float, int]:
    """What tells a file changed: mtime and size."""
    stat = path.stat()
    return stat.st_mtime, stat.st_size
