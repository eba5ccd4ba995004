"""What an area's figures are compared with, and which of those comparisons the store can answer.

A real CSP's first store holds a few months of police.uk data and no targets: "the same period last year" would
leave every cell "Not compared". Each comparison therefore opens on the first comparator the store can answer, in
the order ``FALLBACKS`` gives (last year, the county, the police force area, every CSP loaded), and says which it
used and why the ones before it could not be.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from lib.core.areas import Area, csp_codes_within, force_above
from lib.core.periods import Period, month_long, previous_comparable
from lib.stats.similar_areas import no_ranking_reason
from lib.store.counts import months_held
from lib.store.series import population_year, residents
from lib.store.summary import picker_areas

LAST_YEAR, COUNTY, FORCE, ALL_CSPS, TARGET, SIMILAR = "last_year", "county", "force", "all_csps", "target", "similar"
COMPARATORS = {
    LAST_YEAR: "Same period last year",
    COUNTY: "The county",
    FORCE: "The police force area",
    ALL_CSPS: "All loaded CSPs",
    TARGET: "Target",
    SIMILAR: "Similar areas",
}
# The order in which a comparison falls back when the one before cannot be answered.
FALLBACKS = (LAST_YEAR, COUNTY, FORCE, ALL_CSPS)
# The comparators that judge a rate against another area's rate (a pseudo-area for every CSP loaded).
BENCHMARKED = (COUNTY, FORCE, ALL_CSPS)


@dataclass(frozen=True)
class Comparators:
    """The comparators the store can answer for one area and period, and why the others cannot be."""

    answerable: dict[str, str]  # key -> label naming the benchmark ("East Sussex (the county)")
    unanswerable: dict[str, str]  # key -> the reason, in plain words
    benchmarks: dict[str, Area]  # key -> the area compared with, for the county, force and all-CSP comparators

    @property
    def default(self) -> str:
        """The first comparator of ``FALLBACKS`` the store can answer (last year when nothing else can be)."""
        return next((key for key in FALLBACKS if key in self.answerable), LAST_YEAR)

    def against(self, key: str) -> str:
        """What a comparator judges against, as words to follow "against": "East Sussex (the county)"."""
        return {LAST_YEAR: "the same period last year", TARGET: "their targets",
                SIMILAR: "their most similar areas"}.get(key) or self.answerable.get(key, COMPARATORS[key].lower())

    def why_default(self) -> str:
        """Why the default was chosen, naming each comparator before it that the store cannot answer."""
        skipped = [f"not {COMPARATORS[key].lower()}: {self.unanswerable[key]}"
                   for key in FALLBACKS[:FALLBACKS.index(self.default)] if key in self.unanswerable]
        return "; ".join(skipped)


def comparators_for(db: sqlite_utils.Database, area: Area, top: Area, period: Period) -> Comparators:
    """Which comparators can judge ``area``'s figures for ``period``; ``top`` is the county or force it sits in
    (the overview's first column, or the area itself)."""
    answerable: dict[str, str] = {}
    unanswerable: dict[str, str] = {}
    benchmarks: dict[str, Area] = {}
    year = population_year(period.end)

    earlier = previous_comparable(period)
    if set(earlier.months) <= set(months_held(db, earlier.start, earlier.end)):
        answerable[LAST_YEAR] = COMPARATORS[LAST_YEAR]
    else:
        unanswerable[LAST_YEAR] = f"the months a year earlier, {month_long(earlier.start)} to " \
                                  f"{month_long(earlier.end)}, are not held"
    for key, found in ((COUNTY, _county_of(top)), (FORCE, force_above(db, top))):
        reason = _benchmark_problem(db, found, key, year)
        if reason:
            unanswerable[key] = reason
        else:
            assert found is not None
            benchmarks[key], answerable[key] = found, f"{found.name} ({_noun(key)})"
    csps = loaded_csps(db)
    if len(csps) >= 2 and all(residents(db, csp, year) for csp in csps):
        benchmarks[ALL_CSPS] = all_loaded_csps(csps)
        answerable[ALL_CSPS] = f"All {len(csps)} loaded CSPs"
    else:
        unanswerable[ALL_CSPS] = "fewer than two CSPs with a population are loaded"
    if db["targets"].exists() and db.execute("SELECT 1 FROM targets LIMIT 1").fetchone():
        answerable[TARGET] = COMPARATORS[TARGET]
    else:
        unanswerable[TARGET] = "no targets are set"
    no_rank = no_ranking_reason(db, period.start, period.end)
    if no_rank:
        unanswerable[SIMILAR] = no_rank[0].lower() + no_rank[1:].rstrip(".")
    else:
        answerable[SIMILAR] = COMPARATORS[SIMILAR]
    return Comparators(answerable, unanswerable, benchmarks)


def benchmark_area(db: sqlite_utils.Database, top: Area, comparator: str) -> Area | None:
    """The area a benchmarked comparator judges against, for a grid headed by ``top`` (None if there is none)."""
    if comparator == COUNTY:
        return _county_of(top)
    if comparator == FORCE:
        return force_above(db, top)
    if comparator == ALL_CSPS:
        return all_loaded_csps(loaded_csps(db))
    return None


def all_loaded_csps(csps: list[Area]) -> Area:
    """Every loaded CSP taken together, as one pseudo-area (never stored) to compare with."""
    return Area(ALL_CSPS, f"the {len(csps)} loaded CSPs together", ALL_CSPS)


def _noun(key: str) -> str:
    return {COUNTY: "the county", FORCE: "the police force area"}[key]


def _county_of(top: Area) -> Area | None:
    return top if top.kind == "county" else None


def _benchmark_problem(db: sqlite_utils.Database, benchmark: Area | None, key: str, year: int) -> str:
    """Why ``benchmark`` cannot serve as the comparator ``key``, or '' when it can."""
    if benchmark is None:
        return f"the area is in no {_noun(key).removeprefix('the ')} the store holds"
    if not csp_codes_within(db, benchmark):
        return f"no CSP of {benchmark.name} is loaded"
    if residents(db, benchmark, year) is None:
        return f"no population is held for {benchmark.name}, so there are no rates to compare"
    return ""


def loaded_csps(db: sqlite_utils.Database) -> list[Area]:
    """The CSPs the area picker offers: those holding incidents in a force area whose data is loaded."""
    return [a for a in picker_areas(db) if a.kind == "csp"]
