"""Every page answers its question on a real CSP's first store (issue 18), under AppTest.

A real store built from `../shared/data/real` the README's way (lookups, boundaries, population and one force's
police.uk file; no targets, no assessment, no sign-in), for Sussex and for Suffolk, each at CSP and county level,
and the demo county. On each: no page raises; the overview's grid holds judged cells by default; the matrix page
draws a matrix; Measures shows RAG statuses; and no message points at a control that is not on the page.
"""

from __future__ import annotations

import re

import pytest

from lib.performance.measures import AMBER, GREEN, RED
from lib.stats.statistics import BETTER, HIGHER, LOWER, SIMILAR, WORSE
from tests.app_support import copy_store, demo_store_file, open_page

# Each view: the store and the area in the link (a CSP, or a county).
VIEWS = {
    "sussex-eastbourne": ("sussex", "E22000295"),
    "sussex-east-sussex": ("sussex", "E10000011"),
    "suffolk-ipswich": ("suffolk", "E22000273"),
    "suffolk-county": ("suffolk", "E10000029"),
    "demo-county": ("demo", "X10000001"),
}
PAGES = ["home", "overview", "trends", "measures", "similar", "hotspots", "priorities", "actions", "present",
         "pack", "data"]
JUDGED = (BETTER, WORSE, SIMILAR, HIGHER, LOWER)
# Words that send the reader to a control, and the control that must then be on the page. A message may only
# point at what this viewer can use (no uploader for a viewer, no button to start an assessment, no sign-in).
POINTERS = {
    "a file uploader": (re.compile(r"\b(upload|import (a|the) [\w ]*file (below|here))\b", re.IGNORECASE),
                        "file_uploader"),
    "a button": (re.compile(r"\b(press|click) (the|a)\b|\bstart one\b|\bbutton below\b", re.IGNORECASE), "button"),
    "sign-in": (re.compile(r"\bsign in (below|here|with the button)\b", re.IGNORECASE), "button"),
}


@pytest.fixture(scope="module")
def stores(sussex_store_path, suffolk_store_path, tmp_path_factory):
    """A private copy of each store for this module (a page may write its session's state, never its data)."""
    folder = tmp_path_factory.mktemp("real-stores")
    sources = {"sussex": sussex_store_path, "suffolk": suffolk_store_path, "demo": demo_store_file()}
    return {name: copy_store(path, folder / f"{name}.db") for name, path in sources.items()}


def open_view(monkeypatch, stores, view: str, page: str, **query: str):
    store, area = VIEWS[view]
    app = open_page(monkeypatch, stores[store], f"pages/{page}.py", area=area, **query)
    assert not app.exception, f"{view} {page}: {app.exception}"
    return app


def messages(app) -> list[str]:
    """Every sentence the page says in words: alerts, captions, markdown."""
    kinds = ("info", "warning", "error", "success", "caption", "markdown")
    # As read: without the escapes that keep data text from being taken as Markdown.
    return [re.sub(r"\\(.)", r"\1", str(e.value)) for kind in kinds for e in getattr(app, kind)]


def controls(app, kind: str) -> list:
    return list(app.get(kind))


def frames(app) -> list:
    """The tables on the page (dataframes and static tables) as pandas frames."""
    found = []
    for element in [*app.dataframe, *app.table]:
        value = element.value
        found.append(value.data if hasattr(value, "data") else value)
    return found


def all_text(app) -> str:
    cells = " ".join(frame.astype(str).to_string() for frame in frames(app))
    return " ".join(messages(app)) + " " + cells


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("view", VIEWS)
def test_no_page_points_at_a_control_that_is_not_there(monkeypatch, stores, view, page):
    app = open_view(monkeypatch, stores, view, page)
    for what, (words, kind) in POINTERS.items():
        pointing = [m for m in messages(app) if words.search(m)]
        if pointing:
            assert controls(app, kind), f"{view} {page} points at {what} it does not show: {pointing[0]!r}"


@pytest.mark.parametrize("view", VIEWS)
def test_the_overview_opens_on_judged_cells(monkeypatch, stores, view):
    app = open_view(monkeypatch, stores, view, "overview")
    grid = frames(app)[0]
    cells = [str(text) for column in grid.columns[1:] for text in grid[column]]
    judged = [c for c in cells if c.endswith(JUDGED)]
    # Every CSP is judged on its police.uk indicators (the county's own column may be the benchmark).
    assert len(judged) >= len(grid.columns[2:]) * 2, cells
    assert any("Compared with" in c for c in messages(app))


@pytest.mark.parametrize("view", [v for v in VIEWS if v != "demo-county"])
def test_a_new_store_says_which_comparison_it_used_and_why(monkeypatch, stores, view):
    app = open_view(monkeypatch, stores, view, "overview")
    said = next(m for m in messages(app) if "Compared with" in m)
    assert "the first comparison this store can answer" in said
    assert "not same period last year: the months a year earlier" in said


@pytest.mark.parametrize("view", ["sussex-eastbourne", "suffolk-county"])
def test_the_link_sets_the_comparison_in_presentation_mode(monkeypatch, stores, view):
    app = open_view(monkeypatch, stores, view, "overview", compare="force", present="1")
    said = next(m for m in messages(app) if "Compared with" in m)
    assert "(the police force area)" in said and "first comparison" not in said
    assert app.query_params["compare"] == ["force"] or app.query_params["compare"] == "force"


def test_a_link_asking_for_last_year_on_a_new_store_is_told_why_not(monkeypatch, stores):
    app = open_view(monkeypatch, stores, "sussex-eastbourne", "overview", compare="last_year")
    assert any("which this store cannot answer" in m for m in messages(app))
    grid = frames(app)[0]
    assert any(str(t).endswith(JUDGED) for t in grid["Eastbourne"])


@pytest.mark.parametrize("view", VIEWS)
def test_the_matrix_page_draws_a_matrix(monkeypatch, stores, view):
    app = open_view(monkeypatch, stores, view, "priorities")
    assert controls(app, "vega_lite_chart"), f"{view}: no chart on the matrix page"


@pytest.mark.parametrize("view", VIEWS)
def test_measures_shows_statuses(monkeypatch, stores, view):
    app = open_view(monkeypatch, stores, view, "measures")
    text = all_text(app)
    assert any(re.search(rf"\b{word}\b", text) for word in (GREEN, AMBER, RED)), f"{view}: no RAG status shown"


@pytest.mark.parametrize("view", ["sussex-eastbourne", "suffolk-ipswich"])
def test_the_data_page_sets_up_the_area(monkeypatch, stores, view):
    app = open_view(monkeypatch, stores, view, "data")
    steps = next(frame for frame in frames(app) if "Step" in frame.columns)
    held = dict(zip(steps["Step"].str.replace(r"^\d+\. ", "", regex=True), steps["Held"], strict=True))
    assert held["Population"] == "✓ Held" and held["Targets for the CSP's measures"] == "✗ Missing"
    assert any(s.startswith("police.uk street-level files for ") and h == "✓ Held" for s, h in held.items())
    assert [s for s in app.selectbox if s.label == "Community safety partnership (CSP)"][0].value == VIEWS[view][1]
    assert any("Still missing for" in m for m in messages(app))


def test_on_a_projector_the_overview_names_its_comparison_and_offers_no_selection(monkeypatch, stores):
    app = open_view(monkeypatch, stores, "sussex-eastbourne", "overview", present="1")
    headline = re.sub(r"\\(.)", r"\1", app.subheader[0].value)
    assert headline.startswith("Headline indicators against East Sussex (the county) in East Sussex and its CSPs")
    assert "Select a cell" not in " ".join(messages(app))
