# MedTandem: two commands do all the set-up on a fresh machine.
#   make demo   install into .venv, migrate, load the demo data, serve on http://127.0.0.1:8000
#   make test   install into .venv and run the whole suite (SQLite, then PostgreSQL if reachable)

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
HOST   ?= 127.0.0.1
PORT   ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
export MEDTANDEM_VAR_DIR ?= $(CURDIR)/var

RALPH_VENV := .venv-ralph

.PHONY: install install-train install-ralph demo serve serve-prod worker test test-sqlite test-postgres lint bench clean messages

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# Training the network needs PyTorch. Only the CPU wheel of torch 2.13.0 found locally (pip's
# find-links) is used: --no-index forbids pulling another build (e.g. CUDA) from a registry.
$(VENV)/.train-installed: $(VENV)/.installed
	@if $(PIP) install --quiet --no-index --no-deps "torch==2.13.0" >/dev/null 2>&1; then \
	  $(PIP) install --quiet "torch==2.13.0" "onnx>=1.16" "codecarbon>=2.7" \
	    && echo "PyTorch 2.13.0 (CPU) installed from the local wheel"; \
	else \
	  echo "No local CPU wheel of torch 2.13.0: the network-training tests will be skipped (pip install torch==2.13.0 --index-url <CPU index> to add it)"; \
	fi
	touch $@

install-train: $(VENV)/.train-installed

# Ralph, France Université Numérique's learning record store, in a virtual environment of its own
# (FastAPI, pydantic: kept apart from the product's dependencies): the xAPI tests start it on
# loopback with its file-system backend. Pulls no torch. Where it cannot be installed, the tests
# that need it are skipped and say so.
$(RALPH_VENV)/.installed:
	@if { test -x $(RALPH_VENV)/bin/python || $(PYTHON) -m venv $(RALPH_VENV); } \
	  && $(RALPH_VENV)/bin/pip install --quiet "ralph-malph[cli,lrs]==5.1.0" requests; then \
	  touch $@; echo "Ralph 5.1.0 installed in $(RALPH_VENV)"; \
	else \
	  echo "Ralph (ralph-malph) could not be installed: the xAPI record-store tests will be skipped"; \
	fi

install-ralph: $(RALPH_VENV)/.installed

demo: install
	$(PY) -m medtandem.cli demo --host $(HOST) --port $(PORT)

serve: install
	$(PY) -m medtandem.cli manage runserver $(HOST):$(PORT)

# Production server (gunicorn, see docs/operations.md) and the task worker; HUP the server to reload.
serve-prod: install
	$(PY) -m medtandem.cli serve --bind $(HOST):$(PORT)

worker: install
	$(PY) -m medtandem.cli worker

test: install install-train install-ralph
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

test-sqlite:
	@echo "== Whole suite on SQLite =="
	$(PY) -m pytest -q -p no:cacheprovider

test-postgres:
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== Integration tests on PostgreSQL ($(PG_URL)) =="; \
	  DATABASE_URL=$(PG_URL) $(PY) -m pytest -q -p no:cacheprovider tests/integration -m "not e2e"; \
	else \
	  n=$$($(PY) -m pytest -q -p no:cacheprovider --collect-only tests/integration -m "not e2e" 2>/dev/null | tail -1); \
	  echo "== PostgreSQL SKIPPED: no server reachable at $(PG_URL)."; \
	  echo "   The integration tests ($$n) ran on SQLite only; their PostgreSQL pass was skipped."; \
	  echo "   Start PostgreSQL or set PG_URL=postgres://user@host:port/db to run it. =="; \
	  if [ -n "$$MEDTANDEM_REQUIRE_POSTGRES" ]; then echo "CI requires PostgreSQL"; exit 1; fi; \
	fi

lint: install
	$(VENV)/bin/ruff check src tests bench tools
	$(VENV)/bin/ruff format --check src tests bench tools
	$(VENV)/bin/mypy

bench: install
	for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

messages: install
	cd src/medtandem && ../../$(PY) -m django makemessages -l en --settings=medtandem.web.settings && \
	  ../../$(PY) -m django compilemessages --settings=medtandem.web.settings

clean:
	rm -rf $(VENV) var build *.egg-info src/*.egg-info
