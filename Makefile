# Two commands for a fresh clone: `make run` and `make test` (see README).
SHELL := /bin/sh
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test setup lint format bench chromium screenshots lock clean
N ?= 1000
SCENARIO ?= all
CONFIG ?= embedded
REPEAT ?= 1

help:
	@echo "make run    set up and serve the app on http://$(HOST):$(PORT) (embedded SQLite, no services needed)"
	@echo "make test   set up and run the whole test suite (installs Debian's chromium when missing)"
	@echo "make bench  N=1000 SCENARIO=all CONFIG=embedded|redis REPEAT=3: the load benchmark"
	@echo "make lint   ruff check + format check"
	@echo "make lock   refresh requirements.lock and requirements-dev.lock from pyproject.toml"
	@echo "make screenshots   pictures of every face of a scripted run, into docs/screenshots/"

# Every dependency at the version the lock file pins (the app itself adds none: --no-deps).
$(VENV)/.installed: requirements-dev.lock pyproject.toml
	@python=$$(scripts/find-python) || exit 1; \
	  if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	    echo "Creating $(VENV) with $$python"; rm -rf $(VENV); "$$python" -m venv $(VENV) || exit 1; \
	  fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

# The pins, worked out again from pyproject.toml for Python 3.12 and later on any platform:
# requirements.lock for a deployment, requirements-dev.lock (the same pins, plus the tests' and
# tools') for `make run` and `make test`.
LOCK := $(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.12 --quiet --upgrade
lock: $(VENV)/.installed
	$(LOCK) -o requirements.lock
	$(LOCK) --extra dev -c requirements.lock -o requirements-dev.lock

setup: $(VENV)/.installed
	$(PY) manage.py migrate --no-input
	@for deck in content/decks/*/; do $(PY) manage.py load_deck "$$deck" || exit 1; done
	$(PY) manage.py ensure_demo_facilitator

run: setup
	@echo ""
	@echo "Serving on http://$(HOST):$(PORT)/"
	@echo "  your runs:    http://$(HOST):$(PORT)/runs/"
	@echo "  join a run:   http://$(HOST):$(PORT)/join/"
	@echo "  deck preview: http://$(HOST):$(PORT)/decks/dpup-intro/"
	@echo "  admin:        http://$(HOST):$(PORT)/admin/"
	@echo ""
	$(PY) -m dpup_workshop.serve -e tcp:port=$(PORT):interface=$(HOST):backlog=1024 \
	  --websocket_connect_timeout 60 dpup_workshop.asgi:application

chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || exit 1; \
	else \
	  echo "error: the browser tests need Chromium at /usr/bin/chromium: run 'sudo apt-get install chromium'"; exit 1; \
	fi

# Browser tests run in a second pytest call: sync Playwright and pytest-asyncio clash in one.
test: $(VENV)/.installed chromium
	$(VENV)/bin/ruff check .
	node --test tests/js/
	$(VENV)/bin/pytest -m "not browser" $(PYTEST_ARGS)
	$(VENV)/bin/pytest tests/e2e -m browser -p no:asyncio -W ignore::pytest.PytestConfigWarning $(PYTEST_ARGS)

# A fresh database, a short scripted run in Chromium, and PNGs of each face (see the script).
screenshots: $(VENV)/.installed chromium
	$(PY) scripts/screenshots.py $(SCREENSHOTS_ARGS)

# A room of N simulated participants against the app, and a bare websocket floor (see README).
bench: $(VENV)/.installed
	$(PY) -m bench.run --n $(N) --scenario $(SCENARIO) --config $(CONFIG) --repeat $(REPEAT)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm
