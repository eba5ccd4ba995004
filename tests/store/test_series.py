"""Indicator series and residents: the real Sussex store against an independent recount, and the demo's partners."""

from __future__ import annotations

import csv
import functools
import gzip
import json
import re
from collections import Counter

import pandas as pd
import pytest
import sqlite_utils

from lib.core.areas import Area, find_area, upsert_areas
from lib.core.catalogue import ALL_CRIME, PUBLIC_PLACE_VIOLENCE, find_indicator, indicator_catalogue
from lib.core.periods import months_between
from lib.importers.police_uk import BBOX_MARGIN_DEGREES
from lib.store.series import (
    Residents,
    annual_series,
    areas_with_values,
    has_values,
    monthly_series,
    population_year,
    residents,
)
from tests.app_support import copy_store, demo_store_file
from tests.conftest import EAST_SUSSEX_CSPS, SUSSEX_FILE, lsoa_to_csp, raw_police_rows, real_file

SUSSEX_MONTHS = months_between("2018-10", "2019-02")
POPULATION_FILE = "population/csp17_population_2011_2017_2019_2020.csv"
POPULATION_COLUMNS = {2011: "pop_census2011", 2017: "pop_mid2017", 2019: "pop_mid2019", 2020: "pop_mid2020"}
DEMO_COUNTY = "X10000001"
MONTHLY_PARTNER_COUNTS = ("domestic-abuse-incidents", "ksi-casualties", "dwelling-fires", "home-safety-visits")


# --- an independent recount of the real Sussex file -------------------------------------------------------


@functools.cache
def east_sussex_kept_rows() -> tuple[tuple[str, str, str], ...]:
    """(CSP code, month, crime type) of every East Sussex row of the raw file that the importer should keep.

    Decided without the importer, from the raw CSV, the ONS LSOA lookup and the LSOA boundary file, by the
    importer's published rules: a row needs coordinates (in range), a month, an LSOA the lookup knows and a crime
    type, and must lie within its district's boundary box (plus a margin).
    """
    csp_of = lsoa_to_csp()
    with gzip.open(real_file("lookups/lsoa11_lad_csp17_pfa17_lookup_ew.csv.gz"), "rt", encoding="utf-8-sig") as f:
        lad_of = {row["lsoa11cd"]: row["lad17cd"] for row in csv.DictReader(f)}
    boxes = _district_boxes(lad_of)
    kept = []
    for row in sussex_raw_rows():
        lsoa = row["LSOA code"]
        if csp_of.get(lsoa) not in EAST_SUSSEX_CSPS:
            continue
        if not (row["Longitude"] and row["Latitude"] and row["Crime type"]):
            continue
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", row["Month"]):
            continue
        lon, lat = float(row["Longitude"]), float(row["Latitude"])
        if abs(lat) > 90 or abs(lon) > 180:
            continue
        west, south, east, north = boxes[lad_of[lsoa]]  # every East Sussex district is outlined
        margin = BBOX_MARGIN_DEGREES
        if not (west - margin <= lon <= east + margin and south - margin <= lat <= north + margin):
            continue
        kept.append((csp_of[lsoa], row["Month"], row["Crime type"]))
    return tuple(kept)


def _district_boxes(lad_of: dict[str, str]) -> dict[str, tuple[float, float, float, float]]:
    """Each district's bounding box, from the outlines of its LSOAs in the real boundary file."""
    path = real_file("boundaries/lsoa2011_bsc_sussex_suffolk_westmercia.geojson.gz")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        features = json.load(f)["features"]
    boxes: dict[str, list[float]] = {}
    for feature in features:
        lad = lad_of[feature["properties"]["LSOA11CD"]]
        box = boxes.setdefault(lad, [180.0, 90.0, -180.0, -90.0])
        for lon, lat in _positions(feature["geometry"]["coordinates"]):
            box[:] = [min(box[0], lon), min(box[1], lat), max(box[2], lon), max(box[3], lat)]
    return {lad: tuple(box) for lad, box in boxes.items()}


def _positions(coordinates):
    if isinstance(coordinates[0], (int, float)):
        yield coordinates[0], coordinates[1]
        return
    for part in coordinates:
        yield from _positions(part)


@functools.cache
def sussex_raw_rows() -> tuple[dict[str, str], ...]:
    """The raw Sussex file read once with the csv module."""
    return tuple(raw_police_rows(SUSSEX_FILE))


