"""A CSP's measures against their targets: baseline, current figure, projected year end and a RAG status.

The RAG rule (``RAG_RULE``, shown on the Measures page) is decided by a 95% confidence interval, so a
measure only turns red when it is worse than its target by more than chance would explain.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlite_utils

from lib.core.areas import Area
from lib.core.catalogue import Indicator
from lib.core.periods import month_span, months_between, months_of_financial_year, shift_months
from lib.performance.targets import BASIS_WORDS, Target
from lib.stats.statistics import Interval, byars_interval
from lib.stats.trends import value_interval
from lib.store.series import annual_series, monthly_series

GREEN, AMBER, RED, NO_DATA = "Green", "Amber", "Red", "No data"
# Plain characters, not emoji: emoji fonts are missing on many council machines and in headless browsers.
RAG_ICONS = {GREEN: "✓", AMBER: "!", RED: "✗", NO_DATA: "–"}
RAG_RULE = (
    "**Green**: on target or better for the months so far. "
    "**Amber**: short of the target, but the target lies inside the figure's 95% confidence interval, so the "
    "gap could be chance. "
    "**Red**: short of the target beyond chance (the whole 95% interval is on the wrong side). "
    "**No data**: no figures for the target year yet. "
    "A year's target is pro-rated to the months so far by the share of the baseline year those months held, so "
    "seasonal peaks do not read as failure. Direction-only targets are judged against the baseline's same "
    "months. Rolling 12-month targets compare the latest 12 months with the whole target."
)
SPARKLINE_MONTHS = 24


@dataclass(frozen=True)
class MeasureStatus:
    """Where one measure stands: the numbers behind its RAG, and the rule's words for it."""

    target: Target
    indicator: Indicator | None
    baseline: float | None  # the baseline period's whole-year figure
    target_figure: float | None  # what the target year must come to
    current: float | None
    current_label: str
    so_far_target: float | None  # the target for the months so far
    interval: Interval | None
    projected: float | None
    rag: str
    reason: str
    sparkline: list[float]

    @property
    def wants_lower(self) -> bool:
        """Whether the measure is met by a lower figure."""
        return wanted_lower(self.target, self.indicator)


def wanted_lower(target: Target, indicator: Indicator | None) -> bool:
    """Which way the target points: the sign of a % change or direction, else the indicator's polarity."""
    if target.target_type in ("percent_change", "direction") and target.target_value:
        return target.target_value < 0
    return indicator is not None and indicator.polarity == "lower_is_better"


def target_figure(target: Target, baseline: float | None) -> float | None:
    """The whole-year figure the target asks for (the baseline itself for a direction-only target)."""
    if target.target_type == "absolute":
        return target.target_value
    if baseline is None:
        return None
    if target.target_type == "percent_change":
        return baseline * (1 + (target.target_value or 0) / 100)
    return baseline


def rag_status(current: float, interval: Interval, goal: float, lower_is_wanted: bool) -> tuple[str, str]:
    """The RAG rule: met, short within chance, or short beyond chance (see ``RAG_RULE``)."""
    met = current <= goal if lower_is_wanted else current >= goal
    if met:
        return GREEN, "on target or better"
    beyond = interval.lower > goal if lower_is_wanted else interval.upper < goal
    if beyond:
        return RED, "short of target beyond chance"
    return AMBER, "short of target, within chance"


def evaluate_measure(
    db: sqlite_utils.Database, target: Target, indicator: Indicator | None, area: Area, latest_month: str
) -> MeasureStatus:
    """Evaluate one target with the figures the store holds up to ``latest_month``."""
    if indicator is None:
        return _no_data(target, None, "the store holds no figures for this indicator", [])
    if indicator.frequency == "annual" and not indicator.is_police:
        return _evaluate_annual(db, target, indicator, area)
    monthly = monthly_series(db, indicator, area, end=latest_month)
    return _evaluate_monthly(target, indicator, monthly, latest_month)


