# The two README commands (`make run`, `make test`) plus lint and bench. Everything runs from .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-fast lint format messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,lint,bench]'
	touch $(STAMP)

install: $(STAMP)

# make run's agencies read like LMZ-2026-000001: the example configuration, unless OGI_CONFIG names another file.
run: $(STAMP)
	OGI_CONFIG="$${OGI_CONFIG:-$(CURDIR)/examples/ogi.toml}" $(BIN)/ogi dev run

test: $(STAMP)
	$(BIN)/pytest -q

# Unit and workflow tests only: no dev server, no fault injection.
test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not e2e and not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The gettext catalogs (infra/locale): new messages from the code, then each .po compiled to its .mo.
messages: $(STAMP)
	$(BIN)/python -m scripts.messages

bench: $(STAMP)
	@for b in working_days lifecycle supervision api cli console; do \
		echo "== bench/$$b"; $(BIN)/python -m bench.$$b || exit 1; \
	done
	@if [ -n "$$SOAK_MINUTES" ]; then echo "== bench/soak ($$SOAK_MINUTES min)"; $(BIN)/python -m bench.soak; fi

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
