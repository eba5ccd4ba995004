"""Every module the app and its pages import, imported once per server process, one thread at a time.

Streamlit runs each visitor's script in a thread of its own. When several visitors reach a server that has not yet
imported the pages' modules, their threads import the same packages at once, and Python's per-module import locks
then either give up (``_DeadlockError``, seen inside narwhals under altair) or hand a thread a half-initialised
module (``cannot import name 'chart_png' from 'lib.reports.charts'``). Twelve sessions opened at once on a fresh
``streamlit run`` hit both. So ``app.py`` calls ``load_page_modules`` before anything else: the first visitor
imports everything behind one lock, and the others wait for it rather than race it.

The list is read from the import statements of ``app.py``, ``pages/`` and ``ui/`` (function-level imports too), so
a new page or a new import is covered without being listed here. Only the standard library is used, so this module
is safe to import from any thread.
"""

from __future__ import annotations

import ast
import importlib
import threading
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCES = (REPO / "app.py", *sorted((REPO / "pages").glob("*.py")), *sorted((REPO / "ui").glob("*.py")))
SKIPPED = ("ui.serve", "ui.preload")  # the launcher (it imports Streamlit's command line) and this module

_lock = threading.Lock()
_loaded = False


def imported_names(sources: Iterable[Path] = SOURCES) -> list[tuple[str, tuple[str, ...]]]:
    """(module, names taken from it) for every absolute import in ``sources``, in the order first seen."""
    found: dict[str, set[str]] = {}
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    found.setdefault(alias.name, set())
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.setdefault(node.module, set()).update(alias.name for alias in node.names)
    return [(module, tuple(sorted(names))) for module, names in found.items() if module not in SKIPPED]


def load_page_modules(sources: Iterable[Path] = SOURCES) -> None:
    """Import every module ``sources`` import, once per process; a concurrent caller waits until it is done."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if not _loaded:
            for module, names in imported_names(sources):
                _import(module, names)
            _loaded = True


def _import(module: str, names: tuple[str, ...]) -> None:
    """Import ``module`` and, as ``from module import name`` would, any of ``names`` that is a submodule."""
    loaded = importlib.import_module(module)
    if hasattr(loaded, "__path__"):  # a package: `from ui import shell` names a module
        for name in names:
            if f"{module}.{name}" not in SKIPPED and not hasattr(loaded, name):
                importlib.import_module(f"{module}.{name}")
