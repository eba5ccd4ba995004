"""Hot spots: where incidents concentrate, found with the Getis-Ord Gi* statistic and a false discovery rate.

Incidents of the chosen categories and months are counted per H3 hexagon (the hexagon holding each map point)
or per LSOA, over every cell of the area including the empty ones. Each cell is tested
with Gi* (``esda.G_Local``, star=True, binary contiguity weights including the cell itself) against conditional
permutations, and the Benjamini-Hochberg false discovery rate (``esda.fdr``) decides which cells are hot or cold
at 90, 95 and 99% confidence. The same test on the same number of months just before gives each hot spot's
trajectory (new, intensifying, persistent, diminishing, no longer a hot spot).

Two details of esda matter here and are handled below:

* ``G_Local.p_sim`` picks the tail after looking at the data and counts ties on one side only. With sparse
  counts most neighbourhoods tie with most permutations (all zeros), so ``p_sim`` calls nearly every empty
  cell a 99% cold spot and every lone busy cell a 99% hot spot. The p-values here are counted from esda's
  simulated statistics instead, ties included, in the tail that the Gi* z-score points to, and doubled to be
  two-sided (as the 90/95/99% confidence wording means).
* Permutation p-values cannot go below 2 / (permutations + 1), and the false discovery rate over n cells only
  passes k cells at that floor when k > n * floor / alpha. 999 permutations confirm nothing at resolution 9,
  so the default is 9,999 (about a second per 1,000 cells per period here); even so a county at resolution 9
  (37,000 hexagons) can only confirm clusters of 150 or more hexagons. ``suggested_resolution`` picks the
  finest resolution with at most 1,500 hexagons: 9 for a town CSP, 8 for a large CSP, 7 for a county.

The study area (the area's incidents, cells, neighbours and outlines) is ``lib.hotspots.study_area``; the area
itself is read through one ``lib.store.scope.AreaScope``, resolved once per call.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import esda
import h3
import numpy as np
import pandas as pd
import shapely
import sqlite_utils
from libpysal.graph import Graph

from lib.core.areas import Area, district_name_from_lsoa_name
from lib.core.disclosure import SHOWN, public_result
from lib.core.formatting import proper_case
from lib.core.periods import is_whole_period
from lib.hotspots.study_area import (
    cells_covering,
    check_resolution,
    h3_neighbours,
    hexagons_of,
    incident_groups,
    lsoa_neighbours,
    lsoa_population,
    point_positions,
)
from lib.store.access import is_public
from lib.store.counts import months_held
from lib.store.scope import AreaScope, as_scope, geometries

UNITS = ("h3", "lsoa")
PUBLIC_PERIODS_ONLY = ("The public view maps whole periods only (the latest 12 months or a financial year), so "
                       "that no two maps can be subtracted to find a small count.")
DEFAULT_RESOLUTION = 9  # H3 resolution 9: hexagons of about 0.1 km2, some 350 m across
DEFAULT_PERMUTATIONS = 9_999
DEFAULT_SEED = 12345
FDR_LEVELS = (0.10, 0.05, 0.01)

NOT_SIGNIFICANT = "Not significant"
GI_CLASSES = (
    "Hot spot, 99% confidence",
    "Hot spot, 95% confidence",
    "Hot spot, 90% confidence",
    NOT_SIGNIFICANT,
    "Cold spot, 90% confidence",
    "Cold spot, 95% confidence",
    "Cold spot, 99% confidence",
)
TRAJECTORIES = ("New", "Intensifying", "Persistent", "Diminishing", "No longer a hot spot")
COUNT_CHANGE = 0.10  # a count must move by more than 10% to count as up or down for the trajectory

# Confidence level of each hot spot class (0 = not a hot spot), for comparing periods.
_HOT_LEVEL = {GI_CLASSES[0]: 3, GI_CLASSES[1]: 2, GI_CLASSES[2]: 1}
# Keep the simulated statistics of one esda run under about this many bytes; more permutations run in batches.
_SIMULATION_BYTES = 100_000_000
_STREET_PREFIX = "on or near "
_STREETS_SHOWN = 3
_LSOA_NAMES_SHOWN = 2

METHOD_NOTE = (
    "How hot spots are found. Incidents of the chosen categories and months are counted in each hexagon of "
    "Uber's H3 grid (resolution 9 hexagons cover about 0.1 km², some 350 m across) or in each LSOA, from the "
    "anonymised police.uk map points. Every hexagon or LSOA of the area is counted, including those with no "
    "incidents. Each cell is then tested with the Getis-Ord Gi* statistic (PySAL esda): the incidents in the "
    "cell and its immediate neighbours (the ring of six hexagons around it, or the LSOAs sharing a border or a "
    "corner with it), each weighted 1 and the cell itself included, compared with "
    f"{DEFAULT_PERMUTATIONS:,} random rearrangements of the other cells' counts. A hot spot has more incidents "
    "around it than such rearrangements give; a cold spot fewer. The p-value counts the rearrangements at least "
    "as extreme as the real pattern, in the direction of the Gi* z-score, and is doubled because a cell could "
    "have been hot or cold. Because thousands of cells are tested at once, the Benjamini-Hochberg false "
    "discovery rate correction is applied at 90%, 95% and 99% confidence, and a cell's class is the strictest "
    "level it passes. Each cell's own count stays in place in the rearrangements, so a single busy cell among "
    "quiet ones is not a hot spot: a hot spot is a cluster. Cells with no neighbour in the area are not tested. "
    "The trajectory compares the same test "
    "on the same number of months just before: New (a hot spot now, not before); No longer a hot spot (a hot "
    "spot before, not now); for a hot spot in both periods, one point for a higher confidence class and one for "
    "a count more than 10% up (minus one for lower or more than 10% down): Intensifying above zero, "
    "Diminishing below zero, Persistent at zero. These are counts of recorded incidents, not rates: busy "
    "places such as town centres draw more people and so more incidents."
)


@dataclass(frozen=True)
class HotspotResult:
    """Hot spot analysis of one area, set of categories and run of months.

    ``cells`` has one row per cell of the study region (zeros included): ``cell`` (H3 hex string or LSOA
    code), ``count``, ``previous`` (same number of months just before; <NA> when the store does not hold that
    period), ``change``, ``share`` (% of the area's total), ``place``, ``lsoa_name``, ``population`` and
    ``rate`` (per 1,000 residents over the period; LSOA unit with populations held only, else NaN), ``gi_z``,
    ``gi_p`` (two-sided permutation p-value; NaN for an untested island), ``gi_class`` (one of GI_CLASSES),
    ``previous_gi_class`` and ``trajectory`` (one of TRAJECTORIES, or "").
    """

    cells: pd.DataFrame
    unit: str
    resolution: int | None
    total: int
    previous_total: int  # 0 when the store does not hold the whole previous period: see previous_held
    start: str
    end: str
    previous_start: str
    previous_end: str
    permutations: int
    fdr_alpha_thresholds: dict[float, float]  # alpha -> the p-value a cell must be below to pass
    previous_held: bool = True  # False: previous, change and trajectory are not shown (<NA> and "")
    islands: tuple[str, ...] = ()  # cells with no neighbour in the study region: not tested
    notes: tuple[str, ...] = ()  # plain-English caveats for the page
    # The public view (lib.core.disclosure.public_result): counts rounded and protected, with count_status and
    # previous_status columns; all_withheld when the area has too few incidents to show any cell.
    public: bool = False
    all_withheld: bool = False


# --- Periods ------------------------------------------------------------------------------------------------


def previous_period(start: str, end: str) -> tuple[str, str]:
    """The same number of months just before ``start``..``end`` (YYYY-MM), as (first, last)."""
    first, last = pd.Period(start, freq="M"), pd.Period(end, freq="M")
    if last < first:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    months = (last - first).n + 1
    return str(first - months), str(first - 1)


# --- Gi* ----------------------------------------------------------------------------------------------------


def _symmetric(neighbours: Sequence[Sequence[int]]) -> list[set[int]]:
    """Neighbour sets made symmetric and without self-links (contiguity is mutual; esda adds the self weight)."""
    sets: list[set[int]] = [set() for _ in neighbours]
    for i, around in enumerate(neighbours):
        for j in around:
            if j != i:
                sets[i].add(int(j))
                sets[int(j)].add(i)
    return sets


def _binary_graph(neighbours: list[set[int]]) -> Graph:
    """A libpysal Graph of binary contiguity weights over positions 0..n-1 (every position has a neighbour)."""
    focal = np.repeat(np.arange(len(neighbours)), [len(s) for s in neighbours])
    neighbour = np.fromiter((j for s in neighbours for j in sorted(s)), dtype=np.int64, count=len(focal))
    return Graph.from_arrays(focal, neighbour, np.ones(len(focal)))


def _tail_counts(
    y: np.ndarray, graph: Graph, permutations: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run esda's Gi* and count, per cell, permutations at least as high and at least as low as observed.

    Returns (z, count of simulated >= observed, count of simulated <= observed). Runs in batches (each with its
    own seed, so the permutations are independent) to bound the memory the simulated statistics take.
    """
    batch = max(99, min(permutations, _SIMULATION_BYTES // (8 * len(y))))
    upper = np.zeros(len(y), dtype=np.int64)
    lower = np.zeros(len(y), dtype=np.int64)
    z = np.empty(0)  # esda's Gi* z-scores, the same in every batch: kept from the first
    done, run = 0, 0
    while done < permutations:
        size = min(batch, permutations - done)
        # n_jobs=1: no process pool to start for a cached page, and no warning where joblib is missing. esda
        # divides by zero for its z_sim where every permutation gives the same value, and warns that its p_sim
        # will change meaning; neither z_sim nor p_sim is used here.
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.filterwarnings("ignore", "The alternative hypothesis", DeprecationWarning)
            gi = esda.G_Local(
                y, graph, transform="B", permutations=size, star=True, keep_simulations=True, n_jobs=1,
                seed=seed + run,
            )
        if run == 0:
            z = np.asarray(gi.Zs, dtype=float)
        observed = np.asarray(gi.Gs, dtype=float)[:, None]
        # Sums of whole counts are exact in floating point, but allow for rounding with other inputs.
        tolerance = 1e-9 * np.abs(observed)
        upper += (gi.rGs >= observed - tolerance).sum(axis=1)
        lower += (gi.rGs <= observed + tolerance).sum(axis=1)
        done, run = done + size, run + 1
    return z, upper, lower


def _gi_star_test(
    counts: np.ndarray, neighbours: Sequence[Sequence[int]], permutations: int, seed: int
) -> tuple[pd.DataFrame, dict[float, float], list[int]]:
    """Gi* z, two-sided permutation p and FDR class per cell; the FDR thresholds; the untested islands.

    ``neighbours[i]`` lists the positions of cell i's neighbours (made symmetric; the cell itself is added as
    Gi* requires). Cells with no neighbours are not tested (z and p NaN, "Not significant"). Classes (one of
    GI_CLASSES) apply the Benjamini-Hochberg false discovery rate at 10%, 5% and 1%.
    """
    y = np.asarray(counts, dtype=float)
    n = len(y)
    if len(neighbours) != n:
        raise ValueError(f"{len(neighbours)} neighbour lists for {n} cells")
    if permutations < 1:
        raise ValueError("permutations must be at least 1")
    links = _symmetric(neighbours)
    tested = np.array([bool(s) for s in links], dtype=bool)
    islands = [int(i) for i in np.flatnonzero(~tested)]
    z, p = np.full(n, np.nan), np.full(n, np.nan)
    classes = np.full(n, NOT_SIGNIFICANT, dtype=object)
    thresholds = {alpha: alpha / max(1, int(tested.sum())) for alpha in FDR_LEVELS}
    index = np.flatnonzero(tested)
    values = y[index]
    # Gi* is undefined with no incidents, and says nothing when every cell holds the same count.
    if len(index) < 3 or values.sum() <= 0 or np.ptp(values) == 0:
        p[index] = 1.0
        z[index] = 0.0
        return pd.DataFrame({"z": z, "p": p, "class": classes}), thresholds, islands
    position = {int(cell): k for k, cell in enumerate(index)}
    graph = _binary_graph([{position[j] for j in links[cell]} for cell in index])
    z_tested, upper, lower = _tail_counts(values, graph, permutations, seed)
    # The tail the z-score points to, ties counted as extreme ((M + 1) / (R + 1), as esda.significance does),
    # doubled for a two-sided test.
    tail = np.where(z_tested > 0, upper, lower)
    p_tested = np.minimum(1.0, 2 * (tail + 1) / (permutations + 1))
    p_tested[~(np.abs(z_tested) > 0)] = 1.0
    thresholds = {alpha: float(esda.fdr(p_tested, alpha)) for alpha in FDR_LEVELS}
    labels = np.full(len(index), NOT_SIGNIFICANT, dtype=object)
    for alpha in FDR_LEVELS:  # loosest first, so each stricter level overwrites
        passed = p_tested < thresholds[alpha]
        confidence = f"{round((1 - alpha) * 100)}% confidence"
        labels[passed & (z_tested > 0)] = f"Hot spot, {confidence}"
        labels[passed & (z_tested < 0)] = f"Cold spot, {confidence}"
    z[index], p[index], classes[index] = z_tested, p_tested, labels
    return pd.DataFrame({"z": z, "p": p, "class": classes}), thresholds, islands


# --- Trajectory ---------------------------------------------------------------------------------------------


def trajectory(now: str, before: str, count: float, previous: float) -> str:
    """How a cell's hot spot status moved between two periods (one of TRAJECTORIES, or "" if hot in neither).

    Hot in both: one point for a stricter confidence class, one for a count more than 10% up (minus one for a
    looser class, or more than 10% down); above zero Intensifying, below zero Diminishing, else Persistent.
    """
    level_now, level_before = _HOT_LEVEL.get(now, 0), _HOT_LEVEL.get(before, 0)
    if level_now and not level_before:
        return "New"
    if level_before and not level_now:
        return "No longer a hot spot"
    if not level_now:
        return ""
    score = int(np.sign(level_now - level_before))
    if count > previous * (1 + COUNT_CHANGE):
        score += 1
    elif count < previous * (1 - COUNT_CHANGE):
        score -= 1
    return "Intensifying" if score > 0 else "Diminishing" if score < 0 else "Persistent"


# --- Place names ----------------------------------------------------------------------------------------------


def _street(location: str | None) -> str:
    """'On or near High Street' -> 'High Street'; '' for a missing location. police.uk's "Queen'S Road" is shown
    in its proper case, "Queen's Road" (``lib.core.formatting.proper_case``)."""
    text = proper_case(location).strip()
    if text.lower().startswith(_STREET_PREFIX):
        text = text[len(_STREET_PREFIX) :].strip()
    return "" if text.lower() in ("", "no location") else text


def _top(frame: pd.DataFrame, key: str, value: str, limit: int) -> dict[str, list[str]]:
    """Per ``cell``, up to ``limit`` values of ``key`` with the highest ``value`` (ties alphabetically)."""
    if frame.empty:
        return {}
    ranked = frame.groupby(["cell", key], as_index=False)[value].sum()
    ranked = ranked.sort_values(["cell", value, key], ascending=[True, False, True])
    return {cell: list(group[key].head(limit)) for cell, group in ranked.groupby("cell", sort=False)}


def _cell_lsoas_by_centre(
    db: sqlite_utils.Database, cells: list[str], names: Mapping[str, str]
) -> dict[str, list[str]]:
    """The LSOA holding each hexagon's centre, for hexagons without map points (where boundaries are held)."""
    if not cells:
        return {}
    held = geometries(db, list(names))
    if not held:
        return {}
    codes = list(held)
    tree = shapely.STRtree([held[c] for c in codes])
    centres = [h3.cell_to_latlng(cell) for cell in cells]
    points = shapely.points([lng for _, lng in centres], [lat for lat, _ in centres])
    point_index, polygon_index = tree.query(points, predicate="within")
    found: dict[str, list[str]] = {}
    for p_i, g_i in zip(point_index, polygon_index, strict=True):
        found.setdefault(cells[p_i], [names[codes[g_i]]])
    return found


def _join_lsoa_names(names: list[str]) -> str:
    """'Castlebury 004B / 004C': a second LSOA of the same district is shown by its number alone."""
    if not names:
        return ""
    district = district_name_from_lsoa_name(names[0])
    shown = [names[0]]
    for name in names[1:]:
        same = district_name_from_lsoa_name(name) == district and name.startswith(district + " ")
        shown.append(name[len(district) + 1 :] if same else name)
    return " / ".join(shown)


def _places(
    cells: pd.Series, lsoa_names: dict[str, list[str]], streets: dict[str, list[str]]
) -> tuple[list[str], list[str]]:
    """The ``lsoa_name`` and ``place`` text of each cell: 'Castlebury 004B: High Street, Station Road'."""
    lsoa_text, place_text = [], []
    for cell in cells:
        lsoa = _join_lsoa_names(lsoa_names.get(cell, [])[:_LSOA_NAMES_SHOWN])
        street = ", ".join(streets.get(cell, [])[:_STREETS_SHOWN])
        lsoa_text.append(lsoa)
        place_text.append(f"{lsoa}: {street}" if lsoa and street else lsoa or street)
    return lsoa_text, place_text


# --- The analysis -------------------------------------------------------------------------------------------


def _cell_of_groups(groups: pd.DataFrame, resolution: int | None) -> pd.Series:
    """The study cell of each grouped row: the hexagon (at ``resolution``) holding its map point, or its LSOA code
    (no resolution)."""
    if resolution is not None:
        return hexagons_of(groups, resolution)
    return groups["lsoa_code"]


def _power_note(cells: int, permutations: int) -> str | None:
    """Say when the false discovery rate can only confirm large clusters at 95% with this many cells."""
    smallest_p = 2 / (permutations + 1)
    needed = math.floor(smallest_p * cells / 0.05) + 1  # BH passes k cells at the smallest p if p < k * alpha / n
    if needed < 10:
        return None
    return (
        f"With {cells:,} cells and {permutations:,} permutations, a hot spot can only be confirmed at 95% "
        f"confidence where at least {needed:,} cells stand out as strongly as the test can show, so small "
        "clusters may be missed. Larger hexagons or a smaller area make small clusters easier to confirm."
    )


def hotspot_cells(
    db: sqlite_utils.Database,
    area: Area | AreaScope,
    categories: list[str],
    start: str,
    end: str,
    unit: str = "h3",
    resolution: int = DEFAULT_RESOLUTION,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
) -> HotspotResult:
    """Count incidents per cell of an area, find Gi* hot and cold spots, and compare with the previous period.

    ``categories`` are police.uk category names (empty: all). ``unit`` is "h3" (hexagons at ``resolution``
    7 to 10; ``study_area.suggested_resolution`` gives the finest one the test has the power and time for) or "lsoa".
    The previous period is the same number of months just before ``start``; it is tested the same way for the
    trajectory. Cold compute takes about a second per 1,000 cells per period with 9,999 permutations.

    On a connection narrowed for the public view (``lib.store.access``) the result is the public one
    (``lib.core.disclosure.public_result``), and only whole periods are mapped: a run of months chosen by hand could be
    subtracted from another to find the counts of the months between.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    if unit == "h3":
        check_resolution(resolution)
    previous_start, previous_end = previous_period(start, end)
    held = months_held(db)
    public = is_public(db)
    if public and not (held and is_whole_period(start, end, held[0], held[-1])):
        raise ValueError(PUBLIC_PERIODS_ONLY)
    previous_held = bool(held) and held[0] <= previous_start and previous_end <= held[-1]

    scope = as_scope(db, area)  # the area resolved once, for every read below
    groups = incident_groups(db, scope, categories, previous_start, start, end)
    points = None
    lsoa_names_all = scope.lsoas
    if unit == "h3":
        points = point_positions(db, scope)  # read once: the study area and the names of empty hexagons need them
        region = cells_covering(points, scope.polygon, resolution)
        neighbours = h3_neighbours(region)
    else:
        region = list(lsoa_names_all)
        neighbours = lsoa_neighbours(db, region)
    groups["cell"] = _cell_of_groups(groups, resolution if unit == "h3" else None)
    current_rows = groups[groups["current"] == 1]
    previous_rows = groups[groups["current"] == 0]

    cells = pd.DataFrame({"cell": region})
    count = current_rows.groupby("cell")["count"].sum()
    before = previous_rows.groupby("cell")["count"].sum()
    cells["count"] = cells["cell"].map(count).fillna(0).astype(np.int64)
    previous = cells["cell"].map(before).fillna(0).astype(np.int64)
    total = int(cells["count"].sum())
    cells["previous"] = pd.array(previous, dtype="Int64") if previous_held else pd.array([pd.NA] * len(cells), "Int64")
    cells["change"] = cells["count"].astype("Int64") - cells["previous"]
    cells["share"] = cells["count"] / total * 100 if total else 0.0

    lsoa_names, streets = _cell_names(db, points, resolution if unit == "h3" else None, cells["cell"], groups,
                                      current_rows, lsoa_names_all)
    cells["lsoa_name"], cells["place"] = _places(cells["cell"], lsoa_names, streets)
    if unit == "lsoa":
        cells["population"] = lsoa_population(db, region, end).to_numpy()
        cells["rate"] = cells["count"] / cells["population"] * 1000
    else:
        cells["population"] = np.nan
        cells["rate"] = np.nan

    now, thresholds, islands = _gi_star_test(cells["count"].to_numpy(), neighbours, permutations, seed)
    cells["gi_z"], cells["gi_p"], cells["gi_class"] = now["z"].to_numpy(), now["p"].to_numpy(), now["class"]
    if previous_held:
        then, _, _ = _gi_star_test(previous.to_numpy(), neighbours, permutations, seed)
        cells["previous_gi_class"] = then["class"].to_numpy()
        cells["trajectory"] = [
            trajectory(a, b, c, d)
            for a, b, c, d in zip(cells["gi_class"], cells["previous_gi_class"], cells["count"], previous, strict=True)
        ]
    else:
        cells["previous_gi_class"] = ""
        cells["trajectory"] = ""

    island_cells = tuple(region[i] for i in islands)
    notes = _notes(unit, len(region) - len(islands), permutations, island_cells, previous_held, previous_start,
                   previous_end)
    columns = ["cell", "count", "previous", "change", "share", "place", "lsoa_name", "population", "rate",
               "gi_z", "gi_p", "gi_class", "previous_gi_class", "trajectory"]
    result = HotspotResult(
        cells=cells[columns].reset_index(drop=True),
        unit=unit,
        resolution=resolution if unit == "h3" else None,
        total=total,
        previous_total=int(previous.sum()) if previous_held else 0,
        start=start,
        end=end,
        previous_start=previous_start,
        previous_end=previous_end,
        permutations=permutations,
        fdr_alpha_thresholds=thresholds,
        previous_held=previous_held,
        islands=island_cells,
        notes=notes,
    )
    return public_result(result) if public else result


def _cell_names(
    db: sqlite_utils.Database,
    points: pd.DataFrame | None,
    resolution: int | None,
    cells: pd.Series,
    groups: pd.DataFrame,
    current_rows: pd.DataFrame,
    lsoa_names_all: Mapping[str, str],
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """LSOA names (busiest first) and the most frequent streets of the current period, per cell.

    ``points`` are the area's map points (``point_positions``), which name hexagons without incidents; None for LSOAs.
    """
    streets_frame = current_rows.assign(street=current_rows["location"].map(_street))
    streets = _top(streets_frame[streets_frame["street"] != ""], "street", "count", _STREETS_SHOWN)
    if resolution is None:  # LSOA cells are named by themselves
        return {code: [lsoa_names_all.get(code, code)] for code in cells}, streets
    # Hexagons: the LSOAs of incidents in either period, then of any map point, then of the hexagon's centre.
    named = groups.assign(lsoa_name=groups["lsoa_code"].map(lambda c: lsoa_names_all.get(c, c)))
    # Weight the current period first so the table names where the incidents are now.
    named["weight"] = named["count"] * np.where(named["current"] == 1, 1_000_000, 1)
    lsoa_names = _top(named, "lsoa_name", "weight", _LSOA_NAMES_SHOWN)
    missing = set(cells) - set(lsoa_names)
    if missing and points is not None:
        points = points.assign(cell=hexagons_of(points, resolution))
        points = points[points["cell"].isin(missing)]
        points["lsoa_name"] = points["lsoa_code"].map(lambda c: lsoa_names_all.get(c, c))
        lsoa_names.update(_top(points, "lsoa_name", "points", _LSOA_NAMES_SHOWN))
        missing -= set(lsoa_names)
        lsoa_names.update(_cell_lsoas_by_centre(db, sorted(missing), lsoa_names_all))
    return lsoa_names, streets


def _notes(
    unit: str,
    tested: int,
    permutations: int,
    islands: tuple[str, ...],
    previous_held: bool,
    previous_start: str,
    previous_end: str,
) -> tuple[str, ...]:
    notes = []
    power = _power_note(tested, permutations)
    if power:
        notes.append(power)
    if islands:
        kind = "hexagons" if unit == "h3" else "LSOAs"
        shown = ", ".join(islands[:5]) + (" and others" if len(islands) > 5 else "")
        notes.append(f"Not tested, as they have no neighbour in the area ({len(islands):,} {kind}): {shown}.")
    if not previous_held:
        notes.append(
            f"The store does not hold all of the previous period ({previous_start} to {previous_end}), "
            "so change and trajectory are not shown."
        )
    return tuple(notes)


# --- The ranked table ------------------------------------------------------------------------------------------


def top_hotspots(result: HotspotResult, limit: int = 10) -> pd.DataFrame:
    """The page's ranked table: cells with incidents, strongest hot spot class first, then by count.

    Columns: Place, Count, "% of area total", Change, "Hot spot class", Trajectory; indexed by cell. In a public
    result the counts are the protected ones (NaN where not shown: see ``lib.core.disclosure``).
    """
    cells = result.cells
    with_incidents = cells["count"] > 0
    if result.public:
        with_incidents |= (cells["count_status"] != SHOWN) & ~result.all_withheld
    cells = cells[with_incidents].copy()
    cells["_rank"] = cells["gi_class"].map({name: i for i, name in enumerate(GI_CLASSES)})
    cells = cells.sort_values(["_rank", "count", "cell"], ascending=[True, False, True], kind="stable").head(limit)
    table = pd.DataFrame(
        {
            "Place": cells["place"].where(cells["place"] != "", cells["cell"]),
            "Count": cells["count"],
            "% of area total": cells["share"].round(1),
            "Change": cells["change"],
            "Hot spot class": cells["gi_class"],
            "Trajectory": cells["trajectory"],
        }
    )
    table.index = pd.Index(cells["cell"], name="cell")
    return table
