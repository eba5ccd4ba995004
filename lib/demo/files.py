"""The demo county's input files, as a partnership would receive them: an ONS-style lookup, boundaries, mid-year
population, partner indicators and the monthly police.uk street CSVs. The same seed gives the same bytes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from lib.demo.design import (
    COUNTY_CODE,
    COUNTY_NAME,
    DISTRICTS,
    FORCE_CODE,
    FORCE_FILE_SLUG,
    FORCE_NAME,
    demo_months,
    stream,
    to_lon_lat,
)
from lib.demo.geography import County, plan_county
from lib.demo.incidents import month_file, snap_points, street_rows
from lib.demo.partners import indicator_table, population_with_totals


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
    areas: list[tuple[str, str, str, str | None, shapely.Geometry]] = [(FORCE_CODE, FORCE_NAME, "force", None, whole)]
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
