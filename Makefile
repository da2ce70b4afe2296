# polegraph — every target sets up what it needs; `make serve` and `make test` are all a newcomer types.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
BENCH_ARGS ?=  # e.g. BENCH_ARGS="--seconds 2 --scales 1,10"

.DEFAULT_GOAL := help
.PHONY: help install build validate serve test lint bench loadtest audit clean system-deps

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "polegraph needs $(PYTHON) on PATH"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed ## Create .venv and install polegraph with its test tools

system-deps: ## Install the system packages the tests use (Java for HermiT), when missing
	@bash .ci/system-deps

build: install ## Build and validate a release of the graph
	$(BIN)/polegraph build

validate: install ## Validate the sources against the SHACL shapes
	$(BIN)/polegraph validate

serve: install ## Build, validate and serve on http://$(HOST):$(PORT)
	$(BIN)/polegraph serve --host $(HOST) --port $(PORT)

test: install system-deps ## Build and run the whole test suite
	$(BIN)/python -m pytest

$(VENV)/.bench-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@touch $@

bench: $(VENV)/.bench-installed system-deps ## Benchmark against the Oxigraph server and rdflib-endpoint → docs/benchmarks.md
	$(BIN)/python -m bench.run $(BENCH_ARGS)

loadtest: install system-deps ## 16 clients × 60 s on the named queries, cache off then on (wrk) → docs/reliability.md
	$(BIN)/python -m bench.loadtest

audit: install ## Known vulnerabilities of the installed dependencies (pip-audit; needs the OSV/PyPI advisory API)
	$(BIN)/python -m pip install --quiet 'pip-audit>=2.7,<3'
	$(BIN)/python -m pip freeze --exclude-editable > $(VENV)/requirements-audit.txt
	$(BIN)/python -m pip_audit --strict --disable-pip --no-deps -r $(VENV)/requirements-audit.txt

lint: install ## Ruff over the code and tests
	$(BIN)/ruff check src tests bench

clean: ## Remove built releases (the .venv stays)
	rm -rf var .pytest_cache
