#!/usr/bin/env bash
# Regenerates the pinned lock files from pyproject.toml (needs pip-tools in the active venv).
set -euo pipefail
cd "$(dirname "$0")/.."
for extra in server dev; do
  pip-compile -q --extra "$extra" --no-strip-extras --no-emit-index-url --no-emit-find-links \
    --unsafe-package cairn-ml -o "requirements/$extra.lock" pyproject.toml
  # The project itself is installed editable by the Makefile, not from the lock.
  sed -i '/^cairn-ml/d; /^    # via cairn-ml$/d' "requirements/$extra.lock"
done
