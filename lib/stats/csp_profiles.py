"""What the store holds about each CSP for finding similar ones: residents, age shares, area and density.

A CSP's figure is its own where held, else the sum of its districts', else of its LSOAs', and only when every
one of them has a figure. The features of ``FEATURES`` are what ``lib.stats.similar_areas`` forms most similar
groups on.
"""

from __future__ import annotations

import json

import pandas as pd
import sqlite_utils

from lib.core.land_area import boundary_hectares

# The features a group is formed on, and how each is put on a scale where differences mean the same
# everywhere: sizes and densities span orders of magnitude, so they are compared as logarithms (twice the
# population is the same step whether from 50,000 or from 150,000); age shares are compared as they are.
FEATURES: dict[str, str] = {
    "population": "log",
    "density": "log",
    "weighted_density": "log",
    "share_0_17": "share",
    "share_65_plus": "share",
}

_LEVELS = ("csp", "district", "lsoa")  # a CSP's own figure is preferred to a sum of its districts or LSOAs

# Every area a CSP's figures can be built from: the CSP itself, its districts, and its districts' LSOAs.
_MEMBERS_SQL = """
SELECT c.code, 'csp', c.code FROM areas c WHERE c.kind = 'csp'
UNION ALL
SELECT d.code, 'district', c.code FROM areas d JOIN areas c ON c.code = d.parent_code
WHERE d.kind = 'district' AND c.kind = 'csp'
UNION ALL
SELECT l.code, 'lsoa', c.code FROM areas l JOIN areas d ON d.code = l.parent_code
JOIN areas c ON c.code = d.parent_code
WHERE l.kind = 'lsoa' AND d.kind = 'district' AND c.kind = 'csp'
"""


def csp_profiles(db: sqlite_utils.Database, year: int | None = None, codes: list[str] | None = None) -> pd.DataFrame:
    """One row per CSP (of ``codes``; every one held by default): code, name, population, hectares, density,
    weighted_density, share_0_17, share_65_plus.

    Figures come from the population table for ``year`` (default: the latest held): the CSP's own row where
    held, else the sum of its districts, else of its LSOAs, in each case only when every one of them has a
    figure. Age shares come from the year nearest ``year`` that has age bands. Area is ``area_hectares`` where
    held, else measured from the boundaries (in British National Grid metres). Features that cannot be worked
    out stay NaN; ``frame.attrs["missing"]`` maps each such feature to the CSP codes lacking it, and
    ``frame.attrs["year"]`` is the population year used.
    """
    if year is None:
        year = db.execute("SELECT MAX(year) FROM population").fetchone()[0]
    return _profiles(db, year, codes)


def _profiles(db: sqlite_utils.Database, year: int | None, codes: list[str] | None = None) -> pd.DataFrame:
    members = _members(db, codes)
    csps = _csp_names(db, codes)
    totals = _population_totals(db, members)
    frame = csps.copy()
    population, source = _population_at(totals, year)
    frame["population"] = frame["code"].map(population).astype("float64")
    frame["population_source"] = frame["code"].map(source)
    young, old = _age_shares(totals, year)
    frame["share_0_17"] = frame["code"].map(young).astype("float64")
    frame["share_65_plus"] = frame["code"].map(old).astype("float64")
    hectares, area_source = _csp_hectares(db, members, year)
    frame["hectares"] = frame["code"].map(hectares).astype("float64")
    frame["area_source"] = frame["code"].map(area_source)
    frame["density"] = frame["population"] / frame["hectares"]
    frame["weighted_density"] = frame["code"].map(_weighted_density(db, members, totals, year)).astype("float64")
    frame = frame[["code", "name", "population", "hectares", "density", "weighted_density", "share_0_17",
                   "share_65_plus", "population_source", "area_source"]]
    frame.attrs["year"] = year
    frame.attrs["missing"] = {
        feature: frame.loc[frame[feature].isna(), "code"].tolist()
        for feature in FEATURES
        if frame[feature].isna().any()
    }
    return frame


def _csp_names(db: sqlite_utils.Database, codes: list[str] | None) -> pd.DataFrame:
    rows = db.execute("SELECT code, name FROM areas WHERE kind = 'csp' ORDER BY code").fetchall()
    frame = pd.DataFrame(rows, columns=["code", "name"])
    if codes is not None:
        frame = frame[frame["code"].isin(codes)].reset_index(drop=True)
    return frame


