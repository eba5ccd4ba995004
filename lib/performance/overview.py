"""Partnership at a glance: the county and each CSP by headline indicator, judged against a chosen comparator.

Each cell holds the period's figure (a rate per 1,000 residents where population is held, else a count), the
recent-trend marker, and a judgement in Fingertips' words decided by confidence intervals: Better / Similar /
Worse, or Higher / Similar / Lower where no direction is good. The word is always in the cell, never colour
alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlite_utils

from lib.core.areas import Area, csp_codes_within
from lib.core.catalogue import Indicator
from lib.core.periods import Period, previous_comparable, shift_months
from lib.core.sql import placeholders
from lib.performance.comparators import ALL_CSPS, BENCHMARKED, COMPARATORS, benchmark_area, loaded_csps
from lib.performance.measures import evaluate_measure
from lib.performance.targets import load_targets
from lib.stats.similar_areas import peer_comparisons
from lib.stats.statistics import (
    BETTER,
    HIGHER,
    LOWER,
    NOT_COMPARED,
    SIMILAR,
    WORSE,
    TrendResult,
    compare_counts,
    compare_with_benchmark,
    judged,
)
from lib.stats.trends import count_interval, monthly_trend
from lib.store.series import Residents, monthly_series, population_year, residents

__all__ = ["COMPARATORS", "COMPARATOR_NOTES", "Cell", "overview_areas", "overview_cells", "grid_frame",
           "judgement_frame", "cell_table"]
COMPARATOR_NOTES = {
    "last_year": "The period against the same months a year earlier: an exact test for two counts, at 95%.",
    "county": "Each CSP's rate per 1,000 residents, with its 95% confidence interval (Byar's method), against the "
              "county's rate: Better or Worse only when the whole interval is on one side.",
    "force": "Each area's rate per 1,000 residents, with its 95% confidence interval (Byar's method), against the "
             "police force area's rate: Better or Worse only when the whole interval is on one side.",
    "all_csps": "Each area's rate per 1,000 residents, with its 95% confidence interval (Byar's method), against "
                "the rate of every CSP loaded taken together: Better or Worse only when the whole interval is on "
                "one side.",
    "target": "Each CSP's measure for its target year, as on the Measures page: the 95% interval of the year to "
              "date against the target pro-rated to the months so far.",
    "similar": "Each CSP's rate against the average of its most similar CSPs, with control limits (see the "
               "Similar areas page). Only police.uk indicators, and only when enough CSPs are loaded.",
}
JUDGEMENT_ICONS = {BETTER: "✓", WORSE: "✗", SIMILAR: "≈", HIGHER: "↑", LOWER: "↓", NOT_COMPARED: "·"}
_POSITION_WORDS = {"Above": HIGHER, "Below": LOWER, "Inline": SIMILAR}


@dataclass(frozen=True)
class Cell:
    """One area's figure for one indicator, with its trend and judgement."""

    area: Area
    indicator: Indicator
    count: float | None
    rate: float | None
    judgement: str
    trend: TrendResult | None
    detail: str

    @property
    def text(self) -> str:
        """The cell as shown: '12.3 ▼ ✓ Better'."""
        if self.count is None:
            return "no data"
        figure = f"{self.rate:,.1f}" if self.rate is not None else f"{self.count:,.0f}"
        trend = self.trend.symbol if self.trend else ""
        return f"{figure} {trend} {JUDGEMENT_ICONS.get(self.judgement, '')} {self.judgement}".strip()


def overview_areas(db: sqlite_utils.Database, area: Area) -> list[Area]:
    """The county (or force area) above the chosen area, then its CSPs by name."""
    top = area
    if area.kind == "csp" and area.parent_code:
        row = db.execute(
            "SELECT code, name, kind, parent_code FROM areas WHERE code = ?", [area.parent_code]
        ).fetchone()
        top = Area(*row) if row else area
    if top.kind == "csp":
        return [top]
    codes = csp_codes_within(db, top)
    marks = placeholders(codes)
    rows = db.execute(
        f"SELECT code, name, kind, parent_code FROM areas WHERE code IN ({marks}) ORDER BY name", codes
    ).fetchall() if codes else []
    held = {r[0] for r in db.execute("SELECT DISTINCT csp_code FROM csp_monthly_counts")}
    return [top] + [Area(*r) for r in rows if r[0] in held]


