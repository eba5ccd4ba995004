"""Measures without targets: a CSP's headline indicators judged against a comparator, in the Measures page's RAG words.

A real CSP's first store holds no targets, yet the Measures page must still answer "are we on track?". Each headline
indicator (the "Partnership at a glance" rows) is judged against the first comparator the store can answer
(``lib.performance.comparators``), and the overview's judgement becomes a status: Better is Green, Similar is Amber,
Worse is Red. The overview's cells are used as they are, so the two pages can never disagree about a CSP.

The targets template is the short way to set targets: the importer's columns, a row per headline indicator, with
the baseline year's figure where the store holds that whole year.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlite_utils

from lib.core.areas import Area
from lib.core.catalogue import Indicator, find_indicator, headline_indicators, indicator_catalogue
from lib.core.periods import Period, financial_year_of, months_of_financial_year, shift_months
from lib.performance.comparators import (
    COMPARATORS,
    COUNTY,
    FALLBACKS,
    FORCE,
    LAST_YEAR,
    Comparators,
    comparators_for,
)
from lib.performance.measures import AMBER, GREEN, NO_DATA, RAG_ICONS, RED
from lib.performance.overview import JUDGEMENT_ICONS, Cell, overview_areas, overview_cells
from lib.performance.targets import Target
from lib.stats.statistics import BETTER, NOT_COMPARED, SIMILAR, WORSE
from lib.store.series import annual_series

NOT_RATED, NOT_COMPARED_STATUS = "Not rated", "Not compared"
STATUSES = (GREEN, AMBER, RED, NOT_RATED, NOT_COMPARED_STATUS, NO_DATA)
_RAG_OF = {BETTER: GREEN, SIMILAR: AMBER, WORSE: RED}
NEUTRAL = "neutral"
# The importer's columns (docs/formats.md), plus two it ignores that help whoever fills the template in.
TEMPLATE_COLUMNS = ("csp_code", "csp_name", "indicator_key", "indicator_name", "measure", "target_type",
                    "target_value", "baseline_period", "baseline_figure", "target_period", "basis", "commentary")


@dataclass(frozen=True)
class HeadlineStatus:
    """One CSP's headline indicator judged against the comparator: the overview's cell, in RAG words."""

    cell: Cell
    rag: str
    reason: str

    @property
    def indicator(self) -> Indicator:
        """The headline indicator judged."""
        return self.cell.indicator

    @property
    def area(self) -> Area:
        """The CSP judged."""
        return self.cell.area

    @property
    def icon(self) -> str:
        """A plain character beside the word (a not-rated indicator shows its direction: ↑ ↓ ≈)."""
        if self.rag == NOT_RATED:
            return JUDGEMENT_ICONS.get(self.cell.judgement, "·")
        return RAG_ICONS.get(self.rag, "·")

    @property
    def figure(self) -> float | None:
        """The period's figure: a rate per 1,000 residents where population is held, else the count."""
        return self.cell.rate if self.cell.rate is not None else self.cell.count

    @property
    def text(self) -> str:
        """The grid's cell, the word first: 'Green ✓ 12.3'."""
        if self.figure is None:
            return f"{self.rag} {self.icon}"
        shown = f"{self.figure:,.1f}" if self.cell.rate is not None else f"{self.figure:,.0f}"
        return f"{self.rag} {self.icon} {shown}"


def headline_status(cell: Cell) -> HeadlineStatus:
    """The status the overview's judgement of a cell gives: Better Green, Similar Amber, Worse Red.

    An indicator where neither direction is better (drug offences rise when police look for them) is never Green or
    Red, so it is not rated, whatever the comparison says.
    """
    judgement = cell.judgement
    if cell.count is None:
        return HeadlineStatus(cell, NO_DATA, cell.detail or "not every month of the period is held")
    if judgement == NOT_COMPARED:
        return HeadlineStatus(cell, NOT_COMPARED_STATUS, cell.detail or "nothing to compare with")
    if cell.indicator.polarity == NEUTRAL or judgement not in _RAG_OF:
        said = cell.detail or judgement.lower()
        return HeadlineStatus(cell, NOT_RATED, f"{said}; neither higher nor lower is better for this indicator")
    return HeadlineStatus(cell, _RAG_OF[judgement], cell.detail)


