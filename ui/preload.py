"""Before any page runs: app.py's router in charge, and every module the app and its pages import loaded once per
server process, one thread at a time.

Streamlit runs each visitor's script in a thread of its own. When several visitors reach a server that has not yet
imported the pages' modules, their threads import the same packages at once, and Python's per-module import locks
then either give up (``_DeadlockError``, seen inside narwhals under altair) or hand a thread a half-initialised
module (``cannot import name 'chart_png' from 'lib.reports.charts'``). Twelve sessions opened at once on a fresh
``streamlit run`` hit both. So ``app.py`` calls ``load_page_modules`` before anything else: the first visitor
imports everything behind one lock, and the others wait for it rather than race it.

Until some visitor's run of app.py has called ``st.navigation``, a new server still treats the folder named
``pages/`` as legacy multipage pages: a visitor arriving by a deep link (``/hotspots?area=...``) has that page
file run on its own, without app.py, and so without this lock, the sidebar or the notices. So every page file
starts with ``require_app_shell()``, before its own imports: on such a run it runs app.py instead, which takes
over the navigation for the whole server and runs the page under the router.

The list is read from the import statements of ``app.py``, ``pages/`` and ``ui/`` (function-level imports too), so
a new page or a new import is covered without being listed here. Only the standard library is used, so this module
is safe to import from any thread (Streamlit is imported only inside ``require_app_shell``, in the server).
"""

from __future__ import annotations

import ast
import importlib
import runpy
import threading
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app.py"
SOURCES = (APP, *sorted((REPO / "pages").glob("*.py")), *sorted((REPO / "ui").glob("*.py")))
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


def require_app_shell() -> None:
    """Run app.py instead when Streamlit has opened this page file on its own (the first runs of a new server).

    The page's own imports come after this call, so nothing heavy is imported outside app.py's lock.
    """
    from streamlit.runtime.pages_manager import PagesManager  # already loaded: this code runs inside the server

    if PagesManager.uses_pages_directory:
        import streamlit as st

        runpy.run_path(str(APP), run_name="__main__")
        st.stop()
