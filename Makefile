# Reproducible analysis of the baricitinib pilot in primary Sjögren's syndrome (NCT04916756).
# `make help` lists the targets. A fresh machine needs two: `make report` and `make test`.

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV := .venv
# Where a venv keeps its programs, and how Python 3.11 is started: on Windows (in Git Bash, with GNU make; Windows
# sets OS) a venv has Scripts/*.exe, and python.org's installer gives the py launcher (the Microsoft Store's Python
# gives no py, but python3.11 and python3); elsewhere bin/ and python3.11.
ifeq ($(OS),Windows_NT)
BIN := Scripts
EXE := .exe
PY_LAUNCHER := $(shell command -v py 2>/dev/null)
PYTHON ?= $(if $(PY_LAUNCHER),py -3.11,python3.11)
BOOTSTRAP_PYTHON ?= $(if $(PY_LAUNCHER),py -3,python3)
# Where long paths are not enabled, Windows fails on a path over 259 characters: before a venv is made, any Python 3
# checks that its deepest file will fit below the checkout's path (scripts/check_path_length.py).
PATH_CHECK = { ! command -v $(firstword $(BOOTSTRAP_PYTHON)) >/dev/null || $(BOOTSTRAP_PYTHON) scripts/check_path_length.py $(1); } &&
else
BIN := bin
EXE :=
PYTHON ?= python3.11
BOOTSTRAP_PYTHON ?= python3
PATH_CHECK :=
endif
PY := $(VENV)/$(BIN)/python$(EXE)
ENV_STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PIP := $(PY) -m pip --quiet --disable-pip-version-check
# pip's stderr without its note on each configured package folder that does not exist ("is ignored: it is neither").
PIP_NOTES := 2> >(grep -v 'is ignored: it is neither' >&2)
# The locked packages are installed by uv (pinned here, itself installed by pip): on a new machine
# about 25 s instead of about 70 s for pip, the same versions, bytecode compiled as pip does. Where
# uv cannot reach the package index, pip installs them instead.
UV_VERSION := 0.13.9
INSTALL = $(VENV)/$(BIN)/uv$(EXE) pip install --quiet --python $(PY) --compile-bytecode -r $(1) || \
	{ echo "uv could not install $(1); installing with pip"; $(PIP) install -r $(1) $(PIP_NOTES); }
# $(call NEW_VENV,folder) makes the venv `folder`, with pip, from Python 3.11: $(PYTHON) where that is Python 3.11;
# else (a laptop with another Python only) uv, installed into .build/uv by any Python 3 ($(BOOTSTRAP_PYTHON)), makes it
# with a Python 3.11 it finds on the machine or downloads once (a python-build-standalone build, kept in uv's folder).
BOOT_UV := .build/uv/$(BIN)/uv$(EXE)
NEW_VENV = $(call PATH_CHECK,$(1)) if $(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then \
	  echo "$(PYTHON) -m venv $(1)"; $(PYTHON) -m venv $(1); \
	else \
	  echo "$(PYTHON): not found, or not Python 3.11; uv makes $(1) with a Python 3.11 it finds or downloads"; \
	  command -v $(firstword $(BOOTSTRAP_PYTHON)) >/dev/null || { echo "error: no Python 3.11 ($(PYTHON)) and \
	    no Python 3 ($(BOOTSTRAP_PYTHON)) to install uv with: install Python 3.11 (python.org)"; exit 1; }; \
	  { test -x $(BOOT_UV) || { $(BOOTSTRAP_PYTHON) -m venv .build/uv && \
	    .build/uv/$(BIN)/python$(EXE) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) \
	    $(PIP_NOTES); }; } && \
	  $(BOOT_UV) venv --quiet --seed --allow-existing --python 3.11 $(1); \
	fi

