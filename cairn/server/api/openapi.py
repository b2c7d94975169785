"""The served OpenAPI document, made truthful: every error status a route can answer, one body.

FastAPI documents only a route's success and a 422 shaped like its own validation error. Cairn's
errors all have one shape (``{"detail", "request_id", ...}``, see ``cairn.server.errors``) and
come from a few causes that apply to routes by their shape: any request can be malformed (400,
422), any route but the open ones needs credentials off loopback (401) and a role (403), a path
that names something can name nothing (404), a body can be too large (413). Conflicts (409) and
unavailable accounts are listed per route below, where the code raises them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "what is wrong and what to do"},
        "request_id": {"type": "string", "description": "also in the X-Request-ID header"},
        "errors": {
            "type": "array",
            "description": "422: every invalid field",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                },
            },
        },
        "expected_offset": {"type": "integer", "description": "409 on ingest: resend from here"},
    },
    "additionalProperties": True,
}

ERROR_REF = {"$ref": "#/components/schemas/Error"}

DESCRIPTIONS = {
    "400": "invalid input: the detail says which and how to fix it",
    "401": "authentication required: log in or pass an API key",
    "403": "your role does not allow this",
    "404": "no such entity, project, run, key, file or blob (or not visible to you)",
    "409": "conflicts with what is stored (a name or id taken, an offset gap)",
    "413": "the body is larger than the server accepts",
    "422": "a parameter or body field does not match this schema",
}

OPEN_ROUTES = {("get", "/api/health")}
"""Routes that never ask for credentials."""

CONFLICTS = {
    ("post", "/api/v1/ingest"),
    ("put", "/api/v1/blobs/{sha256}"),
    ("post", "/api/v1/uploads/{upload_id}/complete"),
    ("patch", "/api/v1/projects/{entity}/{project}"),
    ("patch", "/api/v1/runs/{entity}/{project}/{run_id}"),
    ("post", "/api/v1/projects/{entity}/{project}/runs/bulk"),
    ("post", "/api/v1/users"),
    ("post", "/api/v1/teams"),
    ("patch", "/api/v1/users/{username}"),
    ("put", "/api/v1/teams/{team}/members/{username}"),
    ("delete", "/api/v1/teams/{team}/members/{username}"),
    ("post", "/api/v1/auth/password"),
    ("get", "/api/v1/api-keys"),
    ("post", "/api/v1/api-keys"),
    ("delete", "/api/v1/api-keys/{key_id}"),
    ("post", "/api/v1/projects/{entity}/{project}/views"),
    ("patch", "/api/v1/projects/{entity}/{project}/views/{view_id}"),
    ("post", "/api/v1/sweeps/{entity}/{project}/{sweep_id}/control"),
    ("delete", "/api/v1/artifacts/{entity}/{project}/{name}/versions/{ver}"),
    ("post", "/api/v1/registry/{entity}"),
    ("post", "/api/v1/automations/{entity}"),
}
"""Routes that answer 409: taken names, offset gaps, mismatched uploads, no accounts."""

NOT_FOUND_WITHOUT_PATH_PARAMS = {("post", "/api/v1/history"), ("post", "/api/v1/uploads")}
"""Routes whose body names things that may not exist."""


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Give every operation of ``schema`` the error statuses it can answer, in one shape."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components["Error"] = ERROR_SCHEMA
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status in _error_statuses(method, path, operation):
                operation["responses"][status] = {
                    "description": DESCRIPTIONS[status],
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
    return schema


def _error_statuses(method: str, path: str, operation: dict[str, Any]) -> list[str]:
    key = (method, path)
    if key in OPEN_ROUTES:
        return []
    statuses = ["400", "401", "403"]
    takes_input = bool(operation.get("parameters")) or "requestBody" in operation
    if takes_input:
        statuses.append("422")
    if "{" in path or key in NOT_FOUND_WITHOUT_PATH_PARAMS:
        statuses.append("404")
    if key in CONFLICTS:
        statuses.append("409")
    if "requestBody" in operation:
        statuses.append("413")
    return statuses


def install_openapi(app: FastAPI) -> None:
    """Serve the corrected document (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
