"""CSP measures and their targets in the store: read them, import them from CSV, edit them with a history.

A target is one CSP's aim for one indicator in one financial year. It is a % change from a baseline period
("reduce burglary by 3% compared with 2025/26"), an absolute number ("deliver 1,600 home safety visits") or a
direction only ("reduce dwelling fires"). Every change, by import or in the app, is written to
``target_history`` with who made it and when, in the same transaction as the change itself.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import sqlite_utils

from lib.core.areas import areas_of_kinds, held_area_named, unknown_area_message
from lib.core.import_kinds import TARGETS
from lib.importers.area_files import read_table
from lib.importers.base import ImportFileError, ImportSummary, import_transaction, now_iso, readable_name
from lib.importers.indicators import period_kind

TARGET_TYPES = ("percent_change", "absolute", "direction")
BASES = ("fytd", "rolling_12", "year_end")
BASIS_WORDS = {
    "fytd": "financial year to date",
    "rolling_12": "rolling 12 months",
    "year_end": "year end (financial year to date, projected)",
}
EDITABLE = ("measure", "target_type", "target_value", "baseline_period", "basis", "commentary")
REQUIRED = ("indicator_key", "measure", "target_type", "target_value", "target_period")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_MAX_TEXT = 2000


@dataclass(frozen=True)
class Target:
    """One row of the targets table."""

    id: int
    csp_code: str
    indicator_key: str
    measure: str
    target_type: str
    target_value: float | None
    baseline_period: str | None
    target_period: str
    basis: str
    commentary: str | None
    updated_by: str | None
    updated_at: str | None


_COLUMNS = ", ".join(Target.__dataclass_fields__)


def load_targets(db: sqlite_utils.Database, csp_code: str | None = None) -> list[Target]:
    """Every target (or one CSP's), by CSP then measure."""
    where, params = ("WHERE csp_code = ?", [csp_code]) if csp_code else ("", [])
    rows = db.execute(f"SELECT {_COLUMNS} FROM targets {where} ORDER BY csp_code, id", params).fetchall()
    return [Target(*row) for row in rows]


def target_history(db: sqlite_utils.Database, csp_code: str | None = None) -> list[dict]:
    """The changes made to targets, newest first."""
    where, params = ("WHERE csp_code = ?", [csp_code]) if csp_code else ("", [])
    cursor = db.execute(
        "SELECT changed_at, changed_by, indicator_key, target_period, field, old_value, new_value, reason "
        f"FROM target_history {where} ORDER BY changed_at DESC, id DESC",
        params,
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def check_target(values: dict, where: str = "") -> dict:
    """Return a target's editable fields cleaned, or raise ValueError saying which field is wrong."""
    clean = dict(values)
    target_type = str(clean.get("target_type") or "").strip()
    if target_type not in TARGET_TYPES:
        raise ValueError(f"{where}target_type must be one of {', '.join(TARGET_TYPES)}, not {target_type!r}")
    clean["target_type"] = target_type
    clean["target_value"] = _target_value(clean.get("target_value"), target_type, where)
    basis = str(clean.get("basis") or "fytd").strip()
    if basis not in BASES:
        raise ValueError(f"{where}basis must be one of {', '.join(BASES)}, not {basis!r}")
    clean["basis"] = basis
    baseline = str(clean.get("baseline_period") or "").strip() or None
    if target_type != "absolute" and baseline is None:
        raise ValueError(f"{where}baseline_period is needed for a {target_type} target (e.g. 2025/26)")
    if baseline is not None and _period_kind(baseline) != "financial_year":
        raise ValueError(f"{where}baseline_period must be a financial year like 2025/26, not {baseline!r}")
    clean["baseline_period"] = baseline
    measure = _checked_text(clean.get("measure"), "measure", where)
    if not measure:
        raise ValueError(f"{where}measure must say in words what the target is")
    clean["measure"] = measure
    clean["commentary"] = _checked_text(clean.get("commentary"), "commentary", where) or None
    return clean


def _checked_text(raw: object, field: str, where: str) -> str:
    # Refused, not cut: a cut sentence can say the opposite of what was meant, and nobody would see it was cut.
    text = str(raw or "").strip()
    if len(text) > _MAX_TEXT:
        raise ValueError(f"{where}{field} is {len(text):,} characters long; the most is {_MAX_TEXT:,}")
    return text


def _target_value(raw: object, target_type: str, where: str) -> float:
    try:
        value = float(str(raw).replace(",", "").replace("%", "").strip())
    except ValueError:
        raise ValueError(f"{where}target_value must be a number, not {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{where}target_value must be a number, not {raw!r}")
    if target_type == "direction" and value not in (-1.0, 1.0):
        raise ValueError(f"{where}target_value of a direction target is -1 (reduce) or 1 (increase)")
    if target_type == "absolute" and value < 0:
        raise ValueError(f"{where}target_value of an absolute target cannot be negative")
    if target_type == "percent_change" and not -100 <= value <= 1000:
        raise ValueError(f"{where}target_value of a % change target must be between -100 and 1000")
    return value


def _period_kind(period: str) -> str | None:
    try:
        return period_kind(period)
    except ValueError:
        return None


def update_target(
    db: sqlite_utils.Database, target_id: int, changes: dict, who: str, reason: str | None = None,
    when: str | None = None,
) -> int:
    """Change a target's editable fields, recording each change; returns how many fields changed."""
    who = (who or "").strip()
    if not who:
        raise ValueError("say who is making the change")
    current = db.execute(f"SELECT {_COLUMNS} FROM targets WHERE id = ?", [target_id]).fetchone()
    if current is None:
        raise LookupError(f"no target with id {target_id}")
    before = asdict(Target(*current))
    after = check_target({**{k: before[k] for k in EDITABLE}, **{k: changes[k] for k in changes if k in EDITABLE}})
    changed = {k: after[k] for k in EDITABLE if _differs(before[k], after[k])}
    if not changed:
        return 0
    when = when or now_iso()
    db.execute("BEGIN IMMEDIATE")
    try:
        _write_change(db, before, changed, who, when, reason)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return len(changed)


def _differs(old: str | float | None, new: str | float | None) -> bool:
    if isinstance(old, float) or isinstance(new, float):
        return old is None or new is None or float(old) != float(new)
    return (old or None) != (new or None)


def _write_change(db: sqlite_utils.Database, before: dict, changed: dict, who: str, when: str,
                  reason: str | None) -> None:
    """Update one target and log each changed field (inside the caller's transaction)."""
    assignments = ", ".join(f"{field} = ?" for field in changed)
    db.execute(
        f"UPDATE targets SET {assignments}, updated_by = ?, updated_at = ? WHERE id = ?",
        [*changed.values(), who, when, before["id"]],
    )
    db.conn.executemany(
        "INSERT INTO target_history (target_id, csp_code, indicator_key, target_period, field, old_value, "
        "new_value, changed_by, changed_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (before["id"], before["csp_code"], before["indicator_key"], before["target_period"], field,
             _text(before[field]), _text(value), who, when, reason)
            for field, value in changed.items()
        ],
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def import_targets(db: sqlite_utils.Database, path: str | Path, who: str | None = None) -> ImportSummary:
    """Import a targets CSV (layout in docs/formats.md): new targets are added, held ones updated.

    One transaction: any bad row refuses the whole file, naming its line and column. Importing the same file
    again changes nothing and adds no history.
    """
    path = Path(path)
    file = readable_name(path)
    frame = read_table(path)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if "csp_code" not in frame.columns and "csp_name" not in frame.columns:
        missing.insert(0, "csp_code")
    if missing:
        raise ImportFileError(file, f"missing column(s): {', '.join(missing)}", row=1, column=missing[0])
    who = who or f"import of {file}"
    with import_transaction(db, TARGETS, path) as summary:
        for line, row in frame.iterrows():
            summary.rows_read += 1
            added, changed = _import_row(db, file, int(line), row.to_dict(), who)
            summary.rows_accepted += added or changed
            summary.rows_duplicate += not (added or changed)
    return summary


def _import_row(db: sqlite_utils.Database, file: str, line: int, row: dict, who: str) -> tuple[bool, bool]:
    csp_code = _csp_code(db, file, line, row)
    key = str(row.get("indicator_key") or "").strip()
    if not _KEY.match(key):
        raise ImportFileError(file, f"{key!r} is not an indicator key like 'burglary'", line, "indicator_key")
    period = str(row.get("target_period") or "").strip()
    if _period_kind(period) != "financial_year":
        raise ImportFileError(file, f"{period!r} is not a financial year like 2026/27", line, "target_period")
    try:
        values = check_target({k: row.get(k) for k in EDITABLE})
    except ValueError as error:
        column = next((c for c in EDITABLE if str(error).startswith(c)), None)
        raise ImportFileError(file, str(error), line, column) from None
    held = db.execute(
        f"SELECT {_COLUMNS} FROM targets WHERE csp_code = ? AND indicator_key = ? AND target_period = ?",
        [csp_code, key, period],
    ).fetchone()
    when = now_iso()
    if held is None:
        db.execute(
            "INSERT INTO targets (csp_code, indicator_key, target_period, measure, target_type, target_value, "
            "baseline_period, basis, commentary, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [csp_code, key, period, *(values[k] for k in EDITABLE), who, when],
        )
        target_id = db.execute("SELECT last_insert_rowid()").fetchone()[0]
        _log_new(db, target_id, csp_code, key, period, who, when)
        return True, False
    before = asdict(Target(*held))
    changed = {k: values[k] for k in EDITABLE if _differs(before[k], values[k])}
    if changed:
        _write_change(db, before, changed, who, when, "imported")
    return False, bool(changed)


def _csp_code(db: sqlite_utils.Database, file: str, line: int, row: dict) -> str:
    code = str(row.get("csp_code") or "").strip()
    if code:
        found = db.execute("SELECT code FROM areas WHERE code = ? AND kind = 'csp'", [code]).fetchone()
        if found is None:
            raise ImportFileError(file, f"no CSP with code {code!r} is held", line, "csp_code")
        return code
    if "csp_name" not in row:
        raise ImportFileError(file, "no CSP code given", line, "csp_code")
    name = str(row.get("csp_name") or "").strip()
    found = held_area_named(db, name, ["csp"])
    if found is None:
        raise ImportFileError(file, unknown_area_message(name, areas_of_kinds(db, ["csp"]), "CSP"), line, "csp_name")
    return found.code


def _log_new(db: sqlite_utils.Database, target_id: int, csp_code: str, key: str, period: str, who: str,
             when: str) -> None:
    db.execute(
        "INSERT INTO target_history (target_id, csp_code, indicator_key, target_period, field, old_value, "
        "new_value, changed_by, changed_at, reason) VALUES (?, ?, ?, ?, 'created', NULL, NULL, ?, ?, 'imported')",
        [target_id, csp_code, key, period, who, when],
    )


def targets_frame(held: list[Target]) -> pd.DataFrame:
    """Targets as the editor shows them: the id (hidden), what identifies them, and the editable fields."""
    return pd.DataFrame(
        [{"id": t.id, "indicator_key": t.indicator_key, "target_period": t.target_period,
          **{f: getattr(t, f) for f in EDITABLE}} for t in held]
    )


def edited_rows(before: pd.DataFrame, after: pd.DataFrame) -> dict[int, dict]:
    """The editable fields that differ between the table shown and the table returned, by target id."""
    changes: dict[int, dict] = {}
    old = before.set_index("id")
    for row in after.to_dict("records"):
        was = old.loc[row["id"]]
        fields = {f: _none_if_missing(row[f]) for f in EDITABLE if _differs(_none_if_missing(was[f]),
                                                                           _none_if_missing(row[f]))}
        if fields:
            changes[int(row["id"])] = fields
    return changes


def _none_if_missing(value: str | float | None) -> str | float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value
