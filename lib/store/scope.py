"""An area as the store reads it: the count table, the SQL that selects its rows, its CSPs, LSOAs and outline.

An ``AreaScope`` is worked out once per request from an ``Area`` (``area_scope``) and handed to everything that
reads the area, so the same hierarchy is not walked again by each reader. A CSP, county or force area is read from
the CSP totals (``csp_monthly_counts``, about fifty times smaller); an LSOA or district from ``monthly_counts``.
Map points (``points``) carry the same LSOA, district and CSP columns, so one rule selects both.

The LSOAs and the outline are read only when first asked for, then kept with the scope.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import sqlite_utils

from lib.core.areas import Area, csp_codes_within
from lib.core.sql import placeholders

if TYPE_CHECKING:  # shapely is imported when an outline is asked for: the command line's counts need no geodata
    from shapely.geometry.base import BaseGeometry

LSOA_COUNTS = "monthly_counts"
CSP_COUNTS = "csp_monthly_counts"
# The column of the count tables (and of points) that names an area of each kind directly.
_COLUMN_FOR_KIND = {"lsoa": "lsoa_code", "district": "district_code", "csp": "csp_code"}
# Boundaries are read in chunks that keep well under SQLite's limit on bound parameters.
_CHUNK = 900


@dataclass(frozen=True)
class AreaScope:
    """One area resolved for reading: which count table, which rows, which CSPs.

    ``where`` selects the area's rows of ``table`` (and of ``monthly_counts``: it names only ``csp_code`` above a
    district); ``points_where`` the same rows of ``points p``; both take ``params``. ``csp_codes`` are the CSPs
    the area covers (itself for a CSP, its CSPs for a county or force, none for an LSOA or district, which lie
    inside a CSP). ``lsoas`` and ``polygon`` are read from ``db`` when first asked for.
    """

    area: Area
    table: str
    where: str
    points_where: str
    params: tuple[str, ...]
    csp_codes: tuple[str, ...]
    db: sqlite_utils.Database = field(repr=False, compare=False)

    @cached_property
    def lsoas(self) -> Mapping[str, str]:
        """Every LSOA of the area (code -> name, by code), from the hierarchy and from the map points placed in it."""
        starts = list(self.csp_codes) if self.area.kind in ("county", "force") else [self.area.code]
        if not starts:
            return {}
        rows = self.db.execute(
            "WITH RECURSIVE below(code, kind) AS ("
            f"SELECT code, kind FROM areas WHERE code IN ({placeholders(starts)}) "
            "UNION SELECT a.code, a.kind FROM areas a JOIN below b ON a.parent_code = b.code WHERE b.kind <> 'lsoa') "
            "SELECT a.code, a.name FROM below b JOIN areas a ON a.code = b.code WHERE b.kind = 'lsoa'",
            starts,
        ).fetchall()
        lsoas = dict(rows)
        # Points carry their LSOA even where the hierarchy is incomplete; their counts must have a cell to land in.
        for code, name in self.db.execute(
            "SELECT DISTINCT p.lsoa_code, a.name FROM points p LEFT JOIN areas a ON a.code = p.lsoa_code "
            f"WHERE {self.points_where}",
            self.params,
        ).fetchall():
            lsoas.setdefault(code, name or code)
        return dict(sorted(lsoas.items()))

    @cached_property
    def polygon(self) -> BaseGeometry | None:
        """The area's outline: its own boundary, else the union of its CSPs', else of its LSOAs' (None if none held)."""
        import shapely

        own = geometries(self.db, [self.area.code])
        if own:
            return own[self.area.code]
        if self.area.kind in ("county", "force"):
            held = geometries(self.db, self.csp_codes)
            if self.csp_codes and len(held) == len(self.csp_codes):
                return shapely.union_all(list(held.values()))
        lsoas = geometries(self.db, list(self.lsoas))
        return shapely.union_all(list(lsoas.values())) if lsoas else None


def area_scope(db: sqlite_utils.Database, area: Area) -> AreaScope:
    """Resolve an area once for reading (one query for a county or force, none for any other kind)."""
    column = _COLUMN_FOR_KIND.get(area.kind)
    table = LSOA_COUNTS if area.kind in ("lsoa", "district") else CSP_COUNTS
    if area.kind in ("lsoa", "district"):
        csps: list[str] = []
    else:
        csps = csp_codes_within(db, area)
    if column:
        where, params = f"{column} = ?", [area.code]
    elif csps:
        where, params = f"csp_code IN ({placeholders(csps)})", csps
    else:
        where, params = "0", []
    # The filter names a bare column of the count tables, which points shares; qualified for joins on ``points p``.
    points_where = where if where == "0" else f"p.{where}"
    return AreaScope(area, table, where, points_where, tuple(params), tuple(csps), db)


def as_scope(db: sqlite_utils.Database, area: Area | AreaScope) -> AreaScope:
    """The scope of an area, resolved now, or the one already resolved."""
    return area if isinstance(area, AreaScope) else area_scope(db, area)


def geometries(db: sqlite_utils.Database, codes: Sequence[str]) -> dict[str, BaseGeometry]:
    """The held boundary of each of some areas, as shapely geometries (areas without one are left out)."""
    import shapely

    found: dict[str, BaseGeometry] = {}
    codes = list(codes)
    for offset in range(0, len(codes), _CHUNK):
        chunk = codes[offset : offset + _CHUNK]
        rows = db.execute(
            f"SELECT area_code, geojson FROM boundaries WHERE area_code IN ({placeholders(chunk)})",
            chunk,
        ).fetchall()
        # Parsed in one call in C: a force area has thousands of LSOAs, and parsing each in Python took 0.3 s.
        found.update(zip([code for code, _ in rows], shapely.from_geojson([text for _, text in rows]), strict=True))
    return found
