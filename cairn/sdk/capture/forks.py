"""After ``fork()``, telling the objects that own capture threads: the child has none of them."""

from __future__ import annotations

import os
import weakref
from typing import Protocol


class ForkAware(Protocol):
    """Something that must put itself right in a forked child."""

    def after_fork_in_child(self) -> None:
        """Called in the child, right after the fork."""


_OWNERS: weakref.WeakSet[ForkAware] = weakref.WeakSet()


def on_fork(owner: ForkAware) -> None:
    """Call ``owner.after_fork_in_child()`` in every child forked while ``owner`` lives."""
    _OWNERS.add(owner)


def _in_child() -> None:
    for owner in list(_OWNERS):
        owner.after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_in_child)