def _evaluate_monthly(target: Target, indicator: Indicator, monthly: pd.DataFrame, latest: str) -> MeasureStatus:
    counts = monthly.set_index("month")["count"]
    spark = counts.tail(SPARKLINE_MONTHS).astype(float).tolist()
    baseline = _year_total(counts, target.baseline_period)
    goal_year = target_figure(target, baseline)
    year_months = months_of_financial_year(target.target_period)
    so_far = [m for m in year_months if m <= latest]
    if not so_far or not set(so_far) <= set(counts.index):
        return _no_data(target, indicator, f"no figures for {target.target_period} yet", spark, baseline, goal_year)
    projected: float | None
    if target.basis == "rolling_12":
        # A past year's target is judged on its own year, not on months after it ended.
        last = min(latest, year_months[-1])
        window = months_between(shift_months(last, -11), last)
        if not set(window) <= set(counts.index):
            return _no_data(target, indicator, "fewer than 12 months held", spark, baseline, goal_year)
        current = float(counts.reindex(window).sum())
        label, goal_so_far, projected = f"Rolling 12 months ({month_span(window[0], last)})", goal_year, current
    else:
        current = float(counts.reindex(so_far).sum())
        label = f"{target.target_period} year to date ({month_span(so_far[0], so_far[-1])})"
        share = _baseline_share(counts, target.baseline_period, len(so_far))
        goal_so_far = None if goal_year is None else goal_year * share
        projected = current / share if share else None
    if goal_so_far is None:
        return _no_data(target, indicator, "the baseline period is not held", spark, baseline, goal_year)
    interval = byars_interval(current, 0.95)
    rag, reason = rag_status(current, interval, goal_so_far, wanted_lower(target, indicator))
    return MeasureStatus(target, indicator, baseline, goal_year, current, label, goal_so_far, interval, projected,
                         rag, reason, spark)


def _year_total(counts: pd.Series, financial_year: str | None) -> float | None:
    if not financial_year:
        return None
    months = months_of_financial_year(financial_year)
    if not set(months) <= set(counts.index):
        return None
    return float(counts.reindex(months).sum())


def _baseline_share(counts: pd.Series, baseline_year: str | None, months_so_far: int) -> float:
    """The share of a year that its first months hold: from the baseline year, else months/12."""
    total = _year_total(counts, baseline_year)
    if total and baseline_year:  # (no baseline year, no total)
        first = months_of_financial_year(baseline_year)[:months_so_far]
        return float(counts.reindex(first).sum()) / total
    return months_so_far / 12


def _evaluate_annual(db: sqlite_utils.Database, target: Target, indicator: Indicator, area: Area) -> MeasureStatus:
    years = annual_series(db, indicator, area).set_index("year")
    spark = years["value"].astype(float).tolist()
    baseline = float(years.at[target.baseline_period, "value"]) if target.baseline_period in years.index else None
    goal = target_figure(target, baseline)
    if target.target_period not in years.index:
        return _no_data(target, indicator, f"no figure for {target.target_period} yet", spark, baseline, goal)
    row = years.loc[target.target_period]
    current = float(row["value"])
    interval = value_interval(indicator, row["count"], row["denominator"], 0.95) or Interval(current, current, 0.95)
    if goal is None:
        return _no_data(target, indicator, "the baseline period is not held", spark, baseline, goal)
    rag, reason = rag_status(current, interval, goal, wanted_lower(target, indicator))
    return MeasureStatus(target, indicator, baseline, goal, current, target.target_period, goal, interval, current,
                         rag, reason, spark)


def _no_data(target: Target, indicator: Indicator | None, reason: str, spark: list[float],
             baseline: float | None = None, goal: float | None = None) -> MeasureStatus:
    return MeasureStatus(target, indicator, baseline, goal, None, "", None, None, None, NO_DATA, reason, spark)