# The raw export to analyse (a folder of CSVs or one .xlsx workbook) and its data cut date (YYYY-MM-DD; empty: the
# export's own date, form study, EXPORTDT).
DATA_DIR ?= data/raw
DATA_CUTOFF ?=
# How the notebooks' kernels start: fork (Linux), warm (pre-started, any platform) or plain (papermill's
# own); empty: fork where it is safe, else warm.
KERNELS ?=
# $(call QUOTE,text): text as one word of the shell, whatever it holds (an apostrophe: "O'Brien's export").
QUOTE = '$(subst ','\'',$(1))'
# The arguments of a build (`make report`, `make check-repro`).
BUILD_ARGS = --data-dir $(call QUOTE,$(DATA_DIR)) $(if $(DATA_CUTOFF),--data-cutoff $(call QUOTE,$(DATA_CUTOFF))) \
	$(if $(KERNELS),--kernels $(call QUOTE,$(KERNELS)))
# Extra arguments of `make lab`, e.g. LAB_ARGS="--no-browser --ip=0.0.0.0 --port=8890".
LAB_ARGS ?=
# JupyterLab refuses to run as root unless told to (containers often run as root).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

# The export's files, each with its checksum and size (cksum), not as prerequisites: make cannot take names with
# spaces ("demographics copy.csv"), and a file copied with an older date must count as changed. Not hidden files nor
# Office's owner files (export.NOT_INPUT_PREFIXES: .DS_Store, ~$labs.csv while Excel has labs.csv open).
DATA_FILES := $(shell find $(call QUOTE,$(DATA_DIR)) -type f ! -name '.*' ! -name '~$$*' -exec cksum {} + 2>/dev/null \
  | LC_ALL=C sort -k3)
