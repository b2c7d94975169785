"""Resolver modules; importing this package registers every one of them with the engine."""

from cairn.server.compat.wandb.resolvers import (
    artifact_reads,
    artifacts,
    history,
    public,
    sweep_agents,
    sweeps,
    tracking,
)

__all__ = ["artifact_reads", "artifacts", "history", "public", "sweep_agents", "sweeps", "tracking"]
