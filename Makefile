# make demo / make test work alone on a fresh machine with Python 3.11+ and make.
# Windows without make: see README ("Windows").
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-windows test-posix lint bench fuzz lock clean

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

# The whole suite as on Windows (POSIX-only modules unimportable: tests/simulate_windows), then,
# natively, what differs on Linux: the POSIX-only tests (signals, flock from another process, file
# modes), the suites that lock, measure memory and start processes, and the ledger on a real
# PostgreSQL server (which cannot start without pwd/fcntl; the rest of the ledger suite ran above).
test: $(STAMP)
	$(MAKE) --no-print-directory test-windows
	$(BIN)/pytest -n auto -p no:cacheprovider $(NATIVE_TESTS)

NATIVE_TESTS = tests/test_platform.py tests/test_batch.py tests/test_parallel.py tests/test_ledger.py::test_postgresql_for_real \
	tests/test_reliability.py::test_killed_run_leaves_a_complete_month_and_no_stale_lock \
	tests/test_reliability.py::test_sigterm_during_a_run_keeps_the_previous_month

test-windows: $(STAMP)
	VOS_SIMULATE_WINDOWS=1 PYTHONPATH=tests/simulate_windows $(BIN)/pytest -n auto -m "not posix_only"

# The whole suite natively, once (what `make test` ran before the Windows pass covered everything).
test-posix: $(STAMP)
	$(BIN)/pytest -n auto

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
