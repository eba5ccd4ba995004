"""What the store holds, and the headline counts for an area and period.

Headlines group police.uk categories into the measures partnerships report on. police.uk has no "public
place" flag, so public place violence is approximated and labelled as such wherever it is shown.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd
import sqlite_utils

from lib.core.areas import Area
from lib.core.catalogue import ASB, PPV_NOTE, PUBLIC_ORDER, VIOLENCE
from lib.core.disclosure import FEWER_THAN_5, is_small
from lib.core.periods import Period, month_label, month_span, months_between, previous_comparable
from lib.core.sql import placeholders
from lib.store.counts import months_held
from lib.store.db import is_demo
from lib.store.scope import CSP_COUNTS, area_scope

MIN_INCIDENTS_PER_CSP_MONTH = 5
KIND_NAMES = {"county": "county", "force": "police force area", "csp": "CSP", "district": "district",
              "lsoa": "LSOA"}
KIND_PLURALS = {"county": "counties", "force": "police force areas", "csp": "CSPs", "district": "districts",
                "lsoa": "LSOAs"}


@dataclass(frozen=True)
class CategoryGroup:
    """A headline measure: the police.uk categories it adds up (or, if ``include`` is empty, all but some)."""

    key: str
    label: str
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    note: str = ""

    def covers(self, category: str) -> bool:
        """Whether a police.uk category counts towards this group."""
        if self.include:
            return category in self.include
        return category not in self.exclude


ASB_GROUP = CategoryGroup("asb", ASB, include=(ASB,),
                          note="Anti-social behaviour incidents reported to the police.")
VIOLENCE_GROUP = CategoryGroup("violence", VIOLENCE, include=(VIOLENCE,),
                               note="police.uk category, any place.")
PUBLIC_ORDER_GROUP = CategoryGroup("public_order", PUBLIC_ORDER, include=(PUBLIC_ORDER,),
                                   note="police.uk category.")
PPV_GROUP = CategoryGroup("ppv", "Public place violence (approx.)", include=(VIOLENCE, PUBLIC_ORDER),
                          note=PPV_NOTE)
ALL_CRIME = CategoryGroup("all_crime", "All crime (not ASB)", exclude=(ASB,),
                          note="Every police.uk crime category; anti-social behaviour is counted separately.")
# Shown as two rows: the police.uk categories, then the measures that combine them.
HEADLINE_ROWS = ((ASB_GROUP, VIOLENCE_GROUP, PUBLIC_ORDER_GROUP), (PPV_GROUP, ALL_CRIME))
HEADLINE_GROUPS = tuple(group for row in HEADLINE_ROWS for group in row)
CHART_GROUPS = (
    ASB_GROUP,
    VIOLENCE_GROUP,
    PUBLIC_ORDER_GROUP,
    CategoryGroup("other_crime", "Other crime", exclude=(ASB, VIOLENCE, PUBLIC_ORDER),
                  note="All other police.uk crime categories."),
)


@dataclass(frozen=True)
class Headline:
    """One headline count for a period, with the same months a year earlier where the store holds them."""

    group: CategoryGroup
    count: int
    previous: int | None
    previous_period: Period

    @property
    def change(self) -> int | None:
        """The rise (positive) or fall (negative) since a year earlier, if known."""
        return None if self.previous is None else self.count - self.previous

    @property
    def change_percent(self) -> float | None:
        """The change as a percentage of a year earlier (None when unknown or a year earlier was 0)."""
        return None if not self.previous else 100.0 * (self.count - self.previous) / self.previous


@dataclass(frozen=True)
class StoreOverview:
    """What is loaded: the dataset, months, areas, incidents and imports."""

    demo: bool
    dataset: str
    first_month: str | None
    last_month: str | None
    areas_by_kind: dict[str, int]
    incidents: int
    imports: int
    last_import: str | None

    @property
    def months(self) -> int:
        """How many months the store covers, first to last."""
        if self.first_month is None or self.last_month is None:
            return 0
        return len(months_between(self.first_month, self.last_month))

    @property
    def span(self) -> str:
        """The months covered, in words."""
        if self.first_month is None or self.last_month is None:
            return "no months yet"
        return month_span(self.first_month, self.last_month)


def store_overview(db: sqlite_utils.Database) -> StoreOverview:
    """Summarise what the store holds."""
    held = months_held(db)
    first, last = (held[0], held[-1]) if held else (None, None)
    incidents = db.execute(f"SELECT SUM(count) FROM {CSP_COUNTS}").fetchone()[0]
    imports = db.execute("SELECT COUNT(*) FROM import_log").fetchone()[0]
    last_import = db.execute(
        "SELECT file_name || ' on ' || replace(substr(finished_at, 1, 16), 'T', ' at ') FROM import_log "
        "ORDER BY finished_at DESC, id DESC LIMIT 1"
    ).fetchone()
    demo = is_demo(db)
    return StoreOverview(
        demo=demo,
        dataset="Synthetic demo county (Avonmere)" if demo else "police.uk open data",
        first_month=first,
        last_month=last,
        areas_by_kind=areas_with_incidents(db),
        incidents=int(incidents or 0),
        imports=int(imports),
        last_import=last_import[0] if last_import else None,
    )


def areas_with_incidents(db: sqlite_utils.Database) -> dict[str, int]:
    """How many areas of each kind the picker offers, with the districts and LSOAs inside them."""
    offered = picker_areas(db)
    kinds = Counter(a.kind for a in offered)
    csps = [a.code for a in offered if a.kind == "csp"]
    # Every incident's snap point carries the same LSOA, district and CSP as its monthly count (the importer
    # writes both and re-filing updates both), and there are a few points per LSOA, not one row per LSOA,
    # month and category.
    districts, lsoas = db.execute(
        "SELECT COUNT(DISTINCT district_code), COUNT(DISTINCT lsoa_code) FROM points "
        f"WHERE csp_code IN ({placeholders(csps)})",
        csps,
    ).fetchone()
    return {"force": kinds["force"], "county": kinds["county"], "csp": kinds["csp"], "district": districts,
            "lsoa": lsoas}


def describe_areas(areas_by_kind: dict[str, int]) -> str:
    """Area counts in words: '1 county, 5 CSPs, 5 districts, 416 LSOAs'."""
    words = [f"{n:,} {KIND_NAMES[kind] if n == 1 else KIND_PLURALS[kind]}"
             for kind, n in areas_by_kind.items() if n]
    return ", ".join(words) or "none"


def picker_areas(db: sqlite_utils.Database) -> list[Area]:
    """Areas worth picking: CSPs holding incidents, and the counties and force areas above them.

    A force's street file also holds a few points that fall just over its border, which land in the
    neighbouring forces' CSPs. A force area is offered only if its CSPs average at least
    ``MIN_INCIDENTS_PER_CSP_MONTH``, so those strays do not bury the areas the data is really about.
    """
    areas = {
        r[0]: Area(r[0], r[1], r[2], r[3], bool(r[4]))
        for r in db.execute(
            "SELECT code, name, kind, parent_code, provisional FROM areas "
            "WHERE kind IN ('csp', 'county', 'force')"
        )
    }
    totals = dict(db.execute(f"SELECT csp_code, SUM(count) FROM {CSP_COUNTS} GROUP BY csp_code").fetchall())
    months = max(len(months_held(db)), 1)
    chains = {code: _ancestors(areas, code) for code, area in areas.items() if area.kind == "csp"}
    csps_of_force: dict[str | None, list[str]] = {}
    for csp, chain in chains.items():
        csps_of_force.setdefault(_force_in(areas, chain), []).append(csp)
    floor = MIN_INCIDENTS_PER_CSP_MONTH * months
    covered = {
        force for force, csps in csps_of_force.items()
        if force is None or sum(totals.get(c, 0) for c in csps) >= floor * len(csps)
    }
    offered = {c for c in totals if c in chains and _force_in(areas, chains[c]) in covered}
    offered |= {a for c in list(offered) for a in chains[c]}
    rank = {"county": 0, "force": 1, "csp": 2}
    return sorted((areas[c] for c in offered), key=lambda a: (rank[a.kind], a.name))


def _ancestors(areas: dict[str, Area], code: str) -> list[str]:
    """The county and force codes above an area, nearest first."""
    chain, parent = [], areas[code].parent_code
    while parent in areas and parent not in chain:
        chain.append(parent)
        parent = areas[parent].parent_code
    return chain


def _force_in(areas: dict[str, Area], chain: list[str]) -> str | None:
    return next((c for c in chain if areas[c].kind == "force"), None)


def area_label(area: Area) -> str:
    """How an area reads in the picker: 'Eastbourne (CSP)'."""
    return f"{area.name} ({KIND_NAMES.get(area.kind, area.kind)})"


def category_totals(db: sqlite_utils.Database, area: Area, start: str, end: str) -> dict[str, int]:
    """Incidents per police.uk category in an area between two months inclusive."""
    scope = area_scope(db, area)
    rows = db.execute(
        f"SELECT category, SUM(count) FROM {scope.table} WHERE {scope.where} AND month BETWEEN ? AND ? "
        "GROUP BY category",
        [*scope.params, start, end],
    ).fetchall()
    return {category: int(total) for category, total in rows}


def group_total(group: CategoryGroup, totals: dict[str, int]) -> int:
    """Add up the categories a group covers."""
    return sum(n for category, n in totals.items() if group.covers(category))


def holds_period(db: sqlite_utils.Database, period: Period) -> bool:
    """Whether the store covers every month of a period."""
    held = months_held(db, period.start, period.end)
    return len(held) == len(period.months)


def headline_counts(db: sqlite_utils.Database, area: Area, period: Period) -> list[Headline]:
    """The headline counts for an area and period, each against the same months a year earlier."""
    totals = category_totals(db, area, period.start, period.end)
    earlier = previous_comparable(period)
    earlier_totals = None
    if holds_period(db, earlier):
        earlier_totals = category_totals(db, area, earlier.start, earlier.end)
    return [
        Headline(
            group=group,
            count=group_total(group, totals),
            previous=None if earlier_totals is None else group_total(group, earlier_totals),
            previous_period=earlier,
        )
        for group in HEADLINE_GROUPS
    ]


def monthly_category_counts(db: sqlite_utils.Database, area: Area, period: Period) -> pd.DataFrame:
    """A month-by-category table of counts (months as rows, 0 where none), for an area and period."""
    scope = area_scope(db, area)
    rows = db.execute(
        f"SELECT month, category, SUM(count) FROM {scope.table} WHERE {scope.where} AND month BETWEEN ? AND ? "
        "GROUP BY month, category",
        [*scope.params, period.start, period.end],
    ).fetchall()
    long = pd.DataFrame(rows, columns=["month", "category", "count"])
    table = long.pivot_table(index="month", columns="category", values="count", aggfunc="sum", fill_value=0)
    table = table.reindex(months_held(db, period.start, period.end), fill_value=0).astype("int64")
    table.index.name, table.columns.name = "month", None
    return table.reset_index()


def monthly_group_counts(db: sqlite_utils.Database, area: Area, period: Period) -> pd.DataFrame:
    """Monthly counts of the chart's category groups, long form: month, group, count."""
    by_category = monthly_category_counts(db, area, period).set_index("month")
    columns = {
        group.label: by_category[[c for c in by_category.columns if group.covers(c)]].sum(axis=1)
        for group in CHART_GROUPS
    }
    wide = pd.DataFrame(columns, index=by_category.index).astype("int64")
    return wide.reset_index().melt(id_vars="month", var_name="group", value_name="count")


def group_table(counts: pd.DataFrame) -> pd.DataFrame:
    """The chart's numbers as a table: a row per month (in words), a column per category group."""
    wide = counts.pivot(index="month", columns="group", values="count")[list(dict.fromkeys(counts["group"]))]
    wide.index = wide.index.map(month_label).rename("Month")
    wide.columns.name = None
    return wide.reset_index()


def shown_count(count: int) -> str:
    """A count as shown on screen: small counts as 'fewer than 5'."""
    return FEWER_THAN_5 if is_small(count) else f"{count:,}"


def shown_change(headline: Headline) -> str | int | None:
    """The change on a year earlier as shown: '-123 (-5.2%)', 0, or None if unknown or too small to show."""
    if headline.previous is None or is_small(headline.count) or is_small(headline.previous):
        return None
    if headline.change == 0:
        return 0  # a numeric zero shows grey with no arrow
    percent = f" ({headline.change_percent:+.1f}%)" if headline.change_percent is not None else ""
    return f"{headline.change:+,}{percent}"
