"""A priority matrix for everyone (issue 18): with no assessment for the year, the Priority matrix page draws the
scores suggested from the data, said to be only that, for viewers read-only and for editors to start a draft from;
a saved assessment is shown as before.

AppTest runs of app.py on the real Sussex and Suffolk stores (police.uk data only: no assessment, no sign-in) and on
the demo county, whose store ships a saved assessment.
"""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pytest

from lib.core.formatting import MISSING, MISSING_TEXT
from tests.app_support import EDITOR, copy_store, demo_store_file, signed_in

SUGGESTED = "suggested from the data, not agreed by the partnership"
EASTBOURNE, EAST_SUSSEX, IPSWICH, SUFFOLK = "E22000295", "E10000011", "E22000273", "E10000029"
START_BUTTON = "FormSubmitter:assessment_start-Start the 2019/20 assessment"


@pytest.fixture
def sussex(sussex_store_path, tmp_path):
    return copy_store(sussex_store_path, tmp_path / "sussex.db")


@pytest.fixture
def suffolk(suffolk_store_path, tmp_path):
    return copy_store(suffolk_store_path, tmp_path / "suffolk.db")


@pytest.fixture
def demo(tmp_path):
    return copy_store(demo_store_file(), tmp_path / "demo.db")


def open_matrix(monkeypatch, store, sign_in: bool = False, editor: str | None = None, **query: str):
    """The Priority matrix page as a pasted link opens it; with ``sign_in``, sign-in is set up and ``editor``
    (None: nobody) is signed in."""
    from streamlit.testing.v1 import AppTest

    from tests.app_support import APP

    monkeypatch.setenv("CSP_DB", str(store))
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.query_params.update(query)
    if sign_in:
        signed_in(app, editor)
    app.switch_page("pages/priorities.py")
    return app.run()


def matrix_titles(app) -> list[str]:
    """The title of every chart on the page, its lines joined."""
    titles = []
    for chart in app.get("vega_lite_chart"):
        text = json.loads(chart.proto.spec).get("title", {}).get("text", "")
        titles.append(" ".join(text) if isinstance(text, list) else text)
    return titles


def shown_text(app) -> list[str]:
    """Every line of words on the page: markdown, captions, alerts and headings, Markdown escapes removed."""
    elements = [*app.markdown, *app.caption, *app.info, *app.warning, *app.success, *app.error, *app.subheader]
    return [e.value.replace("\\", "") for e in elements]


def raw_cells(app) -> list[str]:
    """Cells of the tables on the page that would read None or nan: a missing word, or a missing number where the
    grid would not draw its placeholder (the em dash)."""
    found = []
    for grid in app.dataframe:
        frame: pd.DataFrame = grid.value
        for column in frame.columns:
            numbers = pd.api.types.is_numeric_dtype(frame[column])
            for value in frame[column]:
                missing_number = numbers and pd.isna(value) and grid.proto.placeholder != MISSING
                missing_word = not numbers and (value is None or pd.isna(value) or str(value).strip() in MISSING_TEXT)
                if missing_number or missing_word:
                    found.append(f"{column}: {value!r}")
    return found


@pytest.mark.parametrize(("store", "area", "name"), [
    ("sussex", EASTBOURNE, "Eastbourne"), ("sussex", EAST_SUSSEX, "East Sussex"), ("suffolk", IPSWICH, "Ipswich"),
    ("suffolk", SUFFOLK, "Suffolk"),
])
def test_a_viewer_sees_the_suggested_matrix_read_only(monkeypatch, request, store, area, name):
    app = open_matrix(monkeypatch, request.getfixturevalue(store), area=area)
    assert not app.exception
    titles = matrix_titles(app)
    assert 1 == len(titles) and SUGGESTED in titles[0].lower() and titles[0].startswith(f"{name}: priorities for")
    assert any(f"{name} has no threat, harm and risk assessment for 2019/20 yet" in i.value for i in app.info)
    ranking = next(d.value for d in app.dataframe if "Priority score" in d.value.columns)
    assert len(ranking) >= 20 and "Chosen" not in ranking.columns  # every candidate issue; nothing is chosen yet
    assert not raw_cells(app)
    # Nothing points at a control the viewer does not have: no "Start one", no start form, nothing to edit.
    assert not [t for t in shown_text(app) if "Start one" in t]
    assert not [b for b in app.button if "Start" in b.label] and not app.radio and not app.data_editor
    assert any("Editing is off" in c.value for c in app.caption)
    # The evidence behind each suggestion is beside its scores, for the issue picked.
    assert any("Evidence for" in t for t in shown_text(app)) and "Volume" in {m.label for m in app.metric}


def test_signed_out_with_sign_in_set_up_the_page_says_who_can_start_a_draft(monkeypatch, sussex):
    app = open_matrix(monkeypatch, sussex, sign_in=True, area=EASTBOURNE)
    assert not app.exception
    assert any("Partners who sign in as editors can start the 2019/20 draft from these suggestions" in c.value
               for c in app.caption)
    assert "Sign in to edit" in [b.label for b in app.button]  # a real button, beside the words
    assert not [b for b in app.button if "Start" in b.label]


