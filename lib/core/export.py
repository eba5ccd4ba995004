"""CSV downloads that are safe to open in a spreadsheet.

Text from imported files (locations, file names, reasons) ends up in these downloads. A cell that begins
with = + - @, a tab or a carriage return can run as a formula in Excel or LibreOffice ("CSV injection"), so
such text cells get a leading single quote. Numbers are left alone: a negative change is data, not a formula.
The file is UTF-8 with a byte-order mark, without which Excel reads it as the local code page. Numbers keep
their full precision (a download is data); a missing value is an empty cell, never the text "None" or "nan"
(``lib.core.formatting.export_frame``).
"""

from __future__ import annotations

import re

import pandas as pd

from lib.core.formatting import export_frame

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_cell(value: object) -> object:
    """Prefix text that a spreadsheet would treat as a formula with a single quote; leave the rest."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a frame with every text cell and column name made safe to open in a spreadsheet, and missing
    values empty."""
    safe = export_frame(frame)
    safe.columns = [safe_cell(str(c)) for c in safe.columns]
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].astype(object).map(safe_cell)
    return safe


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as spreadsheet-safe CSV, UTF-8 with a byte-order mark, without the index."""
    return spreadsheet_safe(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def download_name(*parts: str, suffix: str = ".csv") -> str:
    """A file name from plain words: ('Monthly counts', 'Lewes') -> 'monthly-counts_lewes.csv'."""
    cleaned = [_UNSAFE_NAME.sub("-", p.strip().lower()).strip("-") for p in parts if p.strip()]
    return "_".join(c for c in cleaned if c) + suffix
