# Two commands for a newcomer: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
DEV_ENV := DEBUG=1 LOG_FORMAT=console PUBLIC_BASE_URL=http://127.0.0.1:$(PORT)

.PHONY: run serve test check install browser stack-tools bench soak lint schema client clean

$(STAMP): pyproject.toml clients/python/setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]" -e clients/python
	touch $(STAMP)

install: $(STAMP)

run: install
	@$(PY) -c "import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); \
		s.bind(('127.0.0.1', $(PORT)))" 2>/dev/null || { \
		echo "Port $(PORT) is taken on 127.0.0.1; choose another: make run PORT=8001" >&2; exit 1; }
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(DEV_ENV) $(PY) manage.py seed_demo
	@# One webhook worker beside the server (local receivers allowed), stopped with it.
	$(DEV_ENV) WEBHOOK_ALLOW_PRIVATE_TARGETS=1 $(PY) manage.py deliver_webhooks > /dev/null & worker=$$!; \
		trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
		$(DEV_ENV) WEBHOOK_ALLOW_PRIVATE_TARGETS=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production: gunicorn (gunicorn.conf.py) with the production settings (DEBUG off unless the
# environment says otherwise; SECRET_KEY and API_KEY_PEPPER required). It checks the settings, the
# database and the migrations first, and collects static files with hashed names.
SERVE_ENV := DEBUG=$${DEBUG:-0} STATIC_MANIFEST=1
serve: install
	@$(SERVE_ENV) $(PY) -m config.preflight
	@$(SERVE_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(SERVE_ENV) PORT=$(PORT) exec $(VENV)/bin/gunicorn -c gunicorn.conf.py config.wsgi

# Debian's chromium for the admin's browser tests; skipped (the tests say why) where it cannot be installed.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
		echo "chromium could not be installed: browser tests will be skipped"; }

# Debian's pgbouncer for tests/scaling (benchmarks/stack.py starts its own on a free port); skipped (the
# tests say why) where it cannot be installed. Debian's own pgbouncer service must not start on 6432: a
# policy-rc.d that answers 101 ("action forbidden") stands during the install when the machine has none
# (containers usually do), and the service is stopped afterwards in case a policy let it start.
stack-tools:
	@test -x /usr/sbin/pgbouncer || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && { \
		policy=/usr/sbin/policy-rc.d; own=; \
		[ -e $$policy ] || { printf '#!/bin/sh\nexit 101\n' > $$policy && chmod 755 $$policy && own=1; }; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null); \
		installed=$$?; [ -z "$$own" ] || rm -f $$policy; \
		service pgbouncer stop >/dev/null 2>&1; [ $$installed = 0 ]; } || \
		echo "pgbouncer could not be installed: the scaling tests (tests/scaling) will be skipped"; }

test: install browser stack-tools
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .

# The static checks .ci/run makes after the suite: lint, security lint (each exception justified
# where it is), migrations in step with the models, a valid schema, and known vulnerabilities of the
# dependencies (a clear skip line when the advisory service cannot be reached). ruff format is not
# among them: the code keeps its hand-made layout (aligned continuation lines), which the
# formatter would rewrite in every file.
check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/bandit -q -r config executions rbac tenants $$(test -d webhooks && echo webhooks) -ll
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	DEBUG=1 $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(PY) .ci/audit.py

schema: install
	$(PY) manage.py spectacular --validate --fail-on-warn --file var/openapi.yaml

bench: install
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	$(PY) benchmarks/run.py $(BENCH_ARGS)

# Soak (benchmarks/soak/): gunicorn with the production settings on a PostgreSQL database of its own,
# driven for SOAK_SECONDS (default 300) by simulated engines and readers, then every acknowledged
# write checked in the database. CHAOS=1 kills workers, terminates the database's connections and
# restarts a throwaway PostgreSQL cluster of its own meanwhile. Not part of `make test`.
soak: install
	CHAOS=$(CHAOS) $(PY) -m benchmarks.soak

# The Python SDK, generated from the schema the code serves; a test fails when the checked-in copy
# differs from a fresh generation.
client: install
	DEBUG=1 $(PY) manage.py spectacular --validate --fail-on-warn --file clients/openapi.yaml
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/openapi-python-client generate --path clients/openapi.yaml \
		--config clients/openapi-python-client.yaml --meta setup --output-path clients/python --overwrite \
		--fail-on-warning
	rm -rf clients/python/.ruff_cache

clean:
	rm -rf $(VENV) var
