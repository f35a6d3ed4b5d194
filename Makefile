# Tether: `make dev` serves the API with GraphiQL on DynamoDB Local; `make test` runs everything.
# Every target sets up what it needs itself (and only once): .venv, npm assets, Java, DynamoDB Local.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
UV := $(VENV)/bin/uv
UV_VERSION := $(shell sed -n 's/^ *"uv==\([^"]*\)".*/\1/p' pyproject.toml)
NODE_STAMP := node_modules/.installed
TEST_NODE_STAMP := tests/node_modules/.installed
VENDOR := static/graphiql/vendor
ASSETS := $(VENDOR)/graphiql.min.js $(VENDOR)/graphiql.min.css $(VENDOR)/react.production.min.js $(VENDOR)/react-dom.production.min.js
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
# Compiled bytecode is kept under .cache/pycache (out of the source tree): `make test` starts many
# Pythons (the pytest workers, each devserver, sam and cfn-lint, subprocess checks), and where
# PYTHONDONTWRITEBYTECODE is set, or on a fresh .venv (uv installs no .pyc), each one would compile
# every module it imports again: about 8 s of CPU per `sam` run, 4 s per devserver on these machines.
export PYTHONPYCACHEPREFIX ?= $(CURDIR)/.cache/pycache
unexport PYTHONDONTWRITEBYTECODE
# mypy's cache is per user, not per clone (like uv's and npm's): every entry is checked against its
# module's content hash, so a fresh clone re-checks only what differs (a cold mypy is ~60 s of CPU,
# taken from the pytest workers while lint runs beside them). tests/deploy/sam_cache.py keeps sam
# build's arm64 dependencies under the same directory.
USER_CACHE := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/tether
export MYPY_CACHE_DIR ?= $(USER_CACHE)/mypy
# The setup steps are independent (uv sync, the two npm installs, then DynamoDB Local once the venv is
# there): `make dev` and `make test` run them side by side, about half the time of one after another
# on a fresh clone. A `make -jN` of your own is kept as it is.
SETUP := $(MAKE) --no-print-directory $(if $(filter -j%,$(MAKEFLAGS)),,-j4)

.PHONY: help dev test setup test-node-deps codegen lint lock schema manifest docs token seed audit-verify erase-due assets deps system-deps browser-deps dynamodb bench build deploy deploy-prod clean

help:
	@echo "make dev      set up everything and serve the API + GraphiQL at http://127.0.0.1:3000/graphql"
	@echo "make test     set up everything and run the whole suite (lint, types, tests)"
	@echo "make lint     ruff, ruff format --check and mypy (strict)"
	@echo "make schema   regenerate graphql/schema.graphql, the persisted-query manifest and graphql/generated/"
	@echo "make manifest regenerate graphql/persisted-query-manifest.json from graphql/operations/"
	@echo "make docs     regenerate the settings table in README.md"
	@echo "make lock     re-resolve uv.lock from pyproject.toml and regenerate function/requirements.txt"
	@echo "make test-node-deps  install the client checks' npm packages (tests/package.json; make test does)"
	@echo "make codegen  TypeScript types + possibleTypes of graphql/operations/ into graphql/generated/"
	@echo "make token USER=alice [ADMIN=1]   print a dev token"
	@echo "make seed [FILE=path] [AWS=1]     load the demo catalog (or a catalog file) into the dev database (or AWS)"
	@echo "make bench    run the benchmarks in bench/"
	@echo "make erase-due [AWS=1]   erase accounts whose deletion grace period is over (make dev's DynamoDB Local, or TETHER_TABLE in AWS)"
	@echo "make audit-verify [AWS=1]   walk the audit log's hash chain in make dev's DynamoDB Local (or TETHER_TABLE in AWS)"
	@echo "make build    sam build (the Lambda package, GraphiQL assets and bytecode included)"
	@echo "make deploy   sam deploy (dev); make deploy-prod for prod"
	@echo "make dev takes TETHER_API_PORT (3000), TETHER_DYNAMODB_PORT (8000), TETHER_DATA_DIR (.data), RELOAD=0"
	@echo "make clean    remove .venv, node_modules and build output (keeps .cache and .data)"
	@echo "make setup    every setup step of make test (side by side), without running anything"
	@echo "setup steps, run by the targets above as needed: make deps (.venv and npm packages),"
	@echo "  make system-deps (java, npm), make assets (GraphiQL files), make dynamodb (DynamoDB Local),"
	@echo "  make browser-deps (chromium, for the GraphiQL browser test)"
	@echo "make help     this list"

dev:
	@$(SETUP) deps assets dynamodb
	@$(PY) -m localdev.devserver

# Lint runs beside the suite (its output is printed after pytest's): on a fresh clone mypy has no cache and
# takes about a minute of one core, which the suite's idle moments absorb. Either failing fails `make test`.
test:
	@$(SETUP) setup
	@echo "[test] ruff, ruff format --check and mypy (strict) in the background; pytest -n 2 ..."
	@lint_log=$$(mktemp); \
	$(MAKE) --no-print-directory lint >"$$lint_log" 2>&1 & lint_pid=$$!; \
	pytest_status=0; $(PY) -m pytest -n 2 --dist loadgroup || pytest_status=$$?; \
	lint_status=0; wait $$lint_pid || lint_status=$$?; \
	cat "$$lint_log"; rm -f "$$lint_log"; \
	if [ $$lint_status -ne 0 ]; then echo "error: make lint failed (its output is above)" >&2; fi; \
	[ $$pytest_status -eq 0 ] && [ $$lint_status -eq 0 ]

