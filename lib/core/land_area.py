"""The land inside an area's boundary, in hectares: measured once, when the boundary is stored.

Similar areas compares residents per hectare for every CSP and every LSOA in the country (34,753 boundaries);
reprojecting them all on each visit took most of a second, so the importer stores each boundary's area beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

SQUARE_METRES_PER_HECTARE = 10_000


def boundary_hectares(geojson: Sequence[str]) -> list[float]:
    """Area inside each GeoJSON geometry (WGS84), measured on the British National Grid (EPSG:27700), in hectares.

    The National Grid is the Ordnance Survey's own projection for Great Britain: areas on it are within a
    fraction of a per cent of the true ones anywhere in England and Wales.
    """
    if not geojson:
        return []
    import geopandas as gpd  # heavy: only when boundaries are stored
    import shapely

    metres = gpd.GeoSeries(shapely.from_geojson(list(geojson)), crs="EPSG:4326").to_crs("EPSG:27700").area
    return [float(area) / SQUARE_METRES_PER_HECTARE for area in metres]
