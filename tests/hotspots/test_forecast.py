"""Predicted hotspots: PAI and RRI on hand-worked examples, choosing cells by coverage, and the scoring method.

The real-data back-test is ``benchmarks/hotspot_pai.py``; these tests run on a handful of made-up incidents.
"""

from __future__ import annotations

import math

import h3
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from lib.hotspots.forecast import (
    DEFAULT_SETTINGS,
    ForecastSettings,
    _smoothed_at,
    coverage_sentence,
    hit_rate,
    hotspot_scores,
    month_weights,
    pai,
    point_cells,
    rri,
    smooth,
    study_area_cells,
    top_cells_by_coverage,
    training_months,
)

PRESTON = (53.7632, -2.7031)  # latitude, longitude
RES = 9
CENTRE = h3.latlng_to_cell(*PRESTON, RES)
STUDY = sorted(h3.grid_disk(CENTRE, 4))  # 61 cells
NO_SMOOTHING = ForecastSettings(resolution=RES, half_life_months=6.0, neighbour_weight=0.0)


def incidents(*rows: tuple[str, str]) -> pd.DataFrame:
    """Incidents as (month, h3 cell) pairs."""
    return pd.DataFrame(rows, columns=["month", "h3"])


# --- PAI and RRI --------------------------------------------------------------------------------------------


def test_pai_hand_worked():
    # 3 of the 5 test incidents fall in the hotspots, which cover 10% of the area: PAI = (3/5) / 0.1 = 6.
    assert pai({"a", "b"}, ["a", "a", "b", "c", "d"], 0.1) == pytest.approx(6.0)
    # Hotspots that hold nothing score 0; hotspots that hold everything in 1% of the area score 100.
    assert pai(["a"], ["b", "c"], 0.05) == 0
    assert pai(["a"], ["a", "a"], 0.01) == pytest.approx(100.0)


def test_pai_counts_unplaced_incidents_as_misses_and_needs_incidents():
    assert pai(["a"], ["a", None], 0.5) == pytest.approx(1.0)  # (1/2) / 0.5
    assert math.isnan(pai(["a"], [], 0.1))
    with pytest.raises(ValueError):
        pai(["a"], ["a"], 0)
    with pytest.raises(ValueError):
        pai(["a"], ["a"], 1.5)


def test_rri_hand_worked():
    # Test: 1 of 2 incidents in the hotspot (0.5); training: 3 of 4 (0.75). RRI = 0.5 / 0.75 = 2/3.
    assert rri(["a"], ["a", "b"], ["a", "a", "a", "b"]) == pytest.approx(2 / 3)
    # Levine's form (n2/n1) / (N2/N1) gives the same: (1/3) / (2/4).
    assert rri(["a"], ["a", "b"], ["a", "a", "a", "b"]) == pytest.approx((1 / 3) / (2 / 4))
    # Equal to PAI(test) / PAI(training) at any coverage.
    test, train = ["a", "b", "c", "a"], ["a", "c", "c", "d", "e"]
    assert rri(["a", "c"], test, train) == pytest.approx(pai(["a", "c"], test, 0.2) / pai(["a", "c"], train, 0.2))


def test_rri_undefined_without_training_hits():
    assert math.isnan(rri(["a"], ["a"], ["b"]))
    assert math.isnan(rri(["a"], [], ["a"]))


def test_hit_rate():
    assert hit_rate(["x", "y"], ["x", "y", "z", "x"]) == pytest.approx(0.75)


# --- choosing cells by coverage -----------------------------------------------------------------------------


