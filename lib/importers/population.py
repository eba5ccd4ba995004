"""Import resident population (CSV): one figure per area and year, for rates per 1,000 residents.

Accepted layouts (column names case-insensitive; see docs/formats.md):

* Tidy: ``area_code,year,population`` with optional ``area_name``, ``aged_0_17``, ``aged_18_64``,
  ``aged_65_plus``, ``area_hectares``.
* Long ONS: an area code column (``lsoa11_code``, ``lsoa11cd``, ``ltla19_code``, ``lad17cd``, ``csp17cd``...)
  with its name column, and ``total_population`` or ``usual_residents`` (census 2011). The year comes from a
  ``year`` column, else ``usual_residents`` means 2011, else the file name's ``midYYYY``, else ``year=``.
  Age bands come from ``aged_*`` columns, or are summed from single years of age ``0`` ... ``89``, ``90+``.
* Wide: ``pop_census2011``, ``pop_midYYYY`` columns, one per year (the derived CSP and LAD files).

An area the store lacks is added when the file gives its name and its code's ONS prefix says its kind;
otherwise the row is rejected and counted. Held areas are never renamed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import sqlite_utils

from lib.core.areas import Area
from lib.core.import_kinds import POPULATION
from lib.importers.area_files import (
    LAD11_TO_LAD17,
    ONS_PREFIX_KINDS,
    PARENT_KINDS,
    add_areas,
    clean_district_name,
    held_areas,
    kind_from_code,
    read_table,
    record_rejections,
)
from lib.importers.base import ImportFileError, ImportSummary, import_transaction, readable_name

_CODE_COLUMN = re.compile(r"^(lsoa|lad|ltla|csp|cty|utla|pfa)(\d{2})_?(cd|code)$")
_NAME_COLUMN = re.compile(r"^(lsoa|lad|ltla|csp|cty|utla|pfa)(\d{2})_?(nm|name)$")
_LEVEL_ORDER = ("lsoa", "lad", "ltla", "csp", "cty", "utla", "pfa")
_WIDE_COLUMN = re.compile(r"^pop_(census|mid)(\d{4})$")
_YEAR_IN_NAME = re.compile(r"mid[-_ ]?(\d{4})", re.IGNORECASE)
_BANDS = ("aged_0_17", "aged_18_64", "aged_65_plus")
_LARGEST = 2**53
_SINGLE_YEARS = {"aged_0_17": range(0, 18), "aged_18_64": range(18, 65), "aged_65_plus": range(65, 90)}


def import_population(
    db: sqlite_utils.Database, path: str | Path, *, year: int | None = None
) -> ImportSummary:
    """Import a population file (tidy, long ONS or wide); ``year`` is for files that carry none."""
    path = Path(path)
    frame = read_table(path)
    file = readable_name(path)
    records = _records(file, frame, year)
    with import_transaction(db, POPULATION, path) as summary:
        summary.rows_read = len(records)
        accepted = _place_areas(db, records, summary)
        _write(db, file, accepted, summary)
    return summary


def _records(file: str, frame: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """Turn any accepted layout into validated long records, one per area and year, keyed by file line."""
    columns = list(frame.columns)
    code_column, name_column, parent_column, vintage = _area_columns(file, columns)
    wide = [c for c in columns if _WIDE_COLUMN.match(c)]
    out = pd.DataFrame(index=frame.index)
    out["line"] = frame.index
    out["area_code"] = frame[code_column]
    out["area_name"] = frame[name_column] if name_column else ""
    out["parent_code"] = frame[parent_column] if parent_column else ""
    out["level"] = _level_of(code_column)
    _check_text(file, out, "area_code", code_column)
    if wide:
        records = _melt_wide(file, frame, out, wide)
    else:
        value_column = next(
            (c for c in ("population", "total_population", "usual_residents") if c in columns), None
        )
        if value_column is None:
            raise ImportFileError(
                file,
                "missing required column: the population (population, total_population, usual_residents, "
                "or pop_censusYYYY / pop_midYYYY columns)",
                row=1,
                column="population",
            )
        out["year"] = _years(file, frame, columns, value_column, year)
        out["population"] = _whole_numbers(file, frame[value_column], value_column, required=True)
        for band in _BANDS:
            out[band] = _band(file, frame, columns, band)
        if "area_hectares" in columns:
            out["area_hectares"] = _decimals(file, frame["area_hectares"], "area_hectares")
        else:
            out["area_hectares"] = np.nan
        records = out
    if vintage is not None and vintage < 17 and _level_of(code_column) in ("lad", "ltla"):
        records["area_code"] = records["area_code"].replace(LAD11_TO_LAD17)
    parent_match = _CODE_COLUMN.match(parent_column or "")
    if parent_match and parent_match.group(1) in ("lad", "ltla") and int(parent_match.group(2)) < 17:
        records["parent_code"] = records["parent_code"].replace(LAD11_TO_LAD17)
    _check_bands(file, records)
    return records


def _area_columns(file: str, columns: list[str]) -> tuple[str, str | None, str | None, int | None]:
    """Return (code column, name column, parent code column, code vintage) for the file's lowest level."""
    if "area_code" in columns:
        return "area_code", "area_name" if "area_name" in columns else None, None, None
    codes: dict[str, tuple[str, int]] = {}
    names: dict[str, str] = {}
    for column in columns:
        match = _CODE_COLUMN.match(column)
        if match:
            codes.setdefault(match.group(1), (column, int(match.group(2))))
        match = _NAME_COLUMN.match(column)
        if match:
            names.setdefault(match.group(1), column)
    for prefix, name in names.items():
        if prefix not in codes:
            missing = re.sub(r"(nm|name)$", lambda m: "cd" if m.group(1) == "nm" else "code", name)
            raise ImportFileError(
                file, f"missing required column (the file has {name})", row=1, column=missing
            )
    present = [p for p in _LEVEL_ORDER if p in codes]
    if not present:
        raise ImportFileError(
            file,
            "missing required column: the area code (area_code, or an ONS column such as lsoa11_code, "
            "lad17cd, csp17cd)",
            row=1,
            column="area_code",
        )
    own = present[0]
    # The parent is the next level up the file names (a CSP file's pfa17cd, an LSOA file's lad11cd).
    parent = next((codes[p][0] for p in present[1:] if ONS_PREFIX_KINDS[p] != ONS_PREFIX_KINDS[own]), None)
    return codes[own][0], names.get(own), parent, codes[own][1]


