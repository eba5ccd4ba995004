"""Hot spots: Gi* with a false discovery rate on planted and uniform patterns, counts against an independent
recount of the real Sussex file, the demo county's night-time economy, and the trajectory between periods."""

from __future__ import annotations

import csv
import io
import math
from collections import Counter

import esda
import h3
import numpy as np
import pytest
from libpysal.graph import Graph

from lib.core.areas import find_area
from lib.hotspots import gi_star as hotspots
from lib.hotspots.gi_star import (
    DEFAULT_PERMUTATIONS,
    DEFAULT_SEED,
    GI_CLASSES,
    TRAJECTORIES,
    _gi_star_test,
    _street,
    hotspot_cells,
    previous_period,
    top_hotspots,
    trajectory,
)
from lib.hotspots.study_area import cell_polygons, h3_neighbours, outlines, suggested_resolution
from lib.importers.police_uk import import_police_uk
from lib.store.db import open_store
from tests.conftest import SUSSEX_FILE, lsoa_to_csp, raw_police_rows

EASTBOURNE = "E22000295"
ASB = "Anti-social behaviour"
VIOLENCE = "Violence and sexual offences"
HOT_95 = {"Hot spot, 99% confidence", "Hot spot, 95% confidence"}
# A patch of 397 hexagons (centre and 11 rings) in open country, for patterns made up in the tests.
CENTRE = h3.latlng_to_cell(51.0, -0.8, 9)
PATCH = sorted(h3.grid_disk(CENTRE, 11))


def hot(classes) -> set:
    return {i for i, c in enumerate(classes) if c.startswith("Hot")}


# --- Gi* on made-up patterns ---------------------------------------------------------------------------------
# _gi_star_test is the test hotspot_cells runs on each period's counts.


def test_gi_star_finds_a_planted_cluster():
    rng = np.random.default_rng(7)
    counts = rng.poisson(2.0, len(PATCH))
    middle = h3.grid_ring(CENTRE, 5)[0]
    cluster = {PATCH.index(c) for c in h3.grid_disk(middle, 2)}  # 19 hexagons
    counts[list(cluster)] = rng.poisson(12.0, len(cluster))
    result, thresholds, _ = _gi_star_test(counts, h3_neighbours(PATCH), DEFAULT_PERMUTATIONS, DEFAULT_SEED)
    assert list(result.columns) == ["z", "p", "class"]
    assert set(result["class"]) <= set(GI_CLASSES)
    core = {PATCH.index(c) for c in h3.grid_disk(middle, 1)}
    assert all(result["class"][i] in HOT_95 for i in core)
    assert sum(result["class"][i] in HOT_95 for i in cluster) >= 12
    # Nothing hot away from the cluster: at most the ring just outside it picks up its neighbours' counts.
    near = {PATCH.index(c) for c in h3.grid_disk(middle, 3)}
    assert hot(result["class"]) <= near
    assert (result["z"][list(core)] > 3).all()
    assert set(thresholds) == {0.10, 0.05, 0.01}
    assert thresholds[0.01] <= thresholds[0.05] <= thresholds[0.10]


@pytest.mark.parametrize("mean", [3.0, 0.1])
def test_gi_star_flags_nothing_on_a_uniform_poisson_pattern(mean):
    # Mean 0.1 leaves nine cells in ten empty: esda's own p_sim counts the ties with those zeros on one side and
    # would call most empty cells 99% cold spots. The tie-aware p-values must not.
    neighbours = h3_neighbours(PATCH)
    flagged = 0
    for seed in range(4):
        counts = np.random.default_rng(seed).poisson(mean, len(PATCH))
        result, _, _ = _gi_star_test(counts, neighbours, DEFAULT_PERMUTATIONS, seed)
        flagged += int((result["class"] != "Not significant").sum())
    assert flagged <= 1


@pytest.mark.filterwarnings("ignore:The alternative hypothesis:DeprecationWarning")
def test_gi_star_p_values_are_esdas_permutation_p_values_doubled():
    counts = np.random.default_rng(3).poisson(1.0, len(PATCH)).astype(float)
    counts[:30] += 6
    neighbours = h3_neighbours(PATCH)
    ours, _, _ = _gi_star_test(counts, neighbours, permutations=999, seed=5)
    graph = Graph.from_dicts({i: n for i, n in enumerate(neighbours)})
    gi = esda.G_Local(counts, graph, transform="B", permutations=999, star=True, n_jobs=1, seed=5)
    greater = esda.significance.calculate_significance(gi.Gs, gi.rGs, alternative="greater")
    lesser = esda.significance.calculate_significance(gi.Gs, gi.rGs, alternative="lesser")
    expected = np.minimum(1, 2 * np.where(gi.Zs > 0, greater, lesser))
    np.testing.assert_allclose(ours["z"], gi.Zs)
    np.testing.assert_allclose(ours["p"], expected)


