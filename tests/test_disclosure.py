"""Public mode's rules: counts of 1 to 4 for small places become "fewer than 5"; restricted indicators go."""

from dataclasses import dataclass

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.disclosure import FEWER_THAN_5, is_small, public_indicators, shown_count, suppress_small_counts


@pytest.mark.parametrize(("value", "small"), [
    (0, False), (1, True), (4, True), (4.0, True), (5, False), (1000, False), (None, False), (float("nan"), False),
    (pd.NA, False), ("3", True), ("fewer than 5", False), (-2, False),
])
def test_is_small_marks_only_one_to_four(value, small):
    assert is_small(value) is small


def test_shown_count_hides_small_counts_only():
    assert [shown_count(n) for n in (0, 1, 4, 5, 12)] == [0, FEWER_THAN_5, FEWER_THAN_5, 5, 12]


def test_suppression_blanks_the_figures_that_would_reveal_a_small_count():
    table = pd.DataFrame({"Place": ["A", "B", "C", "D"], "Count": [12, 3, 0, 7], "previous": [9, 8, 0, 2],
                          "Share": [60.0, 15.0, 0.0, 35.0], "Change": [3, -5, 0, 5]})
    public = suppress_small_counts(table, counts=["Count", "previous"], reveal=["Share", "Change"])
    assert list(public["Count"]) == ["12", FEWER_THAN_5, "0", "7"]
    assert list(public["previous"]) == ["9", "8", "0", FEWER_THAN_5]
    # Row B's own count is small; row D's previous count is: either way its share and change would give it away.
    assert public["Share"].isna().tolist() == [False, True, False, True]
    assert public["Change"].isna().tolist() == [False, True, False, True]
    assert list(public["Place"]) == ["A", "B", "C", "D"]
    assert list(table["Count"]) == [12, 3, 0, 7], "the original table is left alone"


def test_suppression_ignores_columns_the_table_lacks():
    table = pd.DataFrame({"Count": [2]})
    assert list(suppress_small_counts(table, counts=["Count", "missing"], reveal=["absent"])["Count"]) == [FEWER_THAN_5]
    assert suppress_small_counts(table.iloc[0:0], counts=["Count"]).empty


@given(st.lists(st.one_of(st.integers(min_value=0, max_value=10_000), st.none()), min_size=1, max_size=60))
def test_no_count_of_one_to_four_survives(counts):
    table = pd.DataFrame({"Count": counts, "Rate": [1.0] * len(counts)})
    public = suppress_small_counts(table, counts=["Count"], reveal=["Rate"])
    shown = [v for v in public["Count"] if pd.notna(v)]
    assert not any(v in {"1", "2", "3", "4"} for v in shown)
    assert [v for v in shown if v != FEWER_THAN_5] == [f"{c:,}" for c in counts if c is not None and not 1 <= c <= 4]
    assert sum(v == FEWER_THAN_5 for v in shown) == sum(1 <= (c or 0) <= 4 for c in counts)
    assert public["Rate"].isna().sum() == sum(1 <= (c or 0) <= 4 for c in counts)


@dataclass(frozen=True)
class Fake:
    key: str
    restricted: bool


def test_public_indicators_drop_only_restricted_ones_and_only_in_public():
    catalogue = [Fake("asb", False), Fake("domestic-abuse", True), Fake("ksi", False)]
    assert [i.key for i in public_indicators(catalogue, public=True)] == ["asb", "ksi"]
    assert public_indicators(catalogue, public=False) == catalogue
