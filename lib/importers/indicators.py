"""Import partner indicators (CSV): the indicator catalogue and one value per indicator, area and period.

Partners (police domestic abuse extracts, road safety, youth justice, fire and rescue) send spreadsheets; this
reads them in the tidy layout of docs/formats.md ("Partner indicators"), one row per value:

``indicator_key,indicator_name,theme,unit,polarity,source,definition,restricted,area_code,area_name,period,
value,numerator,denominator``

Required columns: indicator_key, indicator_name, area_code, period, value. Any bad value refuses the whole
file, naming its line (header = line 1) and column, and leaves the store unchanged.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Literal, NamedTuple, overload

import pandas as pd
import sqlite_utils

from lib.core.areas import Area
from lib.core.import_kinds import INDICATORS
from lib.importers.area_files import add_areas, clean_district_name, held_areas, kind_from_code, read_table
from lib.importers.base import ImportFileError, ImportSummary, import_transaction, readable_name
from lib.store.db import POLARITIES

REQUIRED_COLUMNS = ("indicator_key", "indicator_name", "area_code", "period", "value")
CATALOGUE_COLUMNS = ("indicator_name", "theme", "unit", "polarity", "source", "definition", "restricted")
ALL_COLUMNS = (
    "indicator_key",
    *CATALOGUE_COLUMNS,
    "area_code",
    "area_name",
    "period",
    "value",
    "numerator",
    "denominator",
)
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_FINANCIAL_YEAR = re.compile(r"^(\d{4})/(\d{2})$")
_MAX_UNIT = 60


class _Observation(NamedTuple):
    line: int
    key: str
    area_code: str
    area_name: str
    period: str
    value: float
    numerator: float | None
    denominator: float | None


class _Entry(NamedTuple):
    """The catalogue columns one indicator's rows give (value, line), and the line it first appears on."""

    fields: dict[str, tuple[str, int]]
    first_line: int


def period_kind(period: str) -> str:
    """Return 'month' for 'YYYY-MM' or 'financial_year' for 'YYYY/YY' (YY = YYYY+1), else raise ValueError."""
    month = _MONTH.match(period)
    if month:
        if not 1 <= int(month.group(2)) <= 12:
            raise ValueError(f"{period!r} has no month {month.group(2)}")
        return "month"
    year = _FINANCIAL_YEAR.match(period)
    if year:
        start, end = int(year.group(1)), int(year.group(2))
        if end != (start + 1) % 100:
            raise ValueError(
                f"{period!r} is not a financial year: after {start} it should end "
                f"'{(start + 1) % 100:02d}' ({start}/{(start + 1) % 100:02d})"
            )
        return "financial_year"
    raise ValueError(f"{period!r} is not a period: use YYYY-MM for a month or YYYY/YY for a financial year")


def import_indicators(db: sqlite_utils.Database, path: str | Path) -> ImportSummary:
    """Import a partner indicator CSV: upsert the indicator catalogue and its observations."""
    path = Path(path)
    file = readable_name(path)
    frame = read_table(path)
    _check_columns(file, list(frame.columns))
    for column in ALL_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    catalogue, observations = _parse(file, frame)
    with import_transaction(db, INDICATORS, path) as summary:
        summary.rows_read = len(frame)
        _place_areas(db, file, observations)
        _write_catalogue(db, file, catalogue)
        _write_observations(db, observations, summary)
    return summary


def _check_columns(file: str, columns: list[str]) -> None:
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            raise ImportFileError(file, "missing required column", row=1, column=column)
    for column in columns:
        if column not in ALL_COLUMNS:
            # Refused rather than ignored, so a misspelt 'polarty' does not silently become 'neutral'.
            raise ImportFileError(
                file, f"unknown column (the format has: {', '.join(ALL_COLUMNS)})", row=1, column=column
            )


