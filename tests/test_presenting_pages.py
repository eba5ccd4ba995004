"""Pages in presentation and public mode (issue 17): a headline naming what, where and when above the picture, plain
words with the method one click away, the agreed matrix at the event, and the top bar marking the current page."""

from __future__ import annotations

import pytest

from lib.store.db import open_store
from tests.app_support import copy_store, demo_store_file
from tests.test_pages import COUNTY, PARTNER, open_page
from ui.modes import CURRENT_SECTION_KEY, NAVIGATION_CSS, PRESENTATION_CSS


@pytest.fixture
def demo(tmp_path):
    """A private copy of the demo store, so a test may change it."""
    return copy_store(demo_store_file(), tmp_path / "demo.db")


@pytest.mark.parametrize(("page", "query", "headline"), [
    ("pages/trends.py", {"indicator": "anti-social-behaviour", "view": "rolling"},
     "Anti-social behaviour in Avonmere, rolling 12 months to "),
    ("pages/overview.py", {}, "Headline indicators against the same period last year in Avonmere and its CSPs, "
                               "latest 12 months ("),
    ("pages/home.py", {}, "Recorded incidents in Avonmere"),
])
def test_every_presented_page_names_what_where_and_when(monkeypatch, demo, page, query, headline):
    app = open_page(monkeypatch, demo, page, area=COUNTY, present="1", **query)
    assert not app.exception
    assert any(s.value.replace("\\", "").startswith(headline) for s in app.subheader), [s.value for s in app.subheader]
    normal = open_page(monkeypatch, demo, page, area=COUNTY, **query)
    assert not any(s.value.replace("\\", "").startswith(headline) for s in normal.subheader)


def test_trend_words_are_plain_in_public_mode_and_technical_for_a_partner(monkeypatch, demo):
    query = {"area": COUNTY, "indicator": "anti-social-behaviour"}
    public = open_page(monkeypatch, demo, "pages/trends.py", **query)
    words = " ".join(m.value for m in public.markdown)
    assert "chi-squared" not in words and "p = " not in words
    assert "five latest months" in words
    assert any(e.label == "How this is worked out" for e in public.expander)
    officer = open_page(monkeypatch, demo, "pages/trends.py", editor=PARTNER, public="0", **query)
    words = " ".join(m.value for m in officer.markdown)
    assert "chi-squared test for trend" in words and "99.8% level" in words
    assert not any(e.label == "How this is worked out" for e in officer.expander)


def test_the_matrix_step_shows_the_agreed_assessment_not_the_draft(monkeypatch, demo):
    with open_store(demo) as db:
        agreed = db.execute("SELECT name, year FROM assessment_versions WHERE status = 'saved' "
                            "ORDER BY year DESC, saved_at DESC, id DESC LIMIT 1").fetchone()
    app = open_page(monkeypatch, demo, "pages/present.py", area=COUNTY, present="1", step="8")
    assert not app.exception
    assert "The priorities we agreed" == app.title[0].value
    assert any(f"assessed for {agreed[1]}" in s.value for s in app.subheader)
    assert "none chosen as a priority yet" not in " ".join(s.value for s in app.subheader)
    # Next carries no arrow icon: the button shows its arrow key itself.
    assert not app.button(key="step_next").proto.icon and not app.button(key="step_previous").proto.icon


def test_with_only_a_draft_the_matrix_step_says_none_is_agreed(monkeypatch, demo):
    with open_store(demo) as db:
        db.execute("DELETE FROM assessment_versions WHERE status != 'draft'")
        db.conn.commit()
    # With no agreed priorities the event opens on ASB and public place violence: the matrix is the 6th of 7 steps.
    app = open_page(monkeypatch, demo, "pages/present.py", area=COUNTY, present="1", step="6")
    assert not app.exception
    assert "The priorities we agreed" == app.title[0].value
    said = [s.value.replace("\\", "") for s in app.subheader]
    assert any(s.startswith("Avonmere: no threat, harm and risk assessment has been agreed yet.") for s in said), said
    assert not app.get("vega_lite_chart")


def test_the_top_bar_marks_the_current_pages_section_and_underlines_no_other_link():
    from types import SimpleNamespace

    from ui.modes import section_place

    def page(url):
        return SimpleNamespace(url_path=url)

    sections = {"": [page("")], "Performance": [page("overview"), page("trends")], "Places": [page("hotspots")]}
    assert [section_place(sections, page(u)) for u in ("", "trends", "hotspots", "nowhere")] == [0, 1, 2, None]
    # The rule for the second place marks the second item of the top bar; links in the top bar are not underlined
    # by the rule that underlines links in the page (it once underlined "Home" on every page).
    assert (f'.stApp:has(.st-key-{CURRENT_SECTION_KEY}_1) [data-testid="stTopNav"] > div:nth-child(2) '
            '[data-testid="stTopNavSection"]') in NAVIGATION_CSS
    assert ".stApp a {" not in PRESENTATION_CSS and '[data-testid="stMain"] a { text-decoration: underline; }' \
        in PRESENTATION_CSS
