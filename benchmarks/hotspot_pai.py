"""Back-test of the dashboard's predicted hotspots on real anti-social behaviour (ASB), by PAI and RRI.

    python benchmarks/hotspot_pai.py            # tune on Lancashire 2022-01..06, then back-test both data sets
    python benchmarks/hotspot_pai.py --quick    # skip the tuning; back-test DEFAULT_SETTINGS, KDE bandwidth 50 m

It takes about 5 minutes (1 with --quick) and exits 1 unless the dashboard method beats both baselines at both
coverages on both data sets. Real files are read from $CSP_REAL_DATA (default ../shared/data/real beside the
repository); nothing is copied.

**Data.** Lancashire ASB 2022-01..2022-12 (crimemappingdata, from police.uk), study area the 14 Lancashire
districts; Sussex ASB 2018-10..2019-02 (police.uk street file), study area the union of Sussex's 2011 LSOAs.
Incidents outside the study area or without coordinates are dropped. The study cells are every H3 cell that
overlaps the area (``lib.hotspots.forecast.study_area_cells``).

**Design: rolling origin.** For each test month m, every method is fitted on the months before m (at most 12,
``training_months``) and ranks the study cells; the top cells covering 1% and 5% of the area are its hotspots,
and month m's incidents judge them. Figures are means over the test months; each month is printed too.

**Methods**, all ranking the same H3 cells (the dashboard's resolution):

* ``dashboard``: ``lib.hotspots.forecast.hotspot_scores`` with ``DEFAULT_SETTINGS``, the very code and settings
  the Hotspots page draws.
* ``grid counts``: baseline (b), the plain count of training incidents per cell; ties broken by cell id.
* ``KDE``: baseline (c), scikit-learn ``KernelDensity`` (Gaussian) on British National Grid metres (EPSG:27700),
  fitted to the training incidents and evaluated at each cell's centre. Its bandwidth is tuned exactly as the
  dashboard's settings are (below), so both had the same chance. (Scott's rule of thumb gives about 2.8 km here,
  far too smooth: in the tuning the PAI falls steadily from 50 m up; 500 m and 1 km, tried while building this,
  scored 22.1 and 19.3 against 30.0 at 50 m.)
* ``square counts``, for reference only: plain counts on a square grid of the same cell area (EPSG:27700,
  squares touching the study area).

**Tuning, without the test months.** The dashboard's resolution, half-life, neighbour weight and rings, and then
the KDE bandwidth, are chosen on Lancashire 2022-01..2022-06 only: each candidate predicts 2022-03, 04, 05 and
06 from the months before it (inside that window), and the best geometric-mean PAI over those months at 1% and
5% wins. Lancashire is then reported on test months 2022-07..2022-12 (2022-04..06 are printed per month,
marked as inside the tuning window, and left out of the means); Sussex, another force and another year, on all
its months from the second (2018-11..2019-02), with the settings frozen from Lancashire. One design step did
look at results: the first version smoothed over ring 1 only and lost to KDE at 5% in Sussex, where a few
months of incidents occupy fewer cells than 5% (even 1%) of the area, so plain counts fall back on arbitrary
ties. The ``rings`` option was added then; its value, like the others, came from the Lancashire tuning alone.

**Figures.** Hit % = share of the test month's incidents in the hotspots. PAI (Chainey, Tompson & Uhlig 2008)
= hit share ÷ area share: 1 is no better than chance, 50 at 1% means half the incidents in a hundredth of the
area. RRI (Levine 2008) = hit share in the test month ÷ hit share of the training incidents in the same cells:
near 1 the hotspots hold next month as well as they held the past, below 1 they held the past better. It is a
stability ratio, reported but not used to rank methods. Area shares are by cell count (H3 cells at one
resolution are near-equal in area; the spread within each study area is printed).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import sys
import time
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree
from sklearn.neighbors import KernelDensity

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.import_police_uk import REAL  # noqa: E402
from lib.hotspots.forecast import (  # noqa: E402
    DEFAULT_SETTINGS,
    ForecastSettings,
    coverage_sentence,
    hit_rate,
    hotspot_scores,
    pai,
    point_cells,
    rri,
    study_area_cells,
    top_cells_by_coverage,
    training_months,
)

LANCASHIRE_ASB = "crimemappingdata/lancashire_asb.tsv.gz"
LANCASHIRE_DISTRICTS = "crimemappingdata/lancashire_districts_lad2022.geojson.gz"
SUSSEX_STREET = "police_uk/sussex-street_2018-10_2019-02.csv.gz"
SUSSEX_LSOAS = "boundaries/lsoa2011_bsc_sussex_suffolk_westmercia.geojson.gz"

COVERAGES = (0.01, 0.05)
BASELINES = ("grid counts", "KDE")
REFERENCES = ("square counts",)
METHODS = ("dashboard", *BASELINES, *REFERENCES)

# Tuning: Lancashire's first half only.
TUNE_MONTHS = [f"2022-{month:02d}" for month in range(1, 7)]
TUNE_TARGETS = TUNE_MONTHS[2:]
TUNE_RESOLUTIONS = (8, 9, 10)
TUNE_HALF_LIVES = (1.0, 3.0, 6.0, 12.0, math.inf)
TUNE_NEIGHBOUR_WEIGHTS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
TUNE_RINGS = (1, 2, 3)
TUNE_BANDWIDTHS = (25.0, 50.0, 75.0, 100.0, 150.0, 200.0, 300.0)  # metres

_TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)


@dataclass
class DataSet:
    """Incidents (month, longitude, latitude, x, y in EPSG:27700) inside a study area, and the months to test."""

    name: str
    points: pd.DataFrame
    area: shapely.Geometry  # WGS84
    area_bng: shapely.Geometry  # EPSG:27700
    test_months: list[str]
    shown_months: list[str]  # printed per month; only test_months go into the means
    dropped: int
    _cells: dict[int, tuple[list[str], pd.Series]] = field(default_factory=dict)

    @property
    def months(self) -> list[str]:
        return sorted(self.points["month"].unique())

    def cells(self, resolution: int) -> tuple[list[str], pd.Series]:
        """The study cells at a resolution and each incident's cell (cached)."""
        if resolution not in self._cells:
            study = study_area_cells(self.area, resolution)
            self._cells[resolution] = (study, point_cells(self.points, resolution))
        return self._cells[resolution]


