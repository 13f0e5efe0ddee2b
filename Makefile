# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UNPACS_STORE ?= var/store
UNPACS_HOST ?= 127.0.0.1
UNPACS_PORT ?= 8000
export UNPACS_STORE UNPACS_HOST UNPACS_PORT
# Every stored IRI starts with the base IRI, so the store is built for one base: the served
# address unless UNPACS_BASE_IRI says otherwise (the same rule as loader/settings.py).
BASE_IRI := $(or $(UNPACS_BASE_IRI),http://$(UNPACS_HOST):$(UNPACS_PORT)/)

DATA_FILES := $(shell find data ontology shapes -type f \( -name '*.ttl' -o -name '*.csv' -o -name '*.json' -o -name '*.jsonld' \) 2>/dev/null | sort)
# One stamp per base IRI: serving under another base rebuilds the bundled graphs for it.
STAMP := $(UNPACS_STORE).stamp-$(subst /,_,$(subst :,_,$(BASE_IRI)))

.PHONY: run test setup dev store lint typecheck pytest system-deps wheel-check docs bench clean

run: setup $(STAMP)
	$(BIN)/unpacs serve --host $(UNPACS_HOST) --port $(UNPACS_PORT)

setup: $(VENV)/.installed
dev: $(VENV)/.installed-dev

# uv (from PyPI, into the venv) installs the same packages as pip in a few seconds instead of
# about 30 (measured from a fresh clone, warm caches); pip stays the fallback. Compiled, because
# the query workers start with -B (they never write .pyc) and would compile every import anew.
INSTALL = $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python
$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(INSTALL) -e . || $(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(INSTALL) -e '.[dev]' || $(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

# `unpacs build` replaces only the bundled graphs (one validated transaction) and leaves what
# stewards loaded alone, so the store is never deleted; the stamp only skips an unneeded rebuild.
$(STAMP): $(DATA_FILES) | $(VENV)/.installed
	$(BIN)/unpacs --store $(UNPACS_STORE) build
	$(BIN)/python -m unpacs.loader.read.ontology_docs --out-dir var/def
	rm -f $(UNPACS_STORE).stamp*
	touch $@

store: setup $(STAMP)

test: dev system-deps lint typecheck pytest

# Chromium and Virtuoso for the browser and remote-engine tests: installed when we are root,
# otherwise the exact command to run is printed.
system-deps:
	scripts/install-system-deps

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The editable install maps `unpacs.loader` to `loader/` with an import hook, which mypy cannot
# see; mypy reads the same folders through two links under build/ (git-ignored, made here) and
# its report is given back the paths git knows.
typecheck:
	@mkdir -p build/typecheck/unpacs
	@ln -sfn ../../../loader build/typecheck/unpacs/loader
	@ln -sfn ../../../endpoint build/typecheck/unpacs/endpoint
	@$(BIN)/mypy > build/typecheck/report.txt; status=$$?; \
	    sed 's|^build/typecheck/unpacs/||' build/typecheck/report.txt; exit $$status

# One test process per core (pytest-xdist): each builds the bundled store once for its tests.
pytest:
	$(BIN)/pytest -n auto

# The installed tool from a fresh virtual environment (also part of `pytest`, hence of `test`).
wheel-check: dev
	$(BIN)/pytest tests/test_installed_wheel.py

docs: setup
	$(BIN)/python -m unpacs.loader.read.ontology_docs --out-dir var/def

bench: dev
	$(BIN)/python -m bench.load_bench

clean:
	rm -rf var $(VENV)
