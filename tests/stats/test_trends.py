"""Priority trends: rolling 12 months, year-to-date and rolling comparisons, intervals, trend lines and indices.

The real Sussex store is checked against an independent recount of the raw police.uk file (see test_series);
the rest runs on small constructed series, where each expected figure is worked out in the test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from lib.core.areas import find_area
from lib.core.catalogue import Indicator, find_indicator, indicator_catalogue
from lib.core.periods import months_between, shift_months
from lib.stats.trends import (
    FY_MONTH_NAMES,
    PER_RESIDENTS,
    WindowComparison,
    comparison_row,
    count_and_harm_index,
    count_interval,
    fytd_comparison,
    monthly_trend,
    rolling_12_months,
    rolling_comparison,
    seasonal_table,
    trend_lines,
    value_interval,
    with_intervals,
)
from lib.store.series import Residents, annual_series, monthly_series, population_year, residents
from tests.conftest import EAST_SUSSEX_CSPS
from tests.store.test_series import (
    NOT_SENT_FOR,
    RECOUNTED,
    SUSSEX_MONTHS,
    YEARLY_PARTNER,
    demo_without_values,
    recount,
)

FAST = settings(max_examples=150, deadline=None)
DEMO_COUNTY = "X10000001"


def frame(start: str, counts: list[float]) -> pd.DataFrame:
    """A monthly series from ``start``, one count a month."""
    return pd.DataFrame({"month": months_between(start, shift_months(start, len(counts) - 1)), "count": counts})


def byars(count: float, level: float) -> tuple[float, float]:
    """Byar's limits for a count, written out from the formula (Breslow & Day 1987)."""
    z = stats.norm.ppf(1 - (1 - level) / 2)
    upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * math.sqrt(count + 1))) ** 3
    lower = 0.0 if count == 0 else count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    return max(lower, 0.0), upper


def exact_poisson(count: float, level: float) -> tuple[float, float]:
    """Garwood's exact Poisson limits from the chi-squared distribution."""
    alpha = 1 - level
    lower = stats.chi2.ppf(alpha / 2, 2 * count) / 2 if count > 0 else 0.0
    return lower, stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2


def wilson_percent(successes: int, trials: int, level: float) -> tuple[float, float]:
    """Wilson's score interval written out (Newcombe & Altman), as a percentage."""
    z = stats.norm.ppf(1 - (1 - level) / 2)
    p = successes / trials
    centre = p + z * z / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    scale = 1 + z * z / trials
    return 100 * (centre - spread) / scale, 100 * (centre + spread) / scale



# --- the real Sussex store: FYTD and rolling figures against the raw file ---------------------------------


@pytest.mark.parametrize("key", RECOUNTED)
def test_fytd_and_rolling_for_each_east_sussex_csp_equal_the_raw_recount(sussex, key):
    indicator = find_indicator(indicator_catalogue(sussex), key)
    assert indicator.polarity == "lower_is_better"
    for code, name in EAST_SUSSEX_CSPS.items():
        area = find_area(sussex, code)
        monthly = monthly_series(sussex, indicator, area)
        expected = recount(code, key)
        assert dict(zip(monthly["month"], monthly["count"], strict=True)) == {m: expected[m] for m in SUSSEX_MONTHS}
        total = sum(expected[m] for m in SUSSEX_MONTHS)
        assert total > 0

        fytd = fytd_comparison(monthly, "2019-02", indicator.polarity)
        assert fytd.label == "2018/19 year to date"
        assert (fytd.months, fytd.earlier_months) == (("2018-04", "2019-02"), ("2017-04", "2018-02"))
        assert fytd.count == total, (name, key)
        assert fytd.earlier == 0
        # Only Oct 2018 to Feb 2019 are held: 5 of the 11 + 11 months wanted, and none a year earlier.
        assert (fytd.held, fytd.wanted) == (5, 22)
        assert not fytd.complete
        assert fytd.comparison is None
        assert fytd.verdict.startswith("Not compared")
        assert fytd.change == total and fytd.change_percent is None

        rolling = rolling_comparison(monthly, "2019-02", indicator.polarity)
        assert rolling.label == "Rolling 12 months"
        assert (rolling.months, rolling.earlier_months) == (("2018-03", "2019-02"), ("2017-03", "2018-02"))
        assert rolling.count == total
        assert (rolling.held, rolling.wanted) == (5, 24)
        assert not rolling.complete and rolling.comparison is None
        assert rolling.verdict.startswith("Not compared")

        row = comparison_row(indicator, name, fytd)
        assert (row["Count"], row["A year earlier"], row["Change"], row["Change %"]) == (total, 0, total, None)
        assert row["Beyond chance?"] == "No" and row["Judgement"] == fytd.verdict
        assert (row["Area"], row["Indicator"], row["Months"]) == (name, indicator.name, "Apr 2018 to Feb 2019")

        # Five months are too few for any rolling 12-month total.
        assert rolling_12_months(monthly).empty


