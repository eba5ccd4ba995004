"""The Measures page under AppTest: on real first stores (no targets) each CSP is judged against the comparator the
store can answer, a county opens on a grid of every CSP, a viewer is never pointed at a control they do not have,
the targets template is there for everyone and the upload for editors; the demo county keeps its targets' grid."""

from __future__ import annotations

import re

import pytest

from tests.app_support import EDITOR, copy_store, demo_store_file, open_page

RAG = re.compile(r"^(Green ✓|Amber !|Red ✗|Not rated [↑↓≈]|No data –|Not compared ·)")
TEMPLATE = "Download a targets template (CSV)"
MISSING_TEXT = {"None", "nan", "NaN", "<NA>"}


@pytest.fixture
def sussex(sussex_store_path, tmp_path):
    return copy_store(sussex_store_path, tmp_path / "sussex.db")


@pytest.fixture
def suffolk(suffolk_store_path, tmp_path):
    return copy_store(suffolk_store_path, tmp_path / "suffolk.db")


@pytest.fixture
def demo(tmp_path):
    return copy_store(demo_store_file(), tmp_path / "demo.db")


def texts(app) -> list[str]:
    """Every line of words on the page as a reader sees them (Markdown escapes off)."""
    found = [e.value for kind in ("markdown", "caption", "info", "subheader", "warning", "success", "error")
             for e in app.get(kind)]
    return [t.replace("\\", "") for t in found if isinstance(t, str) and not t.startswith("<style")]


def subheaders(app) -> list[str]:
    return [s.value.replace("\\", "") for s in app.subheader]


def downloads(app) -> list[str]:
    return [b.proto.label for b in app.get("download_button")]


def tables(app) -> list:
    return [d.value for d in [*app.dataframe, *app.table]]


def status_table(app):
    return next(t for t in tables(app) if "Status" in t.columns)


def no_missing_words(frame) -> bool:
    return not {str(v) for v in frame.to_numpy().ravel()} & MISSING_TEXT


def assert_nothing_points_below(app) -> None:
    """A viewer has no upload, so no words may send them to one."""
    assert not app.file_uploader
    assert not [t for t in texts(app) if "below" in t.lower()], [t for t in texts(app) if "below" in t.lower()]


@pytest.mark.parametrize(("store", "area", "county"), [("sussex", "E22000295", "East Sussex"),
                                                        ("suffolk", "E22000273", "Suffolk")])
def test_a_real_csp_without_targets_is_judged_against_its_county(monkeypatch, request, store, area, county):
    app = open_page(monkeypatch, request.getfixturevalue(store), "pages/measures.py", area=area)
    assert not app.exception and not app.error
    table = status_table(app)
    assert len(table) == 8 and table["Status"].str.match(RAG.pattern).all()
    assert {"Green", "Amber", "Red"} & {s.split()[0] for s in table["Status"]}
    assert no_missing_words(table)
    shown = texts(app)
    assert any(t.startswith(f"Compared with {county} (the county), because last year cannot be used") for t in shown)
    assert any(f"**Green**: better than {county} (the county) beyond chance" in t for t in shown)
    assert any("Byar's method" in t for t in shown)  # the test named in "How this is worked out"
    assert {":material/check_circle: Green", ":material/error: Amber", ":material/cancel: Red"} <= {
        m.label for m in app.metric}
    assert TEMPLATE in downloads(app)
    assert_nothing_points_below(app)
    assert any("Targets are set by the partnership's editors" in t for t in shown)


@pytest.mark.parametrize(("store", "county", "csps"), [
    ("sussex", "E10000011", ["Eastbourne", "Hastings", "Lewes", "Rother", "Wealden"]),
    ("suffolk", "E10000029", ["Ipswich", "Western Suffolk"]),
])
def test_a_real_county_opens_on_a_grid_of_every_csp(monkeypatch, request, store, county, csps):
    app = open_page(monkeypatch, request.getfixturevalue(store), "pages/measures.py", area=county)
    assert not app.exception and not app.error
    grid = app.dataframe[0].value  # the first visual
    cells = grid[csps] if set(csps) <= set(grid.columns) else grid.set_index("CSP").T[csps]
    assert cells.stack().str.match(RAG.pattern).all()
    assert no_missing_words(grid)
    assert "against" in app.subheader[0].value and "every CSP" in app.subheader[0].value
    # One CSP's detail is still there, below the grid, chosen by a picker.
    assert app.selectbox(key="page_csp").value is not None
    assert any(d is not grid and "Status" in d.columns for d in tables(app))
    assert TEMPLATE in downloads(app) and "Download the grid (CSV)" in downloads(app)
    assert_nothing_points_below(app)


