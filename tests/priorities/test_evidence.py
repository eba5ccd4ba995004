"""Evidence for the priority matrix and the scores it suggests.

The real Sussex store is checked against an independent recount of the raw police.uk file; the demo store
against SQL written out in the tests; the suggestion rules on Evidence built by hand at their boundaries.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, replace

import pytest

from lib.core.areas import Area, csp_codes_within, find_area
from lib.core.catalogue import PPV_NOTE, PUBLIC_PLACE_VIOLENCE, find_indicator, indicator_catalogue, police_indicators
from lib.core.disclosure import SHOWN, protect_counts, rounded_count
from lib.core.periods import custom_period, parse_period, shift_months
from lib.demo import FIRST_MONTH, LAST_MONTH
from lib.priorities.evidence import (
    CANDIDATE_ISSUES,
    NO_DATA,
    NO_YEAR_EARLIER,
    NOT_ENOUGH_DATA,
    CandidateIssue,
    Evidence,
    all_evidence,
    busiest_lsoas,
    candidate_issues,
    issue_evidence,
)
from lib.priorities.evidence_table import evidence_rows
from lib.priorities.scoring import HARM_IMPACTS, Assessment, check_assessment
from lib.priorities.suggestions import PROFILE_FIELDS, SUGGESTION_NOTE, refreshed, suggested_assessment
from lib.stats.harm import default_harm_weights
from lib.stats.statistics import compare_counts, recent_trend
from lib.store.access import PUBLIC, narrow
from lib.store.series import monthly_series, population_year, residents
from tests.conftest import lsoa_to_csp, read_only
from tests.store.test_series import recount, sussex_raw_rows

EASTBOURNE = "E22000295"
DEMO_COUNTY = "X10000001"
POLICE_CATEGORIES = (
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs", "Other crime",
    "Other theft", "Possession of weapons", "Public order", "Robbery", "Shoplifting", "Theft from the person",
    "Vehicle crime", "Violence and sexual offences",
)
DEMO_PERIOD = custom_period(shift_months(LAST_MONTH, -11), LAST_MONTH)


def issue(key: str) -> CandidateIssue:
    return next(i for i in CANDIDATE_ISSUES if i.key == key)


def evidence(volume: float | None = 100.0, months: int = 12, direction: str | None = "Similar",
             change: float | None = 0.0, wanted: int | None = None) -> Evidence:
    """Evidence built by hand, with only what the suggestion rules read set to the case under test."""
    return Evidence(
        issue="Test issue", indicator_key="test", volume=volume, rate_per_1000=None, trend="No significant change",
        change_percent=change, change_words="", harm_weighted=None, concentration=None, months_held=months,
        source="test", period="test", change_direction=direction, months_wanted=months if wanted is None else wanted,
    )


def previous_assessment() -> Assessment:
    """Last year's assessment of ASB, every judgement different from the profile and the suggestions."""
    return Assessment(
        issue="Anti-social behaviour", physical=2, psychological=4, financial=0, community=4, environmental=3,
        scope=3, frequency=1, trend=4, vulnerability=3, confidence=4, capacity=4, capability=2,
        led_elsewhere=True, chosen=True, rationale="Agreed at the March workshop.",
        indicator_key="anti-social-behaviour",
    )


@pytest.fixture(scope="module")
def eastbourne(sussex) -> Area:
    code, kind = sussex.execute("SELECT code, kind FROM areas WHERE name = 'Eastbourne' AND kind = 'csp'").fetchone()
    assert (code, kind) == (EASTBOURNE, "csp")
    return find_area(sussex, code)


@pytest.fixture(scope="module")
def sussex_period():
    return parse_period("latest-12", "2018-10", "2019-02")


# --- the real Sussex store against the raw file ------------------------------------------------------------


def eastbourne_raw_rows(category: set[str]) -> list[dict[str, str]]:
    """Raw rows of some crime types whose LSOA the ONS lookup places in Eastbourne."""
    csp_of = lsoa_to_csp()
    return [r for r in sussex_raw_rows() if csp_of.get(r["LSOA code"]) == EASTBOURNE and r["Crime type"] in category]


def test_eastbourne_asb_volume_equals_the_raw_recount(sussex, eastbourne, sussex_period):
    found = issue_evidence(sussex, issue("anti-social-behaviour"), eastbourne, sussex_period)
    expected = sum(recount(EASTBOURNE, "anti-social-behaviour").values())
    assert expected == 1013  # the file's Eastbourne ASB, Oct 2018 to Feb 2019
    assert found.volume == expected
    assert (found.period, found.months_held, found.months_wanted) == ("Oct 2018 to Feb 2019", 5, 5)
    population = residents(sussex, eastbourne, population_year("2019-02")).population
    assert found.rate_per_1000 == pytest.approx(expected / population * 1000)


