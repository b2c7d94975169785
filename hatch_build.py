"""Wheel build hook: build the web app with npm so the wheel serves it without Node."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class WebAppBuildHook(BuildHookInterface):  # type: ignore[misc]
    """Runs ``npm ci`` and ``npm run build`` in ui/ unless a build is already there."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        built = root / "cairn" / "server" / "webui" / "index.html"
        if not built.is_file():
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError("building the wheel needs Node.js and npm to build the web app")
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=root / "ui", check=True)
            subprocess.run([npm, "run", "build"], cwd=root / "ui", check=True)
        # ignored by git, so hatch would leave it out unless named as an artifact
        build_data["artifacts"].append("cairn/server/webui/**")
