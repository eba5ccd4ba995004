"""The study area of a hot spot map: the area's incidents and map points, its cells, their neighbours and outlines.

Everything here reads an area through one ``lib.store.scope.AreaScope``, resolved once by the public function a
page calls (each accepts an ``Area`` or a scope already resolved) and handed to the helpers below it.

Cells are H3 hexagons or LSOAs. The hexagons of an area are those whose centres fall inside its outline plus those
holding its map points (``h3_study_cells``); ``suggested_resolution`` picks the finest resolution with at most
1,500 of them, which the Gi* test (``lib.hotspots.gi_star``) has the power and the time for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import geopandas
import h3
import numpy as np
import pandas as pd
import shapely
import sqlite_utils
from libpysal.weights import Queen
from shapely.geometry.base import BaseGeometry

from lib.core.areas import Area
from lib.core.periods import months_between
from lib.core.sql import placeholders
from lib.store.scope import AreaScope, area_scope, as_scope, geometries

if TYPE_CHECKING:
    from lib.hotspots.gi_star import HotspotResult

RESOLUTIONS = range(7, 11)  # 7 (5 km2) to 10 (0.015 km2, the resolution stored with each map point)
SUGGESTED_MAX_CELLS = 1_500  # see suggested_resolution


# --- Reading the store --------------------------------------------------------------------------------------


def incident_groups(
    db: sqlite_utils.Database, area: Area | AreaScope, categories: Sequence[str], first: str, start: str, end: str
) -> pd.DataFrame:
    """Incidents from ``first`` to ``end`` grouped by map point (coordinates, LSOA, location) and period."""
    rows = point_counts(db, area, categories, first, end, "p.longitude, p.latitude, p.lsoa_code, p.location",
                        "pc.month >= ?", [start], order="g.point_id, g.key")
    return pd.DataFrame(rows, columns=["longitude", "latitude", "lsoa_code", "location", "current", "count"])


def point_counts(
    db: sqlite_utils.Database,
    area: Area | AreaScope,
    categories: Sequence[str],
    first: str,
    end: str,
    columns: str,
    key: str,
    key_params: Sequence[object] = (),
    order: str = "g.point_id, g.key",
) -> list[tuple[Any, ...]]:
    """The area's incidents from ``first`` to ``end`` (of ``categories``; all when empty), counted per snap point
    and ``key`` (an SQL expression on ``pc.month``): rows of the point's ``columns`` (of ``points p``), the key
    and the count.

    Read from the pre-aggregated ``point_monthly_counts`` by its primary key, one range for each month, LSOA of
    the area's points and category, and added up per point before each point is looked up once.
    """
    scope = as_scope(db, area)
    where, params = scope.points_where, list(scope.params)
    months = months_between(first, end)
    clauses = [f"pc.month IN ({placeholders(months)})",
               f"pc.lsoa_code IN (SELECT DISTINCT p.lsoa_code FROM points p WHERE {where})"]
    values: list[object] = [*months, *params]
    if categories:
        clauses.append(f"pc.category_id IN (SELECT id FROM categories WHERE name IN ({placeholders(categories)}))")
        values += list(categories)
    rows: list[tuple[Any, ...]] = db.execute(
        f"SELECT {columns}, g.key, g.count FROM (SELECT pc.point_id, {key} AS key, SUM(pc.count) AS count "
        f"FROM point_monthly_counts pc WHERE {' AND '.join(clauses)} GROUP BY pc.point_id, key) g "
        f"JOIN points p ON p.id = g.point_id WHERE {where} ORDER BY {order}",
        [*key_params, *values, *params],
    ).fetchall()
    return rows


def point_positions(db: sqlite_utils.Database, scope: AreaScope) -> pd.DataFrame:
    """Every map point position of the area with its LSOA and how many points are there."""
    rows = db.execute(
        f"SELECT p.longitude, p.latitude, p.lsoa_code, COUNT(*) FROM points p WHERE {scope.points_where} "
        "GROUP BY p.longitude, p.latitude, p.lsoa_code",
        scope.params,
    ).fetchall()
    return pd.DataFrame(rows, columns=["longitude", "latitude", "lsoa_code", "points"])


def lsoa_population(db: sqlite_utils.Database, codes: Sequence[str], end: str) -> pd.Series:
    """Residents of each LSOA: the latest year up to the period's end, else the nearest year after (NaN if none)."""
    year = int(end[:4])
    rows: list[tuple[Any, ...]] = []
    codes = list(codes)
    for offset in range(0, len(codes), 900):
        chunk = codes[offset : offset + 900]
        rows += db.execute(
            f"SELECT area_code, year, population FROM population WHERE area_code IN ({placeholders(chunk)})",
            chunk,
        ).fetchall()
    held = pd.DataFrame(rows, columns=["code", "year", "population"])
    if held.empty:
        return pd.Series(np.nan, index=pd.Index(codes), dtype=float)
    # Years up to the end first (latest of them), then later years (earliest of them).
    held["rank"] = np.where(held["year"] <= year, year - held["year"], 10_000 + held["year"] - year)
    chosen = held.sort_values(["code", "rank"]).drop_duplicates("code").set_index("code")["population"]
    return chosen.reindex(codes).astype(float)


