"""Run ids (8 lowercase base-36 characters) and friendly generated run names."""

from __future__ import annotations

import secrets

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"

_ADJECTIVES = (
    "amber", "bold", "brisk", "calm", "clever", "crisp", "dapper", "eager", "fancy", "fleet",
    "gentle", "glad", "golden", "hardy", "hidden", "jolly", "keen", "lively", "lucky", "mellow",
    "misty", "noble", "proud", "quiet", "rapid", "rosy", "rustic", "shiny", "silent", "smooth",
    "snowy", "solar", "spry", "steady", "stellar", "sunny", "swift", "tidy", "vivid", "warm",
    "wild", "wise", "young", "zesty",
)  # fmt: skip

_NOUNS = (
    "aurora", "bay", "bird", "breeze", "brook", "canyon", "cedar", "cliff", "cloud", "comet",
    "cove", "dawn", "dune", "ember", "field", "fjord", "forest", "frost", "glade", "grove",
    "harbor", "haze", "hill", "lake", "leaf", "meadow", "moon", "night", "ocean", "peak",
    "pine", "planet", "pond", "rain", "ridge", "river", "sea", "shadow", "sky", "snow",
    "spring", "star", "stone", "storm", "sun", "thunder", "tree", "valley", "wave", "wind",
)  # fmt: skip


def new_run_id() -> str:
    """A random run id: 8 lowercase base-36 characters (~41 bits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


def new_run_name() -> str:
    """A friendly display name such as ``brisk-river-42``."""
    return f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_NOUNS)}-{secrets.randbelow(1000)}"
