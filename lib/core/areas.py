"""The area hierarchy: LSOA -> district -> CSP -> county or force, and how incoming rows find their place.

police.uk rows name an LSOA whose name starts with its district ("Eastbourne 001A"). A district's CSP comes
from a loaded ONS lookup; where none is loaded, the CSP is the district itself. Districts and CSPs met before
any lookup get *provisional* codes (``lad:Eastbourne``, ``csp:Eastbourne``) that a later lookup replaces.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
import sqlite_utils

from lib.core.sql import placeholders

_LSOA_SUFFIX = re.compile(r"\s+\d{3}[A-Z]$")
# ONS writes "Bristol, City of" and "Herefordshire, County of"; people and police.uk write "Bristol" and
# "Herefordshire". police.uk writes "The Vale of Glamorgan 004B" where ONS writes "Vale of Glamorgan".
_NAME_QUALIFIER = re.compile(r",\s*(City of|County of)$", re.IGNORECASE)
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_PUNCTUATION = re.compile(r"[.,'’]")
_SEPARATORS = re.compile(r"[\s\-]+")
# How the kinds rank when one name fits several areas: a CSP is what people most often mean.
_KIND_RANK = {"csp": 0, "county": 1, "force": 2, "district": 3, "lsoa": 4}


@dataclass(frozen=True)
class Area:
    """One row of the areas table."""

    code: str
    name: str
    kind: str
    parent_code: str | None = None
    provisional: bool = False


def district_name_from_lsoa_name(lsoa_name: str) -> str:
    """Return the district part of an LSOA name: 'Eastbourne 001A' -> 'Eastbourne'."""
    return _LSOA_SUFFIX.sub("", lsoa_name.strip())


def comparable_name(name: str) -> str:
    """Normalise an area name the way people vary it, so the forms of one name compare equal.

    'Bristol, City of' and 'Bristol'; 'The Vale of Glamorgan' and 'Vale of Glamorgan'; 'St. Helens' and
    'St Helens'; 'Stockton-on-Tees' and 'Stockton on Tees'; 'Brighton & Hove' and 'Brighton and Hove'.
    """
    name = _LEADING_THE.sub("", _NAME_QUALIFIER.sub("", name.strip()))
    name = _PUNCTUATION.sub("", name.replace("&", " and "))
    return _SEPARATORS.sub(" ", name).strip().casefold()


def upsert_areas(db: sqlite_utils.Database, areas: Iterable[Area]) -> int:
    """Insert or update areas (name, kind, parent); returns how many rows were written."""
    rows = [(a.code, a.name, a.kind, a.parent_code, int(a.provisional)) for a in areas]
    db.conn.executemany(
        "INSERT INTO areas (code, name, kind, parent_code, provisional) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(code) DO UPDATE SET name = excluded.name, kind = excluded.kind, "
        "parent_code = COALESCE(excluded.parent_code, areas.parent_code), "
        "provisional = excluded.provisional",
        rows,
    )
    return len(rows)


def _districts_by_name(db: sqlite_utils.Database) -> dict[str, tuple[str, str | None]]:
    """Map comparable district name -> (code, parent CSP code); real codes win over provisional ones."""
    found: dict[str, tuple[str, str | None]] = {}
    rows = db.execute(
        "SELECT d.name, d.code, p.code FROM areas d LEFT JOIN areas p "
        "ON p.code = d.parent_code AND p.kind = 'csp' WHERE d.kind = 'district' "
        "ORDER BY d.provisional DESC"
    ).fetchall()
    for name, code, csp in rows:
        found[comparable_name(name)] = (code, csp)
    return found


def resolve_lsoas(db: sqlite_utils.Database, lsoas: pd.DataFrame) -> pd.DataFrame:
    """Place each distinct LSOA (``lsoa_code``, ``lsoa_name``) in its district and CSP.

    Returns a frame indexed by ``lsoa_code`` with ``district_code`` and ``csp_code``. LSOAs, districts and
    CSPs not yet in the store are added (provisionally where no lookup names them). Once the store holds real
    districts (from a lookup or boundaries), an LSOA whose code and district name are in none of them is left
    unplaced (no district or CSP): a typo or another country's code must not become a CSP of its own. Must run
    inside the caller's transaction.
    """
    known = dict(
        db.execute(
            "SELECT l.code, l.parent_code FROM areas l WHERE l.kind = 'lsoa' AND l.parent_code IS NOT NULL"
        ).fetchall()
    )
    districts = _districts_by_name(db)
    real_districts_held = db.execute(
        "SELECT 1 FROM areas WHERE kind = 'district' AND provisional = 0 LIMIT 1"
    ).fetchone() is not None
    new_areas: list[Area] = []
    district_of: dict[str, str | None] = {}
    for code, name in lsoas[["lsoa_code", "lsoa_name"]].drop_duplicates("lsoa_code").itertuples(index=False):
        if code in known:
            district_of[code] = known[code]
            continue
        district_name = district_name_from_lsoa_name(name)
        key = comparable_name(district_name)
        if key not in districts:
            if real_districts_held:
                district_of[code] = None
                continue
            csp = Area(f"csp:{district_name}", district_name, "csp", None, True)
            district = Area(f"lad:{district_name}", district_name, "district", csp.code, True)
            new_areas += [csp, district]
            districts[key] = (district.code, csp.code)
        district_of[code] = districts[key][0]
        new_areas.append(Area(code, name, "lsoa", districts[key][0]))
    upsert_areas(db, new_areas)
    return _with_csp(db, district_of)


def _with_csp(db: sqlite_utils.Database, district_of: dict[str, str | None]) -> pd.DataFrame:
    csp_of = _csp_of_districts(db, {d for d in district_of.values() if d})
    frame = pd.DataFrame({"lsoa_code": list(district_of), "district_code": list(district_of.values())})
    frame["csp_code"] = frame["district_code"].map(csp_of)
    return frame.set_index("lsoa_code")


def _csp_of_districts(db: sqlite_utils.Database, district_codes: set[str]) -> dict[str, str]:
    """Map each district to its CSP, making a provisional CSP for a district that has none."""
    rows = db.execute(
        "SELECT d.code, d.name, p.code, p.kind FROM areas d LEFT JOIN areas p ON p.code = d.parent_code "
        "WHERE d.kind = 'district'"
    ).fetchall()
    csp_of: dict[str, str] = {}
    missing: list[Area] = []
    for code, name, parent, parent_kind in rows:
        if code not in district_codes:
            continue
        if parent_kind == "csp":
            csp_of[code] = parent
        else:
            csp = Area(f"csp:{name}", name, "csp", parent, True)
            missing.append(csp)
            csp_of[code] = csp.code
    if missing:
        upsert_areas(db, missing)
        db.conn.executemany(
            "UPDATE areas SET parent_code = ? WHERE code = ?",
            [(csp_of[c], c) for c in district_codes if csp_of.get(c, "").startswith("csp:")],
        )
    return csp_of


def adopt_provisional_areas(db: sqlite_utils.Database) -> int:
    """Replace provisional districts and CSPs by real ones of the same name, and re-file incidents.

    Called inside the transaction of a lookup or boundary import. Returns how many districts moved.
    """
    districts = {
        comparable_name(name): code
        for code, name in db.execute(
            "SELECT code, name FROM areas WHERE kind = 'district' AND provisional = 0"
        ).fetchall()
    }
    moves = [
        (old, districts[comparable_name(name)])
        for old, name in db.execute(
            "SELECT code, name FROM areas WHERE kind = 'district' AND provisional = 1"
        ).fetchall()
        if comparable_name(name) in districts
    ]
    for old, new in moves:
        db.execute("UPDATE areas SET parent_code = ? WHERE parent_code = ? AND kind = 'lsoa'", [new, old])
        db.execute("DELETE FROM areas WHERE code = ?", [old])
    _drop_orphan_provisional_csps(db)
    refile_incidents(db)
    return len(moves)


def _drop_orphan_provisional_csps(db: sqlite_utils.Database) -> None:
    db.execute(
        "DELETE FROM areas WHERE kind = 'csp' AND provisional = 1 "
        "AND code NOT IN (SELECT parent_code FROM areas WHERE kind = 'district' AND parent_code IS NOT NULL)"
    )


def refile_incidents(db: sqlite_utils.Database) -> None:
    """Bring the district and CSP codes of incident points and monthly counts in line with the areas table."""
    lookup = (
        "WITH placed AS (SELECT l.code AS lsoa, d.code AS district, "
        "CASE WHEN c.kind = 'csp' THEN c.code ELSE 'csp:' || d.name END AS csp "
        "FROM areas l JOIN areas d ON d.code = l.parent_code LEFT JOIN areas c ON c.code = d.parent_code "
        "WHERE l.kind = 'lsoa') "
    )
    for table in ("points", "monthly_counts"):
        db.execute(
            lookup + f"UPDATE {table} SET district_code = placed.district, csp_code = placed.csp "
            f"FROM placed WHERE placed.lsoa = {table}.lsoa_code "
            f"AND ({table}.district_code <> placed.district OR {table}.csp_code <> placed.csp)"
        )


def find_area(db: sqlite_utils.Database, name_or_code: str) -> Area:
    """Find one area by code or by name as people write it ('Herefordshire' for 'Herefordshire, County of').

    A CSP wins over a district, county or force of the same name. Raises LookupError, suggesting the nearest
    names held, when nothing fits.
    """
    text = name_or_code.strip()
    rank = "CASE kind " + " ".join(f"WHEN '{k}' THEN {r}" for k, r in _KIND_RANK.items()) + " END"
    row = db.execute(
        "SELECT code, name, kind, parent_code, provisional FROM areas "
        f"WHERE code = ? OR name = ? COLLATE NOCASE ORDER BY code = ? DESC, {rank}, provisional LIMIT 1",
        [text, text, text],
    ).fetchone()
    if row is not None:
        return Area(row[0], row[1], row[2], row[3], bool(row[4]))
    candidates = areas_of_kinds(db, [kind for kind in _KIND_RANK if kind != "lsoa"])
    found = area_named(candidates, text)
    if found is None:
        raise LookupError(unknown_area_message(text, candidates) + " (the `areas` command lists them)")
    return found


def area_named(areas: Sequence[Area], name: str) -> Area | None:
    """The area a name means, compared as people vary names; a CSP before other kinds, a real area first."""
    key = comparable_name(name)
    fits = [a for a in areas if comparable_name(a.name) == key or a.code == name.strip()]
    return min(fits, key=lambda a: (_KIND_RANK.get(a.kind, 9), a.provisional), default=None)


def areas_of_kinds(db: sqlite_utils.Database, kinds: Sequence[str]) -> list[Area]:
    """Every held area of the given kinds, by name."""
    rows = db.execute(
        f"SELECT code, name, kind, parent_code, provisional FROM areas WHERE kind IN ({placeholders(kinds)}) "
        "ORDER BY name", list(kinds)
    ).fetchall()
    return [Area(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]


def held_area_named(db: sqlite_utils.Database, name: str, kinds: Sequence[str]) -> Area | None:
    """The held area of one of the kinds that a name from a file means (see ``area_named``), or None.

    The exact name is tried first: one index look-up, where comparing as people vary names reads every area of
    those kinds, and a file names an area on each of its rows.
    """
    rank = "CASE kind " + " ".join(f"WHEN '{k}' THEN {r}" for k, r in _KIND_RANK.items()) + " END"
    row = db.execute(
        "SELECT code, name, kind, parent_code, provisional FROM areas "
        f"WHERE name = ? COLLATE NOCASE AND kind IN ({placeholders(kinds)}) ORDER BY {rank}, provisional LIMIT 1",
        [name.strip(), *kinds],
    ).fetchone()
    if row is not None:
        return Area(row[0], row[1], row[2], row[3], bool(row[4]))
    return area_named(areas_of_kinds(db, kinds), name)


def unknown_area_message(name: str, areas: Sequence[Area], noun: str = "area") -> str:
    """'no area called 'Eastborne'; did you mean Eastbourne?', from the names of the areas given."""
    close = nearest_area_names(name, areas)
    return f"no {noun} called {name!r}" + (f"; did you mean {' or '.join(close)}?" if close else "")


def nearest_area_names(name: str, areas: Sequence[Area]) -> list[str]:
    """The names of up to three areas a misspelt name is close to, nearest first."""
    names = {comparable_name(a.name): a.name for a in areas}
    return [names[c] for c in difflib.get_close_matches(comparable_name(name), list(names), n=3, cutoff=0.75)]


def csp_codes_within(db: sqlite_utils.Database, area: Area) -> list[str]:
    """Return the CSP codes an area covers (itself for a CSP; its CSPs for a county or force)."""
    if area.kind == "csp":
        return [area.code]
    rows = db.execute(
        "WITH RECURSIVE below(code, kind) AS (SELECT code, kind FROM areas WHERE code = ? "
        "UNION SELECT a.code, a.kind FROM areas a JOIN below b ON a.parent_code = b.code "
        "WHERE b.kind IN ('force', 'county')) SELECT code FROM below WHERE kind = 'csp' ORDER BY code",
        [area.code],
    ).fetchall()
    return [r[0] for r in rows]


def force_above(db: sqlite_utils.Database, area: Area) -> Area | None:
    """The police force area holding ``area`` (itself if it is one), by its chain of parents."""
    seen: set[str] = set()
    current: Area | None = area
    while current is not None and current.code not in seen:
        if current.kind == "force":
            return current
        seen.add(current.code)
        row = db.execute("SELECT code, name, kind, parent_code FROM areas WHERE code = ?",
                         [current.parent_code]).fetchone() if current.parent_code else None
        current = Area(*row) if row else None
    return None


def list_areas(db: sqlite_utils.Database, kind: str) -> list[Area]:
    """Return all areas of one kind, by name."""
    return areas_of_kinds(db, [kind])