def test_an_editor_starts_a_draft_from_the_suggestions_and_the_page_shows_it(monkeypatch, sussex):
    app = open_matrix(monkeypatch, sussex, sign_in=True, editor=EDITOR, area=EASTBOURNE)
    assert not app.exception
    suggested = next(d.value for d in app.dataframe if "Priority score" in d.value.columns)
    assert not [c for c in app.caption if "Partners who sign in" in c.value]
    app.button(key=START_BUTTON).click().run()
    assert not app.exception
    with sqlite3.connect(sussex) as db:
        drafts = db.execute("SELECT id, year, status FROM assessment_versions WHERE area_code = ?",
                            [EASTBOURNE]).fetchall()
    assert 1 == len(drafts) and ("2019/20", "draft") == drafts[0][1:]
    # The page now shows the draft: no longer called a suggestion, ranked as the suggestions were.
    assert not [t for t in matrix_titles(app) if SUGGESTED in t.lower()]
    assert any("(being edited)" in option for option in app.selectbox(key="page_version").options)
    draft = next(d.value for d in app.dataframe if "Priority score" in d.value.columns)
    assert draft["Issue"].tolist() == suggested["Issue"].tolist()
    assert draft["Priority score"].tolist() == suggested["Priority score"].tolist()
    assert app.data_editor  # the editor can now change the scores


def test_in_presentation_mode_the_headline_says_the_scores_are_suggested(monkeypatch, sussex):
    app = open_matrix(monkeypatch, sussex, area=EASTBOURNE, present="1")
    assert not app.exception
    headline = app.subheader[0].value.replace("\\", "")
    assert headline.startswith("Threat, harm and risk matrix in Eastbourne") and SUGGESTED in headline
    assert SUGGESTED in matrix_titles(app)[0].lower()
    assert not app.info  # nothing between the headline and the matrix
    # The fitted tables of a projector: every word is there (a missing number is drawn as the em dash, na_rep).
    words = [v for t in app.table for c in t.value.columns if not pd.api.types.is_numeric_dtype(t.value[c])
             for v in t.value[c]]
    assert words and not [v for v in words if v is None or pd.isna(v) or str(v).strip() in MISSING_TEXT]


@pytest.mark.parametrize("area", ["X10000001", "X22000002"])  # the demo county (assessed), one of its CSPs (not)
def test_the_demo_draws_a_matrix_at_csp_and_county_level(monkeypatch, demo, area):
    app = open_matrix(monkeypatch, demo, area=area)
    assert not app.exception
    titles = matrix_titles(app)
    assert 1 == len(titles)
    assert (SUGGESTED in titles[0].lower()) is (area == "X22000002")
    assert not raw_cells(app)


def test_a_saved_assessment_is_shown_as_before_without_the_suggested_label(monkeypatch, demo):
    with sqlite3.connect(demo) as db:
        (agreed,) = db.execute("SELECT id FROM assessment_versions WHERE area_code = 'X10000001' AND year = '2026/27' "
                               "AND status = 'saved'").fetchone()
    app = open_matrix(monkeypatch, demo, area="X10000001", year="2026/27", version=str(agreed))
    assert not app.exception
    assert matrix_titles(app) == ["Avonmere: priorities for 2026/27"]
    assert not [t for t in shown_text(app) if SUGGESTED in t.lower()]
    ranking = next(d.value for d in app.dataframe if "Priority score" in d.value.columns)
    assert "Chosen" in ranking.columns and (ranking["Chosen"] == "Chosen").sum() == 4


def test_the_drawn_matrix_is_kept_for_every_viewer_and_each_view_has_its_own(monkeypatch, demo):
    import streamlit as st

    import ui.priorities

    built: list[str] = []
    build = ui.priorities.priority_matrix_chart
    monkeypatch.setattr(ui.priorities, "priority_matrix_chart", lambda *a, **k: built.append(a[1]) or build(*a, **k))
    st.cache_data.clear()
    app = open_matrix(monkeypatch, demo, area="X10000001")
    drawn = app.get("vega_lite_chart")[0].proto
    assert built == ["risk_position"] and len(drawn.datasets) > 0
    assert app.run().get("vega_lite_chart")[0].proto == drawn  # a rerun: the same chart, not built again
    second = open_matrix(monkeypatch, demo, area="X10000001")  # another viewer, the same view
    assert second.get("vega_lite_chart")[0].proto == drawn and built == ["risk_position"]
    other = open_matrix(monkeypatch, demo, area="X10000001", axes="harm_likelihood")
    assert built == ["risk_position", "harm_likelihood"]
    encoding = [layer.get("encoding", {}) for layer in json.loads(other.get("vega_lite_chart")[0].proto.spec)["layer"]]
    assert {"field": "likelihood", "type": "quantitative"}.items() <= next(
        e["x"] for e in encoding if e.get("size")).items()
