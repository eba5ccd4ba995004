"""The demo county of Avonmere: a fictional place generated from a fixed seed, loaded by the real importers.

Everything here is invented. ``write_demo_files`` writes the files a partnership would receive (an ONS-style
lookup, boundaries, mid-year population, partner indicators, and 36 monthly police.uk street CSVs) and
``build_demo_store`` imports them with the real importers, so the demo exercises the same path as real data,
then adds targets, an action plan and last year's priority assessment. The same seed gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
import sqlite_utils
from shapely.geometry import Polygon, mapping

from lib.core.sql import placeholders
from lib.importers.base import Progress
from lib.priorities.scoring import Assessment
from lib.store.db import get_meta, open_store, set_meta

SEED = 20231001
FIRST_MONTH, LAST_MONTH = "2023-10", "2026-09"
FORCE_CODE, FORCE_NAME = "X23000001", "Avonmere Police"
COUNTY_CODE, COUNTY_NAME = "X10000001", "Avonmere"
FORCE_FILE_SLUG = "avonmere"
MONTHLY_INCIDENTS = 4_500  # county-wide, before season and trend
POPULATION_YEARS = (2022, 2023, 2024, 2025)
INDICATOR_MONTHS = ("2023-04", LAST_MONTH)  # partner data starts with a whole financial year

# The county is laid out in km on a local flat grid centred here, then turned into lon/lat.
ORIGIN_LON, ORIGIN_LAT = -0.80, 51.00
KM_PER_DEGREE_LAT = 111.2
KM_PER_DEGREE_LON = 111.32 * np.cos(np.radians(ORIGIN_LAT))
GRID_KM = 0.3


# --- The plan of the county -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Town:
    """A settlement: where residents cluster, and where its centre (shops, pubs, clubs) is."""

    x: float
    y: float
    weight: float  # peak residential density, relative to the main towns
    spread_km: float
    centre_km: float = 0.0  # radius of the shopping and night-time centre; 0 for a village


@dataclass(frozen=True)
class DistrictPlan:
    """One district (and its CSP, one-to-one here): where it sits, how big it is, who lives there."""

    name: str
    district_code: str
    csp_code: str
    anchor: tuple[float, float]
    reach: float  # weight in the partition of the county: a larger reach claims more land
    lsoas: int
    towns: tuple[Town, ...]
    rural_density: float
    older_share: float  # share of residents aged 65 and over
    growth: float  # yearly population growth


DISTRICTS: tuple[DistrictPlan, ...] = (
    DistrictPlan(
        "Brackenford", "X07000001", "X22000001", (-30.0, 0.0), 1.0, 88,
        (Town(-28.0, -6.0, 1.0, 3.6, 0.9), Town(-37.0, 9.0, 0.35, 1.6, 0.4), Town(-20.0, 8.0, 0.15, 1.0)),
        0.030, 0.21, 0.006,
    ),
    DistrictPlan(
        "Castlebury", "X07000002", "X22000002", (-11.0, 4.0), 0.85, 76,
        (Town(-9.0, 4.0, 1.0, 3.0, 0.8), Town(-17.0, 13.0, 0.2, 1.0), Town(-4.0, -6.0, 0.15, 1.0)),
        0.030, 0.18, 0.008,
    ),
    DistrictPlan(
        "Harwick", "X07000003", "X22000003", (28.0, -3.0), 0.95, 80,
        (Town(27.0, -6.0, 1.0, 3.2, 0.8), Town(37.0, 7.0, 0.3, 1.5, 0.4), Town(18.0, -12.0, 0.15, 1.0)),
        0.035, 0.20, 0.012,
    ),
    DistrictPlan(
        "Lowmere", "X07000004", "X22000004", (6.0, 13.0), 1.3, 104,
        (Town(3.0, 15.0, 0.45, 1.8, 0.5), Town(19.0, 17.0, 0.3, 1.4, 0.4), Town(-3.0, 22.0, 0.2, 1.0),
         Town(12.0, 3.0, 0.2, 1.0), Town(30.0, 14.0, 0.15, 1.0)),
        0.075, 0.26, 0.005,
    ),
    DistrictPlan(
        "Saltcliffe", "X07000005", "X22000005", (5.0, -16.0), 0.5, 68,
        (Town(5.0, -17.4, 1.6, 3.0, 0.9), Town(-4.0, -19.0, 0.25, 1.2)),
        0.020, 0.29, 0.004,
    ),
)
DISTRICT_NAMES = tuple(d.name for d in DISTRICTS)

# police.uk categories with their rough share of all recorded crime and ASB in England.
CATEGORY_SHARES: dict[str, float] = {
    "Anti-social behaviour": 0.170,
    "Violence and sexual offences": 0.330,
    "Public order": 0.075,
    "Criminal damage and arson": 0.085,
    "Burglary": 0.045,
    "Shoplifting": 0.070,
    "Vehicle crime": 0.060,
    "Other theft": 0.060,
    "Drugs": 0.030,
    "Robbery": 0.011,
    "Theft from the person": 0.015,
    "Bicycle theft": 0.013,
    "Possession of weapons": 0.011,
    "Other crime": 0.025,
}
CATEGORIES = tuple(CATEGORY_SHARES)
ASB = "Anti-social behaviour"


@dataclass(frozen=True)
class CategoryPattern:
    """Where a category happens (weights on an LSOA's features), when in the year, and its trend."""

    base: float
    centre: float = 0.0
    nte: float = 0.0
    retail: float = 0.0
    urban: float = 0.0
    deprivation: float = 0.5  # power on the LSOA's deprivation factor
    season: float = 0.0  # amplitude of the yearly cycle
    peak_month: int = 7
    trend: float = 0.0  # change per year, as a fraction


PATTERNS: dict[str, CategoryPattern] = {
    "Anti-social behaviour": CategoryPattern(2.0, 7, 1.5, 0, 1.0, 1.0, 0.28, 7, -0.05),
    "Violence and sexual offences": CategoryPattern(2.2, 4, 10, 0, 0.6, 1.0, 0.08, 7, -0.01),
    "Public order": CategoryPattern(1.3, 5, 12, 0, 0.5, 0.6, 0.10, 7, -0.03),
    "Criminal damage and arson": CategoryPattern(2.0, 2, 1, 0, 0.8, 1.0, 0.08, 10, -0.02),
    "Burglary": CategoryPattern(1.3, 0.3, 0, 0, 1.4, 0.5, 0.15, 12, -0.03),
    "Shoplifting": CategoryPattern(0.04, 0, 0, 25, 0.1, 0.3, 0.12, 12, 0.12),
    "Vehicle crime": CategoryPattern(1.3, 1.5, 0, 2, 1.0, 0.5, 0.06, 1, -0.02),
    "Other theft": CategoryPattern(1.3, 5, 1, 2, 0.5, 0.3, 0.08, 7, 0.0),
    "Drugs": CategoryPattern(0.5, 6, 3, 0, 0.5, 1.2, 0.0, 7, 0.02),
    "Robbery": CategoryPattern(0.4, 5, 4, 0, 1.0, 1.0, 0.10, 12, 0.02),
    "Theft from the person": CategoryPattern(0.2, 12, 6, 1, 0.3, 0.3, 0.10, 12, 0.04),
    "Bicycle theft": CategoryPattern(0.5, 5, 0, 1, 2.0, 0.3, 0.35, 7, -0.03),
    "Possession of weapons": CategoryPattern(0.5, 4, 3, 0, 0.5, 1.0, 0.0, 7, 0.03),
    "Other crime": CategoryPattern(1, 1, 0, 0, 0.3, 0.5, 0.0, 7, 0.0),
}
# Local stories layered on the county trends (extra change per year): a seafront with rising ASB, and a
# night-time economy scheme in Castlebury that is bringing violence down faster than elsewhere.
LOCAL_TRENDS: dict[tuple[str, str], float] = {
    ("Saltcliffe", "Anti-social behaviour"): 0.09,
    ("Castlebury", "Violence and sexual offences"): -0.04,
    ("Castlebury", "Public order"): -0.04,
}

STREETS = (
    "High Street", "Station Road", "Church Lane", "Mill Lane", "London Road", "Park Road", "Victoria Road",
    "The Green", "Queen Street", "Market Street", "School Lane", "North Street", "West Street", "Manor Road",
    "Chapel Street", "Orchard Close", "Meadow Way", "Kings Road", "New Road", "Springfield Road",
    "Beech Avenue", "Oak Close", "Cedar Drive", "Willow Way", "Elm Grove", "Grove Road", "Green Lane",
    "Hill Road", "Broad Street", "Bridge Street", "Priory Road", "Brook Lane", "Farm Lane", "Windmill Hill",
    "Sandy Lane", "Forge Lane", "Pound Lane", "Copse Road", "Heathfield Close", "Rectory Lane", "Bell Lane",
    "Nursery Close", "Ashdown Road", "Fairfield Road", "Lime Walk", "Holly Close", "Foxglove Way",
    "Kingfisher Drive", "Poplar Road", "Sheep Street", "Tanners Row", "Wheelwright Close", "Barley Mow Lane",
)
CENTRE_PLACES = ("High Street", "Market Place", "Shopping Area", "Supermarket", "Parking Area",
                 "Bus/Coach Station", "Theatre/Concert Hall")
SEAFRONT_PLACES = ("Marine Parade", "The Esplanade", "Pier Approach", "Harbour Road")
RETAIL_PLACES = ("Supermarket", "Shopping Area", "Parking Area", "Petrol Station")
SUBURB_PLACES = (
    "Sports/Recreation Area", "Supermarket", "Petrol Station", "Further/Higher Educational Building",
)

# How strongly each category is drawn to each kind of snap point (anything unlisted weighs 1).
PLACE_AFFINITY: dict[str, dict[str, float]] = {
    "Shoplifting": {"Supermarket": 12, "Shopping Area": 9, "High Street": 4, "Market Place": 3,
                    "Petrol Station": 3, "street": 0.2},
    "Vehicle crime": {"Parking Area": 6, "Supermarket": 1.5},
    "Violence and sexual offences": {"Nightclub": 6, "High Street": 3, "Market Place": 2, "Marine Parade": 3,
                                     "The Esplanade": 3},
    "Public order": {"Nightclub": 6, "High Street": 3, "Market Place": 3, "Marine Parade": 3,
                     "The Esplanade": 3, "Pier Approach": 2},
    "Anti-social behaviour": {"Shopping Area": 2, "Sports/Recreation Area": 2.5, "Parking Area": 1.5,
                              "Marine Parade": 2.5, "Pier Approach": 2, "Bus/Coach Station": 2},
    "Bicycle theft": {"Bus/Coach Station": 3, "Further/Higher Educational Building": 3, "Shopping Area": 2,
                      "Supermarket": 2},
    "Theft from the person": {"Nightclub": 3, "High Street": 3, "Shopping Area": 3, "Bus/Coach Station": 2},
}

OUTCOMES_GENERAL = {
    "Investigation complete; no suspect identified": 0.60, "Unable to prosecute suspect": 0.15,
    "Status update unavailable": 0.05, "Court result unavailable": 0.03, "Local resolution": 0.03,
    "Awaiting court outcome": 0.02, "Offender given a caution": 0.01, "Offender sent to prison": 0.01,
    "Further investigation is not in the public interest": 0.02, "Offender fined": 0.01,
    "Action to be taken by another organisation": 0.01, "Under investigation": 0.06,
}
OUTCOMES_VIOLENCE = {
    "Unable to prosecute suspect": 0.54, "Investigation complete; no suspect identified": 0.12,
    "Status update unavailable": 0.05, "Awaiting court outcome": 0.05, "Court result unavailable": 0.04,
    "Local resolution": 0.04, "Offender given a caution": 0.02, "Offender given community sentence": 0.01,
    "Further investigation is not in the public interest": 0.02, "Offender sent to prison": 0.01,
    "Action to be taken by another organisation": 0.02, "Formal action is not in the public interest": 0.01,
    "Offender given suspended prison sentence": 0.01, "Under investigation": 0.06,
}
OUTCOMES_SHOPLIFTING = {
    "Investigation complete; no suspect identified": 0.45, "Unable to prosecute suspect": 0.12,
    "Awaiting court outcome": 0.08, "Court result unavailable": 0.08, "Local resolution": 0.07,
    "Offender fined": 0.04, "Offender given conditional discharge": 0.03, "Offender sent to prison": 0.03,
    "Status update unavailable": 0.04, "Offender given a caution": 0.03, "Under investigation": 0.03,
}
OUTCOMES_POSSESSION = {
    "Local resolution": 0.28, "Offender given a drugs possession warning": 0.18,
    "Awaiting court outcome": 0.10, "Court result unavailable": 0.10, "Unable to prosecute suspect": 0.08,
    "Offender given a caution": 0.06,
    "Further investigation is not in the public interest": 0.04, "Offender fined": 0.03,
    "Offender sent to prison": 0.03, "Offender given penalty notice": 0.02, "Under investigation": 0.08,
}
OUTCOMES_WEAPONS = {
    "Awaiting court outcome": 0.18, "Court result unavailable": 0.14, "Offender sent to prison": 0.10,
    "Offender given suspended prison sentence": 0.08, "Offender given community sentence": 0.08,
    "Unable to prosecute suspect": 0.14, "Offender given a caution": 0.08, "Local resolution": 0.06,
    "Investigation complete; no suspect identified": 0.06, "Under investigation": 0.08,
}
OUTCOMES_BY_CATEGORY = {
    "Violence and sexual offences": OUTCOMES_VIOLENCE, "Public order": OUTCOMES_VIOLENCE,
    "Robbery": OUTCOMES_VIOLENCE, "Shoplifting": OUTCOMES_SHOPLIFTING, "Drugs": OUTCOMES_POSSESSION,
    "Possession of weapons": OUTCOMES_WEAPONS,
}
# The last few months of a real extract are mostly still under investigation.
RECENT_UNDER_INVESTIGATION = 0.55
RECENT_DECAY_MONTHS = 3.0

STREET_COLUMNS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]
# Rows geocoded far from Avonmere (as real extracts occasionally are); the importer must reject them.
MISPLACED_ROWS = (("2024-05", -2.983412, 53.405129), ("2025-11", -4.142088, 50.371633))


