"""The guided event sequence: which screens, in what order, and the one message each says (checked on the demo)."""

from datetime import date

import pytest

from lib.core.areas import find_area
from lib.core.catalogue import find_indicator, indicator_catalogue
from lib.priorities.action_plan import load_actions
from lib.priorities.assessments import list_versions, load_version
from lib.priorities.scoring import ranked
from lib.reports import presentation as pres
from lib.stats.trends import rolling_comparison
from lib.store.series import monthly_series


def test_sequence_runs_overview_priorities_matrix_actions():
    steps = pres.event_sequence([("ASB", "asb"), ("Road safety", "ksi"), ("Exploitation", "")],
                                charted={"asb", "ksi"}, mapped={"asb"})
    assert [s.kind for s in steps] == [pres.OVERVIEW, pres.TREND, pres.HOTSPOTS, pres.TREND, pres.NO_FIGURES,
                                       pres.MATRIX, pres.ACTIONS]
    assert steps[1].title == "Priority 1 of 3: ASB. How it is going"
    assert steps[4].title == "Priority 3 of 3: Exploitation" and steps[4].priority == "Exploitation"
    assert steps[2].indicator_key == "asb"


def test_sequence_without_priorities_opens_on_asb_and_public_place_violence():
    steps = pres.event_sequence([], charted={"anti-social-behaviour", "public-place-violence"},
                                mapped={"anti-social-behaviour", "public-place-violence"})
    assert [s.indicator_key for s in steps if s.kind == pres.TREND] == ["anti-social-behaviour",
                                                                        "public-place-violence"]
    assert len(steps) == 7


@pytest.mark.parametrize(("raw", "number"), [("1", 1), ("3", 3), ("7", 7), ("99", 7), ("0", 1), ("-2", 1),
                                               ("two", 1), (None, 1), ("", 1)])
def test_step_number_stays_inside_the_sequence(raw, number):
    assert pres.step_number(raw, range(7)) == number


def test_demo_presents_its_agreed_priorities_never_next_years_draft(demo):
    county = find_area(demo, "Avonmere")
    versions = list_versions(demo, county.code)
    assert any(v.status == "draft" and v.year > max(v.year for v in versions if v.status == "saved")
               for v in versions), "the demo holds next year's working draft, or this test proves nothing"
    agreed, shown = pres.presented_versions(versions)
    assert agreed.status == "saved" and agreed.name == "Agreed at the partnership event"
    assert shown == agreed, "the room sees the matrix the partnership agreed, not a working draft"
    chosen = pres.chosen_priorities(ranked(load_version(demo, agreed.id)))
    held = demo.execute(
        "SELECT issue, COALESCE(indicator_key, '') FROM assessment_scores WHERE version_id = ? AND chosen = 1 "
        "ORDER BY priority_score DESC", [agreed.id]).fetchall()
    assert chosen == [tuple(row) for row in held] and len(chosen) == 4


def test_presented_versions_without_any_assessment():
    assert pres.presented_versions([]) == (None, None)
    assert pres.no_agreed_message([]) == pres.NO_ASSESSMENT


def test_only_a_draft_is_said_plainly_to_be_unagreed(demo):
    county = find_area(demo, "Avonmere")
    drafts = [v for v in list_versions(demo, county.code) if v.status == "draft"]
    assert drafts
    assert pres.presented_versions(drafts) == (None, None)
    text = pres.no_agreed_message(drafts)
    assert text.startswith("No threat, harm and risk assessment has been agreed yet.")
    assert f"The {drafts[0].year} assessment is a working draft" in text


def test_headline_names_what_where_and_when():
    assert (pres.headline("Anti-social behaviour", "Eastbourne", "rolling 12 months to February 2019")
            == "Anti-social behaviour in Eastbourne, rolling 12 months to February 2019")
    assert (pres.headline(["Burglary", "Anti-social behaviour"], "Avonmere", "each month to May 2026")
            == "Burglary and anti-social behaviour in Avonmere, each month to May 2026")
    assert (pres.headline("Recorded incidents", "Eastbourne", "The 5 months held (Oct 2018 to Feb 2019)")
            == "Recorded incidents in Eastbourne, the 5 months held (Oct 2018 to Feb 2019)")


