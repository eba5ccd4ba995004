"""Words and reference lines for the Trends page: axis titles, captions, the target line, the trend sentence."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlite_utils

from lib.core.areas import Area
from lib.core.catalogue import Indicator
from lib.core.periods import financial_year_of, is_month, month_long, month_span, months_of_financial_year
from lib.performance.measures import target_figure
from lib.performance.targets import Target, load_targets
from lib.stats.statistics import TrendResult
from lib.stats.trends import VIEWS, WindowComparison, comparison_row
from lib.store.series import HeldValues, annual_series, areas_with_values, has_values, population_year, residents

LEVELS = {"95": 0.95, "99.8": 0.998}
MEASURES = {"count": "Counts", "rate": "Rate per 1,000 residents"}
# Areas named where an indicator's values are held: enough to point the way without a wall of names.
HELD_AREAS_NAMED = 6
# The directions of lib.stats.statistics.recent_trend that say a clear change.
INCREASING, DECREASING = "Increasing", "Decreasing"
TREND_TEST = "chi-squared test for trend over the five latest months, at the 99.8% level"
TREND_METHOD = ("The recent trend is the chi-squared test for trend (as in Public Health England's Fingertips) over "
                "the five latest months. A change counts as clear only when p is below 0.002 (the 99.8% level) "
                "and no single month is driving it; otherwise a change of that size could be chance.")


@dataclass(frozen=True)
class ChartLabels:
    """What a trend chart says about itself."""

    view: str
    y: str
    caption: str
    method: str
    missing: str


def chart_labels(indicator: Indicator, view: str, measure: str, level_key: str) -> ChartLabels:
    """Axis title, caption and interval method for an indicator in a view."""
    if indicator.measure == "proportion":
        return ChartLabels("financial years", f"{indicator.unit}", "Values as the partner sent them.",
                           "Wilson score method", "the partner has sent no values for this area.")
    if indicator.measure == "rate":
        return ChartLabels("financial years", indicator.unit, "Rates as the partner sent them.",
                           "Byar's method on the numerator", "the partner has sent no values for this area.")
    span = {"monthly": "per month", "rolling": "in the 12 months to each month", "years": "per financial year"}
    span_key = "years" if indicator.frequency == "annual" else view
    view_words = VIEWS["years" if indicator.frequency == "annual" else view].lower()
    if view == "rolling" and span_key != "years":
        missing = "a rolling 12-month total needs 12 months in a row, and the store holds fewer. Choose Monthly."
    elif span_key == "years":
        missing = "no financial year is wholly held yet. Choose Monthly, or see the year-to-date tab."
    else:
        missing = "the store holds no months for this area."
    if measure == "rate":
        return ChartLabels(
            view_words, f"Per 1,000 residents {span[span_key]}",
            "Rates per 1,000 residents use the ONS mid-year estimate for each financial year's start (nearest held).",
            "Byar's method; exact Poisson below 10",
            f"{missing} Or no population is loaded for this area, so there are no rates: show counts instead.",
        )
    part_year = (" Only financial years wholly held are drawn: the current year is in the year-to-date table."
                 if span_key == "years" else "")
    return ChartLabels(view_words, f"Count {span[span_key]}", f"Counts of incidents.{part_year}", "Byar's method",
                       missing)


@dataclass(frozen=True)
class MissingValues:
    """The chosen areas an indicator has no values for, and words saying so and where values are held."""

    areas: tuple[Area, ...]
    words: str


def missing_values(db: sqlite_utils.Database, indicator: Indicator, areas: list[Area]) -> MissingValues:
    """Which of the areas have no values of the indicator at all (a partner sent none for them)."""
    missing = [a for a in areas if not has_values(db, indicator, a)]
    if not missing:
        return MissingValues((), "")
    return MissingValues(tuple(missing), no_values_words(indicator, missing, areas_with_values(db, indicator)))


def no_values_words(indicator: Indicator, missing: list[Area], held: list[HeldValues]) -> str:
    """'Test rate has no values for Castlebury. Values are held for Brackenford (2024/25).'"""
    words = f"{indicator.name} has no values for {_listed([a.name for a in missing])}."
    if any(a.kind in ("county", "force") for a in missing):
        words += (" A county's figure is added up from its CSPs' values, and only for periods every CSP sent, "
                  "so that a total is never missing a district.")
    if not held:
        return words + " The store holds none for any area."
    named = [f"{h.area_name} ({_held_span(h)})" for h in held[:HELD_AREAS_NAMED]]
    if len(held) > HELD_AREAS_NAMED:
        named.append(f"{len(held) - HELD_AREAS_NAMED} more areas")
    return words + f" Values are held for {_listed(named)}."


def _held_span(held: HeldValues) -> str:
    if is_month(held.first) and is_month(held.last):
        return month_span(held.first, held.last)
    return held.first if held.first == held.last else f"{held.first} to {held.last}"


def _listed(items: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


@dataclass(frozen=True)
class TargetLine:
    """A target drawn on a chart, in the chart's units, and the baseline period to shade."""

    value: float | None  # None: nothing to draw, only the baseline to shade
    label: str
    baseline: tuple[str, str] | None
    explanation: str


