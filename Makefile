# `make demo`: set up .venv and run the main job on the embedded demo stores.
# `make test`: set up .venv with the dev extra and run the whole test suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= $(abspath ../shared)
# Use the NLTK tagger shipped beside the project when there is one (offline machines, CI).
ifneq ($(wildcard $(SHARED)/nltk_data/taggers),)
export NLTK_DATA ?= $(SHARED)/nltk_data
endif
export GROCERY_FIXTURES_DIR ?= $(SHARED)/fixtures
EXAMPLES := $(wildcard examples/*.txt examples/*.json examples/*.html)
# found where the venv itself looks (its own nltk_data), so the installed command works from anywhere
HAS_TAGGER := env -u NLTK_DATA $(BIN)/python -c "import nltk; nltk.data.find('taggers/averaged_perceptron_tagger_eng/')"
VENV_NLTK := $(VENV)/nltk_data

CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: demo test bench clean nltk-tagger

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@$(MAKE) --no-print-directory nltk-tagger
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@$(MAKE) --no-print-directory nltk-tagger
	touch $@ $(VENV)/.installed

# The part-of-speech tagger the ingredient parser needs, put in the venv's own nltk_data: copied from
# the one shipped beside the project, else downloaded; offline, the parser falls back to a simpler
# tagger and says so.
nltk-tagger:
	@$(HAS_TAGGER) 2>/dev/null || { mkdir -p $(VENV_NLTK)/taggers; \
	  if [ -d $(SHARED)/nltk_data/taggers/averaged_perceptron_tagger_eng ]; then \
	    cp -r $(SHARED)/nltk_data/taggers/averaged_perceptron_tagger_eng $(VENV_NLTK)/taggers/; \
	  else $(BIN)/python -m nltk.downloader -q -d $(VENV_NLTK) averaged_perceptron_tagger_eng >/dev/null 2>&1; fi; \
	  $(HAS_TAGGER) 2>/dev/null || echo "note: NLTK tagger unavailable (offline?): ingredient parsing uses its fallback tagger"; }

demo: $(VENV)/.installed
	$(BIN)/grocery-scanner plan $(EXAMPLES) --max-stores 2

# Debian's Chromium, which the browser tests drive through Playwright (no browser download)
$(CHROMIUM):
	@echo "installing Debian's chromium for the browser tests"
	@$(SUDO) apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 \
	  || { $(SUDO) apt-get update -q >/dev/null 2>&1 && $(SUDO) apt-get install -y -q --no-install-recommends chromium >/dev/null; }

test: $(VENV)/.installed-dev $(CHROMIUM)
	$(BIN)/ruff check src tests bench production_health_monitor.py
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -n auto --dist loadgroup -m "not alone"
	$(BIN)/python -m pytest -m alone

bench: $(VENV)/.installed-dev
	for b in search parsing sizes matching matching_real optimizer workflow chaos cache quality recovery service; do $(BIN)/python bench/$$b.py | tail -1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