def stream(name: str) -> np.random.Generator:
    """Return the random stream for one part of the demo, so changing one part leaves the others alone."""
    return np.random.default_rng([SEED, zlib.crc32(name.encode())])


def slug(text: str) -> str:
    """Turn a category name into an indicator key: 'Anti-social behaviour' -> 'anti-social-behaviour'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def to_lon_lat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Turn local km coordinates into longitude and latitude."""
    return ORIGIN_LON + np.asarray(x) / KM_PER_DEGREE_LON, ORIGIN_LAT + np.asarray(y) / KM_PER_DEGREE_LAT


def demo_months() -> list[str]:
    """The 36 months of police.uk data in the demo, oldest first."""
    return [p.strftime("%Y-%m") for p in pd.period_range(FIRST_MONTH, LAST_MONTH, freq="M")]


# --- Geography --------------------------------------------------------------------------------------------


def coast_y(x: np.ndarray) -> np.ndarray:
    """Northing of the coastline at each easting (km): a gently wavy shore with a bay at Saltcliffe."""
    x = np.asarray(x, dtype=float)
    bay = 2.0 * np.exp(-(((x - 5.0) / 4.0) ** 2))
    return -21.0 + 1.2 * np.sin(x / 6.5) + 0.8 * np.sin(x / 2.3 + 1.0) + bay


def county_outline() -> Polygon:
    """The county's outline in km: a lumpy oval whose southern side is cut off by the sea."""
    angle = np.linspace(0, 2 * np.pi, 240, endpoint=False)
    wobble = 1 + 0.06 * np.sin(3 * angle + 0.4) + 0.04 * np.sin(5 * angle + 1.9) + 0.02 * np.sin(11 * angle)
    land = Polygon(np.column_stack([47 * wobble * np.cos(angle), 2 + 25 * wobble * np.sin(angle)]))
    shore_x = np.linspace(-60, 60, 241)
    sea = Polygon([*zip(shore_x, coast_y(shore_x), strict=True), (60, -40), (-60, -40)])
    return land.difference(sea)


def density_grid(outline: Polygon) -> pd.DataFrame:
    """Grid points inside the county with their district and residential density."""
    minx, miny, maxx, maxy = outline.bounds
    xs, ys = np.meshgrid(np.arange(minx, maxx, GRID_KM), np.arange(miny, maxy, GRID_KM))
    x, y = xs.ravel(), ys.ravel()
    inside = shapely.contains_xy(outline, x, y)
    grid = pd.DataFrame({"x": x[inside], "y": y[inside]})
    grid["district"] = district_at(grid["x"].to_numpy(), grid["y"].to_numpy())
    grid["density"] = density_at(grid)
    return grid