def target_line(db: sqlite_utils.Database, indicator: Indicator, area: Area, view: str, measure: str
                ) -> TargetLine | None:
    """The area's target for the indicator in the chart's units, or None where there is none to draw.

    A year's target is drawn on the yearly and rolling views. On the monthly view a fair line would need a
    seasonal profile, so only the baseline period is shaded there.
    """
    target = next((t for t in load_targets(db, area.code) if t.indicator_key == indicator.key), None)
    if target is None or indicator.measure != "count":
        return None
    baseline = _baseline_span(target, view)
    explanation = f"{target.measure} (target year {target.target_period})."
    if view == "monthly" and indicator.frequency == "monthly":
        return TargetLine(None, "", baseline, explanation + " The target line shows on the yearly views.")
    years = annual_series(db, indicator, area).set_index("year")
    held = target.baseline_period in years.index and years.at[target.baseline_period, "months"] == 12
    figure = target_figure(target, float(years.at[target.baseline_period, "count"]) if held else None)
    if figure is None:
        return TargetLine(None, "", baseline, explanation + " The baseline year is not wholly held.")
    if measure == "rate":
        people = residents(db, area, population_year(target.target_period))
        if people is None:
            return None
        figure = figure / people.population * 1000
    return TargetLine(figure, f"Target {target.target_period}", baseline, explanation)


def _baseline_span(target: Target, view: str) -> tuple[str, str] | None:
    if not target.baseline_period:
        return None
    if view == "years":
        return target.baseline_period, target.baseline_period
    months = months_of_financial_year(target.baseline_period)
    return months[0], months[-1]


def trend_words(area_name: str, result: TrendResult) -> str:
    """'**Eastbourne**: ▼ Decreasing and getting better (p = 0.0004; chi-squared test for trend over the five
    latest months, at the 99.8% level)': the officers' wording, with the test and the level it is held to."""
    if result.p_value is None:
        return f"**{area_name}**: {result.symbol} {result.label} (needs five months with figures)."
    return f"**{area_name}**: {result.symbol} {result.label} ({_p_value(result.p_value)}; {TREND_TEST})."


def plain_trend_words(area_name: str, result: TrendResult) -> str:
    """The same in plain words for a councillor or a room, the test left to 'How this is worked out':
    '**Eastbourne**: ▶ no clear change over the five latest months (a change this size could be chance).'"""
    if result.p_value is None:
        return f"**{area_name}**: {result.symbol} not enough months to tell (it needs five months with figures)."
    if result.direction in (INCREASING, DECREASING):
        moving = "rising" if result.direction == INCREASING else "falling"
        better = result.label.removeprefix(result.direction).removeprefix(" and ")
        how = f"{moving}, {better}," if better else moving
        return (f"**{area_name}**: {result.symbol} {how} over the five latest months (too steady a change to be "
                "chance).")
    return (f"**{area_name}**: {result.symbol} no clear change over the five latest months (a change this size "
            "could be chance).")


def trend_test_words(result: TrendResult) -> str:
    """The method behind the plain trend words, for 'How this is worked out'."""
    if result.p_value is None:
        return "The recent trend needs five months with figures: " + TREND_METHOD
    return f"{TREND_METHOD} Here {_p_value(result.p_value)}."


def _p_value(p: float) -> str:
    return f"p = {p:.4f}" if p >= 0.0001 else "p < 0.0001"


def interval_words(level_key: str, method: str, plain: bool) -> str:
    """What the shaded band on a trend chart is: 'Shaded: 95% confidence interval (Byar's method).' for officers,
    'Shaded: the range the figure would usually fall in by chance (95% of the time).' in plain words."""
    if plain:
        return f"Shaded: the range the figure would usually fall in by chance ({level_key}% of the time)."
    return f"Shaded: {level_key}% confidence interval ({method})."


def view_when(view: str, end_month: str, frequency: str = "monthly") -> str:
    """When a trend chart covers, for its headline: 'rolling 12 months to February 2019', 'each month to February
    2019', 'each financial year to 2018/19'."""
    if frequency == "annual" or view == "years":
        return f"each financial year to {financial_year_of(end_month)}"
    if view == "rolling":
        return f"rolling 12 months to {month_long(end_month)}"
    return f"each month to {month_long(end_month)}"


def comparison_table(rows: list[tuple[Indicator, str, WindowComparison]]) -> pd.DataFrame:
    """The year-to-date and rolling comparisons as one table."""
    return pd.DataFrame([comparison_row(indicator, area, window) for indicator, area, window in rows])


# The overview's key and comparators in plain words, for public and presentation mode; the officers' wording (with
# the tests named) is in lib.performance.overview.COMPARATOR_NOTES and the page's caption.
OVERVIEW_KEY_PLAIN = (
    "Each cell: the figure for the period (a rate per 1,000 residents where population is held, else a count), "
    "how it has moved over the five latest months (▲ rising, ▼ falling, ▶ no clear change, – not enough months), "
    "and how it compares: ✓ Better, ✗ Worse, ≈ Similar, ↑ Higher, ↓ Lower (where neither is better), · not "
    "compared. \\* Public place violence is approximated (see below)."
)
PLAIN_COMPARATOR_NOTES = {
    "last_year": "The period against the same months a year earlier: Better or Worse only when the change is too "
                 "large to be chance.",
    "county": "Each CSP's rate per 1,000 residents against the county's: Better or Worse only when the gap is too "
              "large to be chance.",
    "force": "Each area's rate per 1,000 residents against the police force area's: Better or Worse only when the "
             "gap is too large to be chance.",
    "all_csps": "Each area's rate per 1,000 residents against every loaded CSP taken together: Better or Worse only "
                "when the gap is too large to be chance.",
    "target": "Each CSP's measure against its target, as on the Measures page, allowing for the months so far.",
    "similar": "Each CSP's rate against the average of its most similar CSPs: Better or Worse only when it lies "
               "outside the range those areas would usually show. Only police.uk indicators.",
}
