"""Helpers for testing the app itself: the demo store (built once), store copies, and AppTest runs."""

from __future__ import annotations

import atexit
import functools
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app.py"


@functools.cache
def demo_store_file() -> Path:
    """The synthetic demo store, built once per test session (it takes a few seconds)."""
    from lib.demo import build_demo_store

    folder = Path(tempfile.mkdtemp(prefix="csp-demo-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "demo.db"
    build_demo_store(path).close()
    return path


def copy_store(source: Path, target: Path) -> Path:
    """Copy a store with SQLite's backup API (safe with a write-ahead log), for a test to change."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


EDITOR = "analyst@avonmere.example.gov.uk"
PARTNER = "officer@police.avonmere.example.uk"  # may see partners-only figures, may not edit
PARTNER_DOMAIN = "health.avonmere.example.gov.uk"  # everyone there is a partner
# Sign-in set up as a council would (values for tests only; the provider is never called by AppTest).
EDITING_SECRETS = {
    "auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-only-cookie-secret",
             "client_id": "safer-communities", "client_secret": "test-only",
             "server_metadata_url": "https://login.example.invalid/v2.0/.well-known/openid-configuration"},
    "editors": {"emails": [EDITOR, "Lead@Avonmere.example.gov.uk"]},
    "partners": {"emails": [PARTNER], "domains": [PARTNER_DOMAIN]},
}


def signed_in(app: AppTest, email: str | None = EDITOR) -> AppTest:
    """Set sign-in up on an app, with ``email`` signed in (None: nobody signed in)."""
    for name, section in EDITING_SECRETS.items():
        app.secrets[name] = section
    app.user = {"is_logged_in": True, "email": email, "name": "Test person"} if email else {"is_logged_in": False}
    return app


def run_app(monkeypatch: pytest.MonkeyPatch, store: Path, editor: str | None = None, **query: str) -> AppTest:
    """Run app.py on a store, with optional query parameters as a pasted link would give, and ``editor`` signed in."""
    monkeypatch.setenv("CSP_DB", str(store))
    app = AppTest.from_file(str(APP), default_timeout=90)
    app.query_params.update(query)
    if editor:
        signed_in(app, editor)
    return app.run()


def metric_values(app: AppTest) -> dict[str, str]:
    """The metrics on screen, label -> value as shown."""
    return {m.label: m.value for m in app.metric}


def open_page(monkeypatch: pytest.MonkeyPatch, store: Path, page: str, editor: str | None = None,
              **query: str) -> AppTest:
    """Open one page directly, as a pasted link to it would, with ``editor`` signed in (sign-in set up)."""
    monkeypatch.setenv("CSP_DB", str(store))
    app = AppTest.from_file(str(APP), default_timeout=90)
    app.query_params.update(query)
    if editor:
        signed_in(app, editor)
    app.switch_page(page)
    return app.run()
