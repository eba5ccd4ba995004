"""Who is looking, and what the store shows them: the one gate for restricted indicators and small figures.

Pages and exports never filter restricted or small figures themselves. The dashboard opens the store *for a
viewer* (``open_for``) and the connection itself is narrowed, so nothing built on it can show what that viewer
may not see, however its query is written:

- **Restricted partner indicators** (flagged ``restricted=1`` by the partner who sent them) are for signed-in
  partners with public mode off. For every other viewer the connection's ``indicators``, ``observations``,
  ``targets`` and ``target_history`` are temporary views without them: SQLite resolves an unqualified table name
  in ``temp`` before ``main``, so every query of the data layer reads the narrowed view. Only the keys of what
  is hidden stay readable (``hidden_indicator_keys``), so a page can say "figures restricted" where a priority
  names one, never its name, values, source or definition.
- **Small-area figures** are public for the same viewers: the connection records the viewer
  (``viewer_of``), and the readers of LSOA and hexagon counts (``lib.hotspots.gi_star``, ``lib.priorities.evidence``,
  ``lib.store.holdings``) apply ``lib.core.disclosure``'s rules before they return anything.

A connection opened directly with ``lib.store.db.open_store`` (the command line, imports, tests) sees everything:
whoever holds the file holds the data. The dashboard decides who is a partner from its secrets
(``lib.core.editors``); without sign-in set up, every viewer is public, whatever the link says.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass

import sqlite_utils

from lib.store.db import READ, open_store


@dataclass(frozen=True)
class Viewer:
    """What a viewer may see. ``public``: small-area figures rounded and suppressed, restricted indicators hidden.

    The two go together: only a signed-in partner with public mode off sees either (``viewer_for``).
    """

    public: bool


PUBLIC = Viewer(public=True)
PARTNERS = Viewer(public=False)

_RESTRICTED_KEYS = "SELECT key FROM main.indicators WHERE restricted <> 0"
# Each view reads main's table of the same name; the keys are read afresh by every query, so an indicator flagged
# restricted while a connection is open is hidden from it at once.
_NARROWED = {
    "indicators": "SELECT * FROM main.indicators WHERE restricted = 0",
    "observations": f"SELECT * FROM main.observations WHERE indicator_key NOT IN ({_RESTRICTED_KEYS})",
    "targets": f"SELECT * FROM main.targets WHERE indicator_key NOT IN ({_RESTRICTED_KEYS})",
    "target_history": f"SELECT * FROM main.target_history WHERE indicator_key NOT IN ({_RESTRICTED_KEYS})",
}


def viewer_for(public_mode: bool, partner: bool) -> Viewer:
    """A signed-in partner sees restricted and small figures while public mode is off; everyone else, never."""
    return PARTNERS if partner and not public_mode else PUBLIC


def open_for(path: str | os.PathLike | None, viewer: Viewer) -> sqlite_utils.Database:
    """Open the store for a viewer, read-only: a connection that returns only what the viewer may see.

    Raises ``lib.store.faults.StoreError`` when the store is missing, damaged or not a database."""
    db = open_store(path, READ)
    narrow(db, viewer)
    return db


def narrow(db: sqlite_utils.Database, viewer: Viewer) -> sqlite_utils.Database:
    """Narrow an open connection to what ``viewer`` may see (once per connection; it cannot be widened again)."""
    if _recorded(db) is not None:
        raise ValueError("this connection is already narrowed for a viewer")
    db.execute("CREATE TEMP TABLE viewer (public INTEGER NOT NULL)")
    db.execute("INSERT INTO temp.viewer (public) VALUES (?)", [int(viewer.public)])
    hidden = _RESTRICTED_KEYS if viewer.public else "SELECT key FROM main.indicators WHERE 0"
    db.execute(f"CREATE TEMP VIEW hidden_indicators AS {hidden}")
    if viewer.public:
        for name, select in _NARROWED.items():
            db.execute(f"CREATE TEMP VIEW {name} AS {select}")
    return db


def viewer_of(db: sqlite_utils.Database) -> Viewer:
    """The viewer a connection was narrowed for; a connection opened directly sees everything."""
    recorded = _recorded(db)
    return PARTNERS if recorded is None else recorded


def is_public(db: sqlite_utils.Database) -> bool:
    """Whether this connection serves the public view (small-area figures protected)."""
    return viewer_of(db).public


def hidden_indicator_keys(db: sqlite_utils.Database) -> set[str]:
    """The keys of the restricted indicators this connection hides (none for partners or a direct connection)."""
    if _recorded(db) is None:
        return set()
    return {key for (key,) in db.execute("SELECT key FROM temp.hidden_indicators")}


def _recorded(db: sqlite_utils.Database) -> Viewer | None:
    try:
        row = db.execute("SELECT public FROM temp.viewer").fetchone()
    except sqlite3.OperationalError:  # no such table: a connection opened directly
        return None
    return None if row is None else Viewer(public=bool(row[0]))
