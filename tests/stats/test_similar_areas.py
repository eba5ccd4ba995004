"""Most similar groups and peer comparisons: constructed stores where the answer is known, and real Sussex."""

from __future__ import annotations

import csv
import json
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import sqlite_utils
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from lib.core.catalogue import ASB
from lib.stats.csp_profiles import csp_profiles
from lib.stats.peer_basis import (
    FORCE_UNKNOWN,
    MIN_PEERS,
    ONE_FORCE,
    TOO_FEW,
    PeerBasis,
    basis_sentence,
    force_areas,
    refusal,
)
from lib.stats.similar_areas import (
    GROUP_SIZE,
    MIN_CANDIDATES,
    PER,
    comparable_csps,
    compared_rates,
    control_limits,
    most_similar_groups,
    no_group_reason,
    no_ranking_reason,
    peer_basis,
    peer_comparison,
    peer_comparisons,
    population_year,
    position,
)
from lib.store.db import memory_store, open_store
from lib.store.summary import MIN_INCIDENTS_PER_CSP_MONTH
from tests.conftest import EAST_SUSSEX_CSPS, SUSSEX_FILE, lsoa_to_csp, raw_police_rows, real_file
from tests.two_force_store import sussex_and_suffolk

MONTHS = ["2019-01", "2019-02", "2019-03"]
START, END = MONTHS[0], MONTHS[-1]
Z95 = 1.959963984540054


# --- Building constructed stores --------------------------------------------------------------------------


def code(number: int) -> str:
    return f"E22{number:06d}"


def add_area(db, area_code: str, name: str, kind: str, parent: str | None = None) -> None:
    db["areas"].insert({"code": area_code, "name": name, "kind": kind, "parent_code": parent})


def add_population(db, area_code: str, population: int, *, year: int = 2019, hectares: float | None = None,
                   young: float | None = None, old: float | None = None) -> None:
    bands = {}
    if young is not None and old is not None:
        aged_0_17, aged_65_plus = round(population * young), round(population * old)
        bands = {"aged_0_17": aged_0_17, "aged_65_plus": aged_65_plus,
                 "aged_18_64": population - aged_0_17 - aged_65_plus}
    db["population"].insert({"area_code": area_code, "year": year, "population": population,
                             "area_hectares": hectares, "source": "test", **bands})


def add_counts(db, csp: str, per_month: int | list[int], months: list[str] = MONTHS, category: str = ASB) -> None:
    counts = per_month if isinstance(per_month, list) else [per_month] * len(months)
    db["monthly_counts"].insert_all(
        {"lsoa_code": f"{csp}-L", "month": month, "category": category, "district_code": f"{csp}-D",
         "csp_code": csp, "count": count}
        for month, count in zip(months, counts, strict=True)
    )


FORCES = {"E23000001": "Force A", "E23000002": "Force B"}


def add_forces(db) -> list[str]:
    for force, name in FORCES.items():
        add_area(db, force, name, "force")
    return list(FORCES)


def add_csp(db, number: int, population: int, *, per_month: int | list[int] = 100, hectares: float = 10_000.0,
            young: float = 0.2, old: float = 0.2, months: list[str] = MONTHS, force: str | None = None) -> str:
    """A CSP (in ``force``, if given) with its own population row and police counts; returns its code."""
    csp = code(number)
    add_area(db, csp, f"CSP {number}", "csp", force)
    add_population(db, csp, population, hectares=hectares, young=young, old=old)
    add_counts(db, csp, per_month, months)
    return csp


def profiles_frame(rows: list[tuple[str, float, float]]) -> pd.DataFrame:
    """Profiles with only population and density (the other features absent)."""
    return pd.DataFrame({"code": [r[0] for r in rows], "name": [r[0] for r in rows],
                         "population": [r[1] for r in rows], "density": [r[2] for r in rows]})


# --- Groups ------------------------------------------------------------------------------------------------


def test_nearest_peers_are_the_csps_built_alike():
    """Two clusters (small, rural, old / large, dense, young): each CSP's 4 nearest are its own cluster."""
    db = memory_store()
    rural = [add_csp(db, i, 100_000 + 5_000 * i, hectares=60_000.0, young=0.17, old=0.28) for i in range(1, 6)]
    urban = [add_csp(db, i, 250_000 + 5_000 * i, hectares=7_000.0, young=0.23, old=0.13) for i in range(6, 11)]
    groups = most_similar_groups(csp_profiles(db, 2019), size=4)
    for cluster in (rural, urban):
        for csp in cluster:
            assert {peer for peer, _ in groups[csp]} == set(cluster) - {csp}
    assert groups.features == ("population", "density", "share_0_17", "share_65_plus")
    assert "weighted_density" in groups.dropped


