"""Headline counts and what is loaded, on the real Sussex store, against an independent pandas recount."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.core.areas import Area, find_area, upsert_areas
from lib.core.periods import custom_period, parse_period
from lib.store.db import open_store
from lib.store.summary import (
    ASB,
    HEADLINE_GROUPS,
    PUBLIC_ORDER,
    VIOLENCE,
    Headline,
    headline_counts,
    monthly_category_counts,
    monthly_group_counts,
    picker_areas,
    shown_change,
    shown_count,
    store_overview,
)
from tests.conftest import EAST_SUSSEX_CSPS, SUSSEX_FILE, real_file

FIRST, LAST = "2018-10", "2019-02"
LATEST = parse_period("latest-12", FIRST, LAST)


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """The raw Sussex rows the importer can place (with coordinates and an LSOA), each with its CSP and force.

    Placed by the ONS LSOA lookup, not by LSOA names as the importer does, so the recount is independent.
    """
    rows = pd.read_csv(SUSSEX_FILE, dtype=str, keep_default_na=False)
    lookup = pd.read_csv(real_file("lookups/lsoa11_lad_csp17_pfa17_lookup_ew.csv.gz"), dtype=str)
    rows = rows.merge(lookup[["lsoa11cd", "csp17cd", "pfa17nm"]], left_on="LSOA code", right_on="lsoa11cd",
                      how="left")
    return rows[(rows["Longitude"] != "") & (rows["Latitude"] != "") & (rows["LSOA code"] != "")]


@pytest.fixture
def sussex(sussex_store_path):
    db = open_store(sussex_store_path)
    yield db
    db.close()


def recount(raw: pd.DataFrame, csps: list[str], categories: list[str] | None = None,
            months: tuple[str, str] = (FIRST, LAST)) -> int:
    """Rows in some CSPs (and categories) between two months, counted from the raw file."""
    chosen = raw[raw["csp17cd"].isin(csps) & raw["Month"].between(*months)]
    if categories is not None:
        chosen = chosen[chosen["Crime type"].isin(categories)]
    return len(chosen)


def expected_headlines(raw: pd.DataFrame, csps: list[str], months: tuple[str, str] = (FIRST, LAST)) -> dict:
    crimes = sorted(set(raw["Crime type"]) - {ASB})
    return {
        "asb": recount(raw, csps, [ASB], months),
        "violence": recount(raw, csps, [VIOLENCE], months),
        "public_order": recount(raw, csps, [PUBLIC_ORDER], months),
        "ppv": recount(raw, csps, [VIOLENCE, PUBLIC_ORDER], months),
        "all_crime": recount(raw, csps, crimes, months),
    }


def test_eastbourne_headlines_match_a_recount_of_the_raw_file(sussex, raw):
    period = LATEST
    headlines = headline_counts(sussex, find_area(sussex, "Eastbourne"), period)
    assert expected_headlines(raw, ["E22000295"]) == {h.group.key: h.count for h in headlines}
    assert 0 < headlines[0].count  # ASB in Eastbourne: not a vacuous zero


def test_east_sussex_county_adds_up_its_five_csps(sussex, raw):
    period = parse_period("2018/19", FIRST, LAST)
    headlines = headline_counts(sussex, find_area(sussex, "East Sussex"), period)
    assert expected_headlines(raw, list(EAST_SUSSEX_CSPS)) == {h.group.key: h.count for h in headlines}


def test_the_force_area_counts_only_its_own_csps(sussex, raw):
    sussex_csps = sorted(set(raw.loc[raw["pfa17nm"] == "Sussex", "csp17cd"]))
    headlines = headline_counts(sussex, find_area(sussex, "E23000033"), LATEST)
    assert 13 == len(sussex_csps)
    assert expected_headlines(raw, sussex_csps) == {h.group.key: h.count for h in headlines}


def test_a_custom_run_of_months(sussex, raw):
    period = custom_period("2018-11", "2019-01")
    headlines = headline_counts(sussex, find_area(sussex, "Hastings"), period)
    assert expected_headlines(raw, ["E22000296"], ("2018-11", "2019-01")) == {
        h.group.key: h.count for h in headlines
    }


def test_no_comparison_where_the_store_does_not_hold_a_year_earlier(sussex):
    headlines = headline_counts(sussex, find_area(sussex, "Eastbourne"), LATEST)
    assert all(h.previous is None and h.change is None and shown_change(h) is None for h in headlines)
    assert ("2017-10", "2018-02") == (headlines[0].previous_period.start, headlines[0].previous_period.end)


def test_monthly_category_counts_match_a_recount(sussex, raw):
    table = monthly_category_counts(sussex, find_area(sussex, "Eastbourne"), LATEST)
    eastbourne = raw[raw["csp17cd"] == "E22000295"]
    expected = pd.crosstab(eastbourne["Month"], eastbourne["Crime type"])
    expected = expected.rename_axis(index="month", columns=None).reset_index()
    assert ["2018-10", "2018-11", "2018-12", "2019-01", "2019-02"] == list(table["month"])
    pd.testing.assert_frame_equal(expected, table[list(expected.columns)], check_dtype=False)


def test_monthly_groups_add_up_to_every_incident(sussex, raw):
    groups = monthly_group_counts(sussex, find_area(sussex, "Lewes"), LATEST)
    assert ["Anti-social behaviour", "Violence and sexual offences", "Public order", "Other crime"] == list(
        dict.fromkeys(groups["group"])
    )
    assert recount(raw, ["E22000298"]) == groups["count"].sum()
    by_month = groups.groupby("month")["count"].sum()
    assert raw[raw["csp17cd"] == "E22000298"].groupby("Month").size().tolist() == by_month.tolist()


def test_store_overview(sussex, raw):
    overview = store_overview(sussex)
    assert (FIRST, LAST, 5) == (overview.first_month, overview.last_month, overview.months)
    assert len(raw) == overview.incidents
    lsoas = raw.loc[raw["pfa17nm"] == "Sussex", "LSOA code"].nunique()
    assert {"force": 1, "county": 2, "csp": 13, "district": 13, "lsoa": lsoas} == overview.areas_by_kind
    assert not overview.demo
    assert overview.last_import.startswith("sussex-street_2018-10_2019-02.csv.gz on ")


def test_picker_offers_the_force_its_counties_and_csps_not_strays_over_the_border(sussex, raw):
    areas = picker_areas(sussex)
    assert ["county", "county", "force"] == [a.kind for a in areas[:3]]
    assert ["East Sussex", "West Sussex", "Sussex"] == [a.name for a in areas[:3]]
    offered = {a.code for a in areas if a.kind == "csp"}
    assert set(raw.loc[raw["pfa17nm"] == "Sussex", "csp17cd"]) == offered
    strays = set(raw.loc[raw["pfa17nm"] != "Sussex", "csp17cd"])
    assert strays and not strays & offered  # the file really has strays, and none is offered


def test_picker_offers_csps_without_a_force_when_no_lookup_is_loaded(db):
    upsert_areas(db, [Area("csp:Adur", "Adur", "csp", None, True)])
    db.execute(
        "INSERT INTO monthly_counts VALUES ('E01031349', '2018-10', ?, 'lad:Adur', 'csp:Adur', 1)", [ASB]
    )
    assert ["Adur"] == [a.name for a in picker_areas(db)]


def _two_years(db) -> Area:
    """A CSP with 10 ASB and 20 public order incidents a month in 2023/24, and 8 and 25 in 2024/25."""
    area = Area("E22000999", "Testborough", "csp")
    upsert_areas(db, [area])
    rows = []
    for month in parse_period("2023/24", "2023-04", "2025-03").months:
        rows += [(month, ASB, 10), (month, PUBLIC_ORDER, 20)]
    for month in parse_period("2024/25", "2023-04", "2025-03").months:
        rows += [(month, ASB, 8), (month, PUBLIC_ORDER, 25)]
    db.conn.executemany(
        "INSERT INTO monthly_counts VALUES ('E01000001', ?, ?, 'E07000999', 'E22000999', ?)", rows
    )
    return area


def test_change_against_the_same_months_a_year_earlier(db):
    area = _two_years(db)
    period = parse_period("2024/25", "2023-04", "2025-03")
    by_key = {h.group.key: h for h in headline_counts(db, area, period)}
    assert (96, 120, -24, -20.0) == (
        by_key["asb"].count, by_key["asb"].previous, by_key["asb"].change, by_key["asb"].change_percent
    )
    assert "-24 (-20.0%)" == shown_change(by_key["asb"])
    assert "+60 (+25.0%)" == shown_change(by_key["public_order"])
    assert (300, 240) == (by_key["all_crime"].count, by_key["all_crime"].previous)
    assert 0 == shown_change(by_key["violence"])  # 0 against 0: shown grey, no arrow


def test_small_numbers_are_not_shown_exactly():
    group = HEADLINE_GROUPS[0]
    earlier = custom_period("2024-01", "2024-01")
    assert "fewer than 5" == shown_count(3)
    assert "0" == shown_count(0)
    assert "5" == shown_count(5)
    assert "1,234" == shown_count(1234)
    assert shown_change(Headline(group, 3, 40, earlier)) is None
    assert shown_change(Headline(group, 40, 4, earlier)) is None
    assert "+1 (+20.0%)" == shown_change(Headline(group, 6, 5, earlier))
