"""ASGI entry for multi-worker uvicorn: ``uvicorn cairn.server.asgi:app`` (settings from env)."""

from cairn.server.app import create_app
from cairn.server.settings import settings_from_env

app = create_app(settings_from_env())