def _members(db: sqlite_utils.Database, codes: list[str] | None) -> pd.DataFrame:
    """area_code, level ('csp', 'district', 'lsoa'), csp_code: the areas each CSP's figures can be summed from."""
    frame = pd.DataFrame(db.execute(_MEMBERS_SQL).fetchall(), columns=["area_code", "level", "csp_code"])
    if codes is not None:
        frame = frame[frame["csp_code"].isin(codes)]
    return frame.reset_index(drop=True)


def _population_totals(db: sqlite_utils.Database, members: pd.DataFrame) -> pd.DataFrame:
    """Per CSP, level and year: summed population and age bands, and whether every member area has them."""
    rows = pd.DataFrame(
        db.execute(
            "SELECT area_code, year, population, aged_0_17, aged_65_plus FROM population "
            "WHERE area_code IN (SELECT value FROM json_each(?))",
            [json.dumps(sorted(set(members["area_code"])))],
        ).fetchall(),
        columns=["area_code", "year", "population", "aged_0_17", "aged_65_plus"],
    )
    rows = rows.merge(members, on="area_code")
    for column in ("population", "aged_0_17", "aged_65_plus"):
        rows[column] = pd.to_numeric(rows[column], errors="coerce").astype("float64")
    rows["banded"] = rows["aged_0_17"].notna() & rows["aged_65_plus"].notna()
    totals = rows.groupby(["csp_code", "level", "year"], as_index=False).agg(
        held=("area_code", "size"), population=("population", "sum"), young=("aged_0_17", "sum"),
        old=("aged_65_plus", "sum"), banded=("banded", "sum"),
    )
    sizes = members.groupby(["csp_code", "level"]).size().rename("members").reset_index()
    totals = totals.merge(sizes, on=["csp_code", "level"])
    totals["complete"] = totals["held"] == totals["members"]
    totals["bands_complete"] = totals["banded"] == totals["members"]
    totals["level_rank"] = totals["level"].map(_LEVELS.index)
    return totals


