# Two commands for a fresh clone (see README):  make run   and   make test
# Both build their own virtual environment in .venv from pyproject.toml.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
ADDR ?= 127.0.0.1:8000
PYTEST_ARGS ?=
CONTRACT_SECONDS ?= 120
# manage.py defaults to the production settings; local runs and checks name the dev settings.
MANAGE := DJANGO_SETTINGS_MODULE=badges_project.settings.dev $(BIN)/python manage.py

# PostgreSQL pass: DATABASE_URL when set, else the local server when it answers.
PG_URL ?= postgres://postgres@127.0.0.1:5432/badges
answers = $(BIN)/python -c "import socket,sys; socket.create_connection(('127.0.0.1', $(1)), 1)" 2>/dev/null

STACK_BROKER ?= redis://127.0.0.1:6379/0
# make stack: creates the database DATABASE_URL names when the server has none of that name.
define CREATE_DATABASE
import os, psycopg
from urllib.parse import urlsplit
url = urlsplit(os.environ["DATABASE_URL"])
name = url.path.lstrip("/")
with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as server:
    if not server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        server.execute(f'CREATE DATABASE "{name}"')
endef
export CREATE_DATABASE

.PHONY: install run stack test test-sqlite test-postgres lint check contract bench bench-jobs bench-events bench-imports bench-seed bench-images bench-universe screenshots clean mutants

$(STAMP): pyproject.toml
	$(PYTHON) -c "import sys; assert sys.version_info >= (3, 11), 'Python 3.11+ is needed'"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## Serve the app on SQLite with demo data; prints a login.
run: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo_data
	@echo "Open http://$(ADDR)/badges/ui/  (admin at /admin/, API at /api/v1/, docs at /api/docs/)"
	$(MANAGE) runserver $(ADDR)

## The deployed shape on this machine, run by honcho (badges_project/Procfile): gunicorn on ADDR,
## one Celery worker and one beat, on PostgreSQL (DATABASE_URL, else PG_URL; created when missing,
## then migrated) and Redis (CELERY_BROKER_URL, else STACK_BROKER), with the dev settings and
## debug off. Ctrl-C stops all three.
stack: $(STAMP)
	@export DATABASE_URL="$${DATABASE_URL:-$(PG_URL)}" \
		CELERY_BROKER_URL="$${CELERY_BROKER_URL:-$(STACK_BROKER)}" \
		DJANGO_SETTINGS_MODULE=badges_project.settings.dev DJANGO_DEBUG=false \
		GUNICORN_BIND="$(ADDR)" BEAT_SCHEDULE="$$(mktemp -d)/celerybeat-schedule" \
		PATH="$(abspath $(BIN)):$$PATH"; \
	python -c "$$CREATE_DATABASE" && \
	python manage.py migrate --noinput && \
	python manage.py collectstatic --noinput --verbosity 0 && \
	echo "API at http://$(ADDR)/api/v1/, admin at /admin/; Ctrl-C stops the stack" && \
	exec honcho -f badges_project/Procfile -d . start

## Every test that can run here: SQLite always, PostgreSQL when it is configured or answers.
test: test-sqlite test-postgres

test-sqlite: $(STAMP)
	env -u DATABASE_URL $(BIN)/pytest -n auto $(PYTEST_ARGS)

test-postgres: $(STAMP)
	@if [ -n "$$DATABASE_URL" ]; then url="$$DATABASE_URL"; \
	elif $(call answers,5432); then url="$(PG_URL)"; \
	else echo "PostgreSQL pass skipped: no DATABASE_URL and nothing answers on 127.0.0.1:5432"; exit 0; fi; \
	if [ -z "$$CELERY_BROKER_URL" ] && $(call answers,6379); then \
		export CELERY_BROKER_URL=redis://127.0.0.1:6379/15; fi; \
	echo "PostgreSQL pass on $$url"; \
	DATABASE_URL="$$url" $(BIN)/pytest -n auto $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

## Checks a deploy needs: migrations in step, OpenAPI schema clean, production settings hardened.
check: $(STAMP)
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) spectacular --validate --fail-on-warn --file /dev/null
	DJANGO_SETTINGS_MODULE=badges_project.settings.production \
	DJANGO_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	DJANGO_ALLOWED_HOSTS=badges.example.com \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

## The API against its OpenAPI schema: schemathesis, every check and phase, on a live server on
## PostgreSQL, for CONTRACT_SECONDS (120; 900 gives 20,000 cases and more here).
contract: $(STAMP)
	CONTRACT_SECONDS=$(CONTRACT_SECONDS) tests/contract/run

## The README's screenshots (docs/screenshots/), taken by the browser tests in Debian's Chromium.
screenshots: $(STAMP)
	env -u DATABASE_URL WRITE_SCREENSHOTS=1 BROWSER_REQUIRED=1 $(BIN)/pytest tests/browser -p no:xdist -q

## Mutation testing of the rule modules with mutmut, one child at a time (slow, not in make test;
## see docs/testing.md). Results stay in mutants/; MUTANTS narrows the run to a name glob.
mutants: $(STAMP)
	env -u DATABASE_URL $(BIN)/mutmut run --max-children 1 $(MUTANTS)
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles mutants

## PostgreSQL at scale for the bench: 10,000 badges, 1,000,000 customers, 5,000,000 issuances.
bench-seed: $(STAMP)
	$(BIN)/python bench/seed_scale.py

## The issue path and the reads at scale, each next to a baseline from the same run (prints
## the table of docs/performance.md; needs make bench-seed once).
bench: $(STAMP)
	$(BIN)/python bench/scale.py $(BENCH_ARGS)

## The jobs (#11): the issued-count sync after 100,000 new issuances on the scale database
## (rolled back), deliveries per second to a local receiver, and commit to first attempt with
## a Celery worker running, each next to a baseline from the same run (needs make bench-seed
## once, and Redis; BENCH_ARGS="--quick" for a smoke run).
bench-jobs: $(STAMP)
	$(BIN)/python bench/jobs.py $(BENCH_ARGS)

## The events (#15): POST events/ (store and enqueue) next to POST badges/{id}/issue/, and events
## processed per second end to end by a real Celery worker next to issue calls, in the same run
## (a database of its own, made and dropped; Redis; BENCH_ARGS="--quick" for a smoke run).
bench-events: $(STAMP)
	$(BIN)/python bench/events.py $(BENCH_ARGS)

## The imports (#16): 1,000,000 customers' earned badges from a generated CSV by
## import_customer_badges, next to a raw COPY of the same file, then the same file again, and
## the import's peak memory growth (a database of its own, made and dropped; BENCH_ARGS="--rows
## 100000" for a shorter run).
bench-imports: $(STAMP)
	$(BIN)/python bench/imports.py $(BENCH_ARGS)

## The image checks on hostile files: time and peak memory of each refusal, next to ordinary
## icons (issue #12's budget: 200 ms, 50 MB; no database needed).
bench-images: $(STAMP)
	$(BIN)/python bench/image_checks.py $(BENCH_ARGS)

## The Badge Universe's pages next to the API list's same reads, and its first load's static
## payload (issue #13's budget: p95 150 ms, 100 KB gzipped; needs make bench-seed once).
bench-universe: $(STAMP)
	$(BIN)/python bench/universe.py $(BENCH_ARGS)