@functools.cache
def crime_types_in_file() -> frozenset[str]:
    return frozenset(row["Crime type"] for row in sussex_raw_rows())


def recount_categories(key: str) -> set[str]:
    """The raw file's crime types an indicator adds up, decided from the raw file, not the catalogue."""
    if key == "anti-social-behaviour":
        return {"Anti-social behaviour"}
    if key == PUBLIC_PLACE_VIOLENCE:
        return {"Violence and sexual offences", "Public order"}
    if key == ALL_CRIME:
        return set(crime_types_in_file()) - {"Anti-social behaviour"}
    raise KeyError(key)


def recount(csp: str, key: str) -> Counter:
    """Month -> rows kept for one CSP and indicator."""
    wanted = recount_categories(key)
    return Counter(month for code, month, category in east_sussex_kept_rows() if code == csp and category in wanted)


RECOUNTED = ("anti-social-behaviour", PUBLIC_PLACE_VIOLENCE, ALL_CRIME)



@pytest.fixture(scope="module")
def sussex_catalogue(sussex):
    return indicator_catalogue(sussex)


def test_recount_drops_only_a_handful_of_east_sussex_rows():
    """The recount's rules bite on almost nothing here, so the comparisons below test real counts."""
    csp_of = lsoa_to_csp()
    in_east_sussex = sum(1 for r in sussex_raw_rows() if csp_of.get(r["LSOA code"]) in EAST_SUSSEX_CSPS)
    kept = len(east_sussex_kept_rows())
    assert kept > 10_000
    assert in_east_sussex - kept <= 5
    assert recount_categories(ALL_CRIME) >= {"Burglary", "Shoplifting", "Violence and sexual offences"}
    assert "Anti-social behaviour" not in recount_categories(ALL_CRIME)


@pytest.mark.parametrize("key", RECOUNTED)
def test_monthly_series_equals_the_raw_recount_month_by_month(sussex, sussex_catalogue, key):
    indicator = find_indicator(sussex_catalogue, key)
    assert set(indicator.categories) == recount_categories(key)
    for code, name in EAST_SUSSEX_CSPS.items():
        area = find_area(sussex, code)
        assert (area.name, area.kind) == (name, "csp")
        series = monthly_series(sussex, indicator, area)
        assert list(series.columns) == ["month", "count"]
        expected = recount(code, key)
        assert list(series["month"]) == SUSSEX_MONTHS
        assert dict(zip(series["month"], series["count"], strict=True)) == {m: expected[m] for m in SUSSEX_MONTHS}
        assert all(expected[m] > 0 for m in SUSSEX_MONTHS), (name, key)
        clipped = monthly_series(sussex, indicator, area, start="2018-11", end="2019-01")
        assert list(clipped["month"]) == ["2018-11", "2018-12", "2019-01"]
        assert list(clipped["count"]) == [expected[m] for m in ("2018-11", "2018-12", "2019-01")]


@pytest.mark.parametrize("key", RECOUNTED)
def test_annual_series_holds_five_months_of_2018_19(sussex, sussex_catalogue, key):
    indicator = find_indicator(sussex_catalogue, key)
    for code in EAST_SUSSEX_CSPS:
        years = annual_series(sussex, indicator, find_area(sussex, code))
        assert list(years.columns) == ["year", "count", "denominator", "value", "months"]
        assert list(years["year"]) == ["2018/19"]
        row = years.iloc[0]
        assert row["months"] == 5
        assert row["count"] == row["value"] == sum(recount(code, key).values())
        assert pd.isna(row["denominator"])


def test_county_police_series_adds_up_its_csps(sussex, sussex_catalogue):
    county = find_area(sussex, "East Sussex")
    assert county.kind == "county"
    indicator = find_indicator(sussex_catalogue, "anti-social-behaviour")
    series = monthly_series(sussex, indicator, county)
    expected = Counter()
    for code in EAST_SUSSEX_CSPS:
        expected.update(recount(code, "anti-social-behaviour"))
    assert dict(zip(series["month"], series["count"], strict=True)) == {m: expected[m] for m in SUSSEX_MONTHS}


# --- residents ------------------------------------------------------------------------------------------------


@functools.cache
def population_file() -> dict[str, dict[str, str]]:
    with open(real_file(POPULATION_FILE), encoding="utf-8-sig", newline="") as f:
        return {row["csp17cd"]: row for row in csv.DictReader(f)}


