# jixiao: `make run` serves the whole system on http://127.0.0.1:8000; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format bench fuzz soak run-split clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-run

## The whole system in one process on embedded SQLite (var/*.db).
run: $(VENV)/.installed-run
	mkdir -p var
	$(BIN)/jixiao migrate
	$(BIN)/jixiao keys bootstrap  # the admin key, printed once on the first start
	$(BIN)/jixiao demo
	$(BIN)/uvicorn gateway.main:app --host $(HOST) --port $(PORT) --no-access-log

## Lint, type-check, then the whole suite on SQLite and PostgreSQL.
test: $(VENV)/.installed-dev
	bash scripts/ensure-system.sh
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Throughput and latency figures (see README, Benchmarks).
bench: $(VENV)/.installed-dev
	bash scripts/ensure-system.sh
	$(BIN)/python -m bench

## The long form of the fuzzing: every phase, FUZZ_EXAMPLES per operation, at least 1,000
## generated requests per service (fewer fails the run). Requests per service and the time
## each took are written to var/fuzz/*.json and printed at the end. 200 per operation is the
## smallest round count that gives the report service, which has the fewest operations, its
## 1,000 (1,156); the run takes 25 min on two quiet cores, 1,000 per operation would take
## over an hour (docs/reliability.md).
FUZZ_EXAMPLES ?= 200
fuzz: $(VENV)/.installed-dev
	rm -rf var/fuzz
	JIXIAO_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) JIXIAO_FUZZ_COVERAGE=1 JIXIAO_FUZZ_MIN_REQUESTS=1000 \
		$(BIN)/python -m pytest $$(find tests -name 'test_fuzz*.py'); status=$$?; \
	for record in var/fuzz/*.json; do $(BIN)/python -c 'import json, sys; \
		print("{service}: {requests} requests, {seconds} s".format(**json.load(sys.stdin)))' \
		< $$record; done; \
	exit $$status

## Ten minutes of steady mixed load on the split system (issue 8): errors, p99, memory growth.
soak: $(VENV)/.installed-dev
	bash scripts/ensure-system.sh
	$(BIN)/python -m bench.soak

## The services as separate processes on PostgreSQL (see README).
run-split: $(VENV)/.installed-run
	bash scripts/run-split.sh

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