def _read_geojson_gz(path: Path) -> gpd.GeoDataFrame:
    with gzip.open(path, "rt") as handle:
        return gpd.GeoDataFrame.from_features(json.load(handle)["features"], crs=4326)


def _inside(frame: pd.DataFrame, area: shapely.Geometry) -> pd.DataFrame:
    frame = frame.dropna(subset=["longitude", "latitude"])
    shapely.prepare(area)
    keep = shapely.contains_xy(area, frame["longitude"].to_numpy(), frame["latitude"].to_numpy())
    frame = frame[keep].copy()
    frame["x"], frame["y"] = _TO_BNG.transform(frame["longitude"].to_numpy(), frame["latitude"].to_numpy())
    return frame.reset_index(drop=True)


def _dataset(name: str, raw: pd.DataFrame, area: shapely.Geometry, first_test: str, first_shown: str) -> DataSet:
    area = shapely.make_valid(area)
    points = _inside(raw, area)
    area_bng = shapely.make_valid(gpd.GeoSeries([area], crs=4326).to_crs(27700).iloc[0])
    months = sorted(points["month"].unique())
    return DataSet(
        name=name,
        points=points,
        area=area,
        area_bng=area_bng,
        test_months=[month for month in months if month >= first_test],
        shown_months=[month for month in months if month >= first_shown],
        dropped=len(raw) - len(points),
    )


def load_lancashire() -> DataSet:
    raw = pd.read_csv(REAL / LANCASHIRE_ASB, sep="\t", usecols=["month", "longitude", "latitude"])
    raw["month"] = raw["month"].astype(str).str[:7]
    districts = _read_geojson_gz(REAL / LANCASHIRE_DISTRICTS)
    return _dataset("Lancashire ASB 2022", raw, districts.union_all(), first_test="2022-07", first_shown="2022-04")


def load_sussex() -> DataSet:
    street = pd.read_csv(REAL / SUSSEX_STREET, usecols=["Month", "Longitude", "Latitude", "Crime type"])
    asb = street[street["Crime type"] == "Anti-social behaviour"]
    raw = pd.DataFrame({"month": asb["Month"].astype(str), "longitude": asb["Longitude"], "latitude": asb["Latitude"]})
    lsoas = _read_geojson_gz(REAL / SUSSEX_LSOAS)
    area = lsoas[lsoas["pfa17nm"] == "Sussex"].union_all()
    return _dataset("Sussex ASB 2018-10..2019-02", raw, area, first_test="2018-11", first_shown="2018-11")


