"""Avonmere's incidents: police.uk-like street rows, drawn by place, season and trend, with the bad rows real
extracts have.

Each incident is snapped to an anonymised "On or near ..." point of its LSOA suited to its category, and crimes get
a 'Last outcome category' (recent ones mostly still open) and a 64-hex Crime ID.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import shapely

from lib.demo.design import (
    ASB,
    CATEGORIES,
    CATEGORY_SHARES,
    DISTRICT_NAMES,
    DISTRICTS,
    FORCE_NAME,
    LOCAL_TRENDS,
    MONTHLY_INCIDENTS,
    PATTERNS,
    SEED,
    CategoryPattern,
    stream,
    to_lon_lat,
)
from lib.demo.geography import County

STREETS = (
    "High Street", "Station Road", "Church Lane", "Mill Lane", "London Road", "Park Road", "Victoria Road",
    "The Green", "Queen Street", "Market Street", "School Lane", "North Street", "West Street", "Manor Road",
    "Chapel Street", "Orchard Close", "Meadow Way", "Kings Road", "New Road", "Springfield Road",
    "Beech Avenue", "Oak Close", "Cedar Drive", "Willow Way", "Elm Grove", "Grove Road", "Green Lane",
    "Hill Road", "Broad Street", "Bridge Street", "Priory Road", "Brook Lane", "Farm Lane", "Windmill Hill",
    "Sandy Lane", "Forge Lane", "Pound Lane", "Copse Road", "Heathfield Close", "Rectory Lane", "Bell Lane",
    "Nursery Close", "Ashdown Road", "Fairfield Road", "Lime Walk", "Holly Close", "Foxglove Way",
    "Kingfisher Drive", "Poplar Road", "Sheep Street", "Tanners Row", "Wheelwright Close", "Barley Mow Lane",
)
CENTRE_PLACES = ("High Street", "Market Place", "Shopping Area", "Supermarket", "Parking Area",
                 "Bus/Coach Station", "Theatre/Concert Hall")
SEAFRONT_PLACES = ("Marine Parade", "The Esplanade", "Pier Approach", "Harbour Road")
RETAIL_PLACES = ("Supermarket", "Shopping Area", "Parking Area", "Petrol Station")
SUBURB_PLACES = (
    "Sports/Recreation Area", "Supermarket", "Petrol Station", "Further/Higher Educational Building",
)

# How strongly each category is drawn to each kind of snap point (anything unlisted weighs 1).
PLACE_AFFINITY: dict[str, dict[str, float]] = {
    "Shoplifting": {"Supermarket": 12, "Shopping Area": 9, "High Street": 4, "Market Place": 3,
                    "Petrol Station": 3, "street": 0.2},
    "Vehicle crime": {"Parking Area": 6, "Supermarket": 1.5},
    "Violence and sexual offences": {"Nightclub": 6, "High Street": 3, "Market Place": 2, "Marine Parade": 3,
                                     "The Esplanade": 3},
    "Public order": {"Nightclub": 6, "High Street": 3, "Market Place": 3, "Marine Parade": 3,
                     "The Esplanade": 3, "Pier Approach": 2},
    "Anti-social behaviour": {"Shopping Area": 2, "Sports/Recreation Area": 2.5, "Parking Area": 1.5,
                              "Marine Parade": 2.5, "Pier Approach": 2, "Bus/Coach Station": 2},
    "Bicycle theft": {"Bus/Coach Station": 3, "Further/Higher Educational Building": 3, "Shopping Area": 2,
                      "Supermarket": 2},
    "Theft from the person": {"Nightclub": 3, "High Street": 3, "Shopping Area": 3, "Bus/Coach Station": 2},
}

OUTCOMES_GENERAL = {
    "Investigation complete; no suspect identified": 0.60, "Unable to prosecute suspect": 0.15,
    "Status update unavailable": 0.05, "Court result unavailable": 0.03, "Local resolution": 0.03,
    "Awaiting court outcome": 0.02, "Offender given a caution": 0.01, "Offender sent to prison": 0.01,
    "Further investigation is not in the public interest": 0.02, "Offender fined": 0.01,
    "Action to be taken by another organisation": 0.01, "Under investigation": 0.06,
}
OUTCOMES_VIOLENCE = {
    "Unable to prosecute suspect": 0.54, "Investigation complete; no suspect identified": 0.12,
    "Status update unavailable": 0.05, "Awaiting court outcome": 0.05, "Court result unavailable": 0.04,
    "Local resolution": 0.04, "Offender given a caution": 0.02, "Offender given community sentence": 0.01,
    "Further investigation is not in the public interest": 0.02, "Offender sent to prison": 0.01,
    "Action to be taken by another organisation": 0.02, "Formal action is not in the public interest": 0.01,
    "Offender given suspended prison sentence": 0.01, "Under investigation": 0.06,
}
OUTCOMES_SHOPLIFTING = {
    "Investigation complete; no suspect identified": 0.45, "Unable to prosecute suspect": 0.12,
    "Awaiting court outcome": 0.08, "Court result unavailable": 0.08, "Local resolution": 0.07,
    "Offender fined": 0.04, "Offender given conditional discharge": 0.03, "Offender sent to prison": 0.03,
    "Status update unavailable": 0.04, "Offender given a caution": 0.03, "Under investigation": 0.03,
}
OUTCOMES_POSSESSION = {
    "Local resolution": 0.28, "Offender given a drugs possession warning": 0.18,
    "Awaiting court outcome": 0.10, "Court result unavailable": 0.10, "Unable to prosecute suspect": 0.08,
    "Offender given a caution": 0.06,
    "Further investigation is not in the public interest": 0.04, "Offender fined": 0.03,
    "Offender sent to prison": 0.03, "Offender given penalty notice": 0.02, "Under investigation": 0.08,
}
OUTCOMES_WEAPONS = {
    "Awaiting court outcome": 0.18, "Court result unavailable": 0.14, "Offender sent to prison": 0.10,
    "Offender given suspended prison sentence": 0.08, "Offender given community sentence": 0.08,
    "Unable to prosecute suspect": 0.14, "Offender given a caution": 0.08, "Local resolution": 0.06,
    "Investigation complete; no suspect identified": 0.06, "Under investigation": 0.08,
}
OUTCOMES_BY_CATEGORY = {
    "Violence and sexual offences": OUTCOMES_VIOLENCE, "Public order": OUTCOMES_VIOLENCE,
    "Robbery": OUTCOMES_VIOLENCE, "Shoplifting": OUTCOMES_SHOPLIFTING, "Drugs": OUTCOMES_POSSESSION,
    "Possession of weapons": OUTCOMES_WEAPONS,
}
# The last few months of a real extract are mostly still under investigation.
RECENT_UNDER_INVESTIGATION = 0.55
RECENT_DECAY_MONTHS = 3.0

STREET_COLUMNS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]
# Rows geocoded far from Avonmere (as real extracts occasionally are); the importer must reject them.
MISPLACED_ROWS = (("2024-05", -2.983412, 53.405129), ("2025-11", -4.142088, 50.371633))


def snap_points(county: County) -> pd.DataFrame:
    """The anonymised 'On or near ...' points of each LSOA, with how busy each one is."""
    rng = stream("snap points")
    rows = []
    for index, lsoa in county.lsoas.iterrows():
        for place, is_street in places_in(lsoa, rng):
            rows.append((index, place, is_street))
    snaps = pd.DataFrame(rows, columns=["lsoa", "place", "is_street"])
    snaps["busyness"] = rng.lognormal(0, 0.8, len(snaps))
    x, y = points_in_cells(county.cells, snaps["lsoa"].to_numpy(), rng)
    lon, lat = to_lon_lat(x, y)
    snaps["longitude"] = [f"{v:.6f}" for v in lon]
    snaps["latitude"] = [f"{v:.6f}" for v in lat]
    snaps["location"] = "On or near " + snaps["place"]
    return snaps


def places_in(lsoa: pd.Series, rng: np.random.Generator) -> list[tuple[str, bool]]:
    """Name an LSOA's snap points: a few streets, plus shops, clubs and seafront where it has them."""
    count = 3 + round(4 * lsoa["urban"]) + round(6 * lsoa["centre"])
    places = [(str(s), True) for s in rng.choice(STREETS, size=count, replace=False)]
    extras: list[str] = []
    if lsoa["centre"] > 0.35:
        extras += CENTRE_PLACES[: 2 + round(5 * lsoa["centre"])]
    if lsoa["nte"] > 0.3:
        extras += ["Nightclub"]
    if lsoa["nte"] > 0.3 and DISTRICTS[lsoa["district"]].name == "Saltcliffe":
        extras += list(SEAFRONT_PLACES)
    if lsoa["retail"] > 0.9:
        extras += list(RETAIL_PLACES)
    if lsoa["urban"] > 0.5:
        extras += [str(rng.choice(SUBURB_PLACES))]
    streets = {p for p, _ in places}
    street_like = set(SEAFRONT_PLACES) | {"High Street", "Market Place"}
    for extra in dict.fromkeys(extras):  # keeps order, drops repeats
        if extra not in streets:
            places.append((extra, extra in street_like))
    return places