def test_distances_are_on_standardised_log_features():
    """Populations in equal ratios, all else equal: peers come in order at 1, 2, 3... steps of log population."""
    rows = [(code(i), 100_000 * 1.5**i, 5.0) for i in range(6)]
    groups = most_similar_groups(profiles_frame(rows))
    assert groups.features == ("population",)
    assert groups.dropped["density"] == "the same for every CSP"
    logs = np.log([r[1] for r in rows])
    step = (logs[1] - logs[0]) / logs.std()  # one ratio of 1.5, in standard deviations of log population
    first = groups[code(0)]
    assert [peer for peer, _ in first] == [code(i) for i in range(1, 6)]
    assert [d for _, d in first] == pytest.approx([step * i for i in range(1, 6)])


def test_a_csp_is_never_its_own_peer_and_the_group_is_capped_by_the_candidates():
    rows = [(code(i), 50_000 + 10_000 * i, 1.0 + i) for i in range(7)]
    groups = most_similar_groups(profiles_frame(rows))
    assert set(groups) == {r[0] for r in rows}
    for csp, peers in groups.items():
        assert csp not in [p for p, _ in peers]
        assert len(peers) == 6  # 7 candidates: everyone else, not GROUP_SIZE
    many = [(code(i), 50_000 + 10_000 * i, 1.0 + (i * 7) % 11) for i in range(30)]
    assert {len(p) for p in most_similar_groups(profiles_frame(many)).values()} == {GROUP_SIZE}


def test_no_groups_below_the_minimum_number_of_candidates():
    rows = [(code(i), 50_000 + 10_000 * i, 1.0 + i) for i in range(MIN_CANDIDATES - 1)]
    assert most_similar_groups(profiles_frame(rows)) == {}


def test_equal_distances_are_broken_by_code_and_row_order_does_not_matter():
    rows = [
        (code(1), 100_000, 5.0),
        (code(3), 200_000, 5.0),  # code(3) and code(2) are identical, so equally far from code(1)
        (code(2), 200_000, 5.0),
        (code(4), 900_000, 50.0),
        (code(5), 800_000, 40.0),
    ]
    groups = most_similar_groups(profiles_frame(rows))
    assert [p for p, _ in groups[code(1)]][:2] == [code(2), code(3)]
    shuffled = most_similar_groups(profiles_frame(rows).sample(frac=1, random_state=7))
    assert dict(shuffled) == dict(groups)


def test_a_feature_missing_for_any_candidate_is_dropped_and_reported():
    frame = profiles_frame([(code(i), 50_000 + 10_000 * i, 1.0 + i) for i in range(6)])
    frame.loc[2, "density"] = np.nan
    groups = most_similar_groups(frame)
    assert groups.features == ("population",)
    assert groups.dropped["density"] == "not held for 1 of 6 CSPs"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(10_000, 2_000_000), st.floats(0.1, 100.0), st.floats(0.1, 0.3)),
             min_size=MIN_CANDIDATES, max_size=25),
    st.integers(1, 20),
    st.randoms(use_true_random=False),
)
def test_group_properties_hold_for_any_profiles(values, size, rng):
    frame = pd.DataFrame({"code": [code(i) for i in range(len(values))], "name": "x",
                          "population": [v[0] for v in values], "density": [v[1] for v in values],
                          "share_65_plus": [v[2] for v in values]})
    groups = most_similar_groups(frame, size=size)
    if not groups.features:  # every value identical: nothing tells the CSPs apart
        assert groups == {}
        return
    for csp, peers in groups.items():
        assert len(peers) == min(size, len(frame) - 1)
        assert csp not in [p for p, _ in peers]
        assert len({p for p, _ in peers}) == len(peers)
        assert [(d, p) for p, d in peers] == sorted((d, p) for p, d in peers)
    order = list(range(len(frame)))
    rng.shuffle(order)
    assert dict(most_similar_groups(frame.iloc[order], size=size)) == dict(groups)


# --- Profiles -----------------------------------------------------------------------------------------------


