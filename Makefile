# Family Contact Service. `make run` starts it locally; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Template tooling (cfn-lint, aws-sam-translator, checkov) and the AWS CLI pin apart from the service: its own venv.
DEPLOY_VENV := .venv-deploy
DEPLOY_STAMP := $(DEPLOY_VENV)/.installed
PORT ?= 8000
STAGE ?= prod
STACK ?= family-contact-$(STAGE)

.PHONY: install run test lint bench clean-data package policies statemachines deploy

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (set PYTHON=python3.11)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

$(DEPLOY_STAMP): requirements-deploy.txt
	@test -x $(DEPLOY_VENV)/bin/python || $(PYTHON) -m venv $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/python -m pip install --quiet -r requirements-deploy.txt
	@touch $(DEPLOY_STAMP)

install: $(STAMP) $(DEPLOY_STAMP)

run: $(STAMP)
	PORT=$(PORT) $(PY) -m local.server --port $(PORT)

lint: install
	$(VENV)/bin/ruff check app.py chalicelib local deploy tests scripts
	$(VENV)/bin/statelint statemachines/*.asl.json

test: install lint
	@# Under faketime only the calendar moves: a monotonic clock moved by days leaves every timed
	@# wait (moto's workflow timers, lock timeouts) asleep for good. libfaketime 0.9.10 still moves
	@# the deadline of a monotonic condition wait, so the interpreter's 5 ms wait for its lock ends at
	@# once and threads fight over it (the suite ran 4 to 8 times slower): WAIT_MS waits 5 ms instead.
	@# Both are ignored without faketime.
	FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_WAIT_MS=5 $(PY) -m pytest -q -n 2 --dist loadfile --asl-coverage --aws-calls --log-hygiene

bench: install
	$(PY) scripts/bench.py

# build/$(STAGE)/package/sam.json and deployment.zip
package: $(STAMP)
	$(PY) -m deploy.package --stage $(STAGE)

# Regenerate .chalice/policy-<stage>-<function>.json from deploy/permissions.py
policies: $(STAMP)
	$(PY) -m deploy.permissions

# Rebuild statemachines/<name>.asl.json from statemachines/fragments/ (the shared review states and each workflow's own)
statemachines: $(STAMP)
	$(PY) -m deploy.statemachines

# The real deployment (needs an AWS account, credentials and BUCKET for the artifacts), with the AWS CLI
# of .venv-deploy. `make test` runs deploy/deploy.py the same way against a local moto server.
deploy: package $(DEPLOY_STAMP)
	$(PY) -m deploy.deploy --stage $(STAGE) --stack $(STACK) --bucket "$(BUCKET)" --parameters "$(PARAMETERS)"

clean-data:
	rm -rf .local-data