def district_at(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each point's district: weighted nearest anchor on a warped map, for wiggly borders."""
    wx = x + 2.5 * np.sin(y / 3.1 + 0.7) + 1.2 * np.sin(y / 1.3)
    wy = y + 2.5 * np.sin(x / 3.7 + 2.1) + 1.2 * np.cos(x / 1.7)
    reach = np.array([d.reach for d in DISTRICTS])
    anchors = np.array([d.anchor for d in DISTRICTS])
    distance = np.hypot(wx[:, None] - anchors[:, 0], wy[:, None] - anchors[:, 1]) / reach
    return distance.argmin(axis=1)


def town_density(town: Town, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Residential density around one town: a bell spreading from its centre, hollowed where shops are."""
    distance = np.hypot(x - town.x, y - town.y)
    bell = town.weight * np.exp(-((distance / town.spread_km) ** 2))
    if town.centre_km == 0:
        return bell
    # Few people live among the shops and pubs, so town-centre LSOAs are larger than the estates around them.
    return bell * (1 - 0.6 * np.exp(-((distance / (0.7 * town.centre_km)) ** 2)))


def density_at(grid: pd.DataFrame) -> np.ndarray:
    """Residential density of each grid point: its district's rural level plus its own towns."""
    x, y = grid["x"].to_numpy(), grid["y"].to_numpy()
    density = np.zeros(len(grid))
    for index, plan in enumerate(DISTRICTS):
        mine = grid["district"].to_numpy() == index
        towns = sum(town_density(t, x[mine], y[mine]) for t in plan.towns)
        density[mine] = plan.rural_density + towns
    return density


def lsoa_seeds(grid: pd.DataFrame) -> pd.DataFrame:
    """One seed point per LSOA, drawn where people live so that every LSOA holds about 1,500 residents."""
    rng = stream("seeds")
    frames = []
    for index, plan in enumerate(DISTRICTS):
        points = grid[grid["district"] == index]
        weights = points["density"].to_numpy() / points["density"].sum()
        chosen = points.iloc[np.sort(rng.choice(len(points), size=plan.lsoas, replace=False, p=weights))]
        jitter = rng.uniform(-GRID_KM / 2, GRID_KM / 2, size=(plan.lsoas, 2))
        x, y = chosen["x"].to_numpy() + jitter[:, 0], chosen["y"].to_numpy() + jitter[:, 1]
        frames.append(pd.DataFrame({"district": index, "x": x, "y": y}))
    return pd.concat(frames, ignore_index=True)


def lsoa_cells(seeds: pd.DataFrame, outline: Polygon) -> list:
    """Voronoi cells of the seeds, cut to the county and snapped to a 1 m grid so neighbours share edges."""
    points = shapely.multipoints(seeds[["x", "y"]].to_numpy())
    cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=outline.buffer(10)))
    # voronoi_polygons does not promise its output order: match each cell to the seed inside it.
    order = shapely.STRtree(cells).query(shapely.points(seeds[["x", "y"]].to_numpy()), predicate="within")
    by_seed = cells[order[1][np.argsort(order[0])]]
    return list(shapely.set_precision(shapely.intersection(by_seed, outline), 0.001))


def name_lsoas(seeds: pd.DataFrame) -> pd.DataFrame:
    """Give LSOAs ONS-style names and codes: MSOAs numbered north to south, letters within them."""
    rng = stream("names")
    seeds = seeds.copy()
    band = np.floor(-seeds["y"] / 4.0)
    seeds["order"] = band * 1000 + np.where(band % 2 == 0, seeds["x"], -seeds["x"])  # snake across bands
    seeds = seeds.sort_values(["district", "order"], kind="stable")
    names = []
    for index, plan in enumerate(DISTRICTS):
        count, msoa, letter = int((seeds["district"] == index).sum()), 1, 0
        size = int(rng.integers(4, 7))
        for _ in range(count):
            names.append(f"{plan.name} {msoa:03d}{'ABCDEF'[letter]}")
            letter += 1
            if letter == size:
                msoa, letter, size = msoa + 1, 0, int(rng.integers(4, 7))
    seeds["name"] = names
    seeds = seeds.sort_values("name", kind="stable").reset_index()
    seeds["code"] = [f"X01{n:06d}" for n in range(1, len(seeds) + 1)]
    return seeds.drop(columns="order").set_index("index").sort_index()


@dataclass
class County:
    """The generated county: its outline, its LSOAs (with their features) and the districts they make up."""

    outline: Polygon
    lsoas: pd.DataFrame  # one row per LSOA, indexed 0..n-1 in code order
    cells: list  # each LSOA's polygon in km, in the same order
    districts: list  # each district's polygon in km, in DISTRICTS order


def plan_county() -> County:
    """Lay out Avonmere: its outline, LSOAs where people live, their names and what draws crime to each."""
    outline = county_outline()
    seeds = lsoa_seeds(density_grid(outline))
    cells = lsoa_cells(seeds, outline)
    lsoas = name_lsoas(seeds)
    order = np.argsort(lsoas["code"].to_numpy(), kind="stable")
    lsoas = lsoas.iloc[order].reset_index(drop=True)
    cells = [cells[i] for i in order]
    districts = [shapely.union_all([c for c, d in zip(cells, lsoas["district"], strict=True) if d == index])
                 for index in range(len(DISTRICTS))]
    lsoas = add_features(lsoas, cells)
    return County(outline, lsoas, cells, districts)


def _distance_to(cells: list, x: float, y: float) -> np.ndarray:
    """Distance (km) from each cell to a point: 0 for the cell that holds it."""
    return shapely.distance(np.array(cells, dtype=object), shapely.Point(x, y))


def add_features(lsoas: pd.DataFrame, cells: list) -> pd.DataFrame:
    """Score what draws crime to each LSOA: town centre, night-time economy, retail, urban, deprivation."""
    rng = stream("features")
    lsoas = lsoas.copy()
    district = lsoas["district"].to_numpy()
    centre, nte, retail = np.zeros(len(lsoas)), np.zeros(len(lsoas)), np.zeros(len(lsoas))
    town_share = np.zeros(len(lsoas))
    for index, plan in enumerate(DISTRICTS):
        mine = district == index
        x, y = lsoas.loc[mine, "x"].to_numpy(), lsoas.loc[mine, "y"].to_numpy()
        towns = sum(town_density(t, x, y) for t in plan.towns)
        town_share[mine] = towns / (towns + plan.rural_density)
        for town in (t for t in plan.towns if t.centre_km):
            near = np.exp(-((_distance_to(cells, town.x, town.y)[mine] / town.centre_km) ** 2))
            centre[mine] = np.maximum(centre[mine], near * min(1.0, town.weight))
        main = plan.towns[0]
        park = _distance_to(cells, main.x + 2.4, main.y + 1.3)[mine] == 0  # an out-of-town retail park
        retail[mine] = np.maximum(centre[mine], np.where(park, 1.0, 0.0))
        nte[mine] = night_time_economy(plan, cells, mine, centre[mine])
    lsoas["centre"], lsoas["nte"], lsoas["retail"] = centre.round(4), nte.round(4), retail.round(4)
    lsoas["urban"] = town_share.round(4)
    coastal_town = np.where(district == DISTRICT_NAMES.index("Saltcliffe"), 1.1, 1.0)
    deprivation = rng.lognormal(0, 0.35, len(lsoas)) * (1 + 0.5 * town_share) * coastal_town
    lsoas["deprivation"] = deprivation.round(4)
    return lsoas