def test_top_cells_by_coverage_takes_the_right_number_of_the_highest_scores():
    rng = np.random.default_rng(7)
    cells = [f"c{i:03d}" for i in range(200)]
    scores = pd.Series(rng.permutation(200).astype(float), index=cells)
    top = top_cells_by_coverage(scores, 0.05)
    assert len(top) == 10
    assert top == list(scores.sort_values(ascending=False).index[:10])
    assert len(top_cells_by_coverage(scores, 0.01)) == 2
    assert len(top_cells_by_coverage(scores, 0.013)) == 3  # round(2.6)
    assert len(top_cells_by_coverage(scores, 0.001)) == 1  # never fewer than one cell
    assert len(top_cells_by_coverage(scores, 1.0)) == 200


def test_top_cells_ties_are_broken_by_cell_id():
    scores = pd.Series([1.0, 5.0, 1.0, 1.0, 5.0], index=["e", "d", "c", "b", "a"])
    assert top_cells_by_coverage(scores, 0.6) == ["a", "d", "b"]
    assert top_cells_by_coverage(scores.iloc[::-1], 0.6) == ["a", "d", "b"]


def test_top_cells_rejects_bad_coverage():
    with pytest.raises(ValueError):
        top_cells_by_coverage(pd.Series([1.0], index=["a"]), 0)


# --- the scores ---------------------------------------------------------------------------------------------


def test_recent_incident_outweighs_one_a_year_ago():
    recent, old = STUDY[10], STUDY[20]
    points = incidents(("2022-12", recent), ("2021-12", old))
    months = [f"2022-{m:02d}" for m in range(1, 13)] + ["2021-12"]
    scores = hotspot_scores(points, months, STUDY, NO_SMOOTHING)
    assert scores[recent] == pytest.approx(1.0)
    assert scores[old] == pytest.approx(0.5 ** (12 / 6))
    assert scores[recent] > scores[old]
    assert top_cells_by_coverage(scores, 1 / len(STUDY)) == [recent]
    # Without decay they are equal.
    flat = hotspot_scores(points, months, STUDY, ForecastSettings(RES, math.inf, 0.0))
    assert flat[recent] == flat[old] == 1.0


def test_month_weights_halve_every_half_life():
    weights = month_weights(["2022-01", "2022-04", "2022-07"], 3.0)
    assert weights == pytest.approx({"2022-01": 0.25, "2022-04": 0.5, "2022-07": 1.0})
    with pytest.raises(ValueError):
        month_weights([], 3.0)


def test_smoothing_spreads_to_neighbours():
    points = incidents(("2022-05", CENTRE), ("2022-05", CENTRE))
    one_ring = hotspot_scores(points, ["2022-05"], STUDY, ForecastSettings(RES, 6.0, 0.1, rings=1))
    ring1 = set(h3.grid_ring(CENTRE, 1))
    assert one_ring[CENTRE] == pytest.approx(2.0)
    for cell in ring1:
        assert one_ring[cell] == pytest.approx(0.2)
    assert (one_ring.drop([CENTRE, *ring1]) == 0).all()
    # With two rings, ring 2 gets neighbour_weight ** 4 (a Gaussian in ring distance).
    two_rings = hotspot_scores(points, ["2022-05"], STUDY, ForecastSettings(RES, 6.0, 0.1, rings=2))
    for cell in h3.grid_ring(CENTRE, 2):
        assert two_rings[cell] == pytest.approx(2 * 0.1**4)
    # Smoothing lifts an empty cell beside a hotspot above an empty cell far from it.
    far = h3.grid_ring(CENTRE, 4)[0]
    assert one_ring[next(iter(ring1))] > one_ring[far] == 0
    # Without smoothing the neighbours stay at 0.
    plain = hotspot_scores(points, ["2022-05"], STUDY, NO_SMOOTHING)
    assert (plain.drop(CENTRE) == 0).all()