def test_profiles_sum_districts_or_lsoas_where_the_csp_has_no_figure_of_its_own():
    db = memory_store()
    add_area(db, code(1), "Own figure", "csp")
    add_population(db, code(1), 120_000, hectares=3_000.0, young=0.2, old=0.2)
    # Two districts, both held: their sum.
    add_area(db, code(2), "Two districts", "csp")
    for number, people in ((21, 60_000), (22, 40_000)):
        add_area(db, f"E07{number:06d}", f"D{number}", "district", code(2))
        add_population(db, f"E07{number:06d}", people, hectares=people / 10, young=0.25, old=0.15)
    # One district lacks a figure, but every LSOA has one: the LSOAs' sum.
    add_area(db, code(3), "LSOAs", "csp")
    add_area(db, "E07000031", "D31", "district", code(3))
    add_area(db, "E07000032", "D32", "district", code(3))
    add_population(db, "E07000031", 999_999)
    for number, district in ((1, "E07000031"), (2, "E07000031"), (3, "E07000032")):
        add_area(db, f"E0100000{number}", f"L{number}", "lsoa", district)
        add_population(db, f"E0100000{number}", 1_500, hectares=100.0, young=0.1, old=0.3)
    # Some LSOAs lack a figure: no population at all rather than an undercount.
    add_area(db, code(4), "Incomplete", "csp")
    add_area(db, "E07000041", "D41", "district", code(4))
    for number in (4, 5):
        add_area(db, f"E0100000{number}", f"L{number}", "lsoa", "E07000041")
    add_population(db, "E01000004", 1_500)

    profiles = csp_profiles(db, 2019).set_index("code")
    assert profiles.loc[code(1), ["population", "hectares", "population_source"]].tolist() == [120_000, 3_000, "csp"]
    assert profiles.loc[code(2), "population"] == 100_000
    assert profiles.loc[code(2), "density"] == pytest.approx(10.0)
    assert profiles.loc[code(2), "share_0_17"] == pytest.approx(0.25)
    assert profiles.loc[code(3), ["population", "population_source", "area_source"]].tolist() == [
        4_500, "lsoa", "lsoa"]
    assert profiles.loc[code(3), "density"] == pytest.approx(15.0)
    assert profiles.loc[code(3), "share_65_plus"] == pytest.approx(0.3)
    assert math.isnan(profiles.loc[code(4), "population"])
    missing = profiles.attrs["missing"]
    assert code(4) in missing["density"] and code(4) in missing["share_0_17"]
    assert profiles.attrs["year"] == 2019


def test_area_comes_from_the_boundary_when_no_hectares_are_held():
    db = memory_store()
    add_area(db, code(1), "Drawn", "csp")
    add_population(db, code(1), 50_000)
    ring = [[-0.30, 50.90], [-0.20, 50.90], [-0.20, 50.98], [-0.30, 50.98], [-0.30, 50.90]]
    db["boundaries"].insert({"area_code": code(1), "geojson": json.dumps({"type": "Polygon",
                                                                         "coordinates": [ring]})})
    geodesic_m2, _ = Geod(ellps="WGS84").polygon_area_perimeter([p[0] for p in ring], [p[1] for p in ring])
    profile = csp_profiles(db, 2019).set_index("code").loc[code(1)]
    assert profile["area_source"] == "csp"
    assert profile["hectares"] == pytest.approx(abs(geodesic_m2) / 10_000, rel=0.005)
    assert profile["density"] == pytest.approx(50_000 / profile["hectares"])


def test_weighted_density_is_the_density_where_the_average_resident_lives():
    db = memory_store()
    add_area(db, code(1), "Town and country", "csp")
    add_area(db, "E07000011", "D", "district", code(1))
    for lsoa, hectares in (("E01000001", 10.0), ("E01000002", 990.0)):
        add_area(db, lsoa, lsoa, "lsoa", "E07000011")
        add_population(db, lsoa, 1_000, hectares=hectares)
    profile = csp_profiles(db, 2019).set_index("code").loc[code(1)]
    assert profile["density"] == pytest.approx(2.0)
    assert profile["weighted_density"] == pytest.approx((1_000 * 100 + 1_000 * 1_000 / 990) / 2_000)


def test_population_year_is_the_one_nearest_the_middle_of_the_period():
    db = memory_store()
    add_area(db, code(1), "A", "csp")
    for year in (2011, 2017, 2019, 2020):
        add_population(db, code(1), 100_000, year=year)
    assert population_year(db, "2018-10", "2019-02") == 2019
    assert population_year(db, "2017-04", "2018-03") == 2017
    assert population_year(db, "2018-01", "2018-12") == 2019  # mid-2018 is a few days nearer mid-2019
    assert population_year(db, "2014-01", "2014-12") == 2017
    assert population_year(db, "2021-01", "2023-12") == 2020
    assert population_year(memory_store(), START, END) is None


