"""The design of Avonmere: its fixed settings, districts and towns, and what each crime category is drawn to.

Everything here is invented. The other demo modules generate the county from these settings and the fixed seed,
each part from its own random stream, so the same seed gives the same bytes.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

SEED = 20231001
FIRST_MONTH, LAST_MONTH = "2023-10", "2026-09"
FORCE_CODE, FORCE_NAME = "X23000001", "Avonmere Police"
COUNTY_CODE, COUNTY_NAME = "X10000001", "Avonmere"
FORCE_FILE_SLUG = "avonmere"
MONTHLY_INCIDENTS = 4_500  # county-wide, before season and trend
POPULATION_YEARS = (2022, 2023, 2024, 2025)
INDICATOR_MONTHS = ("2023-04", LAST_MONTH)  # partner data starts with a whole financial year

# The county is laid out in km on a local flat grid centred here, then turned into lon/lat.
ORIGIN_LON, ORIGIN_LAT = -0.80, 51.00
KM_PER_DEGREE_LAT = 111.2
KM_PER_DEGREE_LON = 111.32 * np.cos(np.radians(ORIGIN_LAT))
GRID_KM = 0.3


# --- The plan of the county -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Town:
    """A settlement: where residents cluster, and where its centre (shops, pubs, clubs) is."""

    x: float
    y: float
    weight: float  # peak residential density, relative to the main towns
    spread_km: float
    centre_km: float = 0.0  # radius of the shopping and night-time centre; 0 for a village


@dataclass(frozen=True)
class DistrictPlan:
    """One district (and its CSP, one-to-one here): where it sits, how big it is, who lives there."""

    name: str
    district_code: str
    csp_code: str
    anchor: tuple[float, float]
    reach: float  # weight in the partition of the county: a larger reach claims more land
    lsoas: int
    towns: tuple[Town, ...]
    rural_density: float
    older_share: float  # share of residents aged 65 and over
    growth: float  # yearly population growth


DISTRICTS: tuple[DistrictPlan, ...] = (
    DistrictPlan(
        "Brackenford", "X07000001", "X22000001", (-30.0, 0.0), 1.0, 88,
        (Town(-28.0, -6.0, 1.0, 3.6, 0.9), Town(-37.0, 9.0, 0.35, 1.6, 0.4), Town(-20.0, 8.0, 0.15, 1.0)),
        0.030, 0.21, 0.006,
    ),
    DistrictPlan(
        "Castlebury", "X07000002", "X22000002", (-11.0, 4.0), 0.85, 76,
        (Town(-9.0, 4.0, 1.0, 3.0, 0.8), Town(-17.0, 13.0, 0.2, 1.0), Town(-4.0, -6.0, 0.15, 1.0)),
        0.030, 0.18, 0.008,
    ),
    DistrictPlan(
        "Harwick", "X07000003", "X22000003", (28.0, -3.0), 0.95, 80,
        (Town(27.0, -6.0, 1.0, 3.2, 0.8), Town(37.0, 7.0, 0.3, 1.5, 0.4), Town(18.0, -12.0, 0.15, 1.0)),
        0.035, 0.20, 0.012,
    ),
    DistrictPlan(
        "Lowmere", "X07000004", "X22000004", (6.0, 13.0), 1.3, 104,
        (Town(3.0, 15.0, 0.45, 1.8, 0.5), Town(19.0, 17.0, 0.3, 1.4, 0.4), Town(-3.0, 22.0, 0.2, 1.0),
         Town(12.0, 3.0, 0.2, 1.0), Town(30.0, 14.0, 0.15, 1.0)),
        0.075, 0.26, 0.005,
    ),
    DistrictPlan(
        "Saltcliffe", "X07000005", "X22000005", (5.0, -16.0), 0.5, 68,
        (Town(5.0, -17.4, 1.6, 3.0, 0.9), Town(-4.0, -19.0, 0.25, 1.2)),
        0.020, 0.29, 0.004,
    ),
)
DISTRICT_NAMES = tuple(d.name for d in DISTRICTS)

# police.uk categories with their rough share of all recorded crime and ASB in England.
CATEGORY_SHARES: dict[str, float] = {
    "Anti-social behaviour": 0.170,
    "Violence and sexual offences": 0.330,
    "Public order": 0.075,
    "Criminal damage and arson": 0.085,
    "Burglary": 0.045,
    "Shoplifting": 0.070,
    "Vehicle crime": 0.060,
    "Other theft": 0.060,
    "Drugs": 0.030,
    "Robbery": 0.011,
    "Theft from the person": 0.015,
    "Bicycle theft": 0.013,
    "Possession of weapons": 0.011,
    "Other crime": 0.025,
}
CATEGORIES = tuple(CATEGORY_SHARES)
ASB = "Anti-social behaviour"


@dataclass(frozen=True)
class CategoryPattern:
    """Where a category happens (weights on an LSOA's features), when in the year, and its trend."""

    base: float
    centre: float = 0.0
    nte: float = 0.0
    retail: float = 0.0
    urban: float = 0.0
    deprivation: float = 0.5  # power on the LSOA's deprivation factor
    season: float = 0.0  # amplitude of the yearly cycle
    peak_month: int = 7
    trend: float = 0.0  # change per year, as a fraction


PATTERNS: dict[str, CategoryPattern] = {
    "Anti-social behaviour": CategoryPattern(2.0, 7, 1.5, 0, 1.0, 1.0, 0.28, 7, -0.05),
    "Violence and sexual offences": CategoryPattern(2.2, 4, 10, 0, 0.6, 1.0, 0.08, 7, -0.01),
    "Public order": CategoryPattern(1.3, 5, 12, 0, 0.5, 0.6, 0.10, 7, -0.03),
    "Criminal damage and arson": CategoryPattern(2.0, 2, 1, 0, 0.8, 1.0, 0.08, 10, -0.02),
    "Burglary": CategoryPattern(1.3, 0.3, 0, 0, 1.4, 0.5, 0.15, 12, -0.03),
    "Shoplifting": CategoryPattern(0.04, 0, 0, 25, 0.1, 0.3, 0.12, 12, 0.12),
    "Vehicle crime": CategoryPattern(1.3, 1.5, 0, 2, 1.0, 0.5, 0.06, 1, -0.02),
    "Other theft": CategoryPattern(1.3, 5, 1, 2, 0.5, 0.3, 0.08, 7, 0.0),
    "Drugs": CategoryPattern(0.5, 6, 3, 0, 0.5, 1.2, 0.0, 7, 0.02),
    "Robbery": CategoryPattern(0.4, 5, 4, 0, 1.0, 1.0, 0.10, 12, 0.02),
    "Theft from the person": CategoryPattern(0.2, 12, 6, 1, 0.3, 0.3, 0.10, 12, 0.04),
    "Bicycle theft": CategoryPattern(0.5, 5, 0, 1, 2.0, 0.3, 0.35, 7, -0.03),
    "Possession of weapons": CategoryPattern(0.5, 4, 3, 0, 0.5, 1.0, 0.0, 7, 0.03),
    "Other crime": CategoryPattern(1, 1, 0, 0, 0.3, 0.5, 0.0, 7, 0.0),
}
# Local stories layered on the county trends (extra change per year): a seafront with rising ASB, and a
# night-time economy scheme in Castlebury that is bringing violence down faster than elsewhere.
LOCAL_TRENDS: dict[tuple[str, str], float] = {
    ("Saltcliffe", "Anti-social behaviour"): 0.09,
    ("Castlebury", "Violence and sexual offences"): -0.04,
    ("Castlebury", "Public order"): -0.04,
}


def stream(name: str) -> np.random.Generator:
    """Return the random stream for one part of the demo, so changing one part leaves the others alone."""
    return np.random.default_rng([SEED, zlib.crc32(name.encode())])


def slug(text: str) -> str:
    """Turn a category name into an indicator key: 'Anti-social behaviour' -> 'anti-social-behaviour'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def to_lon_lat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Turn local km coordinates into longitude and latitude."""
    return ORIGIN_LON + np.asarray(x) / KM_PER_DEGREE_LON, ORIGIN_LAT + np.asarray(y) / KM_PER_DEGREE_LAT


def demo_months() -> list[str]:
    """The 36 months of police.uk data in the demo, oldest first."""
    return [p.strftime("%Y-%m") for p in pd.period_range(FIRST_MONTH, LAST_MONTH, freq="M")]