def _level_of(code_column: str) -> str:
    match = _CODE_COLUMN.match(code_column)
    return match.group(1) if match else "any"


def _check_text(file: str, frame: pd.DataFrame, column: str, shown: str) -> None:
    blank = frame[column] == ""
    if blank.any():
        raise ImportFileError(file, "empty value", row=int(frame.index[blank.argmax()]), column=shown)


def _first_bad(file: str, bad: pd.Series, values: pd.Series, column: str, what: str) -> None:
    if bad.any():
        line = int(bad.index[bad.argmax()])
        raise ImportFileError(file, f"{values.at[line]!r} is not {what}", row=line, column=column)


def _whole_numbers(file: str, values: pd.Series, column: str, required: bool) -> pd.Series:
    """Parse non-negative whole numbers ("103745", "103,745", "103745.0"); blanks allowed if not required."""
    text = values
    if values.str.contains(",", regex=False).any():  # only pay for the regex when separators occur
        text = values.str.replace(r"^(\d{1,3}(,\d{3})+)$", lambda m: m.group(1).replace(",", ""), regex=True)
    numbers = pd.to_numeric(text.where(text != ""), errors="coerce").astype("float64")
    blank = values == ""
    # A blank is NaN here, and NaN != floor(NaN): only the numbers given are checked for being whole.
    given = numbers.notna()
    bad = (~given & ~blank) | (given & ((numbers < 0) | (numbers != np.floor(numbers)) | np.isinf(numbers)))
    if required:
        bad |= blank
    _first_bad(file, bad, values, column, "a whole number of people")
    # Beyond 2**53 a float no longer holds every whole number exactly (and beyond 2**63 SQLite cannot store it).
    _first_bad(file, numbers > _LARGEST, values, column, "a whole number of people (it is far too large)")
    return numbers.astype("Int64")