def comparator_choice(db: sqlite_utils.Database, area: Area, period: Period) -> Comparators:
    """What the store can compare ``area``'s figures with for ``period``, as the overview would (its default first)."""
    return comparators_for(db, area, overview_areas(db, area)[0], period)


def csp_headline_statuses(
    db: sqlite_utils.Database, csp: Area, period: Period, comparator: str
) -> list[HeadlineStatus]:
    """One CSP's headline indicators, each judged against ``comparator`` exactly as its overview cell is."""
    top = overview_areas(db, csp)[0]
    # A cell's judgement depends only on its own figure and the benchmark's, so the county and this CSP suffice.
    areas = [top] if top == csp else [top, csp]
    cells = overview_cells(db, areas, headline_indicators(indicator_catalogue(db)), period, comparator)
    return [headline_status(c) for c in cells if c.area == csp]


def area_headline_statuses(
    db: sqlite_utils.Database, area: Area, period: Period, comparator: str
) -> tuple[list[Area], list[Indicator], list[HeadlineStatus]]:
    """Every CSP of a county (or force area) by headline indicator: the CSPs, the indicators and their statuses."""
    areas = overview_areas(db, area)
    csps = [a for a in areas if a.kind == "csp"]
    indicators = headline_indicators(indicator_catalogue(db))
    cells = overview_cells(db, areas, indicators, period, comparator)
    return csps, indicators, [headline_status(c) for c in cells if c.area in csps]


def status_counts(statuses: list[HeadlineStatus]) -> dict[str, int]:
    """How many indicators are at each status: the three RAG words always, the others only when some are."""
    counts = {rag: sum(s.rag == rag for s in statuses) for rag in STATUSES}
    return {rag: n for rag, n in counts.items() if n or rag in (GREEN, AMBER, RED)}


# What was compared with, and why ------------------------------------------------------------------------------


def compared_with(choice: Comparators, key: str) -> str:
    """The comparator as the rule's words say it: 'East Sussex (the county)', 'the same months a year earlier'."""
    if key == LAST_YEAR:
        return "the same months a year earlier"
    benchmark = choice.benchmarks.get(key)
    if benchmark is None:
        return COMPARATORS.get(key, key).lower()
    role = {COUNTY: " (the county)", FORCE: " (the police force area)"}.get(key, "")
    return f"{benchmark.name}{role}"  # every loaded CSP's pseudo-area names itself: "the 13 loaded CSPs together"


def why_compared(choice: Comparators, key: str) -> str:
    """Why this comparator, in a sentence: the comparisons before it that the store cannot make, and why not."""
    if key not in choice.answerable:
        reasons = "; ".join(choice.unanswerable.get(k, "") for k in FALLBACKS if k in choice.unanswerable)
        return f"Nothing can be compared: {reasons}."
    skipped = [k for k in FALLBACKS[:FALLBACKS.index(key)] if k in choice.unanswerable] if key in FALLBACKS else []
    if not skipped:
        return f"Compared with {compared_with(choice, key)}."
    reasons = "; and ".join(f"{_short_name(k)} cannot be used: {choice.unanswerable[k]}" for k in skipped)
    return f"Compared with {compared_with(choice, key)}, because {reasons}."


def _short_name(key: str) -> str:
    return {LAST_YEAR: "last year"}.get(key, COMPARATORS.get(key, key).lower())


