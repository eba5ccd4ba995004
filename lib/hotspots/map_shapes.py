"""The shapes the hotspot maps draw, in WGS84: H3 hexagons, LSOA polygons, the CSP and LSOA outlines, and the
outline of the cells predicted to be hot. Shared by the page's map (``lib.hotspots.maps``) and the PNG
(``lib.hotspots.map_png``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import geopandas as gpd
import h3
import pandas as pd
import shapely

BRITISH_NATIONAL_GRID = "EPSG:27700"  # metres
DECIMALS = 5  # about 1 m: finer than the boundaries themselves, and keeps the JSON small


def h3_polygons(cells: Iterable[str]) -> gpd.GeoDataFrame:
    """The hexagon of each H3 cell as a WGS84 polygon, with the cell in a ``cell`` column."""
    cells = list(cells)
    # h3 gives (lat, lng) pairs; shapely wants (x, y) = (lng, lat).
    rings = [[(lng, lat) for lat, lng in h3.cell_to_boundary(cell)] for cell in cells]
    return gpd.GeoDataFrame({"cell": cells}, geometry=shapely.polygons(rings) if rings else [], crs="EPSG:4326")


def _outline(outlines: dict[str, gpd.GeoDataFrame] | None, key: str) -> gpd.GeoDataFrame:
    """One outline layer in WGS84, or an empty frame when it is missing."""
    frame = (outlines or {}).get(key)
    if frame is None or len(frame) == 0 or not isinstance(frame, gpd.GeoDataFrame):
        return gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:4326")
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    return frame.set_crs("EPSG:4326") if frame.crs is None else frame.to_crs("EPSG:4326")


def _lsoa_shapes(shown: pd.DataFrame, polygons: gpd.GeoDataFrame | None) -> gpd.GeoSeries:
    """The polygon of each shown LSOA (keyed by a ``cell`` column, or the index), in shown order, WGS84.

    An LSOA with no polygon cannot be drawn and is left out; the index keeps the row of ``shown`` it belongs to.
    """
    if polygons is None or len(polygons) == 0:
        return gpd.GeoSeries([], crs="EPSG:4326")
    polygons = polygons.set_crs("EPSG:4326") if polygons.crs is None else polygons.to_crs("EPSG:4326")
    keys = polygons["cell"] if "cell" in polygons.columns else pd.Series(polygons.index, index=polygons.index)
    by_cell = pd.Series(polygons.geometry.values, index=keys.astype(str).values)
    by_cell = by_cell[~by_cell.index.duplicated()]
    geometry = shown["cell"].astype(str).map(by_cell)
    geometry = geometry[geometry.notna()]
    return gpd.GeoSeries(geometry, crs="EPSG:4326")


def _predicted_area(predicted: Sequence[str], unit: str, polygons: gpd.GeoDataFrame | None) -> shapely.Geometry:
    """The predicted cells as one (multi)polygon, so neighbouring cells share one outline."""
    cells = list(dict.fromkeys(str(cell) for cell in predicted))
    if unit == "h3":
        valid = [cell for cell in cells if h3.is_valid_cell(cell)]
        if not valid:
            return shapely.GeometryCollection()
        # H3 traces the outline of a set of cells itself: for a county's 11,000 cells, a twentieth of the time
        # of unioning their hexagons, and the same shape.
        return shapely.geometry.shape(h3.cells_to_h3shape(valid).__geo_interface__)
    shapes = _lsoa_shapes(pd.DataFrame({"cell": cells}), polygons)
    # Edges can differ in the last digits between neighbours: a small snap closes the seams.
    return shapely.union_all(shapely.set_precision(shapes.values, 10**-(DECIMALS + 2)))


def area_labels(csp: gpd.GeoDataFrame) -> list[tuple[str, float, float]]:
    """Each partnership's name and a point inside its outline (WGS84 x, y) to print it at, biggest area first.

    The point is the centre of the largest inscribed circle of the outline's largest part (not the centroid, which
    for a coastal or crescent-shaped district can fall outside it, nor a representative point, which can hug an
    edge), so the name sits in the middle of the land it names.
    """
    if csp.empty or "name" not in csp.columns:
        return []
    labels = []
    projected = csp.to_crs(BRITISH_NATIONAL_GRID)
    for name, shape in zip(csp["name"], projected.geometry, strict=True):
        if shape is None or shape.is_empty or not str(name or "").strip():
            continue
        part = max(shapely.get_parts(shape), key=lambda piece: piece.area)
        point = shapely.maximum_inscribed_circle(part, tolerance=max(part.length / 2000, 1.0)).coords[0]
        x, y = _to_wgs84(point)
        labels.append((part.area, str(name), x, y))
    return [(name, x, y) for _, name, x, y in sorted(labels, key=lambda label: -label[0])]


def _to_wgs84(point: Sequence[float]) -> tuple[float, float]:
    lonlat = gpd.GeoSeries([shapely.Point(point)], crs=BRITISH_NATIONAL_GRID).to_crs("EPSG:4326").iloc[0]
    return float(lonlat.x), float(lonlat.y)
