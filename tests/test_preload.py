"""ui.preload: the app's modules imported once, one thread at a time, before any page runs."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.app_support import REPO
from ui.preload import SOURCES, imported_names

# A fresh interpreter (nothing of the app imported yet), where twelve visitors' threads arrive at once.
TWELVE_VISITORS = textwrap.dedent("""
    import json, sys, threading
    from ui import preload

    imported, errors = [], []
    real_import = preload._import
    preload._import = lambda module, names: (imported.append(module), real_import(module, names))

    def visit():
        try:
            preload.load_page_modules()
        except BaseException as error:
            errors.append(repr(error))

    visitors = [threading.Thread(target=visit) for _ in range(12)]
    for visitor in visitors:
        visitor.start()
    for visitor in visitors:
        visitor.join(600)
    wanted = [module for module, _ in preload.imported_names()]
    print(json.dumps({"errors": errors, "imported": imported, "wanted": wanted,
                      "missing": [module for module in wanted if module not in sys.modules],
                      "still running": sum(visitor.is_alive() for visitor in visitors),
                      "ui.link loaded": "ui.link" in sys.modules}))
""")

# A fresh interpreter as a new server is on its first runs: Streamlit loaded, and a folder named pages/ taken for
# legacy multipage pages, so a deep link runs the page file on its own. Each page file is run so, one by one.
PAGE_ON_ITS_OWN = textwrap.dedent("""
    import json, runpy, sys
    from pathlib import Path

    import streamlit
    from streamlit.runtime.pages_manager import PagesManager
    from ui import preload

    class HandedOver(Exception):
        pass

    def run_app_instead(path, run_name):
        raise HandedOver(path)

    runpy.run_path = run_app_instead
    PagesManager.uses_pages_directory = True
    found = {}
    for page in sorted(Path("pages").glob("*.py")):
        before = set(sys.modules)
        try:
            exec(compile(page.read_text(), str(page), "exec"), {"__name__": "__main__"})
            found[page.name] = {"handed over to": None}
        except HandedOver as handed:
            found[page.name] = {"handed over to": Path(str(handed)).name}
        except Exception as error:  # the page ran on without app.py, and failed
            found[page.name] = {"handed over to": None, "failed": repr(error)[:200]}
        found[page.name]["imported first"] = sorted(set(sys.modules) - before)
    print(json.dumps(found))
""")


def test_a_page_opened_on_its_own_hands_over_to_app_py_before_importing_anything():
    """The first visitors of a new server, arriving by deep links, must not each import the pages' modules outside
    the lock: twelve at once deadlocked in narwhals when each page ran its own imports first."""
    run = subprocess.run([sys.executable, "-c", PAGE_ON_ITS_OWN], cwd=REPO, capture_output=True, text=True,
                         timeout=600, check=False)
    assert 0 == run.returncode, run.stderr[-3000:]
    found = json.loads(run.stdout.splitlines()[-1])
    assert sorted(path.name for path in (REPO / "pages").glob("*.py")) == sorted(found)
    assert {page: {"handed over to": "app.py", "imported first": []} for page in found} == found


def test_the_list_is_read_from_the_app_the_pages_and_ui():
    assert REPO / "app.py" in SOURCES and REPO / "pages" / "priorities.py" in SOURCES
    modules = dict(imported_names())
    assert "lib.reports.charts" in modules  # pages/priorities.py: from lib.reports.charts import chart_png, ...
    assert "chart_png" in modules["lib.reports.charts"]
    assert {"link", "shell", "widgets"} <= set(modules["ui"])  # from ui import link, ... names submodules
    assert "ui.serve" not in modules and "ui.preload" not in modules


def test_a_function_level_import_is_found(tmp_path):
    source = tmp_path / "page.py"
    source.write_text("import json\n\ndef later():\n    from lib.core.periods import latest_12_months\n")
    assert [("json", ()), ("lib.core.periods", ("latest_12_months",))] == imported_names([source])


def test_twelve_visitors_at_once_import_everything_once_without_error():
    run = subprocess.run([sys.executable, "-c", TWELVE_VISITORS], cwd=REPO, capture_output=True, text=True,
                         timeout=600, check=False)
    assert 0 == run.returncode, run.stderr[-3000:]
    seen = json.loads(run.stdout.splitlines()[-1])
    assert [] == seen["errors"] and 0 == seen["still running"]
    assert [] == seen["missing"]
    assert seen["wanted"] == seen["imported"]  # each module once, by one visitor, not once per visitor
    assert seen["ui.link loaded"]  # named by `from ui import link`, a submodule the package does not import