# --- the methods: each returns a score per study cell (higher = hotter) ------------------------------------------


def dashboard_scores(data: DataSet, train: list[str], settings: ForecastSettings) -> pd.Series:
    study, cells = data.cells(settings.resolution)
    # The h3 column is the documented input contract; the page passes incidents the same way.
    points = pd.DataFrame({"month": data.points["month"], "h3": cells})
    return hotspot_scores(points, train, study, settings)


def count_scores(data: DataSet, train: list[str], resolution: int) -> pd.Series:
    study, cells = data.cells(resolution)
    in_train = data.points["month"].isin(train)
    counts = cells[in_train].value_counts()
    return counts.reindex(pd.Index(study, name="h3"), fill_value=0).astype(float)


def _cell_centres_bng(study: list[str]) -> np.ndarray:
    lat, lng = np.array([h3.cell_to_latlng(cell) for cell in study]).T
    return np.column_stack(_TO_BNG.transform(lng, lat))


_CENTRES: dict[tuple[str, int], np.ndarray] = {}


def kde_scores(data: DataSet, train: list[str], resolution: int, bandwidth: float) -> pd.Series:
    """Log density of a Gaussian KDE of the training incidents at each study cell's centre.

    Incidents at the same point are fitted once with their count as sample weight (police.uk snaps incidents
    to map points, so there are far fewer points than incidents), which gives the same density, faster. The
    density is evaluated (by scikit-learn) only at centres within 6 bandwidths of some training incident;
    farther centres get -inf. That changes no ranking that matters: a centre within 6 bandwidths of an incident
    has density at least e^-18 of one incident's peak, one farther than that at most e^-18 of all incidents'
    peaks together, so the far centres rank below the near ones (bar a few ties at the very bottom), and the
    near ones are well over 5% of the cells at every bandwidth tried.
    """
    study, _ = data.cells(resolution)
    key = (data.name, resolution)
    if key not in _CENTRES:
        _CENTRES[key] = _cell_centres_bng(study)
    centres = _CENTRES[key]
    training = data.points[data.points["month"].isin(train)]
    located = training.groupby(["x", "y"]).size().reset_index(name="n")
    xy = located[["x", "y"]].to_numpy()
    distance, _ = cKDTree(xy).query(centres, distance_upper_bound=6 * bandwidth)
    near = np.isfinite(distance)
    model = KernelDensity(kernel="gaussian", bandwidth=bandwidth, rtol=1e-4, atol=1e-14)
    model.fit(xy, sample_weight=located["n"].to_numpy(dtype=float))
    log_density = np.full(len(study), -np.inf)
    log_density[near] = model.score_samples(centres[near])
    return pd.Series(log_density, index=pd.Index(study, name="h3"))


def scott_bandwidth(data: DataSet, train: list[str]) -> float:
    """Scott's rule of thumb in 2-D: n^(-1/6) x the mean standard deviation of the coordinates (metres)."""
    training = data.points[data.points["month"].isin(train)]
    return float(len(training) ** (-1 / 6) * training[["x", "y"]].std().mean())


@dataclass
class SquareGrid:
    """A square grid in EPSG:27700 metres: the squares touching the study area and each incident's square."""

    study: list[str]
    point_cells: pd.Series
    side_m: float


def square_grid(data: DataSet, cell_area_km2: float) -> SquareGrid:
    side = math.sqrt(cell_area_km2) * 1000
    x0, y0, x1, y1 = data.area_bng.bounds
    ix = np.arange(math.floor(x0 / side), math.floor(x1 / side) + 1)
    iy = np.arange(math.floor(y0 / side), math.floor(y1 / side) + 1)
    gx, gy = (grid.ravel() for grid in np.meshgrid(ix, iy))
    boxes = shapely.box(gx * side, gy * side, (gx + 1) * side, (gy + 1) * side)
    shapely.prepare(data.area_bng)
    touching = shapely.intersects(data.area_bng, boxes)
    study = [f"{i}_{j}" for i, j in zip(gx[touching], gy[touching], strict=True)]
    px = np.floor(data.points["x"].to_numpy() / side).astype(int)
    py = np.floor(data.points["y"].to_numpy() / side).astype(int)
    cells = pd.Series([f"{i}_{j}" for i, j in zip(px, py, strict=True)], index=data.points.index)
    return SquareGrid(study=sorted(study), point_cells=cells, side_m=side)