# --- The study region and its neighbours ----------------------------------------------------------------------


def hexagons_of(points: pd.DataFrame, resolution: int) -> pd.Series:
    """The hexagon at ``resolution`` holding each point (hex strings), computed once per distinct position.

    Not the parent of the stored resolution-10 cell: H3 children do not tile their parent exactly, and on the
    real Eastbourne data 7% of incidents would be counted in a hexagon next to the one they are drawn in.
    """
    if points.empty:
        return pd.Series([], index=points.index, dtype=object)
    # Many rows share a position (one per month and point): hash the positions, and ask H3 once for each.
    position, unique = pd.factorize(points["latitude"].to_numpy(dtype=float)
                                    + 1j * points["longitude"].to_numpy(dtype=float), use_na_sentinel=False)
    cells = np.array([h3.latlng_to_cell(p.real, p.imag, resolution) for p in unique.tolist()], dtype=object)
    return pd.Series(cells[position], index=points.index, dtype=object)


def h3_study_cells(db: sqlite_utils.Database, area: Area | AreaScope, resolution: int) -> list[str]:
    """Every hexagon covering the area, sorted.

    Where the area's boundary is held, the hexagons whose centres fall inside it, plus those of the area's map
    points (a point near the edge can sit in a hexagon whose centre is outside). Otherwise the hexagons of all
    the points ever seen in the area plus one ring around them, so that the empty cells Gi* needs are there.
    """
    check_resolution(resolution)
    scope = as_scope(db, area)
    return cells_covering(point_positions(db, scope), scope.polygon, resolution)


def cells_covering(points: pd.DataFrame, polygon: BaseGeometry | None, resolution: int) -> list[str]:
    """The hexagons of ``h3_study_cells`` from the area's map point positions and outline, sorted."""
    point_cells = set(hexagons_of(points, resolution))
    if polygon is not None and not polygon.is_empty:
        cells = set(h3.h3shape_to_cells(h3.geo_to_h3shape(polygon), resolution)) | point_cells
    else:
        cells = {ring for cell in point_cells for ring in h3.grid_disk(cell, 1)}
    return sorted(cells)


def suggested_resolution(
    db: sqlite_utils.Database, area: Area | AreaScope, max_cells: int = SUGGESTED_MAX_CELLS
) -> int:
    """The finest H3 resolution (7 to 10) at which the area has at most ``max_cells`` hexagons (else 7).

    The false discovery rate over n cells can only confirm a hot spot at 95% when about n / 2,500 cells reach
    the smallest p-value 9,999 permutations allow, and the test's time grows with n: at most 1,500 cells keeps
    the bar at six cells and a cold compute near a second per period. In practice: resolution 9 for a small
    town CSP, 8 for a large or rural CSP, 7 for a county.
    """
    best = RESOLUTIONS.start
    scope = as_scope(db, area)
    points, polygon = point_positions(db, scope), scope.polygon  # read once for every resolution tried
    for resolution in RESOLUTIONS:
        if len(cells_covering(points, polygon, resolution)) > max_cells:
            break
        best = resolution
    return best


