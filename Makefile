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
	$(VENV)/bin/python -m pytest -q

bench: $(STAMP)
	$(VENV)/bin/python benchmarks/run_all.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m mypy