def test_a_county_grid_picks_the_csp_shown_in_detail_from_the_link(monkeypatch, sussex):
    app = open_page(monkeypatch, sussex, "pages/measures.py", area="E10000011", csp="E22000301")
    assert "E22000301" == app.selectbox(key="page_csp").value
    assert any(s.startswith("Wealden CSP") for s in subheaders(app))


def test_the_demo_county_shows_its_targets_grid(monkeypatch, demo):
    app = open_page(monkeypatch, demo, "pages/measures.py", area="X10000001")
    assert not app.exception and not app.error
    grid = app.dataframe[0].value
    assert ["Measure", "Brackenford", "Castlebury", "Harwick", "Lowmere", "Saltcliffe"] == list(grid.columns)
    cells = grid.iloc[:, 1:].stack()
    held = cells[cells != "—"]
    assert len(held) > 10 and held.str.match(r"^(Green ✓|Amber !|Red ✗|No data –)").all()
    assert "against their targets" in app.subheader[0].value
    assert any(t.startswith("**Green**: on target or better") for t in texts(app))  # the targets' rule
    assert TEMPLATE in downloads(app)
    assert_nothing_points_below(app)


def test_a_demo_csp_keeps_its_measures_and_adds_the_template(monkeypatch, demo):
    app = open_page(monkeypatch, demo, "pages/measures.py", area="X22000003")
    assert not app.exception and not app.error
    assert any(s.startswith("Harwick CSP: measures up to") for s in subheaders(app))
    assert app.get("vega_lite_chart")  # the measures' cards with their sparklines
    assert TEMPLATE in downloads(app) and "Download the measures (CSV)" in downloads(app)
    assert_nothing_points_below(app)


@pytest.mark.parametrize(("store", "area"), [("sussex", "E22000295"), ("demo", "X22000002")])
def test_a_signed_out_viewer_gets_the_sign_in_button_and_no_upload(monkeypatch, request, store, area):
    from streamlit.testing.v1 import AppTest

    from tests.app_support import APP, signed_in

    monkeypatch.setenv("CSP_DB", str(request.getfixturevalue(store)))
    app = signed_in(AppTest.from_file(str(APP), default_timeout=90), None)
    app.query_params.update({"area": area})
    app.switch_page("pages/measures.py")
    app.run()
    assert not app.exception
    assert any("Sign in to edit" in b.label for b in app.button)
    assert TEMPLATE in downloads(app)
    assert_nothing_points_below(app)


def test_an_editor_sees_the_upload_and_is_told_to_import_below(monkeypatch, sussex):
    app = open_page(monkeypatch, sussex, "pages/measures.py", area="E22000295", editor=EDITOR)
    assert not app.exception
    assert app.file_uploader and TEMPLATE in downloads(app)
    assert any("import it below" in t for t in texts(app))
    assert not any("Targets are set by the partnership's editors" in t for t in texts(app))


def test_an_editor_of_a_csp_with_targets_sees_the_editor_and_the_upload(monkeypatch, demo):
    app = open_page(monkeypatch, demo, "pages/measures.py", area="X22000002", editor=EDITOR)
    assert not app.exception
    assert app.data_editor and app.file_uploader and TEMPLATE in downloads(app)


@pytest.mark.parametrize(("area", "where"), [("E22000295", "in Eastbourne CSP"),
                                             ("E10000011", "in the CSPs of East Sussex")])
def test_presentation_mode_names_what_where_and_when_above_the_first_visual(monkeypatch, sussex, area, where):
    app = open_page(monkeypatch, sussex, "pages/measures.py", area=area, present="1")
    assert not app.exception and not app.error
    headline = app.subheader[0].value.replace("\\", "")
    assert headline.startswith("Headline indicators against East Sussex (the county) " + where)
    assert headline.endswith("the 5 months held (Oct 2018 to Feb 2019)")
    assert not app.title  # the headline is the heading there
    assert app.table and all(no_missing_words(t.value.data if hasattr(t.value, "data") else t.value)
                             for t in app.table)