def test_trend_message_quotes_the_recounted_figures(demo):
    county = find_area(demo, "Avonmere")
    asb = find_indicator(indicator_catalogue(demo), "anti-social-behaviour")
    end = demo.execute("SELECT MAX(month) FROM monthly_counts").fetchone()[0]
    window = rolling_comparison(monthly_series(demo, asb, county), end, asb.polarity)
    text = pres.trend_message(asb.name, county.name, window)
    recount = demo.execute(
        "SELECT COUNT(*) FROM incident_points WHERE category = 'Anti-social behaviour' AND month BETWEEN ? AND ?",
        [window.months[0], window.months[1]]).fetchone()[0]
    earlier = demo.execute(
        "SELECT COUNT(*) FROM incident_points WHERE category = 'Anti-social behaviour' AND month BETWEEN ? AND ?",
        [window.earlier_months[0], window.earlier_months[1]]).fetchone()[0]
    assert f"({recount:,} against {earlier:,})" in text
    direction = "fell" if recount < earlier else "rose"
    assert f"{direction} by {abs(100 * (recount - earlier) / earlier):.0f}%" in text
    assert ("beyond chance" in text) == window.comparison.beyond_chance
    from lib.core.periods import month_long

    assert f"over the 12 months to {month_long(window.months[1])} " in text, "the room is told when"


def test_actions_message_counts_every_status(demo):
    today = date(2026, 11, 23)
    text = pres.actions_message(load_actions(demo), today)
    by_rag = dict(demo.execute("SELECT rag, COUNT(*) FROM actions GROUP BY rag").fetchall())
    overdue = demo.execute(
        "SELECT COUNT(*) FROM actions WHERE rag != 'Complete' AND completion_date < ?", [today.isoformat()]
    ).fetchone()[0]
    assert text.startswith(f"{sum(by_rag.values())} actions: ")
    for rag, count in by_rag.items():
        assert f"{count} {rag}" in text
    assert text.endswith(f"; {overdue} overdue.")
    assert pres.actions_message([], today) == "No action plan is loaded yet."


def test_matrix_and_hotspot_messages_say_what_is_chosen():
    import pandas as pd

    frame = pd.DataFrame({"issue": ["A", "B", "C"], "indicator_key": ["a", None, "c"], "chosen": [True, False, True]})
    assert pres.matrix_message("2027/28", frame) == "3 issues assessed for 2027/28; 2 chosen as priorities: A and C."
    assert pres.matrix_message("2027/28", frame.assign(chosen=False)).endswith("none chosen as a priority yet.")
    assert pres.matrix_message("2027/28", frame.iloc[0:0]) == pres.NO_ASSESSMENT
    assert pres.hotspot_message("ASB", 1, 12.4, 100).startswith("12% of ASB incidents fell in 1 hot spot ")
    assert "spread across the area" in pres.hotspot_message("ASB", 0, 0.0, 100)
    assert pres.hotspot_message("Anti-social behaviour", 3, 40, 9).startswith("40% of anti-social behaviour ")
    assert pres.hotspot_message("ASB", 0, 0.0, 0) == "No ASB incidents were recorded in the period."



def test_a_message_is_led_by_the_area_it_is_about():
    assert pres.about_area("Eastbourne", "No action plan is loaded yet.") == "Eastbourne: no action plan is loaded yet."
    assert pres.about_area("Avonmere", pres.RESTRICTED_NOTE).startswith("Avonmere: its figures come from ")
    assert pres.about_area("Hastings", "ASB fell.") == "Hastings: ASB fell.", "an acronym keeps its capitals"
