"""Take a police.uk import back out of the store, in one transaction: its incidents, counts and rejected rows.

For a file imported by mistake (another force, a month with mistyped dates) or to be replaced. The other kinds
of file update what they name when a corrected file is imported, so they are not removed this way.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from lib.core.import_kinds import POLICE_UK
from lib.core.sql import placeholders
from lib.store.counts import months_held

REMOVABLE_KINDS = (POLICE_UK,)


@dataclass(frozen=True)
class RemovedImport:
    """What removing one file's imports took out of the store."""

    file_name: str
    import_ids: tuple[int, ...]
    incidents: int
    rejected_rows: int
    # Later imports that found rows already held, some perhaps only from this file: they go with it.
    later_files_with_held_rows: tuple[str, ...]
    months_held: tuple[str, ...]

    def line(self) -> str:
        """One line for the command line."""
        ids = ", ".join(str(i) for i in self.import_ids)
        span = f"{self.months_held[0]} to {self.months_held[-1]}" if self.months_held else "no months"
        text = (f"removed {self.file_name} (import {ids}): {self.incidents:,} incidents and "
                f"{self.rejected_rows:,} rejected rows; the store now holds {span}")
        if self.later_files_with_held_rows:
            text += (". Rows these later files shared with it went too; import them again to restore them: "
                     + ", ".join(self.later_files_with_held_rows))
        return text


def remove_import(db: sqlite_utils.Database, file_or_id: str) -> RemovedImport:
    """Remove every import of a file (by its name as logged, or by import id) in one transaction.

    Raises LookupError when no import fits or the file is of a kind that cannot be removed.
    """
    imports = _imports_named(db, file_or_id)
    kinds = {kind for _, kind, _ in imports}
    if not kinds <= set(REMOVABLE_KINDS):
        raise LookupError(
            f"{imports[0][2]} is a {', '.join(sorted(kinds))} import: only police.uk imports can be removed. "
            "Import a corrected file instead (the rows it names are updated)"
        )
    ids = [import_id for import_id, _, _ in imports]
    db.execute("BEGIN IMMEDIATE")
    try:
        incidents, rejected = _remove(db, ids)
        later = _later_files_with_held_rows(db, ids)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return RemovedImport(imports[0][2], tuple(ids), incidents, rejected, later, tuple(months_held(db)))


def _imports_named(db: sqlite_utils.Database, file_or_id: str) -> list[tuple[int, str, str]]:
    text = file_or_id.strip()
    rows = db.execute(
        "SELECT id, kind, file_name FROM import_log WHERE file_name = ? OR CAST(id AS TEXT) = ? ORDER BY id",
        [text, text],
    ).fetchall()
    if not rows:
        raise LookupError(f"no import of a file called {text!r} (the `imports` command lists them)")
    if len({name for _, _, name in rows}) > 1:  # an id that is also another file's name: ask for one
        raise LookupError(f"{text!r} names more than one import; give the file name or the import id alone")
    return rows


def _remove(db: sqlite_utils.Database, ids: list[int]) -> tuple[int, int]:
    """Take the imports' incidents off both count tables, then delete them and the points left unused."""
    marks = placeholders(ids)
    gone = f"SELECT * FROM incidents WHERE import_id IN ({marks})"
    # The CSP and month totals follow monthly_counts by triggers (lib/store/db.py).
    db.execute(
        f"WITH gone AS (SELECT p.csp_code, c.name AS category, i.month, p.lsoa_code, COUNT(*) AS n FROM ({gone}) i "
        "JOIN points p ON p.id = i.point_id JOIN categories c ON c.id = i.category_id GROUP BY 1, 2, 3, 4) "
        "UPDATE monthly_counts SET count = monthly_counts.count - gone.n FROM gone "
        "WHERE monthly_counts.csp_code = gone.csp_code AND monthly_counts.category = gone.category "
        "AND monthly_counts.month = gone.month AND monthly_counts.lsoa_code = gone.lsoa_code",
        ids,
    )
    db.execute("DELETE FROM monthly_counts WHERE count <= 0")
    db.execute(
        f"WITH gone AS (SELECT i.month, p.lsoa_code, i.category_id, i.point_id, COUNT(*) AS n FROM ({gone}) i "
        "JOIN points p ON p.id = i.point_id GROUP BY 1, 2, 3, 4) "
        "UPDATE point_monthly_counts SET count = point_monthly_counts.count - gone.n FROM gone "
        "WHERE point_monthly_counts.month = gone.month AND point_monthly_counts.lsoa_code = gone.lsoa_code "
        "AND point_monthly_counts.category_id = gone.category_id AND point_monthly_counts.point_id = gone.point_id",
        ids,
    )
    db.execute("DELETE FROM point_monthly_counts WHERE count <= 0")
    candidates = [r[0] for r in db.execute(f"SELECT DISTINCT point_id FROM ({gone})", ids)]
    incidents = db.execute(f"DELETE FROM incidents WHERE import_id IN ({marks})", ids).rowcount
    if candidates:
        # A snap point still used by another import's incidents stays.
        db.execute("CREATE TEMP TABLE IF NOT EXISTS removal_points (id INTEGER PRIMARY KEY)")
        db.execute("DELETE FROM temp.removal_points")
        db.conn.executemany("INSERT INTO temp.removal_points VALUES (?)", [(c,) for c in candidates])
        db.execute("DELETE FROM temp.removal_points WHERE id IN (SELECT point_id FROM incidents)")
        db.execute("DELETE FROM points WHERE id IN (SELECT id FROM temp.removal_points)")
        db.execute("DROP TABLE temp.removal_points")
    rejected = db.execute(f"DELETE FROM rejected_rows WHERE import_id IN ({marks})", ids).rowcount
    db.execute(f"DELETE FROM import_log WHERE id IN ({marks})", ids)
    return incidents, rejected


def _later_files_with_held_rows(db: sqlite_utils.Database, ids: list[int]) -> tuple[str, ...]:
    rows = db.execute(
        "SELECT DISTINCT file_name FROM import_log WHERE kind = ? AND id > ? AND rows_duplicate > 0 "
        "ORDER BY file_name", [POLICE_UK, min(ids)],
    ).fetchall()
    return tuple(r[0] for r in rows)