def test_gi_star_runs_many_permutations_in_batches(monkeypatch):
    monkeypatch.setattr(hotspots, "_SIMULATION_BYTES", 1)  # one batch of 99 at a time
    counts = np.random.default_rng(1).poisson(1.0, 50)
    neighbours = [[j for j in (i - 1, i + 1) if 0 <= j < 50] for i in range(50)]
    result, _, _ = _gi_star_test(counts, neighbours, permutations=1000, seed=DEFAULT_SEED)
    exceedances = result["p"] * 1001 / 2 - 1  # p = 2 (M + 1) / (R + 1) wherever it is below 1
    below_one = result["p"] < 1
    np.testing.assert_allclose(exceedances[below_one], np.round(exceedances[below_one]), atol=1e-9)


def test_gi_star_leaves_islands_untested():
    counts = np.array([5, 0, 1, 9, 2, 0, 3])
    neighbours = [[1], [0, 2], [1, 3], [2, 4], [3, 5], [4], []]  # cell 6 touches nothing
    result, _, islands = _gi_star_test(counts, neighbours, permutations=99, seed=DEFAULT_SEED)
    assert islands == [6]
    assert math.isnan(result["z"][6]) and math.isnan(result["p"][6])
    assert result["class"][6] == "Not significant"
    assert result["p"][:6].notna().all()


def test_gi_star_with_no_incidents_finds_nothing():
    result, _, _ = _gi_star_test(np.zeros(len(PATCH)), h3_neighbours(PATCH), permutations=99, seed=DEFAULT_SEED)
    assert (result["class"] == "Not significant").all()


# --- Periods and trajectories ---------------------------------------------------------------------------------


def test_previous_period_is_the_same_length_just_before():
    assert previous_period("2025-10", "2026-09") == ("2024-10", "2025-09")
    assert previous_period("2019-01", "2019-01") == ("2018-12", "2018-12")
    assert previous_period("2018-10", "2019-02") == ("2018-05", "2018-09")
    with pytest.raises(ValueError):
        previous_period("2019-02", "2018-10")


@pytest.mark.parametrize(
    ("now", "before", "count", "previous", "expected"),
    [
        ("Hot spot, 95% confidence", "Not significant", 30, 10, "New"),
        ("Hot spot, 90% confidence", "Cold spot, 90% confidence", 5, 1, "New"),
        ("Not significant", "Hot spot, 99% confidence", 3, 40, "No longer a hot spot"),
        ("Cold spot, 95% confidence", "Hot spot, 90% confidence", 0, 8, "No longer a hot spot"),
        ("Hot spot, 95% confidence", "Hot spot, 95% confidence", 105, 100, "Persistent"),
        ("Hot spot, 95% confidence", "Hot spot, 95% confidence", 90, 100, "Persistent"),
        ("Hot spot, 95% confidence", "Hot spot, 95% confidence", 111, 100, "Intensifying"),
        ("Hot spot, 99% confidence", "Hot spot, 95% confidence", 100, 100, "Intensifying"),
        ("Hot spot, 95% confidence", "Hot spot, 95% confidence", 89, 100, "Diminishing"),
        ("Hot spot, 90% confidence", "Hot spot, 99% confidence", 100, 100, "Diminishing"),
        ("Hot spot, 99% confidence", "Hot spot, 95% confidence", 80, 100, "Persistent"),  # signals disagree
        ("Hot spot, 95% confidence", "Hot spot, 95% confidence", 3, 0, "Intensifying"),
        ("Not significant", "Not significant", 50, 0, ""),
        ("Cold spot, 99% confidence", "Not significant", 0, 0, ""),
    ],
)
def test_trajectory_rule(now, before, count, previous, expected):
    assert trajectory(now, before, count, previous) == expected
    assert expected == "" or expected in TRAJECTORIES


STREET_COLUMNS = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
                  "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"]


