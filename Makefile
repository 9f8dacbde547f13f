# Family Contact Service. `make run` starts it locally; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: install run test lint bench clean-data

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (set PYTHON=python3.11)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

run: install
	PORT=$(PORT) $(PY) -m chalicelib.local.server --port $(PORT)

lint: install
	$(VENV)/bin/ruff check app.py chalicelib tests scripts
	$(VENV)/bin/statelint statemachines/*.asl.json

test: install lint
	$(PY) -m pytest -q -n 2 --dist loadfile --asl-coverage

bench: install
	$(PY) scripts/bench.py

clean-data:
	rm -rf .local-data