def night_time_economy(plan: DistrictPlan, cells: list, mine: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """How much night-time economy an LSOA holds: most in Castlebury centre and on Saltcliffe seafront."""
    main = plan.towns[0]
    if plan.name == "Castlebury":
        return centre
    if plan.name == "Saltcliffe":
        near_town = np.exp(-((_distance_to(cells, main.x, main.y)[mine] / 1.6) ** 2))
        shore = shapely.distance(np.array(cells, dtype=object)[mine], shoreline())
        return np.maximum(centre, near_town * np.exp(-((shore / 0.3) ** 2)))
    return 0.2 * centre  # every town has a few pubs; only two have a night-time economy of note


def shoreline() -> shapely.LineString:
    """The coast near Saltcliffe as a line (km grid), for measuring how close an LSOA is to the seafront."""
    x = np.linspace(-30, 30, 301)
    return shapely.LineString(np.column_stack([x, coast_y(x)]))


def populations(county: County) -> pd.DataFrame:
    """Mid-year residents of each LSOA for each year, with age bands, growing modestly."""
    rng = stream("population")
    lsoas = county.lsoas
    plans = [DISTRICTS[d] for d in lsoas["district"]]
    base = np.clip(rng.normal(1550, 170, len(lsoas)), 1150, 2050)
    growth = np.array([p.growth for p in plans]) + rng.normal(0, 0.003, len(lsoas))
    growth[rng.random(len(lsoas)) < 0.04] += 0.04  # a few new estates
    rural = 1 - lsoas["urban"].to_numpy()
    older = np.array([p.older_share for p in plans]) * (1 + 0.3 * rural) * rng.lognormal(0, 0.12, len(lsoas))
    young = 0.205 * rng.lognormal(0, 0.08, len(lsoas)) * (1 - 0.35 * lsoas["centre"].to_numpy())
    frames = []
    for offset, year in enumerate(POPULATION_YEARS):
        people = np.round(base * (1 + growth) ** offset).astype(int)
        aged_0_17 = np.round(people * young).astype(int)
        aged_65_plus = np.round(people * np.clip(older + 0.002 * offset, 0.05, 0.45)).astype(int)
        frames.append(pd.DataFrame({
            "area_code": lsoas["code"], "year": year, "population": people, "aged_0_17": aged_0_17,
            "aged_18_64": people - aged_0_17 - aged_65_plus, "aged_65_plus": aged_65_plus,
        }))
    return pd.concat(frames, ignore_index=True)


def population_with_totals(county: County) -> pd.DataFrame:
    """LSOA populations plus their sums for each district, CSP and the county, with names and hectares."""
    lsoa = populations(county)
    lsoas = county.lsoas.set_index("code")
    lsoa["district"] = lsoa["area_code"].map(lsoas["district"])
    lsoa["area_name"] = lsoa["area_code"].map(lsoas["name"])
    hectares = dict(zip(lsoas.index, _hectares(county.cells), strict=True))
    lsoa["area_hectares"] = lsoa["area_code"].map(hectares)
    bands = ["population", "aged_0_17", "aged_18_64", "aged_65_plus", "area_hectares"]
    by_district = lsoa.groupby(["district", "year"], as_index=False)[bands].sum()
    by_district["area_name"] = by_district["district"].map(lambda d: DISTRICT_NAMES[d])
    frames = [lsoa]
    for column in ("district_code", "csp_code"):
        codes = by_district["district"].map(lambda d, c=column: getattr(DISTRICTS[d], c))
        frames.append(by_district.assign(area_code=codes))
    county_total = lsoa.groupby("year", as_index=False)[bands].sum()
    frames.append(county_total.assign(area_code=COUNTY_CODE, area_name=COUNTY_NAME))
    table = pd.concat(frames, ignore_index=True)
    table["area_hectares"] = table["area_hectares"].round(1)
    return table[["area_code", "area_name", "year", *bands]]


def _hectares(cells: list) -> np.ndarray:
    """Area of each km-grid cell in hectares, to 0.1 ha."""
    return np.round(shapely.area(np.array(cells, dtype=object)) * 100, 1)


# --- Incidents ----------------------------------------------------------------------------------------------


def snap_points(county: County) -> pd.DataFrame:
    """The anonymised 'On or near ...' points of each LSOA, with how busy each one is."""
    rng = stream("snap points")
    rows = []
    for index, lsoa in county.lsoas.iterrows():
        for place, is_street in places_in(lsoa, rng):
            rows.append((index, place, is_street))
    snaps = pd.DataFrame(rows, columns=["lsoa", "place", "is_street"])
    snaps["busyness"] = rng.lognormal(0, 0.8, len(snaps))
    x, y = points_in_cells(county.cells, snaps["lsoa"].to_numpy(), rng)
    lon, lat = to_lon_lat(x, y)
    snaps["longitude"] = [f"{v:.6f}" for v in lon]
    snaps["latitude"] = [f"{v:.6f}" for v in lat]
    snaps["location"] = "On or near " + snaps["place"]
    return snaps


def places_in(lsoa: pd.Series, rng: np.random.Generator) -> list[tuple[str, bool]]:
    """Name an LSOA's snap points: a few streets, plus shops, clubs and seafront where it has them."""
    count = 3 + round(4 * lsoa["urban"]) + round(6 * lsoa["centre"])
    places = [(str(s), True) for s in rng.choice(STREETS, size=count, replace=False)]
    extras: list[str] = []
    if lsoa["centre"] > 0.35:
        extras += CENTRE_PLACES[: 2 + round(5 * lsoa["centre"])]
    if lsoa["nte"] > 0.3:
        extras += ["Nightclub"]
    if lsoa["nte"] > 0.3 and DISTRICTS[lsoa["district"]].name == "Saltcliffe":
        extras += list(SEAFRONT_PLACES)
    if lsoa["retail"] > 0.9:
        extras += list(RETAIL_PLACES)
    if lsoa["urban"] > 0.5:
        extras += [str(rng.choice(SUBURB_PLACES))]
    streets = {p for p, _ in places}
    street_like = set(SEAFRONT_PLACES) | {"High Street", "Market Place"}
    for extra in dict.fromkeys(extras):  # keeps order, drops repeats
        if extra not in streets:
            places.append((extra, extra in street_like))
    return places


def points_in_cells(
    cells: list, owners: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A random point inside the cell of each owner (drawn in its bounding box until one lands inside)."""
    x, y = np.empty(len(owners)), np.empty(len(owners))
    for owner in np.unique(owners):
        slots = np.flatnonzero(owners == owner)
        cell = cells[owner]
        minx, miny, maxx, maxy = cell.bounds
        found = np.empty((0, 2))
        while len(found) < len(slots):
            tries = rng.uniform((minx, miny), (maxx, maxy), size=(4 * len(slots) + 8, 2))
            found = np.vstack([found, tries[shapely.contains_xy(cell, tries[:, 0], tries[:, 1])]])
        x[slots], y[slots] = found[: len(slots), 0], found[: len(slots), 1]
    return x, y


def category_weights(lsoas: pd.DataFrame, pattern: CategoryPattern) -> np.ndarray:
    """Share of one category's incidents that falls in each LSOA (sums to 1)."""
    pull = (
        pattern.base + pattern.centre * lsoas["centre"] + pattern.nte * lsoas["nte"]
        + pattern.retail * lsoas["retail"] + pattern.urban * lsoas["urban"]
    ).to_numpy()
    weight = pull * lsoas["deprivation"].to_numpy() ** pattern.deprivation
    return weight / weight.sum()


def seasonal_factor(pattern: CategoryPattern, months: list[str]) -> np.ndarray:
    """The yearly cycle of a category: 1 on average, highest in its peak month."""
    number = np.array([int(m[5:]) for m in months])
    return 1 + pattern.season * np.cos(2 * np.pi * (number - pattern.peak_month) / 12)


def expected_counts(county: County, months: list[str]) -> np.ndarray:
    """Expected incidents by month, category and LSOA: place x season x trend, scaled to the county total."""
    lsoas = county.lsoas
    years = (np.arange(len(months)) - (len(months) - 1) / 2) / 12  # 0 in the middle of the run
    names = np.array(DISTRICT_NAMES)[lsoas["district"].to_numpy()]
    expected = np.empty((len(months), len(CATEGORIES), len(lsoas)))
    for c, category in enumerate(CATEGORIES):
        pattern = PATTERNS[category]
        local = np.array([LOCAL_TRENDS.get((n, category), 0.0) for n in names])
        trend = (1 + pattern.trend + local[None, :]) ** years[:, None]
        season = seasonal_factor(pattern, months)[:, None]
        place = category_weights(lsoas, pattern)[None, :]
        expected[:, c, :] = MONTHLY_INCIDENTS * CATEGORY_SHARES[category] * place * season * trend
    return expected


def incident_counts(county: County, months: list[str]) -> np.ndarray:
    """Draw counts from the expected ones, with the extra month-to-month noise real counts have."""
    rng = stream("counts")
    expected = expected_counts(county, months)
    return rng.poisson(expected * rng.gamma(8.0, 1 / 8.0, size=expected.shape))


def choose_snaps(
    snaps: pd.DataFrame, category: np.ndarray, lsoa: np.ndarray, n_lsoas: int, rng: np.random.Generator
) -> np.ndarray:
    """Pick each incident's snap point (a row position in ``snaps``) in its LSOA, suited to its category."""
    order = np.argsort(snaps["lsoa"].to_numpy(), kind="stable")
    owner = snaps["lsoa"].to_numpy()[order]
    busyness = snaps["busyness"].to_numpy()[order]
    places = list(zip(snaps["place"].to_numpy()[order], snaps["is_street"].to_numpy()[order], strict=True))
    per_category = []
    for name in CATEGORIES:
        table = PLACE_AFFINITY.get(name, {})
        street = table.get("street", 1.0)
        pull = np.array([table.get(place, street if is_street else 1.0) for place, is_street in places])
        per_category.append(cumulative_within(owner, busyness * pull))
    # One sorted array for all (category, LSOA) groups: group g covers (g, g + 1], so a draw g + u lands in g.
    group = np.concatenate([c * n_lsoas + owner for c in range(len(CATEGORIES))])
    cumulative = group + np.concatenate(per_category)
    position = np.searchsorted(cumulative, category * n_lsoas + lsoa + rng.random(len(lsoa)), side="right")
    return order[position % len(snaps)]


def cumulative_within(groups: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Running share of each group's total weight (groups sorted); the last of each group is exactly 1."""
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(groups)]))
    running = np.cumsum(weights)
    before = (running[starts] - weights[starts])[group]
    within = (running - before) / np.add.reduceat(weights, starts)[group]
    within[np.r_[starts[1:] - 1, len(groups) - 1]] = 1.0  # exact, so rounding never reaches the next group
    return within


