"""The SQLite store: where it lives, its schema, and its migrations.

Everything the dashboard shows is read from one SQLite file through sqlite-utils. The schema is
versioned in the ``meta`` table and brought up to date by the ``MIGRATIONS`` below, in order.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Final, Literal

import sqlite_utils

from lib.core.land_area import boundary_hectares
from lib.store.faults import (
    StoreError,
    as_store_error,
    check_intact,
    may_write,
    missing_message,
    read_only_message,
)

# The repository's data/ folder (lib/store/db.py is two folders down), where make run builds the demo county.
DEFAULT_DB = Path(__file__).resolve().parents[2] / "data" / "csp.db"
# Why the store is opened: READ (the dashboard's pages, reports) opens it read-only and writes nothing; WRITE
# (edits, upgrades) checks it may be written first.
READ: Final = "read"
WRITE: Final = "write"
# IMPORT is WRITE for a big write (an import, a removal): the whole file is checked for damage first, which takes
# about a second per 200 MB, so an editor's one-row save (WRITE) does not pay it.
IMPORT: Final = "import"
Intent = Literal["read", "write", "import"]

AREA_KINDS = ("lsoa", "district", "csp", "county", "force")
POLARITIES = ("higher_is_better", "lower_is_better", "neutral")


def store_path(path: str | os.PathLike | None = None) -> Path:
    """Return the store's path: the argument, else ``$CSP_DB``, else ``data/csp.db``."""
    if path is not None:
        return Path(path)
    return Path(os.environ.get("CSP_DB") or DEFAULT_DB)