def overview_cells(
    db: sqlite_utils.Database, areas: list[Area], indicators: list[Indicator], period: Period, comparator: str
) -> list[Cell]:
    """Every area × indicator cell of the grid; ``areas[0]`` is the county (or force area) of the others.

    The county, force and all-CSP comparators judge each area's rate against that benchmark's rate; the benchmark's
    own column (the county against itself) is not compared.
    """
    benchmark = benchmark_area(db, areas[0], comparator) if comparator in BENCHMARKED else None
    peers = _peer_positions(db, indicators, period) if comparator == "similar" else {}
    cells = []
    for indicator in indicators:
        figures = {area.code: _figure(db, indicator, area, period) for area in areas}
        benchmark_figure = _benchmark_figure(db, indicator, benchmark, period, figures)
        for area in areas:
            judge = _Judge(comparator, benchmark, benchmark_figure, peers)
            cells.append(_cell(db, area, indicator, period, figures[area.code], judge))
    return cells


@dataclass(frozen=True)
class _Judge:
    """What one grid's cells are judged against."""

    comparator: str
    benchmark: Area | None
    benchmark_figure: _Figure | None
    peers: dict


@dataclass(frozen=True)
class _Figure:
    monthly: pd.DataFrame
    count: float | None
    residents: Residents | None

    @property
    def rate(self) -> float | None:
        if self.count is None or self.residents is None:
            return None
        return self.count / self.residents.population * 1000


def _figure(db: sqlite_utils.Database, indicator: Indicator, area: Area, period: Period) -> _Figure:
    start = shift_months(period.start, -12)
    monthly = monthly_series(db, indicator, area, start, period.end)
    held = monthly[monthly["month"].between(period.start, period.end)]
    count = float(held["count"].sum()) if len(held) == len(period.months) else None
    people = residents(db, area, population_year(period.end)) if indicator.measure == "count" else None
    return _Figure(monthly, count, people)


def _benchmark_figure(
    db: sqlite_utils.Database, indicator: Indicator, benchmark: Area | None, period: Period, held: dict[str, _Figure]
) -> _Figure | None:
    if benchmark is None:
        return None
    if benchmark.code in held:
        return held[benchmark.code]
    if benchmark.kind != ALL_CSPS:
        return _figure(db, indicator, benchmark, period)
    return _pooled([_figure(db, indicator, csp, period) for csp in loaded_csps(db)])


def _pooled(figures: list[_Figure]) -> _Figure:
    """Several areas' figures taken together: their counts and residents added up."""
    monthly = pd.concat([f.monthly for f in figures]).groupby("month", as_index=False)["count"].sum()
    counts = [f.count for f in figures]
    people = [f.residents for f in figures]
    total_people = None
    if all(p is not None for p in people):
        total_people = Residents(sum(p.population for p in people if p), people[0].year if people[0] else 0,
                                 "sum of the CSPs' mid-year estimates")
    return _Figure(monthly, None if None in counts else float(sum(c for c in counts if c is not None)), total_people)


def _cell(db: sqlite_utils.Database, area: Area, indicator: Indicator, period: Period, figure: _Figure,
          judge: _Judge) -> Cell:
    count = figure.count
    if count is None:
        return Cell(area, indicator, None, None, NOT_COMPARED, None, "not every month of the period is held")
    trend = monthly_trend(figure.monthly, indicator.polarity, figure.residents)
    judgement, detail, comparator = NOT_COMPARED, "", judge.comparator
    if comparator == "last_year":
        judgement, detail = _against_last_year(indicator, figure, count, period)
    elif judge.benchmark is not None and judge.benchmark_figure is not None and area != judge.benchmark:
        judgement, detail = _against_benchmark(indicator, figure, count, judge.benchmark_figure, judge.benchmark)
    elif comparator == "target" and area.kind == "csp":
        judgement, detail = _against_target(db, indicator, area, period)
    elif comparator == "similar":
        judgement, detail = judge.peers.get((area.code, indicator.key), (NOT_COMPARED, "no similar-areas group"))
    return Cell(area, indicator, count, figure.rate, judgement, trend, detail)