def _decimals(file: str, values: pd.Series, column: str) -> pd.Series:
    numbers = pd.to_numeric(values.where(values != ""), errors="coerce")
    bad = (numbers.isna() & (values != "")) | (numbers < 0) | np.isinf(numbers)
    _first_bad(file, bad, values, column, "a non-negative number")
    return numbers.astype("float64")


def _years(
    file: str, frame: pd.DataFrame, columns: list[str], value_column: str, year: int | None
) -> pd.Series:
    """The year of each row: a year column, else census 2011, else the file name, else the argument."""
    if "year" in columns:
        values = frame["year"]
        numbers = pd.to_numeric(values.where(values.str.fullmatch(r"\d{4}")), errors="coerce")
        bad = numbers.isna() | (numbers < 1800) | (numbers > 2200)
        _first_bad(file, bad, values, "year", "a four-digit year")
        return numbers.astype("int64")
    found = year
    if found is None and value_column == "usual_residents":
        found = 2011
    if found is None:
        match = _YEAR_IN_NAME.search(file)
        found = int(match.group(1)) if match else None
    if found is None:
        raise ImportFileError(
            file,
            "missing required column: no year column, and no 'midYYYY' in the file name (or pass year=)",
            row=1,
            column="year",
        )
    return pd.Series(found, index=frame.index, dtype="int64")


def _band(file: str, frame: pd.DataFrame, columns: list[str], band: str) -> pd.Series:
    """An age band from its own column, or summed from single-year-of-age columns where the file has them."""
    if band in columns:
        return _whole_numbers(file, frame[band], band, required=False)
    ages = [str(a) for a in _SINGLE_YEARS[band]] + (["90+"] if band == "aged_65_plus" else [])
    if all(a in columns for a in ages):
        parts = [_whole_numbers(file, frame[a], a, required=True) for a in ages]
        return sum(parts[1:], parts[0]).astype("Int64")
    return pd.Series(pd.NA, index=frame.index, dtype="Int64")


def _melt_wide(file: str, frame: pd.DataFrame, out: pd.DataFrame, wide: list[str]) -> pd.DataFrame:
    """One record per area and ``pop_*YYYY`` column; a blank cell is a year the file has no figure for."""
    parts = []
    for column in wide:
        values = _whole_numbers(file, frame[column], column, required=False)
        part = out.copy()
        part["year"] = int(column[-4:])  # the YYYY that ends every _WIDE_COLUMN name
        part["population"] = values
        parts.append(part[values.notna()])
    records = pd.concat(parts)
    for band in _BANDS:
        records[band] = pd.Series(pd.NA, index=records.index, dtype="Int64")
    records["area_hectares"] = np.nan
    return records.reset_index(drop=True)


def _check_bands(file: str, records: pd.DataFrame) -> None:
    """Where all three age bands are given they must add up to the total (catches misplaced columns)."""
    given = records[list(_BANDS)].notna().all(axis=1)
    total = records[list(_BANDS)].sum(axis=1, min_count=3)
    bad = given & (total != records["population"])
    if bad.any():
        first = records[bad].iloc[0]
        raise ImportFileError(
            file,
            f"the age bands add up to {int(total[bad].iloc[0])}, "
            f"not the population {int(first['population'])}",
            row=int(first["line"]),
            column="aged_65_plus",
        )


