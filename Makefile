# methanemap: `make demo` builds the default cube from the real inputs and serves it;
# `make test` installs everything and runs the whole test suite.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STORE ?= data/cube
PORT ?= 8000

# Inputs come from a local mirror when one is beside the checkout; else from their
# public sources (downloaded once into ~/.cache/methanemap).
MIRROR := $(abspath ../shared/data)
ifneq ($(wildcard $(MIRROR)/README.md),)
export METHANEMAP_DATA_MIRROR ?= $(MIRROR)
endif

.PHONY: demo test audit setup web system lint clean

demo: setup web
	$(VENV)/bin/methanemap demo --store $(STORE) --port $(PORT)

# Two workers: much of the suite waits on servers, browsers and subprocesses; test
# files stay whole on one worker so their module fixtures are built once. The OpenAPI
# fuzz file runs on its own afterwards: schemathesis gives every operation of it the
# same test id, and xdist would run only one of them.
FUZZ := tests/service/test_openapi_fuzz.py
test: setup web system audit
	$(PY) -m pytest --numprocesses 2 --dist loadfile --ignore $(FUZZ)
	$(PY) -m pytest $(FUZZ)

# Known vulnerabilities in the installed packages fail the build. A vulnerability that
# cannot apply to us may be ignored here, each with its reason on the line above, e.g.
#   # GHSA-xxxx-xxxx-xxxx: only the CLI's --foo reaches the affected code; we never call it
#   AUDIT_IGNORE += --ignore-vuln GHSA-xxxx-xxxx-xxxx
# None is ignored today.
AUDIT_IGNORE :=

audit: setup
	scripts/audit $(VENV) $(AUDIT_IGNORE)

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@python=$$(scripts/find-python); \
	  echo "using $$python"; \
	  [ -x $(PY) ] || $$python -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip uv
	$(UV) pip install --python $(PY) --quiet -e '.[test]'
	touch $@

web: api/web/node_modules/.installed

api/web/node_modules/.installed: api/web/package.json
	cd api/web && npm install --no-audit --no-fund --loglevel=error
	touch $@

# Debian packages the tests use (the browser for the map page tests).
system:
	@scripts/install-system-packages

lint: setup
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) api/web/node_modules data/cube
