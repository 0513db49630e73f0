# Two commands matter: `make demo` (run the app with demo data) and `make test` (the whole suite on
# PostgreSQL and Redis). Everything they need is installed by them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_HOST ?= 127.0.0.1:8000
# Links in the demo's emails point at the address it is served on, unless SITE_URL says otherwise.
SITE_URL ?= http://$(DEMO_HOST)

.PHONY: demo test security backup restore install install-test system-deps system-deps-test services lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml package-lock.json | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	npm ci --no-audit --no-fund --silent
	touch $@ $(VENV)/.installed

install: system-deps $(VENV)/.installed
install-test: system-deps-test $(VENV)/.installed-test

system-deps:
	@scripts/system-deps.sh demo

system-deps-test:
	@scripts/system-deps.sh test

# Embedded default: SQLite and Celery tasks run in the web process, unless DATABASE_URL / REDIS_URL are set.
demo: export SITE_URL := $(SITE_URL)
demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Serving AP Commission at http://$(DEMO_HOST)/ (Ctrl+C stops it)"
	$(BIN)/python manage.py runserver $(DEMO_HOST)

# The whole suite against PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), with a real Celery worker and
# headless Chromium; before it, ruff, the layering contract of pyproject.toml (lint-imports) and the
# migrations check.
test: export APP_ENV = test
test: install-test
	@$(BIN)/python scripts/check_services.py
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

# The security checks (tests/security: row-level security, sign-in, headers, uploads, the real server, the
# connection pool, faults, accessibility) and the isolation sweep, each test saying what it proved; then
# sqlmap, signed in, on every list filter, sort and search parameter of the running app on loopback
# (scripts/security_scan.py, in a throwaway database; fails on any finding).
security: export APP_ENV = test
security: install-test
	@$(BIN)/python scripts/check_services.py
	$(BIN)/pytest -s -p no:cacheprovider tests/security tests/test_isolation_sweep.py $(PYTEST_ARGS)
	$(BIN)/python scripts/security_scan.py

# A backup of the database (DATABASE_URL, as its owner) and the private files (PRIVATE_MEDIA_ROOT) into
# BACKUP_DIR; `make restore BACKUP=<folder>` puts one back into an empty database and folder (README, "Backups").
BACKUP_DIR ?= var/backups
backup:
	scripts/backup.sh $(BACKUP_DIR)

restore:
	PYTHON=$(BIN)/python scripts/restore.sh $(BACKUP)

# Speed targets on the real server stack: a large trust's year of data (seed_scale, built once into its own
# databases and reused), gunicorn with 2 workers and a Celery worker, 10 concurrent users from wrk; prints one
# table, writes docs/performance.md and fails when a target is missed. BENCH_ARGS="--rebuild" seeds afresh.
bench: export APP_ENV = test
bench: install-test
	@scripts/system-deps.sh bench
	@$(BIN)/python scripts/check_services.py
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles var db.sqlite3 test-artifacts