def _place_areas(db: sqlite_utils.Database, records: pd.DataFrame, summary: ImportSummary) -> pd.DataFrame:
    """Add the areas the store lacks where the file says enough about them; reject the rest's rows."""
    held = held_areas(db, set(records["area_code"]) | set(records["parent_code"]))
    is_held = records["area_code"].isin(held.keys())
    new = records[~is_held].drop_duplicates("area_code")
    kinds = [kind_from_code(code) for code in new["area_code"]]  # (Series.map would turn None into NaN)
    reasons: dict[str, str] = {}
    areas: list[Area] = []
    for (code, name, parent, level), kind in zip(
        new[["area_code", "area_name", "parent_code", "level"]].itertuples(index=False), kinds, strict=True
    ):
        if not name:
            reasons[code] = "area not held and the file gives no name"
        elif kind is None:
            reasons[code] = "area not held and its code is not a known ONS area code"
        elif level in ONS_PREFIX_KINDS and ONS_PREFIX_KINDS[level] != kind:
            reasons[code] = f"code is a {kind} code in a {ONS_PREFIX_KINDS[level]} column"
        else:
            if kind == "district":
                name = clean_district_name(name)
            held_parent = held.get(parent) if parent else None
            # Only link to a parent the store holds and that can contain this kind: population files are no
            # authority on the hierarchy, and a dangling parent would confuse the police.uk importer.
            if held_parent is not None and held_parent.kind not in PARENT_KINDS[kind]:
                held_parent = None
            areas.append(Area(code, name, kind, None if held_parent is None else held_parent.code))
    add_areas(db, areas)
    rejected = records["area_code"].isin(reasons.keys())
    bad = records[rejected]
    record_rejections(
        db,
        summary,
        [
            (line, reasons[code], "area_code")
            for line, code in zip(bad["line"], bad["area_code"], strict=True)
        ],
    )
    return records[~rejected]


def _write(db: sqlite_utils.Database, file: str, records: pd.DataFrame, summary: ImportSummary) -> None:
    """Upsert the records; identical ones already held count as duplicates, conflicting repeats are errors."""
    key = ["area_code", "year"]
    repeated = records.duplicated(key, keep=False)
    if repeated.any():
        group = records[repeated]
        compare = ["population", *_BANDS, "area_hectares"]
        distinct = group.drop_duplicates([*key, *compare])
        clash = distinct.duplicated(key, keep="first")
        if clash.any():
            row = distinct[clash].iloc[0]
            raise ImportFileError(
                file,
                f"{row['area_code']} {row['year']} appears again with a different population",
                row=int(row["line"]),
                column="population",
            )
    unique = records.drop_duplicates(key, keep="first")
    summary.rows_duplicate += len(records) - len(unique)
    held = pd.read_sql_query(
        "SELECT area_code, year, population AS held_population, aged_0_17 AS held_0, aged_18_64 AS held_1, "
        "aged_65_plus AS held_2, area_hectares AS held_ha FROM population "
        "WHERE area_code IN (SELECT value FROM json_each(?))",
        db.conn,
        params=[json.dumps(sorted(set(unique["area_code"])))],
    )
    merged = unique.merge(held, on=key, how="left")
    same = merged["held_population"].notna() & (merged["population"] == merged["held_population"]).fillna(
        False
    )
    for band, held_column in zip(
        [*_BANDS, "area_hectares"], ["held_0", "held_1", "held_2", "held_ha"], strict=True
    ):
        # A blank in the file keeps what is held, so it cannot make a row differ.
        same &= merged[band].isna() | (merged[band] == merged[held_column]).fillna(False)
    summary.rows_duplicate += int(same.sum())
    changed = merged[~same]
    summary.rows_accepted += len(changed)

    columns = ["area_code", "year", "population", *_BANDS, "area_hectares"]
    # Plain Python values (None for blanks): sqlite3 cannot bind numpy scalars or pd.NA.
    values = [changed[c].to_numpy(dtype=object, na_value=None).tolist() for c in columns]
    rows = [(*row, file) for row in zip(*values, strict=True)]
    db.conn.executemany(
        "INSERT INTO population (area_code, year, population, aged_0_17, aged_18_64, aged_65_plus, "
        "area_hectares, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(area_code, year) DO UPDATE SET population = excluded.population, "
        "aged_0_17 = COALESCE(excluded.aged_0_17, aged_0_17), "
        "aged_18_64 = COALESCE(excluded.aged_18_64, aged_18_64), "
        "aged_65_plus = COALESCE(excluded.aged_65_plus, aged_65_plus), "
        "area_hectares = COALESCE(excluded.area_hectares, area_hectares), source = excluded.source",
        rows,
    )