@overload
def _number(file: str, line: int, column: str, text: str, required: Literal[True]) -> float: ...
@overload
def _number(file: str, line: int, column: str, text: str, required: bool) -> float | None: ...
def _number(file: str, line: int, column: str, text: str, required: bool) -> float | None:
    if text == "":
        if required:
            raise ImportFileError(file, "empty value", row=line, column=column)
        return None
    try:
        value = (
            float(text.replace(",", "")) if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text) else float(text)
        )
    except ValueError:
        raise ImportFileError(file, f"{text!r} is not a number", row=line, column=column) from None
    if not math.isfinite(value):
        raise ImportFileError(file, f"{text!r} is not a finite number", row=line, column=column)
    return value


def _parse(file: str, frame: pd.DataFrame) -> tuple[dict[str, _Entry], list[_Observation]]:
    """Validate every row; return the catalogue fields per key and the observation rows."""
    catalogue: dict[str, _Entry] = {}
    observations: list[_Observation] = []
    for row in frame[list(ALL_COLUMNS)].itertuples(index=True):
        line = int(row.Index)
        key = row.indicator_key
        if not _KEY.match(key):
            raise ImportFileError(
                file,
                f"{key!r} is not an indicator key (lower-case letters, digits, '_' or '-', up to 64)",
                row=line,
                column="indicator_key",
            )
        fields = catalogue.setdefault(key, _Entry({}, line)).fields
        for column in CATALOGUE_COLUMNS:
            value = getattr(row, column)
            if value == "":
                continue  # blank: given on another row, or already held, or the default
            _check_catalogue_value(file, line, column, value)
            earlier = fields.setdefault(column, (value, line))
            if earlier[0] != value:
                raise ImportFileError(
                    file,
                    f"{key} has {column} {value!r} here but {earlier[0]!r} on line {earlier[1]}",
                    row=line,
                    column=column,
                )
        if row.area_code == "" or " " in row.area_code:
            raise ImportFileError(
                file, f"{row.area_code!r} is not an area code", row=line, column="area_code"
            )
        try:
            period_kind(row.period)
        except ValueError as error:
            raise ImportFileError(file, str(error), row=line, column="period") from None
        value = _number(file, line, "value", row.value, required=True)
        numerator = _number(file, line, "numerator", row.numerator, required=False)
        denominator = _number(file, line, "denominator", row.denominator, required=False)
        if numerator is not None and numerator < 0:
            raise ImportFileError(file, "a numerator cannot be negative", row=line, column="numerator")
        if denominator is not None and denominator <= 0:
            raise ImportFileError(file, "a denominator must be more than 0", row=line, column="denominator")
        observations.append(
            _Observation(line, key, row.area_code, row.area_name, row.period, value, numerator, denominator)
        )
    return catalogue, observations


def _check_catalogue_value(file: str, line: int, column: str, value: str) -> None:
    if column == "polarity" and value not in POLARITIES:
        raise ImportFileError(
            file, f"{value!r} is not one of {', '.join(POLARITIES)}", row=line, column=column
        )
    if column == "restricted" and value not in ("0", "1"):
        raise ImportFileError(file, f"{value!r} is not 0 or 1", row=line, column=column)
    if column == "unit" and len(value) > _MAX_UNIT:
        raise ImportFileError(file, f"a unit is at most {_MAX_UNIT} characters", row=line, column=column)


def _place_areas(db: sqlite_utils.Database, file: str, observations: list[_Observation]) -> None:
    """Add areas the store lacks when the row names them and the code's ONS prefix gives the kind.

    A code whose kind cannot be told (not an ONS-style code) is refused rather than guessed: an area filed
    under the wrong kind would put the indicator in the wrong place on every screen.
    """
    held = held_areas(db, {o.area_code for o in observations})
    new: dict[str, Area] = {}
    for line, _key, code, name, *_ in observations:
        if code in held or code in new:
            continue
        kind = kind_from_code(code)
        if not name:
            raise ImportFileError(
                file,
                f"area {code} is not in the store: give its area_name (or import a lookup first)",
                row=line,
                column="area_name",
            )
        if kind is None:
            raise ImportFileError(
                file,
                f"area {code} is not in the store and its kind cannot be told from the code: use an ONS code "
                "(E22... CSP, E10... county, E06/E07/E08/E09... district, E01... LSOA, E23... force) "
                "or import a lookup that names it first",
                row=line,
                column="area_code",
            )
        new[code] = Area(code, clean_district_name(name) if kind == "district" else name, kind)
    add_areas(db, new.values())