def held_year_nearest(year: int) -> int:
    """The nearest year of the file, the later one on a tie, by brute force over the four years."""
    best = None
    for held in sorted(POPULATION_COLUMNS):
        if best is None or abs(held - year) <= abs(best - year):
            best = held
    return best


@pytest.mark.parametrize("year", [2005, 2012, 2014, 2015, 2017, 2018, 2019, 2020, 2025])
def test_residents_of_a_csp_come_from_the_nearest_estimate_later_on_a_tie(sussex, year):
    eastbourne = find_area(sussex, "Eastbourne")
    assert eastbourne.code == "E22000295"
    people = residents(sussex, eastbourne, year)
    chosen = held_year_nearest(year)
    assert people.year == chosen
    assert people.population == int(population_file()["E22000295"][POPULATION_COLUMNS[chosen]])
    assert people.source == real_file(POPULATION_FILE).name
    assert people.label == f"mid-{chosen} population {people.population:,}"


def test_2018_ties_between_2017_and_2019_and_takes_2019(sussex):
    people = residents(sussex, find_area(sussex, "E22000295"), 2018)
    assert people.year == 2019
    assert people.population == int(population_file()["E22000295"]["pop_mid2019"])
    assert residents(sussex, find_area(sussex, "E22000295"), 2014).year == 2017  # 2011 and 2017 tie


@pytest.mark.parametrize("year", [2011, 2016, 2018, 2030])
def test_residents_of_a_county_add_up_its_csps(sussex, year):
    county = find_area(sussex, "East Sussex")
    assert county.kind == "county"
    assert sussex.execute("SELECT COUNT(*) FROM population WHERE area_code = ?", [county.code]).fetchone()[0] == 0
    chosen = held_year_nearest(year)
    people = residents(sussex, county, year)
    assert people.year == chosen
    assert people.population == sum(int(population_file()[c][POPULATION_COLUMNS[chosen]]) for c in EAST_SUSSEX_CSPS)


def test_residents_of_a_force_add_up_every_csp_in_it(sussex):
    force = find_area(sussex, "Sussex")
    assert force.kind == "force"
    rows = [r for r in population_file().values() if r["pfa17nm"] == "Sussex"]
    assert len(rows) > len(EAST_SUSSEX_CSPS)  # West Sussex and Brighton and Hove too
    people = residents(sussex, force, 2018)
    assert (people.year, people.population) == (2019, sum(int(r["pop_mid2019"]) for r in rows))


def test_residents_of_an_lsoa_or_district_without_figures_is_none(sussex):
    lsoa = sussex.execute("SELECT code FROM areas WHERE kind = 'lsoa' AND parent_code = 'E07000061'").fetchone()[0]
    assert residents(sussex, find_area(sussex, lsoa), 2018) is None
    assert residents(sussex, find_area(sussex, "E07000061"), 2018) is None


def test_county_residents_only_from_a_year_every_csp_has(db):
    upsert_areas(db, [
        Area("C1", "Shire", "county"),
        Area("A1", "Alpha", "csp", "C1"),
        Area("B1", "Beta", "csp", "C1"),
    ])
    db["population"].insert_all([
        {"area_code": "A1", "year": 2019, "population": 1000, "source": "a.csv"},
        {"area_code": "A1", "year": 2020, "population": 1100, "source": "a.csv"},
        {"area_code": "B1", "year": 2020, "population": 500, "source": "a.csv"},
        {"area_code": "B1", "year": 2023, "population": 600, "source": "a.csv"},
    ], alter=False)
    county = find_area(db, "Shire")
    # 2019 is nearest 2018 but Beta has no 2019 figure; 2020 is the only year both have.
    assert residents(db, county, 2018) == Residents(1600, 2020, "a.csv")
    assert residents(db, county, 2024) == Residents(1600, 2020, "a.csv")
    assert residents(db, find_area(db, "Alpha"), 2018) == Residents(1000, 2019, "a.csv")
    assert residents(db, find_area(db, "Beta"), 2022) == Residents(600, 2023, "a.csv")
    db.execute("DELETE FROM population WHERE area_code = 'B1' AND year = 2020")
    assert residents(db, county, 2020) is None


