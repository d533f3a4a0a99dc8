# make demo / make test work alone on a fresh machine with Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench fuzz clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/vos run --input sample_data --output vos-output --month 2026-03; rc=$$?; \
	  echo; echo "The workbooks are in vos-output/2026-03/ (manifest.json lists them)."; test $$rc -le 1

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check vos_cli tests

fuzz: $(STAMP)
	VOS_FUZZ_EXAMPLES=2000 $(BIN)/pytest tests/test_reliability.py

bench: $(STAMP)
	$(BIN)/python bench/run_bench.py $(SIZES)

clean:
	rm -rf $(VENV) vos-output .pytest_cache
