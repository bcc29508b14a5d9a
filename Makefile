# BonusDesk: the commands the README names. `make demo` and `make test` are all a new
# machine needs; both create .venv with a Python 3.12+ interpreter found below.

VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
HOST   ?= 127.0.0.1
PYTEST_ARGS ?=

# Candidates in order: an explicit PYTHON=..., python3.13, python3.12, python3, then every
# pyenv-installed CPython newest first. Each candidate is *run*: pyenv shims exist for
# versions that are not selected and fail only when executed.
define FIND_PYTHON
check() { "$$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }; \
if [ -n "$(PYTHON)" ]; then check "$(PYTHON)" && { echo "$(PYTHON)"; exit 0; }; \
  echo "PYTHON=$(PYTHON) is not a working Python 3.12 or newer." >&2; exit 1; fi; \
for c in python3.13 python3.12 python3 \
  $$(ls -d "$${PYENV_ROOT:-$$HOME/.pyenv}"/versions/3.*/bin/python3 2>/dev/null | sort -rV); do \
  check "$$c" && { command -v "$$c" || echo "$$c"; exit 0; }; done; \
echo "BonusDesk needs Python 3.12 or newer and found none: install python3.12 (e.g. apt-get install python3.12 or pyenv install 3.12) or run with PYTHON=/path/to/python3.12." >&2; exit 1
endef

.PHONY: demo test lint format migrate serve worker messages bench loadtest clean help

help:
	@echo "make demo   - install, migrate SQLite, load the demo club, serve admin + member page + worker"
	@echo "make test   - install and run the whole test suite (DATABASE_URL picks PostgreSQL)"
	@echo "make lint   - ruff check and format check"
	@echo "make bench  - the benchmarks behind docs/benchmarks.md (DATABASE_URL picks PostgreSQL)"
	@echo "make loadtest - Locust against gunicorn on a seeded PostgreSQL club (DATABASE_URL required)"

$(PY):
	@py=$$($(FIND_PYTHON)) || exit 1; \
	echo "Creating $(VENV) with $$py ($$($$py --version 2>&1))"; \
	"$$py" -m venv $(VENV) && $(PY) -m pip install -q --upgrade pip

$(VENV)/.base: requirements/base.txt | $(PY)
	$(PY) -m pip install -q -r requirements/base.txt
	@touch $@

$(VENV)/.dev: requirements/dev.txt requirements/base.txt | $(PY)
	$(PY) -m pip install -q -r requirements/dev.txt
	@touch $@ $(VENV)/.base

migrate: $(VENV)/.base
	$(PY) manage.py migrate --noinput

# Links in the demo's pages and mails point at the port it serves on (SITE_URL wins).
demo: export SITE_URL := $(or $(SITE_URL),http://$(HOST):$(PORT))
# Letters go to files, one per sending process: printed, the demo club's month-close
# statements (hundreds) pushed the login instructions off the screen.
demo: export EMAIL_BACKEND := $(or $(EMAIL_BACKEND),django.core.mail.backends.filebased.EmailBackend)
demo: export EMAIL_FILE_PATH := $(or $(EMAIL_FILE_PATH),$(CURDIR)/private/mail)
demo: migrate
	@$(PY) manage.py load_demo
	@echo ""
	@echo "  BonusDesk demo is starting at http://$(HOST):$(PORT)/"
	@echo "    admin:        http://$(HOST):$(PORT)/admin/   login: admin / admin (front desk: desk / desk)"
	@echo "    member page:  http://$(HOST):$(PORT)/me/      login: anna / anna"
	@echo "  The django-q2 worker runs alongside (honcho, Procfile). Ctrl-C stops both."
	@echo "  Mail (statements, password resets, claim links) is written to $$EMAIL_FILE_PATH/"
	@echo ""
	@# honcho stops both processes on Ctrl-C or SIGTERM; this shell ignores those signals
	@# and waits for it, so make sees a clean end instead of a half-dead recipe.
	@trap '' INT TERM; \
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" \
	WEB_COMMAND="python manage.py runserver --noreload $(HOST):$(PORT)" \
	$(VENV)/bin/honcho start --no-colour; \
	rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 130 ] || [ $$rc -eq 143 ]

serve: migrate
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: $(VENV)/.base
	$(PY) manage.py qcluster

test: $(VENV)/.dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

messages: $(VENV)/.dev
	$(PY) manage.py vendor_strings
	$(PY) manage.py makemessages -l ru -l en --ignore=.venv --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

# Benchmarks run on their own database (bench.sqlite3 unless DATABASE_URL is set) and
# seed it with BENCH_MEMBERS members when it is empty; docs/benchmarks.md has the figures.
BENCH_MEMBERS ?= 100000
bench: export DATABASE_URL := $(or $(DATABASE_URL),sqlite:///$(CURDIR)/bench.sqlite3)
bench: $(VENV)/.dev
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py bench_close --members $(BENCH_MEMBERS)
	$(PY) manage.py bench_member_page
	$(PY) manage.py bench_toggle
	$(PY) manage.py bench_referral
	$(PY) manage.py bench_dashboard
	$(PY) manage.py bench_bonuses_admin
	$(PY) manage.py bench_admin
	$(PY) manage.py bench_statements  # closes last month for good: after bench_close
	$(PY) manage.py bench_import  # last: it adds the members it imports

# The load test of docs/benchmarks.md ("Load"): gunicorn with DEBUG off on the seeded club
# in DATABASE_URL (a benchmark database: it gives 200 members a login), Locust headless.
loadtest: $(VENV)/.dev
	@test -n "$(DATABASE_URL)" || { echo "Set DATABASE_URL to a PostgreSQL benchmark database seeded with seed_demo." >&2; exit 1; }
	$(PY) -m pip install -q -r requirements/loadtest.txt
	loadtest/run.sh

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-shm db.sqlite3-wal