def test_eastbourne_asb_concentration_equals_the_raw_recount(sussex, eastbourne, sussex_period):
    rows = eastbourne_raw_rows({"Anti-social behaviour"})
    assert len(rows) == sum(recount(EASTBOURNE, "anti-social-behaviour").values())  # the same rows are kept
    per_lsoa = Counter(r["LSOA code"] for r in rows)
    lsoas = sum(1 for csp in lsoa_to_csp().values() if csp == EASTBOURNE)
    assert lsoas == 61 and len(per_lsoa) == 60  # one LSOA had no ASB: it still counts in the 5%
    top = math.ceil(0.05 * lsoas)
    expected = 100 * sum(sorted(per_lsoa.values(), reverse=True)[:top]) / len(rows)
    found = issue_evidence(sussex, issue("anti-social-behaviour"), eastbourne, sussex_period)
    assert found.concentration == pytest.approx(expected)



def test_the_public_view_shares_only_protected_counts_of_the_busiest_lsoas(sussex_store_path, eastbourne):
    # One month, so some categories' busiest LSOAs hold only a handful of incidents.
    month = custom_period("2019-02", "2019-02")
    lsoas = sum(1 for csp in lsoa_to_csp().values() if csp == EASTBOURNE)
    top = math.ceil(0.05 * lsoas)
    public = narrow(read_only(sussex_store_path), PUBLIC)
    outcomes = []
    for candidate in (i for i in CANDIDATE_ISSUES if len(i.categories) == 1):
        rows = [r for r in eastbourne_raw_rows(set(candidate.categories)) if r["Month"] == "2019-02"]
        per_lsoa = Counter(r["LSOA code"] for r in rows)
        found = issue_evidence(public, candidate, eastbourne, month)
        assert found.volume == len(rows) or (found.volume is None and not rows)  # the area's count is not protected
        if not rows:
            continue
        counts = list(per_lsoa.values())
        protected = protect_counts(counts)
        busiest = sorted(range(len(counts)), key=lambda k: -counts[k])[:top]
        hidden = any(protected.status[k] != SHOWN for k in busiest)
        if hidden:
            assert found.concentration is None, candidate.name
        else:
            assert found.concentration == pytest.approx(100 * sum(rounded_count(counts[k]) for k in busiest)
                                                        / len(rows)), candidate.name
        outcomes.append(hidden)
    assert any(outcomes) and not all(outcomes), "the real month should hold both cases, or this proves little"


def test_eastbourne_public_place_violence_harm_equals_the_raw_recount_weighted(sussex, eastbourne, sussex_period):
    rows = eastbourne_raw_rows({"Violence and sexual offences", "Public order"})
    weight = dict(zip(default_harm_weights()["Category"], default_harm_weights()["Weight"], strict=True))
    found = issue_evidence(sussex, issue(PUBLIC_PLACE_VIOLENCE), eastbourne, sussex_period)
    assert found.volume == len(rows)
    assert found.harm_weighted == pytest.approx(sum(weight[r["Crime type"]] for r in rows))
    assert PPV_NOTE in found.notes


def test_five_months_held_gives_no_change_rather_than_an_invented_one(sussex, eastbourne, sussex_period):
    found = issue_evidence(sussex, issue("anti-social-behaviour"), eastbourne, sussex_period)
    assert (found.change_percent, found.change_direction, found.change_words) == (None, None, NO_YEAR_EARLIER)
    suggested = suggested_assessment(issue("anti-social-behaviour"), found)
    assert (suggested.trend, suggested.confidence) == (2, 3)
    assert suggested.frequency == 4  # 1,013 in 5 months is about 2,400 a year
    assert refreshed(previous_assessment(), found).trend == previous_assessment().trend  # untested: kept


def test_sussex_partner_issues_say_no_data_held(sussex, eastbourne, sussex_period):
    found = issue_evidence(sussex, issue("domestic-abuse"), eastbourne, sussex_period)
    assert (found.volume, found.months_held, found.trend, found.source) == (None, 0, NO_DATA, NO_DATA)
    assert suggested_assessment(issue("domestic-abuse"), found).confidence == 1


# --- the demo store -----------------------------------------------------------------------------------------


