"""What every W&B resolver gets: the server, the caller, and the address the client used."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from fastapi import FastAPI
from graphql import GraphQLResolveInfo

from cairn.server.auth.principal import Principal
from cairn.server.compat.wandb.engine import Engine
from cairn.server.context import ServerContext


@dataclass(frozen=True, slots=True)
class GraphQLContext:
    """One request's context: ``base_url`` is where the client reached this server (the
    capability URLs it is handed point there)."""

    ctx: ServerContext
    who: Principal
    base_url: str


Info: TypeAlias = "GraphQLResolveInfo[GraphQLContext]"
"""What a resolver's ``info`` is here."""


def context_of(info: Info) -> GraphQLContext:
    """The request's context, typed."""
    context: GraphQLContext = info.context
    return context


def engine_of(app: FastAPI) -> Engine:
    """The app's engine, built on first use (the schema is parsed once per process)."""
    engine: Engine | None = getattr(app.state, "wandb_engine", None)
    if engine is None:
        engine = app.state.wandb_engine = Engine()
    return engine
