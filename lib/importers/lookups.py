"""Import area lookups (CSV): which LSOA lies in which district, CSP, county and police force area.

Accepted layouts (column names case-insensitive; see docs/formats.md):

* ONS chains: any of ``LSOAyyCD/NM``, ``LADyyCD/NM``, ``CSPyyCD/NM``, ``CTYyyCD/NM``, ``PFAyyCD/NM``
  (e.g. the LAD17 -> CSP17 -> PFA17 lookup, or the LSOA11 -> LAD17 -> CSP17 -> PFA17 one). Each level's
  parent is the next level up in the row.
* ONS ``LTLAyyCD/NM, UTLAyyCD/NM``: two-tier counties. Only an upper tier whose code differs from the
  district's becomes a county; the CSPs of its districts (already held) move under it, and it takes their
  force.
* Simple: ``district_code,district_name,csp_code,csp_name[,county_code,county_name][,force_code,force_name]``,
  optionally with ``lsoa_code,lsoa_name`` in front.

A lookup is the authority on names and the hierarchy, so it overwrites what boundary or police.uk files
suggested, and replaces the provisional districts, CSPs and forces those created.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd
import sqlite_utils

from lib.core import areas as area_model
from lib.core.areas import Area, upsert_areas
from lib.core.import_kinds import LOOKUP
from lib.importers.area_files import (
    LAD11_TO_LAD17,
    LEVELS,
    ONS_PREFIX_KINDS,
    adopt_provisional_forces,
    clean_district_name,
    held_areas,
    kind_from_code,
    read_table,
    record_rejections,
    refresh_derived_bboxes,
)
from lib.importers.base import ImportFileError, ImportSummary, import_transaction, readable_name

_ONS_COLUMN = re.compile(r"^(lsoa|lad|ltla|csp|cty|utla|pfa)(\d{2})(cd|nm)$")
_SIMPLE_COLUMN = re.compile(r"^(lsoa|district|csp|county|force)_(code|name)$")


def import_lookup(db: sqlite_utils.Database, path: str | Path) -> ImportSummary:
    """Import an area lookup CSV: create/update areas and their parents, then adopt provisional areas."""
    path = Path(path)
    frame = read_table(path)
    file = readable_name(path)
    levels = _levels(file, list(frame.columns))
    with import_transaction(db, LOOKUP, path) as summary:
        summary.rows_read = len(frame)
        if "csp" not in levels and {"district", "county"} <= levels.keys():
            _apply_counties(db, file, frame, levels, summary)
        else:
            _apply_chain(db, file, frame, levels, summary)
        adopt_provisional_forces(db)
        area_model.adopt_provisional_areas(db)
        refresh_derived_bboxes(db)
    return summary


def _levels(file: str, columns: list[str]) -> dict[str, tuple[str, str, int | None]]:
    """Map each level the file gives to its (code column, name column, vintage), checking both are there."""
    found: dict[str, dict[str, tuple[str, int | None]]] = {}
    for column in columns:
        ons, simple = _ONS_COLUMN.match(column), _SIMPLE_COLUMN.match(column)
        if ons:
            level, part, year = ONS_PREFIX_KINDS[ons.group(1)], ons.group(3), int(ons.group(2))
        elif simple:
            level, part, year = simple.group(1), "cd" if simple.group(2) == "code" else "nm", None
        else:
            continue
        slot = found.setdefault(level, {})
        # Where a file carries two vintages (lad11cd and lad17cd), the newer one is the one to use.
        if part not in slot or (year or 0) > (slot[part][1] or 0):
            slot[part] = (column, year)
    levels: dict[str, tuple[str, str, int | None]] = {}
    for level in LEVELS:
        slot = found.get(level, {})
        if not slot:
            continue
        if "cd" not in slot or "nm" not in slot:
            have = slot["cd" if "cd" in slot else "nm"][0]
            missing = (
                have[:-2] + ("nm" if "cd" in slot else "cd")
                if have[-2:] in ("cd", "nm")
                else (have.rsplit("_", 1)[0] + ("_name" if "cd" in slot else "_code"))
            )
            raise ImportFileError(
                file, f"missing required column (the file has {have})", row=1, column=missing
            )
        levels[level] = (slot["cd"][0], slot["nm"][0], slot["cd"][1])
    if len(levels) < 2:
        raise ImportFileError(
            file,
            "not a lookup: expected code and name columns for at least two levels, e.g. LAD17CD, LAD17NM, "
            "CSP17CD, CSP17NM (or district_code, district_name, csp_code, csp_name)",
            row=1,
        )
    return levels


def _value(file: str, frame: pd.DataFrame, line: int, column: str) -> str:
    value = frame.at[line, column]
    if not value:
        raise ImportFileError(file, "empty value", row=line, column=column)
    return " ".join(value.split())


def _apply_chain(
    db: sqlite_utils.Database,
    file: str,
    frame: pd.DataFrame,
    levels: dict[str, tuple[str, str, int | None]],
    summary: ImportSummary,
) -> None:
    """Write every level of every row, each area's parent being the next level up in its row."""
    held = held_areas(db)
    wanted: dict[str, tuple[Area, int]] = {}
    row_codes: list[list[str]] = []
    codes = {level: frame[cols[0]].tolist() for level, cols in levels.items()}
    names = {level: frame[cols[1]].tolist() for level, cols in levels.items()}
    for position, line in enumerate(frame.index):
        chain: list[tuple[str, str, str, str]] = []  # (code, name, kind, code column), lowest level first
        district = None
        for level, (code_column, name_column, vintage) in levels.items():
            code = " ".join(codes[level][position].split())
            if level == "county" and (not code or code == district):
                continue  # no county, or a unitary authority that is its own upper tier
            if not code:
                raise ImportFileError(file, "empty value", row=line, column=code_column)
            name = " ".join(names[level][position].split())
            if not name:
                raise ImportFileError(file, "empty value", row=line, column=name_column)
            if level == "district":
                if vintage is not None and vintage < 17:
                    code = LAD11_TO_LAD17.get(code, code)
                name, district = clean_district_name(name), code
            expected = kind_from_code(code)
            if expected is not None and expected != level:
                raise ImportFileError(
                    file, f"{code} is a {expected} code, not a {level}", row=line, column=code_column
                )
            known = held.get(code)
            if known is not None and known.kind != level:
                raise ImportFileError(
                    file, f"{code} is held as a {known.kind}, not a {level}", row=line, column=code_column
                )
            chain.append((code, name, level, code_column))
        for index, (code, name, kind, column) in enumerate(chain):
            area = Area(code, name, kind, chain[index + 1][0] if index + 1 < len(chain) else None)
            seen = wanted.setdefault(code, (area, line))
            if seen[0] != area:
                what, now, before = (
                    ("name", area.name, seen[0].name)
                    if area.name != seen[0].name
                    else ("parent", area.parent_code, seen[0].parent_code)
                )
                raise ImportFileError(
                    file,
                    f"{code} has {what} {now!r} here but {before!r} on line {seen[1]}",
                    row=line,
                    column=column,
                )
        row_codes.append([c[0] for c in chain])
    final = {code: _keep_county(area, held, wanted) for code, (area, _) in wanted.items()}
    # A held county with no force yet takes the force of the CSPs that stay in it.
    for area in list(final.values()):
        county = held.get(area.parent_code or "")
        force = wanted[area.code][0].parent_code
        if (
            area.kind == "csp"
            and county is not None
            and county.kind == "county"
            and county.parent_code is None
        ):
            if force in wanted and wanted[force][0].kind == "force":
                final[county.code] = Area(county.code, county.name, "county", force)
    changed = {code for code, area in final.items() if held.get(code) != area}
    upsert_areas(db, [final[code] for code in sorted(changed)])
    for row in row_codes:
        if any(code in changed for code in row):
            summary.rows_accepted += 1
        else:
            summary.rows_duplicate += 1