def points_in_cells(
    cells: list, owners: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A random point inside the cell of each owner (drawn in its bounding box until one lands inside)."""
    x, y = np.empty(len(owners)), np.empty(len(owners))
    for owner in np.unique(owners):
        slots = np.flatnonzero(owners == owner)
        cell = cells[owner]
        minx, miny, maxx, maxy = cell.bounds
        found = np.empty((0, 2))
        while len(found) < len(slots):
            tries = rng.uniform((minx, miny), (maxx, maxy), size=(4 * len(slots) + 8, 2))
            found = np.vstack([found, tries[shapely.contains_xy(cell, tries[:, 0], tries[:, 1])]])
        x[slots], y[slots] = found[: len(slots), 0], found[: len(slots), 1]
    return x, y


def category_weights(lsoas: pd.DataFrame, pattern: CategoryPattern) -> np.ndarray:
    """Share of one category's incidents that falls in each LSOA (sums to 1)."""
    pull = (
        pattern.base + pattern.centre * lsoas["centre"] + pattern.nte * lsoas["nte"]
        + pattern.retail * lsoas["retail"] + pattern.urban * lsoas["urban"]
    ).to_numpy()
    weight = pull * lsoas["deprivation"].to_numpy() ** pattern.deprivation
    return weight / weight.sum()


def seasonal_factor(pattern: CategoryPattern, months: list[str]) -> np.ndarray:
    """The yearly cycle of a category: 1 on average, highest in its peak month."""
    number = np.array([int(m[5:]) for m in months])
    return 1 + pattern.season * np.cos(2 * np.pi * (number - pattern.peak_month) / 12)


def expected_counts(county: County, months: list[str]) -> np.ndarray:
    """Expected incidents by month, category and LSOA: place x season x trend, scaled to the county total."""
    lsoas = county.lsoas
    years = (np.arange(len(months)) - (len(months) - 1) / 2) / 12  # 0 in the middle of the run
    names = np.array(DISTRICT_NAMES)[lsoas["district"].to_numpy()]
    expected = np.empty((len(months), len(CATEGORIES), len(lsoas)))
    for c, category in enumerate(CATEGORIES):
        pattern = PATTERNS[category]
        local = np.array([LOCAL_TRENDS.get((n, category), 0.0) for n in names])
        trend = (1 + pattern.trend + local[None, :]) ** years[:, None]
        season = seasonal_factor(pattern, months)[:, None]
        place = category_weights(lsoas, pattern)[None, :]
        expected[:, c, :] = MONTHLY_INCIDENTS * CATEGORY_SHARES[category] * place * season * trend
    return expected


def incident_counts(county: County, months: list[str]) -> np.ndarray:
    """Draw counts from the expected ones, with the extra month-to-month noise real counts have."""
    rng = stream("counts")
    expected = expected_counts(county, months)
    return rng.poisson(expected * rng.gamma(8.0, 1 / 8.0, size=expected.shape))


def choose_snaps(
    snaps: pd.DataFrame, category: np.ndarray, lsoa: np.ndarray, n_lsoas: int, rng: np.random.Generator
) -> np.ndarray:
    """Pick each incident's snap point (a row position in ``snaps``) in its LSOA, suited to its category."""
    order = np.argsort(snaps["lsoa"].to_numpy(), kind="stable")
    owner = snaps["lsoa"].to_numpy()[order]
    busyness = snaps["busyness"].to_numpy()[order]
    places = list(zip(snaps["place"].to_numpy()[order], snaps["is_street"].to_numpy()[order], strict=True))
    per_category = []
    for name in CATEGORIES:
        table = PLACE_AFFINITY.get(name, {})
        street = table.get("street", 1.0)
        pull = np.array([table.get(place, street if is_street else 1.0) for place, is_street in places])
        per_category.append(cumulative_within(owner, busyness * pull))
    # One sorted array for all (category, LSOA) groups: group g covers (g, g + 1], so a draw g + u lands in g.
    group = np.concatenate([c * n_lsoas + owner for c in range(len(CATEGORIES))])
    cumulative = group + np.concatenate(per_category)
    position = np.searchsorted(cumulative, category * n_lsoas + lsoa + rng.random(len(lsoa)), side="right")
    return order[position % len(snaps)]


def cumulative_within(groups: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Running share of each group's total weight (groups sorted); the last of each group is exactly 1."""
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(groups)]))
    running = np.cumsum(weights)
    before = (running[starts] - weights[starts])[group]
    within = (running - before) / np.add.reduceat(weights, starts)[group]
    within[np.r_[starts[1:] - 1, len(groups) - 1]] = 1.0  # exact, so rounding never reaches the next group
    return within


