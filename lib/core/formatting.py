"""How a value is shown: one set of rules for every table, card and export.

- **Counts** carry thousands separators: ``1234`` -> "1,234".
- **Rates** and other measured numbers show 1 decimal place: ``9.7643`` -> "9.8".
- **Shares** show as a percentage to 1 decimal place: "12.5%".
- **Missing values** (None, NaN, NaT, pd.NA, and the text a careless ``str()`` makes of them: "None", "nan")
  show as an em dash in tables and cards and as an empty cell in a CSV download, never as "None" or "nan".
- **Names** keep their proper case: police.uk writes "St Aubyn'S Road"; it is shown "St Aubyn's Road".
- **Labels, not slugs or codes**: "anti-social-behaviour" is shown by its catalogue name, an area code by the
  area's name, and a slug nobody has named is turned back into words.

CSV exports are data, so their numbers keep full precision (``export_frame``); only missing values are blanked.
Nothing here knows of Streamlit: ``ui.widgets`` applies these rules to what it draws.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from numbers import Number

import pandas as pd

MISSING = "—"  # an em dash: a table or card cell with no value
MISSING_TEXT = frozenset({"None", "nan", "NaN", "NaT", "<NA>"})  # what str() makes of a missing value
COUNT_FORMAT = "%,d"  # Streamlit's number-column formats (sprintf-js): separators, and 1 decimal place
RATE_FORMAT = "%,.1f"
PLAIN_FORMAT = "%d"  # a year, a rank or an id: a whole number with no separator ("2025", not "2,025")
_PLAIN_NUMBERS = re.compile(r"\b(year|id|rank|step|resolution|month number)\b", re.IGNORECASE)
_SMALL_WORDS = frozenset({"and", "of", "the", "on", "or", "near", "in", "at", "to", "by", "upon", "under", "en", "le"})
_POSSESSIVE = re.compile(r"(?<=\w)'S\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
_COUNT_TEXT = re.compile(r"^-?\d{1,3}(,\d{3})*$|^-?\d+$")
COUNT_WORDS = frozenset({"fewer than 5", "withheld", "<5"})  # a protected count (lib.core.disclosure)
_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)+$")


def is_missing(value: object) -> bool:
    """Whether a value stands for nothing: None, NaN, NaT, pd.NA, or the text "None"/"nan" made of one."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return value.strip() in MISSING_TEXT
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value))  # numpy NaN / NaT scalars
    except (TypeError, ValueError):
        return False


def count(value: object, missing: str = MISSING) -> str:
    """A count with thousands separators: 12345 -> '12,345'; a missing count -> the em dash."""
    if is_missing(value) or not isinstance(value, Number | str):
        return missing
    try:
        return f"{round(float(value)):,}"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)


def rate(value: object, places: int = 1, missing: str = MISSING) -> str:
    """A rate or other measured number to ``places`` decimals, with separators: 1234.567 -> '1,234.6'."""
    if is_missing(value):
        return missing
    try:
        return f"{float(value):,.{places}f}"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)


def share(value: object, places: int = 1, missing: str = MISSING) -> str:
    """A percentage already out of 100 (12.345 -> '12.3%')."""
    shown = rate(value, places, missing)
    return shown if shown == missing else f"{shown}%"


def signed(value: object, places: int = 0, missing: str = MISSING) -> str:
    """A change with its sign: 12 -> '+12', -1234 -> '-1,234', 0 -> '0'."""
    if is_missing(value):
        return missing
    number = float(value)  # type: ignore[arg-type]
    if round(number, places) == 0:
        return "0"
    return f"{number:+,.{places}f}"


def text(value: object, missing: str = MISSING) -> str:
    """Any value as a cell's text: missing as ``missing``, whole numbers with separators, others to 1 decimal."""
    if is_missing(value):
        return missing
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float) or (isinstance(value, Number) and not isinstance(value, complex)):
        number = float(value)  # type: ignore[arg-type]
        return count(number) if number.is_integer() else rate(number)
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.strftime("%Y-%m-%d")
    return str(value)


