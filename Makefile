# Shortcuts for the two commands of the README (scripts/demo.sh and scripts/test.sh), and a few more.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTEST_ARGS ?=

.PHONY: demo test stack-e2e bench-smoke lint format messages worker beat clean

demo:
	scripts/demo.sh

test:
	scripts/test.sh $(PYTEST_ARGS)

stack-e2e:
	scripts/stack-e2e.sh $(PYTEST_ARGS)

bench-smoke:
	scripts/bench-smoke.sh

lint:
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/lint-imports

format:
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

messages:
	DEBUG=1 $(PY) manage.py makemessages -l en --no-location -e html,txt,py --ignore=.venv --ignore=var --ignore=bench
	$(PY) scripts/french_plurals.py
	DEBUG=1 $(PY) manage.py compilemessages -l en -l fr --ignore=.venv

worker:
	$(VENV)/bin/celery -A config worker --pool=prefork --concurrency=2 --loglevel=INFO

beat:
	$(VENV)/bin/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

clean:
	rm -rf var/test_media .pytest_cache