# --- Comparable CSPs ----------------------------------------------------------------------------------------


def test_only_csps_with_data_every_month_and_a_population_are_comparable():
    db = memory_store()
    forces = add_forces(db)
    held = [add_csp(db, i, 100_000 + 1_000 * i, force=forces[i % 2]) for i in range(1, MIN_PEERS + 2)]
    stray = add_csp(db, 90, 100_000, per_month=MIN_INCIDENTS_PER_CSP_MONTH - 1, force=forces[0])
    gap = add_csp(db, 91, 100_000, per_month=[100, 100], months=MONTHS[:2], force=forces[0])
    add_area(db, code(92), "No population", "csp", forces[0])
    add_counts(db, code(92), 100)
    assert comparable_csps(db, START, END) == held
    assert comparable_csps(db, START, MONTHS[1]) == sorted([*held, gap])
    for outsider in (stray, gap, code(92)):
        assert peer_comparison(db, outsider, [ASB], START, END) is None
        assert peer_basis(db, outsider, START, END) is None
        assert no_group_reason(db, outsider, START, END)
    assert "at least 5 incidents" in no_group_reason(db, stray, START, END)
    assert "No 2019 population" in no_group_reason(db, code(92), START, END)
    for csp in held:
        result = peer_comparison(db, csp, [ASB], START, END)
        assert set(result.peers["code"]) == set(held)  # 16 comparable CSPs: each group is all the others
        assert no_group_reason(db, csp, START, END) is None


def test_no_comparison_when_too_few_csps_are_comparable():
    db = memory_store()
    csps = [add_csp(db, i, 100_000 + 1_000 * i) for i in range(1, MIN_CANDIDATES)]
    for csp in csps:
        assert peer_comparison(db, csp, [ASB], START, END) is None
        basis = peer_basis(db, csp, START, END)
        assert basis.peers == MIN_CANDIDATES - 2 and TOO_FEW in basis.reasons
        assert f"only {MIN_CANDIDATES - 2} other CSPs" in no_group_reason(db, csp, START, END)
    empty = peer_comparisons(db, [ASB], START, END)
    assert empty.empty and "position" in empty.columns


# --- When a CSP is ranked: a full group, from more than one force ---------------------------------------------


def county_of(count: int, forces: list[str | None]) -> tuple[sqlite_utils.Database, list[str]]:
    """``count`` CSPs alike but in size, taking the forces in turn (None: a CSP in no known force)."""
    db = memory_store()
    add_forces(db)
    return db, [add_csp(db, i, 100_000 + 2_000 * i, force=forces[i % len(forces)]) for i in range(1, count + 1)]


def test_a_rank_needs_a_full_group_drawn_from_more_than_one_force():
    # One force, however many CSPs: the group compares the force with itself.
    db, csps = county_of(MIN_PEERS + 5, ["E23000001"])
    basis = peer_basis(db, csps[0], START, END)
    assert (basis.peers, basis.reasons, basis.ranks) == (GROUP_SIZE, (ONE_FORCE,), False)
    assert set(basis.peer_forces) == {"Force A"}
    assert peer_comparison(db, csps[0], [ASB], START, END) is None
    assert peer_comparisons(db, [ASB], START, END).empty
    assert "Force A force area" in no_group_reason(db, csps[0], START, END)
    assert "all in the Force A force area" in no_ranking_reason(db, START, END)

    # Two forces, one peer short of a full group.
    db, csps = county_of(MIN_PEERS, ["E23000001", "E23000002"])
    basis = peer_basis(db, csps[0], START, END)
    assert (basis.peers, basis.reasons) == (MIN_PEERS - 1, (TOO_FEW,))
    assert set(basis.known_forces) == {"Force A", "Force B"}
    assert peer_comparison(db, csps[0], [ASB], START, END) is None
    assert no_ranking_reason(db, START, END)

    # Two forces and a full group: ranked, everywhere.
    db, csps = county_of(MIN_PEERS + 1, ["E23000001", "E23000002"])
    for csp in csps:
        basis = peer_basis(db, csp, START, END)
        assert basis.ranks and basis.reasons == ()
        result = peer_comparison(db, csp, [ASB], START, END)
        assert result.group_size == basis.peers == MIN_PEERS
        assert set(result.peers["code"]) == {csp, *basis.peer_codes}
        assert no_group_reason(db, csp, START, END) is None
    assert len(peer_comparisons(db, [ASB], START, END)) == MIN_PEERS + 1
    assert no_ranking_reason(db, START, END) is None