def _keep_county(area: Area, held: dict[str, Area], wanted: dict[str, tuple[Area, int]]) -> Area:
    """Keep a CSP under the county an LTLA -> UTLA lookup put it in when this file only names its force."""
    if area.kind != "csp" or area.parent_code is None or area.code not in held:
        return area
    current = held.get(held[area.code].parent_code or "")
    if current is not None and current.kind == "county" and wanted[area.parent_code][0].kind == "force":
        return Area(area.code, area.name, area.kind, current.code)
    return area


def _unheld_district_reason(held: dict[str, Area]) -> str:
    """Why a district of a county lookup is not held: no district lookup yet, or a district newer than the one held
    (the 2021 county lookup names councils formed since 2017, such as East Suffolk, that a 2017 lookup has not)."""
    if any(area.kind == "district" and not area.provisional for area in held.values()):
        return "district not in the district lookup held (newer than it: a council formed since)"
    return "district not held (import a LAD-to-CSP lookup first)"


def _apply_counties(
    db: sqlite_utils.Database,
    file: str,
    frame: pd.DataFrame,
    levels: dict[str, tuple[str, str, int | None]],
    summary: ImportSummary,
) -> None:
    """Two-tier counties from an LTLA -> UTLA lookup: put the CSPs of each county's districts under it."""
    held = held_areas(db)
    district_code, _, vintage = levels["district"]
    county_code, county_name, _ = levels["county"]
    county_of_csp: dict[str, tuple[str, int]] = {}
    counties: dict[str, str] = {}
    rejected: list[tuple[int, str, str | None]] = []
    rows: list[tuple[int, str | None]] = []  # (line, csp it places, or None for a unitary authority)
    for line in frame.index:
        district = _value(file, frame, line, district_code)
        if vintage is not None and vintage < 17:
            district = LAD11_TO_LAD17.get(district, district)
        county = _value(file, frame, line, county_code)
        if county == district:
            rows.append((line, None))
            continue
        expected = kind_from_code(county)
        if expected is not None and expected != "county":
            raise ImportFileError(
                file, f"{county} is a {expected} code, not a county", row=line, column=county_code
            )
        name = _value(file, frame, line, county_name)
        if counties.setdefault(county, name) != name:
            raise ImportFileError(
                file, f"{county} has another name on an earlier line", row=line, column=county_name
            )
        known = held.get(district)
        if known is None or known.kind != "district":
            rejected.append((line, _unheld_district_reason(held), district_code))
            continue
        csp = held.get(known.parent_code or "")
        if csp is None or csp.kind != "csp":
            rejected.append((line, "district has no CSP", district_code))
            continue
        other = county_of_csp.setdefault(csp.code, (county, line))
        if other[0] != county:
            raise ImportFileError(
                file,
                f"CSP {csp.code} would sit in both {other[0]} (line {other[1]}) and {county}",
                row=line,
                column=county_code,
            )
        rows.append((line, csp.code))
    record_rejections(db, summary, rejected)
    # Each county takes the force its CSPs are in now (directly, or through this county already).
    forces: dict[str, Counter[str]] = {}
    for csp_code, (county, _line) in county_of_csp.items():
        parent = held.get(held[csp_code].parent_code or "")
        force = (
            parent.parent_code
            if parent is not None and parent.kind == "county"
            else (parent.code if parent is not None and parent.kind == "force" else None)
        )
        if force:
            forces.setdefault(county, Counter())[force] += 1
    writes: list[Area] = []
    changed: set[str] = set()
    for county, name in counties.items():
        if county not in {c for c, _ in county_of_csp.values()}:
            continue  # none of its districts is held: nothing to hang under it
        force = forces[county].most_common(1)[0][0] if county in forces else None
        area = Area(county, name, "county", force or (held[county].parent_code if county in held else None))
        known = held.get(county)
        if known is not None and known.kind != "county":
            raise ImportFileError(file, f"{county} is held as a {known.kind}", column=county_code)
        if known != area:
            writes.append(area)
            changed.add(county)
    for csp_code, (county, _line) in county_of_csp.items():
        if held[csp_code].parent_code != county:
            held_csp = held[csp_code]
            writes.append(Area(csp_code, held_csp.name, "csp", county, held_csp.provisional))
            changed.add(csp_code)
    upsert_areas(db, writes)
    for _line, placed in rows:
        if placed is not None and (placed in changed or county_of_csp[placed][0] in changed):
            summary.rows_accepted += 1
        else:
            summary.rows_duplicate += 1