def open_store(path: str | os.PathLike | None = None, intent: Intent = WRITE) -> sqlite_utils.Database:
    """Open the store to read or to write; raise StoreError, in plain words, when it cannot be.

    WRITE (the default: edits, the demo, tests) creates the file if need be, refuses a read-only store, then brings
    the schema up to date. IMPORT does the same and first refuses, with SQLite's ``quick_check``, a damaged store
    before anything is written to it.
    READ (the dashboard's pages, reports) opens an existing file read-only: nothing is written, so a store the
    server may not write is still shown. A store whose schema is behind is upgraded first where it may be written.
    """
    target = store_path(path)
    if intent == READ:
        return _open_for_reading(target)
    if target.exists() and not may_write(target):
        raise StoreError(read_only_message(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(target)
    try:
        # Autocommit at the driver level: importers open explicit transactions themselves.
        db.conn.isolation_level = None
        db.execute("PRAGMA busy_timeout = 10000")
        # Imports write hundreds of MB in one transaction: a generous page cache keeps B-tree pages in memory
        # instead of spilling them to the WAL mid-transaction, and sorts for GROUP BY stay in memory.
        db.execute("PRAGMA cache_size = -262144")
        db.execute("PRAGMA temp_store = MEMORY")
        if intent == IMPORT:  # before the first statement that may write (the journal mode writes the header)
            check_intact(db, target)
        # Larger pages make the append-heavy imports cheaper; it only takes effect on a new, empty file.
        db.execute("PRAGMA page_size = 16384")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        migrate(db)
    except (sqlite3.Error, StoreError) as error:
        db.close()
        problem = as_store_error(error, target) if isinstance(error, sqlite3.Error) else error
        if problem is None:
            raise
        raise problem from None
    return db


def _open_for_reading(target: Path) -> sqlite_utils.Database:
    if not target.exists():
        raise StoreError(missing_message(target))
    uri = f"{target.resolve().as_uri()}?mode=ro"
    connection = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        db = _reading(connection)
        if schema_version(db) < len(MIGRATIONS):
            connection.close()
            if not may_write(target):
                raise StoreError(f"The store {target} was made by an older version of the dashboard and needs "
                                 "upgrading, but it is read-only. Upgrade it once where it may be written: "
                                 f"python -m lib.cli --db {target} areas")
            open_store(target, WRITE).close()
            connection = sqlite3.connect(uri, uri=True, isolation_level=None)
            db = _reading(connection)
    except sqlite3.Error as error:
        connection.close()
        problem = as_store_error(error, target)
        if problem is None:
            raise
        raise problem from None
    return db


def _reading(connection: sqlite3.Connection) -> sqlite_utils.Database:
    # The connection is opened mode=ro: SQLite itself refuses any write, and a file the server may not write opens
    # all the same. Connecting reads nothing, so a file that is no database fails here, at the first statement.
    db = sqlite_utils.Database(connection)
    db.execute("PRAGMA busy_timeout = 10000")
    db.execute("PRAGMA cache_size = -262144")
    db.execute("PRAGMA temp_store = MEMORY")
    return db


def may_build_demo(path: Path) -> bool:
    """Whether a missing store may be replaced by the generated demo county: only on a machine that names no store.

    With ``CSP_DB`` set, or a path other than the default, the file is someone's real store, and a missing file
    means it was deleted or moved: building the synthetic county in its place would show made-up figures as theirs.
    """
    return not os.environ.get("CSP_DB") and path.resolve() == Path(DEFAULT_DB).resolve()


def memory_store() -> sqlite_utils.Database:
    """Open a fresh in-memory store with the current schema (for tests and scratch work)."""
    db = sqlite_utils.Database(memory=True)
    db.conn.isolation_level = None
    migrate(db)
    return db


def schema_version(db: sqlite_utils.Database) -> int:
    """Return the schema version the store is at (0 for an empty file)."""
    if "meta" not in db.table_names():
        return 0
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(db: sqlite_utils.Database) -> int:
    """Apply every migration the store has not had yet, each in its own transaction."""
    version = schema_version(db)
    for number, step in enumerate(MIGRATIONS, start=1):
        if number <= version:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            step(db)
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [str(number)],
            )
            db.execute("COMMIT")
        except BaseException:
            if db.conn.in_transaction:  # SQLite has already rolled back after a full disk
                db.execute("ROLLBACK")
            raise
        version = number
    return version


def _m001_initial(db: sqlite_utils.Database) -> None:
    # incidents carries no FOREIGN KEY clauses on purpose: four look-ups per row would halve import speed,
    # and the police.uk importer writes the referenced rows itself in the same transaction.
    _execute_script(db, _INITIAL_SCHEMA)


def _execute_script(db: sqlite_utils.Database, script: str) -> None:
    """Run a schema script statement by statement: executescript() would commit the migration half-way."""
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)


