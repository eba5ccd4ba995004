"""Predicted hotspots for an area from the store, and the back-test sentence the Hotspots page states.

The method is ``lib.hotspots.forecast`` (benchmarked in ``benchmarks/hotspot_pai.py``). Here it is fed the
area's own incidents: the cells predicted for the month after the period, and, to say how far to trust them,
the same method trained on the months before the period's last month and scored on that last month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlite_utils

from lib.core.areas import Area
from lib.core.periods import month_label, months_between, shift_months
from lib.hotspots.forecast import DEFAULT_SETTINGS, ForecastSettings, hit_rate, hotspot_scores, top_cells_by_coverage
from lib.hotspots.study_area import hexagons_of, point_counts
from lib.store.scope import AreaScope

COVERAGE = 0.05  # the share of the area the predicted hotspots cover, as the back-test reports it
TRAINING_MONTHS = 12


@dataclass(frozen=True)
class Prediction:
    """The predicted cells for the month after ``end``, and how the same method did on ``end`` itself."""

    cells: list[str]
    coverage: float
    tested_month: str | None
    hit_share: float | None  # share of the tested month's incidents inside the cells predicted for it

    def sentence(self, what: str) -> str:
        """'Back-tested on Sep 2026: hotspots predicted this way held 31% of that month's ASB in 5% of the area.'"""
        if self.hit_share is None or self.tested_month is None:
            return "Too few months are held to back-test the predicted hotspots here."
        return (f"Back-tested on {month_label(self.tested_month)}: hotspots predicted this way from the months "
                f"before held {100 * self.hit_share:.0f}% of that month's {what} in {100 * self.coverage:.0f}% "
                "of the area.")


def incident_cells(db: sqlite_utils.Database, area: Area | AreaScope, categories: list[str], start: str, end: str,
                   resolution: int) -> pd.DataFrame:
    """One row per incident in the area (month, h3 at ``resolution``), counted in SQL and expanded here.

    The area's points and their hexagons are chosen exactly as the Gi* map chooses them
    (``lib.hotspots.study_area``).
    """
    counts = incident_cell_counts(db, area, categories, start, end, resolution)
    repeat = counts["count"].to_numpy(dtype=int)
    return pd.DataFrame({"month": np.repeat(counts["month"].to_numpy(dtype=object), repeat),
                         "h3": np.repeat(counts["h3"].to_numpy(dtype=object), repeat)})


def incident_cell_counts(db: sqlite_utils.Database, area: Area | AreaScope, categories: list[str], start: str,
                         end: str, resolution: int) -> pd.DataFrame:
    """The area's incidents per snap point and month (month, h3 at ``resolution``, count): the rows of
    :func:`incident_cells` before they are expanded, which a force area's 200,000 incidents need not be."""
    empty = pd.DataFrame({"month": pd.Series(dtype=str), "h3": pd.Series(dtype=str), "count": pd.Series(dtype=int)})
    if not categories:
        return empty
    rows = point_counts(db, area, categories, start, end, "p.latitude, p.longitude", "pc.month",
                        order="g.key, g.point_id")
    if not rows:
        return empty
    groups = pd.DataFrame(rows, columns=["latitude", "longitude", "month", "count"])
    return pd.DataFrame({"month": groups["month"], "h3": hexagons_of(groups, resolution), "count": groups["count"]})


def predict(db: sqlite_utils.Database, area: Area | AreaScope, categories: list[str], end: str,
            study_cells: list[str], settings: ForecastSettings = DEFAULT_SETTINGS,
            coverage: float = COVERAGE) -> Prediction:
    """Cells predicted for the month after ``end``, and the back-test of the same method on ``end``."""
    start = shift_months(end, -TRAINING_MONTHS)
    points = incident_cell_counts(db, area, categories, start, end, settings.resolution)
    held = sorted(set(points["month"]))
    if not held or not study_cells:
        return Prediction([], coverage, None, None)
    training = [m for m in months_between(shift_months(end, -(TRAINING_MONTHS - 1)), end) if m in held]
    cells = top_cells_by_coverage(hotspot_scores(points, training, study_cells, settings), coverage)
    earlier = [m for m in training if m < end]
    tested = points[points["month"] == end]
    if not earlier or tested.empty:
        return Prediction(cells, coverage, None, None)
    before = top_cells_by_coverage(hotspot_scores(points, earlier, study_cells, settings), coverage)
    return Prediction(cells, coverage, end, hit_rate(before, np.repeat(tested["h3"].to_numpy(), tested["count"])))