@pytest.mark.parametrize(
    ("period", "year"),
    [("2025/26", 2025), ("2025-04", 2025), ("2026-03", 2025), ("2026-01", 2025), ("2025-12", 2025),
     ("2019-02", 2018), ("2018-10", 2018), ("2018/19", 2018)],
)
def test_population_year_is_the_start_of_the_financial_year(period, year):
    assert population_year(period) == year


# --- partner indicators on the demo store -------------------------------------------------------------------


def csp_sums(db, key: str, county: str) -> dict[str, tuple[float, int]]:
    """period -> (sum of the CSPs' values, how many CSPs sent one), by SQL straight on observations."""
    rows = db.execute(
        "SELECT o.period, SUM(o.value), COUNT(DISTINCT o.area_code) FROM observations o "
        "JOIN areas a ON a.code = o.area_code WHERE o.indicator_key = ? AND a.kind = 'csp' AND a.parent_code = ? "
        "GROUP BY o.period ORDER BY o.period",
        [key, county],
    ).fetchall()
    return {period: (total, csps) for period, total, csps in rows}


def csps_of(db, county: str) -> list[str]:
    return [r[0] for r in db.execute("SELECT code FROM areas WHERE kind = 'csp' AND parent_code = ?", [county])]


@pytest.mark.parametrize("key", MONTHLY_PARTNER_COUNTS)
def test_county_partner_values_are_the_sum_of_its_csps_month_by_month(demo, key):
    indicator = find_indicator(indicator_catalogue(demo), key)
    county = find_area(demo, DEMO_COUNTY)
    assert county.kind == "county" and len(csps_of(demo, DEMO_COUNTY)) == 5
    assert demo.execute("SELECT COUNT(*) FROM observations WHERE area_code = ?", [DEMO_COUNTY]).fetchone()[0] == 0
    expected = csp_sums(demo, key, DEMO_COUNTY)
    assert {csps for _, csps in expected.values()} == {5}
    series = monthly_series(demo, indicator, county)
    assert list(series["month"]) == sorted(expected)
    assert list(series["count"]) == [expected[m][0] for m in sorted(expected)]
    assert series["count"].sum() > 0
    for code in csps_of(demo, DEMO_COUNTY):
        own = dict(demo.execute(
            "SELECT period, value FROM observations WHERE indicator_key = ? AND area_code = ?", [key, code]
        ).fetchall())
        csp = monthly_series(demo, indicator, find_area(demo, code))
        assert dict(zip(csp["month"], csp["count"], strict=True)) == own


def test_county_partner_months_missing_a_csp_are_left_out(demo, tmp_path):
    db = sqlite_utils.Database(copy_store(demo_store_file(), tmp_path / "demo.db"))
    key, gap = "domestic-abuse-incidents", "2024-05"
    lowmere = find_area(db, "Lowmere")
    db.execute("DELETE FROM observations WHERE indicator_key = ? AND area_code = ? AND period = ?",
               [key, lowmere.code, gap])
    db.conn.commit()
    indicator = find_indicator(indicator_catalogue(db), key)
    county = find_area(db, DEMO_COUNTY)
    expected = {p: total for p, (total, csps) in csp_sums(db, key, DEMO_COUNTY).items() if csps == 5}
    series = monthly_series(db, indicator, county)
    assert gap not in set(series["month"])
    assert dict(zip(series["month"], series["count"], strict=True)) == expected
    assert len(series) == len(csp_sums(db, key, DEMO_COUNTY)) - 1
    years = annual_series(db, indicator, county).set_index("year")
    assert years.loc["2024/25", "months"] == 11
    assert years.loc["2024/25", "count"] == sum(v for p, v in expected.items() if "2024-04" <= p <= "2025-03")
    # The CSP that did send the month still has it.
    castlebury = monthly_series(db, indicator, find_area(db, "Castlebury"))
    assert gap in set(castlebury["month"])