def outcomes(category: np.ndarray, months_from_end: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A police.uk 'Last outcome category' for each crime (ASB has none), recent ones mostly open."""
    result = np.full(len(category), "", dtype=object)
    for c, name in enumerate(CATEGORIES):
        rows = np.flatnonzero(category == c)
        if name == ASB or not len(rows):
            continue
        table = OUTCOMES_BY_CATEGORY.get(name, OUTCOMES_GENERAL)
        probabilities = np.array(list(table.values()))
        result[rows] = rng.choice(list(table), size=len(rows), p=probabilities / probabilities.sum())
    recent = RECENT_UNDER_INVESTIGATION * np.exp(-months_from_end / RECENT_DECAY_MONTHS)
    still_open = (result != "") & (rng.random(len(category)) < recent)
    result[still_open] = "Under investigation"
    return result


def crime_ids(month: str, count: int) -> list[str]:
    """Deterministic 64-hex Crime IDs, like police.uk's."""
    return [hashlib.sha256(f"avonmere-demo/{SEED}/{month}/{n}".encode()).hexdigest() for n in range(count)]


def street_rows(county: County, snaps: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Every generated incident as a police.uk street row (before the deliberately bad rows are added)."""
    rng = stream("incidents")
    counts = incident_counts(county, months)
    month, category, lsoa = np.nonzero(counts)
    repeat = counts[month, category, lsoa]
    month, category, lsoa = np.repeat(month, repeat), np.repeat(category, repeat), np.repeat(lsoa, repeat)
    snap = choose_snaps(snaps, category, lsoa, len(county.lsoas), rng)
    lsoas = county.lsoas
    rows = pd.DataFrame({
        "Month": np.array(months, dtype=object)[month],
        "Longitude": snaps["longitude"].to_numpy()[snap], "Latitude": snaps["latitude"].to_numpy()[snap],
        "Location": snaps["location"].to_numpy()[snap],
        "LSOA code": lsoas["code"].to_numpy()[lsoa], "LSOA name": lsoas["name"].to_numpy()[lsoa],
        "Crime type": np.array(CATEGORIES, dtype=object)[category],
        "Last outcome category": outcomes(category, len(months) - 1 - month, rng),
    })
    return rows


def bad_rows(month: str, county: County, rng: np.random.Generator) -> pd.DataFrame:
    """A handful of rows with no location, and now and then one geocoded far away, as real extracts have."""
    count = int(rng.integers(1, 5))
    categories = ["Violence and sexual offences", "Other crime", "Public order", "Other theft"]
    outcomes_seen = ["Unable to prosecute suspect", "Status update unavailable", "Under investigation"]
    rows = pd.DataFrame({
        "Month": month, "Longitude": "", "Latitude": "", "Location": "No location", "LSOA code": "",
        "LSOA name": "", "Crime type": rng.choice(categories, size=count),
        "Last outcome category": rng.choice(outcomes_seen, size=count),
    })
    for misplaced_month, lon, lat in MISPLACED_ROWS:
        if misplaced_month == month:
            lsoa = county.lsoas.iloc[int(rng.integers(len(county.lsoas)))]
            rows.loc[len(rows)] = [
                month, f"{lon:.6f}", f"{lat:.6f}", "On or near Harbour Road", lsoa["code"], lsoa["name"],
                "Other theft", "Investigation complete; no suspect identified",
            ]
    return rows


def month_file(month: str, rows: pd.DataFrame, county: County, rng: np.random.Generator) -> pd.DataFrame:
    """One month's street CSV contents: the month's incidents plus its bad rows, shuffled, IDs assigned."""
    frame = pd.concat([rows, bad_rows(month, county, rng)], ignore_index=True)
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    is_crime = frame["Crime type"].to_numpy() != ASB
    ids = np.full(len(frame), "", dtype=object)
    ids[is_crime] = crime_ids(month, int(is_crime.sum()))
    frame.insert(0, "Crime ID", ids)
    frame.insert(2, "Reported by", FORCE_NAME)
    frame.insert(3, "Falls within", FORCE_NAME)
    frame["Context"] = ""
    return frame[STREET_COLUMNS]


# --- Partner indicators -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerIndicator:
    """A measure partners send as a spreadsheet, with how it behaves in Avonmere."""

    key: str
    name: str
    theme: str
    unit: str
    polarity: str
    source: str
    definition: str
    per_1000_month: float = 0.0  # for monthly counts: expected count per 1,000 residents a month
    season: float = 0.0
    peak_month: int = 7
    trend: float = 0.0  # change per year, as a fraction
    restricted: bool = False  # partners only: hidden on a public screen


PARTNER_INDICATORS: tuple[PartnerIndicator, ...] = (
    PartnerIndicator(
        "domestic-abuse-incidents", "Domestic abuse incidents reported to police", "Domestic abuse", "count",
        "higher_is_better", "Avonmere Police domestic abuse extract (demo)",
        "Incidents and crimes flagged as domestic abuse, by month reported. The partnership wants more "
        "victims to come forward, so a rise in reporting counts as better. Restricted: the police share it with "
        "partners on condition it is not shown in public.",
        2.4, 0.08, 7, 0.04, restricted=True,
    ),
    PartnerIndicator(
        "ksi-casualties", "People killed or seriously injured on the roads", "Road safety", "count",
        "lower_is_better", "Avonmere Road Safety Partnership (demo)",
        "Road casualties killed or seriously injured in collisions on public roads, by month of collision.",
        0.045, 0.20, 7, -0.03,
    ),
    PartnerIndicator(
        "first-time-entrants", "First-time entrants to the youth justice system", "Reducing offending",
        "rate per 100,000 aged 10-17", "lower_is_better", "Avonmere Youth Justice Service (demo)",
        "Young people aged 10 to 17 receiving their first youth caution or conviction, per 100,000 residents "
        "aged 10 to 17, by financial year.",
        trend=-0.05,
    ),
    PartnerIndicator(
        "dwelling-fires", "Accidental dwelling fires", "Fire safety", "count", "lower_is_better",
        "Avonmere Fire & Rescue Service (demo)",
        "Accidental fires in homes attended by the fire service, by month.",
        0.037, 0.20, 1, -0.02,
    ),
    PartnerIndicator(
        "home-safety-visits", "Home safety visits delivered", "Fire safety", "count", "higher_is_better",
        "Avonmere Fire & Rescue Service (demo)",
        "Home safety visits completed by fire service and partner staff, by month. Each CSP sets a yearly "
        "number to deliver.",
        trend=0.03,
    ),
    PartnerIndicator(
        "proven-reoffending", "Adults who reoffend within a year", "Reducing offending", "percent",
        "lower_is_better", "Avonmere Probation Delivery Unit (demo)",
        "Share of adults cautioned, convicted or released from custody in the year who are proven to reoffend "
        "within 12 months, by financial year of the cohort.",
        trend=-0.03,
    ),
)
REOFFENDING_SHARE = 0.25
REOFFENDING_COHORT_PER_1000 = 3.0
# Visits are planned, not driven by population: each CSP's usual monthly number.
HOME_SAFETY_VISITS_A_MONTH = {
    "Brackenford": 72, "Castlebury": 128, "Harwick": 84, "Lowmere": 95, "Saltcliffe": 90,
}
FIRST_TIME_ENTRANTS_PER_100K = 150.0
FINANCIAL_YEARS = ("2022/23", "2023/24", "2024/25", "2025/26")


def csp_profiles(county: County, population: pd.DataFrame) -> pd.DataFrame:
    """Per CSP and year: residents, aged 10-17 (estimated), and how deprived and rural its LSOAs are."""
    lsoas = county.lsoas
    frames = []
    for index, plan in enumerate(DISTRICTS):
        mine = lsoas["district"] == index
        rows = population[population["area_code"] == plan.csp_code]
        frames.append(pd.DataFrame({
            "csp": index, "year": rows["year"].to_numpy(), "population": rows["population"].to_numpy(),
            "aged_10_17": np.round(rows["aged_0_17"].to_numpy() * 0.45).astype(int),
            "deprivation": lsoas.loc[mine, "deprivation"].mean() / lsoas["deprivation"].mean(),
            "rural": 1 - lsoas.loc[mine, "urban"].mean(),
        }))
    return pd.concat(frames, ignore_index=True)


def monthly_indicator_values(indicator: PartnerIndicator, profiles: pd.DataFrame, months: list[str],
                             rng: np.random.Generator) -> pd.DataFrame:
    """One monthly count indicator for every CSP."""
    years = (np.arange(len(months)) - (len(months) - 1) / 2) / 12
    number = np.array([int(m[5:]) for m in months])
    season = 1 + indicator.season * np.cos(2 * np.pi * (number - indicator.peak_month) / 12)
    trend = (1 + indicator.trend) ** years
    frames = []
    for index, plan in enumerate(DISTRICTS):
        profile = profiles[profiles["csp"] == index].set_index("year")
        mid_year = np.clip([int(m[:4]) for m in months], min(POPULATION_YEARS), max(POPULATION_YEARS))
        people = profile.loc[mid_year, "population"].to_numpy()
        if indicator.key == "home-safety-visits":
            # Fewer visits in August and December, when staff are on leave.
            level = HOME_SAFETY_VISITS_A_MONTH[plan.name] * np.where(np.isin(number, (8, 12)), 0.7, 1.0)
        else:
            level = indicator.per_1000_month * people / 1000 * season * local_factor(indicator, profile)
        values = rng.poisson(level * trend * rng.gamma(150.0, 1 / 150.0, size=len(months)))
        frames.append(pd.DataFrame({"area_code": plan.csp_code, "area_name": plan.name, "period": months,
                                    "value": values.astype(str), "numerator": "", "denominator": ""}))
    return pd.concat(frames, ignore_index=True)


def local_factor(indicator: PartnerIndicator, profile: pd.DataFrame) -> float:
    """How a CSP's make-up shifts an indicator: rural roads for casualties, deprivation for the rest."""
    first = profile.iloc[0]
    if indicator.key == "ksi-casualties":
        return 0.7 + 0.9 * float(first["rural"])
    return float(first["deprivation"]) ** 0.5


def first_time_entrant_values(indicator: PartnerIndicator, profiles: pd.DataFrame,
                              rng: np.random.Generator) -> pd.DataFrame:
    """First-time entrants per 100,000 aged 10-17, by CSP and financial year, with the counts behind it."""
    rows = []
    for index, plan in enumerate(DISTRICTS):
        profile = profiles[profiles["csp"] == index].set_index("year")
        for offset, year in enumerate(FINANCIAL_YEARS):
            young = int(profile.loc[int(year[:4]), "aged_10_17"])
            deprivation = float(profile.iloc[0]["deprivation"])
            expected = FIRST_TIME_ENTRANTS_PER_100K * (1 + indicator.trend) ** offset * deprivation
            entrants = int(rng.poisson(expected * young / 100_000))
            rate = f"{entrants / young * 100_000:.1f}"
            rows.append((plan.csp_code, plan.name, year, rate, str(entrants), str(young)))
    columns = ["area_code", "area_name", "period", "value", "numerator", "denominator"]
    return pd.DataFrame(rows, columns=columns)


def reoffending_values(indicator: PartnerIndicator, profiles: pd.DataFrame,
                       rng: np.random.Generator) -> pd.DataFrame:
    """The share of each year's offender cohort proven to reoffend, by CSP and financial year (a proportion)."""
    rows = []
    for index, plan in enumerate(DISTRICTS):
        profile = profiles[profiles["csp"] == index].set_index("year")
        for offset, year in enumerate(FINANCIAL_YEARS):
            people = float(profile.loc[int(year[:4]), "population"])
            cohort = int(rng.poisson(REOFFENDING_COHORT_PER_1000 * people / 1000))
            share = REOFFENDING_SHARE * (1 + indicator.trend) ** offset * float(profile.iloc[0]["deprivation"]) ** 0.3
            reoffenders = int(rng.binomial(cohort, min(share, 0.9)))
            rows.append((plan.csp_code, plan.name, year, f"{100 * reoffenders / cohort:.1f}", str(reoffenders),
                         str(cohort)))
    columns = ["area_code", "area_name", "period", "value", "numerator", "denominator"]
    return pd.DataFrame(rows, columns=columns)


def indicator_table(county: County, population: pd.DataFrame) -> pd.DataFrame:
    """Every partner indicator for every CSP, in the indicators import layout."""
    rng = stream("indicators")
    profiles = csp_profiles(county, population)
    months = [p.strftime("%Y-%m") for p in pd.period_range(*INDICATOR_MONTHS, freq="M")]
    frames = []
    for indicator in PARTNER_INDICATORS:
        if indicator.key == "first-time-entrants":
            values = first_time_entrant_values(indicator, profiles, rng)
        elif indicator.key == "proven-reoffending":
            values = reoffending_values(indicator, profiles, rng)
        else:
            values = monthly_indicator_values(indicator, profiles, months, rng)
        frames.append(values.assign(
            indicator_key=indicator.key, indicator_name=indicator.name, theme=indicator.theme,
            unit=indicator.unit, polarity=indicator.polarity, source=indicator.source,
            definition=indicator.definition, restricted=int(indicator.restricted),
        ))
    columns = ["indicator_key", "indicator_name", "theme", "unit", "polarity", "source", "definition",
               "restricted", "area_code", "area_name", "period", "value", "numerator", "denominator"]
    return pd.concat(frames, ignore_index=True)[columns]


# --- Files ------------------------------------------------------------------------------------------------


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a CSV the same way every time (UTF-8, LF line ends, no index)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


def lookup_table() -> pd.DataFrame:
    """The district -> CSP -> force lookup, in the layout of the ONS one."""
    return pd.DataFrame(
        [(d.district_code, d.name, d.csp_code, d.name, COUNTY_CODE, COUNTY_NAME, FORCE_CODE, FORCE_NAME)
         for d in DISTRICTS],
        columns=["district_code", "district_name", "csp_code", "csp_name", "county_code", "county_name",
                 "force_code", "force_name"],
    )


def lon_lat_geometry(geometry) -> dict:
    """A km-grid geometry as a GeoJSON mapping in lon/lat, to 6 decimal places (about 10 cm)."""
    def to_degrees(coords: np.ndarray) -> np.ndarray:
        lon, lat = to_lon_lat(coords[:, 0], coords[:, 1])
        return np.round(np.column_stack([lon, lat]), 6)

    return mapping(shapely.transform(geometry, to_degrees))


def boundary_features(county: County) -> list[dict]:
    """GeoJSON features for the force, county, CSPs, districts and LSOAs, parents before children."""
    whole = shapely.union_all(county.districts)
    areas = [(FORCE_CODE, FORCE_NAME, "force", None, whole)]
    areas += [(COUNTY_CODE, COUNTY_NAME, "county", FORCE_CODE, whole)]
    pairs = list(zip(DISTRICTS, county.districts, strict=True))
    areas += [(d.csp_code, d.name, "csp", COUNTY_CODE, g) for d, g in pairs]
    areas += [(d.district_code, d.name, "district", d.csp_code, g) for d, g in pairs]
    lsoas = county.lsoas
    areas += [(code, name, "lsoa", DISTRICTS[d].district_code, cell)
              for code, name, d, cell in zip(lsoas["code"], lsoas["name"], lsoas["district"], county.cells,
                                             strict=True)]
    return [
        {"type": "Feature",
         "properties": {"code": code, "name": name, "kind": kind, "parent_code": parent},
         "geometry": lon_lat_geometry(geometry)}
        for code, name, kind, parent, geometry in areas
    ]


def write_boundaries(county: County, path: Path) -> Path:
    """Write every area's boundary as one GeoJSON FeatureCollection."""
    path.parent.mkdir(parents=True, exist_ok=True)
    collection = {"type": "FeatureCollection", "name": "avonmere_demo_boundaries",
                  "features": boundary_features(county)}
    path.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    return path


def write_street_files(county: County, folder: Path) -> dict[str, Path]:
    """Write one police.uk street CSV per month, laid out as in the police.uk download."""
    months = demo_months()
    rows = street_rows(county, snap_points(county), months)
    rng = stream("files")
    paths = {}
    for month, month_rows in rows.groupby("Month", sort=True):
        path = folder / month / f"{month}-{FORCE_FILE_SLUG}-street.csv"
        paths[f"street:{month}"] = write_csv(month_file(str(month), month_rows, county, rng), path)
    return paths


def write_demo_files(folder: str | os.PathLike) -> dict[str, Path]:
    """Write all the demo county's input files into a folder; returns them by name.

    Keys: ``lookup``, ``boundaries``, ``population``, ``indicators`` and ``street:YYYY-MM`` for each month.
    """
    folder = Path(folder)
    county = plan_county()
    population = population_with_totals(county)
    files = {
        "lookup": write_csv(lookup_table(), folder / "lookups" / "avonmere_lad_csp_force_lookup.csv"),
        "boundaries": write_boundaries(county, folder / "boundaries" / "avonmere_boundaries.geojson"),
        "population": write_csv(population, folder / "population" / "avonmere_mid_year_population.csv"),
        "indicators": write_csv(indicator_table(county, population),
                                folder / "indicators" / "avonmere_partner_indicators.csv"),
    }
    files.update(write_street_files(county, folder / "police_uk"))
    return files


def street_files(files: dict[str, Path]) -> list[Path]:
    """The police.uk street files among the demo files, oldest month first."""
    return [files[key] for key in sorted(files) if key.startswith("street:")]


# --- What the partnership wrote: targets, the action plan, last year's assessment ---------------------------

TARGET_YEAR, BASELINE_YEAR = "2026/27", "2025/26"
WRITTEN_AT = "2026-10-08T09:30:00+00:00"  # fixed, so two builds are identical
PPV_NOTE = "Public place violence is approximated by violence and sexual offences plus public order."
CUT_BY = "compared with 2025/26"


@dataclass(frozen=True)
class Target:
    """One CSP measure; ``value`` is a signed % (percent_change), a number (absolute) or +1/-1 (direction)."""

    csp: str
    indicator_key: str
    measure: str
    target_type: str
    value: float
    basis: str = "fytd"
    commentary: str = ""


def _more_domestic_abuse_reports(csp: str) -> Target:
    measure = f"Increase reporting of domestic abuse incidents by 5% {CUT_BY}"
    return Target(csp, "domestic-abuse-incidents", measure, "percent_change", 5)


def _percent_cut(csp: str, category: str, percent: float, commentary: str = "") -> Target:
    measure = f"Reduce {category.lower()} by {percent:g}% {CUT_BY}"
    return Target(csp, slug(category), measure, "percent_change", -percent, commentary=commentary)


# Modelled on the kinds of measure CSPs set (see docs/domain.md): % change on a baseline year, absolute
# numbers to deliver, rolling-year reductions, and plain directions where no number was agreed.
TARGETS: tuple[Target, ...] = (
    _percent_cut("Brackenford", "Burglary", 3),
    _percent_cut("Brackenford", "Vehicle crime", 3, "Mostly thefts from cars at the retail park."),
    _more_domestic_abuse_reports("Brackenford"),
    Target("Brackenford", "home-safety-visits", "Deliver 900 home safety visits", "absolute", 900,
           "year_end"),
    Target("Brackenford", "first-time-entrants", "Reduce first-time entrants to the youth justice system",
           "direction", -1, "year_end"),
    Target("Castlebury", "public-place-violence", f"A 3% reduction in public place violence {CUT_BY}",
           "percent_change", -3,
           commentary=f"{PPV_NOTE} Safe Night Out marshals have worked weekend nights since June."),
    _percent_cut("Castlebury", "Shoplifting", 3, "Rising county-wide; the retail radio scheme relaunches."),
    _more_domestic_abuse_reports("Castlebury"),
    Target("Castlebury", "home-safety-visits", "Deliver 1,600 home safety visits", "absolute", 1600,
           "year_end"),
    _percent_cut("Castlebury", "Anti-social behaviour", 5),
    _percent_cut("Harwick", "Anti-social behaviour", 5),
    _percent_cut("Harwick", "Criminal damage and arson", 3),
    Target("Harwick", "ksi-casualties", "Reduce the number of people killed or seriously injured by 10%",
           "percent_change", -10),
    _more_domestic_abuse_reports("Harwick"),
    Target("Lowmere", "burglary", "A combined reduction of 5% in burglary in the rolling year figures",
           "percent_change", -5, "rolling_12",
           commentary="Includes rural outbuilding thefts; cross-border work with neighbouring forces."),
    Target("Lowmere", "ksi-casualties", "Reduce the number of people killed or seriously injured by 10%",
           "percent_change", -10, commentary="Community Speedwatch groups now cover 14 villages."),
    _percent_cut("Lowmere", "Vehicle crime", 3),
    Target("Lowmere", "dwelling-fires", "Reduce the number of accidental dwelling fires", "direction", -1),
    _more_domestic_abuse_reports("Lowmere"),
    Target("Saltcliffe", "public-place-violence", f"A 3% reduction in public place violence {CUT_BY}",
           "percent_change", -3, commentary=PPV_NOTE),
    _percent_cut("Saltcliffe", "Anti-social behaviour", 5,
                 "Seafront ASB rose over the summer; a dispersal order is proposed for the pier approach."),
    Target("Saltcliffe", "drugs", f"Increase drug offences found by proactive policing by 5% {CUT_BY}",
           "percent_change", 5, commentary="Drug offences are found by police activity, so more is better."),
    _more_domestic_abuse_reports("Saltcliffe"),
    Target("Saltcliffe", "home-safety-visits", "Deliver 1,100 home safety visits", "absolute", 1100,
           "year_end"),
)


def target_rows() -> list[dict]:
    """The targets table's rows: every CSP's measures for 2026/27."""
    csp_code = {d.name: d.csp_code for d in DISTRICTS}
    return [
        {
            "csp_code": csp_code[t.csp], "indicator_key": t.indicator_key, "measure": t.measure,
            "target_type": t.target_type, "target_value": float(t.value),
            "baseline_period": None if t.target_type == "absolute" else BASELINE_YEAR,
            "target_period": TARGET_YEAR, "basis": t.basis, "commentary": t.commentary or None,
            "updated_by": f"{t.csp} CSP officer", "updated_at": WRITTEN_AT,
        }
        for t in TARGETS
    ]


# Scores in the order of lib.priorities.scoring's questions: physical, psychological, financial, community and
# environmental harm, scope; frequency, trend, vulnerability; confidence; capacity, capability, led elsewhere.
Scores = tuple[int, int, int, int, int, int, int, int, int, int, int, int, bool]
SCORE_ORDER = ("physical", "psychological", "financial", "community", "environmental", "scope", "frequency",
               "trend", "vulnerability", "confidence", "capacity", "capability", "led_elsewhere")


@dataclass(frozen=True)
class Issue:
    """One issue scored at last year's threat, harm and risk assessment."""

    issue: str
    indicator_key: str | None
    scores: Scores
    chosen: bool
    rationale: str


ASSESSED_YEAR, NEXT_YEAR = "2026/27", "2027/28"
AGREED_NAME = "Agreed at the partnership event"
AGREED_AT = "2026-03-12T15:00:00+00:00"

ASSESSMENT: tuple[Issue, ...] = (
    Issue("Domestic abuse", "domestic-abuse-incidents", (4, 4, 3, 2, 0, 1, 4, 3, 4, 3, 4, 3, False), True,
          "Highest harm and frequent; under-reported, so the partnership works to raise reporting."),
    Issue("Violence in the night-time economy", "public-place-violence", (4, 3, 1, 3, 1, 2, 4, 2, 3, 4, 3, 4, False),
          True, "Concentrated in Castlebury town centre and on Saltcliffe seafront, where partners can act."),
    Issue("Anti-social behaviour", "anti-social-behaviour", (1, 3, 1, 4, 3, 2, 4, 2, 3, 4, 4, 3, False), True,
          "The public's top concern in every district; councils and housing hold the powers to act."),
    Issue("Road safety", "ksi-casualties", (4, 3, 3, 2, 1, 3, 3, 2, 2, 4, 3, 3, False), True,
          "Rural roads in Lowmere and Harwick see most serious casualties; Speedwatch is partnership-led."),
    Issue("Drug supply and county lines", "drugs", (4, 4, 2, 4, 2, 4, 3, 3, 4, 2, 2, 2, True), False,
          "High risk, but Avonmere Police's county lines team leads; the partnership supports."),
    Issue("Fraud and scams against older people", None, (0, 3, 4, 1, 0, 2, 4, 3, 4, 2, 2, 2, True), False,
          "Growing, but local evidence is thin and Trading Standards lead the response."),
    Issue("Shoplifting and retail crime", "shoplifting", (0, 1, 3, 2, 0, 2, 4, 4, 1, 3, 2, 3, False), False,
          "Rising fast; tackled through the business crime partnership, not as a county priority."),
    Issue("Hate incidents", None, (3, 4, 1, 3, 0, 2, 2, 2, 3, 1, 3, 3, False), False,
          "Harm is high for victims; the data are too sparse to rank with confidence."),
    Issue("Serious violence and knife crime", "possession-of-weapons", (4, 4, 1, 3, 0, 3, 2, 2, 3, 3, 2, 2, True),
          False, "Rare in Avonmere; covered by the Serious Violence Duty board's own strategy."),
    Issue("Modern slavery and exploitation", None, (4, 4, 3, 2, 0, 4, 1, 2, 4, 1, 1, 2, True), False,
          "Little local evidence; the regional network leads."),
    Issue("Dwelling burglary", "burglary", (1, 3, 3, 2, 0, 1, 4, 1, 2, 4, 3, 3, False), False,
          "Falling for three years; kept as a local measure in Lowmere."),
    Issue("Rural and cross-border crime", None, (1, 2, 3, 2, 2, 2, 2, 2, 2, 2, 3, 2, False), False,
          "In the Lowmere CSP plan, with the rural crime team."),
    Issue("Accidental dwelling fires", "dwelling-fires", (4, 3, 3, 1, 1, 1, 2, 1, 3, 4, 4, 4, True), False,
          "Led by the fire service's prevention plan; falling."),
    Issue("Youth offending (first-time entrants)", "first-time-entrants", (1, 2, 1, 2, 0, 2, 2, 2, 3, 3, 3, 3, True),
          False, "Low and stable; the Youth Justice Service leads."),
)


def agreed_assessment() -> list[Assessment]:
    """Last year's agreed threat, harm and risk assessment for the county, as the scoring model reads it."""
    return [
        Assessment(issue=i.issue, **dict(zip(SCORE_ORDER, i.scores, strict=True)), chosen=i.chosen,
                   rationale=i.rationale, indicator_key=i.indicator_key)
        for i in ASSESSMENT
    ]


def insert_assessments(db: sqlite_utils.Database) -> None:
    """Last year's agreed assessment, and this year's working draft: last year's judgements with frequency,
    trend and confidence refreshed from the county's latest 12 months of data, as a partnership would start."""
    from lib.core.areas import find_area
    from lib.core.catalogue import indicator_catalogue
    from lib.core.periods import custom_period, shift_months
    from lib.priorities.assessments import delete_draft, save_version, start_draft
    from lib.priorities.evidence import candidate_issues, issue_evidence, refreshed

    agreed = agreed_assessment()
    draft = start_draft(db, COUNTY_CODE, ASSESSED_YEAR, agreed, COUNTY_TEAM, evidence_period="Apr 2024 to Mar 2025",
                        when=AGREED_AT)
    save_version(db, draft.id, AGREED_NAME, COUNTY_TEAM, note="Four priorities chosen for 2026/27.", when=AGREED_AT)
    delete_draft(db, draft.id, COUNTY_TEAM, reason="Agreed and saved", when=AGREED_AT)
    county, period = find_area(db, COUNTY_CODE), custom_period(shift_months(LAST_MONTH, -11), LAST_MONTH)
    candidates = {c.indicator_key: c for c in candidate_issues(indicator_catalogue(db)) if c.indicator_key}
    fresh = [
        refreshed(a, issue_evidence(db, candidates[a.indicator_key], county, period))
        if a.indicator_key in candidates else a
        for a in agreed
    ]
    start_draft(db, COUNTY_CODE, NEXT_YEAR, [replace(a, chosen=False) for a in fresh], COUNTY_TEAM,
                evidence_period=period.label, when=WRITTEN_AT)


@dataclass(frozen=True)
class Action:
    """One row of the partnership action plan; ``csp`` is None for a county-wide action."""

    priority: str
    csp: str | None
    action: str
    intended_outcome: str
    lead: str
    completion_date: str
    rag: str
    commentary: str
    measure_keys: str = ""


COUNTY_TEAM = "Avonmere Safer Communities Team"
DA, NTE, ROADS = "Domestic abuse", "Violence in the night-time economy", "Road safety"
ASB_PRIORITY = "Anti-social behaviour"
PPV = "public-place-violence"

ACTIONS: tuple[Action, ...] = (
    Action(DA, None, "Launch the Avonmere domestic abuse strategy 2026-2031",
           "People have safe, equal and abuse-free relationships", COUNTY_TEAM, "2026-06-30", "Complete",
           "Launched at the June partnership event.", "domestic-abuse-incidents"),
    Action(DA, None, "Train frontline staff in every partner to ask about abuse and refer",
           "More victims disclose abuse and are referred early", COUNTY_TEAM, "2027-03-31", "Green",
           "412 staff trained so far against a plan of 600.", "domestic-abuse-incidents"),
    Action(DA, None, "Review the MARAC operating model and referral thresholds",
           "High-risk victims are safer sooner", "Avonmere Police Public Protection", "2026-12-31", "Amber",
           "Review started late after a change of chair; report due in January.", "domestic-abuse-incidents"),
    Action(DA, "Saltcliffe", "Run a reporting campaign in GP surgeries and pharmacies",
           "Increased reporting of domestic abuse", "Saltcliffe CSP", "2026-11-30", "Green",
           "Posters in all 9 surgeries; pharmacies follow in November.", "domestic-abuse-incidents"),
    Action(DA, "Harwick", "Set up a drop-in advice session at Harwick library",
           "Victims can get advice without an appointment", "Harwick CSP", "2026-09-30", "Red",
           "Venue lost when library hours were cut; looking for another site.", "domestic-abuse-incidents"),
    Action(NTE, "Castlebury", "Fund Safe Night Out marshals on Friday and Saturday nights",
           "Fewer assaults in Castlebury town centre", "Castlebury CSP", "2027-03-31", "Green",
           "Marshals in place since June; town-centre violence is down on last year.",
           f"{PPV},violence-and-sexual-offences,public-order"),
    Action(NTE, "Castlebury", "Review licensed premises with repeat incidents at the JAG",
           "Problem premises are dealt with through licensing", "Avonmere Police Licensing", "2026-12-31",
           "Green", "Two premises reviewed; new licence conditions agreed for one.", PPV),
    Action(NTE, "Saltcliffe", "Extend CCTV coverage along Marine Parade and the pier",
           "Faster response to incidents on the seafront", "Saltcliffe Borough Council", "2026-08-31",
           "Amber",
           "Cameras installed; the monitoring contract was signed late, live from November.", PPV),
    Action(NTE, None, "Agree a county-wide 'ask for help' scheme with licensees",
           "Vulnerable people can get help in any venue", COUNTY_TEAM, "2026-10-31", "Complete",
           "Launched in 126 venues.", "violence-and-sexual-offences"),
    Action(NTE, None, "Share A&E assault data with the community safety analysts",
           "Violence not reported to police is seen and mapped", "Avonmere Public Health", "2027-01-31",
           "Red",
           "The information sharing agreement is still with the hospital trust's lawyers.", PPV),
    Action(ASB_PRIORITY, None, "Roll out the shared ASB case management system to all five councils",
           "Repeat and vulnerable victims are identified and supported", COUNTY_TEAM, "2026-12-31", "Amber",
           "Live in three councils; Harwick and Lowmere in the new year.", "anti-social-behaviour"),
    Action(ASB_PRIORITY, None, "Train partners in the ASB risk assessment and case review",
           "A consistent response to high-risk ASB victims", COUNTY_TEAM, "2026-09-30", "Complete",
           "Delivered to 180 staff.", "anti-social-behaviour"),
    Action(ASB_PRIORITY, "Saltcliffe", "Consult on a dispersal order for the pier approach",
           "Less ASB on the seafront in summer", "Saltcliffe CSP", "2027-03-31", "Amber",
           "Seafront ASB rose this summer; consultation opens in November.", "anti-social-behaviour"),
    Action(ASB_PRIORITY, "Brackenford", "Youth diversion sessions at the retail park on Friday evenings",
           "Fewer ASB reports around the retail park", "Brackenford CSP", "2027-03-31", "Green",
           "Sessions running with good attendance.", "anti-social-behaviour"),
    Action(ASB_PRIORITY, "Harwick", "Problem-solving plan for repeat ASB on two Harwick estates",
           "Fewer repeat calls from the same streets", "Harwick CSP", "2026-12-31", "Green",
           "Plan agreed at the JAG; the housing association's fencing work is done.",
           "anti-social-behaviour,criminal-damage-and-arson"),
    Action(ROADS, None, "Deliver the road safety communications calendar",
           "Fewer people killed or seriously injured", "Avonmere Road Safety Partnership", "2027-03-31",
           "Green",
           "Summer motorcycle campaign delivered.", "ksi-casualties"),
    Action(ROADS, "Lowmere", "Grow Community Speedwatch to 20 villages",
           "Less speeding where residents are most concerned", "Lowmere CSP", "2027-03-31", "Amber",
           "14 villages active; volunteer recruitment is slower than hoped.", "ksi-casualties"),
    Action(ROADS, "Harwick", "Scope 20mph zones near schools", "Safer journeys to school",
           "Avonmere County Council Highways", "2027-01-31", "Green", "Six schools surveyed.",
           "ksi-casualties"),
    Action(ROADS, None, "Agree a single road safety strategy with neighbouring counties",
           "One strategy across the region", "Avonmere Road Safety Partnership", "2026-07-31", "Red",
           "Delayed: two neighbouring authorities have not yet signed off.", "ksi-casualties"),
    Action("Partnership working", None, "Share the partnership dashboard with all CSPs and members",
           "Everyone sees the same figures for every priority", COUNTY_TEAM, "2026-12-31", "Green",
           "Demo running; live data from next quarter."),
)


def action_rows() -> list[dict]:
    """The action plan's rows: CSP code for local actions, the county's for county-wide ones."""
    csp_code = {d.name: d.csp_code for d in DISTRICTS}
    return [
        {
            "priority": a.priority, "area_code": csp_code[a.csp] if a.csp else COUNTY_CODE,
            "action": a.action,
            "intended_outcome": a.intended_outcome, "lead": a.lead, "completion_date": a.completion_date,
            "rag": a.rag, "commentary": a.commentary, "measure_keys": a.measure_keys or None,
            "last_updated": "2026-10-05", "updated_by": f"{a.csp} CSP officer" if a.csp else COUNTY_TEAM,
        }
        for a in ACTIONS
    ]


def insert_plans(db: sqlite_utils.Database) -> None:
    """Write the targets, action plan and priority assessment in one transaction."""
    db.execute("BEGIN IMMEDIATE")
    try:
        for table, rows in (("targets", target_rows()), ("actions", action_rows())):
            columns = list(rows[0])
            db.conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders(columns)})",
                [tuple(row[c] for c in columns) for row in rows],
            )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