def test_counted_rows_score_like_one_row_per_incident():
    one_each = incidents(("2022-04", CENTRE), ("2022-05", CENTRE), ("2022-05", CENTRE), ("2022-05", STUDY[0]))
    counted = pd.DataFrame({"month": ["2022-04", "2022-05", "2022-05"], "h3": [CENTRE, CENTRE, STUDY[0]],
                            "count": [1, 2, 1]})
    settings = ForecastSettings(RES, 3.0, 0.1, rings=2)
    pd.testing.assert_series_equal(hotspot_scores(one_each, ["2022-04", "2022-05"], STUDY, settings),
                                   hotspot_scores(counted, ["2022-04", "2022-05"], STUDY, settings))


def test_beside_a_pentagon_scores_fall_back_to_asking_h3_for_each_ring():
    # The local IJ grid is not regular around one of H3's 12 pentagons, so the fast way must step aside.
    pentagon = sorted(h3.get_pentagons(RES))[0]
    study = sorted(h3.grid_disk(pentagon, 4))
    busy = sorted(h3.grid_disk(pentagon, 2))
    points = incidents(*(("2022-05", cell) for cell in busy), ("2022-05", pentagon))
    settings = ForecastSettings(RES, 6.0, 0.1, rings=2)
    own = pd.Series(1.0, index=busy).add(pd.Series({pentagon: 1.0}), fill_value=0)
    assert _smoothed_at(own, pd.Index(study), settings) is None
    expected = smooth(own, settings).reindex(study, fill_value=0.0)
    np.testing.assert_allclose(hotspot_scores(points, ["2022-05"], study, settings).to_numpy(), expected.to_numpy())
    # The pentagon itself: its own two incidents, five neighbours in ring 1 and ten in ring 2.
    assert hotspot_scores(points, ["2022-05"], study, settings)[pentagon] == pytest.approx(2 + 5 * 0.1 + 10 * 0.1**4)


def test_incidents_just_outside_the_study_area_lend_weight_to_it():
    outside = h3.grid_ring(CENTRE, 5)[0]
    inside_neighbours = set(h3.grid_ring(outside, 1)) & set(STUDY)
    scores = hotspot_scores(incidents(("2022-05", outside)), ["2022-05"], STUDY, ForecastSettings(RES, 6.0, 0.1))
    assert outside not in scores.index
    assert inside_neighbours and all(scores[cell] == pytest.approx(0.1) for cell in inside_neighbours)


def test_scores_are_deterministic_and_indexed_by_the_study_cells():
    rng = np.random.default_rng(3)
    points = incidents(*[(f"2022-0{rng.integers(1, 7)}", STUDY[rng.integers(0, 61)]) for _ in range(300)])
    months = [f"2022-0{m}" for m in range(1, 7)]
    settings = ForecastSettings(RES, 3.0, 0.1, rings=2)
    first = hotspot_scores(points, months, STUDY, settings)
    second = hotspot_scores(points.copy(), list(months), list(STUDY), settings)
    pd.testing.assert_series_equal(first, second, check_exact=True)
    assert list(first.index) == STUDY
    shuffled = hotspot_scores(points.sample(frac=1, random_state=1), months[::-1], STUDY, settings)
    pd.testing.assert_series_equal(first, shuffled, rtol=1e-12)
    assert top_cells_by_coverage(first, 0.1) == top_cells_by_coverage(shuffled, 0.1)


def test_months_outside_the_training_months_are_ignored():
    points = incidents(("2022-05", STUDY[0]), ("2022-06", STUDY[1]), ("2022-07", STUDY[2]))
    scores = hotspot_scores(points, ["2022-05", "2022-06"], STUDY, NO_SMOOTHING)
    assert scores[STUDY[2]] == 0
    assert scores[STUDY[0]] == pytest.approx(0.5 ** (1 / 6))


