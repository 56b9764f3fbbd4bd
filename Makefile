# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1:8000
# Test processes: one per core (pytest-xdist); TEST_WORKERS=0 runs in this process.
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 1)
PYTEST := $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)
# Local development only: debug on, throwaway key. Production sets its own.
DEV_ENV := DJANGO_DEBUG=true

.PHONY: run install install-dev system-packages migrate seed serve worker test test-fast test-e2e \
        lint format typecheck messages check-deploy bench bench-insight load ci clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -e '.[dev]'
	touch $@

## system-packages: Pango and a CJK font for the letters' PDFs (Debian; only if missing)
system-packages:
	bash .ci/system-packages

install: system-packages $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(DEV_ENV) $(MANAGE) migrate --noinput

seed: migrate
	$(DEV_ENV) $(MANAGE) seed_demo

# The task worker (large imports) runs beside the server and stops with it.
serve:
	$(DEV_ENV) $(MANAGE) db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(MANAGE) runserver $(HOST)

## worker: the background-task worker alone (django-tasks, queue in the database)
worker: install
	$(DEV_ENV) $(MANAGE) db_worker

## run: install, migrate, load the demo insurer and serve on SQLite
run: seed serve

## test: the whole suite (browser tests included when /usr/bin/chromium exists)
test: install-dev system-packages
	$(PYTEST)

test-fast: install-dev
	$(PYTEST) --ignore=tests/e2e

test-e2e: install-dev
	$(PYTEST) tests/e2e

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install-dev
	$(DEV_ENV) $(VENV)/bin/mypy organisations complaints reporting intake insight sampledata config

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## messages: refresh the zh_Hans catalogue after changing user-facing text
messages: install
	$(DEV_ENV) $(MANAGE) makemessages -l zh_Hans --no-location --ignore '.venv/*' --ignore 'tests/*'
	$(DEV_ENV) $(MANAGE) compilemessages -l zh_Hans

check-deploy: install
	DJANGO_SECRET_KEY="$$(python3 -c 'import secrets;print(secrets.token_urlsafe(64))')" \
	DJANGO_ALLOWED_HOSTS=complaints.example.com \
	$(MANAGE) check --deploy --fail-level WARNING

## load: 50 handlers for 2 minutes on gunicorn + PostgreSQL (DATABASE_URL's server);
## e.g. make load LOAD_ARGS="--restart-db-at 60 --scratch-cluster"
load: install-dev
	$(PY) tests/bench/load/run_load.py $(LOAD_ARGS)

## bench: a million complaints on PostgreSQL, every page measured -> BENCHMARKS.md
bench: install-dev
	$(PY) tests/bench/run.py $(BENCH_ARGS)

## bench-insight: plant the insight signals in the bench database (after make bench),
## time each feature and judge it against the planted truth -> BENCHMARKS.md;
## e.g. make bench-insight INSIGHT_ARGS="--database complaints_bench --only surge,rings"
bench-insight: install-dev
	$(PY) tests/bench/insight.py $(INSIGHT_ARGS)

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) staticfiles test-results .pytest_cache .ruff_cache .mypy_cache
