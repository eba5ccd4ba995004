"""An indicator's values for an area over time, and the residents they are divided by.

police.uk indicators come from the pre-aggregated count tables (``lib/store/counts.py``); partner indicators from
``observations``.
A county's partner values are the sum of its CSPs' values, and only where every CSP sent one, so a county
total is never quietly missing a district.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlite_utils

from lib.core.areas import Area, csp_codes_within
from lib.core.catalogue import Indicator
from lib.core.periods import financial_year_of, months_of_financial_year
from lib.core.sql import placeholders
from lib.store.counts import monthly_counts


@dataclass(frozen=True)
class Residents:
    """An area's resident population, and the mid-year estimate it came from."""

    population: int
    year: int
    source: str

    @property
    def label(self) -> str:
        """'mid-2025 population 138,208' for captions."""
        return f"mid-{self.year} population {self.population:,}"


def monthly_series(
    db: sqlite_utils.Database, indicator: Indicator, area: Area, start: str | None = None, end: str | None = None
) -> pd.DataFrame:
    """Monthly counts (columns ``month``, ``count``) for a monthly indicator; empty if the area has none."""
    if indicator.is_police:
        return monthly_counts(db, area, list(indicator.categories), start, end)
    if indicator.frequency != "monthly":
        return pd.DataFrame({"month": pd.Series(dtype="str"), "count": pd.Series(dtype="float")})
    values = _partner_values(db, indicator, area)
    values = values[values["period"].str.match(r"^\d{4}-\d{2}$")]
    if start:
        values = values[values["period"] >= start]
    if end:
        values = values[values["period"] <= end]
    return values.rename(columns={"period": "month", "value": "count"})[["month", "count"]].reset_index(drop=True)


def annual_series(
    db: sqlite_utils.Database, indicator: Indicator, area: Area, end: str | None = None
) -> pd.DataFrame:
    """Financial-year values: ``year``, ``count`` (numerator), ``denominator``, ``value``, ``months``.

    Monthly indicators are added up by financial year, with ``months`` saying how many months were held, so a
    part year is never shown as a whole one. Yearly partner values come as the partner sent them. Months after
    ``end`` are left out, and so are years that finish after it.
    """
    if indicator.is_police or indicator.frequency == "monthly":
        monthly = monthly_series(db, indicator, area, end=end)
        if monthly.empty:
            return pd.DataFrame(columns=["year", "count", "denominator", "value", "months"])
        years = monthly.assign(year=monthly["month"].map(financial_year_of))
        table = years.groupby("year", sort=True).agg(count=("count", "sum"), months=("month", "size")).reset_index()
        return table.assign(denominator=float("nan"), value=table["count"].astype(float))[
            ["year", "count", "denominator", "value", "months"]
        ]
    values = _partner_values(db, indicator, area)
    values = values[values["period"].str.match(r"^\d{4}/\d{2}$")]
    if end is not None:
        # Compare after mapping: .map on no rows gives an object Series, which pandas would read as a list of
        # column names (dropping every column) rather than as a filter.
        last_months = values["period"].map(lambda y: months_of_financial_year(y)[-1])
        values = values[last_months <= end]
    count = values["numerator"].where(values["numerator"].notna(), values["value"])
    return pd.DataFrame({
        "year": values["period"], "count": count, "denominator": values["denominator"],
        "value": values["value"], "months": 12,
    }).sort_values("year").reset_index(drop=True)


