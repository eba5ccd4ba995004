"""The partnership action plan: what each priority's actions are, who leads them, by when, and how they stand.

A CSP (or the county partnership) agrees a few priorities from its strategic assessment. Each priority has an
action plan: one row per action, with the outcome it is meant to bring, a lead (a team or an officer), a
completion date (a month such as "March 2015", or "Ongoing") and a RAG status with commentary. Leads update
their actions every quarter and the partnership board reviews the plan, so every change, by import or in the
app, is written to ``action_history`` with who made it and when, in the same transaction as the change itself.

An action belongs to one CSP, to a county (county-wide), or to no area (partnership-wide, ``area_code`` NULL).
It may name the indicators it is meant to move (``measure_keys``), so the plan can show each action beside
the RAG of the CSP measures on those indicators (see ``measure_links``).

The action's RAG is the lead's own judgement of delivery (Red, Amber, Green, or Complete); it is separate
from a measure's RAG, which the dashboard works out from the figures.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import sqlite_utils

from lib.core.areas import areas_of_kinds, held_area_named, unknown_area_message
from lib.core.export import FORMULA_START
from lib.core.formatting import label
from lib.core.import_kinds import ACTIONS
from lib.core.sql import placeholders
from lib.importers.area_files import read_table
from lib.importers.base import ImportFileError, ImportSummary, import_transaction, now_iso, readable_name
from lib.performance.measures import AMBER, GREEN, NO_DATA, RED
from lib.priorities.action_fields import (
    COMPLETE,
    EDITABLE,
    IMPORT_COLUMNS,
    ONGOING,
    RAGS,
    REQUIRED,
    check_action,
    is_blank,
    stored_value,
)

# An action is for the whole partnership (no area), a county or one CSP.
PLAN_AREA_KINDS = ("csp", "county")
ALL_PRIORITIES = "All priorities"
PARTNERSHIP_WIDE = "Partnership-wide"  # how an action with no area is named
NO_TARGET = "No target"
# Column headings people write for the same thing ("Completion Date", "Outcome" in the partnership's plans).
_ALIASES = {"outcome": "intended_outcome"}



@dataclass(frozen=True)
class Action:
    """One row of the actions table (``measure_keys`` split into a tuple)."""

    id: int
    priority: str
    area_code: str | None  # a CSP or county code; None for a partnership-wide action
    action: str
    intended_outcome: str | None
    lead: str | None
    completion_date: str | None  # ISO date; None means ongoing
    rag: str | None  # None until the lead first rates it
    commentary: str | None
    measure_keys: tuple[str, ...]
    last_updated: str | None
    updated_by: str | None


_COLUMNS = ", ".join(Action.__dataclass_fields__)


def _action(row: tuple) -> Action:
    values = dict(zip(Action.__dataclass_fields__, row, strict=True))
    values["measure_keys"] = tuple(k for k in (values["measure_keys"] or "").split(",") if k)
    return Action(**values)


# --- Reading ------------------------------------------------------------------------------------------------


def load_actions(db: sqlite_utils.Database, area_code: str | None = None) -> list[Action]:
    """The whole plan, or what one area works to, by priority, then area (partnership-wide first), then id.

    For an area, that is its own actions and the partnership-wide ones (no area); for a CSP, also the actions
    of the county it sits in, since a county-wide action is delivered in every CSP of the county.
    """
    where, params = "", []
    if area_code:
        where = ("WHERE area_code IS NULL OR area_code = ? "
                 "OR area_code IN (SELECT a.parent_code FROM areas a JOIN areas p ON p.code = a.parent_code "
                 "WHERE a.code = ? AND a.kind = 'csp' AND p.kind = 'county')")
        params = [area_code, area_code]
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM actions {where} ORDER BY priority, area_code IS NOT NULL, area_code, id", params
    ).fetchall()
    return [_action(row) for row in rows]


def action_history(db: sqlite_utils.Database, action_id: int | None = None) -> list[dict]:
    """The changes made to the plan (or to one action), newest first, with the action's current identity."""
    where, params = ("WHERE h.action_id = ?", [action_id]) if action_id is not None else ("", [])
    cursor = db.execute(
        "SELECT h.changed_at, h.changed_by, h.action_id, a.priority, a.area_code, a.action, h.field, "
        "h.old_value, h.new_value, h.reason FROM action_history h LEFT JOIN actions a ON a.id = h.action_id "
        f"{where} ORDER BY h.changed_at DESC, h.id DESC",
        params,
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- Views of the plan --------------------------------------------------------------------------------------


def is_overdue(action: Action, today: date) -> bool:
    """Whether an action is past its completion date and not complete (an ongoing action never is)."""
    return (action.completion_date is not None and action.rag != COMPLETE
            and date.fromisoformat(action.completion_date) < today)


def filter_actions(
    actions: Iterable[Action], priorities: Iterable[str] | None = None, area_codes: Iterable[str | None] | None = None,
    leads: Iterable[str] | None = None, rags: Iterable[str | None] | None = None, overdue_only: bool = False,
    today: date | None = None,
) -> list[Action]:
    """The actions matching every filter given; None or empty means no filter.

    ``area_codes`` may hold None for partnership-wide actions and ``rags`` None for unrated ones. ``today``
    (for ``overdue_only``) defaults to the real date.
    """
    wanted = {name: set(values) for name, values in
              (("priority", priorities or ()), ("area_code", area_codes or ()), ("lead", leads or ()),
               ("rag", rags or ())) if values}
    today = today or date.today()
    return [
        a for a in actions
        if all(getattr(a, name) in values for name, values in wanted.items())
        and (not overdue_only or is_overdue(a, today))
    ]


def rag_summary(actions: Iterable[Action], today: date) -> pd.DataFrame:
    """How many actions of each priority are at each RAG and overdue, with an "All priorities" row last.

    Total counts every action, so it exceeds the RAG columns' sum by the actions not yet rated.
    """
    actions = list(actions)
    columns = ["priority", *RAGS, "Overdue", "Total"]
    rows = [_summary_row(p, [a for a in actions if a.priority == p], today)
            for p in sorted({a.priority for a in actions})]
    rows.append(_summary_row(ALL_PRIORITIES, actions, today))
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({c: "int64" for c in columns[1:]})


def _summary_row(priority: str, actions: list[Action], today: date) -> dict:
    rags = Counter(a.rag for a in actions)
    return {"priority": priority, **{rag: rags[rag] for rag in RAGS},
            "Overdue": sum(is_overdue(a, today) for a in actions), "Total": len(actions)}


RESTRICTED_WORDS = "figures restricted (partners only)"


def measure_links(
    action: Action, statuses: dict[tuple[str, str], str], csp_codes_of_county: dict[str, list[str]],
    restricted: set[str] | frozenset[str] = frozenset(),
) -> list[tuple[str, str]]:
    """Each indicator the action names, with how the measures on it stand: (indicator_key, words).

    ``statuses`` maps (CSP code, indicator key) to the latest measure RAG. A CSP's action shows that CSP's
    RAG; a county's (or a partnership-wide) action counts its CSPs' RAGs, "2 Green, 1 Red". Where no CSP has a
    target on the indicator the words are "No target"; for a key in ``restricted`` (hidden from this viewer,
    ``lib.store.access``) they say its figures are restricted. An area that is not a key of ``csp_codes_of_county``
    is taken to be a CSP; a partnership-wide action covers every CSP in ``statuses``.
    """
    if action.area_code is None:
        csps = sorted({csp for csp, _ in statuses})
    else:
        csps = csp_codes_of_county.get(action.area_code, [action.area_code])
    single = action.area_code is not None and action.area_code not in csp_codes_of_county
    return [(key, RESTRICTED_WORDS if key in restricted else
             _status_words([statuses[c, key] for c in csps if (c, key) in statuses], single))
            for key in action.measure_keys]


def _status_words(found: list[str], single: bool) -> str:
    if not found:
        return NO_TARGET
    if single:
        return found[0]
    counts = Counter(found)
    order = [GREEN, AMBER, RED, NO_DATA, *sorted(set(counts) - {GREEN, AMBER, RED, NO_DATA})]
    return ", ".join(f"{counts[word]} {word}" for word in order if counts[word])


def measures_served(links: list[tuple[str, str]], indicator_names: Mapping[str, str]) -> str:
    """``measure_links`` as people read them, each indicator by its catalogue name rather than its key:
    'Anti-social behaviour: 2 Green, 1 Amber; Burglary: No target'."""
    return "; ".join(f"{label(key, indicator_names)}: {words}" for key, words in links)


# --- Changing the plan --------------------------------------------------------------------------------------


@contextmanager
def _transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """One write transaction: the check, the change and its history stand or fall together."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _who(who: str | None) -> str:
    who = (who or "").strip()
    if not who:
        raise ValueError("say who is making the change")
    return who


def add_action(db: sqlite_utils.Database, values: dict, who: str, when: str | None = None) -> int:
    """Add an action to the plan, recording who added it; returns its id.

    Refused (ValueError) when a value is wrong, the area is not a held CSP or county, or the plan already has
    the same action for the same priority and area.
    """
    who = _who(who)
    clean = check_action(values)
    when = when or now_iso()
    with _transaction(db):
        _check_area(db, clean["area_code"])
        _check_unique(db, clean, None)
        return _insert(db, clean, who, when, "added")


def update_action(
    db: sqlite_utils.Database, action_id: int, changes: dict, who: str, reason: str | None = None,
    when: str | None = None,
) -> int:
    """Change an action's editable fields, recording each change; returns how many fields changed.

    Fields not in ``EDITABLE`` are ignored. Unknown id: LookupError. A change that would make it the same
    action as another (priority, area and action text) is refused with ValueError and nothing is written.
    """
    who = _who(who)
    when = when or now_iso()
    with _transaction(db):
        current = db.execute(f"SELECT {_COLUMNS} FROM actions WHERE id = ?", [action_id]).fetchone()
        if current is None:
            raise LookupError(f"no action with id {action_id}")
        before = _stored(_action(current))
        after = check_action({**before, **{k: v for k, v in changes.items() if k in EDITABLE}})
        changed = {k: after[k] for k in EDITABLE if before[k] != after[k]}
        if changed:
            _check_area(db, after["area_code"])
            _check_unique(db, after, action_id)
            _write_change(db, action_id, before, changed, who, when, reason)
    return len(changed)


def _stored(action: Action) -> dict:
    """An action's editable fields as the table holds them (measure keys as comma text)."""
    values = {k: v for k, v in asdict(action).items() if k in EDITABLE}
    values["measure_keys"] = ",".join(action.measure_keys) or None
    return values


def _check_area(db: sqlite_utils.Database, code: str | None) -> None:
    if code is None:
        return
    found = db.execute("SELECT 1 FROM areas WHERE code = ? AND kind IN ('csp', 'county')", [code]).fetchone()
    if found is None:
        raise ValueError(f"area_code {code!r} is not a CSP or county held in the store")


def _same_action(db: sqlite_utils.Database, values: dict, other_than: int | None) -> int | None:
    """The id of the action with these values' priority, area and text (other than one), if any."""
    row = db.execute(
        "SELECT id FROM actions WHERE priority = ? AND COALESCE(area_code, '') = COALESCE(?, '') AND action = ? "
        "AND id IS NOT ?",
        [values["priority"], values["area_code"], values["action"], other_than],
    ).fetchone()
    return row[0] if row else None


def _check_unique(db: sqlite_utils.Database, values: dict, other_than: int | None) -> None:
    held = _same_action(db, values, other_than)
    if held is not None:
        raise ValueError(f"action {held} is already {values['action']!r} under priority {values['priority']!r} "
                         f"for {values['area_code'] or 'the whole partnership'}; change that one instead")


def _insert(db: sqlite_utils.Database, clean: dict, who: str, when: str, reason: str) -> int:
    """Insert one action and its 'created' history row (inside the caller's transaction)."""
    db.execute(
        f"INSERT INTO actions ({', '.join(EDITABLE)}, last_updated, updated_by) "
        f"VALUES ({placeholders(EDITABLE)}, ?, ?)",
        [*(clean[k] for k in EDITABLE), when[:10], who],
    )
    action_id = db.execute("SELECT last_insert_rowid()").fetchone()[0]
    db.execute(
        "INSERT INTO action_history (action_id, field, old_value, new_value, changed_by, changed_at, reason) "
        "VALUES (?, 'created', NULL, ?, ?, ?, ?)",
        [action_id, clean["action"], who, when, reason],
    )
    return action_id


def _write_change(db: sqlite_utils.Database, action_id: int, before: dict, changed: dict, who: str, when: str,
                  reason: str | None) -> None:
    """Update one action and log each changed field (inside the caller's transaction)."""
    assignments = ", ".join(f"{field} = ?" for field in changed)
    db.execute(
        f"UPDATE actions SET {assignments}, last_updated = ?, updated_by = ? WHERE id = ?",
        [*changed.values(), when[:10], who, action_id],
    )
    db.conn.executemany(
        "INSERT INTO action_history (action_id, field, old_value, new_value, changed_by, changed_at, reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(action_id, field, before[field], value, who, when, reason) for field, value in changed.items()],
    )


# --- Importing and exporting --------------------------------------------------------------------------------


def import_actions(db: sqlite_utils.Database, path: str | Path, who: str | None = None) -> ImportSummary:
    """Import an action plan CSV (layout in docs/formats.md): new actions are added, held ones updated.

    A row is matched to a held action by its ``id``, else by priority, area and action text; otherwise it is
    added. One transaction: any bad row refuses the whole file, naming its line and column. Importing the same
    file again changes nothing and adds no history.
    """
    path = Path(path)
    file = readable_name(path)
    frame = _renamed(read_table(path), file)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ImportFileError(file, f"missing column(s): {', '.join(missing)}", row=1, column=missing[0])
    who = who or f"import of {file}"
    seen: dict[int, int] = {}  # action id -> the line that set it
    with import_transaction(db, ACTIONS, path) as summary:
        for line, row in frame.iterrows():
            summary.rows_read += 1
            added, changed = _import_row(db, file, int(line), row.to_dict(), who, seen)
            summary.rows_accepted += added or changed
            summary.rows_duplicate += not (added or changed)
    return summary


def _renamed(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """Columns by their import names ("Completion Date" -> completion_date); unknown columns are refused."""
    names = [_ALIASES.get(n, n) for n in (re.sub(r"[\s-]+", "_", c) for c in frame.columns)]
    known = {*IMPORT_COLUMNS, "area_name", "last_updated", "updated_by"}
    for original, name in zip(frame.columns, names, strict=True):
        if name not in known:
            raise ImportFileError(file, f"unknown column; the columns are {', '.join(IMPORT_COLUMNS)} "
                                        "(or area_name instead of area_code)", row=1, column=original)
    if len(set(names)) < len(names):
        raise ImportFileError(file, "two columns mean the same thing", row=1)
    return frame.set_axis(names, axis=1)


def _import_row(db: sqlite_utils.Database, file: str, line: int, row: dict, who: str,
                seen: dict[int, int]) -> tuple[bool, bool]:
    row = {k: _unescape(v) for k, v in row.items()}
    action_id = _row_id(db, file, line, row)
    values = {k: row.get(k) for k in EDITABLE if k != "area_code"}
    try:
        clean = check_action({**values, "area_code": _row_area(db, file, line, row)})
    except ValueError as error:
        column = next((c for c in EDITABLE if str(error).startswith(c)), None)
        raise ImportFileError(file, str(error), line, column) from None
    action_id = action_id or _same_action(db, clean, None)
    if action_id in seen:
        raise ImportFileError(file, f"this action is also on line {seen[action_id]}", line, "action")
    if action_id is None:
        seen[_insert(db, clean, who, now_iso(), "imported")] = line
        return True, False
    seen[action_id] = line
    before = _stored(_action(db.execute(f"SELECT {_COLUMNS} FROM actions WHERE id = ?", [action_id]).fetchone()))
    changed = {k: clean[k] for k in EDITABLE if before[k] != clean[k]}
    if changed:
        other = _same_action(db, clean, action_id)
        if other is not None:
            raise ImportFileError(file, f"action {other} already has this priority, area and action", line, "action")
        _write_change(db, action_id, before, changed, who, now_iso(), "imported")
    return False, bool(changed)


def _unescape(value: object) -> object:
    """Undo the quote lib.core.export.csv_bytes puts before formula-like text, so an export imports unchanged."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def _row_id(db: sqlite_utils.Database, file: str, line: int, row: dict) -> int | None:
    """The row's id when it names a held action; None when blank or not held (the row is then matched)."""
    raw = str(row.get("id") or "").strip()
    if not raw:
        return None
    try:
        number = float(raw)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number.is_integer() and number > 0):
        raise ImportFileError(file, f"id must be a whole number (or blank for a new action), not {raw!r}", line, "id")
    if number >= 2**63:
        return None  # beyond any id SQLite can hold, so not a held action
    held = db.execute("SELECT id FROM actions WHERE id = ?", [int(number)]).fetchone()
    return held[0] if held else None


def _row_area(db: sqlite_utils.Database, file: str, line: int, row: dict) -> str | None:
    """The row's CSP or county code, from area_code or else area_name; None (partnership-wide) when blank."""
    code = str(row.get("area_code") or "").strip().upper()
    if code:
        found = db.execute("SELECT code FROM areas WHERE code = ? AND kind IN ('csp', 'county')", [code]).fetchone()
        if found is None:
            raise ImportFileError(file, f"no CSP or county with code {code!r} is held", line, "area_code")
        return code
    name = str(row.get("area_name") or "").strip()
    if not name:
        return None
    found = held_area_named(db, name, PLAN_AREA_KINDS)
    if found is None:
        message = unknown_area_message(name, areas_of_kinds(db, PLAN_AREA_KINDS), "CSP or county")
        raise ImportFileError(file, message, line, "area_name")
    return found.code


def export_frame(actions: Iterable[Action]) -> pd.DataFrame:
    """The plan in the import layout, so a downloaded plan can be edited and imported back.

    Blank completion dates are written "Ongoing" and measure keys as comma text. Pass it through
    ``lib.core.export.csv_bytes``; the importer undoes the quote that puts before formula-like text.
    """
    rows = [
        {**_stored(a), "id": a.id, "completion_date": a.completion_date or ONGOING}
        for a in actions
    ]
    return pd.DataFrame(rows, columns=list(IMPORT_COLUMNS))


def actions_frame(actions: Iterable[Action]) -> pd.DataFrame:
    """Actions as the editor shows them: the id (to hide) and the editable fields.

    Completion dates are ``datetime.date`` (None when ongoing) for a date column; measure keys comma text.
    """
    rows = [
        {**_stored(a), "id": a.id,
         "completion_date": date.fromisoformat(a.completion_date) if a.completion_date else None}
        for a in actions
    ]
    return pd.DataFrame(rows, columns=["id", *EDITABLE])


def edited_rows(before: pd.DataFrame, after: pd.DataFrame) -> dict[int, dict]:
    """The editable fields that differ between the table shown and the table returned, by action id.

    Values are compared as they would be stored (blank, None, NaN and NaT alike; a date and its ISO text
    alike). Rows without a held id (added in the editor) are left to ``add_action``.
    """
    old = {int(r["id"]): r for r in before.to_dict("records") if not is_blank(r["id"])}
    changes: dict[int, dict] = {}
    for row in after.to_dict("records"):
        if is_blank(row.get("id")) or int(row["id"]) not in old:
            continue
        was = old[int(row["id"])]
        fields = {f: stored_value(f, row[f]) for f in EDITABLE if stored_value(f, was[f]) != stored_value(f, row[f])}
        if fields:
            changes[int(row["id"])] = fields
    return changes