def demo_counts(demo, area: Area, categories: tuple[str, ...], start: str, end: str) -> dict[str, int]:
    csps = csp_codes_within(demo, area)
    rows = demo.execute(
        f"SELECT category, SUM(count) FROM monthly_counts WHERE csp_code IN ({', '.join('?' for _ in csps)}) "
        f"AND category IN ({', '.join('?' for _ in categories)}) AND month BETWEEN ? AND ? GROUP BY category",
        [*csps, *categories, start, end],
    ).fetchall()
    return dict(rows)


@pytest.mark.parametrize("key", ["burglary", PUBLIC_PLACE_VIOLENCE, "anti-social-behaviour"])
def test_demo_harm_weighted_volume_is_count_times_default_weight(demo, key):
    county = find_area(demo, DEMO_COUNTY)
    counts = demo_counts(demo, county, issue(key).categories, DEMO_PERIOD.start, DEMO_PERIOD.end)
    weight = dict(zip(default_harm_weights()["Category"], default_harm_weights()["Weight"], strict=True))
    found = issue_evidence(demo, issue(key), county, DEMO_PERIOD)
    assert found.volume == sum(counts.values())
    assert found.harm_weighted == pytest.approx(sum(n * weight[c] for c, n in counts.items()))


def test_demo_change_on_last_year_is_the_exact_test_of_the_two_counts(demo):
    county = find_area(demo, DEMO_COUNTY)
    categories = issue("shoplifting").categories
    now = sum(demo_counts(demo, county, categories, DEMO_PERIOD.start, DEMO_PERIOD.end).values())
    before = sum(demo_counts(demo, county, categories, shift_months(DEMO_PERIOD.start, -12),
                             shift_months(DEMO_PERIOD.end, -12)).values())
    test = compare_counts(now, before, "lower_is_better")
    found = issue_evidence(demo, issue("shoplifting"), county, DEMO_PERIOD)
    assert found.change_percent == pytest.approx(100 * (now - before) / before)
    assert found.change_direction == test.direction == "Higher"
    assert found.change_words.startswith("Higher than last year (beyond chance")
    assert suggested_assessment(issue("shoplifting"), found).trend == (4 if found.change_percent >= 20 else 3)


def test_demo_domestic_abuse_volume_comes_from_the_partner_observations(demo):
    county = find_area(demo, DEMO_COUNTY)
    csps = csp_codes_within(demo, county)
    total, cells = demo.execute(
        f"SELECT SUM(value), COUNT(*) FROM observations WHERE indicator_key = 'domestic-abuse-incidents' "
        f"AND area_code IN ({', '.join('?' for _ in csps)}) AND period BETWEEN ? AND ?",
        [*csps, DEMO_PERIOD.start, DEMO_PERIOD.end],
    ).fetchone()
    assert cells == 12 * len(csps)
    found = issue_evidence(demo, issue("domestic-abuse"), county, DEMO_PERIOD)
    assert found.volume == pytest.approx(total)
    assert (found.harm_weighted, found.concentration, found.months_held) == (None, None, 12)
    assert found.source == "Avonmere Police domestic abuse extract (demo)"
    one = find_area(demo, csps[0])
    (own,) = demo.execute(
        "SELECT SUM(value) FROM observations WHERE indicator_key = 'domestic-abuse-incidents' AND area_code = ? "
        "AND period BETWEEN ? AND ?", [one.code, DEMO_PERIOD.start, DEMO_PERIOD.end],
    ).fetchone()
    assert issue_evidence(demo, issue("domestic-abuse"), one, DEMO_PERIOD).volume == pytest.approx(own)


def test_demo_yearly_partner_rate_gives_the_latest_year_and_its_count(demo):
    county = find_area(demo, DEMO_COUNTY)
    csps = csp_codes_within(demo, county)
    events, people = demo.execute(
        f"SELECT SUM(numerator), SUM(denominator) FROM observations WHERE indicator_key = 'first-time-entrants' "
        f"AND area_code IN ({', '.join('?' for _ in csps)}) AND period = '2025/26'", csps,
    ).fetchone()
    found = issue_evidence(demo, issue("youth-offending"), county, DEMO_PERIOD)
    assert found.period == "2025/26 (financial year)"  # the latest year ending by Sep 2026
    assert found.volume == events
    assert found.value == pytest.approx(events / people * 100_000)
    assert found.unit == "rate per 100,000 aged 10-17" and found.rate_per_1000 is None


