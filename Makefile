# Shortcuts for developers; the README's two commands need no make.
VENV ?= .venv
PY = $(VENV)/bin/python

.PHONY: venv run test test-postgres lint format schema

venv:
	python3 -m venv $(VENV) && $(VENV)/bin/pip install -q -e ".[test]"

run: venv
	$(PY) manage.py rundemo

test: venv
	$(VENV)/bin/pytest

test-postgres: venv
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/test $(VENV)/bin/pytest

lint:
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

schema:
	$(PY) manage.py graphql_schema --schema shop.graphql.schema.schema --out schema.graphql
