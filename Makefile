# Every command a developer or CI runs. `make demo` and `make test` set everything up on their own.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: all setup compile demo test test-tools check lint format typecheck layering bench bench-team chaos chaos-team clean

all: check test

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@$(MAKE) --no-print-directory compile
	@touch $(STAMP)

# paydesk's own modules compiled once (pip compiles what it installs, not an editable project's sources):
# where Python does not write bytecode itself (PYTHONDONTWRITEBYTECODE), every command would compile them
# again as it starts
compile:
	@$(BIN)/python -m compileall -q console engine eventlog sandbox >/dev/null

setup: $(STAMP)

demo: $(STAMP) compile
	$(BIN)/paydesk demo

# the console's smoke test drives `paydesk demo` in a real terminal under tmux; the job report's test renders
# its page in a real headless Chromium (Debian's package); the event log's contract runs against a real
# PostgreSQL server the tests start themselves from Debian's server binaries (tests/pgserver.py)
test-tools:
	@command -v tmux >/dev/null || (apt-get update -qq && apt-get install -y -qq tmux) \
		|| echo "warning: could not install tmux (not root?); the tmux smoke test will be skipped"
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null \
		|| echo "warning: could not install chromium (not root?); the report's browser check will be skipped"
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
		|| (apt-get update -qq && apt-get install -y -qq postgresql) >/dev/null \
		|| echo "warning: could not install postgresql (not root?); the PostgreSQL tests will be skipped"

# Three workers on CI's two cores: much of the suite waits on subprocesses, sandboxes and rate limits, so a
# third worker keeps both cores busy (measured on 2 cores: 2 workers 685 s; 3 workers 562 s, at 86 % of both).
TEST_WORKERS ?= 3

test: $(STAMP) test-tools
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy

layering: $(STAMP)
	$(BIN)/python -m pytest -q -p no:randomly tests/test_layering.py

check: lint typecheck layering

bench: $(STAMP)
	$(BIN)/python bench/eventlog.py
	$(BIN)/python bench/eventlog_pg.py
	$(BIN)/python bench/sandbox.py
	$(BIN)/python bench/commit.py
	$(BIN)/python bench/generate.py
	$(BIN)/python bench/sync.py
	$(BIN)/python bench/commit_large.py
	$(BIN)/python bench/console.py
	$(BIN)/python bench/team.py

# 1, 2 and 4 paydesk processes sharing one rate limit against a sandbox limited like Notion (about 10 minutes)
bench-team: $(STAMP)
	$(BIN)/python bench/team.py

# the full chaos run (200 seeds over commit, generate and sync, about 40 minutes), its team mode (100 seeds
# of two machines on one PostgreSQL log, about 15 minutes), the operators' journeys in their long form (400
# random journeys of 30 steps) and the 10,000-entry soak; the suite runs short forms
chaos: $(STAMP) chaos-team
	$(BIN)/python bench/chaos.py --seeds 200
	PAYDESK_JOURNEYS=long $(BIN)/python -m pytest -q -p no:randomly tests/e2e/journeys
	PAYDESK_LONG=1 $(BIN)/python -m pytest -q tests/engine/test_ledger_demo.py
	$(BIN)/python bench/soak.py

# team mode: two paydesk machines (homes of their own) share a PostgreSQL log, a database per seed, on a
# server started from Debian's binaries for the run (tests/pgserver.py); kills hit either machine, the other
# or the same one recovers, and some resumes are tried by both at once
chaos-team: $(STAMP) test-tools
	$(BIN)/python bench/chaos.py --team --seeds 100

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info