def test_an_issue_with_no_data_gets_confidence_1_and_says_no_data_held(demo):
    county = find_area(demo, DEMO_COUNTY)
    for candidate in (issue("hate-crime"), replace(issue("road-safety"), indicator_key="not-in-the-store")):
        found = issue_evidence(demo, candidate, county, DEMO_PERIOD)
        assert (found.volume, found.trend, found.change_words, found.source) == (None, NO_DATA, NO_DATA, NO_DATA)
        assert found.notes and not found.has_data
        suggested = suggested_assessment(candidate, found)
        assert (suggested.frequency, suggested.trend, suggested.confidence) == (2, 2, 1)


def test_refreshed_keeps_judgements_and_changes_only_frequency_trend_and_confidence(demo):
    county = find_area(demo, DEMO_COUNTY)
    found = issue_evidence(demo, issue("shoplifting"), county, DEMO_PERIOD)
    before = replace(previous_assessment(), issue="Shoplifting", indicator_key="shoplifting")
    after = refreshed(before, found)
    suggested = suggested_assessment(issue("shoplifting"), found)
    changed = {k for k, v in asdict(after).items() if asdict(before)[k] != v}
    # Complete data suggest 3; the 4 people gave stays. A lower confidence is brought up to the suggestion.
    assert changed == {"frequency", "trend"} and after.confidence == 4
    assert (after.frequency, after.trend) == (suggested.frequency, suggested.trend)
    was_unsure = replace(before, confidence=2)
    unsure = refreshed(was_unsure, found)
    assert {k for k, v in asdict(unsure).items() if asdict(was_unsure)[k] != v} == {"frequency", "trend",
                                                                                    "confidence"}
    assert unsure.confidence == suggested.confidence == 3
    no_data = issue_evidence(demo, issue("modern-slavery"), county, DEMO_PERIOD)
    assert refreshed(before, no_data) == before


def test_demo_trend_is_the_recent_trend_marker_of_the_five_months_to_the_period_end(demo):
    county = find_area(demo, DEMO_COUNTY)
    shoplifting = find_indicator(indicator_catalogue(demo), "shoplifting")
    monthly = monthly_series(demo, shoplifting, county, end=DEMO_PERIOD.end)
    people = residents(demo, county, population_year(DEMO_PERIOD.end))
    marker = recent_trend(monthly["count"].tail(5).tolist(), [people.population] * 5, "lower_is_better")
    found = issue_evidence(demo, issue("shoplifting"), county, DEMO_PERIOD)
    assert found.trend == marker.direction == "Increasing"
    short = custom_period(FIRST_MONTH, shift_months(FIRST_MONTH, 3))
    early = issue_evidence(demo, issue("shoplifting"), county, short)  # the store's first 4 months
    assert (early.months_held, early.trend, early.change_words) == (4, NOT_ENOUGH_DATA, NO_YEAR_EARLIER)


def test_evidence_table_has_one_row_per_issue_in_order(demo):
    county = find_area(demo, DEMO_COUNTY)
    issues = candidate_issues(indicator_catalogue(demo))
    table = evidence_rows(all_evidence(demo, issues, county, DEMO_PERIOD))  # as the Priorities page reads it
    assert list(table["Issue"]) == [i.name for i in issues]
    for column in ("Volume", "Rate per 1,000 residents", "Trend", "Change on last year %",
                   "Harm-weighted volume (days of custody)", "Top 5% of LSOAs hold %", "Source", "Period"):
        assert column in table.columns
    row = table.set_index("Issue").loc["Burglary"]
    single = issue_evidence(demo, issue("burglary"), county, DEMO_PERIOD)
    assert (row["Volume"], row["Top 5% of LSOAs hold %"]) == (single.volume, pytest.approx(single.concentration))
    assert row["Period"] == "Oct 2025 to Sep 2026"


@pytest.mark.parametrize(("lsoas", "top"), [(0, 1), (1, 1), (20, 1), (21, 2), (60, 3), (61, 4), (416, 21)])
def test_the_busiest_5_percent_of_lsoas_is_rounded_up_to_at_least_one(lsoas, top):
    assert busiest_lsoas(lsoas) == top


# --- the suggestion rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("per_year", "frequency"), [
    (0, 1), (11, 1), (12, 2), (51, 2), (52, 3), (364, 3), (365, 4), (5000, 4),
])
def test_frequency_steps_at_12_52_and_365_a_year(per_year, frequency):
    assert suggested_assessment(issue("burglary"), evidence(volume=per_year)).frequency == frequency


@pytest.mark.parametrize(("volume", "months", "frequency"), [(5.5, 6, 1), (6, 6, 2), (182, 6, 3), (182.5, 6, 4)])
def test_frequency_scales_a_short_period_to_a_year(volume, months, frequency):
    assert suggested_assessment(issue("burglary"), evidence(volume=volume, months=months)).frequency == frequency


