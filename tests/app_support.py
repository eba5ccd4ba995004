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


def run_app(monkeypatch: pytest.MonkeyPatch, store: Path, **query: str) -> AppTest:
    """Run app.py on a store, with optional query parameters as a pasted link would give."""
    monkeypatch.setenv("CSP_DB", str(store))
    app = AppTest.from_file(str(APP), default_timeout=90)
    app.query_params.update(query)
    return app.run()


def metric_values(app: AppTest) -> dict[str, str]:
    """The metrics on screen, label -> value as shown."""
    return {m.label: m.value for m in app.metric}
