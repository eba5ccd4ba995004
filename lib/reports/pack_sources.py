"""The committee pack's last section: every source it draws on with the period used, the licence, and the methods.
"""

from __future__ import annotations

import pandas as pd
import sqlite_utils
from reportlab.platypus import Flowable

from lib.core.attribution import DEMO_NOTICE, OGL, OS_BOUNDARIES
from lib.core.catalogue import PPV_NOTE
from lib.core.periods import is_month, month_label
from lib.hotspots import gi_star
from lib.reports import pdf_layout as pdf
from lib.reports.pack_context import Pack

# The same words as the dashboard's (ui/sidebar.py, ui/shell.py), copied because lib must not import the UI.


def sources_and_licence(pack: Pack, heading: str) -> list[Flowable]:
    """The last section: the sources used with their periods, the licence and the methods."""
    rows = [*_police_rows(pack), *_ons_rows(pack.db), *_partner_rows(pack), *_plan_rows(pack)]
    return [
        pdf.heading(heading),
        *([pdf.text(DEMO_NOTICE, "notice")] if pack.store.demo else []),
        pdf.text(f"Every source this pack draws on, with the period used. Generated {pack.today:%d %B %Y}.", "body"),
        pdf.table(pd.DataFrame(rows, columns=["Source", "Used for", "Period"]), [3.2, 2.4, 2.8]),
        pdf.text("Licence", "subheading"),
        pdf.text(OGL, "body"),
        pdf.text(f"police.uk street-level crime data: Home Office. Lookups, population estimates and boundaries: "
                 f"Office for National Statistics. {OS_BOUNDARIES}", "body"),
        pdf.text("Methods", "subheading"),
        pdf.text(METHODS, "small"),
    ]


METHODS = (
    "Counts and rates have Byar's 95% confidence intervals (exact Poisson below 10). A change on a year earlier "
    "is judged by the exact conditional test for two counts at 95%; the recent trend by the chi-squared test for "
    "trend on the five latest months (p below 0.002). Hot and cold spots: incidents are counted in each hexagon "
    "or LSOA of the area and tested with the Getis-Ord Gi* statistic against "
    f"{gi_star.DEFAULT_PERMUTATIONS:,} random rearrangements, with the Benjamini-Hochberg false discovery rate "
    "correction at 90%, 95% and 99%; a hot spot is a cluster of busy cells, not one busy cell. The trajectory "
    "compares the same test on the same number of months just before. Priority scores follow the "
    "MoRiLE-style formula on the dashboard's Priority matrix page. " + PPV_NOTE
)


def _police_rows(pack: Pack) -> list[tuple[str, str, str]]:
    source = ("Synthetic demo data shaped like police.uk street-level data (not real)" if pack.store.demo
              else "police.uk street-level crime and anti-social behaviour data (Home Office)")
    first = pack.store.first_month or pack.period.start
    return [(source, "Headline counts, overview, hotspots, trends, measures",
             f"{pack.period.span}; trends and measures from {month_label(first)}")]


def _ons_rows(db: sqlite_utils.Database) -> list[tuple[str, str, str]]:
    rows = [(f"ONS mid-year population estimates ({file})", "Rates per 1,000 residents",
             f"{first} to {last} (each year's estimate for its financial year, nearest held)")
            for file, first, last in db.execute(
                "SELECT source, MIN(year), MAX(year) FROM population GROUP BY source ORDER BY source")]
    lookups = [r[0] for r in db.execute("SELECT DISTINCT file_name FROM import_log WHERE kind = 'lookup'")]
    if lookups:
        rows.append((f"ONS area lookups ({', '.join(lookups)})", "Which CSP and county each place is in", "as held"))
    for (file,) in db.execute("SELECT DISTINCT source FROM boundaries WHERE source IS NOT NULL"):
        rows.append((f"ONS boundaries ({file})", "Map outlines, LSOA neighbours", "as held"))
    return rows


def _partner_rows(pack: Pack) -> list[tuple[str, str, str]]:
    rows = []
    for indicator in sorted(pack.used.values(), key=lambda i: i.name):
        first, last = pack.db.execute("SELECT MIN(period), MAX(period) FROM observations WHERE indicator_key = ?",
                                      [indicator.key]).fetchone()
        held = f"{_held(first)} to {_held(last)}" if first and first != last else _held(first or "none held")
        rows.append((f"{indicator.source}: {indicator.name}", "Partner indicator", held))
    return rows


def _held(period: str) -> str:
    return month_label(period) if is_month(period) else period


def _plan_rows(pack: Pack) -> list[tuple[str, str, str]]:
    rows = []
    changed = pack.db.execute("SELECT MAX(updated_at) FROM targets").fetchone()[0]
    if changed or pack.db.execute("SELECT 1 FROM targets LIMIT 1").fetchone():
        rows.append(("CSP targets held in the dashboard", "Measures", f"last changed {(changed or '')[:10]}"))
    assessment = pack.assessment
    if assessment:
        version = assessment.version
        rows.append((f"Threat, harm and risk assessment “{version.name}” ({assessment.owner.name})",
                     "Priority matrix, trends chosen", f"{version.year}; evidence {version.evidence_period or ''}"))
    updated = pack.db.execute("SELECT MAX(last_updated) FROM actions").fetchone()[0]
    if updated:
        rows.append(("Partnership action plan held in the dashboard", "Action plan",
                     f"last updated {updated[:10]}; overdue as at {pack.today:%d %b %Y}"))
    return rows
