# make demo / make test work alone on a fresh machine with Python 3.11+ and make.
# Windows without make: see README ("Windows").
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-windows lint bench fuzz lock clean

setup: $(STAMP)

# requirements.lock pins what the tests passed with; pyproject.toml bounds each dependency.
$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "vos kräver Python 3.11 eller senare ($(PYTHON) är $$($(PYTHON) --version 2>&1)) — installera en nyare Python eller ange PYTHON=python3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/vos run --input sample_data --output vos-output --month 2026-03 --config sample_data/vos.toml; rc=$$?; \
	  echo; echo "The workbooks are in vos-output/2026-03/ (manifest.json lists them)."; test $$rc -le 1

# The whole suite, then the same suite as on Windows (POSIX-only modules unimportable).
test: $(STAMP)
	$(BIN)/pytest -n auto
	$(MAKE) --no-print-directory test-windows

# The suites that touch files, paths, locks, consoles and processes run again as on Windows
# (tests/simulate_windows); the rules are platform-free and run once.
WINDOWS_TESTS = tests/test_platform.py tests/test_batch.py tests/test_real_exports.py tests/test_readers.py \
	tests/test_cli_reports.py tests/test_cli_check.py tests/test_golden.py tests/test_receivers.py

test-windows: $(STAMP)
	VOS_SIMULATE_WINDOWS=1 PYTHONPATH=tests/simulate_windows $(BIN)/pytest -n auto -m "not posix_only" -p no:cacheprovider $(WINDOWS_TESTS)

lint: $(STAMP)
	$(BIN)/ruff check vos_cli tests bench

fuzz: $(STAMP)
	VOS_FUZZ_EXAMPLES=2000 $(BIN)/pytest tests/test_reliability.py

# make bench [SIZES="small city national"] [RUNS=3]: see bench/run_bench.py; results in bench/results.md
SIZES ?= small city national
RUNS ?= 1
bench: $(STAMP)
	$(BIN)/pip install --quiet --no-deps -r requirements.lock 2>/dev/null; $(BIN)/python bench/run_bench.py $(SIZES) --runs $(RUNS)

# Regenerate requirements.lock after changing a dependency in pyproject.toml.
lock: $(STAMP)
	$(BIN)/pip install --quiet "uv>=0.5,<1"
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra bench --universal --python-version 3.11 --no-header -o requirements.lock

clean:
	rm -rf $(VENV) vos-output .pytest_cache
