"""CSV downloads: safe to open in a spreadsheet, readable by Excel, and faithful to the data."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.core.export import FORMULA_START, csv_bytes, download_name, safe_cell, spreadsheet_safe
from lib.core.formatting import MISSING_TEXT


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("On or near High Street", "On or near High Street"),
        ("", ""),
        (-5, -5),
        (3.5, 3.5),
        (None, None),
    ],
)
def test_safe_cell(cell, expected):
    assert expected == safe_cell(cell)


def _one_newline_style(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_back(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_has_a_byte_order_mark_so_excel_reads_utf8():
    data = csv_bytes(pd.DataFrame({"Area": ["Brighton & Hove — Kemptown"]}))
    assert data.startswith(b"\xef\xbb\xbf")
    assert [["Area"], ["Brighton & Hove — Kemptown"]] == _read_back(data)


def test_numbers_stay_numbers_and_text_formulas_are_quoted():
    frame = pd.DataFrame({"Location": ["=1+1", "On or near Park Road"], "Change": [-12, 7]})
    assert [["Location", "Change"], ["'=1+1", "-12"], ["On or near Park Road", "7"]] == _read_back(
        csv_bytes(frame)
    )


def test_column_names_are_made_safe_too():
    assert ["'=cmd", "ok"] == list(spreadsheet_safe(pd.DataFrame({"=cmd": [1], "ok": [2]})).columns)


def test_the_original_frame_is_not_changed():
    frame = pd.DataFrame({"Location": ["=1+1"]})
    csv_bytes(frame)
    assert "=1+1" == frame.at[0, "Location"]


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00")),
                min_size=1, max_size=20))
def test_no_cell_of_any_text_starts_a_formula(texts):
    rows = _read_back(csv_bytes(pd.DataFrame({"Text": texts})))[1:]
    assert len(texts) == len(rows)
    for original, (cell,) in zip(texts, rows, strict=True):
        assert not cell.startswith(FORMULA_START)
        # Only the guard quote is added; the text itself survives (bar newline style, which CSV may change).
        expected = "'" + original if original.startswith(FORMULA_START) else original
        if original.strip() in MISSING_TEXT:  # the text str() makes of a missing value is written empty (issue 17)
            expected = ""
        assert _one_newline_style(expected) == _one_newline_style(cell)


def test_download_name():
    assert "monthly-counts_castlebury_2025-26.csv" == download_name("Monthly counts", "Castlebury", "2025/26")
    assert "import-log.csv" == download_name("Import log", " ")


def test_missing_values_are_empty_cells_and_numbers_keep_full_precision():
    frame = pd.DataFrame({"Place": ["None", None, "Nat Road"], "Rate": [9.7643, float("nan"), 1.0]})
    assert [["Place", "Rate"], ["", "9.7643"], ["", ""], ["Nat Road", "1.0"]] == _read_back(csv_bytes(frame))