def small_store(tmp_path):
    """A made-up CSP of 91 hexagons with one map point each: cluster A busy in both quarters, B only in the
    second, C only in the first, and one incident per hexagon per quarter everywhere else."""
    patch = sorted(h3.grid_disk(CENTRE, 5))
    ring = h3.grid_ring(CENTRE, 3)
    clusters = {name: set(h3.grid_disk(ring[k], 1)) for name, k in (("A", 0), ("B", 6), ("C", 12))}
    per_quarter = {"A": (10, 10), "B": (1, 10), "C": (10, 1)}  # (first quarter, second quarter)
    rows = []
    for number, cell in enumerate(patch):
        lat, lng = h3.cell_to_latlng(cell)
        name = next((n for n, cells in clusters.items() if cell in cells), None)
        first, second = per_quarter[name] if name else (1, 1)
        lsoa = ("E01999901", "Testbury 001A") if number % 2 else ("E01999902", "Testbury 001B")
        for quarter, incidents in enumerate((first, second)):
            for k in range(incidents):
                month = f"2024-{3 * quarter + 1 + k % 3:02d}"
                rows.append({"Month": month, "Longitude": f"{lng:.6f}", "Latitude": f"{lat:.6f}",
                             "Location": f"On or near Street {number}", "LSOA code": lsoa[0], "LSOA name": lsoa[1],
                             "Crime type": VIOLENCE})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=STREET_COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "test-street.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    db = open_store(tmp_path / "csp.db")
    import_police_uk(db, [path])
    return db, {n: {c for c in cells} for n, cells in clusters.items()}, ring


def test_previous_period_change_and_trajectory_on_a_small_store(tmp_path):
    db, clusters, ring = small_store(tmp_path)
    area = find_area(db, "Testbury")
    result = hotspot_cells(db, area, [VIOLENCE], "2024-04", "2024-06", permutations=4999)
    assert (result.previous_start, result.previous_end) == ("2024-01", "2024-03")
    assert result.previous_held
    cells = result.cells.set_index("cell")
    # No boundary held: the study region is the hexagons of the points plus one ring of empty ones.
    assert len(cells) == len(h3.grid_disk(CENTRE, 6))
    assert (cells["count"] == 0).sum() == len(h3.grid_ring(CENTRE, 6))
    assert result.total == 91 + 2 * 7 * 9 and result.previous_total == 91 + 2 * 7 * 9
    centre_a, centre_b, centre_c = ring[0], ring[6], ring[12]
    assert cells.loc[centre_b, ["count", "previous", "change"]].tolist() == [10, 1, 9]
    assert cells.loc[centre_c, ["count", "previous", "change"]].tolist() == [1, 10, -9]
    assert cells.loc[centre_a, "trajectory"] == "Persistent"
    assert cells.loc[centre_b, "trajectory"] == "New"
    assert cells.loc[centre_c, "trajectory"] == "No longer a hot spot"
    assert cells.loc[CENTRE, "trajectory"] == ""
    assert (cells["change"] == cells["count"] - cells["previous"]).all()
    assert cells.loc[centre_b, "place"].endswith(f"Street {sorted(h3.grid_disk(CENTRE, 5)).index(centre_b)}")
    table = top_hotspots(result, limit=14)
    assert set(table.index) == clusters["A"] | clusters["B"]
    assert set(table["Trajectory"]) <= {"Persistent", "New", "Intensifying", "Diminishing"}


# --- The real Sussex file -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def eastbourne_rows():
    """Eastbourne ASB rows of the raw file that the store keeps: placed by the ONS lookup, with coordinates."""
    csp_of = lsoa_to_csp()
    return [
        r for r in raw_police_rows(SUSSEX_FILE)
        if r["Crime type"] == ASB and csp_of.get(r["LSOA code"]) == EASTBOURNE and r["Longitude"] and r["Latitude"]
    ]


