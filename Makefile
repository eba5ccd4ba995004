# Quick start:  make run   (install, then serve the dashboard on the built-in demo county)
#               make test  (install, then lint, type-check lib/ and run every test, the browser test included)
# Both create and use the project's own virtual environment, .venv (nothing to activate): current Debian and Ubuntu
# refuse `pip install` into the system Python for a normal user. Later commands: .venv/bin/csp, or activate it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PIP := $(PY) -m pip install --quiet --disable-pip-version-check

.PHONY: run install install-test test lint typecheck bench

run: install
	@# The demo county is built here, before the server starts, so the first visitor does not wait on a blank page.
	@[ -n "$$CSP_DB" ] || [ -f data/csp.db ] || $(PY) -m lib.cli demo
	$(PY) -m streamlit run app.py

$(PY):
	@# Debian's python3 has venv but not ensurepip until python3-venv is installed.
	@$(PYTHON) -c "import ensurepip" 2>/dev/null || ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q python3-venv)
	$(PYTHON) -m venv $(VENV)

install: $(PY)
	$(PIP) -r requirements.txt -e .

install-test: $(PY)
	$(PIP) -r requirements-dev.txt -e .
	@[ -x /usr/bin/chromium ] || ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium)

test: install-test
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest

lint: install-test
	$(PY) -m ruff check .

typecheck: install-test
	$(PY) -m mypy

bench: install-test
	$(PY) benchmarks/import_police_uk.py
	$(PY) benchmarks/pages.py
	$(PY) benchmarks/hotspot_payload.py
	$(PY) benchmarks/hotspot_pai.py