SRC_FILES := $(wildcard src/analysis_utils/*.py src/analysis_utils/templates/report/*)
NOTEBOOK_FILES := $(wildcard notebooks/[0-9][0-9]_*.ipynb)
# A change of DATA_DIR, DATA_CUTOFF, KERNELS or of a file of the export (added, removed, changed) re-runs the report
# (KERNELS: the path asked for runs, though every path gives the same bytes); so does a notebook or module removed or
# renamed (a prerequisite gone, or renamed with its old date, is no reason for make).
BUILD_PARAMS := data_dir=$(DATA_DIR) cutoff=$(DATA_CUTOFF) kernels=$(KERNELS) files=$(DATA_FILES) \
  code=$(NOTEBOOK_FILES) $(SRC_FILES)
PARAMS_FILE := .build/params
# Written by a call that builds the report only: `make validate DATA_DIR=other` must not make the next `make report`
# rebuild the shipped export's report.
ifneq ($(filter report reports/report.html,$(MAKECMDGOALS)),)
$(shell mkdir -p .build && { printf '%s\n' $(call QUOTE,$(BUILD_PARAMS)) | cmp -s - $(PARAMS_FILE) || \
  printf '%s\n' $(call QUOTE,$(BUILD_PARAMS)) > $(PARAMS_FILE); })
endif

.PHONY: help env report validate synthetic test test-slow test-all check-repro bench lab docs lock clean

## List the targets
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-zA-Z_-]+:/{if(doc){split($$1,t,":"); printf "  %-12s %s\n", t[1], doc}; doc=""}' $(MAKEFILE_LIST)
	@echo "  Variables: DATA_DIR=$(DATA_DIR)  DATA_CUTOFF=$(DATA_CUTOFF)  KERNELS=$(KERNELS)  LAB_ARGS=$(LAB_ARGS)"

## Create .venv with the pinned runtime (venv + pip + uv; no conda needed); the test tools come with `make test`
env: $(ENV_STAMP)
$(VENV)/pyvenv.cfg:
	@$(call NEW_VENV,$(VENV))
$(ENV_STAMP): $(VENV)/pyvenv.cfg requirements.txt pyproject.toml
	$(PIP) install uv==$(UV_VERSION) $(PIP_NOTES)
	$(call INSTALL,requirements.txt)
	@# The package is used in place from src/ (what an editable install does, with no build step).
	$(PY) -c "import pathlib, sysconfig; pathlib.Path(sysconfig.get_paths()['purelib'], 'analysis_utils.pth').write_text(str(pathlib.Path('src').resolve()) + '\n')"
	touch $@

$(DEV_STAMP): $(ENV_STAMP) requirements-dev.txt
	$(call INSTALL,requirements-dev.txt)
	touch $@

## Build reports/report.html from DATA_DIR (sets up the environment first if missing)
report: reports/report.html
reports/report.html: $(ENV_STAMP) $(PARAMS_FILE) $(SRC_FILES) $(NOTEBOOK_FILES)
	$(PY) -m analysis_utils.runner $(BUILD_ARGS)

## Check a raw export and write scratch/validation/data_queries.csv, without running the analysis
# Not into reports/: its data_queries.csv is the last build's, of every step, and must stay as the report shows it.
validate: $(ENV_STAMP)
	$(PY) -m analysis_utils.validation $(call QUOTE,$(DATA_DIR)) --reports scratch/validation

## Rewrite both shipped examples, data/raw (pilot) and data/examples/randomised, from the seeded generator (byte-identical)
synthetic: $(ENV_STAMP)
	$(PY) -m analysis_utils.synthetic --shipped

## Run the fast test suite (unit tests and doctests)
test: $(DEV_STAMP)
	$(PY) -m pytest -q -m "not slow"

## Run the slow end-to-end tests (full pipeline, reproducibility, headless browser)
test-slow: $(DEV_STAMP)
	$(PY) -m pytest -q -m slow

## Run every test
test-all: $(DEV_STAMP)
	$(PY) -m pytest -q

## Build the report twice and check that every output is byte-identical
check-repro: $(ENV_STAMP)
	$(PY) scripts/check_repro.py $(BUILD_ARGS)

## Print timings: cold setup, full report, no-op make, 10,000 subjects, against the library import time
bench: $(ENV_STAMP)
	$(PY) scripts/bench.py
	$(PY) scripts/bench_scoring.py
	$(PY) scripts/bench_planning.py

## Open JupyterLab on the notebooks with the project's kernel (JupyterLab lives in .venv-lab; LAB_ARGS passed on)
# Its server saves notebooks without their outputs (scripts/jupyter_server_config.py): a real export's data stay out
# of git.
# ipykernel's warning that the kernel it installs into .venv-lab "may not be found" is left out: JupyterLab runs there.
lab: $(ENV_STAMP)
	@test .venv-lab/.installed -nt requirements-lab.txt || { { test -x .venv-lab/$(BIN)/python$(EXE) || \
	  $(call NEW_VENV,.venv-lab); } && .venv-lab/$(BIN)/pip$(EXE) install --quiet --disable-pip-version-check \
	  -r requirements-lab.txt $(PIP_NOTES) && touch .venv-lab/.installed; }
	$(PY) -m ipykernel install --prefix "$(abspath .venv-lab)" --name python3 --display-name "Python 3 (analysis_utils)" >/dev/null \
	  2> >(grep -v 'The kernelspec may not be found' >&2)
	mkdir -p .venv-lab/etc/jupyter && cp scripts/jupyter_server_config.py .venv-lab/etc/jupyter/
	.venv-lab/$(BIN)/jupyter$(EXE) lab notebooks $(ALLOW_ROOT) $(LAB_ARGS)

## Regenerate docs/data_dictionary.md from the data dictionary in the package
docs: $(ENV_STAMP)
	$(PY) -m analysis_utils.dictionary > docs/data_dictionary.md

## Re-lock requirements*.txt (runtime, test tools, JupyterLab) from the pins in pyproject.toml (in scratch venvs)
# Each freeze goes to a file of its own first: no pipeline whose failure only pipefail would catch (macOS's make 3.81
# ignores .SHELLFLAGS), and no requirements file is rewritten unless every freeze and resolution succeeded.
# JupyterLab (extra `lab`) is locked in a venv of its own, as `make lab` installs it, with the runtime's versions of
# the packages both need (nbconvert, ipykernel, ...) as constraints.
# What only other systems install (colorama on Windows, appnope on macOS) is resolved by uv for every system, with the
# frozen versions as constraints: $(call ELSEWHERE,frozen files,uv's lock) prints the lines of uv's lock for one
# system whose package none of the frozen files has, with their markers.
LOCK_PIP := .build/lock/$(BIN)/pip$(EXE)
LOCK_RESOLVE := .build/lock/$(BIN)/uv$(EXE) pip compile --quiet --universal --no-header --no-annotate --python-version 3.11
ELSEWHERE = awk -F== 'function name(s) { s = tolower(s); gsub(/[-_.]+/, "-", s); return s } \
	FILENAME != ARGV[ARGC - 1] { seen[name($$1)]; next } /; (sys_platform|os_name) == / && !(name($$1) in seen)' $(1) $(2)
lock:
	rm -rf .build/lock && $(call NEW_VENV,.build/lock)
	$(LOCK_PIP) install --quiet --disable-pip-version-check .
	$(LOCK_PIP) freeze --exclude analysis-utils > .build/lock/runtime.txt
	$(LOCK_PIP) install --quiet --disable-pip-version-check ".[dev]"
	$(LOCK_PIP) freeze --exclude analysis-utils > .build/lock/dev.txt
	$(LOCK_PIP) install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(LOCK_RESOLVE) pyproject.toml -c .build/lock/runtime.txt -o .build/lock/universal-runtime.txt
	$(LOCK_RESOLVE) pyproject.toml --extra dev -c .build/lock/dev.txt -o .build/lock/universal-dev.txt
	$(call ELSEWHERE,.build/lock/runtime.txt,.build/lock/universal-runtime.txt) > .build/lock/elsewhere-runtime.txt
	$(call ELSEWHERE,.build/lock/dev.txt .build/lock/elsewhere-runtime.txt,.build/lock/universal-dev.txt) \
	  > .build/lock/elsewhere-dev.txt
	.build/lock/$(BIN)/python$(EXE) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]\
	  ["optional-dependencies"]["lab"], sep="\n")' > .build/lock/lab.in
	rm -rf .build/lock-lab && $(call NEW_VENV,.build/lock-lab)
	.build/lock-lab/$(BIN)/pip$(EXE) install --quiet --disable-pip-version-check -r .build/lock/lab.in \
	  -c .build/lock/runtime.txt
	.build/lock-lab/$(BIN)/pip$(EXE) freeze > .build/lock/lab.txt
	$(LOCK_RESOLVE) .build/lock/lab.in -c .build/lock/lab.txt -o .build/lock/universal-lab.txt
	$(call ELSEWHERE,.build/lock/lab.txt,.build/lock/universal-lab.txt) > .build/lock/elsewhere-lab.txt
	{ echo "# Locked runtime environment (what \`make report\` needs), Python 3.11."; \
	  echo "# Top-level pins live in pyproject.toml; regenerate with 'make lock' after changing them."; \
	  cat .build/lock/runtime.txt; \
	  echo "# Only on other systems than the one that made the lock (by uv, with the versions above):"; \
	  cat .build/lock/elsewhere-runtime.txt; } > requirements.txt
	{ echo "# Locked test tools (pytest, hypothesis, playwright) on top of requirements.txt, Python 3.11."; \
	  echo "# Top-level pins live in pyproject.toml ([project.optional-dependencies] dev); regenerate with 'make lock'."; \
	  echo "-r requirements.txt"; \
	  grep -vxF -f .build/lock/runtime.txt .build/lock/dev.txt; \
	  cat .build/lock/elsewhere-dev.txt; } > requirements-dev.txt
	{ echo "# Locked JupyterLab environment (\`make lab\`, .venv-lab), Python 3.11."; \
	  echo "# Top-level pin in pyproject.toml ([project.optional-dependencies] lab); regenerate with 'make lock'."; \
	  cat .build/lock/lab.txt; \
	  echo "# Only on other systems than the one that made the lock (by uv, with the versions above):"; \
	  cat .build/lock/elsewhere-lab.txt; } > requirements-lab.txt

## Remove generated data, figures, reports and what notebooks run alone wrote (never data/raw)
clean:
	find data/processed figures reports scratch -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
	rm -rf .build
