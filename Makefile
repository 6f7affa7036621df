# Two commands set up everything on a fresh machine: `make run` and `make test`.
# uv (pinned: UV_VERSION) is bootstrapped into .tools/ when it is not on PATH; dependencies come from
# requirements.lock (hashes pinned: runtime + the `dev` and `embedded` extras). requirements-image.lock is the
# image's subset (ops/Dockerfile), resolved under requirements.lock's pins so both agree (tests/unit/test_compose.py).
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
LOADTEST_ARGS ?=

.PHONY: install run test test-unit lint typecheck check lock bench loadtest clean prometheus chromium console

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(STAMP): requirements.lock pyproject.toml | $(UV)
	$(UV) venv --quiet --allow-existing --python 3.11 $(VENV) || $(UV) venv --quiet --allow-existing $(VENV)
	$(UV) pip sync --quiet --python $(BIN)/python requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: install  ## the whole platform on embedded servers (Ctrl-C stops everything)
	$(BIN)/reward-ledger run

# The console's JavaScript runs in it too: tests/integration/test_console_js.py (Vitest, and the committed build check).
test: install prometheus chromium  ## the full test suite; starts the servers it needs (MONGO_URL=mongodb://... to use a real MongoDB)
	$(BIN)/pytest $(PYTEST_ARGS)

# $(call debian,PACKAGE,COMMANDS,TESTS): install Debian's PACKAGE when one of COMMANDS (names on PATH, or paths) is
# missing, as root with apt-get; otherwise say so, and TESTS skip themselves, saying why. A failed install fails loudly.
define debian
	@if ! { $(foreach command,$(2),command -v $(command) >/dev/null &&) true; }; then \
	  if [ "$$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then \
	    echo "$(2) missing and cannot be installed (not root, or no apt-get): $(3) are skipped" >&2; \
	  else \
	    echo "installing Debian's $(1) package"; \
	    apt-get install -y -qq --no-install-recommends $(1) >/dev/null \
	      || { apt-get update -qq && apt-get install -y -qq --no-install-recommends $(1) >/dev/null; } \
	      || { echo "could not install Debian's $(1) package" >&2; exit 1; }; \
	  fi; \
	fi
endef

# The real-Prometheus test (tests/e2e/test_prometheus.py) and the promtool checks need Debian's prometheus package.
prometheus:
	$(call debian,prometheus,prometheus promtool,the real-Prometheus test and the promtool checks)

# The console's browser tests (tests/e2e/test_console*.py) drive Debian's chromium through Playwright (Playwright's
# own browser download does not work here).
chromium:
	$(call debian,chromium,/usr/bin/chromium,the console's browser tests)

test-unit: install  ## tests/unit alone: one process, no servers, well under 30 s
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy

check: lint typecheck test

console:  ## rebuild the operator console (console/ -> gateway/static/console, committed); needs Node 20.19+ and npm
	cd console && npm ci --no-audit --no-fund && npm run build

lock: | $(UV)  ## re-resolve both locks after changing pyproject.toml: developers' (all extras) and the image's (none)
	$(UV) pip compile pyproject.toml --extra dev --extra embedded --generate-hashes --python-version 3.11 --quiet -o requirements.lock
	$(UV) pip compile pyproject.toml -c requirements.lock --generate-hashes --python-version 3.11 --quiet -o requirements-image.lock

bench: install
	$(BIN)/python -m bench.store_bench
	$(BIN)/python -m bench.auth_bench
	$(BIN)/python -m bench.e2e_bench
	$(BIN)/python -m bench.activity_bench
	$(BIN)/python -m bench.reward_request_bench

loadtest: install  ## the original's five k6 scenarios at once, open loop, against a running platform (LOADTEST_ARGS="--scale 2 --duration 60")
	$(BIN)/python -m bench.loadtest $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) .tools .data .pytest_cache .mypy_cache .ruff_cache