_INITIAL_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT
);
CREATE TABLE areas (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('lsoa', 'district', 'csp', 'county', 'force')),
    parent_code TEXT,
    provisional INTEGER NOT NULL DEFAULT 0,
    min_lon REAL, min_lat REAL, max_lon REAL, max_lat REAL
);
CREATE INDEX areas_kind_name ON areas (kind, name);
CREATE INDEX areas_parent ON areas (parent_code);
CREATE TABLE boundaries (
    area_code TEXT PRIMARY KEY REFERENCES areas (code),
    geojson TEXT NOT NULL,
    source TEXT
);
CREATE TABLE population (
    area_code TEXT NOT NULL REFERENCES areas (code),
    year INTEGER NOT NULL,
    population INTEGER NOT NULL,
    aged_0_17 INTEGER, aged_18_64 INTEGER, aged_65_plus INTEGER,
    area_hectares REAL,
    source TEXT,
    PRIMARY KEY (area_code, year)
);
CREATE TABLE indicators (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    theme TEXT,
    unit TEXT NOT NULL DEFAULT 'count',
    polarity TEXT NOT NULL DEFAULT 'neutral'
        CHECK (polarity IN ('higher_is_better', 'lower_is_better', 'neutral')),
    source TEXT,
    definition TEXT,
    restricted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE observations (
    indicator_key TEXT NOT NULL REFERENCES indicators (key),
    area_code TEXT NOT NULL REFERENCES areas (code),
    period TEXT NOT NULL,
    value REAL NOT NULL,
    numerator REAL,
    denominator REAL,
    import_id INTEGER,
    PRIMARY KEY (indicator_key, area_code, period)
);
CREATE INDEX observations_area ON observations (area_code, period);
CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE forces (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE outcomes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE points (
    id INTEGER PRIMARY KEY,
    longitude REAL NOT NULL,
    latitude REAL NOT NULL,
    location TEXT,
    lsoa_code TEXT NOT NULL,
    district_code TEXT NOT NULL,
    csp_code TEXT NOT NULL,
    h3 INTEGER NOT NULL
);
CREATE INDEX points_csp ON points (csp_code);
CREATE INDEX points_lsoa ON points (lsoa_code);
CREATE TABLE incidents (
    month TEXT NOT NULL,
    key INTEGER NOT NULL,
    category_id INTEGER NOT NULL,
    point_id INTEGER NOT NULL,
    outcome_id INTEGER,
    force_id INTEGER,
    context TEXT,
    import_id INTEGER NOT NULL,
    PRIMARY KEY (month, key)
) WITHOUT ROWID;
CREATE VIEW incident_points AS
SELECT i.month, c.name AS category, p.longitude, p.latitude, p.location, p.lsoa_code, p.district_code,
       p.csp_code, f.name AS force, o.name AS outcome, i.context, p.h3, i.import_id
FROM incidents i
JOIN points p ON p.id = i.point_id
JOIN categories c ON c.id = i.category_id
LEFT JOIN forces f ON f.id = i.force_id
LEFT JOIN outcomes o ON o.id = i.outcome_id;
CREATE TABLE monthly_counts (
    lsoa_code TEXT NOT NULL,
    month TEXT NOT NULL,
    category TEXT NOT NULL,
    district_code TEXT NOT NULL,
    csp_code TEXT NOT NULL,
    count INTEGER NOT NULL,
    -- CSP first: the pages ask for one CSP's (or county's) categories over a run of months.
    PRIMARY KEY (csp_code, category, month, lsoa_code)
) WITHOUT ROWID;
CREATE INDEX monthly_counts_month ON monthly_counts (month);
CREATE TABLE import_log (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    rows_read INTEGER NOT NULL DEFAULT 0,
    rows_accepted INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    rows_duplicate INTEGER NOT NULL DEFAULT 0,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    seconds REAL
);
CREATE TABLE rejected_rows (
    sha256 TEXT NOT NULL,
    member TEXT NOT NULL DEFAULT '',
    row_number INTEGER NOT NULL,
    import_id INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    reason TEXT NOT NULL,
    column_name TEXT,
    month TEXT,
    category TEXT,
    lsoa_code TEXT,
    lsoa_name TEXT,
    longitude TEXT,
    latitude TEXT,
    location TEXT,
    PRIMARY KEY (sha256, member, row_number)
);
CREATE INDEX rejected_rows_reason ON rejected_rows (reason);
CREATE TABLE targets (
    id INTEGER PRIMARY KEY,
    csp_code TEXT NOT NULL REFERENCES areas (code),
    indicator_key TEXT NOT NULL,
    measure TEXT NOT NULL,
    target_type TEXT NOT NULL CHECK (target_type IN ('percent_change', 'absolute', 'direction')),
    target_value REAL,
    baseline_period TEXT,
    target_period TEXT NOT NULL,
    basis TEXT NOT NULL DEFAULT 'fytd' CHECK (basis IN ('fytd', 'rolling_12', 'year_end')),
    commentary TEXT,
    updated_by TEXT,
    updated_at TEXT
);
CREATE TABLE priority_assessments (
    id INTEGER PRIMARY KEY,
    version TEXT NOT NULL,
    year TEXT NOT NULL,
    area_code TEXT NOT NULL,
    issue TEXT NOT NULL,
    harm REAL, likelihood REAL, confidence REAL, organisational_position REAL,
    risk_score REAL,
    chosen INTEGER NOT NULL DEFAULT 0,
    rationale TEXT,
    created_by TEXT,
    created_at TEXT,
    UNIQUE (version, area_code, issue)
);
CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    priority TEXT NOT NULL,
    area_code TEXT,
    action TEXT NOT NULL,
    intended_outcome TEXT,
    lead TEXT,
    completion_date TEXT,
    rag TEXT CHECK (rag IN ('Red', 'Amber', 'Green', 'Complete')),
    commentary TEXT,
    measure_keys TEXT,
    last_updated TEXT,
    updated_by TEXT
)
"""

def _m002_target_history(db: sqlite_utils.Database) -> None:
    # One target per CSP, indicator and year, so a re-imported targets file updates rather than duplicates.
    db.execute("CREATE UNIQUE INDEX targets_measure ON targets (csp_code, indicator_key, target_period)")
    db.execute(
        """
        CREATE TABLE target_history (
            id INTEGER PRIMARY KEY,
            target_id INTEGER NOT NULL,
            csp_code TEXT NOT NULL,
            indicator_key TEXT NOT NULL,
            target_period TEXT NOT NULL,
            field TEXT NOT NULL,
            old_value TEXT,
            new_value TEXT,
            changed_by TEXT NOT NULL,
            changed_at TEXT NOT NULL,
            reason TEXT
        )
        """
    )
    db.execute("CREATE INDEX target_history_target ON target_history (target_id, changed_at)")


def _m003_priorities_and_actions(db: sqlite_utils.Database) -> None:
    # The first schema's one-row-per-issue assessment had no room for MoRiLE's separate harm, likelihood and
    # position scores. Nothing but the demo ever wrote it; a store that holds rows keeps them under a new name.
    held = db.execute("SELECT COUNT(*) FROM priority_assessments").fetchone()[0]
    db.execute("ALTER TABLE priority_assessments RENAME TO priority_assessments_v1" if held
               else "DROP TABLE priority_assessments")
    _execute_script(db, _PRIORITY_SCHEMA)


_PRIORITY_SCHEMA = """
CREATE TABLE assessment_versions (
    -- AUTOINCREMENT: a deleted draft's id is never reused, so its history cannot attach to another.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    area_code TEXT NOT NULL,
    year TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'saved')),
    evidence_period TEXT,
    note TEXT,
    saved_by TEXT,
    saved_at TEXT,
    UNIQUE (area_code, year, name)
);
CREATE TABLE assessment_scores (
    version_id INTEGER NOT NULL REFERENCES assessment_versions (id) ON DELETE CASCADE,
    issue TEXT NOT NULL,
    indicator_key TEXT,
    physical INTEGER NOT NULL, psychological INTEGER NOT NULL, financial INTEGER NOT NULL,
    community INTEGER NOT NULL, environmental INTEGER NOT NULL, scope INTEGER NOT NULL,
    frequency INTEGER NOT NULL, trend INTEGER NOT NULL, vulnerability INTEGER NOT NULL,
    confidence INTEGER NOT NULL,
    capacity INTEGER NOT NULL, capability INTEGER NOT NULL, led_elsewhere INTEGER NOT NULL,
    chosen INTEGER NOT NULL DEFAULT 0,
    rationale TEXT,
    harm_score REAL, likelihood_score REAL, risk_score REAL, position_score REAL, priority_score REAL,
    PRIMARY KEY (version_id, issue)
);
CREATE TABLE assessment_history (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL,
    issue TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX assessment_history_version ON assessment_history (version_id, changed_at);
CREATE UNIQUE INDEX actions_identity ON actions (priority, COALESCE(area_code, ''), action);
CREATE TABLE action_history (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX action_history_action ON action_history (action_id, changed_at)
"""


def _m004_csp_monthly_counts(db: sqlite_utils.Database) -> None:
    # At national scale (18 million incidents) monthly_counts holds about 8 million LSOA rows, and every question
    # asked of a CSP, county, force or the whole store (the picker's areas, the headline counts, similar areas'
    # national comparison) read hundreds of thousands to millions of them. The same counts per CSP are 160,000
    # rows. Triggers keep them equal to monthly_counts whoever writes it (the importer, re-filing areas after a
    # lookup, a test), so nothing else has to remember to.
    db.execute(
        """
        CREATE TABLE csp_monthly_counts (
            csp_code TEXT NOT NULL,
            category TEXT NOT NULL,
            month TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (csp_code, category, month)
        ) WITHOUT ROWID
        """
    )
    db.execute(
        "INSERT INTO csp_monthly_counts (csp_code, category, month, count) "
        "SELECT csp_code, category, month, SUM(count) FROM monthly_counts GROUP BY csp_code, category, month"
    )
    for trigger in _CSP_COUNT_TRIGGERS:
        db.execute(trigger)


_ADD_NEW = (
    "INSERT INTO csp_monthly_counts (csp_code, category, month, count) "
    "VALUES (NEW.csp_code, NEW.category, NEW.month, NEW.count) "
    "ON CONFLICT DO UPDATE SET count = count + excluded.count;"
)
_TAKE_OLD = (
    "UPDATE csp_monthly_counts SET count = count - OLD.count "
    "WHERE csp_code = OLD.csp_code AND category = OLD.category AND month = OLD.month; "
    "DELETE FROM csp_monthly_counts "
    "WHERE csp_code = OLD.csp_code AND category = OLD.category AND month = OLD.month AND count = 0;"
)
_CSP_COUNT_TRIGGERS = (
    f"CREATE TRIGGER monthly_counts_insert AFTER INSERT ON monthly_counts BEGIN {_ADD_NEW} END",
    f"CREATE TRIGGER monthly_counts_delete AFTER DELETE ON monthly_counts BEGIN {_TAKE_OLD} END",
    # An import adding to a held row changes only its count; re-filing after a lookup changes its CSP.
    "CREATE TRIGGER monthly_counts_update AFTER UPDATE OF csp_code, category, month, count ON monthly_counts "
    f"BEGIN {_TAKE_OLD} {_ADD_NEW} END",
)


def _m005_point_monthly_counts(db: sqlite_utils.Database) -> None:
    # The hot spot map and predicted hotspots count an area's incidents per snap point over 13 to 24 months. From
    # incidents that meant reading every incident of those months in the country (12 million at national scale)
    # to keep one CSP's. Here the same counts are kept per month, LSOA, category and point, so an area's are a
    # few look-ups per month and LSOA. An LSOA never changes for a point (a point's id hashes its LSOA), so
    # unlike a CSP code nothing has to be re-filed when a lookup arrives. Written by the police.uk importer in
    # the same transaction as the incidents.
    db.execute(
        """
        CREATE TABLE point_monthly_counts (
            month TEXT NOT NULL,
            lsoa_code TEXT NOT NULL,
            category_id INTEGER NOT NULL,
            point_id INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (month, lsoa_code, category_id, point_id)
        ) WITHOUT ROWID
        """
    )
    db.execute(
        "INSERT INTO point_monthly_counts (month, lsoa_code, category_id, point_id, count) "
        "SELECT i.month, p.lsoa_code, i.category_id, i.point_id, COUNT(*) FROM incidents i "
        "JOIN points p ON p.id = i.point_id GROUP BY i.month, p.lsoa_code, i.category_id, i.point_id"
    )
    # What the Home and Data pages say is loaded ("314 CSPs, 348 districts, 34,753 LSOAs") counts the districts
    # and LSOAs of the offered CSPs' points: from this index alone, not a look-up in the table per point.
    db.execute("CREATE INDEX points_csp_place ON points (csp_code, district_code, lsoa_code)")
    db.execute("DROP INDEX points_csp")  # the new index starts with the same column


def _m006_month_index_on_csp_counts(db: sqlite_utils.Database) -> None:
    # The first and last month held (lib.store.counts.months_held) are read from csp_monthly_counts, by this index.
    # monthly_counts' own month index served nothing else since migration 4 and was a fifth of an
    # 18-million-incident store (500 MB), so it goes (the space is reused by later imports; VACUUM returns it).
    db.execute("CREATE INDEX IF NOT EXISTS csp_monthly_counts_month ON csp_monthly_counts (month)")
    db.execute("DROP INDEX IF EXISTS monthly_counts_month")


def _m007_boundary_hectares(db: sqlite_utils.Database) -> None:
    # Similar areas needs every CSP's and LSOA's area; measuring 34,753 boundaries on each visit took most of a
    # second, so each boundary's area is stored beside it (the importer writes it with the boundary).
    db.execute("ALTER TABLE boundaries ADD COLUMN hectares REAL")
    rows = db.execute("SELECT area_code, geojson FROM boundaries").fetchall()
    if rows:
        hectares = boundary_hectares([geojson for _, geojson in rows])
        db.conn.executemany("UPDATE boundaries SET hectares = ? WHERE area_code = ?",
                            [(area, code) for (code, _), area in zip(rows, hectares, strict=True)])


def _m008_month_totals(db: sqlite_utils.Database) -> None:
    # Which months hold real volume decides the default period (lib.store.counts.months_held): one stray row dated 2029
    # must not make every page open on a year of zeros. Every page asks, so the totals per month are kept by
    # triggers on csp_monthly_counts (whoever writes it) rather than summed from it on each visit.
    db.execute("CREATE TABLE IF NOT EXISTS month_totals (month TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID")
    db.execute("DELETE FROM month_totals")
    db.execute("INSERT INTO month_totals SELECT month, SUM(count) FROM csp_monthly_counts GROUP BY month")
    for trigger in _MONTH_TOTAL_TRIGGERS:
        db.execute(trigger)


_ADD_TO_MONTH = (
    "INSERT INTO month_totals (month, count) VALUES (NEW.month, NEW.count) "
    "ON CONFLICT DO UPDATE SET count = count + excluded.count;"
)
_TAKE_FROM_MONTH = (
    "UPDATE month_totals SET count = count - OLD.count WHERE month = OLD.month; "
    "DELETE FROM month_totals WHERE month = OLD.month AND count = 0;"
)
_MONTH_TOTAL_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS csp_monthly_counts_insert AFTER INSERT ON csp_monthly_counts "
    f"BEGIN {_ADD_TO_MONTH} END",
    "CREATE TRIGGER IF NOT EXISTS csp_monthly_counts_delete AFTER DELETE ON csp_monthly_counts "
    f"BEGIN {_TAKE_FROM_MONTH} END",
    "CREATE TRIGGER IF NOT EXISTS csp_monthly_counts_update AFTER UPDATE OF month, count ON csp_monthly_counts "
    f"BEGIN {_TAKE_FROM_MONTH} {_ADD_TO_MONTH} END",
)


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _m001_initial, _m002_target_history, _m003_priorities_and_actions, _m004_csp_monthly_counts,
    _m005_point_monthly_counts, _m006_month_index_on_csp_counts, _m007_boundary_hectares, _m008_month_totals,
]


def get_meta(db: sqlite_utils.Database, key: str, default: str | None = None) -> str | None:
    """Read one value from the ``meta`` table."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    """Write one value to the ``meta`` table (inside the caller's transaction, if any)."""
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def is_demo(db: sqlite_utils.Database) -> bool:
    """Whether the store holds the generated demo county rather than real data."""
    return get_meta(db, "dataset") == "demo"