def test_eastbourne_hexagon_counts_match_an_independent_recount(sussex, eastbourne_rows):
    rejected = sussex.execute(
        "SELECT COUNT(*) FROM rejected_rows WHERE category = ? AND lsoa_code IN "
        "(SELECT l.code FROM areas l JOIN areas d ON d.code = l.parent_code WHERE d.parent_code = ?)",
        [ASB, EASTBOURNE],
    ).fetchone()[0]
    assert rejected == 0  # so every raw row below is in the store
    result = hotspot_cells(sussex, find_area(sussex, EASTBOURNE), [ASB], "2018-10", "2019-02", resolution=9)
    expected = Counter(h3.latlng_to_cell(float(r["Latitude"]), float(r["Longitude"]), 9) for r in eastbourne_rows)
    cells = result.cells.set_index("cell")
    assert result.total == len(eastbourne_rows) == cells["count"].sum()
    assert set(expected) <= set(cells.index)
    assert cells["count"].to_dict() == {cell: expected.get(cell, 0) for cell in cells.index}
    assert (cells["count"] == 0).sum() > len(expected)  # the empty hexagons of the town are there too
    assert cells["share"].sum() == pytest.approx(100)
    assert cells["population"].isna().all() and cells["rate"].isna().all()
    # police.uk holds no months before October 2018 here: no previous period, so no change or trajectory.
    assert not result.previous_held and result.previous_total == 0
    assert cells["previous"].isna().all() and (cells["trajectory"] == "").all()
    assert any("previous period" in note for note in result.notes)
    # The town centre is the hot spot: its busiest hexagon is named after its streets.
    top = top_hotspots(result, limit=3)
    assert (top["Hot spot class"] != "Not significant").all()
    assert top.iloc[0]["Place"].startswith("Eastbourne ")


def test_eastbourne_lsoa_counts_match_an_independent_recount(sussex, eastbourne_rows):
    result = hotspot_cells(sussex, find_area(sussex, EASTBOURNE), [ASB], "2018-10", "2019-02", unit="lsoa")
    expected = Counter(r["LSOA code"] for r in eastbourne_rows)
    csp_of = lsoa_to_csp()
    eastbourne_lsoas = {code for code, csp in csp_of.items() if csp == EASTBOURNE}
    cells = result.cells.set_index("cell")
    assert set(cells.index) == eastbourne_lsoas  # every LSOA, with or without incidents
    assert cells["count"].to_dict() == {code: expected.get(code, 0) for code in cells.index}
    assert result.total == len(eastbourne_rows)
    assert cells["share"].sum() == pytest.approx(100)
    assert result.resolution is None and result.unit == "lsoa"
    assert not result.islands
    assert all(name.startswith("Eastbourne ") for name in cells["lsoa_name"])
    polygons = cell_polygons(result, sussex)
    assert len(polygons) == len(cells) and polygons.geometry.notna().all()
    drawn = outlines(sussex, find_area(sussex, EASTBOURNE))
    assert list(drawn["csp"]["code"]) == [EASTBOURNE]  # drawn from its LSOAs, as no CSP boundary is held
    assert set(drawn["lsoa"]["code"]) == eastbourne_lsoas


# --- The demo county ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def castlebury_violence(demo):
    return hotspot_cells(demo, find_area(demo, "Castlebury"), [VIOLENCE], "2025-10", "2026-09", resolution=8)


@pytest.mark.parametrize("name", ["Castlebury", "Saltcliffe"])
def test_demo_violence_hot_spots_are_in_the_planted_night_time_economy(demo, name, castlebury_violence):
    from lib.demo import DISTRICTS, to_lon_lat

    area = find_area(demo, name)
    resolution = suggested_resolution(demo, area)
    assert resolution == 8  # a large CSP: resolution 9 would give nearly 5,000 hexagons
    result = castlebury_violence if name == "Castlebury" else hotspot_cells(
        demo, area, [VIOLENCE], "2025-10", "2026-09", resolution=resolution
    )
    cells = result.cells
    hot95 = cells[cells["gi_class"].isin(HOT_95)]
    assert len(hot95) >= 3
    assert hot95["count"].min() > cells["count"].median()
    # The night-time economy was planted in the main town's centre (and, at Saltcliffe, along its seafront):
    # every hot spot is within a few km of it, and the busiest is named after its nightclubs or high street.
    town = DISTRICTS[[d.name for d in DISTRICTS].index(name)].towns[0]
    lon, lat = to_lon_lat(town.x, town.y)
    for cell in cells.loc[cells["gi_class"].str.startswith("Hot"), "cell"]:
        cell_lat, cell_lon = h3.cell_to_latlng(cell)
        assert h3.great_circle_distance((lat, lon), (cell_lat, cell_lon), unit="km") < 4
    top = top_hotspots(result, limit=1).iloc[0]
    assert top["Hot spot class"] in HOT_95 and top["Place"].startswith(f"{name} ")
    assert "Nightclub" in top["Place"] or "High Street" in top["Place"]
    assert not cells["gi_class"].str.startswith("Cold").any()
    assert result.previous_held and result.previous_total > 0
    assert set(cells["trajectory"]) <= {"", *TRAJECTORIES}
    assert (cells.loc[cells["gi_class"].str.startswith("Hot"), "trajectory"] != "").all()