def outcomes(category: np.ndarray, months_from_end: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A police.uk 'Last outcome category' for each crime (ASB has none), recent ones mostly open."""
    result = np.full(len(category), "", dtype=object)
    for c, name in enumerate(CATEGORIES):
        rows = np.flatnonzero(category == c)
        if name == ASB or not len(rows):
            continue
        table = OUTCOMES_BY_CATEGORY.get(name, OUTCOMES_GENERAL)
        probabilities = np.array(list(table.values()))
        result[rows] = rng.choice(list(table), size=len(rows), p=probabilities / probabilities.sum())
    recent = RECENT_UNDER_INVESTIGATION * np.exp(-months_from_end / RECENT_DECAY_MONTHS)
    still_open = (result != "") & (rng.random(len(category)) < recent)
    result[still_open] = "Under investigation"
    return result


def crime_ids(month: str, count: int) -> list[str]:
    """Deterministic 64-hex Crime IDs, like police.uk's."""
    return [hashlib.sha256(f"avonmere-demo/{SEED}/{month}/{n}".encode()).hexdigest() for n in range(count)]


def street_rows(county: County, snaps: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Every generated incident as a police.uk street row (before the deliberately bad rows are added)."""
    rng = stream("incidents")
    counts = incident_counts(county, months)
    month, category, lsoa = np.nonzero(counts)
    repeat = counts[month, category, lsoa]
    month, category, lsoa = np.repeat(month, repeat), np.repeat(category, repeat), np.repeat(lsoa, repeat)
    snap = choose_snaps(snaps, category, lsoa, len(county.lsoas), rng)
    lsoas = county.lsoas
    rows = pd.DataFrame({
        "Month": np.array(months, dtype=object)[month],
        "Longitude": snaps["longitude"].to_numpy()[snap], "Latitude": snaps["latitude"].to_numpy()[snap],
        "Location": snaps["location"].to_numpy()[snap],
        "LSOA code": lsoas["code"].to_numpy()[lsoa], "LSOA name": lsoas["name"].to_numpy()[lsoa],
        "Crime type": np.array(CATEGORIES, dtype=object)[category],
        "Last outcome category": outcomes(category, len(months) - 1 - month, rng),
    })
    return rows


def bad_rows(month: str, county: County, rng: np.random.Generator) -> pd.DataFrame:
    """A handful of rows with no location, and now and then one geocoded far away, as real extracts have."""
    count = int(rng.integers(1, 5))
    categories = ["Violence and sexual offences", "Other crime", "Public order", "Other theft"]
    outcomes_seen = ["Unable to prosecute suspect", "Status update unavailable", "Under investigation"]
    rows = pd.DataFrame({
        "Month": month, "Longitude": "", "Latitude": "", "Location": "No location", "LSOA code": "",
        "LSOA name": "", "Crime type": rng.choice(categories, size=count),
        "Last outcome category": rng.choice(outcomes_seen, size=count),
    })
    for misplaced_month, lon, lat in MISPLACED_ROWS:
        if misplaced_month == month:
            lsoa = county.lsoas.iloc[int(rng.integers(len(county.lsoas)))]
            rows.loc[len(rows)] = [
                month, f"{lon:.6f}", f"{lat:.6f}", "On or near Harbour Road", lsoa["code"], lsoa["name"],
                "Other theft", "Investigation complete; no suspect identified",
            ]
    return rows


def month_file(month: str, rows: pd.DataFrame, county: County, rng: np.random.Generator) -> pd.DataFrame:
    """One month's street CSV contents: the month's incidents plus its bad rows, shuffled, IDs assigned."""
    frame = pd.concat([rows, bad_rows(month, county, rng)], ignore_index=True)
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    is_crime = frame["Crime type"].to_numpy() != ASB
    ids = np.full(len(frame), "", dtype=object)
    ids[is_crime] = crime_ids(month, int(is_crime.sum()))
    frame.insert(0, "Crime ID", ids)
    frame.insert(2, "Reported by", FORCE_NAME)
    frame.insert(3, "Falls within", FORCE_NAME)
    frame["Context"] = ""
    return frame[STREET_COLUMNS]