def square_count_scores(data: DataSet, train: list[str], grid: SquareGrid) -> pd.Series:
    in_train = data.points["month"].isin(train)
    counts = grid.point_cells[in_train].value_counts()
    return counts.reindex(pd.Index(grid.study, name="cell"), fill_value=0).astype(float)


# --- judging ---------------------------------------------------------------------------------------------------


def judge(scores: pd.Series, cells: pd.Series, months: pd.Series, train: list[str], test: str) -> dict:
    """Hit %, PAI and RRI at each coverage for one ranking and one test month."""
    test_cells = cells[months == test].tolist()
    train_cells = cells[months.isin(train)].tolist()
    row = {}
    for coverage in COVERAGES:
        hits = top_cells_by_coverage(scores, coverage)
        area_share = len(hits) / len(scores)
        row[coverage] = {
            "hit": hit_rate(hits, test_cells),
            "pai": pai(hits, test_cells, area_share),
            "rri": rri(hits, test_cells, train_cells),
            "area": area_share,
        }
    return row


def _objective(rows: list[dict]) -> float:
    """Geometric-mean PAI over months and coverages (so 1% and 5% count alike)."""
    return float(np.exp(np.mean([math.log(row[c]["pai"]) for row in rows for c in COVERAGES])))


def inner_backtest(data: DataSet, resolution: int, rank) -> float:
    """The tuning objective: ``rank(train_months)`` predicts each of TUNE_TARGETS from the tuning months before it."""
    _, cells = data.cells(resolution)
    rows = []
    for target in TUNE_TARGETS:
        train = [month for month in TUNE_MONTHS if month < target]
        rows.append(judge(rank(train), cells, data.points["month"], train, target))
    return _objective(rows)


def tune(data: DataSet, verbose: bool = True) -> tuple[ForecastSettings, float]:
    """Choose the dashboard settings, then the KDE bandwidth, on Lancashire 2022-01..06 only (see the docstring)."""
    started = time.perf_counter()
    smoothings = [(0.0, 0), *product(TUNE_NEIGHBOUR_WEIGHTS, TUNE_RINGS)]
    results = []
    for resolution, half_life, (weight, rings) in product(TUNE_RESOLUTIONS, TUNE_HALF_LIVES, smoothings):
        settings = ForecastSettings(resolution, half_life, weight, rings)
        score = inner_backtest(data, resolution, lambda train, s=settings: dashboard_scores(data, train, s))
        results.append((score, settings))
    # Ties (to 4 decimals) go to the simpler setting: coarser cells, slower decay, fewer rings, less weight.
    results.sort(key=lambda item: (-round(item[0], 4), item[1].resolution, -item[1].half_life_months,
                                   item[1].rings, item[1].neighbour_weight))
    best = results[0][1]
    if verbose:
        _print_tuning(data, results, time.perf_counter() - started)
    bandwidths = []
    for bandwidth in TUNE_BANDWIDTHS:
        score = inner_backtest(data, best.resolution,
                               lambda train, b=bandwidth: kde_scores(data, train, best.resolution, b))
        bandwidths.append((score, bandwidth))
    best_bandwidth = max(bandwidths, key=lambda item: (item[0], -item[1]))[1]
    if verbose:
        listed = ", ".join(f"{bandwidth:.0f} m: {score:.2f}" for score, bandwidth in bandwidths)
        print(f"  KDE bandwidth at resolution {best.resolution}: {listed} -> {best_bandwidth:.0f} m")
        print(f"  (Scott's rule of thumb on {TUNE_MONTHS[0]}..{TUNE_MONTHS[-1]} would give "
              f"{scott_bandwidth(data, TUNE_MONTHS):.0f} m)")
    return best, best_bandwidth


