"""Priority trends: monthly, rolling 12 months and financial years, with confidence intervals and comparisons.

Counts and rates get Byar's intervals, proportions Wilson's (see ``lib.stats.statistics``). A change between two
periods is "beyond chance" when the exact conditional test for two Poisson counts says so at 95%.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlite_utils

from lib.core.areas import Area
from lib.core.catalogue import Indicator
from lib.core.periods import (
    financial_year_of,
    month_span,
    months_between,
    months_of_financial_year,
    shift_months,
)
from lib.stats.statistics import (
    CountComparison,
    Interval,
    TrendResult,
    byars_interval,
    compare_counts,
    rate_interval,
    recent_trend,
    wilson_interval,
)
from lib.store.series import Residents, annual_series, monthly_series, population_year, residents

PER_RESIDENTS = 1000
FY_MONTH_NAMES = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")
TREND_POINTS = 5


def rolling_12_months(monthly: pd.DataFrame) -> pd.DataFrame:
    """The 12-month total ending at each month, only where all 12 months are held (columns month, count)."""
    if monthly.empty:
        return monthly.iloc[0:0][["month", "count"]]
    full = months_between(monthly["month"].min(), monthly["month"].max())
    counts = monthly.set_index("month")["count"].reindex(full)
    # min_periods=12 leaves a gap (NaN) wherever any of the 12 months is missing, rather than a short total.
    totals = counts.rolling(12, min_periods=12).sum()
    out = totals.dropna().reset_index()
    out.columns = ["month", "count"]
    return out


def count_interval(count: float, level: float, residents: Residents | None = None) -> Interval:
    """Byar's interval for a count, or for its rate per 1,000 residents when residents are given."""
    if residents is None:
        return byars_interval(count, level)
    return rate_interval(count, residents.population, PER_RESIDENTS, level)


def value_interval(indicator: Indicator, count: float, denominator: float | None, level: float) -> Interval | None:
    """The interval for a partner value sent with its parts: Byar's for rates, Wilson's for proportions (%)."""
    if denominator is None or not np.isfinite(denominator) or denominator <= 0 or not np.isfinite(count):
        return None
    if indicator.measure == "proportion":
        interval = wilson_interval(int(round(count)), int(round(denominator)), level)
        return Interval(interval.lower * 100, interval.upper * 100, level)
    return rate_interval(count, denominator, indicator.per, level)


def with_intervals(
    frame: pd.DataFrame, level: float, residents: Residents | None = None, indicator: Indicator | None = None
) -> pd.DataFrame:
    """Add ``value``, ``lower`` and ``upper``: the count (or rate per 1,000 residents) and its interval.

    A yearly partner rate or proportion keeps the value the partner sent, with an interval from its parts.
    """
    values, lowers, uppers = [], [], []
    for row in frame.itertuples(index=False):
        denominator = getattr(row, "denominator", None)
        if indicator is not None and indicator.measure != "count":  # a partner's rate or proportion
            interval = value_interval(indicator, row.count, denominator, level)
            value = row.value
        else:
            interval = count_interval(row.count, level, residents)
            value = row.count if residents is None else row.count / residents.population * PER_RESIDENTS
        values.append(value)
        lowers.append(np.nan if interval is None else interval.lower)
        uppers.append(np.nan if interval is None else interval.upper)
    return frame.assign(value=values, lower=lowers, upper=uppers)


@dataclass(frozen=True)
class WindowComparison:
    """A run of months against the same months a year earlier (or the 12 months before)."""

    label: str
    months: tuple[str, str]
    earlier_months: tuple[str, str]
    count: float
    earlier: float
    comparison: CountComparison | None
    held: int
    wanted: int

    @property
    def change(self) -> float:
        """The rise (positive) or fall (negative)."""
        return self.count - self.earlier

    @property
    def change_percent(self) -> float | None:
        """The change as a % of the earlier figure (None when that was 0)."""
        return None if not self.earlier else 100.0 * self.change / self.earlier

    @property
    def complete(self) -> bool:
        """Whether both runs of months are wholly held."""
        return self.held == self.wanted

    @property
    def verdict(self) -> str:
        """Plain words: 'Lower, beyond chance (p = 0.003)' or 'Similar: within chance (p = 0.41)'."""
        if self.comparison is None:
            return "Not compared: the months are not all held"
        c = self.comparison
        p = f"p = {c.p_value:.3f}" if c.p_value >= 0.001 else "p < 0.001"
        if c.beyond_chance:
            return f"{c.judgement}: {c.direction.lower()}, beyond chance ({p})"
        return f"{c.judgement}: within chance ({p})"


def window_comparison(
    monthly: pd.DataFrame, label: str, months: list[str], earlier: list[str], polarity: str
) -> WindowComparison:
    """A run of months against another (usually the same months a year earlier), tested only when all are held."""
    counts = monthly.set_index("month")["count"]
    held = [m for m in months if m in counts.index]
    held_earlier = [m for m in earlier if m in counts.index]
    count, previous = float(counts.reindex(held).sum()), float(counts.reindex(held_earlier).sum())
    complete = len(held) == len(months) and len(held_earlier) == len(earlier)
    comparison = compare_counts(int(round(count)), int(round(previous)), polarity) if complete else None
    return WindowComparison(
        label, (months[0], months[-1]), (earlier[0], earlier[-1]), count, previous, comparison,
        len(held) + len(held_earlier), len(months) + len(earlier),
    )


