"""Log small runs through the real SDK for the housekeeping tests (run as a script).

``python -m tests.browser.seed_tidy BASE_URL WORKDIR SPEC_JSON`` logs, for each entry of the
spec (``{project, name, id?, tags?, file?}``), a short finished run; ``file`` saves one small
file with the run, so the project's disk use counts a blob.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import cairn


def seed(base_url: str, workdir: Path, spec: list[dict[str, Any]]) -> None:
    """Log every run of the spec, one after the other."""
    for index, entry in enumerate(spec):
        run = cairn.init(
            project=entry["project"],
            name=entry["name"],
            id=entry.get("id"),
            tags=entry.get("tags", []),
            config={"lr": 0.01 * (index + 1), "seed": index},
            dir=str(workdir / "runs"),
            settings={"base_url": base_url, "capture_system": False, "show_progress": False},
        )
        for step in range(20):
            run.log({"train/loss": 1.0 / (step + 1 + index)})
        if entry.get("file"):
            path = workdir / f"{entry['name']}.txt"
            path.write_text(f"notes of {entry['name']}\n" * 50)
            run.save(str(path), base_path=str(workdir), policy="now")
        run.finish()


def main(argv: list[str]) -> None:
    base_url, workdir, spec_path = argv[0], Path(argv[1]), Path(argv[2])
    workdir.mkdir(parents=True, exist_ok=True)
    seed(base_url, workdir, json.loads(spec_path.read_text()))


if __name__ == "__main__":
    main(sys.argv[1:])