def test_demo_county_finds_both_night_time_economies(demo):
    county = find_area(demo, "Avonmere")
    assert suggested_resolution(demo, county) == 7
    result = hotspot_cells(demo, county, [VIOLENCE], "2025-10", "2026-09", resolution=7)
    hot = result.cells[result.cells["gi_class"].isin(HOT_95)]
    assert hot["place"].str.startswith("Castlebury ").any()
    assert hot["place"].str.startswith("Saltcliffe ").any()


def test_top_hotspots_ranks_by_class_then_count(castlebury_violence):
    table = top_hotspots(castlebury_violence, limit=12)
    assert list(table.columns) == ["Place", "Count", "% of area total", "Change", "Hot spot class", "Trajectory"]
    assert len(table) == 12 and (table["Count"] > 0).all() and table.index.name == "cell"
    rank = table["Hot spot class"].map(GI_CLASSES.index)
    assert rank.is_monotonic_increasing
    for _, group in table.groupby("Hot spot class"):
        assert group["Count"].is_monotonic_decreasing
    assert table.iloc[0]["Hot spot class"] in HOT_95
    assert all(place.startswith("Castlebury ") and ": " in place for place in table["Place"])
    everything = top_hotspots(castlebury_violence, limit=10_000)
    assert len(everything) == (castlebury_violence.cells["count"] > 0).sum()


def test_demo_lsoa_unit_has_rates_per_1000(demo):
    result = hotspot_cells(demo, find_area(demo, "Saltcliffe"), [VIOLENCE], "2025-10", "2026-09", unit="lsoa")
    cells = result.cells
    assert len(cells) == 68 and cells["population"].notna().all()
    np.testing.assert_allclose(cells["rate"], cells["count"] / cells["population"] * 1000)
    assert result.total == demo.execute(
        "SELECT SUM(count) FROM monthly_counts WHERE csp_code = 'X22000005' AND category = ? "
        "AND month BETWEEN '2025-10' AND '2026-09'", [VIOLENCE]
    ).fetchone()[0]
    year = demo.execute(
        "SELECT MAX(year) FROM population WHERE area_code = ? AND year <= 2026", [cells["cell"][0]]
    ).fetchone()[0]
    held = demo.execute(
        "SELECT population FROM population WHERE area_code = ? AND year = ?", [cells["cell"][0], year]
    ).fetchone()[0]
    assert cells["population"][0] == held


def test_demo_outlines_and_hexagons(demo, castlebury_violence):
    drawn = outlines(demo, find_area(demo, "Castlebury"))
    assert list(drawn["csp"]["code"]) == ["X22000002"]
    assert len(drawn["lsoa"]) == 76 and drawn["lsoa"]["name"].str.startswith("Castlebury ").all()
    county = outlines(demo, find_area(demo, "Avonmere"))
    assert len(county["csp"]) == 5 and len(county["lsoa"]) == 416
    polygons = cell_polygons(castlebury_violence, demo)
    assert len(polygons) == len(castlebury_violence.cells)
    assert list(polygons.columns[:-1]) == list(castlebury_violence.cells.columns)
    assert polygons.crs.to_epsg() == 4326
    assert polygons.geometry.is_valid.all()
    square_km = polygons.geometry.to_crs(27700).area / 1e6
    assert square_km.between(0.6, 0.9).all()  # resolution 8 hexagons average 0.74 km2
    # The study region covers the CSP: its outline lies within the hexagons, give or take half a hexagon.
    csp = drawn["csp"].geometry.iloc[0]
    assert csp.difference(polygons.union_all()).area < 0.02 * csp.area


def test_unknown_unit_and_resolution_are_refused(demo):
    area = find_area(demo, "Castlebury")
    with pytest.raises(ValueError):
        hotspot_cells(demo, area, [VIOLENCE], "2025-10", "2026-09", unit="ward")
    with pytest.raises(ValueError):
        hotspot_cells(demo, area, [VIOLENCE], "2025-10", "2026-09", resolution=12)


@pytest.mark.parametrize(
    ("location", "street"),
    [
        ("On or near St Aubyn'S Road", "St Aubyn's Road"),  # police.uk's own casing, shown in proper case
        ("On or near Queen'S Park Road", "Queen's Park Road"),
        ("ON OR NEAR HIGH STREET", "High Street"),
        ("On or near St James' Crescent", "St James' Crescent"),
        ("No Location", ""),
        (None, ""),
    ],
)
def test_street_names_are_in_proper_case(location, street):
    assert street == _street(location)
