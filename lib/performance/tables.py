"""The Performance pages' tables in words: a CSP's similar areas, the columns of the targets' change history, and the
Measures page's grid of every CSP's statuses and its table of headline indicators."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlite_utils

from lib.core.areas import Area
from lib.core.catalogue import HEADLINE_KEYS, find_indicator, indicator_catalogue
from lib.core.formatting import MISSING, slug_words
from lib.core.periods import Period, financial_year_of
from lib.performance.comparators import TARGET, Comparators
from lib.performance.headline_measures import (
    HeadlineStatus,
    area_headline_statuses,
    comparator_choice,
)
from lib.performance.measures import MeasureStatus, evaluate_measure, status_text, statuses_for_year
from lib.performance.overview import overview_areas
from lib.performance.targets import Target, load_targets

# With lib.core.history.history_frame: the columns a target's change history has beyond the shared ones.
TARGET_HISTORY_COLUMNS = {"indicator_key": "Indicator", "target_period": "Year"}
CSP_COLUMN, MEASURE_COLUMN = "CSP", "Measure"


def peer_frame(peers: pd.DataFrame) -> pd.DataFrame:
    """The peers as a table in words."""
    return peers.assign(rate=peers["rate"].round(2), distance=peers["distance"].round(2)).rename(columns={
        "code": "Code", "name": "CSP", "rate": "Rate per 1,000", "count": "Incidents", "population": "Residents",
        "distance": "Distance (0 = identical)", "rank": "Rank", "selected": "This CSP",
    })


@dataclass(frozen=True)
class GridCell:
    """One CSP's status on one measure, as the Measures grid shows it."""

    csp: Area
    measure: str  # the column heading: the indicator's short name
    rag: str
    text: str  # the word first: "Green ✓ 12.3"


@dataclass(frozen=True)
class MeasuresGrid:
    """Every CSP of a county (or force area) by measure: against targets where any CSP there has some, else each
    headline indicator against the comparator ``choice`` chose (``comparator`` is then its key)."""

    csps: list[Area]
    cells: list[GridCell]
    comparator: str  # "target", or the comparator the headline indicators were judged against
    choice: Comparators | None  # what the store could compare with (None for targets)

    @property
    def against_targets(self) -> bool:
        """Whether the grid shows measures against their targets."""
        return self.comparator == TARGET


def measures_grid(db: sqlite_utils.Database, area: Area, period: Period) -> MeasuresGrid:
    """The Measures page's grid for a county or force area, as at the end of ``period``."""
    csps = [a for a in overview_areas(db, area) if a.kind == "csp"]
    held = {csp: load_targets(db, csp.code) for csp in csps}
    if any(held.values()):
        catalogue, year = indicator_catalogue(db), financial_year_of(period.end)
        statuses = {csp: statuses_for_year([evaluate_measure(db, t, find_indicator(catalogue, t.indicator_key), csp,
                                                             period.end) for t in targets], year)
                    for csp, targets in held.items()}
        return MeasuresGrid(csps, target_grid_cells(statuses), TARGET, None)
    choice = comparator_choice(db, area, period)
    csps, _, headline = area_headline_statuses(db, area, period, choice.default)
    return MeasuresGrid(csps, headline_grid_cells(headline), choice.default, choice)


def target_grid_cells(statuses: dict[Area, list[MeasureStatus]]) -> list[GridCell]:
    """Each CSP's measures against targets as grid cells (one status per indicator: ``statuses_for_year``)."""
    # In the overview's order (the headline indicators first), so the two grids read alike.
    ordered = sorted((s for held in statuses.values() for s in held), key=lambda s: _headline_rank(s.target))
    columns = list(dict.fromkeys(_heading(s) for s in ordered))
    cells = [GridCell(csp, _heading(s), s.rag, status_text(s)) for csp, held in statuses.items() for s in held]
    return sorted(cells, key=lambda c: columns.index(c.measure))


def _headline_rank(target: Target) -> tuple[int, str]:
    key = target.indicator_key
    return (HEADLINE_KEYS.index(key), "") if key in HEADLINE_KEYS else (len(HEADLINE_KEYS), key)


def _heading(status: MeasureStatus) -> str:
    if status.indicator is not None:
        return status.indicator.short_name
    return slug_words(status.target.indicator_key)


def headline_grid_cells(statuses: list[HeadlineStatus]) -> list[GridCell]:
    """Each CSP's headline indicators against the comparator as grid cells."""
    return [GridCell(s.area, s.indicator.short_name, s.rag, s.text) for s in statuses]


def rag_grid(cells: list[GridCell], csps: list[Area]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The grid as a table of words, and the same grid holding each cell's status word (for tinting).

    The longer list goes down the side (a county's five CSPs across and its measures down; a force's thirteen CSPs
    down), so the table keeps to a screen's width. A CSP with no target on a measure shows a dash there.
    """
    measures = list(dict.fromkeys(c.measure for c in cells))
    by_key = {(c.csp.code, c.measure): c for c in cells}

    def frame(shown) -> pd.DataFrame:
        if len(csps) >= len(measures):
            rows = [[csp.name] + [shown(by_key.get((csp.code, m))) for m in measures] for csp in csps]
            return pd.DataFrame(rows, columns=[CSP_COLUMN, *measures])
        rows = [[m] + [shown(by_key.get((csp.code, m))) for csp in csps] for m in measures]
        return pd.DataFrame(rows, columns=[MEASURE_COLUMN, *[csp.name for csp in csps]])

    return frame(lambda c: c.text if c else MISSING), frame(lambda c: c.rag if c else "")


def grid_csp(grid: pd.DataFrame, row: int, column: str, csps: list[Area]) -> Area | None:
    """The CSP of a selected grid cell (``rag_grid`` puts CSPs down the side or across)."""
    name = grid.iloc[row][CSP_COLUMN] if CSP_COLUMN in grid.columns else column
    return next((csp for csp in csps if csp.name == name), None)


def headline_table(statuses: list[HeadlineStatus], plain: bool = False) -> pd.DataFrame:
    """A CSP's headline indicators, the status first; in plain words (a shared screen) without the statistics."""
    rows = []
    for s in statuses:
        row = {"Status": f"{s.rag} {s.icon}", "Indicator": s.indicator.name,
               "Rate per 1,000": None if s.cell.rate is None else round(s.cell.rate, 2), "Count": s.cell.count,
               "Recent trend": s.cell.trend.label if s.cell.trend else "", "Why": s.reason}
        if plain:
            row.pop("Count")
            row.pop("Why")
        rows.append(row)
    return pd.DataFrame(rows)
