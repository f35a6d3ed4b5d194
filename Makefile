# Tether: `make dev` serves the API with GraphiQL on DynamoDB Local; `make test` runs everything.
# Every target sets up what it needs itself (and only once): .venv, npm assets, Java, DynamoDB Local.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
VENDOR := static/graphiql/vendor
ASSETS := $(VENDOR)/graphiql.min.js $(VENDOR)/graphiql.min.css $(VENDOR)/react.production.min.js $(VENDOR)/react-dom.production.min.js
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: help dev test lint schema docs token seed audit-verify erase-due assets deps system-deps browser-deps dynamodb bench build deploy deploy-prod clean

help:
	@echo "make dev      set up everything and serve the API + GraphiQL at http://127.0.0.1:3000/graphql"
	@echo "make test     set up everything and run the whole suite (lint, types, tests)"
	@echo "make schema   regenerate graphql/schema.graphql from the code"
	@echo "make docs     regenerate the settings table in README.md"
	@echo "make token USER=alice [ADMIN=1]   print a dev token"
	@echo "make seed [FILE=path] [AWS=1]     load the demo catalog (or a catalog file) into the dev database (or AWS)"
	@echo "make bench    run the benchmarks in bench/"
	@echo "make erase-due  erase accounts whose deletion grace period is over (TETHER_TABLE in AWS, else make dev's DynamoDB Local)"
	@echo "make audit-verify   walk the audit log's hash chain (TETHER_TABLE in AWS, else make dev's DynamoDB Local)"
	@echo "make build    sam build (the Lambda package, GraphiQL assets included)"
	@echo "make deploy   sam deploy (dev); make deploy-prod for prod"
	@echo "make dev takes TETHER_API_PORT (3000), TETHER_DYNAMODB_PORT (8000), TETHER_DATA_DIR (.data), RELOAD=0"
	@echo "make clean    remove .venv, node_modules and build output (keeps .cache and .data)"

dev: deps assets dynamodb
	@$(PY) -m localdev.devserver

test: deps assets dynamodb browser-deps lint
	@$(PY) -m pytest -n 2 --dist loadgroup

lint: deps
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .
	@$(PY) -m mypy

schema: deps
	@$(PY) -m localdev.cli schema

docs: deps
	@$(PY) -m localdev.cli readme

# USER is also the login name in the environment: only a USER= given on the command line counts.
TOKEN_USER := $(if $(filter command line,$(origin USER)),$(USER),dev)
token: deps
	@$(PY) -m localdev.cli token $(TOKEN_USER) $(if $(ADMIN),--admin,)

# The audit log's hash chain: TETHER_TABLE=<TableName> with AWS credentials, or make dev's DynamoDB
# Local when TETHER_TABLE and TETHER_DYNAMODB_ENDPOINT are unset. Exit status 1 names the first broken link.
audit-verify: deps
	@$(PY) -m localdev.cli audit-verify

# Erases the accounts whose deletion grace period is over (what the template's hourly schedule runs
# in AWS): TETHER_TABLE with AWS credentials, or make dev's DynamoDB Local.
erase-due: deps
	@$(PY) -m localdev.cli erase-due

# Loads catalog/demo.json, or FILE=path, into make dev's DynamoDB Local (or TETHER_TABLE in AWS with AWS=1).
seed: deps dynamodb
	@$(PY) -m localdev.seed $(if $(FILE),--file "$(FILE)",) $(if $(AWS),--aws,)

# ---- setup (idempotent; each step runs only when its inputs change) ----

deps: system-deps $(PY_STAMP) $(NODE_STAMP)

system-deps:
	@localdev/ensure-command.sh java default-jre-headless
	@localdev/ensure-command.sh npm "nodejs npm"

browser-deps:
	@localdev/ensure-command.sh chromium chromium

$(PY_STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing Python dependencies into $(VENV) ..."
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]' 2>&1 \
		| { grep -v 'is ignored: it is neither a file nor a directory' || true; }
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@echo "Installing npm packages (GraphiQL assets, graphql-http audit) ..."
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

assets: $(ASSETS)

$(ASSETS): $(NODE_STAMP)
	@mkdir -p $(VENDOR)
	@cp node_modules/graphiql/graphiql.min.js node_modules/graphiql/graphiql.min.css $(VENDOR)/
	@cp node_modules/react/umd/react.production.min.js node_modules/react-dom/umd/react-dom.production.min.js $(VENDOR)/

dynamodb: $(PY_STAMP)
	@$(PY) -m localdev.cli ensure-dynamodb >/dev/null

bench: deps dynamodb
	@$(PY) -m bench

build: deps assets
	@sam build

deploy: build
	@sam deploy

deploy-prod: build
	@sam deploy --config-env prod

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .aws-sam build *.egg-info
