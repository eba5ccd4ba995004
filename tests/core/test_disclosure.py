"""The public view's rules for small places: threshold, rounding, secondary suppression against the total.

The audit's arithmetic is checked against brute force: every integer table a reader could think possible, given
what is shown and the published total, is listed, and no "fewer than 5" cell may have only one possible value.
"""

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.core.disclosure import (
    FEWER_THAN_5,
    SHOWN,
    SMALL,
    WITHHELD,
    count_text,
    disclosed_cells,
    feasible_ranges,
    is_small,
    protect_counts,
    public_cells,
    reader_ranges,
    rounded_count,
)


@pytest.mark.parametrize(("value", "small"), [
    (0, False), (1, True), (4, True), (4.0, True), (5, False), (1000, False), (None, False), (float("nan"), False),
    (pd.NA, False), ("3", True), ("fewer than 5", False), (-2, False),
])
def test_is_small_marks_only_one_to_four(value, small):
    assert is_small(value) is small


def test_counts_round_to_the_nearest_five_halves_up():
    assert [rounded_count(n) for n in (5, 6, 7, 8, 12, 13, 1_234, 1_237)] == [5, 5, 5, 10, 10, 15, 1_235, 1_235]


def test_small_counts_are_words_and_the_rest_rounded():
    protected = protect_counts([0, 1, 4, 5, 8, 123, 0, 40])
    assert protected.status.tolist() == [SHOWN, SMALL, SMALL, SHOWN, SHOWN, SHOWN, SHOWN, SHOWN]
    assert protected.texts() == ["0", FEWER_THAN_5, FEWER_THAN_5, "5", "10", "125", "0", "40"]
    assert not protected.all_withheld


def test_one_small_count_beside_the_total_is_covered_by_withholding_the_next_smallest():
    # 4 + 7 = 11: "fewer than 5" and "5" (5 to 7) with the total 11 leave the small one only 4 (and the other 7).
    assert disclosed_cells(np.array([np.nan, 5.0]), np.array([SMALL, SHOWN], dtype=object), 11).tolist() == [True,
                                                                                                           True]
    protected = protect_counts([4, 7, 0, 30, 30], 71)
    assert protected.status.tolist() == [SMALL, SHOWN, SHOWN, SHOWN, SHOWN], "the 30s leave room for 1 to 4"
    protected = protect_counts([4, 7, 0], 11)
    assert protected.status.tolist() == [SMALL, WITHHELD, SHOWN]
    assert protected.texts() == [FEWER_THAN_5, "withheld", "0"]


def test_a_handful_of_incidents_in_the_whole_area_shows_no_cell():
    protected = protect_counts([0, 3, 0, 0], 3)
    assert protected.all_withheld and set(protected.status) == {WITHHELD} and np.isnan(protected.values).all()
    # Two ones and nothing else: each is 1, whatever is withheld.
    assert protect_counts([1, 1, 0], 2).all_withheld


def test_small_counts_that_could_only_be_all_ones_are_protected():
    # "10" holds 8 to 12: with the total 11, the three small cells hold 3 at most, so each is 1.
    shown = np.array([SMALL] * 3 + [SHOWN], dtype=object)
    # (and the "10" is then 8 exactly, which a map of a nested period could be subtracted from)
    assert disclosed_cells(np.array([np.nan, np.nan, np.nan, 10.0]), shown, 11).tolist() == [True] * 4
    protected = protect_counts([1, 1, 1, 8, 0], 11)
    assert protected.status.tolist() == [SMALL, SMALL, SMALL, WITHHELD, SHOWN]
    assert not disclosed_cells(protected.values, protected.status, 11).any()
    # With only a "5" to withhold, which frees nothing (the reader knows it holds 5 or more), no cell is shown.
    assert protect_counts([1, 1, 1, 5], 8).all_withheld


def test_count_text_reads_each_status():
    assert [count_text(5.0, SHOWN), count_text(np.nan, SMALL), count_text(np.nan, WITHHELD),
            count_text(np.nan, SHOWN), count_text(1234.0, SHOWN)] == ["5", FEWER_THAN_5, "withheld", "", "1,234"]


def _possible_tables(lo: np.ndarray, hi: np.ndarray, total: int) -> list[tuple[int, ...]]:
    """Every integer table within the ranges that adds up to the total (brute force, small tables only)."""
    choices = [range(int(a), int(b) + 1) for a, b in zip(lo, hi, strict=True)]
    return [t for t in itertools.product(*choices) if sum(t) == total]


