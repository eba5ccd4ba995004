"""Reporting periods: financial years, the latest 12 months, custom runs, and a year earlier."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.core.periods import (
    LATEST_12,
    custom_period,
    financial_year_of,
    financial_year_period,
    latest_12_months,
    month_label,
    month_span,
    months_between,
    months_of_financial_year,
    parse_period,
    period_presets,
    previous_comparable,
    shift_months,
)

months = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(1990, 2090), st.integers(1, 12))


@pytest.mark.parametrize(
    ("month", "year"),
    [("2024-04", "2024/25"), ("2025-03", "2024/25"), ("2025-04", "2025/26"), ("2000-01", "1999/00"),
     ("1999-12", "1999/00"), ("2099-06", "2099/00")],
)
def test_financial_year_of(month, year):
    assert year == financial_year_of(month)


def test_months_of_financial_year():
    assert ["2024-04", "2024-05", "2024-06", "2024-07", "2024-08", "2024-09", "2024-10", "2024-11",
            "2024-12", "2025-01", "2025-02", "2025-03"] == months_of_financial_year("2024/25")


@pytest.mark.parametrize("bad", ["2024/26", "2024-25", "24/25", "2024/2025", ""])
def test_months_of_financial_year_refuses_what_is_not_one(bad):
    with pytest.raises(ValueError):
        months_of_financial_year(bad)


@given(months)
def test_every_month_is_in_its_own_financial_year(month):
    assert month in months_of_financial_year(financial_year_of(month))


@given(months, st.integers(-400, 400))
def test_shift_months_round_trips(month, count):
    assert month == shift_months(shift_months(month, count), -count)
    assert len(months_between(*sorted([month, shift_months(month, count)]))) == abs(count) + 1


def test_month_words():
    assert "Apr 2025" == month_label("2025-04")
    assert "Apr to Sep 2025" == month_span("2025-04", "2025-09")
    assert "Oct 2025 to Sep 2026" == month_span("2025-10", "2026-09")
    assert "Jan 2026" == month_span("2026-01", "2026-01")


def test_latest_12_months_ends_with_the_latest_month_held():
    period = latest_12_months("2023-10", "2026-09")
    assert (LATEST_12, "Latest 12 months", "2025-10", "2026-09") == (
        period.key, period.label, period.start, period.end
    )
    assert 12 == len(period.months)


def test_latest_12_months_says_when_fewer_are_held():
    period = latest_12_months("2018-10", "2019-02")
    assert ("2018-10", "2019-02", "The 5 months held") == (period.start, period.end, period.label)
    assert "The 5 months held (Oct 2018 to Feb 2019)" == period.title


def test_presets_for_the_demo_span():
    presets = period_presets("2023-10", "2026-09")
    assert [
        ("latest-12", "Latest 12 months", "2025-10", "2026-09"),
        ("2026/27", "2026/27 year to date", "2026-04", "2026-09"),
        ("2025/26", "2025/26", "2025-04", "2026-03"),
        ("2024/25", "2024/25", "2024-04", "2025-03"),
        ("2023/24", "2023/24 (part year held)", "2023-10", "2024-03"),
    ] == [(p.key, p.label, p.start, p.end) for p in presets]
    assert "2026/27 year to date (Apr to Sep 2026)" == presets[1].title


def test_financial_year_period_outside_the_months_held_is_none():
    assert financial_year_period("2019/20", "2023-10", "2026-09") is None


def test_previous_comparable_is_the_same_months_a_year_earlier():
    fytd = parse_period("2026/27", "2023-10", "2026-09")
    earlier = previous_comparable(fytd)
    assert ("2025-04", "2025-09") == (earlier.start, earlier.end)
    assert earlier.months == [shift_months(m, -12) for m in fytd.months]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("latest-12", ("2025-10", "2026-09")),
        ("2024/25", ("2024-04", "2025-03")),
        ("2025-01..2025-06", ("2025-01", "2025-06")),
        ("2025-06..2025-01", ("2025-01", "2025-06")),  # a reversed range is read the right way round
        ("2020-01..2024-01", ("2023-10", "2024-01")),  # clipped to the months held
        ("2019/20", None),  # a year the store does not hold
        ("2010-01..2011-01", None),
        ("2025-13..2026-01", None),
        ("nonsense", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_period_from_a_url(key, expected):
    period = parse_period(key, "2023-10", "2026-09")
    assert expected == (None if period is None else (period.start, period.end))


@given(months, months)
def test_custom_period_key_round_trips(a, b):
    first, last = min(a, b), max(a, b)
    period = custom_period(a, b)
    assert period == parse_period(period.key, first, last)
