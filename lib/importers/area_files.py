"""What the area-data importers share: reading CSV text, ONS code prefixes, and adding areas without
overriding what the store already holds.

Lookups are the authority on names and the hierarchy; boundary, population and indicator files only fill
gaps. So the helpers here add missing areas and missing parents, and never rename or re-parent a held area.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zlib
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import sqlite_utils

from lib.core.areas import Area, comparable_name
from lib.importers.base import ImportFileError, ImportSummary, open_unpacked, readable_name

# The area kind each ONS column prefix names (LAD17CD, CTY19NM, PFA17CD, ...).
ONS_PREFIX_KINDS = {
    "lsoa": "lsoa", "lad": "district", "ltla": "district", "csp": "csp", "cty": "county", "utla": "county",
    "pfa": "force",
}

# ONS GSS codes: a letter for the nation, two digits for the entity, six for the instance.
_CODE = re.compile(r"^[A-Z]\d{8}$")
_ENGLAND_KINDS = {
    "01": "lsoa",
    "06": "district",
    "07": "district",
    "08": "district",
    "09": "district",
    "10": "county",
    "22": "csp",
    "23": "force",
}
_WALES_KINDS = {"01": "lsoa", "06": "district", "14": "csp", "15": "force"}

# LAD codes that changed between 2011 and 2017 without a boundary change (ONS). Files of the 2011 vintage
# are moved onto the 2017 codes the CSP lookup uses, so the same district is not held twice.
LAD11_TO_LAD17 = {
    "E06000048": "E06000057",  # Northumberland
    "E08000020": "E08000037",  # Gateshead
    "E07000097": "E07000242",  # East Hertfordshire
    "E07000101": "E07000243",  # Stevenage
    "E07000100": "E07000240",  # St Albans
    "E07000104": "E07000241",  # Welwyn Hatfield
}

# The order areas nest in, lowest first.
LEVELS = ("lsoa", "district", "csp", "county", "force")
PARENT_KINDS = {
    "lsoa": ("district",),
    "district": ("csp",),
    "csp": ("county", "force"),
    "county": ("force",),
    "force": (),
}

_UA_SUFFIX = re.compile(r"\s+UA$")


def kind_from_code(code: str) -> str | None:
    """Return the area kind an ONS code's prefix means (E01 lsoa, E22 csp, ...), or None if unknown.

    Codes starting with X are synthetic (the demo county uses X22..., X10...): ONS never issues them, so they
    are read by their digits as if English.
    """
    if not _CODE.match(code):
        return None
    nation, entity = code[0], code[1:3]
    if nation in ("E", "X"):
        return _ENGLAND_KINDS.get(entity)
    if nation == "W":
        return _WALES_KINDS.get(entity)
    return None


def clean_district_name(name: str) -> str:
    """Drop the ' UA' suffix 2011 files put on unitary authorities: 'Shropshire UA' -> 'Shropshire'."""
    return _UA_SUFFIX.sub("", " ".join(name.split()))


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV file (optionally .gz) as stripped text, indexed by 1-based line number (header = line 1).

    Column names are lower-cased and stripped; the UTF-8 byte order mark Excel writes is dropped. Blank lines
    are skipped but keep their numbers, so errors point at the line a person sees in an editor.
    """
    name = readable_name(path)
    try:
        # header=None: the header is read as a row, so a data line with more fields than it is an error
        # rather than pandas quietly taking the first column as an index and shifting every value.
        # A .gz file is unpacked through lib.importers.base's bound; pandas would unpack it (or a .zip, .bz2, .xz)
        # whole.
        with open_unpacked(path, _gzipped(path), name) as handle:
            raw = pd.read_csv(
                handle,
                header=None,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                encoding="utf-8-sig",
                compression=None,
            )
    except pd.errors.EmptyDataError as error:
        raise ImportFileError(name, "the file is empty") from error
    except pd.errors.ParserError as error:
        mismatch = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
        if mismatch:
            header, at_line, saw = mismatch.groups()
            raise ImportFileError(
                name,
                f"this line has {saw} fields but the header has {header} "
                "(a comma inside an unquoted value?)",
                row=int(at_line),
            ) from error
        unclosed = re.search(r"EOF inside string starting at row (\d+)", str(error))
        if unclosed:
            records = _records(path)
            record = min(int(unclosed.group(1)), len(records) - 1)
            raise ImportFileError(name, "a quoted value is never closed (is the file cut short?)",
                                  row=records[record][0] if records else None) from error
        raise ImportFileError(name, f"not a well-formed CSV file: {str(error).strip()}") from error
    except UnicodeDecodeError as error:
        raise ImportFileError(name, "the file is not UTF-8 text (save it as 'CSV UTF-8')") from error
    except (OSError, EOFError, zlib.error) as error:  # e.g. a truncated, damaged or mislabelled .gz
        raise ImportFileError(name, f"cannot read the file: {error}") from error
    columns = [str(c).strip().lower() for c in raw.iloc[0]]
    seen: set[str] = set()
    for column in columns:
        if not column:
            raise ImportFileError(name, "a column has no name in the header", row=1)
        if column in seen:
            raise ImportFileError(name, "the column appears twice in the header", row=1, column=column)
        seen.add(column)
    frame = raw.iloc[1:].copy()
    frame.columns = columns
    records = _records(path)
    # pandas pads a record with fewer fields than the header with blanks, so a file cut off inside its last
    # record would import a shortened value without a word: refuse it, as a record with too many is refused.
    for line, fields, blank in records[1:]:
        if fields < len(columns) and not blank:
            raise ImportFileError(name, f"this line has {fields} field{'s' if fields != 1 else ''} but the header "
                                  f"has {len(columns)} (is the file cut short, or a value missing?)", row=line)
    # A quoted cell over several lines (Alt+Enter in Excel) shifts every later record's line.
    frame.index = [line for line, _, _ in records[1: len(frame) + 1]]
    for column in columns:
        frame[column] = frame[column].str.strip()
    blank = (frame == "").all(axis=1)
    return frame[~blank]


