"""Avonmere's residents and partner data: mid-year population by LSOA and its totals, and the partner indicators
(domestic abuse, road casualties, fires, youth justice, reoffending) each CSP sends.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from lib.demo.design import (
    COUNTY_CODE,
    COUNTY_NAME,
    DISTRICT_NAMES,
    DISTRICTS,
    INDICATOR_MONTHS,
    POPULATION_YEARS,
    stream,
)
from lib.demo.geography import County


def populations(county: County) -> pd.DataFrame:
    """Mid-year residents of each LSOA for each year, with age bands, growing modestly."""
    rng = stream("population")
    lsoas = county.lsoas
    plans = [DISTRICTS[d] for d in lsoas["district"]]
    base = np.clip(rng.normal(1550, 170, len(lsoas)), 1150, 2050)
    growth = np.array([p.growth for p in plans]) + rng.normal(0, 0.003, len(lsoas))
    growth[rng.random(len(lsoas)) < 0.04] += 0.04  # a few new estates
    rural = 1 - lsoas["urban"].to_numpy()
    older = np.array([p.older_share for p in plans]) * (1 + 0.3 * rural) * rng.lognormal(0, 0.12, len(lsoas))
    young = 0.205 * rng.lognormal(0, 0.08, len(lsoas)) * (1 - 0.35 * lsoas["centre"].to_numpy())
    frames = []
    for offset, year in enumerate(POPULATION_YEARS):
        people = np.round(base * (1 + growth) ** offset).astype(int)
        aged_0_17 = np.round(people * young).astype(int)
        aged_65_plus = np.round(people * np.clip(older + 0.002 * offset, 0.05, 0.45)).astype(int)
        frames.append(pd.DataFrame({
            "area_code": lsoas["code"], "year": year, "population": people, "aged_0_17": aged_0_17,
            "aged_18_64": people - aged_0_17 - aged_65_plus, "aged_65_plus": aged_65_plus,
        }))
    return pd.concat(frames, ignore_index=True)


def population_with_totals(county: County) -> pd.DataFrame:
    """LSOA populations plus their sums for each district, CSP and the county, with names and hectares."""
    lsoa = populations(county)
    lsoas = county.lsoas.set_index("code")
    lsoa["district"] = lsoa["area_code"].map(lsoas["district"])
    lsoa["area_name"] = lsoa["area_code"].map(lsoas["name"])
    hectares = dict(zip(lsoas.index, _hectares(county.cells), strict=True))
    lsoa["area_hectares"] = lsoa["area_code"].map(hectares)
    bands = ["population", "aged_0_17", "aged_18_64", "aged_65_plus", "area_hectares"]
    by_district = lsoa.groupby(["district", "year"], as_index=False)[bands].sum()
    by_district["area_name"] = by_district["district"].map(lambda d: DISTRICT_NAMES[d])
    frames = [lsoa]
    for column in ("district_code", "csp_code"):
        codes = by_district["district"].map(lambda d, c=column: getattr(DISTRICTS[d], c))
        frames.append(by_district.assign(area_code=codes))
    county_total = lsoa.groupby("year", as_index=False)[bands].sum()
    frames.append(county_total.assign(area_code=COUNTY_CODE, area_name=COUNTY_NAME))
    table = pd.concat(frames, ignore_index=True)
    table["area_hectares"] = table["area_hectares"].round(1)
    return table[["area_code", "area_name", "year", *bands]]


def _hectares(cells: list) -> np.ndarray:
    """Area of each km-grid cell in hectares, to 0.1 ha."""
    return np.round(shapely.area(np.array(cells, dtype=object)) * 100, 1)


# --- Partner indicators -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerIndicator:
    """A measure partners send as a spreadsheet, with how it behaves in Avonmere."""

    key: str
    name: str
    theme: str
    unit: str
    polarity: str
    source: str
    definition: str
    per_1000_month: float = 0.0  # for monthly counts: expected count per 1,000 residents a month
    season: float = 0.0
    peak_month: int = 7
    trend: float = 0.0  # change per year, as a fraction
    restricted: bool = False  # partners only: hidden on a public screen


PARTNER_INDICATORS: tuple[PartnerIndicator, ...] = (
    PartnerIndicator(
        "domestic-abuse-incidents", "Domestic abuse incidents reported to police", "Domestic abuse", "count",
        "higher_is_better", "Avonmere Police domestic abuse extract (demo)",
        "Incidents and crimes flagged as domestic abuse, by month reported. The partnership wants more "
        "victims to come forward, so a rise in reporting counts as better. Restricted: the police share it with "
        "partners on condition it is not shown in public.",
        2.4, 0.08, 7, 0.04, restricted=True,
    ),
    PartnerIndicator(
        "ksi-casualties", "People killed or seriously injured on the roads", "Road safety", "count",
        "lower_is_better", "Avonmere Road Safety Partnership (demo)",
        "Road casualties killed or seriously injured in collisions on public roads, by month of collision.",
        0.045, 0.20, 7, -0.03,
    ),
    PartnerIndicator(
        "first-time-entrants", "First-time entrants to the youth justice system", "Reducing offending",
        "rate per 100,000 aged 10-17", "lower_is_better", "Avonmere Youth Justice Service (demo)",
        "Young people aged 10 to 17 receiving their first youth caution or conviction, per 100,000 residents "
        "aged 10 to 17, by financial year.",
        trend=-0.05,
    ),
    PartnerIndicator(
        "dwelling-fires", "Accidental dwelling fires", "Fire safety", "count", "lower_is_better",
        "Avonmere Fire & Rescue Service (demo)",
        "Accidental fires in homes attended by the fire service, by month.",
        0.037, 0.20, 1, -0.02,
    ),
    PartnerIndicator(
        "home-safety-visits", "Home safety visits delivered", "Fire safety", "count", "higher_is_better",
        "Avonmere Fire & Rescue Service (demo)",
        "Home safety visits completed by fire service and partner staff, by month. Each CSP sets a yearly "
        "number to deliver.",
        trend=0.03,
    ),
    PartnerIndicator(
        "proven-reoffending", "Adults who reoffend within a year", "Reducing offending", "percent",
        "lower_is_better", "Avonmere Probation Delivery Unit (demo)",
        "Share of adults cautioned, convicted or released from custody in the year who are proven to reoffend "
        "within 12 months, by financial year of the cohort.",
        trend=-0.03,
    ),
)
REOFFENDING_SHARE = 0.25
REOFFENDING_COHORT_PER_1000 = 3.0
# Visits are planned, not driven by population: each CSP's usual monthly number.
HOME_SAFETY_VISITS_A_MONTH = {
    "Brackenford": 72, "Castlebury": 128, "Harwick": 84, "Lowmere": 95, "Saltcliffe": 90,
}
FIRST_TIME_ENTRANTS_PER_100K = 150.0
FINANCIAL_YEARS = ("2022/23", "2023/24", "2024/25", "2025/26")


def csp_profiles(county: County, population: pd.DataFrame) -> pd.DataFrame:
    """Per CSP and year: residents, aged 10-17 (estimated), and how deprived and rural its LSOAs are."""
    lsoas = county.lsoas
    frames = []
    for index, plan in enumerate(DISTRICTS):
        mine = lsoas["district"] == index
        rows = population[population["area_code"] == plan.csp_code]
        frames.append(pd.DataFrame({
            "csp": index, "year": rows["year"].to_numpy(), "population": rows["population"].to_numpy(),
            "aged_10_17": np.round(rows["aged_0_17"].to_numpy() * 0.45).astype(int),
            "deprivation": lsoas.loc[mine, "deprivation"].mean() / lsoas["deprivation"].mean(),
            "rural": 1 - lsoas.loc[mine, "urban"].mean(),
        }))
    return pd.concat(frames, ignore_index=True)


def monthly_indicator_values(indicator: PartnerIndicator, profiles: pd.DataFrame, months: list[str],
                             rng: np.random.Generator) -> pd.DataFrame:
    """One monthly count indicator for every CSP."""
    years = (np.arange(len(months)) - (len(months) - 1) / 2) / 12
    number = np.array([int(m[5:]) for m in months])
    season = 1 + indicator.season * np.cos(2 * np.pi * (number - indicator.peak_month) / 12)
    trend = (1 + indicator.trend) ** years
    frames = []
    for index, plan in enumerate(DISTRICTS):
        profile = profiles[profiles["csp"] == index].set_index("year")
        mid_year = np.clip([int(m[:4]) for m in months], min(POPULATION_YEARS), max(POPULATION_YEARS))
        people = profile.loc[mid_year, "population"].to_numpy()
        if indicator.key == "home-safety-visits":
            # Fewer visits in August and December, when staff are on leave.
            level = HOME_SAFETY_VISITS_A_MONTH[plan.name] * np.where(np.isin(number, (8, 12)), 0.7, 1.0)
        else:
            level = indicator.per_1000_month * people / 1000 * season * local_factor(indicator, profile)
        values = rng.poisson(level * trend * rng.gamma(150.0, 1 / 150.0, size=len(months)))
        frames.append(pd.DataFrame({"area_code": plan.csp_code, "area_name": plan.name, "period": months,
                                    "value": values.astype(str), "numerator": "", "denominator": ""}))
    return pd.concat(frames, ignore_index=True)


def local_factor(indicator: PartnerIndicator, profile: pd.DataFrame) -> float:
    """How a CSP's make-up shifts an indicator: rural roads for casualties, deprivation for the rest."""
    first = profile.iloc[0]
    if indicator.key == "ksi-casualties":
        return 0.7 + 0.9 * float(first["rural"])
    return float(first["deprivation"]) ** 0.5


