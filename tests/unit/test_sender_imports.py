"""The sender thread imports its modules lazily, often while a short script is already exiting:
nothing it imports may register an atexit hook then (concurrent.futures does, and fails), or the
run is never sent."""

from __future__ import annotations

import subprocess
import sys


def test_the_sender_chain_does_not_import_concurrent_futures() -> None:
    probe = "import sys, cairn.sdk.sender.sender; print('concurrent.futures' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