def _write_catalogue(db: sqlite_utils.Database, file: str, catalogue: dict[str, _Entry]) -> None:
    """Upsert each indicator: columns the file gives overwrite, blanks keep what is held (or the default)."""
    held = {r[0] for r in db.execute("SELECT key FROM indicators").fetchall()}
    rows = []
    for key, (fields, first_line) in catalogue.items():
        if key not in held and "indicator_name" not in fields:
            raise ImportFileError(
                file, f"new indicator {key} needs an indicator_name", row=first_line, column="indicator_name"
            )

        def given(column: str, fields: dict[str, tuple[str, int]] = fields) -> str | None:
            return fields[column][0] if column in fields else None

        restricted = given("restricted")
        rows.append(
            (
                key,
                given("indicator_name"),
                given("theme"),
                given("unit"),
                given("polarity"),
                given("source"),
                given("definition"),
                int(restricted) if restricted is not None else None,
            )
        )
    # COALESCE: a new indicator gets the schema's defaults for what the file leaves blank; a held one keeps
    # its values.
    db.conn.executemany(
        "INSERT INTO indicators (key, name, theme, unit, polarity, source, definition, restricted) "
        "VALUES (?1, ?2, ?3, COALESCE(?4, 'count'), COALESCE(?5, 'neutral'), ?6, ?7, COALESCE(?8, 0)) "
        "ON CONFLICT(key) DO UPDATE SET name = COALESCE(?2, name), theme = COALESCE(?3, theme), "
        "unit = COALESCE(?4, unit), polarity = COALESCE(?5, polarity), source = COALESCE(?6, source), "
        "definition = COALESCE(?7, definition), restricted = COALESCE(?8, restricted)",
        rows,
    )


def _write_observations(
    db: sqlite_utils.Database, observations: list[_Observation], summary: ImportSummary
) -> None:
    """Upsert the values; identical ones already held (or repeated in the file) count as duplicates."""
    first: dict[tuple[str, str, str], tuple[int, float, float | None, float | None]] = {}
    for line, key, code, _name, period, value, numerator, denominator in observations:
        seen = first.setdefault((key, code, period), (line, value, numerator, denominator))
        if seen[1:] != (value, numerator, denominator):
            raise ImportFileError(
                summary.file_name,
                f"{key} for {code} in {period} is already given on line {seen[0]} with another value",
                row=line,
                column="value",
            )
    summary.rows_duplicate += len(observations) - len(first)
    held = {
        (r[0], r[1], r[2]): (r[3], r[4], r[5])
        for r in db.execute(
            "SELECT indicator_key, area_code, period, value, numerator, denominator FROM observations "
            "WHERE indicator_key IN (SELECT value FROM json_each(?))",
            [json.dumps(sorted({k for k, _, _ in first}))],
        ).fetchall()
    }
    rows = []
    for (key, code, period), (_line, value, numerator, denominator) in first.items():
        if held.get((key, code, period)) == (value, numerator, denominator):
            summary.rows_duplicate += 1
            continue
        rows.append((key, code, period, value, numerator, denominator, summary.import_id))
    summary.rows_accepted += len(rows)
    db.conn.executemany(
        "INSERT INTO observations (indicator_key, area_code, period, value, numerator, denominator, "
        "import_id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(indicator_key, area_code, period) DO UPDATE SET "
        "value = excluded.value, numerator = excluded.numerator, denominator = excluded.denominator, "
        "import_id = excluded.import_id",
        rows,
    )
