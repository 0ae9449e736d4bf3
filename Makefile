# The reform registry. `make run` serves the demo; `make test` runs the suite
# (SQLite by default, PostgreSQL when DATABASE_URL is set).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install test-tools run serve demo test lint bench schema api-contract clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# What the suite needs beyond the virtual environment: Debian's Chromium for the browser tests.
test-tools:
	@sh scripts/ensure-chromium

# The demo served as in production (DESIGN §11): DEBUG off, the static files collected and
# served by WhiteNoise, the secret generated once into var/secret_key (untracked) unless
# SECRET_KEY is set, the site's own 404 and 500 pages. Only the demo's loading runs with DEBUG
# on, to create the demo users with the passwords it prints beside the address served.
# Django's server serves it, without reloading on code changes; the job worker runs beside it
# (scripts/run-with-worker), and Ctrl-C stops both.
run: export SECRET_KEY_FILE ?= var/secret_key
run: export ALLOWED_HOSTS ?= localhost,127.0.0.1,$(HOST)
run: install
	DEBUG=false $(PY) manage.py migrate --noinput
	DEBUG=false $(PY) manage.py collectstatic --noinput --verbosity 0
	DEBUG=true $(PY) manage.py load_demo --url http://$(HOST):$(PORT)/
	DEBUG=false scripts/run-with-worker $(PY) -- $(PY) manage.py runserver --noreload $(HOST):$(PORT)

# Production serving (docs/deploy.md): gunicorn serves reform_registry.wsgi with WORKERS
# processes; settings come from the environment (SECRET_KEY or SECRET_KEY_FILE, DATABASE_URL,
# ALLOWED_HOSTS, HTTPS=true behind a TLS proxy). Migrate and collect the static files first.
# The job worker (manage.py run_worker) is started beside it; Ctrl-C or SIGTERM stops both.
WORKERS ?= 4
serve: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	scripts/run-with-worker $(PY) -- $(VENV)/bin/gunicorn reform_registry.wsgi:application \
		--bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile -

demo: install
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py load_demo

test: install test-tools
	SECRET_KEY=$${SECRET_KEY:-test-only-secret-key} $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	SECRET_KEY=$${SECRET_KEY:-lint-only-secret-key} $(VENV)/bin/mypy

schema: install
	SECRET_KEY=$${SECRET_KEY:-schema-only-secret-key} $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

# The served demo keeps its OpenAPI schema: schemathesis with every check (scripts/api-contract).
api-contract: install
	scripts/api-contract

bench: install
	SECRET_KEY=$${SECRET_KEY:-bench-only-secret-key} $(PY) -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache .mypy_cache .hypothesis