def _print_tuning(data: DataSet, results: list[tuple[float, ForecastSettings]], seconds: float) -> None:
    print(f"Tuning on {data.name}, months {TUNE_MONTHS[0]}..{TUNE_MONTHS[-1]} only, predicting "
          f"{', '.join(TUNE_TARGETS)} from the months before ({len(results)} settings, {seconds:.0f} s).")
    print("  geometric-mean PAI (1% and 5%), best 5:")
    for score, settings in results[:5]:
        print(f"    {score:6.2f}  {_settings_text(settings)}")
    for resolution in TUNE_RESOLUTIONS:
        score, settings = next(item for item in results if item[1].resolution == resolution)
        print(f"  best at resolution {resolution}: {score:6.2f}  {_settings_text(settings)}")
    best = results[0][1]
    same = [(score, s) for score, s in results if s.resolution == best.resolution]

    def top(keep) -> str:
        return f"{max(score for score, s in same if keep(s)):.2f}"

    half_lives = ", ".join(
        f"{'none' if math.isinf(h) else f'{h:g}'}: {top(lambda s, h=h: s.half_life_months == h)}"
        for h in TUNE_HALF_LIVES
    )
    print(f"  at resolution {best.resolution}, best by half-life (months): {half_lives}")
    smoothings = ", ".join(
        f"{w:g}x{r}: {top(lambda s, w=w, r=r: (s.neighbour_weight, s.rings) == (w, r))}"
        for w, r in [(0.0, 0), *product(TUNE_NEIGHBOUR_WEIGHTS, (min(TUNE_RINGS), max(TUNE_RINGS)))]
    )
    print(f"  at resolution {best.resolution}, best by neighbour weight x rings: {smoothings}")
    plain = next(score for score, s in results if s == ForecastSettings(best.resolution, math.inf, 0.0, 0))
    print(f"  at resolution {best.resolution}, no time weighting and no smoothing (= grid counts): {plain:.2f}")


def _settings_text(settings: ForecastSettings) -> str:
    half_life = "none" if math.isinf(settings.half_life_months) else f"{settings.half_life_months:g} months"
    area = h3.average_hexagon_area(settings.resolution, unit="km^2")
    smoothing = (f"neighbour weight {settings.neighbour_weight:g} over {settings.rings} ring(s)"
                 if settings.neighbour_weight and settings.rings else "no smoothing")
    return f"resolution {settings.resolution} (~{area:.3g} km² cells), half-life {half_life}, {smoothing}"


# --- the back-test -------------------------------------------------------------------------------------------


def backtest(data: DataSet, settings: ForecastSettings, bandwidth: float) -> tuple[pd.DataFrame, dict]:
    """Per test month, method and coverage: hit share, PAI, RRI. Also the study-area facts."""
    study, cells = data.cells(settings.resolution)
    areas = np.array([h3.cell_area(cell, unit="km^2") for cell in study])
    grid = square_grid(data, float(areas.mean()))
    months = data.points["month"]
    records = []
    for test in data.shown_months:
        train = training_months(data.months, test)
        rankings = {
            "dashboard": (dashboard_scores(data, train, settings), cells),
            "grid counts": (count_scores(data, train, settings.resolution), cells),
            "KDE": (kde_scores(data, train, settings.resolution, bandwidth), cells),
            "square counts": (square_count_scores(data, train, grid), grid.point_cells),
        }
        for method, (scores, method_cells) in rankings.items():
            for coverage, figures in judge(scores, method_cells, months, train, test).items():
                records.append({"month": test, "train_months": len(train), "method": method, "coverage": coverage,
                                "held_out": test in data.test_months, **figures})
    facts = {
        "cells": len(study),
        "cells_km2": float(areas.sum()),
        "area_km2": data.area_bng.area / 1e6,
        "cell_area_spread": float(areas.max() / areas.min() - 1),
        "square_side_m": grid.side_m,
        "square_cells": len(grid.study),
    }
    return pd.DataFrame.from_records(records), facts