def test_fytd_window_part_way_through_the_held_months(sussex):
    indicator = find_indicator(indicator_catalogue(sussex), "anti-social-behaviour")
    code = "E22000296"
    monthly = monthly_series(sussex, indicator, find_area(sussex, code))
    expected = recount(code, "anti-social-behaviour")
    window = fytd_comparison(monthly, "2018-12", indicator.polarity)
    assert window.count == expected["2018-10"] + expected["2018-11"] + expected["2018-12"]
    assert (window.held, window.wanted) == (3, 18)
    # January starts nothing new: it is still 2018/19, so Oct to Jan are all counted.
    window = fytd_comparison(monthly, "2019-01", indicator.polarity)
    assert window.count == sum(expected[m] for m in ("2018-10", "2018-11", "2018-12", "2019-01"))


# --- rolling 12 months ----------------------------------------------------------------------------------------


def test_rolling_12_months_totals_only_where_12_months_are_held():
    counts = list(range(1, 15))  # 14 months
    rolling = rolling_12_months(frame("2023-01", counts))
    assert list(rolling.columns) == ["month", "count"]
    assert list(rolling["month"]) == ["2023-12", "2024-01", "2024-02"]
    assert list(rolling["count"]) == [sum(counts[0:12]), sum(counts[1:13]), sum(counts[2:14])]


def test_rolling_12_months_leaves_a_gap_wherever_a_month_is_missing():
    monthly = frame("2023-01", [10] * 21)  # 2023-01 .. 2024-09
    monthly = monthly[monthly["month"] != "2023-08"]
    rolling = rolling_12_months(monthly)
    # Every 12 months ending 2023-12 .. 2024-07 include August 2023.
    assert list(rolling["month"]) == ["2024-08", "2024-09"]
    assert list(rolling["count"]) == [120, 120]


def test_rolling_12_months_of_too_few_or_no_months_is_empty():
    assert rolling_12_months(frame("2024-01", [5] * 11)).empty
    empty = rolling_12_months(pd.DataFrame({"month": pd.Series(dtype=str), "count": pd.Series(dtype=float)}))
    assert empty.empty and list(empty.columns) == ["month", "count"]


@FAST
@given(st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=10_000)), max_size=40),
       st.integers(min_value=0, max_value=300))
def test_rolling_12_months_equals_a_brute_force_sum(values, offset):
    """Any series (None = a month not held): the total of the 12 months to each month, where all are held."""
    start = shift_months("2000-01", offset)
    months = months_between(start, shift_months(start, len(values) - 1)) if values else []
    held = [(m, v) for m, v in zip(months, values, strict=True) if v is not None]
    monthly = pd.DataFrame({"month": [m for m, _ in held], "count": [v for _, v in held]})
    expected = {
        months[i]: sum(values[i - 11: i + 1])
        for i in range(11, len(values))
        if all(v is not None for v in values[i - 11: i + 1])
    }
    rolling = rolling_12_months(monthly)
    assert dict(zip(rolling["month"], rolling["count"], strict=True)) == expected
    assert list(rolling["month"]) == sorted(expected)


# --- year to date and rolling comparisons ---------------------------------------------------------------------


def test_fytd_end_september_compares_april_to_september_with_a_year_earlier():
    # Apr 2024 .. Sep 2025; Oct 2024 .. Mar 2025 are far larger and must not count.
    monthly = frame("2024-04", [20, 20, 15, 15, 15, 15] + [1000] * 6 + [30, 30, 35, 35, 35, 35])
    window = fytd_comparison(monthly, "2025-09", "lower_is_better")
    assert window.label == "2025/26 year to date"
    assert window.months == ("2025-04", "2025-09")
    assert window.earlier_months == ("2024-04", "2024-09")
    assert (window.count, window.earlier) == (200, 100)
    assert (window.held, window.wanted) == (12, 12) and window.complete
    assert (window.comparison.current, window.comparison.previous) == (200, 100)