# --- Names and labels -------------------------------------------------------------------------------------------


def proper_case(name: str | None) -> str:
    """A place or street name in its proper case.

    Mixed-case text keeps its capitals, bar the possessive a careless title-casing makes ("Queen'S Road" ->
    "Queen's Road"). Text all in capitals or all in lower case is title-cased with the small words ("and", "of",
    "the", "on or near") in lower case after the first word, a possessive s in lower case, and names such as
    O'Brien and McDonald kept.
    """
    if name is None or is_missing(name):
        return ""
    words = str(name)
    if words != words.upper() and words != words.lower():
        return _POSSESSIVE.sub("'s", words)

    def one(match: re.Match[str]) -> str:
        word = match.group(0).lower()
        if match.start() > 0 and word in _SMALL_WORDS:
            return word
        if "'" in word:
            head, _, tail = word.partition("'")
            if tail in ("s", ""):
                return head.capitalize() + "'" + tail
            return head.capitalize() + "'" + tail.capitalize()  # O'Brien
        if word.startswith("mc") and len(word) > 2:
            return "Mc" + word[2:].capitalize()
        return word.capitalize()

    return _WORD.sub(one, words)


def slug_words(key: str) -> str:
    """A slug as words: 'anti-social-behaviour' -> 'Anti social behaviour' (when nothing better is known)."""
    words = re.sub(r"[-_]+", " ", key).strip()
    return words[:1].upper() + words[1:]


def label(key: object, names: Mapping[str, str] | None = None, missing: str = MISSING) -> str:
    """The name people read for a key or code: its name in ``names``, else a slug as words, else as given."""
    if is_missing(key):
        return missing
    shown = str(key).strip()
    if names and shown in names and names[shown]:
        return names[shown]
    return slug_words(shown) if _SLUG.match(shown) else shown


# --- Frames ----------------------------------------------------------------------------------------------------


def whole_numbers(column: pd.Series) -> bool:
    """Whether a number column holds only whole numbers (counts), missing values aside."""
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        return False
    if pd.api.types.is_integer_dtype(column):
        return True
    held = column.dropna()
    return bool(len(held)) and bool((held == held.round()).all())


def number_format(column: pd.Series) -> str | None:
    """The display format of a number column: separators for counts, 1 decimal for rates; None for other columns."""
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        return None
    if not whole_numbers(column):
        return RATE_FORMAT
    return PLAIN_FORMAT if _PLAIN_NUMBERS.search(str(column.name or "")) else COUNT_FORMAT


def counts_in_words(column: pd.Series) -> bool:
    """Whether a text column holds counts, some of them protected words: '1,234', 'fewer than 5', 'withheld'."""
    if pd.api.types.is_numeric_dtype(column):
        return False
    held = [v for v in column if not is_missing(v)]
    numbers = [v for v in held if isinstance(v, int | float) or _COUNT_TEXT.match(str(v))]
    return bool(numbers) and all(v in numbers or str(v).lower() in COUNT_WORDS for v in held)


def _display_cell(value: object) -> object:
    if is_missing(value):
        return None
    if isinstance(value, Number) and not isinstance(value, bool | complex):
        return text(value)  # a number among words: 1234 -> '1,234', 9.7643 -> '9.8'
    return value


def _blank_text(value: object) -> object:
    return None if is_missing(value) else value


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table for the screen: missing text cells made truly missing (the table shows them as a dash),
    and numbers in text columns shown to the same rules as number columns. Number columns are left as numbers
    so they still sort; the table formats them (``number_format``)."""
    shown = frame.copy()
    for column in shown.columns:
        values = shown[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
            continue
        shown[column] = values.astype(object).map(_display_cell)
    return shown


def export_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy for a CSV download: numbers at full precision, and missing values empty rather than 'None'/'nan'."""
    shown = frame.copy()
    for column in shown.columns:
        if not pd.api.types.is_numeric_dtype(shown[column]):
            shown[column] = shown[column].astype(object).map(_blank_text)
    return shown
