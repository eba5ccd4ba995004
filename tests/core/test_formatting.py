"""One way to show a value: counts, rates, shares, missing values, names and labels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lib.core import formatting
from lib.core.formatting import (
    COUNT_FORMAT,
    MISSING,
    RATE_FORMAT,
    count,
    counts_in_words,
    display_frame,
    export_frame,
    is_missing,
    label,
    number_format,
    proper_case,
    rate,
    share,
    signed,
    text,
)


@pytest.mark.parametrize("value", [None, math.nan, np.nan, pd.NA, pd.NaT, np.datetime64("NaT"), "None", "nan",
                                   " NaN ", "<NA>", "NaT", "None "])
def test_missing_values(value):
    assert is_missing(value)
    assert MISSING == text(value)
    assert MISSING == count(value)
    assert MISSING == rate(value)
    assert "" == text(value, missing="")


@pytest.mark.parametrize("value", [0, 0.0, "", "Nancy Road", "No data", False, "fewer than 5", "Nat", "NAN", "none"])
def test_values_that_are_not_missing(value):
    assert not is_missing(value)


def test_counts_have_thousands_separators():
    assert "1,234,567" == count(1234567)
    assert "12" == count(np.int64(12))
    assert "1,000" == count(1000.0)
    assert "0" == count(0)
    assert "fewer than 5" == count("fewer than 5")


def test_rates_have_one_decimal_place():
    assert "9.8" == rate(9.7643)
    assert "1,234.6" == rate(1234.56)
    assert "0.0" == rate(0)
    assert "9.76" == rate(9.7643, places=2)
    assert "12.3%" == share(12.345)
    assert MISSING == share(None)


def test_signed_changes():
    assert "+12" == signed(12)
    assert "-1,234" == signed(-1234)
    assert "0" == signed(0)
    assert "-2.5" == signed(-2.5, places=1)


def test_text_of_any_value():
    assert "1,234" == text(1234)
    assert "1,234" == text(1234.0)
    assert "9.8" == text(9.7643)
    assert "Yes" == text(True)
    assert "2025-04-01" == text(pd.Timestamp("2025-04-01"))
    assert "High Street" == text("High Street")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("On or near St Aubyn'S Road", "On or near St Aubyn's Road"),
        ("Queen'S Park Road", "Queen's Park Road"),
        ("St James' Crescent", "St James' Crescent"),
        ("Brighton and Hove", "Brighton and Hove"),
        ("BRIGHTON AND HOVE", "Brighton and Hove"),
        ("ST AUBYN'S ROAD", "St Aubyn's Road"),
        ("lewes and the ouse valley", "Lewes and the Ouse Valley"),
        ("THE STREET", "The Street"),
        ("O'BRIEN CLOSE", "O'Brien Close"),
        ("MCDONALD WAY", "McDonald Way"),
        ("Macleod Road", "Macleod Road"),
        ("Stoke-on-Trent", "Stoke-on-Trent"),
        ("", ""),
        (None, ""),
    ],
)
def test_proper_case(raw, shown):
    assert shown == proper_case(raw)


def test_labels_not_slugs_or_codes():
    names = {"anti-social-behaviour": "Anti-social behaviour", "E34000001": "Eastbourne"}
    assert "Anti-social behaviour" == label("anti-social-behaviour", names)
    assert "Eastbourne" == label("E34000001", names)
    assert "Vehicle crime" == label("vehicle-crime")  # no name held: the slug as words
    assert "E34000002" == label("E34000002", names)  # a code nobody named stays as it is, not mangled
    assert "Burglary" == label("Burglary")
    assert MISSING == label(None, names)


def test_number_formats_keep_counts_whole_and_rates_to_one_decimal():
    assert COUNT_FORMAT == number_format(pd.Series([1, 2000]))
    assert COUNT_FORMAT == number_format(pd.Series([1.0, np.nan, 2000.0]))  # a count with gaps is still a count
    assert RATE_FORMAT == number_format(pd.Series([9.7643, 1.0]))
    assert "%d" == number_format(pd.Series([2024, 2025], name="Year"))  # not "2,025"
    assert "%d" == number_format(pd.Series([1, 2], name="Step"))
    assert number_format(pd.Series(["a"])) is None
    assert number_format(pd.Series([True, False])) is None


def test_display_frame_blanks_missing_text_and_keeps_numbers_sortable():
    frame = pd.DataFrame({"Place": ["High Street", None, "nan"], "Note": ["ok", 9.7643, 1234],
                          "Count": [1.0, np.nan, 12.0]})
    shown = display_frame(frame)
    assert ["High Street", True, True] == [v if v == "High Street" else is_missing(v) for v in shown["Place"]]
    assert ["ok", "9.8", "1,234"] == list(shown["Note"])
    assert pd.api.types.is_float_dtype(shown["Count"])
    assert "nan" == frame.at[2, "Place"]  # the original is not changed


def test_export_frame_keeps_full_precision_and_writes_no_none_or_nan():
    frame = pd.DataFrame({"Place": ["A", None, "None"], "Rate": [9.7643, np.nan, 1.0]})
    csv = export_frame(frame).to_csv(index=False)
    assert "9.7643" in csv
    assert "None" not in csv and "nan" not in csv.lower()


def test_formatting_knows_nothing_of_streamlit():
    assert "streamlit" not in open(formatting.__file__, encoding="utf-8").read()


def test_a_column_of_counts_some_in_words_is_told_from_text():
    assert counts_in_words(pd.Series(["1,234", "fewer than 5", "withheld", None, "12"], dtype=object))
    assert not counts_in_words(pd.Series(["High Street", "12"], dtype=object))
    assert not counts_in_words(pd.Series(["fewer than 5"], dtype=object))  # no number: nothing to align with
    assert not counts_in_words(pd.Series([1, 2]))
