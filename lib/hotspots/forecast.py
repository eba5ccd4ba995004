"""Predicted hotspots: the H3 cells most likely to hold next month's incidents, and how such maps are judged.

The Hotspots page draws these cells as "predicted hotspots", and ``benchmarks/hotspot_pai.py`` back-tests exactly
this code on real police.uk anti-social behaviour (ASB), so the figure the page quotes is the figure the benchmark
measured.

The method is deliberately plain, so an analyst can say what it does in one breath: *count each small cell's
incidents over the last months, and use the neighbouring cells' counts to break near-ties.*

1. **Cells.** Incidents are put in H3 hexagons at ``settings.resolution``.
2. **Time weighting.** An incident in month m counts ``0.5 ** (age / half_life_months)``, where age is the number
   of calendar months between m and the latest training month (so the latest month counts 1). ``math.inf``
   means every month counts 1, which is what the tuning chose (see :data:`DEFAULT_SETTINGS`).
3. **Smoothing.** A cell's score is its own weighted count plus, for each ring k = 1..``rings`` around it,
   ``neighbour_weight ** (k * k)`` times the weighted counts in that ring: a Getis-Ord Gi*-like local sum whose
   weights fall off as a Gaussian in ring distance, with the cell itself weighted 1.

Judging a map (Chainey, Tompson & Uhlig 2008; Levine 2008): take the highest-scoring cells that cover a fixed
share of the study area (1% or 5%), then

* **hit rate** = share of the next month's incidents that fell in those cells;
* **PAI** (Predictive Accuracy Index) = hit rate ÷ share of the study area covered;
* **RRI** (Recapture Rate Index) = hit rate in the next month ÷ hit rate in the training months, for the same cells.

The page states the back-test figure as "these hotspots held X% of the next month's ASB in Y% of the area"
(:func:`coverage_sentence`). No Streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import h3
import h3.api.numpy_int as h3_int
import numpy as np
import pandas as pd

from lib.core.periods import is_month, shift_months

# The largest bounding box (in cells) smoothed on a dense grid: 8 bytes a cell, so at most 400 MB.
MAX_GRID_CELLS = 50_000_000


@dataclass(frozen=True)
class ForecastSettings:
    """The knobs of the predicted-hotspot method (see the module docstring for what each does).

    Attributes:
        resolution: H3 resolution of the cells.
        half_life_months: months after which an incident counts half as much (``math.inf``: no decay).
        neighbour_weight: the share of a ring-1 neighbour's weighted count that a cell adds to its own; ring k
            adds ``neighbour_weight ** (k * k)`` (0: no smoothing; 1 with ``rings=1``: the cell and its six
            neighbours count equally, a plain Gi*-style local sum).
        rings: how many rings of neighbours the smoothing reaches (0: none).
    """

    resolution: int
    half_life_months: float
    neighbour_weight: float
    rings: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.resolution <= 15:
            raise ValueError(f"H3 resolution must be 0..15, not {self.resolution}")
        if not self.half_life_months > 0:
            raise ValueError(f"half_life_months must be positive, not {self.half_life_months}")
        if not 0 <= self.neighbour_weight <= 1:
            raise ValueError(f"neighbour_weight must be in [0, 1], not {self.neighbour_weight}")
        if self.rings < 0:
            raise ValueError(f"rings must be zero or more, not {self.rings}")


# Tuned by ``python benchmarks/hotspot_pai.py`` on Lancashire ASB 2022-01..2022-06 only: every setting on a grid
# (resolution 8/9/10 x half-life 1/3/6/12 months or none x neighbour weight 0 or 0.005..0.5 over 1..3 rings) predicted
# each of 2022-03..06 from the months before it, and the best geometric-mean PAI at 1% and 5% coverage won.
# The months the benchmark reports (Lancashire 2022-07..12, all of Sussex) played no part. Why each value:
# * resolution 10 (cells of about 0.015 km², 76 m edge, 130 m across; geometric-mean PAI 31.4 against 25.9 at
#   resolution 9 and 22.3 at 8): police.uk moves each incident to the nearest of its anonymised snap points (a
#   street or public place), so ASB piles up at a few points and small cells hold them tightly. Finer resolutions
#   were not tried: resolution 11 cells (25 m edge) are finer than a snap point's stretch of street, so they would
#   map the snap points rather than places, and a county needs 1.6 million of them.
# * no time weighting (half_life_months = inf): over the histories the tuning could test (2 to 5 months) decay
#   did not help (best 31.37 without; 31.28 with a 12-month half-life, 30.98 with 1 month). Months older than a
#   year are left out instead: pass the last MAX_TRAINING_MONTHS (see :func:`training_months`), as the
#   back-test does.
# * neighbour_weight 0.02 over 3 rings: ring 1 adds 2% of its counts, ring 2 0.02^4 and ring 3 0.02^9 - in
#   effect a tie-breaker. Cells are ranked by their own count; among cells with equal counts (there are many,
#   including the many with none) those nearest to busy cells come first. That is what beats plain counts at
#   the same resolution (31.4 against 29.3), most of all where incidents are too few to fill 5% of the area.
DEFAULT_SETTINGS = ForecastSettings(resolution=10, half_life_months=math.inf, neighbour_weight=0.02, rings=3)

# The most months of history a forecast uses (the back-test trains on at most 11).
MAX_TRAINING_MONTHS = 12


def training_months(available: Iterable[str], forecast_month: str | None = None) -> list[str]:
    """The months to train on for ``forecast_month``: the latest ``MAX_TRAINING_MONTHS`` available before it.

    Without ``forecast_month`` the forecast is for the month after the latest available one.
    """
    months = sorted(set(available))
    if forecast_month is None:
        if not months:
            return []
        forecast_month = shift_months(months[-1], 1)
    earliest = shift_months(forecast_month, -MAX_TRAINING_MONTHS)
    return [month for month in months if earliest <= month < forecast_month]


def _month_number(month: str) -> int:
    if not is_month(month):
        raise ValueError(f"not a YYYY-MM month: {month!r}")
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def point_cells(points: pd.DataFrame, resolution: int) -> pd.Series:
    """The H3 cell (at ``resolution``) of each incident, aligned with ``points``; missing where it has no place.

    ``points`` has either an ``h3`` column (cell strings at ``resolution`` or finer, which are coarsened with
    ``cell_to_parent``) or ``longitude`` and ``latitude`` columns (WGS84 degrees). If both are present, ``h3`` wins.
    """
    if "h3" in points.columns:
        raw = points["h3"]
        unique = pd.unique(raw.dropna())
        mapping = {}
        for cell in unique:
            cell_resolution = h3.get_resolution(cell)
            if cell_resolution < resolution:
                raise ValueError(f"cell {cell} is at resolution {cell_resolution}, coarser than {resolution}")
            mapping[cell] = cell if cell_resolution == resolution else h3.cell_to_parent(cell, resolution)
        return raw.map(mapping).astype(object).where(raw.notna(), None)
    if not {"longitude", "latitude"} <= set(points.columns):
        raise ValueError("points need an 'h3' column or 'longitude' and 'latitude' columns")
    lng = pd.to_numeric(points["longitude"], errors="coerce")
    lat = pd.to_numeric(points["latitude"], errors="coerce")
    located = lng.notna() & lat.notna()
    cells = pd.Series([None] * len(points), index=points.index, dtype=object)
    if located.any():
        pairs = pd.DataFrame({"lat": lat[located], "lng": lng[located]})
        unique = pairs.drop_duplicates()
        lookup = {
            (la, ln): h3.latlng_to_cell(la, ln, resolution)
            for la, ln in zip(unique["lat"].to_numpy(), unique["lng"].to_numpy(), strict=True)
        }
        cells[located] = [
            lookup[(la, ln)] for la, ln in zip(pairs["lat"].to_numpy(), pairs["lng"].to_numpy(), strict=True)
        ]
    return cells


def study_area_cells(geometry: Any, resolution: int) -> list[str]:
    """Every H3 cell at ``resolution`` that overlaps the study area, sorted.

    ``geometry`` is a shapely (Multi)Polygon or a GeoJSON-like mapping, in WGS84 longitude/latitude. Cells that
    only partly overlap the area are included, so every incident inside the area lies in a study cell (on a
    coast, a cell whose centre is in the sea still holds the seafront). With h3 versions that lack overlap
    containment, a cell counts as overlapping if any of its seven children's centres lies inside the area.
    """
    mapping = geometry if isinstance(geometry, dict) else geometry.__geo_interface__
    shape = h3.geo_to_h3shape(mapping)
    try:
        cells = h3.h3shape_to_cells_experimental(shape, resolution, contain="overlap")
    except (AttributeError, TypeError, ValueError):  # pragma: no cover - older or newer h3 without the option
        children = h3.h3shape_to_cells(shape, resolution + 1)
        cells = {h3.cell_to_parent(child, resolution) for child in children}
    return sorted(set(cells))


def month_weights(months: Sequence[str], half_life_months: float) -> dict[str, float]:
    """The weight of each training month: 1 for the latest, halving every ``half_life_months`` calendar months."""
    if not months:
        raise ValueError("at least one training month is needed")
    latest = max(_month_number(month) for month in months)
    weights = {}
    for month in months:
        age = latest - _month_number(month)
        weights[month] = 1.0 if math.isinf(half_life_months) else 0.5 ** (age / half_life_months)
    return weights


def hotspot_scores(
    points: pd.DataFrame,
    months: Sequence[str],
    study_cells: Sequence[str],
    settings: ForecastSettings = DEFAULT_SETTINGS,
) -> pd.Series:
    """Score every study cell for next month: higher means more likely to hold incidents.

    Args:
        points: one row per incident, with ``month`` ('YYYY-MM'; a longer date such as '2022-01-01' is cut to
            its month) and a place: an ``h3`` column (cells at ``settings.resolution`` or finer) or ``longitude``
            and ``latitude`` (WGS84). Rows outside ``months`` or without a place are ignored.
        months: the training months, normally :func:`training_months` (the last 12, as back-tested). The
            forecast is for the month after the latest of them; calendar gaps count towards a month's age.
        study_cells: the cells of the study area at ``settings.resolution`` (see :func:`study_area_cells`).
            Incidents in other cells still lend weight to neighbouring study cells through smoothing.
        settings: the method's settings; the page and the benchmark use :data:`DEFAULT_SETTINGS`.

    Returns:
        A float Series named ``score``, indexed by ``study_cells`` (in the given order, index name ``h3``): the
        cell's time-weighted count plus ``neighbour_weight ** (k * k)`` times the time-weighted counts of each
        ring k = 1..``rings`` around it. The same inputs always give the same output; rank it with
        :func:`top_cells_by_coverage`.
    """
    weights = month_weights(list(months), settings.half_life_months)
    index = pd.Index(list(study_cells), name="h3")
    if index.has_duplicates:
        raise ValueError("study_cells has duplicates")
    month = points["month"].astype(str).str[:7]
    cells = point_cells(points, settings.resolution)
    used = month.isin(weights.keys()) & cells.notna()
    if not used.any():
        return pd.Series(0.0, index=index, name="score")
    weight = month[used].map(weights).astype(float)
    if "count" in points.columns:
        weight = weight * points.loc[used, "count"].astype(float)
    own = weight.groupby(cells[used].to_numpy()).sum()
    fast = _smoothed_at(own, index, settings)
    if fast is not None:
        return pd.Series(fast, index=index, name="score")
    return smooth(own, settings).reindex(index, fill_value=0.0).astype(float).rename("score")


def smooth(weighted: pd.Series, settings: ForecastSettings) -> pd.Series:
    """Spread cell totals over the hex grid: ring k around a cell gets ``neighbour_weight ** (k * k)`` of it.

    That is a discrete Gaussian kernel on ring distance, cut off after ``settings.rings`` rings; the cell itself
    keeps weight 1. ``weighted`` is indexed by cell string; the result covers every cell reached, sorted by id.
    """
    if weighted.empty or settings.neighbour_weight == 0 or settings.rings == 0:
        return weighted.groupby(level=0).sum()
    sources = np.array([h3.str_to_int(cell) for cell in weighted.index], dtype=np.uint64)
    values = weighted.to_numpy(dtype=float)
    cells, amounts = [sources], [values]
    for k in range(1, settings.rings + 1):
        rings = [_ring(cell, k) for cell in sources]
        cells.extend(rings)
        amounts.append(np.repeat(values * settings.neighbour_weight ** (k * k), [len(ring) for ring in rings]))
    spread = pd.Series(np.concatenate(amounts), index=np.concatenate(cells)).groupby(level=0).sum()
    spread.index = [h3.int_to_str(int(cell)) for cell in spread.index]
    return spread.sort_index()


def _ring(cell: np.uint64, k: int) -> np.ndarray:
    try:
        return h3_int.grid_ring(cell, k)
    except h3.H3BaseException:  # pragma: no cover - only next to one of the 12 pentagons, none near land in England
        return np.setdiff1d(h3_int.grid_disk(cell, k), h3_int.grid_disk(cell, k - 1))


def _smoothed_at(own: pd.Series, study: pd.Index, settings: ForecastSettings) -> np.ndarray | None:
    """:func:`smooth`'s result at the study cells only, worked out on H3's local IJ grid (None where it cannot be).

    Near an origin and away from the 12 pentagons, H3 cells form a regular lattice in local IJ coordinates, so
    ring k of any cell is a fixed set of offsets and a study cell's score is a few dozen look-ups in a dense
    array, instead of asking H3 for every ring of every busy cell (a second for a force area's tens of
    thousands of cells). None (so the caller smooths ring by ring) if a cell cannot be placed on the
    grid, or if the rings of a sample of busy cells on the grid differ from H3's own ``grid_ring``.
    """
    if own.empty or settings.neighbour_weight == 0 or settings.rings == 0 or study.empty:
        return None
    sources = np.array([h3.str_to_int(cell) for cell in own.index.tolist()], dtype=np.uint64)
    offsets = _ring_offsets(settings.rings)
    try:
        source_ij = _local_ij(sources[0], sources)
        study_ij = _local_ij(sources[0], [h3.str_to_int(cell) for cell in study.tolist()])
        if not _rings_agree(sources, source_ij, offsets):
            return None
    except h3.H3BaseException:
        return None
    # A dense grid over the cells' bounding box, so each ring offset is one gather for all study cells.
    low = np.minimum(source_ij.min(axis=0), study_ij.min(axis=0)) - settings.rings
    high = np.maximum(source_ij.max(axis=0), study_ij.max(axis=0)) + settings.rings
    if np.prod(high - low + 1) > MAX_GRID_CELLS:
        return None
    grid = np.zeros(high - low + 1)
    np.add.at(grid, tuple((source_ij - low).T), own.to_numpy(dtype=float))
    rows, columns = (study_ij - low).T
    scores = np.zeros(len(study))
    for (a, b), ring in offsets:
        scores += grid[rows + a, columns + b] * settings.neighbour_weight ** (ring * ring)
    return scores


def _ring_offsets(rings: int) -> list[tuple[tuple[int, int], int]]:
    """Every local IJ offset within ``rings`` rings, with its ring number; H3's six neighbours are ±(1,0),
    ±(0,1) and ±(1,1), so an offset whose two parts share a sign is max(|i|, |j|) rings away, else |i| + |j|."""
    span = range(-rings, rings + 1)
    found = []
    for a in span:
        for b in span:
            ring = max(abs(a), abs(b)) if a * b >= 0 else abs(a) + abs(b)
            if ring <= rings:
                found.append(((a, b), ring))
    return found


def _local_ij(origin: np.uint64, cells: Iterable[Any]) -> np.ndarray:
    return np.array([h3_int.cell_to_local_ij(origin, cell) for cell in cells], dtype=np.int64).reshape(-1, 2)


def _rings_agree(sources: np.ndarray, source_ij: np.ndarray, offsets: list, sample: int = 64) -> bool:
    """Whether, for evenly spaced sample cells, each ring's offsets on the local grid are H3's own ring."""
    origin = sources[0]
    rings = max(ring for _, ring in offsets)
    for position in np.unique(np.linspace(0, len(sources) - 1, min(sample, len(sources))).astype(int)):
        i, j = source_ij[position]
        for k in range(1, rings + 1):
            expected = {(i + a, j + b) for (a, b), ring in offsets if ring == k}
            actual = {tuple(ij) for ij in _local_ij(origin, _ring(sources[position], k)).tolist()}
            if actual != expected:
                return False
    return True


def top_cells_by_coverage(scores: pd.Series, coverage: float) -> list[str]:
    """The highest-scoring cells that together cover ``coverage`` (0..1] of the study area, best first.

    ``scores`` has one entry per study cell. Area is measured by cell count: H3 cells at one resolution are
    near-equal in area (at resolution 10 the largest cell is 1.8% bigger than the smallest across Lancashire,
    2.6% across Sussex; across the globe they vary up to about 2x), so k = round(coverage × number of cells),
    at least 1, cells cover that share of the area to within half a cell and a few per cent. Ties are broken by
    cell id, so the choice is deterministic.
    """
    if not 0 < coverage <= 1:
        raise ValueError(f"coverage must be in (0, 1], not {coverage}")
    if scores.empty:
        return []
    count = max(1, round(coverage * len(scores)))
    values = scores.to_numpy(dtype=float)
    values = np.where(np.isnan(values), -np.inf, values)
    # Only cells scoring at least the count-th highest score can be chosen; sort just those (fast on big areas).
    threshold = np.partition(values, len(values) - count)[len(values) - count]
    candidates = np.flatnonzero(values >= threshold)
    names = scores.index.astype(str).to_numpy()[candidates]
    order = np.lexsort((names, -values[candidates]))
    return [str(name) for name in names[order[:count]]]


def hit_rate(hit_cells: Iterable[str], point_cells_: Iterable[Any]) -> float:
    """Share of incidents (one cell per incident; ``None`` for an incident without a cell) in ``hit_cells``."""
    hits = set(hit_cells)
    cells = list(point_cells_)
    if not cells:
        return math.nan
    return sum(cell in hits for cell in cells) / len(cells)


def pai(hit_cells: Iterable[str], test_point_cells: Iterable[Any], coverage: float) -> float:
    """Predictive Accuracy Index (Chainey, Tompson & Uhlig 2008): (n / N) / (a / A).

    n of the N test incidents fall in the hotspot cells, which cover a of the study area's A, so
    ``coverage`` = a / A (pass ``len(hit_cells) / number of study cells`` for the exact cell-count share).
    PAI 1 is what randomly placed hotspots would average; PAI 20 at 1% coverage means 20% of incidents in 1%
    of the area. NaN when there are no test incidents.

    Chainey, S., Tompson, L. and Uhlig, S. (2008) "The utility of hotspot mapping for predicting spatial
    patterns of crime", Security Journal 21(1-2), 4-28.
    """
    if not 0 < coverage <= 1:
        raise ValueError(f"coverage must be in (0, 1], not {coverage}")
    return hit_rate(hit_cells, test_point_cells) / coverage


def rri(hit_cells: Iterable[str], test_point_cells: Iterable[Any], train_point_cells: Iterable[Any]) -> float:
    """Recapture Rate Index (Levine 2008): (n2 / N2) / (n1 / N1) for the same hotspot cells.

    n1 of the N1 training incidents and n2 of the N2 test incidents fall in the hotspots, so RRI is the test
    hit rate over the training hit rate; with the area fixed it equals PAI(test) / PAI(training). RRI near 1
    means the hotspots recapture next month's incidents as well as they held the past; below 1, the map held
    the past better than it predicts the future (over-fitting the training months gives a low RRI). It is a
    stability ratio, not a score to maximise on its own: a map that ignores where the training incidents were
    can reach a high RRI with a poor PAI. NaN when either hit rate is undefined or the training one is 0.
    Defined as (n2/n1)/(N2/N1) by Levine, N. (2008) "The 'hottest' part of a hotspot: comments on 'The utility
    of hotspot mapping for predicting spatial patterns of crime'", Security Journal 21(4), 295-302, in reply to
    Chainey et al., and used in that form by Drawve, G. (2016) "A metric comparison of predictive hot spot
    techniques and RTM", Justice Quarterly 33(3), and by Camacho Doyle, Gerell & Andershed (2021) "Exploring
    violent and property crime geographically: a comparison of the accuracy and precision of kernel density
    estimation and simple count". (Some code computes a different "RRI", predicted ÷ observed counts in the
    hotspots; that is not this.)
    """
    test = hit_rate(hit_cells := list(hit_cells), test_point_cells)
    train = hit_rate(hit_cells, train_point_cells)
    if math.isnan(test) or math.isnan(train) or train == 0:
        return math.nan
    return test / train


def coverage_sentence(hit_share: float, area_share: float, what: str = "ASB") -> str:
    """The page's plain-words claim: 'these hotspots held 23% of the next month's ASB in 1% of the area'."""
    return f"these hotspots held {_percent(hit_share)} of the next month's {what} in {_percent(area_share)} of the area"


def _percent(share: float) -> str:
    value = 100 * share
    text = f"{value:.0f}" if value >= 10 else f"{value:.1f}".removesuffix(".0")
    return f"{text}%"
