"""Predicted hotspots from the store: the incidents fed to the method, and the back-test the page states."""

from __future__ import annotations

import sqlite3

import h3
import numpy as np
import pandas as pd
import pytest

from lib.core.areas import find_area
from lib.hotspots.forecast import (
    DEFAULT_SETTINGS,
    ForecastSettings,
    _smoothed_at,
    hit_rate,
    hotspot_scores,
    smooth,
    top_cells_by_coverage,
)
from lib.hotspots.predicted import COVERAGE, incident_cell_counts, incident_cells, predict
from lib.hotspots.study_area import h3_study_cells
from lib.store.db import open_store
from tests.app_support import demo_store_file
from tests.conftest import SUSSEX_FILE, lsoa_to_csp, raw_police_rows

ASB = "Anti-social behaviour"


@pytest.fixture(scope="module")
def demo():
    db = open_store(demo_store_file())
    yield db
    db.close()


def test_incident_cells_are_one_row_per_incident_in_the_area(demo):
    castlebury = find_area(demo, "X22000002")
    cells = incident_cells(demo, castlebury, [ASB], "2026-01", "2026-03", 9)
    with sqlite3.connect(demo_store_file()) as raw:
        rows = raw.execute("SELECT month, latitude, longitude FROM incident_points WHERE csp_code = 'X22000002' "
                           "AND category = ? AND month BETWEEN '2026-01' AND '2026-03'", [ASB]).fetchall()
    expected = sorted((month, h3.latlng_to_cell(lat, lon, 9)) for month, lat, lon in rows)
    assert expected == sorted(zip(cells["month"], cells["h3"], strict=True))


def test_incident_cells_on_sussex_match_the_raw_rows(sussex_store_path):
    db = open_store(sussex_store_path)
    eastbourne = find_area(db, "E22000295")
    cells = incident_cells(db, eastbourne, [ASB], "2018-10", "2019-02", 9)
    csp_of = lsoa_to_csp()
    raw = [r for r in raw_police_rows(SUSSEX_FILE) if r["Crime type"] == ASB and r["Longitude"]
           and csp_of.get(r["LSOA code"]) == "E22000295"]
    expected = sorted(h3.latlng_to_cell(float(r["Latitude"]), float(r["Longitude"]), 9) for r in raw)
    assert expected == sorted(cells["h3"])
    db.close()


def test_prediction_and_its_back_test_use_the_benchmarked_method(demo):
    saltcliffe = find_area(demo, "X22000005")
    points = incident_cells(demo, saltcliffe, [ASB], "2025-10", "2026-09", DEFAULT_SETTINGS.resolution)
    study = sorted(set(points["h3"]) | {n for c in set(points["h3"]) for n in h3.grid_disk(c, 2)})
    result = predict(demo, saltcliffe, [ASB], "2026-09", study)
    months = sorted(set(points["month"]))
    assert top_cells_by_coverage(hotspot_scores(points, months, study), COVERAGE) == result.cells
    before = top_cells_by_coverage(hotspot_scores(points, months[:-1], study), COVERAGE)
    assert hit_rate(before, points[points["month"] == "2026-09"]["h3"]) == pytest.approx(result.hit_share)
    assert "2026-09" == result.tested_month
    assert f"held {100 * result.hit_share:.0f}% of that month's anti-social behaviour in 5% of the area" in (
        result.sentence("anti-social behaviour"))
    assert len(result.cells) == round(COVERAGE * len(study))


def test_with_one_month_held_there_is_no_back_test(demo):
    lowmere = find_area(demo, "X22000004")
    first = demo.execute("SELECT MIN(month) FROM monthly_counts").fetchone()[0]
    result = predict(demo, lowmere, [ASB], first, ["89195da49b7ffff"])
    assert result.hit_share is None
    assert "Too few months" in result.sentence("ASB")


@pytest.mark.parametrize("rings", [1, 2, 3])
def test_scores_on_the_local_grid_equal_h3_ring_by_ring_on_real_sussex(sussex_store_path, rings):
    # The fast way (a dense local IJ grid) must give what asking H3 for every ring of every busy cell gives.
    db = open_store(sussex_store_path)
    sussex = find_area(db, "E23000033")  # the Sussex police force area: every CSP of the real file
    counts = incident_cell_counts(db, sussex, [ASB], "2018-04", "2019-03", DEFAULT_SETTINGS.resolution)
    study = pd.Index(h3_study_cells(db, sussex, DEFAULT_SETTINGS.resolution))
    db.close()
    own = counts.groupby("h3")["count"].sum().astype(float)
    assert len(own) > 4_000 and len(study) > 100_000  # thousands of busy cells, as in a force area
    settings = ForecastSettings(DEFAULT_SETTINGS.resolution, DEFAULT_SETTINGS.half_life_months,
                                DEFAULT_SETTINGS.neighbour_weight, rings)
    fast = _smoothed_at(own, study, settings)
    assert fast is not None
    np.testing.assert_allclose(fast, smooth(own, settings).reindex(study, fill_value=0.0).to_numpy(), rtol=1e-12)
    assert (fast > 0).sum() > len(own)  # the smoothing did reach beyond the busy cells
