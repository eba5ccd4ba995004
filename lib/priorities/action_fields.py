"""What a valid action is: the plan's fields, and each field read from what people write.

Shared by the importer and the app's editor (``lib.priorities.action_plan``), so an action is checked the same way
however it arrives, and every refusal names the field that is wrong.
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import date, datetime

import pandas as pd

RAGS = ("Red", "Amber", "Green", "Complete")
EDITABLE = ("priority", "area_code", "action", "intended_outcome", "lead", "completion_date", "rag", "commentary",
            "measure_keys")
REQUIRED = ("priority", "action")
# The import layout, which export_frame writes too: the id first, so an exported file updates what it came from.
IMPORT_COLUMNS = ("id", *EDITABLE)
ONGOING = "Ongoing"
COMPLETE = "Complete"
DATE_EXAMPLES = "a date like 2027-03-31, 31/03/2027 or March 2027, or Ongoing"

_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_CODE = re.compile(r"^[A-Z]\d{8}$")
_MONTH_YEAR = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{4})$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_MAX_TEXT = 2000
_RAG_WORDS = {**{rag.lower(): rag for rag in RAGS}, **{rag[0].lower(): rag for rag in RAGS}}
_TEXT_FIELDS = ("priority", "action", "intended_outcome", "lead", "commentary")


def parse_completion_date(raw: object) -> str | None:
    """An ISO date from what plans write: 2027-03-31, 31/03/2027 (day first), March 2027 (its last day).

    Blank or "Ongoing" means no date (None). Anything else raises ValueError naming ``completion_date``.
    """
    if is_blank(raw):
        return None
    if isinstance(raw, datetime | pd.Timestamp):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    text = " ".join(str(raw).split())
    if not text or text.lower() == ONGOING.lower():
        return None
    try:
        return _date_text(text)
    except ValueError:
        raise ValueError(f"completion_date must be {DATE_EXAMPLES}; not {text!r}") from None


def _date_text(text: str) -> str:
    """Read one written date, raising ValueError when it is not one of the accepted forms."""
    if uk := _UK_DATE.match(text):
        day, month, year = (int(part) for part in uk.groups())
        return date(year, month, day).isoformat()
    if words := _MONTH_YEAR.match(text):
        month, year = _month_number(words.group(1)), int(words.group(2))
        return date(year, month, calendar.monthrange(year, month)[1]).isoformat()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text).isoformat()
    raise ValueError(text)


def _month_number(word: str) -> int:
    """1-12 for a month's name or any start of it of three letters or more ("Mar", "Sept", "September")."""
    word = word.lower()
    for number in range(1, 13):
        if calendar.month_name[number].lower().startswith(word):
            return number
    raise ValueError(word)


def check_action(values: dict, where: str = "") -> dict:
    """Return an action's editable fields cleaned, or raise ValueError saying which field is wrong.

    Text is stripped (line breaks kept, as CRLF or LF alike) and may be up to 2,000 characters: longer text
    is refused, not cut. ``rag`` is Red, Amber, Green or Complete in any case, or its first letter; blank
    means not yet rated. ``measure_keys`` is comma-separated indicator keys (a list or tuple is accepted too).
    """
    clean = {field: _clean_text(values.get(field), field, where) for field in _TEXT_FIELDS}
    for field in REQUIRED:
        if clean[field] is None:
            raise ValueError(f"{where}{field} is required")
    clean["area_code"] = _clean_area_code(values.get("area_code"), where)
    try:
        clean["completion_date"] = parse_completion_date(values.get("completion_date"))
    except ValueError as error:
        raise ValueError(f"{where}{error}") from None
    clean["rag"] = _clean_rag(values.get("rag"), where)
    clean["measure_keys"] = _clean_keys(values.get("measure_keys"), where)
    return {field: clean[field] for field in EDITABLE}


def is_blank(value: object) -> bool:
    """Whether a cell is empty however it arrives: None, NaN, NaT or pd.NA."""
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _clean_text(raw: object, field: str, where: str) -> str | None:
    if is_blank(raw):
        return None
    text = str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > _MAX_TEXT:
        raise ValueError(f"{where}{field} is {len(text):,} characters long; the most is {_MAX_TEXT:,}")
    return text or None


def _clean_area_code(raw: object, where: str) -> str | None:
    code = "" if is_blank(raw) else str(raw).strip().upper()
    if code and not _CODE.match(code):
        raise ValueError(f"{where}area_code must be a CSP or county code like E22000295, or blank; not {code!r}")
    return code or None


def _clean_rag(raw: object, where: str) -> str | None:
    word = "" if is_blank(raw) else str(raw).strip()
    if not word:
        return None
    if word.lower() not in _RAG_WORDS:
        raise ValueError(f"{where}rag must be one of {', '.join(RAGS)} (or R, A, G, C), or blank; not {word!r}")
    return _RAG_WORDS[word.lower()]


def _clean_keys(raw: object, where: str) -> str | None:
    parts = raw if isinstance(raw, list | tuple) else ("" if is_blank(raw) else str(raw)).split(",")
    keys = [str(part).strip().lower() for part in parts if str(part).strip()]
    for key in keys:
        if not _KEY.match(key):
            raise ValueError(f"{where}measure_keys must be indicator keys like burglary,anti-social-behaviour; "
                             f"{key!r} is not one")
    return ",".join(dict.fromkeys(keys)) or None


def stored_value(field: str, value: object) -> object:
    """A cell as it would be stored, to tell an edit from a cell shown again; a value that would be refused is
    kept as it is."""
    if is_blank(value):
        return None
    try:
        if field == "completion_date":
            return parse_completion_date(value)
        if field == "measure_keys":
            return _clean_keys(value, "")
        if field == "rag":
            return _clean_rag(value, "")
        if field == "area_code":
            return _clean_area_code(value, "")
    except ValueError:
        return value
    return str(value).replace("\r\n", "\n").strip() or None
