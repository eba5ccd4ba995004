"""Monthly incident counts for an area, read from the pre-aggregated count tables.

``monthly_counts`` holds a count per LSOA, month and police.uk category; ``csp_monthly_counts`` the same added
up per CSP (kept equal to it by triggers, see ``lib/store/db.py``). A CSP, county or force area is read from the
CSP table, about fifty times smaller; an LSOA or district from the LSOA one: the area's ``lib.store.scope.AreaScope``
says which, and selects its rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlite_utils

from lib.core.areas import Area
from lib.core.sql import placeholders
from lib.store.scope import CSP_COUNTS, AreaScope, as_scope

# Below this share of the median month's incidents, a month at either end of the store is a stray (months_held).
STRAY_MONTH_SHARE = 0.1


def monthly_counts(
    db: sqlite_utils.Database,
    area: Area | AreaScope,
    categories: list[str] | None = None,
    start: str | None = None,
    end: str | None = None,
) -> pd.DataFrame:
    """Count incidents per month in an area (optionally of some categories, between two YYYY-MM months).

    Months inside the store's coverage with no incidents come back as 0, so a series has no gaps.
    """
    scope = as_scope(db, area)
    clauses, params = [scope.where], list(scope.params)
    if categories:
        clauses.append(f"category IN ({placeholders(categories)})")
        params += list(categories)
    if start:
        clauses.append("month >= ?")
        params.append(start)
    if end:
        clauses.append("month <= ?")
        params.append(end)
    rows = db.execute(
        f"SELECT month, SUM(count) FROM {scope.table} WHERE {' AND '.join(clauses)} GROUP BY month",
        params,
    ).fetchall()
    counts = dict(rows)
    months = months_held(db, start, end)
    return pd.DataFrame({"month": months, "count": [int(counts.get(m, 0)) for m in months]})


def months_held(db: sqlite_utils.Database, start: str | None = None, end: str | None = None) -> list[str]:
    """Return every month from the first to the last that holds real volume (clipped to start/end).

    A month at either end holding under a tenth of a typical month's incidents is a stray (a row dated 2029 for
    2019, an odd early record), not the start or end of the data: counting from it would make every page open
    on a year of zeros. Such rows stay in the store; the ``rejected`` and Data page views still list them.
    """
    totals = db.execute("SELECT month, count FROM month_totals ORDER BY month").fetchall()
    if not totals:
        return []
    typical = float(np.median([count for _, count in totals]))
    real = [month for month, count in totals if count >= STRAY_MONTH_SHARE * typical]
    first = max(real[0], start) if start else real[0]
    last = min(real[-1], end) if end else real[-1]
    if first > last:
        return []
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


def categories_held(db: sqlite_utils.Database) -> list[str]:
    """Return the police.uk categories the store holds, alphabetically."""
    return [r[0] for r in db.execute(f"SELECT DISTINCT category FROM {CSP_COUNTS} ORDER BY category")]