def test_peers_in_no_known_force_cannot_show_two_forces():
    db, csps = county_of(MIN_PEERS + 1, [None])
    basis = peer_basis(db, csps[0], START, END)
    assert basis.reasons == (FORCE_UNKNOWN,) and not basis.known_forces
    assert "lookup of CSPs to police force areas" in refusal(basis)
    assert peer_comparison(db, csps[0], [ASB], START, END) is None
    # One known force beside unknown ones is still not two forces.
    db, csps = county_of(MIN_PEERS + 1, [None, "E23000001"])
    assert peer_basis(db, csps[0], START, END).reasons == (FORCE_UNKNOWN,)


def test_the_force_is_found_through_the_chain_of_parents():
    db = memory_store()
    add_forces(db)
    add_area(db, "E10000001", "A county", "county", "E23000001")
    add_csp(db, 1, 100_000, force="E10000001")  # in a county, in a force
    add_csp(db, 2, 100_000, force="E23000002")  # straight under a force (a unitary)
    add_csp(db, 3, 100_000)  # in no known force
    assert force_areas(db, [code(1), code(2), code(3)]) == {code(1): "Force A", code(2): "Force B", code(3): ""}


def test_the_peers_sentence_says_how_many_and_where_from():
    alone = PeerBasis("E22000295", "Eastbourne", tuple(f"p{i}" for i in range(12)), ("Sussex",) * 12, 13)
    assert basis_sentence(alone) == "Compared with 12 peers, all from the Sussex force area: the only CSPs loaded."
    assert basis_sentence(alone, plain=True) == (
        "Compared with 12 other partnership areas, all in the Sussex police force area: the only ones loaded.")
    mixed = PeerBasis("E22000295", "Eastbourne", tuple(f"p{i}" for i in range(15)),
                      ("Sussex",) * 12 + ("Suffolk",) * 3, 17)
    assert basis_sentence(mixed) == ("Compared with 15 peers, the 15 most like Eastbourne of the 16 other CSPs "
                                     "loaded, from 2 force areas: Sussex (12) and Suffolk (3).")
    assert refusal(mixed) is None and mixed.ranks


def test_the_refusal_says_why_and_what_to_load_in_the_words_of_each_mode():
    basis = PeerBasis("E22000273", "Ipswich", ("a", "b", "c"), ("Suffolk",) * 3, 4)
    officers = refusal(basis)
    assert officers.startswith("Not ranked.")
    assert f"the {GROUP_SIZE} CSPs most like Ipswich" in officers and "only 3 other CSPs" in officers
    assert "Suffolk force area" in officers and "recording practice" in officers
    assert "load police.uk street files of other forces" in officers
    plain = refusal(basis, plain=True)
    assert plain.startswith("No rank is given.") and "only 3, all in the Suffolk police force area" in plain
    assert "police.uk files for other police forces" in plain
    assert not any(word in plain for word in ("CSP", "peer", "most similar group", "recording practice"))


# --- Comparisons and control limits -------------------------------------------------------------------------


SIMILAR_CSPS = 20


def similar_county(rates: dict[int, float]) -> sqlite_utils.Database:
    """Twenty CSPs in two forces, alike in every feature but size, each with the given rate per 1,000 over the
    three months: enough, from enough forces, for each to be ranked in a full group."""
    db = memory_store()
    forces = add_forces(db)
    for number in range(1, SIMILAR_CSPS + 1):
        population = 100_000 + 2_000 * number
        per_month = round(rates.get(number, 10.0 + 0.1 * (number % 5)) * population / PER / len(MONTHS))
        add_csp(db, number, population, per_month=per_month, force=forces[number % 2])
    return db


def test_a_csp_far_above_its_peers_is_above_and_one_far_below_is_below():
    db = similar_county({1: 30.0, 2: 3.0})
    high = peer_comparison(db, code(1), [ASB], START, END)
    low = peer_comparison(db, code(2), [ASB], START, END)
    typical = peer_comparison(db, code(7), [ASB], START, END)
    assert high.position == "Above" and high.rate > high.upper_limit and high.rank == GROUP_SIZE + 1
    assert low.position == "Below" and low.rate < low.lower_limit and low.rank == 1
    assert typical.position == "Inline"
    assert high.group_size == GROUP_SIZE and high.population_year == 2019
    # The group mean is the plain mean of the peers' rates; the CSP is not in it.
    peers = high.peers[~high.peers["selected"]]
    assert high.group_mean == pytest.approx(peers["rate"].mean())
    assert high.lower_limit < high.group_mean < high.upper_limit