def _against_last_year(indicator: Indicator, figure: _Figure, count: float, period: Period) -> tuple[str, str]:
    """``count`` is ``figure.count``, which ``_cell`` has found held."""
    earlier = previous_comparable(period)
    held = figure.monthly[figure.monthly["month"].between(earlier.start, earlier.end)]
    if len(held) != len(earlier.months):
        return NOT_COMPARED, "the same months a year earlier are not held"
    previous = float(held["count"].sum())
    result = compare_counts(int(round(count)), int(round(previous)), indicator.polarity)
    return result.judgement, f"{count:,.0f} against {previous:,.0f} a year earlier (p = {result.p_value:.3f})"


def _against_benchmark(
    indicator: Indicator, figure: _Figure, count: float, benchmark: _Figure, benchmark_area: Area
) -> tuple[str, str]:
    """``count`` is ``figure.count``, which ``_cell`` has found held."""
    if figure.residents is None or benchmark.rate is None:
        return NOT_COMPARED, "no population held, so no rates to compare"
    interval = count_interval(count, 0.95, figure.residents)
    judgement = compare_with_benchmark(interval, benchmark.rate, indicator.polarity)
    return judgement, (f"{figure.rate:.2f} per 1,000 (95% CI {interval.lower:.2f} to {interval.upper:.2f}) "
                       f"against {benchmark_area.name}: {benchmark.rate:.2f} per 1,000")


def _against_target(db: sqlite_utils.Database, indicator: Indicator, area: Area, period: Period) -> tuple[str, str]:
    target = next((t for t in load_targets(db, area.code) if t.indicator_key == indicator.key), None)
    if target is None:
        return NOT_COMPARED, "no target set"
    status = evaluate_measure(db, target, indicator, area, period.end)
    if status.interval is None or status.so_far_target is None:
        return NOT_COMPARED, status.reason
    polarity = "lower_is_better" if status.wants_lower else "higher_is_better"
    judgement = compare_with_benchmark(status.interval, status.so_far_target, polarity)
    return judgement, f"{status.current:,.0f} against a target of {status.so_far_target:,.0f} so far ({status.rag})"


def _peer_positions(db, indicators: list[Indicator], period: Period) -> dict[tuple[str, str], tuple[str, str]]:
    positions = {}
    for indicator in (i for i in indicators if i.is_police):
        table = peer_comparisons(db, list(indicator.categories), period.start, period.end)
        for row in table.to_dict("records"):
            direction = _POSITION_WORDS[row["position"]]
            judgement = judged(direction, indicator.polarity)
            detail = (f"{row['rate']:.2f} per 1,000 against a group average of {row['group_mean']:.2f} "
                      f"(limits {row['lower_limit']:.2f} to {row['upper_limit']:.2f}); rank {row['rank']}")
            positions[(row["code"], indicator.key)] = (judgement, detail)
    return positions


INDICATOR_COLUMN = "Indicator"


def grid_frame(cells: list[Cell], areas: list[Area], indicators: list[Indicator]) -> pd.DataFrame:
    """The grid as a table, as Fingertips lays its tartan rug: a row per indicator, a column per area."""
    return _grid(cells, areas, indicators, lambda cell: cell.text)


def judgement_frame(cells: list[Cell], areas: list[Area], indicators: list[Indicator]) -> pd.DataFrame:
    """The same grid holding only each cell's judgement word, for tinting the table."""
    return _grid(cells, areas, indicators, lambda cell: cell.judgement)


def _grid(cells: list[Cell], areas: list[Area], indicators: list[Indicator], shown) -> pd.DataFrame:
    by_key = {(c.area.code, c.indicator.key): c for c in cells}
    return pd.DataFrame(
        [[i.short_name] + [shown(by_key[(a.code, i.key)]) for a in areas] for i in indicators],
        columns=[INDICATOR_COLUMN] + [a.name for a in areas],
    )


def cell_table(cells: list[Cell]) -> pd.DataFrame:
    """Every cell's numbers and the reason for its judgement, for reading off values."""
    return pd.DataFrame([
        {
            "Area": c.area.name, "Indicator": c.indicator.name, "Count": c.count,
            "Rate per 1,000": None if c.rate is None else round(c.rate, 2),
            "Recent trend": c.trend.label if c.trend else "", "Judgement": c.judgement, "Why": c.detail,
        }
        for c in cells
    ])
