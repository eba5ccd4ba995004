"""Threat, harm and risk assessments in the store: a working draft per area and year, saved versions, history.

A partnership scores its issues (see ``lib.priorities.scoring``) in a *working draft* for one area and financial
year, edits it over weeks, and saves the whole assessment as a *named version* ("Agreed at the partnership
event") when it is agreed. A saved version never changes, so next year's assessment can be set against exactly
what was agreed. Every change to a draft is written to ``assessment_history`` with who made it, when and why,
in the same transaction as the change itself, so the history always matches the scores.

The scores the formula gives (harm, likelihood, risk, position, priority) are stored beside the levels for
audit: anyone reading the store alone can see what the ranking was when the version was saved, even if the
formula is later changed. The app always recomputes them from the levels.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import sqlite_utils

from lib.core.sql import placeholders
from lib.importers.base import now_iso
from lib.importers.indicators import period_kind
from lib.priorities.scoring import SCALES, SCORE_FIELDS, Assessment, check_assessment, describe_change, score

DRAFT = "draft"
SAVED = "saved"
DRAFT_NAME = "Working draft"
# The fields whose every change is recorded, one history row each.
TRACKED_FIELDS = (*SCORE_FIELDS, "chosen", "rationale", "indicator_key")
# History rows about the whole assessment (created empty, saved, deleted) have no issue of their own.
WHOLE_ASSESSMENT = ""
_MAX_NAME = 200
_MAX_TEXT = 2000
_LEVEL_COLUMNS = ("issue", "indicator_key", *SCORE_FIELDS, "chosen", "rationale")
_SCORE_COLUMNS = ("harm_score", "likelihood_score", "risk_score", "position_score", "priority_score")
_VERSION_COLUMNS = "id, area_code, year, name, status, evidence_period, note, saved_by, saved_at"
_HISTORY_INSERT = (
    "INSERT INTO assessment_history (version_id, issue, field, old_value, new_value, changed_by, changed_at, "
    "reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
# A history row as _log takes it, (issue, field, old value, new value): _log adds the version, who, when and why.
_HistoryRow = tuple[str, str, str | None, str | None]


@dataclass(frozen=True)
class AssessmentVersion:
    """One assessment of one area and financial year: the working draft or a saved, unchangeable version.

    For a saved version ``saved_by`` and ``saved_at`` say who saved it and when; for the draft they say who
    last changed it and when, which is what a reader of the draft wants to know.
    """

    id: int
    area_code: str
    year: str
    name: str
    status: str
    evidence_period: str | None
    note: str | None
    saved_by: str | None
    saved_at: str | None

    @property
    def is_draft(self) -> bool:
        """Whether this is the working draft (the only kind that can change)."""
        return self.status == DRAFT


# --- Reading ----------------------------------------------------------------------------------------------


def list_versions(db: sqlite_utils.Database, area_code: str | None = None) -> list[AssessmentVersion]:
    """Every version (or one area's): newest year first, then the draft, then saved versions newest first."""
    where, params = ("WHERE area_code = ?", [area_code]) if area_code else ("", [])
    rows = db.execute(
        f"SELECT {_VERSION_COLUMNS} FROM assessment_versions {where} "
        "ORDER BY year DESC, area_code, status = 'saved', saved_at DESC, id DESC",
        params,
    ).fetchall()
    return [AssessmentVersion(*row) for row in rows]


def get_version(db: sqlite_utils.Database, version_id: int) -> AssessmentVersion:
    """One version by id; a missing id is an error rather than an empty assessment, which could mislead."""
    row = db.execute(f"SELECT {_VERSION_COLUMNS} FROM assessment_versions WHERE id = ?", [version_id]).fetchone()
    if row is None:
        raise LookupError(f"no assessment version with id {version_id}")
    return AssessmentVersion(*row)


def draft_for(db: sqlite_utils.Database, area_code: str, year: str) -> AssessmentVersion | None:
    """The working draft of an area and year, if one has been started."""
    row = db.execute(
        f"SELECT {_VERSION_COLUMNS} FROM assessment_versions WHERE area_code = ? AND year = ? AND status = ?",
        [area_code, year, DRAFT],
    ).fetchone()
    return None if row is None else AssessmentVersion(*row)


def load_version(db: sqlite_utils.Database, version_id: int) -> list[Assessment]:
    """A version's assessments by issue name.

    Each row goes back through ``check_assessment``, so a row edited outside the app with a level off its
    scale is refused by name instead of giving a score above 100.
    """
    get_version(db, version_id)
    cursor = db.execute(
        f"SELECT {', '.join(_LEVEL_COLUMNS)} FROM assessment_scores WHERE version_id = ? "
        "ORDER BY issue COLLATE NOCASE, issue",
        [version_id],
    )
    names = [d[0] for d in cursor.description]
    return [check_assessment(dict(zip(names, row, strict=True)), where=f"stored issue {row[0]!r}: ")
            for row in cursor.fetchall()]


def previous_financial_year(year: str) -> str:
    """The financial year before this one: '2027/28' -> '2026/27'."""
    start = int(_financial_year(year)[:4]) - 1
    return f"{start}/{(start + 1) % 100:02d}"


def previous_year_version(db: sqlite_utils.Database, area_code: str, year: str) -> AssessmentVersion | None:
    """The latest saved version of the year before, for setting this year's against last year's.

    Drafts are ignored: last year's comparison is with what was agreed, not with what was being edited.
    """
    row = db.execute(
        f"SELECT {_VERSION_COLUMNS} FROM assessment_versions WHERE area_code = ? AND year = ? AND status = ? "
        "ORDER BY saved_at DESC, id DESC LIMIT 1",
        [area_code, previous_financial_year(year), SAVED],
    ).fetchone()
    return None if row is None else AssessmentVersion(*row)


def assessment_history(db: sqlite_utils.Database, version_id: int) -> list[dict]:
    """The changes recorded for one version, newest first."""
    cursor = db.execute(
        "SELECT changed_at, changed_by, issue, field, old_value, new_value, reason FROM assessment_history "
        "WHERE version_id = ? ORDER BY changed_at DESC, id DESC",
        [version_id],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def describe_history(row: Mapping[str, object]) -> str:
    """One history row in words: 'Trend: Stable → Rising', 'Added', "Saved as 'Agreed'"."""
    field = str(row["field"])
    if field in TRACKED_FIELDS:
        return describe_change(field, _typed(field, row["old_value"]), _typed(field, row["new_value"]))
    if field == "saved":
        return f"Saved as {row['new_value']!r}"
    return field.capitalize()


def _typed(field: str, text: object) -> int | str | None:
    """A stored history value back as describe_change wants it (the text 'no' is truthy, False is not)."""
    if text is None:
        return None
    if field in SCALES:
        return int(str(text))
    if field in ("led_elsewhere", "chosen"):
        return text == "yes"
    return str(text)


# --- Writing ----------------------------------------------------------------------------------------------


def start_draft(
    db: sqlite_utils.Database, area_code: str, year: str, assessments: Sequence[Assessment | Mapping[str, object]],
    who: str, evidence_period: str | None = None, when: str | None = None,
) -> AssessmentVersion:
    """Start the working draft of an area and year with these assessments (one draft per area and year).

    Writes the version, its scores and a 'created' history row per issue in one transaction.
    """
    who = _who(who)
    year = _financial_year(year)
    clean = _clean(assessments)
    evidence_period = _short_text(evidence_period, _MAX_NAME)
    when = when or now_iso()
    with _transaction(db):
        if db.execute("SELECT 1 FROM areas WHERE code = ?", [area_code]).fetchone() is None:
            raise ValueError(f"no area with code {area_code!r} is held")
        if draft_for(db, area_code, year) is not None:
            raise ValueError(f"a working draft of the {year} assessment already exists: edit that one")
        version_id = _insert_version(db, area_code, year, DRAFT_NAME, DRAFT, evidence_period, None, who, when)
        _insert_scores(db, version_id, clean)
        rows: list[_HistoryRow] = [(a.issue, "created", None, _snapshot(a)) for a in clean]
        _log(db, version_id, rows or [(WHOLE_ASSESSMENT, "created", None, None)], who, when, None)
    return get_version(db, version_id)


def update_draft(
    db: sqlite_utils.Database, version_id: int, assessments: Sequence[Assessment | Mapping[str, object]], who: str,
    reason: str | None = None, when: str | None = None,
) -> int:
    """Make the draft hold exactly these assessments, recording each changed field; returns the rows recorded.

    Nothing is written, not even the draft's 'last changed' stamp, when nothing changed. One transaction: on
    any error the store is exactly as before.
    """
    who = _who(who)
    clean = _clean(assessments)
    reason = _short_text(reason, _MAX_TEXT)
    when = when or now_iso()
    with _transaction(db):
        _draft(db, version_id)
        rows = _changes({a.issue: a for a in load_version(db, version_id)}, clean)
        if not rows:
            return 0
        db.execute("DELETE FROM assessment_scores WHERE version_id = ?", [version_id])
        _insert_scores(db, version_id, clean)
        db.execute("UPDATE assessment_versions SET saved_by = ?, saved_at = ? WHERE id = ?", [who, when, version_id])
        _log(db, version_id, rows, who, when, reason)
    return len(rows)


def save_version(
    db: sqlite_utils.Database, version_id: int, name: str, who: str, note: str | None = None,
    when: str | None = None,
) -> AssessmentVersion:
    """Save the working draft as a named version of its year, which can never change; the draft stays."""
    who = _who(who)
    name = " ".join((name or "").split())
    if not name:
        raise ValueError("give the version a name, such as 'Agreed at the partnership event'")
    if len(name) > _MAX_NAME:
        raise ValueError(f"the version's name is longer than {_MAX_NAME} characters")
    if name.casefold() == DRAFT_NAME.casefold():
        raise ValueError(f"{DRAFT_NAME!r} is the draft's own name: give the saved version another")
    note = _short_text(note, _MAX_TEXT)
    when = when or now_iso()
    with _transaction(db):
        draft = _draft(db, version_id)
        _check_name_free(db, draft, name)
        if db.execute("SELECT 1 FROM assessment_scores WHERE version_id = ?", [version_id]).fetchone() is None:
            raise ValueError("the draft has no issues to save")
        saved_id = _insert_version(db, draft.area_code, draft.year, name, SAVED, draft.evidence_period, note, who,
                                   when)
        columns = ", ".join((*_LEVEL_COLUMNS, *_SCORE_COLUMNS))
        db.execute(
            f"INSERT INTO assessment_scores (version_id, {columns}) "
            f"SELECT ?, {columns} FROM assessment_scores WHERE version_id = ?",
            [saved_id, version_id],
        )
        _log(db, saved_id, [(WHOLE_ASSESSMENT, "saved", None, name)], who, when, note)
    return get_version(db, saved_id)


def delete_draft(
    db: sqlite_utils.Database, version_id: int, who: str, reason: str | None = None, when: str | None = None,
) -> None:
    """Throw a working draft away, so the year can start again; its history stays, ending with 'deleted'."""
    who = _who(who)
    reason = _short_text(reason, _MAX_TEXT)
    when = when or now_iso()
    with _transaction(db):
        _draft(db, version_id)
        db.execute("DELETE FROM assessment_scores WHERE version_id = ?", [version_id])
        db.execute("DELETE FROM assessment_versions WHERE id = ?", [version_id])
        _log(db, version_id, [(WHOLE_ASSESSMENT, "deleted", None, None)], who, when, reason)


# --- Helpers ----------------------------------------------------------------------------------------------


@contextmanager
def _transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """One write transaction; any error rolls everything back. IMMEDIATE so checks and writes see one state."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _who(who: str | None) -> str:
    who = " ".join((who or "").split())
    if not who:
        raise ValueError("say who is making the change")
    return who[:_MAX_NAME]


def _financial_year(year: str) -> str:
    text = str(year or "").strip()
    try:
        kind = period_kind(text)
    except ValueError:
        kind = None
    if kind != "financial_year":
        raise ValueError(f"the year must be a financial year like 2027/28, not {year!r}")
    return text


def _short_text(text: str | None, limit: int) -> str | None:
    return str(text or "").strip()[:limit] or None


def _clean(assessments: Sequence[Assessment | Mapping[str, object]]) -> list[Assessment]:
    """Check every assessment (levels on their scales, text capped) and refuse an issue named twice.

    Names are compared ignoring case, as 'Burglary' and 'burglary' are one issue to a reader.
    """
    clean, seen = [], set()
    for number, a in enumerate(assessments, start=1):
        values = asdict(a) if isinstance(a, Assessment) else dict(a)
        checked = check_assessment(values, where=f"Issue {number}: ")
        if checked.issue.casefold() in seen:
            raise ValueError(f"{checked.issue!r} is named twice: each issue can appear once in an assessment")
        seen.add(checked.issue.casefold())
        clean.append(checked)
    return clean


def _draft(db: sqlite_utils.Database, version_id: int) -> AssessmentVersion:
    version = get_version(db, version_id)
    if version.status != DRAFT:
        raise ValueError(f"saved versions cannot be changed; {version.name!r} is kept as it was agreed. "
                         "Edit the working draft and save it as a new version.")
    return version


def _check_name_free(db: sqlite_utils.Database, draft: AssessmentVersion, name: str) -> None:
    held = db.execute(
        "SELECT name FROM assessment_versions WHERE area_code = ? AND year = ? AND name = ? COLLATE NOCASE",
        [draft.area_code, draft.year, name],
    ).fetchone()
    if held is not None:
        raise ValueError(f"a version of {draft.year} is already called {held[0]!r}: choose another name")


def _insert_version(db: sqlite_utils.Database, area_code: str, year: str, name: str, status: str,
                    evidence_period: str | None, note: str | None, who: str, when: str) -> int:
    # The id is chosen past every id the history has seen: SQLite would otherwise reuse a deleted draft's id
    # (the table has no AUTOINCREMENT), and that draft's history would then read as the new version's.
    version_id = db.execute(
        "SELECT MAX(COALESCE((SELECT MAX(id) FROM assessment_versions), 0), "
        "COALESCE((SELECT MAX(version_id) FROM assessment_history), 0)) + 1"
    ).fetchone()[0]
    db.execute(
        "INSERT INTO assessment_versions (id, area_code, year, name, status, evidence_period, note, saved_by, "
        "saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [version_id, area_code, year, name, status, evidence_period, note, who, when],
    )
    return int(version_id)


def _insert_scores(db: sqlite_utils.Database, version_id: int, assessments: list[Assessment]) -> None:
    columns = (*_LEVEL_COLUMNS, *_SCORE_COLUMNS)
    db.conn.executemany(
        f"INSERT INTO assessment_scores (version_id, {', '.join(columns)}) "
        f"VALUES (?, {placeholders(columns)})",
        [(version_id, *_score_row(a)) for a in assessments],
    )


def _score_row(a: Assessment) -> tuple:
    s = score(a)
    levels = tuple(int(v) if isinstance(v, bool) else v for v in (getattr(a, c) for c in _LEVEL_COLUMNS))
    return (*levels, s.harm, s.likelihood, s.risk, s.position, s.priority)


def _changes(before: dict[str, Assessment], after: list[Assessment]) -> list[_HistoryRow]:
    """(issue, field, old, new) for every changed field, added issue and removed issue, in the new order."""
    rows: list[_HistoryRow] = []
    for a in after:
        old = before.get(a.issue)
        if old is None:
            rows.append((a.issue, "added", None, _snapshot(a)))
            continue
        rows += [(a.issue, f, _text(getattr(old, f)), _text(getattr(a, f)))
                 for f in TRACKED_FIELDS if getattr(old, f) != getattr(a, f)]
    kept = {a.issue for a in after}
    rows += [(issue, "removed", _snapshot(a), None) for issue, a in before.items() if issue not in kept]
    return rows


def _text(value: object) -> str | None:
    """A value as history text: levels as numbers, yes/no in words, text as it is."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _snapshot(a: Assessment) -> str:
    """An issue's every field as JSON, so an added or removed issue can be rebuilt from the history alone."""
    values = asdict(a)
    del values["issue"]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def _log(db: sqlite_utils.Database, version_id: int, rows: list[_HistoryRow], who: str,
         when: str, reason: str | None) -> None:
    db.conn.executemany(_HISTORY_INSERT, [(version_id, *row, who, when, reason) for row in rows])

