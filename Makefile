# Two commands matter: `make run` (set up and start the server with an example run) and
# `make test` (everything CI checks). Set-up steps are stamped so a second call reuses them.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
HOST ?= 127.0.0.1
PORT ?= 8080
DATA_DIR ?= $(HOME)/.cairn

.PHONY: run test lint typecheck pytest setup-server setup-dev clean bench lock

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.server-installed: requirements/server.lock pyproject.toml | $(PY)
	$(PIP) install -r requirements/server.lock
	$(PIP) install --no-deps -e .
	touch $@

$(VENV)/.dev-installed: requirements/dev.lock pyproject.toml | $(PY)
	$(PIP) install -r requirements/dev.lock
	$(PIP) install --no-deps -e .
	touch $@ $(VENV)/.server-installed

setup-server: $(VENV)/.server-installed
setup-dev: $(VENV)/.dev-installed

## run: set up, start the server on $(HOST):$(PORT) with an example run, print the URL
run: setup-server
	$(PY) -m cairn.cli.devrun --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

## lint: ruff (lint + format check) and mypy strict
lint: setup-dev
	$(VENV)/bin/ruff check cairn tests bench
	$(VENV)/bin/ruff format --check cairn tests bench
	$(VENV)/bin/mypy

## pytest: every test suite (unit, contract on SQLite and PostgreSQL, integration)
pytest: setup-dev
	$(VENV)/bin/pytest -q -p no:cacheprovider; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc

## test: everything CI runs
test: lint pytest

bench: setup-dev
	$(PY) bench/bench_ingest.py

lock: setup-dev
	$(PIP) install pip-tools
	. $(VENV)/bin/activate && requirements/lock.sh

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
