"""ASGI entry for multi-worker uvicorn: ``uvicorn cairn.server.asgi:app`` (settings from env)."""

import logging

from cairn.server.app import create_app
from cairn.server.settings import settings_from_env

logging.captureWarnings(True)  # as in `cairn server`: warnings become log lines
app = create_app(settings_from_env())
