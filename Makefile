# Quick start:  make run   (install, then serve the dashboard on the built-in demo county)
#               make test  (install, then lint, type-check lib/ and run every test, the browser test included)
# Both create and use the project's own virtual environment, .venv (nothing to activate): current Debian and Ubuntu
# refuse `pip install` into the system Python for a normal user. Later commands: .venv/bin/csp, or activate it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# A Debian package: installed directly by root, through sudo by a user who has it; anyone else is told what to ask for.
apt_install = { if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q $(1); \
	elif command -v sudo >/dev/null; then sudo apt-get update -q && sudo apt-get install -y -q $(1); \
	else echo "This needs Debian's $(1): ask an administrator to run  apt-get install $(1)  as root, then run make again." >&2; \
	exit 1; fi; }
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
# Test processes: one per core (pytest-xdist). A test file stays on one worker (--dist loadfile), so a file's
# module fixtures (a served app, a browser, a projector survey) are built once. TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= auto

.PHONY: run install install-test test lint typecheck bench

run: install
	@# The demo county is built here, before the server starts, so the first visitor does not wait on a blank page.
	@[ -n "$$CSP_DB" ] || [ -f data/csp.db ] || $(PY) -m lib.cli demo
	$(PY) -m ui.serve

$(PY):
	@# Debian's python3 has venv but not ensurepip until python3-venv is installed.
	@$(PYTHON) -c "import ensurepip" 2>/dev/null || $(call apt_install,python3-venv)
	$(PYTHON) -m venv $(VENV)

install: $(PY)
	$(PIP) -r requirements.txt -e .

install-test: $(PY)
	$(PIP) -r requirements-dev.txt -e .
	@# Debian's chromium for the browser tests, and libatomic for Playwright's own driver (a Node.js binary in the
	@# wheel), which a minimal Debian lacks: what is missing is asked for at once, so an administrator is asked once.
	@missing="$$([ -x /usr/bin/chromium ] || echo chromium) $$($(PY) -m playwright --version >/dev/null 2>&1 || \
		echo libatomic1)"; missing=$$(echo $$missing); [ -z "$$missing" ] || $(call apt_install,$$missing)

test: install-test
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: install-test
	$(PY) -m ruff check .

typecheck: install-test
	$(PY) -m mypy

bench: install-test
	$(PY) benchmarks/setup_imports.py
	$(PY) benchmarks/import_police_uk.py
	$(PY) benchmarks/pages.py
	$(PY) benchmarks/hotspot_payload.py
	$(PY) benchmarks/hotspot_pai.py
