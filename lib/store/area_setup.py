"""Setting up a real CSP: the files a store needs for one force and CSP, which are held, and what each adds.

A real CSP's first store is built from open data in minutes (police.uk and ONS files), and the partnership's own
figures (targets, the threat/harm/risk assessment, partner indicators, the action plan) follow. ``setup_steps``
walks that list for one CSP, in the order the files should be imported, saying for each what is held now, where
to get it, the command that imports it and what the pages show once it is loaded.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

import pandas as pd
import sqlite_utils

from lib.core.areas import Area, csp_codes_within, force_above
from lib.core.periods import month_long
from lib.core.sql import placeholders
from lib.store.series import residents

POLICE_UK_DOWNLOAD = "https://data.police.uk/data/ (Custom download: the force, the months, 'Include crime data')"
ONS_GEOPORTAL = "https://geoportal.statistics.gov.uk/"
ONS_POPULATION = ("https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/populationestimates"
                  " (mid-year estimates for lower layer super output areas or local authorities)")
ESSENTIAL, PARTNERSHIP = "Open data", "The partnership's own"


@dataclass(frozen=True)
class SetupStep:
    """One file (or piece of work) a CSP's store needs."""

    name: str
    group: str  # ESSENTIAL (open data, minutes) or PARTNERSHIP (the partnership's own figures)
    held: bool
    status: str  # what is held now, in words
    source: str  # where to get it
    command: str  # how to import it (or where in the app it is made)
    shows: str  # what the pages show once it is held


def forces_in_lookup(db: sqlite_utils.Database) -> list[Area]:
    """The police force areas the store's lookup names, by name."""
    rows = db.execute("SELECT code, name, kind, parent_code FROM areas WHERE kind = 'force' ORDER BY name")
    return [Area(*row) for row in rows]


def csps_of_force(db: sqlite_utils.Database, force: Area) -> list[Area]:
    """The CSPs of a force area, by name."""
    codes = csp_codes_within(db, force)
    if not codes:
        return []
    rows = db.execute(f"SELECT code, name, kind, parent_code FROM areas WHERE code IN ({placeholders(codes)}) "
                      "ORDER BY name", codes)
    return [Area(*row) for row in rows]


def setup_steps(db: sqlite_utils.Database, force: Area, csp: Area, year: int) -> list[SetupStep]:
    """Every file the CSP's store needs, in the order to import them, with what is held now."""
    return [
        _lookup_step(db, force, csp), _county_step(db, csp), _boundaries_step(db, csp), _population_step(db, csp, year),
        _police_step(db, force, csp), _targets_step(db, csp), _assessment_step(db, csp), _indicators_step(db, csp),
        _actions_step(db, csp),
    ]


def _lookup_step(db: sqlite_utils.Database, force: Area, csp: Area) -> SetupStep:
    found = force_above(db, csp)
    held = not _provisional(db, csp.code) and found is not None
    return SetupStep(
        "District → CSP → force lookup", ESSENTIAL, held,
        f"{csp.name} is a CSP of {found.name}" if held and found else "Not held: CSPs are named after districts",
        f"ONS Open Geography portal, {ONS_GEOPORTAL} ('Local Authority District to Community Safety Partnership "
        "to Police Force Area' lookup)",
        "python -m lib.cli import lookup lad17_csp17_pfa17_lookup_ew.csv",
        "CSPs by their real names and codes, and the force area in the area picker.",
    )


def _county_step(db: sqlite_utils.Database, csp: Area) -> SetupStep:
    parent = db.execute("SELECT name, kind FROM areas WHERE code = ?", [csp.parent_code]).fetchone() \
        if csp.parent_code else None
    held = parent is not None and parent[1] == "county"
    status = f"{csp.name} is in {parent[0]}" if held and parent else (
        f"{csp.name} sits directly under its force area (a unitary area, or a district newer than the lookup)")
    return SetupStep(
        "District → county lookup", ESSENTIAL, held, status,
        f"ONS Open Geography portal, {ONS_GEOPORTAL} ('Lower Tier Local Authority to Upper Tier Local Authority')",
        "python -m lib.cli import lookup ltla21_to_utla21_lookup_ew.csv",
        "The county in the area picker, and the county as the comparison on Partnership at a glance and Measures.",
    )


def _boundaries_step(db: sqlite_utils.Database, csp: Area) -> SetupStep:
    lsoas, drawn = db.execute(
        "SELECT COUNT(*), COUNT(b.area_code) FROM areas l JOIN areas d ON l.parent_code = d.code "
        "LEFT JOIN boundaries b ON b.area_code = l.code WHERE l.kind = 'lsoa' AND d.parent_code = ?", [csp.code]
    ).fetchone()
    held = drawn > 0
    status = f"{drawn:,} of the {lsoas:,} neighbourhoods (LSOAs) held have a boundary" if lsoas else "No LSOAs held"
    return SetupStep(
        "LSOA boundaries", ESSENTIAL, held, status,
        f"ONS Open Geography portal, {ONS_GEOPORTAL} ('Lower layer Super Output Areas (December 2011) Boundaries "
        "EW BSC', GeoJSON)",
        "python -m lib.cli import boundaries lsoa2011_bsc_ew.geojson.gz",
        "Hotspot maps of neighbourhoods and hexagons, and the areas' outlines on every map.",
    )


