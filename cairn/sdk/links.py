"""The web address of a server as its people reach it (``--public-url``), remembered per server.

A run on a cluster node talks to ``http://10.0.0.5:8080`` but a colleague opens
``https://cairn.example.org``: the server says the second in every ingest answer and in
``/api/health``; the SDK keeps it in a small file so the next ``init()`` prints the right link
at once, without waiting for the network.
"""

from __future__ import annotations

import json
import os

from cairn.sdk.login import credentials_path


def _servers_file() -> str:
    return os.path.join(os.path.dirname(credentials_path()), "servers.json")


def _read() -> dict[str, str]:
    try:
        with open(_servers_file(), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def known_public_url(base_url: str) -> str | None:
    """The public address last heard from the server at ``base_url``, if any."""
    return _read().get(base_url.rstrip("/"))


def remember_public_url(base_url: str, public_url: str | None) -> None:
    """Keep (or forget, with None) the server's public address; best effort, atomic."""
    known = _read()
    key = base_url.rstrip("/")
    if known.get(key) == public_url:
        return
    if public_url is None:
        known.pop(key, None)
    else:
        known[key] = public_url.rstrip("/")
    import tempfile  # only when the address changes: not on the init() path

    path = _servers_file()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".servers-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(known, f, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        pass  # a convenience: the link falls back to the address the SDK uses