def headline_rule(against: str) -> str:
    """The RAG rule for headline indicators judged against ``against`` (Markdown, shown on the page)."""
    return (
        f"**Green**: better than {against} beyond chance. "
        f"**Amber**: similar to {against} (the difference could be chance). "
        f"**Red**: worse than {against} beyond chance. "
        "**Not rated**: neither higher nor lower is better for this indicator (↑ higher, ↓ lower, ≈ similar). "
        "**Not compared** or **No data**: the store cannot make the comparison, or does not hold every month. "
        "These are not targets: none are set, so each headline indicator is judged against a comparator instead."
    )


# The targets template ---------------------------------------------------------------------------------------


def template_years(latest_month: str) -> tuple[str, str]:
    """The target year (the financial year holding the latest month) and its baseline (the year before)."""
    target_year = financial_year_of(latest_month)
    return target_year, financial_year_of(shift_months(months_of_financial_year(target_year)[0], -1))


def baseline_figure(db: sqlite_utils.Database, indicator: Indicator, csp: Area, financial_year: str) -> float | None:
    """The CSP's figure for a whole financial year (None unless every month of it, or its yearly value, is held)."""
    years = annual_series(db, indicator, csp)
    row = years[(years["year"] == financial_year) & (years["months"] == 12)]
    return None if row.empty else float(row["value"].iloc[0])


def targets_template(
    db: sqlite_utils.Database, csps: list[Area], latest_month: str, held: list[Target] | None = None
) -> pd.DataFrame:
    """A targets CSV to fill in: the importer's columns, a row per CSP and headline indicator, baselines filled.

    Targets already held come first, as they are (so a filled-in template imported again changes only what was
    changed); then each headline indicator without a target for the year, its ``target_value`` left empty for the
    partnership to choose (the importer refuses an empty one, naming its line, so no target is set by accident).
    """
    target_year, baseline_year = template_years(latest_month)
    catalogue = indicator_catalogue(db)
    indicators = headline_indicators(catalogue)
    rows = [_held_row(db, t, csp, find_indicator(catalogue, t.indicator_key))
            for csp in csps for t in (held or []) if t.csp_code == csp.code]
    taken = {(r["csp_code"], r["indicator_key"], r["target_period"]) for r in rows}
    for csp in csps:
        for indicator in indicators:
            if (csp.code, indicator.key, target_year) in taken:
                continue
            rows.append({
                "csp_code": csp.code, "csp_name": csp.name, "indicator_key": indicator.key,
                "indicator_name": indicator.name, "measure": _measure_words(indicator, baseline_year),
                "target_type": "percent_change", "target_value": None, "baseline_period": baseline_year,
                "baseline_figure": baseline_figure(db, indicator, csp, baseline_year), "target_period": target_year,
                "basis": "fytd", "commentary": "",
            })
    return pd.DataFrame(rows, columns=list(TEMPLATE_COLUMNS))


def _held_row(db: sqlite_utils.Database, target: Target, csp: Area, indicator: Indicator | None) -> dict:
    baseline = None
    if indicator is not None and target.baseline_period:
        baseline = baseline_figure(db, indicator, csp, target.baseline_period)
    return {
        "csp_code": csp.code, "csp_name": csp.name, "indicator_key": target.indicator_key,
        "indicator_name": indicator.name if indicator else target.indicator_key, "measure": target.measure,
        "target_type": target.target_type, "target_value": target.target_value,
        "baseline_period": target.baseline_period or "", "baseline_figure": baseline,
        "target_period": target.target_period, "basis": target.basis, "commentary": target.commentary or "",
    }


def _measure_words(indicator: Indicator, baseline_year: str) -> str:
    """A starting wording for the measure, in the direction the indicator is good (the partnership rewrites it)."""
    verb = {"lower_is_better": "Reduce", "higher_is_better": "Increase"}.get(indicator.polarity, "Monitor")
    name = indicator.name
    if len(name) > 1 and not name[1].isupper():  # "Anti-social behaviour" reads "anti-social behaviour"; "ASB" stays
        name = name[0].lower() + name[1:]
    return f"{verb} {name} compared with {baseline_year}"
