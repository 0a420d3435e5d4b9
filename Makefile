# `make demo`: set up .venv and run the main job on the embedded demo stores.
# `make test`: set up .venv with the dev extra and run the whole test suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= $(abspath ../shared)
export NLTK_DATA ?= $(SHARED)/nltk_data
export GROCERY_FIXTURES_DIR ?= $(SHARED)/fixtures

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/grocery-scanner search "chicken breast" "2% milk" "all-purpose flour"

test: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/search.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
