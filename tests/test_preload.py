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
