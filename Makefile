# The two commands of the README:
#   make demo   installs everything (virtualenv in .venv) and runs the portal with demo data on SQLite
#   make test   runs the whole test suite (DATABASE_URL / REDIS_URL taken from the environment)
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTEST_ARGS ?=

.PHONY: demo install install-dev test lint format messages run worker beat clean

$(VENV)/bin/activate:
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.installed: requirements.txt $(VENV)/bin/activate
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/bin/activate
	$(PIP) install -q -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
	scripts/system-deps.sh

install-dev: $(VENV)/.installed-dev
	scripts/system-deps.sh test

demo: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	@echo "Portail : http://127.0.0.1:8000  (comptes de démonstration : voir README.md)"
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

test: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=0 $(PY) manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(VENV)/bin/pytest -n 2 --create-db $(PYTEST_ARGS)

lint:
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

messages:
	DEBUG=1 $(PY) manage.py makemessages -l en --no-location -e html,txt,py --ignore=.venv --ignore=var --ignore=bench
	DEBUG=1 $(PY) manage.py compilemessages -l en --ignore=.venv

worker:
	$(VENV)/bin/celery -A config worker --pool=prefork --concurrency=2 --loglevel=INFO

beat:
	$(VENV)/bin/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

clean:
	rm -rf var/test_media .pytest_cache