def _records(path: str | Path) -> list[tuple[int, int, bool]]:
    """Each CSV record's first line as an editor numbers them (the header is line 1), its number of fields, and
    whether it is blank."""
    records, line = [], 1
    # The csv module refuses fields over 128 KB by default; pandas has read them already, so this must too.
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
    with io.TextIOWrapper(open_unpacked(path, _gzipped(path)), encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        for fields in reader:
            records.append((line, len(fields), not any(field.strip() for field in fields)))
            line = reader.line_num + 1
    return records


def _gzipped(path: str | Path) -> bool:
    return str(path).endswith(".gz")


def held_areas(db: sqlite_utils.Database, codes: Iterable[str] | None = None) -> dict[str, Area]:
    """Return the areas in the store, by code: all of them, or only those among ``codes``."""
    select = "SELECT code, name, kind, parent_code, provisional FROM areas"
    if codes is None:
        rows = db.execute(select).fetchall()
    else:
        # One JSON parameter rather than thousands of placeholders.
        rows = db.execute(
            select + " WHERE code IN (SELECT value FROM json_each(?))", [json.dumps(sorted(set(codes)))]
        ).fetchall()
    return {r[0]: Area(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows}


def add_areas(db: sqlite_utils.Database, areas: Iterable[Area]) -> int:
    """Add areas the store lacks; for held ones only fill a missing or provisional parent.

    Names, kinds and real parents already held are kept: they came from a lookup, which outranks what a
    boundary, population or indicator file says in passing. Returns how many rows were offered.
    """
    rows = [(a.code, a.name, a.kind, a.parent_code, int(a.provisional)) for a in areas]
    db.conn.executemany(
        "INSERT INTO areas (code, name, kind, parent_code, provisional) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(code) DO UPDATE SET parent_code = CASE "
        "WHEN excluded.parent_code IS NOT NULL AND (areas.parent_code IS NULL OR EXISTS ("
        "SELECT 1 FROM areas p WHERE p.code = areas.parent_code AND p.provisional = 1)) "
        "THEN excluded.parent_code ELSE areas.parent_code END",
        rows,
    )
    return len(rows)


def forces_by_name(held: dict[str, Area]) -> dict[str, str]:
    """Map comparable force name -> code for the real (not provisional) forces held."""
    found: dict[str, str] = {}
    for area in sorted(held.values(), key=lambda a: a.code, reverse=True):
        if area.kind == "force" and not area.provisional:
            found[comparable_name(area.name)] = area.code
    return found


def force_code_for_name(forces: dict[str, str], name: str) -> tuple[str, bool]:
    """Return (code, provisional) for a force known only by name: a held force of that name, else 'pfa:Name'.

    ``forces`` comes from forces_by_name. The provisional code is replaced by the real one when a lookup names
    the force (adopt_provisional_forces).
    """
    real = forces.get(comparable_name(name))
    if real:
        return real, False
    return f"pfa:{' '.join(name.split())}", True


def adopt_provisional_forces(db: sqlite_utils.Database) -> int:
    """Move the children of provisional forces ('pfa:Sussex') to the real force of that name; drop orphans."""
    real = {
        comparable_name(name): code
        for code, name in db.execute(
            "SELECT code, name FROM areas WHERE kind = 'force' AND provisional = 0 ORDER BY code DESC"
        ).fetchall()
    }
    moved = 0
    for code, name in db.execute(
        "SELECT code, name FROM areas WHERE kind = 'force' AND provisional = 1"
    ).fetchall():
        target = real.get(comparable_name(name))
        if target:
            db.execute("UPDATE areas SET parent_code = ? WHERE parent_code = ?", [target, code])
            moved += 1
    db.execute(
        "DELETE FROM areas WHERE kind = 'force' AND provisional = 1 "
        "AND code NOT IN (SELECT parent_code FROM areas WHERE parent_code IS NOT NULL)"
    )
    return moved


def refresh_derived_bboxes(db: sqlite_utils.Database) -> None:
    """Give each area without its own polygon the union of its children's bounding boxes, level by level.

    The police.uk importer checks points against their district's box, and LSOA files are the common case.
    """
    for kind in ("district", "csp", "county", "force"):
        db.execute(
            "WITH kids AS (SELECT parent_code AS code, MIN(min_lon) AS a, MIN(min_lat) AS b, "
            "MAX(max_lon) AS c, MAX(max_lat) AS d FROM areas "
            "WHERE parent_code IS NOT NULL AND min_lon IS NOT NULL GROUP BY parent_code) "
            "UPDATE areas SET min_lon = kids.a, min_lat = kids.b, max_lon = kids.c, max_lat = kids.d "
            "FROM kids WHERE kids.code = areas.code AND areas.kind = ? "
            "AND areas.code NOT IN (SELECT area_code FROM boundaries)",
            [kind],
        )


def record_rejections(
    db: sqlite_utils.Database, summary: ImportSummary, rejected: Iterable[tuple[int, str, str | None]]
) -> None:
    """Log rejected rows (line number, reason, column) for the Data page and count them in the summary."""
    rows = []
    for line, reason, column in rejected:
        rows.append((summary.sha256, "", int(line), summary.import_id, summary.file_name, reason, column))
        summary.rejected_by_reason[reason] = summary.rejected_by_reason.get(reason, 0) + 1
        summary.rows_rejected += 1
    # Ignore repeats, so importing the same file again neither fails on the key nor rewrites the log.
    db.conn.executemany(
        "INSERT OR IGNORE INTO rejected_rows (sha256, member, row_number, import_id, file_name, reason, "
        "column_name) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
