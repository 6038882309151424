# Every target installs what it needs: a fresh clone needs only `make up` or `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# uv's one pin, in a file of its own that Dependabot bumps (read by CI's setup action too).
UV_REQUIREMENTS := .github/actions/setup/requirements.txt
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")

.PHONY: help setup up test test-fast lint bench site node-check chromium clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(VENV)/.synced ## create .venv from uv.lock (installs uv if missing)

# --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set, no process would ever write a .pyc,
# and every one the tests start would compile pandas, scipy and moto anew (tests/test_makefile_setup.py).
$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
		python3 -m pip install --quiet -r $(UV_REQUIREMENTS)
	$(UV) sync --frozen --compile-bytecode
	@touch $@

site: node-check site/dist/index.html ## build the web page into site/dist (parameter table regenerated from params.py)

# One line when node is older than site/.nvmrc (CI's Node): a note, not a failure; the page
# builds from engines.node in site/package.json up (docs/dependencies.md).
node-check:
	@scripts/check-node

# The page's parameter table and limits, written from model/trends_anomaly/params.py (SPECS).
# Written to a .tmp first, so a failure never leaves a half-written table; the .tmp goes on
# failure, and the page's prerequisites ignore *.tmp (one left by an interrupted make would
# be a prerequisite that vanishes mid-build: "No rule to make target ....tmp").
PARAMS_JSON := site/src/generated/params.json
# Every module of the package, not only params.py: the table also carries the parser's rules
# (trends.py, timeaxis.py, exportlocale.py, legacy_encoding.py, file_kinds.py, ...).
$(PARAMS_JSON): $(wildcard model/trends_anomaly/*.py) | setup
	(cd model && ../$(PY) -m trends_anomaly.params --json) > $(PARAMS_JSON).tmp \
		|| { rm -f $(PARAMS_JSON).tmp; exit 1; }
	mv $(PARAMS_JSON).tmp $(PARAMS_JSON)

SITE_SOURCES := $(filter-out %.tmp,$(shell find site/src site/package.json site/package-lock.json site/build.mjs -type f 2>/dev/null))
site/dist/index.html: $(PARAMS_JSON) $(SITE_SOURCES)
	cd site && npm ci --no-audit --no-fund && npm run build

chromium: ## install Debian's chromium for the browser tests when missing
	@scripts/ensure-chromium

up: setup site ## run the whole app locally: page :8000, API :3000, model :8080 (ARGS="--api-port 3001 --cors-origin http://localhost:5173")
	$(PY) -m devstack $(ARGS)

lint: setup ## every pre-commit hook on every file (ruff, hadolint, actionlint, zizmor, shellcheck, yaml, lock files)
	$(VENV)/bin/pre-commit run --all-files --show-diff-on-failure

# Tests run on one pytest-xdist worker per CPU; the tests that share a container or the browser
# stay together on one worker (tests/conftest.py). TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= auto
PYTEST := $(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

test: setup site chromium lint ## lint, then every test (model, lambda, site in Chromium, deploy on moto, workflows)
	$(PYTEST)

test-fast: setup ## the tests without lint or the browser
	$(PYTEST) -m "not browser"

bench: setup ## quality and speed benchmarks against the reference detectors (minutes; ARGS="--only quality")
	$(PY) -m bench $(ARGS)

clean: ## remove the venv and build output
	rm -rf $(VENV) site/dist site/node_modules .pytest_cache
