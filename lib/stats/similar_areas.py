"""Most similar groups of CSPs, and a CSP's rate against its group's average with control limits.

iQuanta compares a CSP with the ~15 CSPs most like it (its "most similar group", MSG). Here the group is
worked out from what the store holds about each CSP: its size, how densely it is settled, and its age
profile. Only CSPs whose police data the store holds for the whole period can be peers: a rate of 0 for a
CSP whose force's file was never loaded is not a low rate.

The comparison uses funnel-plot control limits with an over-dispersion allowance (Spiegelhalter 2005): see
``control_limits`` and docs/similar_areas.md. What the store holds about each CSP (residents, age shares, area,
density) is worked out in ``lib.stats.csp_profiles``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd
import sqlite_utils
from scipy.spatial.distance import cdist
from scipy.stats import norm

from lib.core.periods import months_between
from lib.core.sql import placeholders
from lib.stats.csp_profiles import FEATURES, csp_populations, csp_profiles
from lib.stats.peer_basis import GROUP_SIZE, MIN_PEERS, PeerBasis, force_area_of, force_areas, refusal
from lib.store.summary import MIN_INCIDENTS_PER_CSP_MONTH

MIN_CANDIDATES = 5  # below this many comparable CSPs, no group is formed (the page says why)
PER = 1000  # rates are per 1,000 residents over the whole period (not annualised)
CONFIDENCE = 0.95  # two-sided level of the control limits
WINSORISE = 0.10  # share of peers' z-scores pulled in at each end before over-dispersion is estimated

FEATURE_LABELS = {
    "population": "Residents",
    "density": "Residents per hectare",
    "weighted_density": "Residents per hectare where people live (population-weighted)",
    "share_0_17": "Share aged 0 to 17",
    "share_65_plus": "Share aged 65 and over",
}
POSITIONS = ("Below", "Inline", "Above")

METHOD_NOTE = (
    f"Most similar group: for each CSP, the {GROUP_SIZE} other CSPs most like it (fewer when fewer are loaded), "
    "judged on number of residents, residents per hectare (overall and where people actually live) and the "
    "shares of residents aged 0 to 17 and 65 and over; a measure not loaded for every CSP is left out. Each "
    "measure is put on a common scale (sizes and densities as logarithms, then standard deviations from the "
    "average CSP) and CSPs are ranked by their straight-line distance across all measures, weighted equally. "
    f"Only CSPs with police data for every month of the period (at least {MIN_INCIDENTS_PER_CSP_MONTH} incidents "
    "a month) and a population figure can be peers, so a group is drawn from the CSPs loaded, not from all of "
    "England. Rates are incidents per 1,000 residents over the period, using the mid-year population estimate "
    "nearest the middle of the period. The group average is the plain average of the peers' rates. The control "
    f"limits are {CONFIDENCE:.0%} funnel-plot limits (Spiegelhalter 2005) that allow both for chance, which "
    "matters more for a smaller CSP, and for the real spread between similar CSPs, estimated from the peers; "
    "without that allowance crime rates would put almost every CSP outside its limits. Above or Below means the "
    "CSP's rate is outside the limits, so unlikely to be chance or the ordinary variation between similar areas; "
    "Inline means it is within them. Rank 1 is the lowest rate in the group (the CSP and its peers). A CSP is "
    f"ranked only when it has a full group of {MIN_PEERS} peers drawn from more than one police force: with fewer, "
    "the group is simply every CSP loaded, and CSPs of one force share its crime recording practice, so a rank "
    "among them compares the force with itself. Otherwise its rate is shown beside theirs without a rank."
)


class SimilarGroups(dict):
    """CSP code -> its peers as (code, distance), nearest first; says which features were used and dropped."""

    def __init__(self, groups: dict[str, list[tuple[str, float]]], features: tuple[str, ...],
                 dropped: dict[str, str]):
        super().__init__(groups)
        self.features = features
        self.dropped = dropped


@dataclass(frozen=True)
class PeerComparison:
    """One CSP's rate against the average of its most similar group, with control limits and rank."""

    csp_code: str
    csp_name: str
    rate: float  # per 1,000 residents over the period
    count: int
    population: int
    group_mean: float  # mean of the peers' rates (the "MSG average")
    lower_limit: float
    upper_limit: float
    position: str  # "Above", "Inline", "Below"
    rank: int  # 1 = lowest rate among the CSP and its peers
    group_size: int  # number of peers
    peers: pd.DataFrame = field(repr=False)  # code, name, rate, count, population, distance, rank, selected
    population_year: int | None = None  # the mid-year estimate the rates use
    features: tuple[str, ...] = ()  # the features the group was formed on


