"""Avonmere's geography: the coast and outline, districts, LSOAs where people live, and what draws crime to each.

The county is laid out in km on a local flat grid (``design.to_lon_lat`` turns it into longitude and latitude).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

from lib.demo.design import DISTRICT_NAMES, DISTRICTS, GRID_KM, DistrictPlan, Town, stream


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
    return cast(Polygon, land.difference(sea))  # the sea cuts one side off the oval: one polygon is left


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