def test_input_contract_h3_or_coordinates():
    lat, lng = PRESTON
    by_place = pd.DataFrame({"month": ["2022-01-01", "2022-02"], "latitude": [lat, lat], "longitude": [lng, lng]})
    fine = h3.latlng_to_cell(lat, lng, 12)
    by_cell = pd.DataFrame({"month": ["2022-01", "2022-02"], "h3": [fine, fine]})
    settings = ForecastSettings(RES, 6.0, 0.05)
    pd.testing.assert_series_equal(
        hotspot_scores(by_place, ["2022-01", "2022-02"], STUDY, settings),
        hotspot_scores(by_cell, ["2022-01", "2022-02"], STUDY, settings),
    )
    assert point_cells(by_cell, RES).tolist() == [CENTRE, CENTRE]
    unplaced = pd.DataFrame({"month": ["2022-01"], "latitude": [None], "longitude": [lng]})
    assert point_cells(unplaced, RES).tolist() == [None]
    with pytest.raises(ValueError, match="coarser"):
        point_cells(pd.DataFrame({"month": ["2022-01"], "h3": [h3.cell_to_parent(CENTRE, 7)]}), RES)
    with pytest.raises(ValueError):
        point_cells(pd.DataFrame({"month": ["2022-01"]}), RES)


def test_settings_are_validated():
    with pytest.raises(ValueError):
        ForecastSettings(16, 6.0, 0.1)
    with pytest.raises(ValueError):
        ForecastSettings(9, 0.0, 0.1)
    with pytest.raises(ValueError):
        ForecastSettings(9, 6.0, 1.5)
    assert 0 <= DEFAULT_SETTINGS.neighbour_weight <= 1 and DEFAULT_SETTINGS.half_life_months > 0


def test_default_settings_end_to_end_from_coordinates():
    # Two incidents at one street point last month, one at another point a few hundred metres away.
    lat, lng = PRESTON
    points = pd.DataFrame(
        {"month": ["2022-06", "2022-06", "2022-05"], "latitude": [lat, lat, lat + 0.003], "longitude": [lng] * 3}
    )
    busy = h3.latlng_to_cell(lat, lng, DEFAULT_SETTINGS.resolution)
    quiet = h3.latlng_to_cell(lat + 0.003, lng, DEFAULT_SETTINGS.resolution)
    study = sorted(h3.grid_disk(busy, 6))
    scores = hotspot_scores(points, ["2022-05", "2022-06"], study)
    top = top_cells_by_coverage(scores, 0.1)
    assert top[:2] == [busy, quiet]
    assert set(top[2:8]) == set(h3.grid_ring(busy, 1))  # then the busy cell's six neighbours
    assert scores.min() >= 0 and len(scores) == len(study)


def test_training_months_are_the_last_twelve_before_the_forecast():
    available = [f"{year}-{month:02d}" for year in (2021, 2022) for month in range(1, 13)]
    assert training_months(available, "2022-07") == available[6:18]
    assert training_months(available) == available[12:]
    assert training_months(["2022-03", "2022-01"], "2022-03") == ["2022-01"]
    assert training_months([]) == []


# --- study area and wording ---------------------------------------------------------------------------------


def test_study_area_cells_cover_every_point_inside_the_area():
    area = box(-2.72, 53.755, -2.69, 53.772)  # about 2 km by 2 km in Preston
    cells = study_area_cells(area, RES)
    assert cells == sorted(set(cells))
    rng = np.random.default_rng(5)
    for lng, lat in zip(rng.uniform(-2.72, -2.69, 200), rng.uniform(53.755, 53.772, 200), strict=True):
        assert h3.latlng_to_cell(lat, lng, RES) in cells
    # Cells overlapping the edge are in, but cells well away from the area are not.
    assert all(Point(h3.cell_to_latlng(cell)[::-1]).distance(area) < 0.01 for cell in cells)
    assert study_area_cells(area.__geo_interface__, RES) == cells


def test_coverage_sentence():
    assert coverage_sentence(0.534, 0.01) == "these hotspots held 53% of the next month's ASB in 1% of the area"
    assert coverage_sentence(0.0712, 0.05, what="violence") == (
        "these hotspots held 7.1% of the next month's violence in 5% of the area"
    )
