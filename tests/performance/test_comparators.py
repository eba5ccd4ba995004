"""Comparators the store can answer (issue 18): a real CSP's first store opens on a comparison it can judge."""

from __future__ import annotations

import csv

import pytest

from lib.core.areas import find_area, force_above
from lib.core.catalogue import headline_indicators, indicator_catalogue
from lib.core.periods import period_presets
from lib.performance.comparators import (
    ALL_CSPS,
    COUNTY,
    FALLBACKS,
    FORCE,
    LAST_YEAR,
    TARGET,
    comparators_for,
    loaded_csps,
)
from lib.performance.overview import overview_areas, overview_cells
from lib.stats.statistics import NOT_COMPARED, compare_with_benchmark, rate_interval
from lib.store.counts import months_held
from tests.conftest import SUSSEX_FILE, lsoa_to_csp, raw_police_rows, real_file

SUSSEX_FORCE, EAST_SUSSEX, EASTBOURNE = "E23000033", "E10000011", "E22000295"


def latest(db):
    held = months_held(db)
    return period_presets(held[0], held[-1])[0]


def held_for(db, code: str):
    area = find_area(db, code)
    return comparators_for(db, area, overview_areas(db, area)[0], latest(db))


def test_a_new_store_opens_on_the_county_and_says_last_year_is_not_held(sussex):
    held = held_for(sussex, EASTBOURNE)
    assert held.default == COUNTY
    assert held.answerable[COUNTY] == "East Sussex (the county)"
    assert held.answerable[FORCE] == "Sussex (the police force area)"
    assert LAST_YEAR not in held.answerable and TARGET not in held.answerable
    assert "October 2017 to February 2018" in held.unanswerable[LAST_YEAR]
    # One force's CSPs are never ranked against each other as "similar areas" (lib.stats.peer_basis).
    assert "similar" in held.unanswerable and "Sussex" in held.unanswerable["similar"]
    assert held.why_default().startswith("not same period last year: the months a year earlier")


def test_a_force_area_falls_back_past_the_county_to_the_force(sussex):
    held = held_for(sussex, SUSSEX_FORCE)
    assert COUNTY in held.unanswerable and held.default == FORCE
    assert "no county" in held.why_default()


def test_the_demo_county_holds_last_year_so_opens_on_it(demo):
    held = held_for(demo, "X10000001")
    assert held.default == LAST_YEAR
    assert TARGET in held.answerable  # the demo ships targets
    assert held.why_default() == ""


def test_every_fallback_is_either_answerable_or_says_why(sussex, suffolk_store_path):
    from tests.conftest import read_only

    suffolk = read_only(suffolk_store_path)
    for db, code in ((sussex, EASTBOURNE), (sussex, SUSSEX_FORCE), (suffolk, "E10000029")):
        held = held_for(db, code)
        for key in FALLBACKS:
            assert (key in held.answerable) != (key in held.unanswerable)
            assert held.unanswerable.get(key, "x")
    suffolk.close()


def test_the_force_is_found_through_the_county(sussex):
    assert force_above(sussex, find_area(sussex, EASTBOURNE)).code == SUSSEX_FORCE
    assert force_above(sussex, find_area(sussex, SUSSEX_FORCE)).code == SUSSEX_FORCE


def raw_asb_by_csp(start: str, end: str) -> dict[str, int]:
    """ASB rows of the raw Sussex file the importer can place, per CSP through the ONS LSOA lookup."""
    csp_of = lsoa_to_csp()
    counts: dict[str, int] = {}
    for row in raw_police_rows(SUSSEX_FILE):
        if (row["Crime type"] == "Anti-social behaviour" and row["Longitude"] and start <= row["Month"] <= end
                and row["LSOA code"] in csp_of):
            counts[csp_of[row["LSOA code"]]] = counts.get(csp_of[row["LSOA code"]], 0) + 1
    return counts


def csp_population(year: int) -> dict[str, tuple[str, int]]:
    """CSP code -> (force code, mid-year population) from the ONS-derived population file."""
    with real_file("population/csp17_population_2011_2017_2019_2020.csv").open(encoding="utf-8-sig") as f:
        return {r["csp17cd"]: (r["pfa17cd"], int(r[f"pop_mid{year}"])) for r in csv.DictReader(f)}


@pytest.mark.parametrize("comparator", [FORCE, ALL_CSPS])
def test_csps_are_judged_against_the_force_rate_of_an_independent_recount(sussex, comparator):
    period = latest(sussex)
    asb = next(i for i in headline_indicators(indicator_catalogue(sussex)) if i.key == "anti-social-behaviour")
    area = find_area(sussex, EAST_SUSSEX)
    areas = overview_areas(sussex, area)
    cells = {c.area.code: c for c in overview_cells(sussex, areas, [asb], period, comparator)}

    counts = raw_asb_by_csp(period.start, period.end)
    people = csp_population(2019)  # the period's financial year starts in 2018: 2017 and 2019 tie, the later wins
    pool = ([c for c, (force, _) in people.items() if force == SUSSEX_FORCE] if comparator == FORCE
            else [a.code for a in loaded_csps(sussex)])
    benchmark_rate = sum(counts.get(c, 0) for c in pool) / sum(people[c][1] for c in pool) * 1000
    for code in (a.code for a in areas[1:]):
        interval = rate_interval(counts[code], people[code][1], 1000, 0.95)
        assert cells[code].judgement == compare_with_benchmark(interval, benchmark_rate, "lower_is_better"), code
        assert cells[code].judgement != NOT_COMPARED
    assert {c.judgement for c in cells.values()} - {NOT_COMPARED}