def test_county_rate_is_summed_from_numerators_and_denominators(demo, tmp_path):
    indicator = find_indicator(indicator_catalogue(demo), "first-time-entrants")
    county = find_area(demo, DEMO_COUNTY)
    rows = demo.execute(
        "SELECT o.period, SUM(o.numerator), SUM(o.denominator), COUNT(*) FROM observations o "
        "JOIN areas a ON a.code = o.area_code WHERE o.indicator_key = 'first-time-entrants' AND a.parent_code = ? "
        "GROUP BY o.period ORDER BY o.period",
        [DEMO_COUNTY],
    ).fetchall()
    years = annual_series(demo, indicator, county)
    assert list(years["year"]) == [r[0] for r in rows]
    assert {r[3] for r in rows} == {5}
    for (_, numerator, denominator, _), row in zip(rows, years.itertuples(), strict=True):
        assert (row.count, row.denominator, row.months) == (numerator, denominator, 12)
        assert row.value == pytest.approx(numerator / denominator * 100_000)
    # A yearly indicator has no monthly series.
    assert monthly_series(demo, indicator, county).empty
    # A CSP's own yearly figures are as the partner sent them.
    code = csps_of(demo, DEMO_COUNTY)[0]
    sent = demo.execute(
        "SELECT period, value, numerator, denominator FROM observations "
        "WHERE indicator_key = 'first-time-entrants' AND area_code = ? ORDER BY period", [code]
    ).fetchall()
    own = annual_series(demo, indicator, find_area(demo, code))
    assert [tuple(r) for r in own[["year", "value", "count", "denominator"]].itertuples(index=False)] == sent
    # Without every CSP's parts, a county rate cannot be added up.
    db = sqlite_utils.Database(copy_store(demo_store_file(), tmp_path / "demo.db"))
    db.execute("UPDATE observations SET numerator = NULL WHERE indicator_key = 'first-time-entrants' "
               "AND area_code = ? AND period = '2023/24'", [code])
    db.conn.commit()
    assert annual_series(db, indicator, county).empty


# --- an indicator with no values for the area ----------------------------------------------------------------

# Yearly partner indicators (a rate and a proportion) and monthly ones (counts), one of each kind.
YEARLY_PARTNER = ("first-time-entrants", "proven-reoffending")
NOT_SENT_FOR = "Castlebury"


def demo_without_values(tmp_path, keys: tuple[str, ...], area_name: str = NOT_SENT_FOR) -> sqlite_utils.Database:
    """A copy of the demo store in which the partners sent no values of ``keys`` for one CSP."""
    db = sqlite_utils.Database(copy_store(demo_store_file(), tmp_path / "demo.db"))
    code = find_area(db, area_name).code
    marks = ", ".join("?" for _ in keys)
    db.execute(f"DELETE FROM observations WHERE area_code = ? AND indicator_key IN ({marks})", [code, *keys])
    db.conn.commit()
    return db


@pytest.mark.parametrize("key", YEARLY_PARTNER)
@pytest.mark.parametrize("area_name", [NOT_SENT_FOR, DEMO_COUNTY])  # a county needs every CSP's value
def test_yearly_series_of_an_area_without_values_is_empty_up_to_an_end_month(tmp_path, key, area_name):
    db = demo_without_values(tmp_path, YEARLY_PARTNER)
    indicator = find_indicator(indicator_catalogue(db), key)
    years = annual_series(db, indicator, find_area(db, area_name), end="2026-09")
    assert years.empty
    assert ["year", "count", "denominator", "value", "months"] == list(years.columns)


@pytest.mark.parametrize("key", [*YEARLY_PARTNER, "ksi-casualties"])
def test_has_values_says_which_areas_a_partner_sent_values_for(tmp_path, key):
    db = demo_without_values(tmp_path, (*YEARLY_PARTNER, "ksi-casualties"))
    indicator = find_indicator(indicator_catalogue(db), key)
    assert not has_values(db, indicator, find_area(db, NOT_SENT_FOR))
    assert not has_values(db, indicator, find_area(db, DEMO_COUNTY))
    assert has_values(db, indicator, find_area(db, "Harwick"))
    police = find_indicator(indicator_catalogue(db), "burglary")  # every month held, 0s included
    assert has_values(db, police, find_area(db, NOT_SENT_FOR))


def test_areas_with_values_name_each_area_and_its_first_and_last_period(tmp_path):
    db = demo_without_values(tmp_path, YEARLY_PARTNER)
    indicator = find_indicator(indicator_catalogue(db), "first-time-entrants")
    expected = db.execute(
        "SELECT a.name, MIN(o.period), MAX(o.period) FROM observations o JOIN areas a ON a.code = o.area_code "
        "WHERE o.indicator_key = 'first-time-entrants' GROUP BY a.code ORDER BY a.name"
    ).fetchall()
    held = areas_with_values(db, indicator)
    assert [(h.area_name, h.first, h.last) for h in held] == expected
    assert NOT_SENT_FOR not in {h.area_name for h in held} and len(held) == 4