def fytd_comparison(monthly: pd.DataFrame, end_month: str, polarity: str) -> WindowComparison:
    """Financial year to date (April to ``end_month``) against the same months a year earlier."""
    year = financial_year_of(end_month)
    months = months_between(months_of_financial_year(year)[0], end_month)
    earlier = [shift_months(m, -12) for m in months]
    return window_comparison(monthly, f"{year} year to date", months, earlier, polarity)


def rolling_comparison(monthly: pd.DataFrame, end_month: str, polarity: str) -> WindowComparison:
    """The 12 months to ``end_month`` against the 12 months before them."""
    months = months_between(shift_months(end_month, -11), end_month)
    earlier = [shift_months(m, -12) for m in months]
    return window_comparison(monthly, "Rolling 12 months", months, earlier, polarity)


def comparison_row(indicator: Indicator, area_name: str, window: WindowComparison) -> dict:
    """One row of the year-to-date and rolling tables, in words and numbers."""
    percent = window.change_percent
    return {
        "Indicator": indicator.name,
        "Area": area_name,
        "Period": window.label,
        "Months": month_span(*window.months),
        "Count": _whole(window.count),
        "A year earlier": _whole(window.earlier),
        "Change": _whole(window.change),
        "Change %": None if percent is None else round(percent, 1),
        "Beyond chance?": "Yes" if window.comparison and window.comparison.beyond_chance else "No",
        "Judgement": window.verdict,
    }


def _whole(value: float) -> int | float:
    """Counts as whole numbers, so tables show them with thousands separators."""
    return int(value) if float(value).is_integer() else value


def seasonal_table(monthly: pd.DataFrame) -> pd.DataFrame:
    """Each month's count beside the same month of earlier years: year (financial), month name, order, count."""
    if monthly.empty:
        return pd.DataFrame(columns=["year", "month_name", "order", "count", "month"])
    years = monthly["month"].map(financial_year_of)
    order = monthly["month"].map(lambda m: (int(m[5:]) - 4) % 12)
    return pd.DataFrame({
        "year": years, "month_name": order.map(lambda o: FY_MONTH_NAMES[o]), "order": order,
        "count": monthly["count"], "month": monthly["month"],
    }).reset_index(drop=True)


def monthly_trend(monthly: pd.DataFrame, polarity: str, residents: Residents | None = None) -> TrendResult:
    """The Fingertips recent-trend test on the five latest months held.

    Residents are the denominators; without them the counts are tested against a constant exposure, which
    is the same test for events that are rare in the population.
    """
    latest = monthly.tail(TREND_POINTS)
    counts = latest["count"].astype(float).tolist()
    exposure = residents.population if residents else max(max(counts, default=0.0), 1.0) * 1e6
    return recent_trend(counts, [float(exposure)] * len(counts), polarity)


VIEWS = {
    "monthly": "Monthly",
    "rolling": "Rolling 12 months",
    "years": "Financial years",
}


def trend_lines(
    db: sqlite_utils.Database, indicator: Indicator, areas: list[Area], view: str, as_rate: bool, level: float,
    end: str | None = None,
) -> pd.DataFrame:
    """The points of one indicator's chart, one line per area, with intervals at ``level``.

    Columns: area, period (a month or a financial year), count, value, lower, upper, note. Rates are per 1,000
    residents of the mid-year estimate for the period's financial year (nearest held).
    """
    frames = []
    for area in areas:
        points = _points(db, indicator, area, view, end)
        if points.empty:
            continue
        frames.append(_with_rates(db, points, indicator, area, as_rate, level))
    columns = ["area", "period", "count", "value", "lower", "upper", "note"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def _points(db: sqlite_utils.Database, indicator: Indicator, area: Area, view: str, end: str | None) -> pd.DataFrame:
    if view == "years" or indicator.frequency == "annual":
        years = annual_series(db, indicator, area, end)
        # A part year drawn beside whole ones reads as a fall; it belongs in the year-to-date table instead.
        years = years[years["months"] == 12]
        return years.rename(columns={"year": "period"}).assign(note="")
    monthly = monthly_series(db, indicator, area, end=end)
    points = rolling_12_months(monthly) if view == "rolling" else monthly
    return points.rename(columns={"month": "period"}).assign(denominator=np.nan, value=points["count"], note="")


def _with_rates(db, points: pd.DataFrame, indicator: Indicator, area: Area, as_rate: bool, level: float):
    if indicator.measure != "count":
        return with_intervals(points, level, indicator=indicator).assign(area=area.name)
    pieces = []
    for year, group in points.groupby(points["period"].map(population_year), sort=False):
        people = residents(db, area, year) if as_rate else None
        if as_rate and people is None:
            continue
        pieces.append(with_intervals(group, level, residents=people))
    if not pieces:
        return points.iloc[0:0].assign(value=[], lower=[], upper=[], area=[])
    return pd.concat(pieces).sort_values("period").assign(area=area.name)


def count_and_harm_index(weighted: pd.DataFrame) -> pd.DataFrame:
    """Monthly incident and harm totals as indices (first 12 months' average = 100): month, series, value, index.

    A year's average, not one month, is the base, so a seasonal first month does not skew both lines.
    """
    monthly = weighted.groupby("month", sort=True)[["count", "harm"]].sum()
    frames = []
    for column, name in (("count", "Incidents (count)"), ("harm", "Harm (severity-weighted)")):
        first = monthly[column].iloc[:12].mean() if len(monthly) else 0
        index = monthly[column] / first * 100 if first else monthly[column] * np.nan
        frames.append(pd.DataFrame({"month": monthly.index, "series": name, "value": monthly[column].values,
                                    "index": index.values}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["month", "series", "value", "index"])
