"""The W&B surface's GraphQL engine: the SDL in ``schema/*.graphql``, resolvers bound by name.

A resolver module registers each field it answers with :func:`query`, :func:`mutation` or
:func:`field`; :class:`Engine` builds the schema once and binds them. A document the SDL cannot
validate is an operation Cairn does not support: it is refused with the operation's name, at
once (HTTP 400, which the client does not retry), never left to time out (design 0016).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

from graphql import (
    GraphQLError,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    build_schema,
    execute,
    parse,
    validate,
)
from graphql.language import ConstValueNode
from graphql.utilities import value_from_ast_untyped

from cairn.errors import CairnError, InvalidInputError, TooBusyError
from cairn.server.jsonvalues import json_safe

log = logging.getLogger("cairn.server.wandb")

Resolver = Callable[..., Any]
_RESOLVERS: dict[tuple[str, str], Resolver] = {}
MAX_QUERY_CHARS: Final = 200_000


def field(type_name: str, field_name: str) -> Callable[[Resolver], Resolver]:
    """Register ``fn(source, info, **args)`` as the resolver of ``type_name.field_name``."""

    def register(fn: Resolver) -> Resolver:
        key = (type_name, field_name)
        if key in _RESOLVERS:
            raise RuntimeError(f"two resolvers for {type_name}.{field_name}")
        _RESOLVERS[key] = fn
        return fn

    return register


def query(field_name: str) -> Callable[[Resolver], Resolver]:
    """Register a root query field's resolver."""
    return field("Query", field_name)


def mutation(field_name: str) -> Callable[[Resolver], Resolver]:
    """Register a root mutation field's resolver."""
    return field("Mutation", field_name)


def _json_out(value: Any) -> str:
    """JSONString fields hold JSON text; a resolver may hand over the text or the value."""
    if isinstance(value, str):
        return value
    return json.dumps(json_safe(value), separators=(",", ":"))


def _json_in(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise GraphQLError(f"not a JSON string: {value[:60]!r}") from None
    return value


def _json_literal(node: ConstValueNode) -> Any:
    return _json_in(value_from_ast_untyped(node))


def _int64_in(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise GraphQLError(f"not an Int64: {value!r}") from None


def _passthrough_literal(node: ConstValueNode) -> Any:
    return value_from_ast_untyped(node)


def _int64_literal(node: ConstValueNode) -> int:
    return _int64_in(value_from_ast_untyped(node))


_Coercers = tuple[Callable[[Any], Any], Callable[[Any], Any], Callable[[ConstValueNode], Any]]
_SCALARS: Final[dict[str, _Coercers]] = {
    "JSONString": (_json_out, _json_in, _json_literal),
    "JSON": (lambda v: v, lambda v: v, _passthrough_literal),
    "Int64": (int, _int64_in, _int64_literal),
    "Duration": (int, _int64_in, _int64_literal),
    "DateTime": (str, str, _passthrough_literal),
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the HTTP layer sends: a status and the GraphQL response body."""

    status: int
    body: dict[str, Any]
    retry_after: int | None = None


def _load_sdl() -> str:
    folder = resources.files("cairn.server.compat.wandb") / "schema"
    parts = sorted(
        (entry.name, entry.read_text("utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".graphql")
    )
    return "\n".join(text for _, text in parts)


class Engine:
    """The schema with its resolvers bound; ``run`` executes one request body."""

    def __init__(self) -> None:
        from cairn.server.compat.wandb import resolvers  # noqa: F401  (registers them)

        self.schema: GraphQLSchema = build_schema(_load_sdl())
        for name, (output, input_value, input_literal) in _SCALARS.items():
            scalar = self.schema.type_map.get(name)
            if isinstance(scalar, GraphQLScalarType):
                scalar.coerce_output_value = output
                scalar.coerce_input_value = input_value
                scalar.coerce_input_literal = input_literal
        for (type_name, field_name), fn in _RESOLVERS.items():
            owner = self.schema.type_map.get(type_name)
            if not isinstance(owner, GraphQLObjectType) or field_name not in owner.fields:
                raise RuntimeError(f"resolver for {type_name}.{field_name}, not in the SDL")
            owner.fields[field_name].resolve = fn

    def run(self, body: object, context: Any) -> Outcome:
        """Execute ``{"query", "variables", "operationName"}``; errors in W&B's shape."""
        if not isinstance(body, Mapping) or not isinstance(body.get("query"), str):
            return _refused(400, "a GraphQL request is a JSON object with a 'query' string")
        text: str = body["query"]
        if len(text) > MAX_QUERY_CHARS:
            return _refused(413, f"a GraphQL document is at most {MAX_QUERY_CHARS} characters")
        variables = body.get("variables") or {}
        if not isinstance(variables, Mapping):
            return _refused(400, "'variables' must be a JSON object")
        try:
            document = parse(text)
        except GraphQLSyntaxError as exc:
            return _refused(400, f"malformed GraphQL: {exc.message}")
        name = _operation_name(document, body.get("operationName"))
        problems = validate(self.schema, document)
        if problems:
            log.info("unsupported W&B operation %s: %s", name, problems[0].message)
            return _refused(
                400,
                f"Cairn does not support the W&B operation {name!r}: {problems[0].message}",
            )
        operation = body.get("operationName")
        result = execute(
            self.schema,
            document,
            context_value=context,
            variable_values=dict(variables),
            operation_name=operation if isinstance(operation, str) and operation else None,
        )
        if not isinstance(result, Mapping) and hasattr(result, "__await__"):  # pragma: no cover
            raise RuntimeError("W&B resolvers are synchronous")
        errors = list(result.errors or [])  # type: ignore[union-attr]
        data = result.data  # type: ignore[union-attr]
        if errors:
            busy = _busy(errors)
            if busy is not None:
                return Outcome(429, _errors_body([busy.message]), retry_after=busy.retry_after)
            unexpected = [e for e in errors if not _expected(e)]
            for error in unexpected:
                log.error("W&B operation %s failed", name, exc_info=error.original_error)
            messages = [_message(e, name) for e in errors]
            return Outcome(200, {"data": data, **_errors_body(messages)})
        return Outcome(200, {"data": data})


def _operation_name(document: Any, requested: object) -> str:
    if isinstance(requested, str) and requested:
        return requested
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and definition.name:
            return definition.name.value
    return "(anonymous)"


def _expected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is None or isinstance(original, CairnError | GraphQLError)


def _busy(errors: list[GraphQLError]) -> _Busy | None:
    for error in errors:
        busy = error.original_error
        if isinstance(busy, TooBusyError):
            return _Busy(busy.message, max(1, math.ceil(busy.retry_after_s)))
    return None


@dataclass(frozen=True, slots=True)
class _Busy:
    message: str
    retry_after: int


def _message(error: GraphQLError, operation: str) -> str:
    original = error.original_error
    if isinstance(original, CairnError):
        return original.message
    if original is not None and not isinstance(original, GraphQLError):
        return f"the Cairn server failed on {operation!r}; its log has the details"
    return error.message


def _errors_body(messages: list[str]) -> dict[str, Any]:
    return {"errors": [{"message": message} for message in messages]}


def _refused(status: int, message: str) -> Outcome:
    return Outcome(status, _errors_body([message]))


def require_text(value: object, what: str) -> str:
    """``value`` as a non-empty string, or InvalidInputError naming ``what``."""
    if not isinstance(value, str) or not value:
        raise InvalidInputError(f"{what} is required")
    return value