def test_rates_ranks_and_the_peer_table():
    db = similar_county({})
    result = peer_comparison(db, code(3), [ASB], START, END)
    table = result.peers
    assert list(table.columns) == ["code", "name", "rate", "count", "population", "distance", "rank", "selected"]
    assert table["selected"].sum() == 1 and len(table) == result.group_size + 1
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    assert table["rate"].is_monotonic_increasing
    own = table[table["selected"]].iloc[0]
    assert (own["code"], own["distance"], own["rank"]) == (code(3), 0.0, result.rank)
    assert result.rate == pytest.approx(result.count * PER / result.population)
    held = db.execute("SELECT SUM(count) FROM monthly_counts WHERE csp_code = ?", [code(3)]).fetchone()[0]
    assert result.count == held
    # Other categories than those asked for are not counted.
    add_counts(db, code(3), 500, category="Burglary")
    assert peer_comparison(db, code(3), [ASB], START, END).count == result.count
    assert peer_comparison(db, code(3), [], START, END).count == result.count + 1_500


def test_comparisons_are_deterministic_and_match_the_grid():
    db = similar_county({1: 30.0, 2: 3.0})
    first = peer_comparison(db, code(4), [ASB], START, END)
    again = peer_comparison(db, code(4), [ASB], START, END)
    assert (first.rate, first.group_mean, first.lower_limit, first.upper_limit, first.rank) == (
        again.rate, again.group_mean, again.lower_limit, again.upper_limit, again.rank)
    pd.testing.assert_frame_equal(first.peers, again.peers)
    grid = peer_comparisons(db, [ASB], START, END).set_index("code")
    assert len(grid) == SIMILAR_CSPS
    row = grid.loc[code(4)]
    assert (row["rate"], row["upper_limit"], row["position"], row["rank"]) == (
        first.rate, first.upper_limit, first.position, first.rank)
    assert Counter(grid["position"])["Above"] == 1 and Counter(grid["position"])["Below"] == 1


def test_limits_are_poisson_limits_when_peers_vary_no_more_than_chance():
    """Peers with identical rates have no spread beyond chance, so the limits are the 95% Poisson funnel."""
    mean, lower, upper = control_limits([10.0] * 8, [100_000] * 8, 50_000)
    half = Z95 * math.sqrt(PER / (4 * 50_000))
    assert mean == 10.0
    assert (lower, upper) == pytest.approx(((math.sqrt(10) - half) ** 2, (math.sqrt(10) + half) ** 2))
    assert position(upper + 0.01, lower, upper) == "Above"
    assert position(lower - 0.01, lower, upper) == "Below"
    assert position(mean, lower, upper) == "Inline"


def test_over_dispersed_peers_widen_the_limits_beyond_chance():
    rates = [6.0, 7.5, 9.0, 10.0, 11.0, 12.5, 14.0, 8.0]
    mean, lower, upper = control_limits(rates, [100_000] * 8, 100_000)
    _, poisson_lower, poisson_upper = control_limits([mean] * 8, [100_000] * 8, 100_000)
    assert lower < poisson_lower and upper > poisson_upper
    # Most peers sit inside their own limits, as they should: they are the ordinary spread.
    assert sum(lower <= r <= upper for r in rates) >= 7


def test_limits_handle_a_category_none_of_the_peers_had():
    mean, lower, upper = control_limits([0.0] * 6, [80_000] * 6, 80_000)
    assert (mean, lower) == (0.0, 0.0)
    assert upper == pytest.approx((Z95 * math.sqrt(PER / (4 * 80_000))) ** 2)


# --- The real Sussex store ----------------------------------------------------------------------------------

FIRST, LAST = "2018-10", "2019-02"


@pytest.fixture(scope="module")
def sussex(sussex_store_path):
    db = open_store(sussex_store_path)
    yield db
    db.close()


