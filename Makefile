# Quick start:  make run   (install, then open the dashboard on the built-in demo county)
#               make test  (install, then lint, type-check lib/ and run every test, the browser test included)
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run install install-test test lint typecheck bench

run: install
	$(PYTHON) -m streamlit run app.py

install:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements.txt

install-test:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@[ -x /usr/bin/chromium ] || ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium)

test: install-test
	$(PYTHON) -m ruff check .
	$(PYTHON) -m mypy
	$(PYTHON) -m pytest

lint:
	$(PYTHON) -m ruff check .

typecheck:
	$(PYTHON) -m mypy

bench: install-test
	$(PYTHON) benchmarks/import_police_uk.py
	$(PYTHON) benchmarks/pages.py
	$(PYTHON) benchmarks/hotspot_payload.py
	$(PYTHON) benchmarks/hotspot_pai.py