def first_time_entrant_values(indicator: PartnerIndicator, profiles: pd.DataFrame,
                              rng: np.random.Generator) -> pd.DataFrame:
    """First-time entrants per 100,000 aged 10-17, by CSP and financial year, with the counts behind it."""
    rows = []
    for index, plan in enumerate(DISTRICTS):
        profile = profiles[profiles["csp"] == index].set_index("year")
        for offset, year in enumerate(FINANCIAL_YEARS):
            young = int(profile.loc[int(year[:4]), "aged_10_17"])
            deprivation = float(profile.iloc[0]["deprivation"])
            expected = FIRST_TIME_ENTRANTS_PER_100K * (1 + indicator.trend) ** offset * deprivation
            entrants = int(rng.poisson(expected * young / 100_000))
            rate = f"{entrants / young * 100_000:.1f}"
            rows.append((plan.csp_code, plan.name, year, rate, str(entrants), str(young)))
    columns = ["area_code", "area_name", "period", "value", "numerator", "denominator"]
    return pd.DataFrame(rows, columns=columns)


def reoffending_values(indicator: PartnerIndicator, profiles: pd.DataFrame,
                       rng: np.random.Generator) -> pd.DataFrame:
    """The share of each year's offender cohort proven to reoffend, by CSP and financial year (a proportion)."""
    rows = []
    for index, plan in enumerate(DISTRICTS):
        profile = profiles[profiles["csp"] == index].set_index("year")
        for offset, year in enumerate(FINANCIAL_YEARS):
            people = float(profile.loc[int(year[:4]), "population"])
            cohort = int(rng.poisson(REOFFENDING_COHORT_PER_1000 * people / 1000))
            share = REOFFENDING_SHARE * (1 + indicator.trend) ** offset * float(profile.iloc[0]["deprivation"]) ** 0.3
            reoffenders = int(rng.binomial(cohort, min(share, 0.9)))
            rows.append((plan.csp_code, plan.name, year, f"{100 * reoffenders / cohort:.1f}", str(reoffenders),
                         str(cohort)))
    columns = ["area_code", "area_name", "period", "value", "numerator", "denominator"]
    return pd.DataFrame(rows, columns=columns)


def indicator_table(county: County, population: pd.DataFrame) -> pd.DataFrame:
    """Every partner indicator for every CSP, in the indicators import layout."""
    rng = stream("indicators")
    profiles = csp_profiles(county, population)
    months = [p.strftime("%Y-%m") for p in pd.period_range(*INDICATOR_MONTHS, freq="M")]
    frames = []
    for indicator in PARTNER_INDICATORS:
        if indicator.key == "first-time-entrants":
            values = first_time_entrant_values(indicator, profiles, rng)
        elif indicator.key == "proven-reoffending":
            values = reoffending_values(indicator, profiles, rng)
        else:
            values = monthly_indicator_values(indicator, profiles, months, rng)
        frames.append(values.assign(
            indicator_key=indicator.key, indicator_name=indicator.name, theme=indicator.theme,
            unit=indicator.unit, polarity=indicator.polarity, source=indicator.source,
            definition=indicator.definition, restricted=int(indicator.restricted),
        ))
    columns = ["indicator_key", "indicator_name", "theme", "unit", "polarity", "source", "definition",
               "restricted", "area_code", "area_name", "period", "value", "numerator", "denominator"]
    return pd.concat(frames, ignore_index=True)[columns]