def h3_neighbours(cells: Sequence[str]) -> list[list[int]]:
    """For each hexagon, the positions of the hexagons of its first ring that are in ``cells``."""
    position = {cell: i for i, cell in enumerate(cells)}
    return [
        [position[ring] for ring in h3.grid_disk(cell, 1) if ring != cell and ring in position] for cell in cells
    ]


def lsoa_neighbours(db: sqlite_utils.Database, codes: Sequence[str]) -> list[list[int]]:
    """For each LSOA, the positions of the LSOAs sharing a border or corner (Queen contiguity of held boundaries).

    An LSOA without a held boundary has no neighbours (an island).
    """
    held_geometries = geometries(db, codes)
    held = [code for code in codes if code in held_geometries]
    if len(held) < 2:
        return [[] for _ in codes]
    frame = geopandas.GeoDataFrame(index=pd.Index(held), geometry=[held_geometries[c] for c in held],
                                   crs="EPSG:4326")
    weights = Queen.from_dataframe(frame, use_index=True, silence_warnings=True)
    position = {code: i for i, code in enumerate(codes)}
    return [sorted(position[n] for n in weights.neighbors.get(code, [])) for code in codes]


def check_resolution(resolution: int) -> None:
    """Refuse an H3 resolution outside ``RESOLUTIONS``."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"H3 resolution must be {RESOLUTIONS.start} to {RESOLUTIONS.stop - 1}, not {resolution}")


# --- Outlines -------------------------------------------------------------------------------------------------


def cell_polygons(result: HotspotResult, db: sqlite_utils.Database) -> geopandas.GeoDataFrame:
    """The result's cells with their outlines (H3 hexagons, or held LSOA boundaries; None where not held)."""
    cells = result.cells
    geometry: list[BaseGeometry | None]
    if result.unit == "h3":
        geometry = [
            shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(cell)]) for cell in cells["cell"]
        ]
    else:
        held = geometries(db, list(cells["cell"]))
        geometry = [held.get(code) for code in cells["cell"]]
    return geopandas.GeoDataFrame(cells.copy(), geometry=geometry, crs="EPSG:4326")


def outlines(db: sqlite_utils.Database, area: Area | AreaScope) -> dict[str, geopandas.GeoDataFrame]:
    """Boundary outlines held for the area: {"csp": its CSPs (a district's own outline), "lsoa": its LSOAs}.

    A CSP without its own boundary is drawn as the union of its LSOAs' boundaries where those are held. Each
    frame has ``code``, ``name`` and ``geometry`` (WGS84); either may be empty.
    """
    scope = as_scope(db, area)
    kind = scope.area.kind
    tops = [scope] if kind in ("csp", "district") else []
    if kind in ("county", "force"):
        tops = [area_scope(db, Area(code, code, "csp")) for code in scope.csp_codes]
    own = geometries(db, [top.area.code for top in tops])
    top_rows = []
    for top in tops:
        geometry = own.get(top.area.code)
        if geometry is None:
            parts = geometries(db, list(top.lsoas))
            geometry = shapely.union_all(list(parts.values())) if parts else None
        if geometry is not None:
            top_rows.append((top.area.code, _area_name(db, top.area.code), geometry))
    lsoas = scope.lsoas
    held = geometries(db, list(lsoas))
    lsoa_rows = [(code, lsoas[code], held[code]) for code in lsoas if code in held]
    return {"csp": _frame(top_rows), "lsoa": _frame(lsoa_rows)}


def _area_name(db: sqlite_utils.Database, code: str) -> str:
    row = db.execute("SELECT name FROM areas WHERE code = ?", [code]).fetchone()
    return row[0] if row else code


def _frame(rows: list[tuple[str, str, BaseGeometry]]) -> geopandas.GeoDataFrame:
    return geopandas.GeoDataFrame(
        {"code": [r[0] for r in rows], "name": [r[1] for r in rows]},
        geometry=[r[2] for r in rows],
        crs="EPSG:4326",
    )