# --- Building the store -------------------------------------------------------------------------------------


def import_demo_files(
    db: sqlite_utils.Database, files: dict[str, Path], progress: Progress | None = None
) -> None:
    """Import the demo files through the real importers, hierarchy first so incidents find their places."""
    from lib.importers.boundaries import import_boundaries
    from lib.importers.indicators import import_indicators
    from lib.importers.lookups import import_lookup
    from lib.importers.police_uk import import_police_uk
    from lib.importers.population import import_population

    def report(fraction: float, text: str) -> None:
        if progress:
            progress(fraction, text)

    report(0.30, "Importing the area lookup and boundaries")
    import_lookup(db, files["lookup"])
    import_boundaries(db, files["boundaries"])
    report(0.35, "Importing population and partner indicators")
    import_population(db, files["population"])
    import_indicators(db, files["indicators"])
    import_police_uk(db, street_files(files),
                     progress=lambda f, text: report(0.40 + 0.55 * f, f"Importing police.uk data: {text}"))


def build_demo_store(path: str | os.PathLike, progress: Progress | None = None) -> sqlite_utils.Database:
    """Build the Avonmere demo store at ``path`` (replacing an earlier demo there) and return it open.

    The store is built beside the target and moved into place at the end, so a half-built store is never
    seen. A store at ``path`` holding real data is never replaced.
    """
    target = Path(path)
    if target.exists() and target.stat().st_size > 0:
        held = open_store(target)
        imports = held.execute("SELECT COUNT(*) FROM import_log").fetchone()[0]
        real = get_meta(held, "dataset") != "demo" and imports > 0
        held.close()
        if real:
            raise FileExistsError(f"{target} holds real data; the demo only replaces a demo store")
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(target.name + ".building")
    _remove_store_files(building)
    with tempfile.TemporaryDirectory(prefix="avonmere-demo-") as folder:
        if progress:
            progress(0.0, "Generating the Avonmere demo county")
        files = write_demo_files(folder)
        db = open_store(building)
        import_demo_files(db, files, progress)
    insert_plans(db)
    insert_assessments(db)
    set_meta(db, "dataset", "demo")
    db.close()
    _remove_store_files(target)
    os.replace(building, target)
    if progress:
        progress(1.0, "Demo store ready")
    return open_store(target)


def _remove_store_files(path: Path) -> None:
    """Delete a SQLite file and its WAL companions, if present."""
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
