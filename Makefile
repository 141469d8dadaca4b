# Every target sets up .venv first (scripts/bootstrap finds Python 3.12/3.13 and installs hdsim).
.PHONY: setup run test bench lint
VENV := .venv
STAMP := $(VENV)/.installed

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/bootstrap
	scripts/bootstrap

run: $(STAMP)
	$(VENV)/bin/hdsim

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m mypy
	$(VENV)/bin/python -m pytest -q -n auto --dist loadfile

# make bench BENCH_ARGS="--skip main-full" (or --quick, --label ...): see benchmarks/run_all.py
bench: $(STAMP)
	$(VENV)/bin/python benchmarks/run_all.py $(BENCH_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m mypy