# --- Population year ---------------------------------------------------------------------------------------


def population_year(db: sqlite_utils.Database, start: str, end: str) -> int | None:
    """The population year held whose mid-year (30 June) is nearest the middle of the period; earlier on a tie."""
    years = [row[0] for row in db.execute("SELECT DISTINCT year FROM population ORDER BY year")]
    if not years:
        return None
    middle = _period_middle(start, end)
    return min(years, key=lambda year: (abs(date(year, 6, 30) - middle), year))


def _period_middle(start: str, end: str) -> date:
    first = date(int(start[:4]), int(start[5:7]), 1)
    after = date(int(end[:4]) + int(end[5:7]) // 12, int(end[5:7]) % 12 + 1, 1)
    last = after - timedelta(days=1)
    return first + (last - first) / 2


# --- Which CSPs can be compared -------------------------------------------------------------------------------


def comparable_csps(db: sqlite_utils.Database, start: str, end: str, categories: list[str] | None = None,
                    *, year: int | None = None) -> list[str]:
    """CSPs with police data for every month of the period and a population: the only possible peers.

    "Data held" means at least ``MIN_INCIDENTS_PER_CSP_MONTH`` incidents (of ``categories``, default all) in
    every month: a force's file scatters a few stray points into its neighbours' CSPs, and those CSPs must not
    look like CSPs with almost no crime. The population is the one for ``year`` (default: the year nearest the
    period's middle). Judge coverage on all categories (the default) so that a CSP's group does not change with
    the category shown and a true zero of a rare offence is not mistaken for missing data.
    """
    months = months_between(start, end)
    if not months:
        return []
    covered = _csps_covering(db, start, end, categories, len(months))
    if year is None:
        year = population_year(db, start, end)
    if year is None or not covered:
        return []
    populations = csp_populations(db, year, sorted(covered))
    return sorted(code for code, people in populations.items() if people > 0)


def _csps_covering(db: sqlite_utils.Database, start: str, end: str, categories: list[str] | None,
                   months: int) -> set[str]:
    category_clause, params = _category_clause(categories)
    rows = db.execute(
        "SELECT m.csp_code FROM (SELECT csp_code, month, SUM(count) AS incidents FROM csp_monthly_counts "
        f"WHERE month BETWEEN ? AND ?{category_clause} GROUP BY csp_code, month) m "
        "JOIN areas a ON a.code = m.csp_code AND a.kind = 'csp' "
        "WHERE m.incidents >= ? GROUP BY m.csp_code HAVING COUNT(*) = ?",
        [start, end, *params, MIN_INCIDENTS_PER_CSP_MONTH, months],
    ).fetchall()
    return {row[0] for row in rows}


def _category_clause(categories: list[str] | None) -> tuple[str, list[str]]:
    if not categories:
        return "", []
    return f" AND category IN ({placeholders(categories)})", list(categories)


# --- Groups --------------------------------------------------------------------------------------------------


def most_similar_groups(profiles: pd.DataFrame, size: int = GROUP_SIZE) -> SimilarGroups:
    """For each CSP, its ``size`` nearest other CSPs (code, distance), nearest first.

    Distance is Euclidean on the standardised features (see ``standardised_features``); equal distances are
    broken by code, so the result does not depend on row order. With fewer than ``MIN_CANDIDATES`` CSPs, or
    no feature that tells them apart, no groups are formed (an empty mapping).
    """
    ordered = profiles.sort_values("code").reset_index(drop=True)
    matrix, used, dropped = standardised_features(ordered)
    if len(ordered) < MIN_CANDIDATES or not used:
        return SimilarGroups({}, tuple(used), dropped)
    codes = ordered["code"].tolist()
    distances = cdist(matrix, matrix)
    take = max(0, min(size, len(codes) - 1))
    groups = {}
    for i, code in enumerate(codes):
        others = sorted((float(distances[i, j]), codes[j]) for j in range(len(codes)) if j != i)
        groups[code] = [(peer, distance) for distance, peer in others[:take]]
    return SimilarGroups(groups, tuple(used), dropped)


def standardised_features(profiles: pd.DataFrame) -> tuple[np.ndarray, list[str], dict[str, str]]:
    """The feature matrix (rows as ``profiles``), the features used, and why others were dropped.

    Each feature is transformed (logs for sizes and densities) and turned into z-scores across these CSPs,
    so each counts equally. A feature missing for any CSP is dropped for all (comparing CSPs on different
    features would make distances incomparable), as is one that is the same for every CSP.
    """
    columns, used, dropped = [], [], {}
    for feature, scale in FEATURES.items():
        if feature not in profiles:
            dropped[feature] = "not in the profiles"
            continue
        values = pd.to_numeric(profiles[feature], errors="coerce").astype("float64")
        missing = int((~np.isfinite(values)).sum())
        if missing:
            dropped[feature] = f"not held for {missing} of {len(values)} CSPs"
            continue
        if scale == "log":
            if (values <= 0).any():
                dropped[feature] = "zero for some CSPs, so it has no logarithm"
                continue
            values = np.log(values)
        spread = float(values.std(ddof=0))
        if not spread > 1e-9 * max(1.0, abs(float(values.mean()))):
            dropped[feature] = "the same for every CSP"
            continue
        columns.append(((values - values.mean()) / spread).to_numpy())
        used.append(feature)
    matrix = np.column_stack(columns) if columns else np.empty((len(profiles), 0))
    return matrix, used, dropped


# --- Control limits ------------------------------------------------------------------------------------------


def control_limits(peer_rates: np.ndarray | list[float], peer_populations: np.ndarray | list[float],
                   population: float, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """(group mean, lower limit, upper limit) for a CSP of ``population`` against its peers' rates per 1,000.

    Funnel-plot limits with an additive over-dispersion allowance (Spiegelhalter 2005, "Funnel plots for
    comparing institutional performance"). Worked on the square-root scale, where a Poisson rate's chance
    variance is PER / (4 x population) whatever the rate, so the limits stay positive and skew as counts do:

    1. target = the mean of the peers' rates; z_i = (sqrt(rate_i) - sqrt(target)) / s_i, s_i^2 = PER / (4 n_i);
    2. the z-scores are Winsorised at the 10th and 90th percentiles so one extreme peer cannot set the limits;
    3. phi = mean(z^2); if I x phi > I - 1 (more spread than chance), the between-CSP variance is
       tau^2 = (I x phi - (I - 1)) / (sum w - sum w^2 / sum w), w_i = 1 / s_i^2; else tau^2 = 0;
    4. limits = (sqrt(target) -/+ z_alpha x sqrt(s^2 + tau^2))^2 with s^2 = PER / (4 x population) for the CSP,
       z_alpha the normal quantile for ``confidence`` (1.96 for 95%); the lower limit is floored at 0.

    The CSP itself is not among the peers, so an outlier cannot widen its own limits.
    """
    rates = np.asarray(peer_rates, dtype="float64")
    people = np.asarray(peer_populations, dtype="float64")
    target = float(rates.mean())
    root = math.sqrt(target)
    chance = PER / (4.0 * people)  # variance of sqrt(rate) from chance alone
    z = (np.sqrt(rates) - root) / np.sqrt(chance)
    low, high = np.quantile(z, [WINSORISE, 1 - WINSORISE])
    phi = float(np.mean(np.clip(z, low, high) ** 2))
    tau2 = _between_csp_variance(len(rates), phi, 1.0 / chance)
    half_width = float(norm.ppf(0.5 + confidence / 2)) * math.sqrt(PER / (4.0 * population) + tau2)
    return target, max(root - half_width, 0.0) ** 2, (root + half_width) ** 2


def _between_csp_variance(count: int, phi: float, weights: np.ndarray) -> float:
    """tau^2, the spread between similar CSPs beyond chance (DerSimonian-Laird form, as Spiegelhalter uses)."""
    if count * phi <= count - 1:
        return 0.0
    spread = float(weights.sum() - (weights**2).sum() / weights.sum())
    return max(0.0, (count * phi - (count - 1)) / spread) if spread > 0 else 0.0


def position(rate: float, lower: float, upper: float) -> str:
    """'Above' or 'Below' the control limits, or 'Inline' within them."""
    if rate > upper:
        return "Above"
    if rate < lower:
        return "Below"
    return "Inline"


# --- Comparisons ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pool:
    """The CSPs that can be compared in one period: their names, profiles, groups and police force areas."""

    year: int
    candidates: list[str]  # comparable CSPs, by code
    names: dict[str, str]
    profiles: pd.DataFrame  # indexed by code; empty when too few CSPs to form groups
    groups: SimilarGroups
    forces: dict[str, str]  # code -> force area name, "" where not known

    def basis(self, code: str) -> PeerBasis:
        """Who ``code`` is compared with: its group, or every other comparable CSP when no group is formed."""
        if code in self.groups:
            peers = [peer for peer, _ in self.groups[code]]
        else:
            peers = [other for other in self.candidates if other != code]
        # With too few candidates no group is tried, so "no group" is said only when the features are to blame.
        grouped = bool(self.groups) or len(self.candidates) < MIN_CANDIDATES
        return PeerBasis(code, self.names.get(code, code), tuple(peers), tuple(self.forces[p] for p in peers),
                         len(self.candidates), grouped)


def _pool(db: sqlite_utils.Database, start: str, end: str, year: int | None,
          needed: str | None = None) -> _Pool | None:
    """The comparable CSPs of a period, or None when there are none (or ``needed``, if given, is not one)."""
    if year is None:
        year = population_year(db, start, end)
    if year is None:
        return None
    candidates = comparable_csps(db, start, end, year=year)
    # Checked before the profiles, which measure boundaries: the cheap answer for a stray CSP.
    if not candidates or (needed is not None and needed not in candidates):
        return None
    profiles = csp_profiles(db, year, candidates) if len(candidates) >= MIN_CANDIDATES else pd.DataFrame(
        columns=["code", "name", "population"])
    groups = most_similar_groups(profiles) if len(profiles) else SimilarGroups({}, (), {})
    names = dict(db.execute(f"SELECT code, name FROM areas WHERE code IN ({placeholders(candidates)})",
                            candidates).fetchall())
    return _Pool(year, candidates, names, profiles.set_index("code"), groups, force_areas(db, candidates))


def _counts(db: sqlite_utils.Database, categories: list[str] | None, start: str, end: str) -> dict[str, int]:
    """Incidents per CSP between two months (of some categories; all when none are given)."""
    category_clause, params = _category_clause(categories)
    rows = db.execute(
        f"SELECT csp_code, SUM(count) FROM csp_monthly_counts WHERE month BETWEEN ? AND ?{category_clause} "
        "GROUP BY csp_code",
        [start, end, *params],
    ).fetchall()
    return {code: int(total) for code, total in rows}


def _compare(pool: _Pool, counts: dict[str, int], code: str) -> PeerComparison:
    profiles = pool.profiles
    peers = pool.groups[code]
    distance = {code: 0.0, **dict(peers)}
    members = [code, *(peer for peer, _ in peers)]
    table = pd.DataFrame({
        "code": members,
        "name": [profiles.at[c, "name"] for c in members],
        "count": [counts.get(c, 0) for c in members],
        "population": [int(profiles.at[c, "population"]) for c in members],
        "distance": [distance[c] for c in members],
        "selected": [c == code for c in members],
    })
    table["rate"] = table["count"] * PER / table["population"]
    # Rank 1 is the lowest rate; equal rates are ranked by code so ranks are always 1..n.
    table = table.sort_values(["rate", "code"]).reset_index(drop=True)
    table["rank"] = range(1, len(table) + 1)
    own = table[table["selected"]].iloc[0]
    others = table[~table["selected"]]
    mean, lower, upper = control_limits(others["rate"], others["population"], float(own["population"]))
    return PeerComparison(
        csp_code=code,
        csp_name=str(own["name"]),
        rate=float(own["rate"]),
        count=int(own["count"]),
        population=int(own["population"]),
        group_mean=mean,
        lower_limit=lower,
        upper_limit=upper,
        position=position(float(own["rate"]), lower, upper),
        rank=int(own["rank"]),
        group_size=len(peers),
        peers=table[["code", "name", "rate", "count", "population", "distance", "rank", "selected"]],
        population_year=pool.year,
        features=pool.groups.features,
    )


def peer_basis(db: sqlite_utils.Database, csp_code: str, start: str, end: str,
               year: int | None = None) -> PeerBasis | None:
    """Who a CSP is compared with over a period, and whether that is enough to rank it (``PeerBasis.ranks``).

    None when the CSP cannot be compared at all (``no_group_reason`` says why). The basis does not depend on the
    categories: every category's comparison uses the same peers.
    """
    pool = _pool(db, start, end, year, needed=csp_code)
    return pool.basis(csp_code) if pool is not None else None


def peer_comparison(db: sqlite_utils.Database, csp_code: str, categories: list[str], start: str, end: str,
                    year: int | None = None) -> PeerComparison | None:
    """A CSP's rate of ``categories`` (all when empty) from ``start`` to ``end`` against its most similar group.

    ``peers`` lists the CSP and its peers, lowest rate first, with the CSP flagged in ``selected``. Returns
    None when the CSP is not comparable, or its peers are too few or all of one force to rank it against
    (``no_group_reason`` says which; ``compared_rates`` gives the rates without a rank).
    """
    pool = _pool(db, start, end, year, needed=csp_code)
    if pool is None or not pool.basis(csp_code).ranks:
        return None
    return _compare(pool, _counts(db, categories, start, end), csp_code)


def peer_comparisons(db: sqlite_utils.Database, categories: list[str], start: str, end: str,
                     year: int | None = None) -> pd.DataFrame:
    """One row per ranked CSP (by name): its rate, group mean, limits, position, rank and group size.

    A CSP that ``peer_comparison`` would not rank has no row (``no_ranking_reason`` says why when none has).
    """
    columns = ["code", "name", "rate", "count", "population", "group_mean", "lower_limit", "upper_limit",
               "position", "rank", "group_size", "population_year"]
    pool = _pool(db, start, end, year)
    ranked = [code for code in pool.groups if pool.basis(code).ranks] if pool is not None else []
    if pool is None or not ranked:
        return pd.DataFrame(columns=columns)
    counts = _counts(db, categories, start, end)
    rows = []
    for code in ranked:
        result = _compare(pool, counts, code)
        rows.append([result.csp_code, result.csp_name, result.rate, result.count, result.population,
                     result.group_mean, result.lower_limit, result.upper_limit, result.position, result.rank,
                     result.group_size, result.population_year])
    return pd.DataFrame(rows, columns=columns).sort_values(["name", "code"]).reset_index(drop=True)


def compared_rates(db: sqlite_utils.Database, csp_code: str, categories: list[str], start: str, end: str,
                   year: int | None = None) -> pd.DataFrame | None:
    """The CSP and the peers it would be compared with, by name and without a rank: context when it is not ranked.

    Columns: code, name, force (its police force area, "" where not known), rate (per 1,000 residents over the
    period), count, population, selected. None when the CSP cannot be compared at all.
    """
    pool = _pool(db, start, end, year, needed=csp_code)
    if pool is None:
        return None
    members = [csp_code, *pool.basis(csp_code).peer_codes]
    counts = _counts(db, categories, start, end)
    people = csp_populations(db, pool.year, members)
    table = pd.DataFrame({
        "code": members,
        "name": [pool.names.get(c, c) for c in members],
        "force": [pool.forces[c] for c in members],
        "count": [counts.get(c, 0) for c in members],
        "population": [int(people[c]) for c in members],
        "selected": [c == csp_code for c in members],
    })
    table["rate"] = table["count"] * PER / table["population"]
    # Listed by name, not by rate: an order by rate would be the ranking the page declines to give.
    columns = ["code", "name", "force", "rate", "count", "population", "selected"]
    return table.sort_values(["name", "code"]).reset_index(drop=True)[columns]


def no_ranking_reason(db: sqlite_utils.Database, start: str, end: str, year: int | None = None) -> str | None:
    """Why no CSP of the store can be ranked against similar areas for a period (None when one can)."""
    pool = _pool(db, start, end, year)
    if pool is None:
        return "No CSP has police data and a population loaded for every month of the period, so none is compared."
    if any(pool.basis(code).ranks for code in pool.candidates):
        return None
    forces = sorted({force for force in pool.forces.values() if force})
    held = (f"all in {force_area_of(forces[0])}" if len(forces) == 1 and all(pool.forces.values())
            else f"in {len(forces)} force areas" if forces else "in no known force area")
    count = len(pool.candidates)
    return (f"No CSP is ranked against similar areas: {count} CSP{'s are' if count != 1 else ' is'} loaded with "
            f"police data for the whole period, {held}, and a rank needs a group of {MIN_PEERS} peers from more "
            "than one force. Load police.uk street files of other forces (Data page).")


def no_group_reason(db: sqlite_utils.Database, csp_code: str, start: str, end: str,
                    year: int | None = None) -> str | None:
    """Why a CSP is not ranked against a most similar group for a period, in plain words (None when it is)."""
    name_row = db.execute("SELECT name FROM areas WHERE code = ?", [csp_code]).fetchone()
    name = name_row[0] if name_row else csp_code
    if year is None:
        year = population_year(db, start, end)
    if year is None:
        return "No population figures are loaded, so rates per 1,000 residents cannot be worked out."
    if not csp_populations(db, year, [csp_code]):
        return f"No {year} population is loaded for {name}, so its rate per 1,000 residents cannot be worked out."
    pool = _pool(db, start, end, year)
    if pool is None:
        return "No CSP has police data loaded for every month of the period, so none can be compared."
    if csp_code not in pool.candidates:
        return (f"{name} does not have police data for every month of the period (at least "
                f"{MIN_INCIDENTS_PER_CSP_MONTH} incidents each month), so it is not compared.")
    return refusal(pool.basis(csp_code))