@pytest.mark.parametrize(
    ("end", "first"),
    [("2025-04", "2025-04"), ("2026-01", "2025-04"), ("2026-03", "2025-04"), ("2025-03", "2024-04")],
)
def test_fytd_starts_in_april_of_the_end_months_financial_year(end, first):
    monthly = frame("2023-04", [1] * 36)
    window = fytd_comparison(monthly, end, "neutral")
    assert window.months == (first, end)
    assert window.earlier_months == (shift_months(first, -12), shift_months(end, -12))
    assert window.wanted == 2 * len(months_between(first, end))
    assert window.count == window.earlier == len(months_between(first, end))


def test_rolling_comparison_is_the_12_months_against_the_12_before():
    counts = list(range(1, 25))
    monthly = frame("2023-10", counts)  # Oct 2023 .. Sep 2025
    window = rolling_comparison(monthly, "2025-09", "lower_is_better")
    assert window.months == ("2024-10", "2025-09") and window.earlier_months == ("2023-10", "2024-09")
    assert (window.count, window.earlier) == (sum(counts[12:]), sum(counts[:12]))
    assert window.complete and window.comparison is not None
    # One month short of the earlier 12: counted as held, but not compared.
    short = rolling_comparison(monthly.iloc[1:], "2025-09", "lower_is_better")
    assert (short.held, short.wanted, short.earlier) == (23, 24, sum(counts[1:12]))
    assert not short.complete and short.comparison is None


def window_of(current: int, previous: int, polarity: str) -> WindowComparison:
    """A complete April-to-September comparison with these two totals."""
    monthly = frame("2024-04", [previous] + [0] * 11 + [current] + [0] * 5)
    return fytd_comparison(monthly, "2025-09", polarity)


def p_words(p: float) -> str:
    return f"p = {p:.3f}" if p >= 0.001 else "p < 0.001"


@pytest.mark.parametrize(
    ("current", "previous", "polarity", "judgement", "direction"),
    [
        (200, 100, "lower_is_better", "Worse", "higher"),
        (200, 100, "higher_is_better", "Better", "higher"),
        (100, 200, "lower_is_better", "Better", "lower"),
        (140, 100, "lower_is_better", "Worse", "higher"),
    ],
)
def test_change_beyond_chance_is_worded_with_its_judgement_and_p(current, previous, polarity, judgement, direction):
    window = window_of(current, previous, polarity)
    p = stats.binomtest(current, current + previous, 0.5).pvalue
    assert p < 0.05
    assert window.change == current - previous
    assert window.change_percent == pytest.approx(100 * (current - previous) / previous)
    assert window.comparison.beyond_chance
    assert window.comparison.p_value == pytest.approx(p)
    assert window.verdict == f"{judgement}: {direction}, beyond chance ({p_words(p)})"
    row = comparison_row(Indicator("x", "X", "police"), "Here", window)
    assert row["Beyond chance?"] == "Yes" and row["Judgement"] == window.verdict
    assert row["Change %"] == round(100 * (current - previous) / previous, 1)
    assert row["Months"] == "Apr to Sep 2025"


@pytest.mark.parametrize(("current", "previous"), [(101, 100), (130, 100), (75, 100)])
def test_change_within_chance_is_similar(current, previous):
    window = window_of(current, previous, "lower_is_better")
    p = stats.binomtest(current, current + previous, 0.5).pvalue
    assert p >= 0.05
    assert window.change == current - previous
    assert window.change_percent == pytest.approx(100 * (current - previous) / previous)
    assert not window.comparison.beyond_chance
    assert window.verdict == f"Similar: within chance ({p_words(p)})"
    assert comparison_row(Indicator("x", "X", "police"), "Here", window)["Beyond chance?"] == "No"


def test_change_percent_from_zero_is_none():
    window = window_of(7, 0, "lower_is_better")
    assert window.change == 7 and window.change_percent is None
    assert comparison_row(Indicator("x", "X", "police"), "Here", window)["Change %"] is None


