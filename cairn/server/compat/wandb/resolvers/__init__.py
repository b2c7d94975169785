"""Resolver modules; importing this package registers every one of them with the engine."""

from cairn.server.compat.wandb.resolvers import history, public, sweep_agents, sweeps, tracking

__all__ = ["history", "public", "sweep_agents", "sweeps", "tracking"]
