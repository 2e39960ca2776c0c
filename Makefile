# Reproducible analysis of the baricitinib pilot in primary Sjögren's syndrome.
# `make help` lists the targets.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
ENV_STAMP := $(VENV)/.installed

.PHONY: help env
## List the targets
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-zA-Z_-]+:/{if(doc){split($$1,t,":"); printf "  %-14s %s\n", t[1], doc}; doc=""}' $(MAKEFILE_LIST)

## Create .venv with the pinned runtime and test dependencies (venv + pip)
env: $(ENV_STAMP)
$(ENV_STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (the project needs Python 3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@
