# tariffscope: `make demo` runs the main job on bundled data; `make test` runs the whole suite.
# Both install everything they need into .venv first (idempotent).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint typecheck unit bench clean default-data

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,dask,web]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/tariffscope demo

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy

test: install lint
	$(BIN)/python -m pytest -p no:cacheprovider

bench: install
	$(BIN)/python benchmarks/run_all.py

default-data: install
	$(BIN)/python scripts/build_default_data.py

clean:
	rm -rf $(VENV) build *.egg-info
