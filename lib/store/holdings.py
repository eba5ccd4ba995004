"""The Data page's tables: coverage by CSP and month, the import log, rejected rows, the indicator catalogue.

Column names are plain words because these tables are shown and downloaded as they are.
"""

from __future__ import annotations

import pandas as pd
import sqlite_utils

from lib.core.periods import month_label
from lib.store.access import is_public
from lib.store.counts import months_held
from lib.store.summary import picker_areas

POLARITY_WORDS = {"higher_is_better": "Higher is better", "lower_is_better": "Lower is better",
                  "neutral": "No direction is better"}


def _frame(db: sqlite_utils.Database, sql: str, columns: list[str], params: list | None = None):
    return pd.DataFrame(db.execute(sql, params or []).fetchall(), columns=columns)


def coverage_by_csp(db: sqlite_utils.Database) -> pd.DataFrame:
    """One row per CSP offered in the area picker: first and last month, months with incidents, the total."""
    return _coverage(db, offered=True)


def coverage_over_the_border(db: sqlite_utils.Database) -> pd.DataFrame:
    """The same for CSPs outside the force areas loaded, which hold only points just over the border."""
    return _coverage(db, offered=False)


def _coverage(db: sqlite_utils.Database, offered: bool) -> pd.DataFrame:
    frame = _frame(
        db,
        "SELECT m.csp_code, COALESCE(a.name, m.csp_code), COALESCE(p.name, ''), MIN(m.month), MAX(m.month), "
        "COUNT(DISTINCT m.month), SUM(m.count) FROM csp_monthly_counts m "
        "LEFT JOIN areas a ON a.code = m.csp_code LEFT JOIN areas p ON p.code = a.parent_code "
        "GROUP BY m.csp_code ORDER BY 2",
        ["code", "CSP", "Within", "First month", "Last month", "Months with incidents", "Incidents"],
    )
    picked = {a.code for a in picker_areas(db)}
    frame = frame[frame["code"].isin(picked) == offered].drop(columns="code").reset_index(drop=True)
    for column in ("First month", "Last month"):
        frame[column] = frame[column].map(month_label)
    return frame


def counts_by_month_and_csp(db: sqlite_utils.Database) -> pd.DataFrame:
    """Incidents per month (rows) and CSP (columns), 0 where a CSP has none that month."""
    long = _frame(
        db,
        "SELECT m.month, COALESCE(a.name, m.csp_code), SUM(m.count) FROM csp_monthly_counts m "
        "LEFT JOIN areas a ON a.code = m.csp_code GROUP BY m.month, m.csp_code",
        ["Month", "CSP", "Incidents"],
    )
    wide = long.pivot_table(index="Month", columns="CSP", values="Incidents", aggfunc="sum", fill_value=0)
    wide = wide.reindex(months_held(db), fill_value=0).astype("int64")
    wide.index = wide.index.map(month_label).rename("Month")
    wide.columns.name = None
    return wide.reset_index()


def import_log(db: sqlite_utils.Database) -> pd.DataFrame:
    """Every import, newest first."""
    return _frame(
        db,
        "SELECT id, kind, file_name, rows_read, rows_accepted, rows_duplicate, rows_rejected, "
        "replace(substr(finished_at, 1, 16), 'T', ' '), seconds FROM import_log ORDER BY id DESC",
        ["Import", "Kind", "File", "Rows read", "Added", "Already held", "Rejected", "Finished (UTC)",
         "Seconds"],
    )


def rejected_reasons(db: sqlite_utils.Database) -> pd.DataFrame:
    """How many rows were rejected for each reason, most common first."""
    return _frame(
        db,
        "SELECT reason, COUNT(*) FROM rejected_rows GROUP BY reason ORDER BY 2 DESC, 1",
        ["Reason", "Rows"],
    )


def rejected_rows(db: sqlite_utils.Database, limit: int | None = None) -> pd.DataFrame:
    """The rejected rows with their reasons, by file and row (the first ``limit`` if given).

    None in the public view (``lib.store.access``): each row is a single incident, with its place and month.
    """
    frame = _frame(
        db,
        "SELECT file_name, member, row_number, reason, column_name, month, category, lsoa_code, lsoa_name, "
        "longitude, latitude, location FROM rejected_rows WHERE ? ORDER BY import_id, member, row_number LIMIT ?",
        ["File", "Archive member", "Row", "Reason", "Column", "Month", "Category", "LSOA code", "LSOA name",
         "Longitude", "Latitude", "Location"],
        [int(not is_public(db)), -1 if limit is None else limit],
    )
    return frame.fillna("")  # a missing field reads as blank, on screen and in a spreadsheet


def indicator_catalogue(db: sqlite_utils.Database) -> pd.DataFrame:
    """The partner indicators with their definitions, sources, direction and whether they are restricted."""
    frame = _frame(
        db,
        "SELECT i.name, i.theme, i.unit, i.polarity, i.definition, i.source, i.restricted, "
        "COUNT(o.value), MIN(o.period), MAX(o.period) FROM indicators i "
        "LEFT JOIN observations o ON o.indicator_key = i.key GROUP BY i.key ORDER BY i.theme, i.name",
        ["Indicator", "Theme", "Unit", "Direction", "Definition", "Source", "Restricted", "Values",
         "First period", "Last period"],
    )
    frame["Direction"] = frame["Direction"].map(POLARITY_WORDS).fillna(frame["Direction"])
    frame["Restricted"] = frame["Restricted"].map({1: "Yes", 0: "No"})
    # The optional columns a file may leave out are held as NULL, which pandas reads as NaN: a float that is
    # truthy, prints as 'nan' and breaks text handling. Absent text reads as blank, as rejected rows do.
    text = ["Indicator", "Theme", "Unit", "Direction", "Definition", "Source", "First period", "Last period"]
    frame[text] = frame[text].fillna("")
    return frame