setup: deps assets dynamodb browser-deps test-node-deps

lint: deps
	@echo "[lint] ruff check, ruff format --check, mypy (strict) ..."
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .
	@$(PY) -m mypy

# The contract: graphql/schema.graphql, the persisted-query manifest of graphql/operations/ and the
# client kit in graphql/generated/ (graphql-codegen; tests fail when any of them is stale).
schema: deps $(TEST_NODE_STAMP)
	@$(PY) -m localdev.cli schema
	@$(PY) -m localdev.cli manifest
	@$(MAKE) --no-print-directory codegen

manifest: deps
	@$(PY) -m localdev.cli manifest

docs: deps
	@$(PY) -m localdev.cli readme

# USER is also the login name in the environment: only a USER= given on the command line counts.
TOKEN_USER := $(if $(filter command line,$(origin USER)),$(USER),dev)
token: deps
	@$(PY) -m localdev.cli token $(TOKEN_USER) $(if $(ADMIN),--admin,)

# The audit log's hash chain in make dev's database (the same settings: TETHER_DYNAMODB_ENDPOINT, else
# DynamoDB Local at TETHER_DYNAMODB_PORT), or with AWS=1 TETHER_TABLE in AWS with your AWS credentials.
# Exit status 1 names the first broken link, or says which DynamoDB it cannot reach.
audit-verify: deps
	@$(PY) -m localdev.cli audit-verify $(if $(AWS),--aws,)

# Erases the accounts whose deletion grace period is over (what the template's hourly schedule runs
# in AWS): make dev's DynamoDB Local, or with AWS=1 TETHER_TABLE with your AWS credentials.
erase-due: deps
	@$(PY) -m localdev.cli erase-due $(if $(AWS),--aws,)

# Loads catalog/demo.json, or FILE=path, into make dev's DynamoDB Local (or TETHER_TABLE in AWS with AWS=1).
seed: deps dynamodb
	@$(PY) -m localdev.seed $(if $(FILE),--file "$(FILE)",) $(if $(AWS),--aws,)

# ---- setup (idempotent; each step runs only when its inputs change) ----

deps: system-deps $(PY_STAMP) $(NODE_STAMP)

system-deps:
	@localdev/ensure-command.sh java default-jre-headless
	@localdev/ensure-command.sh npm "nodejs npm"

# After system-deps: apt-get runs one at a time.
browser-deps: | system-deps
	@localdev/ensure-command.sh chromium chromium

# uv (from PyPI, the version pinned in pyproject's dev extra) is bootstrapped into .venv with pip, then
# installs exactly what uv.lock says. `make lock` re-resolves the lock after a pyproject change.
$(PY_STAMP): pyproject.toml uv.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	@test -x $(PY) || { echo "[setup] Creating $(VENV) ..."; $(PYTHON) -m venv $(VENV); }
	@$(UV) --version 2>/dev/null | grep -qx "uv $(UV_VERSION)" || { \
		echo "[setup] Bootstrapping uv $(UV_VERSION) from PyPI into $(VENV) ..."; \
		$(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)" 2>&1 \
			| { grep -v 'is ignored: it is neither a file nor a directory' || true; }; }
	@echo "[setup] Installing the locked Python dependencies (uv.lock) into $(VENV) ..."
	@UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --extra dev --inexact --python $(PY) --quiet
	@touch $@

lock: $(PY_STAMP)
	@$(PY) -m localdev.cli lock

$(NODE_STAMP): package.json package-lock.json | system-deps
	@echo "[setup] Installing npm packages (GraphiQL assets, graphql-http audit) ..."
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The client checks (graphql-codegen, TypeScript, Apollo Client): only `make test` and `make codegen` need them.
test-node-deps: $(TEST_NODE_STAMP)

$(TEST_NODE_STAMP): tests/package.json tests/package-lock.json | system-deps
	@echo "[setup] Installing the client checks' npm packages (codegen, TypeScript, Apollo Client) ..."
	@npm ci --prefix tests --no-audit --no-fund --loglevel=error
	@touch $@

# graphql/generated/: TypeScript types of every operation and Apollo's possibleTypes (graphql/codegen.yml).
codegen: $(TEST_NODE_STAMP)
	@cd tests && CODEGEN_ROOT=$(CURDIR) CODEGEN_OUT=$(CURDIR)/graphql/generated \
		node_modules/.bin/graphql-codegen --config $(CURDIR)/graphql/codegen.yml

assets: $(ASSETS)

# One recipe for all four files (a grouped target, GNU make 4.3+): as a plain multi-target rule it ran
# once per file, and side by side under make setup's -j4 the copies raced ("cp: ... File exists").
$(ASSETS) &: $(NODE_STAMP)
	@mkdir -p $(VENDOR)
	@cp node_modules/graphiql/graphiql.min.js node_modules/graphiql/graphiql.min.css $(VENDOR)/
	@cp node_modules/react/umd/react.production.min.js node_modules/react-dom/umd/react-dom.production.min.js $(VENDOR)/

dynamodb: $(PY_STAMP)
	@$(PY) -m localdev.cli ensure-dynamodb >/dev/null

bench: deps dynamodb
	@$(PY) -m bench

build: deps assets manifest
	@sam build
	@# Bytecode for every module of the package (/var/task is read-only: docs/deploy.md#cold-start)
	@$(PY) -m localdev.bytecode .aws-sam/build/TetherFunction
	@$(PY) -m localdev.bytecode .aws-sam/build/ChatWorkerFunction

deploy: build
	@sam deploy

deploy-prod: build
	@sam deploy --config-env prod

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .aws-sam build *.egg-info