@pytest.mark.parametrize(("direction", "change", "trend"), [
    ("Lower", -30.0, 1), ("Similar", 25.0, 2), ("Higher", 19.0, 3), ("Higher", 19.99, 3), ("Higher", 20.0, 4),
    ("Higher", 45.0, 4), (None, None, 2), (None, 50.0, 2),
])
def test_trend_follows_the_tested_change_on_last_year(direction, change, trend):
    assert suggested_assessment(issue("burglary"), evidence(direction=direction, change=change)).trend == trend


@pytest.mark.parametrize(("kwargs", "confidence"), [
    ({"volume": None, "months": 0}, 1), ({"volume": 19}, 2), ({"volume": 20}, 3), ({"volume": 0}, 2),
    ({"volume": 500, "months": 10, "wanted": 12}, 2), ({"volume": None}, 2), ({"volume": 10_000}, 3),
])
def test_confidence_rules_never_suggest_high(kwargs, confidence):
    assert suggested_assessment(issue("burglary"), evidence(**kwargs)).confidence == confidence


def test_evidence_without_a_count_or_test_starts_frequency_and_trend_in_the_middle():
    suggested = suggested_assessment(issue("reoffending"), evidence(volume=None, direction=None, change=None))
    assert (suggested.frequency, suggested.trend, suggested.confidence) == (2, 2, 2)


def test_everything_but_the_evidence_scores_comes_from_the_profile():
    for candidate in CANDIDATE_ISSUES:
        suggested = suggested_assessment(candidate, evidence())
        assert {f: getattr(suggested, f) for f in PROFILE_FIELDS} == candidate.profile
        assert (suggested.issue, suggested.indicator_key) == (candidate.name, candidate.indicator_key)
        assert not suggested.chosen and suggested.rationale is None


# --- the candidate issues -----------------------------------------------------------------------------------


def test_every_profile_is_a_valid_assessment_and_keys_are_unique():
    assert len({i.key for i in CANDIDATE_ISSUES}) == len(CANDIDATE_ISSUES)
    assert len({i.name for i in CANDIDATE_ISSUES}) == len(CANDIDATE_ISSUES)
    for candidate in CANDIDATE_ISSUES:
        assert set(candidate.profile) == set(PROFILE_FIELDS), candidate.key
        assert all(0 <= candidate.profile[h] <= 4 for h in HARM_IMPACTS)
        values = {**candidate.profile, "issue": candidate.name, "frequency": 2, "trend": 2, "confidence": 1}
        assert check_assessment(values) == Assessment(**values)
        assert candidate.note
        hash(candidate)


def test_every_police_category_is_a_candidate_under_its_catalogue_key():
    catalogue = {i.key: i for i in police_indicators(list(POLICE_CATEGORIES))}
    for category in POLICE_CATEGORIES:
        candidate = next(i for i in CANDIDATE_ISSUES if i.categories == (category,))
        assert candidate.indicator_key == candidate.key
        assert catalogue[candidate.key].categories == (category,)
    ppv = issue(PUBLIC_PLACE_VIOLENCE)
    assert set(ppv.categories) == set(catalogue[PUBLIC_PLACE_VIOLENCE].categories)


@pytest.mark.parametrize(("key", "indicator"), [
    ("domestic-abuse", "domestic-abuse-incidents"), ("drug-misuse", None), ("road-safety", "ksi-casualties"),
    ("sexual-exploitation", None), ("criminal-exploitation-and-county-lines", None), ("hate-crime", None),
    ("modern-slavery", None), ("serious-violence", None), ("reoffending", "proven-reoffending"),
    ("accidental-dwelling-fires", "dwelling-fires"), ("youth-offending", "first-time-entrants"),
])
def test_partner_issues_and_their_indicators(key, indicator):
    assert issue(key).indicator_key == indicator and issue(key).categories == ()


def test_modern_slavery_is_led_elsewhere():
    assert issue("modern-slavery").profile["led_elsewhere"] is True


def test_candidate_issues_adds_a_police_category_no_candidate_covers():
    catalogue = police_indicators(["Anti-social behaviour", "Fraud"])
    found = candidate_issues(catalogue)
    assert [i.name for i in found[: len(CANDIDATE_ISSUES)]] == [i.name for i in CANDIDATE_ISSUES]
    assert [(i.key, i.categories) for i in found[len(CANDIDATE_ISSUES):]] == [("fraud", ("Fraud",))]


def test_the_suggestion_note_states_the_thresholds():
    for text in ("12", "52", "365", "20%", "95%", "never suggested"):
        assert text in SUGGESTION_NOTE