# --- intervals ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", [0.95, 0.998])
def test_with_intervals_for_counts_is_byars(level):
    counts = pd.DataFrame({"month": ["2025-01", "2025-02", "2025-03", "2025-04"], "count": [0, 3, 50, 4000]})
    table = with_intervals(counts, level)
    assert list(table["value"]) == [0, 3, 50, 4000]
    for count, lower, upper in table[["count", "lower", "upper"]].itertuples(index=False):
        assert (lower, upper) == pytest.approx(byars(count, level), rel=1e-12, abs=1e-12)
        assert lower <= count <= upper


@pytest.mark.parametrize("level", [0.95, 0.998])
def test_with_intervals_for_rates_per_1000_residents(level):
    people = Residents(250_000, 2024, "pop.csv")
    counts = pd.DataFrame({"month": ["2025-01", "2025-02", "2025-03"], "count": [12, 480, 3]})
    table = with_intervals(counts, level, residents=people)
    scale = 1000 / people.population
    assert list(table["value"]) == pytest.approx([12 * scale, 480 * scale, 3 * scale])
    # From a count of 10, Byar's interval scaled to the rate...
    for count in (12, 480):
        row = table[table["count"] == count].iloc[0]
        low, high = byars(count, level)
        assert (row["lower"], row["upper"]) == pytest.approx((low * scale, high * scale), rel=1e-12)
    # ...and below 10 the exact Poisson limits scaled (as Fingertips does for a crude rate).
    row = table[table["count"] == 3].iloc[0]
    low, high = exact_poisson(3, level)
    assert (row["lower"], row["upper"]) == pytest.approx((low * scale, high * scale), rel=1e-9)
    assert count_interval(480, level, people).lower == pytest.approx(byars(480, level)[0] * scale, rel=1e-12)
    assert PER_RESIDENTS == 1000


def test_value_interval_is_wilson_for_proportions_in_percent():
    percent = Indicator("reoffending", "Reoffending", "partner", unit="percent")
    interval = value_interval(percent, 30, 120, 0.95)
    assert (interval.lower, interval.upper) == pytest.approx(wilson_percent(30, 120, 0.95), rel=1e-9)
    assert interval.lower < 25 < interval.upper
    interval = value_interval(percent, 0, 40, 0.998)
    assert interval.lower == pytest.approx(0, abs=1e-12)
    assert interval.upper == pytest.approx(wilson_percent(0, 40, 0.998)[1], rel=1e-9)


def test_value_interval_is_scaled_by_the_units_per_for_rates():
    fte = Indicator("first-time-entrants", "FTE", "partner", unit="rate per 100,000 aged 10-17")
    interval = value_interval(fte, 79, 58_818, 0.95)
    low, high = byars(79, 0.95)
    assert (interval.lower, interval.upper) == pytest.approx((low * 1e5 / 58_818, high * 1e5 / 58_818), rel=1e-12)
    small = value_interval(fte, 4, 10_000, 0.95)
    low, high = exact_poisson(4, 0.95)
    assert (small.lower, small.upper) == pytest.approx((low * 10, high * 10), rel=1e-9)


@pytest.mark.parametrize("denominator", [None, float("nan"), 0, -5])
def test_value_interval_needs_a_denominator(denominator):
    fte = Indicator("first-time-entrants", "FTE", "partner", unit="rate per 100,000 aged 10-17")
    assert value_interval(fte, 10, denominator, 0.95) is None


def test_with_intervals_keeps_a_partner_rate_as_sent():
    fte = Indicator("first-time-entrants", "FTE", "partner", unit="rate per 100,000 aged 10-17", frequency="annual")
    years = pd.DataFrame({
        "year": ["2023/24", "2024/25"], "count": [79.0, 12.0], "denominator": [58_818.0, np.nan],
        "value": [134.3, 150.0], "months": [12, 12],
    })
    table = with_intervals(years, 0.95, indicator=fte)
    assert list(table["value"]) == [134.3, 150.0]
    low, high = byars(79, 0.95)
    assert (table["lower"][0], table["upper"][0]) == pytest.approx((low * 1e5 / 58_818, high * 1e5 / 58_818))
    assert np.isnan(table["lower"][1]) and np.isnan(table["upper"][1])


# --- seasonal table -------------------------------------------------------------------------------------------