def _partner_values(db: sqlite_utils.Database, indicator: Indicator, area: Area) -> pd.DataFrame:
    """period, value, numerator, denominator for an area: its own values, else summed over its CSPs."""
    own = _observations(db, indicator.key, [area.code])
    if not own.empty or area.kind in ("csp", "lsoa", "district"):
        return own
    csps = csp_codes_within(db, area)
    held = _observations(db, indicator.key, csps)
    if held.empty:
        return held
    complete = held.groupby("period")["area_code"].nunique() == len(csps)
    held = held[held["period"].isin(complete[complete].index)]
    if indicator.measure == "count":
        summed = held.groupby("period", as_index=False)["value"].sum()
        return summed.assign(numerator=float("nan"), denominator=float("nan"))
    if held[["numerator", "denominator"]].isna().any().any():
        return held.iloc[0:0]  # a rate or proportion cannot be added up without its parts
    summed = held.groupby("period", as_index=False)[["numerator", "denominator"]].sum()
    scale = 100.0 if indicator.measure == "proportion" else indicator.per
    return summed.assign(value=summed["numerator"] / summed["denominator"] * scale)


def _observations(db: sqlite_utils.Database, key: str, area_codes: list[str]) -> pd.DataFrame:
    if not area_codes:
        return pd.DataFrame(columns=["area_code", "period", "value", "numerator", "denominator"])
    marks = placeholders(area_codes)
    rows = db.execute(
        "SELECT area_code, period, value, numerator, denominator FROM observations "
        f"WHERE indicator_key = ? AND area_code IN ({marks}) ORDER BY period",
        [key, *area_codes],
    ).fetchall()
    frame = pd.DataFrame(rows, columns=["area_code", "period", "value", "numerator", "denominator"])
    return frame.astype({"value": float, "numerator": float, "denominator": float})


@dataclass(frozen=True)
class HeldValues:
    """An area a partner indicator has values for, with the first and last period held there."""

    area_name: str
    first: str
    last: str


def has_values(db: sqlite_utils.Database, indicator: Indicator, area: Area) -> bool:
    """Whether the area has any value of the indicator (a police.uk series has every month held, 0s included)."""
    if indicator.frequency == "monthly":
        return not monthly_series(db, indicator, area).empty
    return not annual_series(db, indicator, area).empty


def areas_with_values(db: sqlite_utils.Database, indicator: Indicator) -> list[HeldValues]:
    """The areas a partner indicator's values were sent for, by name, to say where to look when one has none."""
    rows = db.execute(
        "SELECT COALESCE(a.name, o.area_code), MIN(o.period), MAX(o.period) FROM observations o "
        "LEFT JOIN areas a ON a.code = o.area_code WHERE o.indicator_key = ? GROUP BY o.area_code ORDER BY 1",
        [indicator.key],
    ).fetchall()
    return [HeldValues(*row) for row in rows]


def residents(db: sqlite_utils.Database, area: Area, year: int) -> Residents | None:
    """The area's population in the mid-year estimate nearest ``year`` (the later one on a tie).

    Where the area itself has no figure (a county made of CSPs), its CSPs' figures for one common year are
    added up, and only if every CSP has one.
    """
    own = db.execute("SELECT year, population, source FROM population WHERE area_code = ?", [area.code]).fetchall()
    if own:
        chosen = min(own, key=lambda r: (abs(r[0] - year), -r[0]))
        return Residents(int(chosen[1]), int(chosen[0]), chosen[2] or "")
    csps = csp_codes_within(db, area) if area.kind in ("county", "force") else []
    if not csps:
        return None
    marks = placeholders(csps)
    rows = db.execute(
        f"SELECT year, SUM(population), COUNT(*), MAX(source) FROM population WHERE area_code IN ({marks}) "
        "GROUP BY year",
        csps,
    ).fetchall()
    whole = [r for r in rows if r[2] == len(csps)]
    if not whole:
        return None
    chosen = min(whole, key=lambda r: (abs(r[0] - year), -r[0]))
    return Residents(int(chosen[1]), int(chosen[0]), chosen[3] or "")


def population_year(month_or_year: str) -> int:
    """The mid-year estimate a period is divided by: the year its financial year starts ('2025/26' -> 2025)."""
    financial_year = month_or_year if "/" in month_or_year else financial_year_of(month_or_year)
    return int(months_of_financial_year(financial_year)[0][:4])