@pytest.fixture(scope="module")
def sussex_csps() -> dict[str, str]:
    """The CSPs of the Sussex police force area, from the ONS lookup (not from the store)."""
    with open(real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"), encoding="utf-8-sig", newline="") as handle:
        return {row["CSP17CD"]: row["CSP17NM"] for row in csv.DictReader(handle) if row["PFA17NM"] == "Sussex"}


@pytest.fixture(scope="module")
def mid2019() -> dict[str, int]:
    with open(real_file("population/csp17_population_2011_2017_2019_2020.csv"), encoding="utf-8-sig") as handle:
        return {row["csp17cd"]: int(row["pop_mid2019"]) for row in csv.DictReader(handle)}


def force_csps(force: str) -> dict[str, str]:
    """The CSPs of a police force area, from the ONS lookup (not from the store)."""
    with open(real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"), encoding="utf-8-sig", newline="") as handle:
        return {row["CSP17CD"]: row["CSP17NM"] for row in csv.DictReader(handle) if row["PFA17NM"] == force}


def test_sussex_comparable_csps_are_the_sussex_csps_not_the_strays(sussex, sussex_csps):
    assert len(sussex_csps) == 13
    comparable = comparable_csps(sussex, FIRST, LAST)
    assert comparable == sorted(sussex_csps)
    strays = {row[0] for row in sussex.execute("SELECT DISTINCT csp_code FROM monthly_counts")} - set(sussex_csps)
    assert strays, "the Sussex file scatters points into neighbouring forces' CSPs"
    for csp in sussex_csps:
        basis = peer_basis(sussex, csp, FIRST, LAST)
        assert set(basis.peer_codes) == set(sussex_csps) - {csp}
        assert set(compared_rates(sussex, csp, [ASB], FIRST, LAST)["code"]) == set(sussex_csps)
    for stray in strays:
        assert peer_basis(sussex, stray, FIRST, LAST) is None
        assert peer_comparison(sussex, stray, [ASB], FIRST, LAST) is None


def test_one_force_loaded_ranks_no_csp_and_says_so(sussex, sussex_csps):
    """Only Sussex is loaded: each CSP's peers are the other 12 Sussex CSPs, too few and all of one force."""
    assert peer_comparisons(sussex, [ASB], FIRST, LAST).empty
    for csp, name in sussex_csps.items():
        basis = peer_basis(sussex, csp, FIRST, LAST)
        assert (basis.csp_name, basis.peers, basis.loaded) == (name, len(sussex_csps) - 1, len(sussex_csps))
        assert set(basis.peer_forces) == {"Sussex"}  # the force areas the store holds, from the ONS lookup
        assert basis.reasons == (TOO_FEW, ONE_FORCE) and not basis.ranks
        assert peer_comparison(sussex, csp, [ASB], FIRST, LAST) is None
        reason = no_group_reason(sussex, csp, FIRST, LAST)
        assert reason == refusal(basis) and "Sussex force area" in reason and "other forces" in reason
    assert "13 CSPs are loaded" in no_ranking_reason(sussex, FIRST, LAST)


def test_suffolk_alone_has_three_peers_for_ipswich_and_no_rank(suffolk_store_path):
    suffolk_csps = force_csps("Suffolk")
    db = open_store(suffolk_store_path)
    basis = peer_basis(db, "E22000273", FIRST, LAST)
    assert basis.csp_name == "Ipswich"
    assert set(basis.peer_codes) == set(suffolk_csps) - {"E22000273"}
    assert set(basis.peer_forces) == {"Suffolk"} and not basis.ranks
    assert basis_sentence(basis) == (f"Compared with {len(suffolk_csps) - 1} peers, all from the Suffolk force area: "
                                     "the only CSPs loaded.")
    assert peer_comparisons(db, [ASB], FIRST, LAST).empty
    db.close()


def test_sussex_asb_rates_match_a_recount_of_the_raw_file(sussex, mid2019):
    """The rates shown beside the peers when no rank is given are the raw file's counts over the ONS population."""
    csp_of = lsoa_to_csp()
    recount = Counter(
        csp_of.get(row["LSOA code"]) for row in raw_police_rows(SUSSEX_FILE)
        if row["Crime type"] == ASB and FIRST <= row["Month"] <= LAST and row["Longitude"] and row["Latitude"]
    )
    assert population_year(sussex, FIRST, LAST) == 2019
    for csp, name in EAST_SUSSEX_CSPS.items():
        rates = compared_rates(sussex, csp, [ASB], FIRST, LAST).set_index("code")
        assert rates["selected"].sum() == 1 and rates.loc[csp, "selected"]
        assert rates["name"].is_monotonic_increasing  # by name: no order that reads as a rank
        assert "rank" not in rates.columns
        assert rates.loc[csp, "name"] == name and rates.loc[csp, "force"] == "Sussex"
        for code_, row in rates.iterrows():
            assert row["count"] == recount[code_]
            assert row["population"] == mid2019[code_]
            assert row["rate"] == pytest.approx(recount[code_] / mid2019[code_] * 1000)


# --- Two forces loaded: Sussex and Suffolk ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_forces(sussex_store_path, tmp_path_factory):
    db = open_store(sussex_and_suffolk(sussex_store_path, tmp_path_factory.mktemp("two-forces") / "csp.db"))
    yield db
    db.close()


def test_with_two_forces_loaded_every_csp_is_ranked_in_a_full_group_from_both(two_forces):
    loaded = {**force_csps("Sussex"), **force_csps("Suffolk")}
    assert comparable_csps(two_forces, FIRST, LAST) == sorted(loaded)
    grid = peer_comparisons(two_forces, [ASB], FIRST, LAST)
    assert set(grid["code"]) == set(loaded) and set(grid["group_size"]) == {GROUP_SIZE}
    assert no_ranking_reason(two_forces, FIRST, LAST) is None
    for csp in loaded:
        basis = peer_basis(two_forces, csp, FIRST, LAST)
        assert basis.ranks and basis.peers == GROUP_SIZE and basis.loaded == len(loaded)
        assert set(basis.known_forces) == {"Sussex", "Suffolk"}  # at most one CSP left out of 16 others
        result = peer_comparison(two_forces, csp, [ASB], FIRST, LAST)
        assert set(result.peers["code"]) == {csp, *basis.peer_codes}
        assert sorted(result.peers["rank"]) == list(range(1, GROUP_SIZE + 2))
        assert result.peers.sort_values("rank")["rate"].is_monotonic_increasing
        # The same rates as the table shown when no rank is given: only the rank and the limits are added.
        context = compared_rates(two_forces, csp, [ASB], FIRST, LAST).set_index("code")["rate"]
        for code_, rate in zip(result.peers["code"], result.peers["rate"], strict=True):
            assert rate == pytest.approx(context[code_])


def test_two_force_groups_are_deterministic(two_forces):
    grid = peer_comparisons(two_forces, [ASB], FIRST, LAST)
    pd.testing.assert_frame_equal(grid, peer_comparisons(two_forces, [ASB], FIRST, LAST))


@pytest.fixture(scope="module")
def census_hectares() -> dict[str, float]:
    """Each CSP's area in hectares from the 2011 census LSOA file (ONS Standard Area Measurements)."""
    csp_of = lsoa_to_csp()
    areas = pd.read_csv(real_file("population/census2011_lsoa_population_ew.csv.gz"), usecols=["lsoa11cd",
                                                                                              "area_hectares"])
    return areas.assign(csp=areas["lsoa11cd"].map(csp_of)).groupby("csp")["area_hectares"].sum().to_dict()


def test_sussex_groups_rest_on_size_and_density_measured_from_the_boundaries(sussex, sussex_csps, mid2019,
                                                                            census_hectares):
    profiles = csp_profiles(sussex, 2019).set_index("code")
    for csp in sussex_csps:
        # The generalised boundaries give each CSP's census area to within 3%.
        assert profiles.loc[csp, "hectares"] == pytest.approx(census_hectares[csp], rel=0.03)
        assert profiles.loc[csp, "area_source"] == "lsoa"
    # The CSP population file has no age bands, so ages are reported missing and not used.
    assert set(sussex_csps) <= set(profiles.attrs["missing"]["share_65_plus"])

    # An independent reckoning from the ONS files: z-scores of log population and log density.
    codes = sorted(sussex_csps)
    people = np.log([mid2019[c] for c in codes])
    density = np.log([mid2019[c] / census_hectares[c] for c in codes])
    points = np.column_stack([(people - people.mean()) / people.std(), (density - density.mean()) / density.std()])
    groups = most_similar_groups(csp_profiles(sussex, 2019, comparable_csps(sussex, FIRST, LAST)))
    assert groups.features == ("population", "density")
    for csp in EAST_SUSSEX_CSPS:
        distance = np.linalg.norm(points - points[codes.index(csp)], axis=1)
        expected = [codes[i] for i in np.argsort(distance)[1:4]]
        assert {peer for peer, _ in groups[csp][:3]} == set(expected)
        # The page's peers are the group, nearest first.
        assert peer_basis(sussex, csp, FIRST, LAST).peer_codes == tuple(peer for peer, _ in groups[csp])