# A view of one cell is the area itself, whose total is published: views have two cells or more.
small_tables = st.lists(st.one_of(st.integers(0, 4), st.integers(0, 14)), min_size=2, max_size=5)


@settings(max_examples=300, deadline=None)
@given(small_tables)
def test_the_audit_agrees_with_brute_force_and_leaves_no_small_count_worked_out(counts):
    total = sum(counts)
    protected = protect_counts(counts, total)
    lo, hi = reader_ranges(protected.values, protected.status, total)
    if protected.all_withheld:
        lo, hi = np.zeros(len(counts)), np.full(len(counts), total)
    possible = _possible_tables(lo, hi, total)
    assert tuple(counts) in possible, "what is shown must be true of the real table"
    low, high = feasible_ranges(lo, hi, total)
    for i, count in enumerate(counts):
        values = {t[i] for t in possible}
        assert (min(values), max(values)) == (low[i], high[i]), "the interval audit is exact for one total"
        if count:
            assert len(values) >= 2, f"cell {i} ({count}) can be worked out from {protected.texts()} and {total}"


# Known to fail for some tiny tables (docs/disclosure.md, "What is not covered"): each view is protected on its own,
# and e.g. [2, 7] inside [2, 8] with both exact totals pins the months between to 1. Not strict: hypothesis finds
# such a table on some runs and not others. The pairs the public view offers are checked in test_public_view.py.
@pytest.mark.xfail(reason="single-view protection cannot stop two nested views of a tiny table being differenced "
                          "when both exact totals are known; nested views are not yet protected as a pair",
                   strict=False)
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 14), st.integers(0, 14)), min_size=2, max_size=4))
def test_two_nested_periods_never_give_a_small_count_away_by_subtraction(pairs):
    # The later period's counts include the earlier one's (Oct to Feb holds Oct to Jan): the months between are
    # the difference. Shown rounded, no difference is pinned to 1 to 4, even with both exact totals known.
    inner = [a for a, _ in pairs]
    outer = [a + b for a, b in pairs]
    shown = [protect_counts(c, sum(c)) for c in (outer, inner)]
    ranges = [reader_ranges(p.values, p.status, sum(c)) if not p.all_withheld else
              (np.zeros(len(c)), np.full(len(c), sum(c))) for p, c in zip(shown, (outer, inner), strict=True)]
    outer_tables = _possible_tables(*ranges[0], sum(outer))
    inner_tables = _possible_tables(*ranges[1], sum(inner))
    for i, (_, between) in enumerate(pairs):
        # The reader knows every cell of the later period holds at least the earlier one's count.
        differences = {o[i] - n[i] for o in outer_tables for n in inner_tables
                       if all(x >= y for x, y in zip(o, n, strict=True))}
        if 1 <= between <= 4:
            assert len(differences) >= 2, f"the months between hold {between} in cell {i}, and it shows"


def test_public_cells_work_shares_changes_and_rates_out_from_the_rounded_counts():
    cells = pd.DataFrame({
        "cell": ["a", "b", "c", "d"], "count": [12, 3, 0, 86], "previous": pd.array([9, 8, 0, 2], dtype="Int64"),
        "change": pd.array([3, -5, 0, 84], dtype="Int64"), "share": [12.0, 3.0, 0.0, 86.0],
        "population": [1_500.0, 1_600.0, 1_700.0, 2_000.0], "rate": [8.0, 1.875, 0.0, 43.0],
        "gi_z": [1.0, 0.5, -1.0, 3.0], "gi_p": [0.1, 0.5, 0.2, 0.001], "gi_class": ["Not significant"] * 4,
    })
    public, all_withheld = public_cells(cells, total=101, previous_total=19)
    assert not all_withheld
    assert public["count"].tolist()[0] == 10 and np.isnan(public["count"][1]) and public["count"][3] == 85
    assert public["count_status"].tolist() == [SHOWN, SMALL, SHOWN, SHOWN]
    assert public["previous_status"][3] == SMALL
    assert public["change"].tolist()[0] == 0  # 10 now, 10 before (9 rounded)
    assert public["change"][1:].isna().tolist() == [True, False, True]
    assert public["share"][0] == pytest.approx(10 / 101 * 100) and np.isnan(public["share"][1])
    assert public["rate"][0] == pytest.approx(10 / 1_500 * 1000) and np.isnan(public["rate"][1])
    assert public[["gi_z", "gi_p"]].isna().all().all(), "z-scores and p-values could be solved for the counts"
    assert cells["count"].tolist() == [12, 3, 0, 86], "the original table is left alone"