def _first_per_csp(rows: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """Each CSP's best row: nearest ``year`` (earlier on a tie), then the CSP's own level before sums."""
    if rows.empty:
        return rows.set_index("csp_code")
    distance = (rows["year"] - year).abs() if year is not None else 0
    ordered = rows.assign(distance=distance).sort_values(["csp_code", "distance", "year", "level_rank"])
    return ordered.drop_duplicates("csp_code").set_index("csp_code")


def _population_at(totals: pd.DataFrame, year: int | None) -> tuple[pd.Series, pd.Series]:
    """Each CSP's population in exactly ``year`` (rates must all use one year), and the level it came from."""
    chosen = _first_per_csp(totals[totals["complete"] & (totals["year"] == year)], year)
    return chosen["population"], chosen["level"]


def _age_shares(totals: pd.DataFrame, year: int | None) -> tuple[pd.Series, pd.Series]:
    """Shares aged 0-17 and 65+, from the year nearest ``year`` with bands (age structure changes slowly)."""
    chosen = _first_per_csp(totals[totals["bands_complete"] & (totals["population"] > 0)], year)
    return chosen["young"] / chosen["population"], chosen["old"] / chosen["population"]


def _csp_hectares(db: sqlite_utils.Database, members: pd.DataFrame, year: int | None
                  ) -> tuple[dict[str, float], dict[str, str]]:
    """Each CSP's area: its own, else its districts' summed, else its LSOAs' summed, where all are known."""
    hectares: dict[str, float] = {}
    source: dict[str, str] = {}
    for level in _LEVELS:
        parts = members[(members["level"] == level) & ~members["csp_code"].isin(hectares.keys())]
        if parts.empty:
            continue
        known = _area_hectares(db, parts["area_code"].tolist(), year)
        parts = parts.assign(hectares=parts["area_code"].map(known))
        for csp, group in parts.groupby("csp_code"):
            if group["hectares"].notna().all() and group["hectares"].sum() > 0:
                hectares[csp] = float(group["hectares"].sum())
                source[csp] = level
    return hectares, source


def _area_hectares(db: sqlite_utils.Database, codes: list[str], year: int | None) -> dict[str, float]:
    """Area of each area in hectares: ``area_hectares`` from the population table, else from its boundary."""
    rows = db.execute(
        "SELECT area_code, year, area_hectares FROM population WHERE area_hectares IS NOT NULL "
        "AND area_code IN (SELECT value FROM json_each(?))",
        [json.dumps(codes)],
    ).fetchall()
    stated: dict[str, tuple[tuple[int, int], float]] = {}  # code -> ((distance from year, year), hectares)
    for code, held_year, value in rows:
        distance = abs(held_year - year) if year is not None else 0
        if code not in stated or (distance, held_year) < stated[code][0]:
            stated[code] = ((distance, held_year), float(value))
    hectares = {code: value for code, (_, value) in stated.items()}
    rest = [code for code in codes if code not in hectares]
    hectares.update(_boundary_hectares(db, rest))
    return hectares


def _boundary_hectares(db: sqlite_utils.Database, codes: list[str]) -> dict[str, float]:
    """Area inside each held boundary, in hectares, as measured when it was stored (``lib.core.land_area``)."""
    if not codes:
        return {}
    rows = db.execute(
        # The boundary itself only where it still has to be measured: the rest need not leave the store.
        "SELECT area_code, hectares, CASE WHEN hectares IS NULL THEN geojson END FROM boundaries "
        "WHERE area_code IN (SELECT value FROM json_each(?))",
        [json.dumps(codes)],
    ).fetchall()
    hectares = {code: float(area) for code, area, _ in rows if area is not None}
    # A boundary written by something other than the importer may not have been measured yet.
    unmeasured = [(code, geojson) for code, area, geojson in rows if area is None]
    measured = boundary_hectares([geojson for _, geojson in unmeasured])
    hectares.update({code: area for (code, _), area in zip(unmeasured, measured, strict=True)})
    return hectares


def _weighted_density(db: sqlite_utils.Database, members: pd.DataFrame, totals: pd.DataFrame,
                      year: int | None) -> dict[str, float]:
    """Population-weighted density: residents per hectare in the LSOA where the average resident lives.

    Two districts with the same residents per hectare differ if one is a town with empty countryside around
    it and the other is evenly settled; this tells them apart. Needs every LSOA's population and area.
    """
    usable = totals[(totals["level"] == "lsoa") & totals["complete"] & (totals["population"] > 0)]
    chosen = _first_per_csp(usable, year)
    if chosen.empty:
        return {}
    lsoas = members[(members["level"] == "lsoa") & members["csp_code"].isin(chosen.index)]
    people = _lsoa_populations(db, lsoas, chosen["year"])
    areas = _area_hectares(db, lsoas["area_code"].tolist(), year)
    lsoas = lsoas.assign(people=lsoas["area_code"].map(people), hectares=lsoas["area_code"].map(areas))
    weighted: dict[str, float] = {}
    for csp, group in lsoas.groupby("csp_code"):
        if group["people"].notna().all() and group["hectares"].notna().all() and (group["hectares"] > 0).all():
            weighted[csp] = float((group["people"] ** 2 / group["hectares"]).sum() / group["people"].sum())
    return weighted


def _lsoa_populations(db: sqlite_utils.Database, lsoas: pd.DataFrame, year_of_csp: pd.Series) -> dict[str, float]:
    """Each LSOA's population in the year chosen for its CSP."""
    wanted = lsoas.assign(year=lsoas["csp_code"].map(year_of_csp).astype("int64"))
    rows = pd.DataFrame(
        db.execute(
            "SELECT area_code, year, population FROM population WHERE area_code IN (SELECT value FROM json_each(?))",
            [json.dumps(sorted(set(wanted["area_code"])))],
        ).fetchall(),
        columns=["area_code", "year", "population"],
    )
    matched = wanted.merge(rows, on=["area_code", "year"])
    return dict(zip(matched["area_code"], matched["population"].astype("float64"), strict=True))


def csp_populations(db: sqlite_utils.Database, year: int, codes: list[str]) -> dict[str, float]:
    """Population in ``year`` of each CSP, without the cost of areas and boundaries."""
    members = _members(db, codes)
    population, _ = _population_at(_population_totals(db, members), year)
    return {code: float(people) for code, people in population.items() if pd.notna(people)}
