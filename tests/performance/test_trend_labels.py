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