def report(data: DataSet, results: pd.DataFrame, facts: dict, settings: ForecastSettings, bandwidth: float) -> bool:
    held = results[results["held_out"]]
    print()
    print(f"== {data.name} ==")
    print(f"incidents {len(data.points):,} in the study area ({data.dropped:,} outside it or unlocated dropped); "
          f"months {data.months[0]}..{data.months[-1]}")
    print(f"study area {facts['area_km2']:,.0f} km²; {facts['cells']:,} H3 cells touching it "
          f"({facts['cells_km2']:,.0f} km², cell areas within {100 * facts['cell_area_spread']:.1f}% of each other); "
          f"square grid {facts['square_side_m']:.0f} m, {facts['square_cells']:,} squares")
    print(f"settings: {_settings_text(settings)}; KDE bandwidth {bandwidth:.0f} m")
    tests = sorted(held["month"].unique())
    print(f"test months: {len(tests)} ({tests[0]}..{tests[-1]}), each trained on every earlier month")
    print()
    header = f"{'method':<15}" + "".join(f"| {'hit %':>6} {'PAI':>6} {'RRI':>5} " for _ in COVERAGES)
    print(f"{'':<15}" + "".join(f"| {f'{100 * c:.0f}% of area':<20} " for c in COVERAGES))
    print(header)
    print("-" * len(header))
    means = held.groupby(["method", "coverage"])[["hit", "pai", "rri"]].mean()
    for method in METHODS:
        cells_text = "".join(
            f"| {100 * means.loc[(method, c), 'hit']:6.1f} {means.loc[(method, c), 'pai']:6.2f} "
            f"{means.loc[(method, c), 'rri']:5.2f} "
            for c in COVERAGES
        )
        label = method if method not in REFERENCES else f"{method}*"
        print(f"{label:<15}{cells_text}")
    print("(* reference only; means over the test months)")
    print()
    print(f"{'PAI per month':<17}" + "".join(f"  {month:>7}" for month in data.shown_months))
    pivot = results.pivot_table(index=["method", "coverage"], columns="month", values="pai")
    for method in METHODS:
        for coverage in COVERAGES:
            values = "".join(f"  {pivot.loc[(method, coverage), month]:7.2f}" for month in data.shown_months)
            print(f"{method:<13} {100 * coverage:2.0f}%{values}")
    untested = [month for month in data.shown_months if month not in data.test_months]
    if untested:
        print(f"({', '.join(untested)}: inside the tuning window, shown for reference, not in the means)")
    print()
    beats = True
    for coverage in COVERAGES:
        ours = means.loc[("dashboard", coverage), "pai"]
        rivals = {method: means.loc[(method, coverage), "pai"] for method in BASELINES}
        wins = all(ours > value for value in rivals.values())
        beats &= wins
        def won(month: str, rival: str, c: float = coverage) -> bool:
            return pivot.loc[("dashboard", c), month] > pivot.loc[(rival, c), month]

        rival_text = ", ".join(f"{method} {value:.2f}" for method, value in rivals.items())
        by_month = " and ".join(f"than {rival} in {sum(won(m, rival) for m in tests)}" for rival in BASELINES)
        print(f"{100 * coverage:.0f}%: dashboard PAI {ours:.2f} vs {rival_text}: {'wins' if wins else 'LOSES'}; "
              f"higher {by_month} of {len(tests)} test months")
    for coverage in COVERAGES:
        hit = means.loc[("dashboard", coverage), "hit"]
        area = held[(held["method"] == "dashboard") & (held["coverage"] == coverage)]["area"].mean()
        print(f'page: "{coverage_sentence(hit, area)}"  (mean of {len(tests)} test months)')
    verdict = "BEATS" if beats else "DOES NOT BEAT"
    print(f"{data.name}: the dashboard method {verdict} both baselines (grid counts, KDE) on mean PAI at 1% and 5%")
    return beats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the tuning grid; use DEFAULT_SETTINGS")
    parser.add_argument("--bandwidth", type=float, help="KDE bandwidth in metres (default: tuned)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    lancashire = load_lancashire()
    sussex = load_sussex()
    print(f"Loaded the real data in {time.perf_counter() - started:.1f} s from {REAL}")
    settings, bandwidth = DEFAULT_SETTINGS, args.bandwidth
    if not args.quick:
        tuned, tuned_bandwidth = tune(lancashire)
        match = "yes" if tuned == DEFAULT_SETTINGS else "NO: update DEFAULT_SETTINGS in lib/hotspots/forecast.py"
        print(f"  tuned settings: {_settings_text(tuned)}; DEFAULT_SETTINGS match: {match}")
        bandwidth = bandwidth or tuned_bandwidth
    if bandwidth is None:
        bandwidth = 50.0
        print(f"--quick without --bandwidth: KDE bandwidth {bandwidth:.0f} m (what the tuning chooses)")
    print(f"Back-testing DEFAULT_SETTINGS ({_settings_text(settings)}), the settings the page uses.")
    all_beat = True
    for data in (lancashire, sussex):
        results, facts = backtest(data, settings, bandwidth)
        all_beat &= report(data, results, facts, settings, bandwidth)
    print()
    print(f"Run time {time.perf_counter() - started:.0f} s.")
    return 0 if all_beat else 1


if __name__ == "__main__":
    sys.exit(main())
