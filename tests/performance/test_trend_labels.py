"""Words on the Trends page: here, what it says when the partner sent no values of an indicator for an area."""

from __future__ import annotations

from lib.core.areas import Area, find_area
from lib.core.catalogue import Indicator, find_indicator, indicator_catalogue
from lib.performance.trend_labels import HELD_AREAS_NAMED, missing_values, no_values_words
from lib.store.series import HeldValues
from tests.store.test_series import DEMO_COUNTY, NOT_SENT_FOR, YEARLY_PARTNER, demo_without_values

RATE = Indicator("first-time-entrants", "First-time entrants", "partner", unit="rate per 100,000",
                 frequency="annual")


def test_no_values_words_name_the_area_and_where_values_are_held():
    held = [HeldValues("Brackenford", "2022/23", "2025/26"), HeldValues("Harwick", "2024/25", "2024/25")]
    words = no_values_words(RATE, [Area("X22000002", "Castlebury", "csp")], held)
    assert words == ("First-time entrants has no values for Castlebury. Values are held for Brackenford "
                     "(2022/23 to 2025/26) and Harwick (2024/25).")


def test_no_values_words_for_a_county_say_why_and_months_read_as_months():
    words = no_values_words(RATE, [Area("X10000001", "Avonmere", "county")],
                            [HeldValues("Harwick", "2025-04", "2025-09")])
    assert words.startswith("First-time entrants has no values for Avonmere. A county's figure is added up from "
                            "its CSPs' values, and only for periods every CSP sent")
    assert words.endswith("Values are held for Harwick (Apr to Sep 2025).")


def test_no_values_words_name_a_few_areas_then_count_the_rest():
    held = [HeldValues(f"Area {n}", "2024/25", "2024/25") for n in range(HELD_AREAS_NAMED + 3)]
    words = no_values_words(RATE, [Area("X22000002", "Castlebury", "csp")], held)
    assert f"Area {HELD_AREAS_NAMED - 1} (2024/25) and 3 more areas." in words
    assert f"Area {HELD_AREAS_NAMED} " not in words


def test_no_values_anywhere_says_so():
    words = no_values_words(RATE, [Area("X22000002", "Castlebury", "csp")], [])
    assert words == "First-time entrants has no values for Castlebury. The store holds none for any area."


def test_missing_values_picks_out_the_areas_without_values(tmp_path):
    db = demo_without_values(tmp_path, YEARLY_PARTNER)
    indicator = find_indicator(indicator_catalogue(db), "first-time-entrants")
    without, county, harwick = (find_area(db, name) for name in (NOT_SENT_FOR, DEMO_COUNTY, "Harwick"))
    found = missing_values(db, indicator, [harwick, without, county])
    assert (without, county) == found.areas
    assert found.words.startswith(f"{indicator.name} has no values for {NOT_SENT_FOR} and Avonmere.")
    assert "Harwick (" in found.words
    assert missing_values(db, indicator, [harwick]) == missing_values(db, indicator, [])
    assert () == missing_values(db, indicator, [harwick]).areas


def test_trend_words_plain_for_a_room_and_technical_for_officers():
    from lib.performance.trend_labels import plain_trend_words, trend_test_words, trend_words
    from lib.stats.statistics import recent_trend

    flat = recent_trend([50, 52, 49, 55, 51], [1000] * 5, "lower_is_better")
    assert flat.p_value is not None and flat.p_value > 0.002
    officers = trend_words("Eastbourne", flat)
    assert "chi-squared test for trend" in officers and "99.8% level" in officers
    room = plain_trend_words("Eastbourne", flat)
    assert room == ("**Eastbourne**: ▶ no clear change over the five latest months (a change this size could be "
                    "chance).")
    assert "p =" not in room and "chi-squared" not in room
    assert f"p = {flat.p_value:.4f}" in trend_test_words(flat) and "0.002" in trend_test_words(flat)

    rising = recent_trend([100, 200, 300, 400, 500], [1000] * 5, "lower_is_better")
    assert rising.direction == "Increasing"
    assert plain_trend_words("Avonmere", rising).startswith("**Avonmere**: ▲ rising, getting worse, over the five")
    short = recent_trend([1, 2], [10, 10], "lower_is_better")
    assert "not enough months to tell" in plain_trend_words("Avonmere", short)


def test_view_when_and_interval_words():
    from lib.performance.trend_labels import interval_words, view_when

    assert view_when("rolling", "2019-02") == "rolling 12 months to February 2019"
    assert view_when("monthly", "2019-02") == "each month to February 2019"
    assert view_when("years", "2019-02") == "each financial year to 2018/19"
    assert view_when("rolling", "2019-02", "annual") == "each financial year to 2018/19"
    assert "Byar" not in interval_words("95", "Byar's method", plain=True)
    assert interval_words("95", "Byar's method", plain=False) == "Shaded: 95% confidence interval (Byar's method)."