def measures_table(statuses: list[MeasureStatus]) -> pd.DataFrame:
    """The Measures page's table: one row per measure, in words and numbers."""
    return pd.DataFrame([
        {
            "Measure": s.target.measure,
            "Indicator": s.indicator.name if s.indicator else s.target.indicator_key,
            "Basis": BASIS_WORDS.get(s.target.basis, s.target.basis),
            "Baseline": s.target.baseline_period or "",
            "Baseline value": s.baseline,
            "Target": s.target_figure,
            "Current period": s.current_label,
            "Current": s.current,
            "Target so far": s.so_far_target,
            "Projected year end": s.projected,
            "Status": f"{RAG_ICONS[s.rag]} {s.rag}",
            "Why": s.reason,
            "Trend": s.sparkline,
            "Commentary": s.target.commentary or "",
            "Updated": f"{s.target.updated_by or ''} {(s.target.updated_at or '')[:10]}".strip(),
        }
        for s in statuses
    ])


def rag_counts(statuses: list[MeasureStatus]) -> dict[str, int]:
    """How many measures are at each status."""
    return {rag: sum(s.rag == rag for s in statuses) for rag in (GREEN, AMBER, RED, NO_DATA)}


def statuses_for_year(statuses: list[MeasureStatus], financial_year: str) -> list[MeasureStatus]:
    """One status per indicator, for a grid: the target for ``financial_year``, else the latest year before it,
    else the earliest after (a CSP may hold several years' targets on one indicator)."""
    chosen: dict[str, MeasureStatus] = {}
    for status in sorted(statuses, key=lambda s: _year_preference(s.target.target_period, financial_year)):
        chosen.setdefault(status.target.indicator_key, status)
    return [chosen[key] for key in dict.fromkeys(s.target.indicator_key for s in statuses)]


def _year_preference(year: str, wanted: str) -> tuple[int, int]:
    start, wanted_start = int(year[:4]), int(wanted[:4])  # "2025/26" starts in 2025
    if start == wanted_start:
        return 0, 0
    return (1, -start) if start < wanted_start else (2, start)  # the latest earlier year, else the earliest later


def status_text(status: MeasureStatus) -> str:
    """A measure's status as a grid cell, the word first: 'Green ✓ 1,234' (the figure so far, if any)."""
    figure = "" if status.current is None else f" {_shown(status.current, status.indicator)}"
    return f"{status.rag} {RAG_ICONS[status.rag]}{figure}"


def _shown(value: float | None, indicator: Indicator | None) -> str:
    if value is None:
        return "–"
    if indicator is not None and indicator.measure != "count":
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def measure_figures(status: MeasureStatus) -> list[tuple[str, str]]:
    """The numbers a measure's card shows, as (label, value) pairs."""
    target, indicator = status.target, status.indicator
    figures = []
    if status.current is not None:
        figures.append((status.current_label or "Current", _shown(status.current, indicator)))
    if status.so_far_target is not None and target.basis != "rolling_12":
        figures.append(("Target for the months so far", _shown(status.so_far_target, indicator)))
    figures.append((f"Target for {target.target_period}", _shown(status.target_figure, indicator)))
    if status.projected is not None and target.basis != "rolling_12":
        figures.append(("Projected year end", _shown(status.projected, indicator)))
    if target.baseline_period:
        figures.append((f"Baseline {target.baseline_period}", _shown(status.baseline, indicator)))
    return figures


def measure_basis(status: MeasureStatus) -> str:
    """How the measure is counted, in words."""
    target = status.target
    kind = {
        "percent_change": f"{target.target_value:+g}% on {target.baseline_period}",
        "absolute": f"a number to reach: {target.target_value:,.0f}",
        "direction": f"direction only, {'down' if (target.target_value or 0) < 0 else 'up'} on "
                     f"{target.baseline_period}",
    }.get(target.target_type, target.target_type)
    lower = "lower is better" if status.wants_lower else "higher is better"
    return f"Target: {kind}, {lower}; measured as {BASIS_WORDS.get(target.basis, target.basis)}."
