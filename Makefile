# Tokenledger. Two commands: `make run` serves the site with its sample data, `make test` runs every test.
# Each target works from a clean clone: it creates .venv and installs the project into it first.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
CHROMIUM := /usr/lib/chromium/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends
BENCHMARKS := $(wildcard bench/*.py)
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run serve test lint format bench clean chromium plotly-js

help:
	@echo "make run      migrate, load the sample data, ensure an admin; serve web + worker + beat on :8000"
	@echo "make serve    production on this machine: collectstatic, migrate; gunicorn + worker + beat (Procfile)"
	@echo "make test     the whole test suite, browser tests included (SQLite unless DATABASE_URL is set)"
	@echo "make lint     ruff check and ruff format --check"
	@echo "make format   sort imports and format the code"
	@echo "make bench    run every bench/*.py"
	@echo "make plotly-js  refresh static/vendor/plotly-basic.min.js from npm (the plotly.js the plotly package targets) and its plotly.css"
	@echo "make clean    DELETE var/ (the local database, admin credentials, dev key) and .venv"

# The virtualenv: reinstalled only when pyproject.toml is newer than this stamp.
$(INSTALLED): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { echo "On Debian: apt-get install python3-venv"; exit 1; }
	@test -x $(VENV)/bin/uv || { $(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip; \
		$(PY) -m pip install --quiet uv; }
	$(VENV)/bin/uv pip install --quiet -p $(PY) -e '.[dev]'
	@touch $@

# Everything `make run` starts runs with DEBUG=1 and the virtualenv first on PATH (Procfile.dev relies on it);
# DEMO_PROBES=1 (the default here; DEMO_PROBES=0 turns it off) probes the profiled models against the fake provider.
run: export DEBUG := 1
run: export DEMO_PROBES ?= 1
run: export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
run: $(INSTALLED)
	@mkdir -p var/run
	python manage.py prepare_site  # migrate, load_sample_data, ensure_admin
	@echo "Serving http://127.0.0.1:8000 with a Celery worker and beat; Ctrl-C stops all three."
	honcho -f Procfile.dev start

# Production on this machine (README: Deploying): DEBUG off, static files collected (without them every page is a
# 500), migrations applied, then the Procfile's web (gunicorn), worker and beat; its `release:` is the migrate here.
# It refuses to start without SECRET_KEY and ALLOWED_HOSTS, and without DATABASE_URL and REDIS_URL unless
# EMBEDDED=1 (SQLite and the filesystem broker in var/: a trial on one machine). No sample data is loaded.
serve: export DEBUG := 0
serve: export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
serve: $(INSTALLED)
	@fail() { echo "make serve: $$*" >&2; exit 1; }; \
	test -n "$$SECRET_KEY" || fail "SECRET_KEY is not set; make one with:" \
		"python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"; \
	test -n "$$ALLOWED_HOSTS" || fail "ALLOWED_HOSTS is not set (e.g. example.com): every page would answer 400"; \
	if [ -z "$$DATABASE_URL" ] || [ -z "$$REDIS_URL" ]; then \
		test "$(EMBEDDED)" = 1 || fail "DATABASE_URL and REDIS_URL must both be set (production runs on" \
			"PostgreSQL and Redis); EMBEDDED=1 runs on SQLite and the filesystem broker in var/, one machine only"; \
		echo "make serve: EMBEDDED=1: what DATABASE_URL or REDIS_URL does not name is embedded (var/)"; \
	fi; \
	case "$${SECURE_SSL_REDIRECT:-1}" in 0|false|no|off) ;; *) test -n "$$TRUSTED_PROXY_HEADER" || echo "make serve:" \
		"plain HTTP is redirected to https:// (SECURE_SSL_REDIRECT); behind a TLS proxy set TRUSTED_PROXY_HEADER";; esac
	python manage.py collectstatic --noinput --verbosity 0
	python manage.py migrate --noinput
	honcho -f Procfile start web worker beat

test: $(INSTALLED) chromium
	$(PY) -m pytest $(PYTEST_ARGS)

# Debian's chromium for the browser tests (never `playwright install`); refresh the package lists only if needed.
chromium:
	@test -x $(CHROMIUM) || $(APT_INSTALL) chromium \
		|| { $(SUDO) apt-get update && $(APT_INSTALL) chromium; }

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALLED)
	$(VENV)/bin/ruff check --select I --fix .
	$(VENV)/bin/ruff format .

bench: $(INSTALLED)
ifeq ($(BENCHMARKS),)
	@echo "No benchmarks yet: add them as bench/*.py (see bench/README.md)."
else
	@for script in $(BENCHMARKS); do echo "== $$script"; PYTHONPATH=$(CURDIR) $(PY) $$script || exit 1; done
endif

# plotly.js's official basic bundle (scatter, bar, pie), committed in static/vendor/ so that a clone needs no npm:
# this refreshes it from the npm registry at the plotly.js version the installed plotly package writes figures for.
plotly-js: $(INSTALLED)
	@version=$$($(PY) -c "from plotly.offline import get_plotlyjs_version as v; print(v())") && \
	tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent plotly.js-basic-dist-min@$$version >/dev/null && \
	tar xzf plotly.js-basic-dist-min-$$version.tgz && \
	cp package/plotly-basic.min.js $(CURDIR)/static/vendor/plotly-basic.min.js && \
	cp package/LICENSE $(CURDIR)/static/vendor/plotly-basic.LICENSE && rm -rf $$tmp && \
	echo "static/vendor/plotly-basic.min.js is now plotly.js-basic-dist-min $$version" && \
	cd $(CURDIR) && $(PY) -m tokenledger.plotly_css

# Deletes the local data: the SQLite database, uploaded media, the admin credentials and the dev SECRET_KEY.
clean:
	rm -rf var $(VENV)