def test_seasonal_table_orders_months_by_financial_year_april_first():
    monthly = frame("2024-02", list(range(100, 116)))  # Feb 2024 .. May 2025
    table = seasonal_table(monthly)
    assert list(table["month"]) == list(monthly["month"])
    assert list(table["count"]) == list(monthly["count"])
    for month, year, name, order in table[["month", "year", "month_name", "order"]].itertuples(index=False):
        number = int(month[5:])
        start = int(month[:4]) if number >= 4 else int(month[:4]) - 1
        assert year == f"{start}/{(start + 1) % 100:02d}"
        assert name == ("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())[number - 1]
        assert order == (number - 4) % 12
    assert table.loc[table["month_name"] == "Apr", "order"].unique().tolist() == [0]
    assert table.loc[table["month_name"] == "Mar", "order"].unique().tolist() == [11]
    assert list(FY_MONTH_NAMES[:3]) == ["Apr", "May", "Jun"] and FY_MONTH_NAMES[-1] == "Mar"
    # Sorting by financial year then order gives the months in time order.
    assert list(table.sort_values(["year", "order"])["month"]) == list(monthly["month"])
    assert set(table["year"]) == {"2023/24", "2024/25", "2025/26"}


def test_seasonal_table_of_nothing_is_empty():
    assert seasonal_table(pd.DataFrame({"month": [], "count": []})).empty


def test_seasonal_table_has_the_same_columns_when_empty():
    full = seasonal_table(frame("2024-04", [1, 2]))
    empty = seasonal_table(pd.DataFrame({"month": pd.Series(dtype=str), "count": pd.Series(dtype=float)}))
    assert list(empty.columns) == list(full.columns)


# --- recent trend ---------------------------------------------------------------------------------------------


def test_steadily_rising_series_in_a_large_population_is_increasing():
    people = Residents(500_000, 2025, "pop.csv")
    rising = frame("2025-01", [3000, 10, 100, 130, 160, 190, 220])  # only the five latest count
    result = monthly_trend(rising, "lower_is_better", people)
    assert result.direction == "Increasing"
    assert result.label == "Increasing and getting worse"
    assert result.points == 5 and result.p_value < 0.002
    assert monthly_trend(rising, "higher_is_better", people).label == "Increasing and getting better"
    assert monthly_trend(rising, "lower_is_better").direction == "Increasing"  # without residents too
    falling = frame("2025-01", [220, 190, 160, 130, 100])
    assert monthly_trend(falling, "lower_is_better", people).label == "Decreasing and getting better"


def test_flat_series_has_no_significant_change():
    people = Residents(500_000, 2025, "pop.csv")
    flat = frame("2025-01", [10, 9000, 150, 150, 150, 150, 150])
    result = monthly_trend(flat, "lower_is_better", people)
    assert result.direction == result.label == "No significant change"
    assert result.points == 5 and result.p_value > 0.002
    assert monthly_trend(flat, "neutral").direction == "No significant change"


def test_trend_needs_five_months():
    result = monthly_trend(frame("2025-01", [100, 130, 160, 190]), "lower_is_better", Residents(500_000, 2025, ""))
    assert result.direction == "Could not be calculated"


# --- count and harm index -------------------------------------------------------------------------------------


def test_count_and_harm_index_base_is_the_first_12_months_mean():
    months = months_between("2023-04", "2025-03")
    rng = np.random.default_rng(7)
    rows = []
    for month in months:
        for _category in ("Burglary", "Shoplifting"):
            rows.append({"month": month, "count": int(rng.integers(5, 50)), "harm": float(rng.uniform(10, 900))})
    weighted = pd.DataFrame(rows).sample(frac=1, random_state=1)  # any row order
    table = count_and_harm_index(weighted)
    assert list(table.columns) == ["month", "series", "value", "index"]
    for name, column in (("Incidents (count)", "count"), ("Harm (severity-weighted)", "harm")):
        series = table[table["series"] == name]
        totals = pd.DataFrame(rows).groupby("month")[column].sum()
        assert list(series["month"]) == months
        assert list(series["value"]) == pytest.approx(list(totals[months]))
        base = totals[months[:12]].mean()
        assert list(series["index"]) == pytest.approx(list(totals[months] / base * 100))
        assert series["index"].iloc[:12].mean() == pytest.approx(100)


def test_count_and_harm_index_without_a_base_has_no_index():
    weighted = pd.DataFrame({"month": ["2025-01", "2025-02"], "count": [0, 3], "harm": [0.0, 0.0]})
    table = count_and_harm_index(weighted)
    counts = table[table["series"] == "Incidents (count)"]
    assert list(counts["index"]) == pytest.approx([0, 200])  # base: mean of the months held (1.5)
    assert table[table["series"] == "Harm (severity-weighted)"]["index"].isna().all()


# --- trend lines on the demo store ----------------------------------------------------------------------------


def fy_of(month: str) -> str:
    year = int(month[:4]) - (1 if int(month[5:]) < 4 else 0)
    return f"{year}/{(year + 1) % 100:02d}"


def demo_police_months(demo, county: str, categories: tuple[str, ...]) -> dict[str, int]:
    marks = ", ".join("?" for _ in categories)
    return dict(demo.execute(
        f"SELECT m.month, SUM(m.count) FROM monthly_counts m JOIN areas a ON a.code = m.csp_code "
        f"WHERE a.parent_code = ? AND m.category IN ({marks}) GROUP BY m.month ORDER BY m.month",
        [county, *categories],
    ).fetchall())


def test_years_view_shows_only_financial_years_with_12_months_held(demo):
    indicator = find_indicator(indicator_catalogue(demo), "anti-social-behaviour")
    county = find_area(demo, DEMO_COUNTY)
    counts = demo_police_months(demo, DEMO_COUNTY, indicator.categories)
    by_year: dict[str, list[int]] = {}
    for month, count in counts.items():
        by_year.setdefault(fy_of(month), []).append(count)
    whole = {year: sum(values) for year, values in by_year.items() if len(values) == 12}
    assert len(whole) < len(by_year)  # the demo starts and ends part way through a year
    lines = trend_lines(demo, indicator, [county], "years", False, 0.95)
    assert list(lines.columns) == ["area", "period", "count", "value", "lower", "upper", "note"]
    assert list(lines["period"]) == sorted(whole)
    assert list(lines["count"]) == [whole[y] for y in sorted(whole)]
    assert set(lines["area"]) == {county.name}
    assert (lines["lower"] < lines["count"]).all() and (lines["count"] < lines["upper"]).all()


def test_years_view_of_a_monthly_partner_indicator(demo):
    indicator = find_indicator(indicator_catalogue(demo), "domestic-abuse-incidents")
    county = find_area(demo, DEMO_COUNTY)
    rows = demo.execute(
        "SELECT o.period, SUM(o.value) FROM observations o JOIN areas a ON a.code = o.area_code "
        "WHERE o.indicator_key = ? AND a.parent_code = ? GROUP BY o.period", [indicator.key, DEMO_COUNTY]
    ).fetchall()
    by_year: dict[str, list[float]] = {}
    for month, value in rows:
        by_year.setdefault(fy_of(month), []).append(value)
    whole = {year: sum(values) for year, values in by_year.items() if len(values) == 12}
    lines = trend_lines(demo, indicator, [county], "years", False, 0.95)
    assert dict(zip(lines["period"], lines["count"], strict=True)) == whole
    assert len(whole) == len(by_year) - 1


def test_rolling_view_starts_at_the_12th_month_held(demo):
    catalogue = indicator_catalogue(demo)
    county = find_area(demo, DEMO_COUNTY)
    indicator = find_indicator(catalogue, "public-place-violence")
    counts = demo_police_months(demo, DEMO_COUNTY, indicator.categories)
    months = list(counts)
    lines = trend_lines(demo, indicator, [county], "rolling", False, 0.95)
    assert lines["period"].iloc[0] == months[11]
    assert list(lines["period"]) == months[11:]
    assert list(lines["count"]) == [sum(counts[m] for m in months[i - 11: i + 1]) for i in range(11, len(months))]
    # The monthly view has every month; the rolling view, clipped at an end month, stops there.
    assert list(trend_lines(demo, indicator, [county], "monthly", False, 0.95)["period"]) == months
    clipped = trend_lines(demo, indicator, [county], "rolling", False, 0.95, end=months[14])
    assert list(clipped["period"]) == months[11:15]


def test_rolling_rates_divide_by_the_residents_of_each_financial_year(demo):
    indicator = find_indicator(indicator_catalogue(demo), "anti-social-behaviour")
    county = find_area(demo, DEMO_COUNTY)
    csps = [r[0] for r in demo.execute("SELECT code FROM areas WHERE kind = 'csp' AND parent_code = ?",
                                       [DEMO_COUNTY])]
    marks = ", ".join("?" for _ in csps)
    population = dict(demo.execute(
        f"SELECT year, SUM(population) FROM population WHERE area_code IN ({marks}) GROUP BY year "
        f"HAVING COUNT(*) = {len(csps)}", csps,
    ).fetchall())
    lines = trend_lines(demo, indicator, [county], "rolling", True, 0.95)
    counts = trend_lines(demo, indicator, [county], "rolling", False, 0.95)
    assert list(lines["period"]) == list(counts["period"])
    for month, count, value in lines[["period", "count", "value"]].itertuples(index=False):
        year = population_year(month)
        nearest = min(population, key=lambda y: (abs(y - year), -y))
        assert value == pytest.approx(count / population[nearest] * 1000)
        assert residents(demo, county, year).population == population[nearest]


def test_yearly_partner_rate_lines_keep_the_value_sent(demo):
    indicator = find_indicator(indicator_catalogue(demo), "first-time-entrants")
    csp = find_area(demo, "Harwick")
    sent = demo.execute(
        "SELECT period, value, numerator, denominator FROM observations "
        "WHERE indicator_key = ? AND area_code = ? ORDER BY period", [indicator.key, csp.code]
    ).fetchall()
    for view in ("monthly", "rolling", "years"):
        lines = trend_lines(demo, indicator, [csp], view, True, 0.95)
        assert list(lines["period"]) == [r[0] for r in sent]
        assert list(lines["value"]) == [r[1] for r in sent]
        for (_, _, numerator, denominator), lower, upper in zip(sent, lines["lower"], lines["upper"], strict=True):
            low, high = byars(numerator, 0.95) if numerator >= 10 else exact_poisson(numerator, 0.95)
            assert (lower, upper) == pytest.approx((low * 1e5 / denominator, high * 1e5 / denominator))


def test_trend_lines_for_several_areas_give_one_line_each(demo):
    indicator = find_indicator(indicator_catalogue(demo), "burglary")
    areas = [find_area(demo, name) for name in ("Brackenford", "Saltcliffe", DEMO_COUNTY)]
    lines = trend_lines(demo, indicator, areas, "monthly", False, 0.95)
    for area in areas:
        mine = lines[lines["area"] == area.name]
        series = monthly_series(demo, indicator, area)
        assert list(mine["period"]) == list(series["month"])
        assert list(mine["count"]) == list(series["count"])
    county = lines[lines["area"] == areas[2].name].set_index("period")["count"]
    parts = sum(lines[lines["area"] == a.name].set_index("period")["count"] for a in areas[:2])
    assert (county >= parts).all()


def test_years_view_clipped_at_an_end_month_shows_no_months_after_it(demo):
    indicator = find_indicator(indicator_catalogue(demo), "anti-social-behaviour")
    county = find_area(demo, DEMO_COUNTY)
    end = "2025-06"  # 2025/26 is held in full, but only April to June of it are up to the end month
    years = annual_series(demo, indicator, county)
    assert years.set_index("year").loc["2025/26", "months"] == 12
    lines = trend_lines(demo, indicator, [county], "years", False, 0.95, end=end)
    upto = monthly_series(demo, indicator, county, end=end)
    assert lines["count"].sum() <= upto["count"].sum()
    assert "2025/26" not in set(lines["period"])


@pytest.mark.parametrize("view", ["monthly", "rolling", "years"])
@pytest.mark.parametrize("key", YEARLY_PARTNER)
def test_trend_lines_leave_out_an_area_the_partner_sent_no_values_for(tmp_path, view, key):
    db = demo_without_values(tmp_path, YEARLY_PARTNER)
    indicator = find_indicator(indicator_catalogue(db), key)
    without, county, harwick = (find_area(db, name) for name in (NOT_SENT_FOR, DEMO_COUNTY, "Harwick"))
    for alone in (without, county):  # at CSP level, and at county level, which needs every CSP's values
        lines = trend_lines(db, indicator, [alone], view, False, 0.95, end="2026-09")
        assert lines.empty and ["area", "period", "count", "value", "lower", "upper", "note"] == list(lines.columns)
    both = trend_lines(db, indicator, [without, harwick], view, False, 0.95, end="2026-09")
    assert {"Harwick"} == set(both["area"])
    assert list(both["period"]) == list(annual_series(db, indicator, harwick, end="2026-09")["year"])
