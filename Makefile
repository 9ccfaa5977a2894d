# Minor-protection hotline backend. `make run` and `make test` set up everything they need.
SHELL := /bin/bash
VENV := .venv
HOTLINE := $(VENV)/bin/hotline

.PHONY: install run test test-unit up down roll restart clean lint bench bench-stats chaos

install:
	@bash infra/python.sh

run: install
	@$(HOTLINE) run

test: install
	@bash infra/test.sh $(ARGS)

test-unit: install
	@$(VENV)/bin/pytest -q tests/unit

up: install
	@bash infra/stack.sh up

down:
	@bash infra/stack.sh down

# A rolling restart of make up's processes, one kind at a time (HOTLINE_RELEASE=… names the release).
roll: install
	@bash infra/stack.sh roll

# Every service stopped and started again at once under the settings given now (HOTLINE_CRYPTO_SUITE=…);
# PostgreSQL and Kafka keep running.
restart: install
	@bash infra/stack.sh restart

clean: down
	rm -rf var

lint: install
	$(VENV)/bin/ruff check services projections tests
	$(VENV)/bin/mypy services projections
	$(VENV)/bin/lint-imports

bench: install
	@bash infra/bench.sh $(ARGS)

bench-stats: install
	@.venv/bin/python -m tests.bench.bench_stats $(ARGS)

chaos: install
	@bash infra/chaos.sh $(ARGS)