def _population_step(db: sqlite_utils.Database, csp: Area, year: int) -> SetupStep:
    people = residents(db, csp, year)
    return SetupStep(
        "Population", ESSENTIAL, people is not None,
        people.label if people else "Not held: figures are counts, not rates",
        ONS_POPULATION, "python -m lib.cli import population csp17_population_2011_2017_2019_2020.csv",
        "Rates per 1,000 residents, so CSPs of different sizes compare fairly, and the comparisons with the "
        "county and the force.",
    )


def _police_step(db: sqlite_utils.Database, force: Area, csp: Area) -> SetupStep:
    first, last, months = db.execute(
        "SELECT MIN(month), MAX(month), COUNT(DISTINCT month) FROM csp_monthly_counts WHERE csp_code = ?",
        [csp.code]).fetchone()
    status = (f"{months} months, {month_long(first)} to {month_long(last)}" if months else "Not held")
    return SetupStep(
        f"police.uk street-level files for {force.name}", ESSENTIAL, bool(months), status, POLICE_UK_DOWNLOAD,
        f"python -m lib.cli fetch police-uk --area {shlex.quote(csp.name)} --from 2024-01 (downloads and imports; "
        "or Data → Upload or fetch, for editors; files downloaded by hand: python -m lib.cli import police-uk FILE …)",
        "Every page's crime and anti-social behaviour figures, trends and hotspots. Thirteen months or more "
        "allow the comparison with the same period last year; 24 months or more, the year-on-year trends.",
    )


def _targets_step(db: sqlite_utils.Database, csp: Area) -> SetupStep:
    count = db.execute("SELECT COUNT(*) FROM targets WHERE csp_code = ?", [csp.code]).fetchone()[0]
    return SetupStep(
        "Targets for the CSP's measures", PARTNERSHIP, count > 0,
        f"{count} targets held" if count else "None held: Measures judges the headline indicators against a "
                                              "comparison instead",
        "The partnership's plan: the template on the Measures page lists the headline indicators",
        "python -m lib.cli import targets targets.csv (or Measures → Import targets, for editors)",
        "Measures: each target's Green, Amber or Red status, with the projected year end.",
    )


def _assessment_step(db: sqlite_utils.Database, csp: Area) -> SetupStep:
    # A partnership may assess its priorities county-wide: the CSP's own versions or its county's count.
    saved = db.execute(
        "SELECT a.name, COUNT(*) FROM assessment_versions v JOIN areas a ON a.code = v.area_code "
        "WHERE v.area_code IN (?, ?) AND v.status = 'saved' GROUP BY a.name ORDER BY COUNT(*) DESC",
        [csp.code, csp.parent_code or csp.code]).fetchall()
    versions = sum(count for _, count in saved)
    return SetupStep(
        "Threat, harm and risk assessment", PARTNERSHIP, versions > 0,
        f"{versions} saved versions ({', '.join(name for name, _ in saved)})" if versions
        else "None agreed: the matrix shows the scores suggested from the data",
        "The partnership's strategic assessment workshop",
        "Priority matrix → start a draft from the suggested scores (editors), then save the agreed version",
        "Priority matrix and the committee pack: the agreed scores and the chosen priorities.",
    )


def _indicators_step(db: sqlite_utils.Database, csp: Area) -> SetupStep:
    count = db.execute("SELECT COUNT(DISTINCT indicator_key) FROM observations WHERE area_code = ?",
                       [csp.code]).fetchone()[0]
    return SetupStep(
        "Partner indicators", PARTNERSHIP, count > 0,
        f"{count} indicators held" if count else "None held: only police.uk figures are shown",
        "Partners' returns (domestic abuse, fire, health, youth offending), saved as CSV in the template's layout",
        "python -m lib.cli import indicators indicators.csv (or Data → Upload or fetch, for editors)",
        "Domestic abuse, reoffending and other partner figures on Trends, the overview and the priority evidence.",
    )


def _actions_step(db: sqlite_utils.Database, csp: Area) -> SetupStep:
    count = db.execute("SELECT COUNT(*) FROM actions WHERE area_code = ? OR area_code IS NULL",
                       [csp.code]).fetchone()[0]
    return SetupStep(
        "Action plan", PARTNERSHIP, count > 0,
        f"{count} actions held" if count else "None held",
        "The partnership's action plan, in the template's layout",
        "python -m lib.cli import actions actions.csv (or Action plan → Import, for editors)",
        "Action plan: each action's RAG, lead and due date beside the measures it should move.",
    )


def _provisional(db: sqlite_utils.Database, code: str) -> bool:
    row = db.execute("SELECT provisional FROM areas WHERE code = ?", [code]).fetchone()
    return bool(row and row[0])


def indicators_template(csp: Area) -> pd.DataFrame:
    """A partner-indicator file for the CSP in the importer's layout, with one example row to overwrite."""
    return pd.DataFrame([{
        "indicator_key": "domestic-abuse-incidents", "indicator_name": "Domestic abuse incidents",
        "theme": "Domestic abuse", "unit": "count", "polarity": "higher_is_better", "source": "",
        "definition": "", "restricted": 0, "area_code": csp.code, "area_name": csp.name, "period": "",
        "value": "", "numerator": "", "denominator": "",
    }])


def actions_template(csp: Area) -> pd.DataFrame:
    """An action-plan file for the CSP in the importer's layout, with one example row to overwrite."""
    return pd.DataFrame([{
        "id": "", "priority": "Anti-social behaviour", "area_code": csp.code, "action": "",
        "intended_outcome": "", "lead": "", "completion_date": "", "rag": "", "commentary": "",
        "measure_keys": "anti-social-behaviour",
    }])
