"""Servers that require login, and signing in to them, for the tests that need accounts."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.serverproc import ServerProcess, start_server

ADMIN = ("root", "correct horse battery")
ADMIN_ENV = {"CAIRN_SERVER_ADMIN_USERNAME": ADMIN[0], "CAIRN_SERVER_ADMIN_PASSWORD": ADMIN[1]}


def start_auth_server(
    data_dir: Path,
    extra_args: list[str] | None = None,
    env: dict[str, str] | None = None,
    db_url: str | None = None,
) -> ServerProcess:
    """A server that requires login, with the admin ``ADMIN`` created on its first start."""
    return start_server(
        data_dir,
        db_url=db_url,
        extra_args=["--auth", "required", *(extra_args or [])],
        env={**ADMIN_ENV, **(env or {})},
    )


def login(server: ServerProcess, username: str, password: str) -> tuple[httpx.Client, str]:
    """A client with a browser session of ``username``, and its CSRF token."""
    client = httpx.Client(base_url=server.base_url, timeout=30)
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return client, response.json()["csrf_token"]


def session(server: ServerProcess, username: str, password: str) -> httpx.Client:
    """A client with a browser session of ``username`` that sends its CSRF token on every call."""
    client, csrf = login(server, username, password)
    client.headers["X-CSRF-Token"] = csrf
    return client


def create_user(admin: httpx.Client, username: str, password: str, **extra: object) -> None:
    """Create a user through the admin API (``admin`` is an admin's :func:`session`)."""
    response = admin.post(
        "/api/v1/users", json={"username": username, "password": password, **extra}
    )
    assert response.status_code == 201, response.text
