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

UI_SOURCES := $(shell find ui/src -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/tsconfig.json
UI_BUILD := cairn/server/webui/index.html

.PHONY: run test lint lint-ui test-ui typecheck pytest setup-server setup-dev ui chromium clean bench lock screenshots docs

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

# The web app: `npm ci` from the lock file, then a Vite build into cairn/server/webui/.
ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(UI_BUILD): ui/node_modules/.package-lock.json $(UI_SOURCES)
	cd ui && npm run --silent build -- --logLevel warn

## ui: build the web app the server serves at /
ui: $(UI_BUILD)

## chromium: Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium)
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@test -x /usr/bin/chromium || { echo "could not install chromium: run 'apt-get install chromium' as root" >&2; exit 1; }

## run: set up, start the server on $(HOST):$(PORT) with an example run, print the URL
run: setup-server ui
	$(PY) -m cairn.cli.devrun --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

## lint: ruff (lint + format) and mypy strict on cairn/, ESLint and tsc strict on ui/
lint: setup-dev lint-ui
	$(VENV)/bin/ruff check cairn tests bench examples
	$(VENV)/bin/ruff format --check cairn tests bench examples
	$(VENV)/bin/mypy

lint-ui: ui/node_modules/.package-lock.json
	cd ui && npx --no-install eslint --max-warnings 0 . && npx --no-install tsc --noEmit -p .

## test-ui: Vitest unit tests of the web app's pure parts
test-ui: ui/node_modules/.package-lock.json
	cd ui && npx --no-install vitest run

## pytest: every test suite (unit, contract on SQLite and PostgreSQL, integration, chaos, browser),
## in one process, or in PYTEST_WORKERS processes (pytest-xdist, a file per worker; see design 0019)
PYTEST_WORKERS ?= 0
pytest: setup-dev ui chromium
	$(VENV)/bin/pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadfile --durations=25; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc

## test: everything CI runs
test: lint test-ui pytest

## docs: regenerate the generated documentation (docs/environment.md)
docs: setup-dev
	$(PY) tools/gen_docs.py

## screenshots: run the browser tests and refresh the UI guide's pictures in docs/images/ui/
screenshots: setup-dev ui chromium
	CAIRN_SCREENSHOTS_DIR=docs $(VENV)/bin/pytest -q -p no:cacheprovider tests/browser

bench: setup-dev
	$(PY) bench/bench_ingest.py

lock: setup-dev
	$(PIP) install pip-tools
	. $(VENV)/bin/activate && requirements/lock.sh

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache ui/node_modules cairn/server/webui
