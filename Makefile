# The two commands of the README:
#   make run    install pinned dependencies into .venv, then run the embedded default study
#   make test   install, then run the test suite (CI runs this through .ci/run)
VENV ?= .venv
PY := $(VENV)/bin/python
CORES ?= 2

.PHONY: setup run test lint format slurm-install archive

$(VENV)/.installed: requirements.txt requirements-nodeps.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

setup: $(VENV)/.installed

run: setup
	$(VENV)/bin/snakemake --cores $(CORES) all

# Archive the finished run of CONFIG (default: the embedded study) into archives/.
CONFIG ?= config.yaml
archive: setup
	$(PY) -m xstilts.archive create --configfile $(CONFIG)

test: setup
	$(VENV)/bin/pytest -ra tests

lint: setup
	$(VENV)/bin/ruff check xstilts scripts tests
	$(VENV)/bin/snakefmt --check Snakefile rules
	$(VENV)/bin/snakemake --lint

format: setup
	$(VENV)/bin/ruff format xstilts scripts tests
	$(VENV)/bin/ruff check --fix xstilts scripts tests
	$(VENV)/bin/snakefmt Snakefile rules
