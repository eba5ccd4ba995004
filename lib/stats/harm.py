"""Harm-weighted police.uk counts: a weights table (ONS Crime Severity Score) and the sums it drives.

A count treats a shoplifting and a rape as one crime each, so a fall in minor offences can hide a rise in
serious harm. The ONS Crime Severity Score (CSS) weights each offence by how severely the courts sentence
it: the weight is the average sentence in days of custody, with fines and community orders converted to
custody-equivalent days (ONS, "Research outputs: developing a Crime Severity Score for England and Wales
using data on crimes recorded by the police", 29 November 2016). In that first release homicide weighed
7,979 and possession of cannabis 3 (as reported by the i newspaper and the Daily Mail, December 2016).

police.uk publishes 14 broad categories, not offence codes, so each category needs one weight: the average
CSS weight of the offences police.uk files under it, weighted by how often each offence is recorded.

How the default weights were derived (to recompute, see ``ONS_GROUP_SCORES_2017_18``,
``CSS_2017_OFFENCE_WEIGHTS`` and tests/stats/test_harm.py::test_defaults_can_be_recomputed):

1. Exact, from the ONS CSS data tool ("Crime Severity Score (Experimental Statistics)", datatool.xls,
   edition covering April 2008 to March 2018). For England 2017/18 it gives, per ONS offence group, the
   CSS (severity points per head) and the offence rate (offences per 1,000 people). Their ratio,
   1,000 x CSS / rate, is the average weight per recorded offence in that group (the population cancels).
   The England rows were read from the extract Trafford Data Lab made of that file: GitHub
   traffordDataLab/dashboard @ 4f2cfd707d092df612d50e3482d20cf4c882ba37, data/pride/crime_severity.csv
   and data/pride/crime_rate.csv (built by data/pride/pre-processing/crime_severity.R and crime_rate.R).
   Where a police.uk category is exactly an ONS group (or two), its weight is this ratio:
   Violence and sexual offences = violence against the person + sexual offences, Robbery, Criminal damage
   and arson. These three are not approximations.
2. Within the two mixed ONS groups ("Theft offences" and "Other crimes against society") the tool gives
   only the group average, so the split between police.uk categories uses per-offence weights from the
   ONS list of weights published with the data tool in 2017, as copied into public code (we could not
   open the ONS spreadsheet itself): GitHub RachaelMahon/sentencing_capstone, offence_severity.txt
   (category means: shoplifting 13, other theft 33, burglary 703 = the unweighted mean of the burglary
   codes below, supply of drugs 497, possession of drugs 6, other drugs 11, robbery 746), and a second
   public copy, a JavaScript safety-score demo whose repository the code index does not name, that lists
   the weights per police.uk category in Home Office code order (bicycle theft 10, theft from the person
   86, burglary 438/2,127/117/1,513, drugs 497/11/9/3, weapons 635/327/58/55/1,365/55, public order
   10/24/365/78; its burglary and drugs lists agree with the first copy). The 2017 list is an older
   edition than step 1 (it gives robbery 746 where the 2018 tool implies 799.6), so these figures are
   approximations.
   Each is averaged over the offences recorded in England in 2017/18 (Home Office police recorded crime
   by police force area, 2017/18, English forces only, without British Transport Police and fraud, as in
   the CSS; offence codes mapped to police.uk categories by the crime-sim-toolkit 1.5.0 table).
3. Vehicle crime and Other crime are balancing figures: set so that the theft categories, and the
   drugs / weapons / public order / other crime categories, reproduce their ONS group averages from step
   1 (115.1 and 58.8). They are approximations that absorb any error in step 2.
4. Anti-social behaviour is not a crime and has no CSS weight. Its default of 0 is a local choice (ASB is
   still counted; it just adds no harm). A partnership that wants ASB to count can type in a small
   weight, e.g. 5, about the CSS weight of the least serious offences.

Secondary reference: the Cambridge Crime Harm Index (Sherman, Neyroud and Neyroud, Policing 10(3), 2016)
also weights by sentencing, but uses the sentencing-guideline starting point rather than the average
sentence actually given (e.g. murder: the 15-year starting minimum term, 5,475 days). Its scale differs,
so the two must not be mixed in one table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import SupportsFloat, SupportsIndex

import numpy as np
import pandas as pd

from lib.core.attribution import OGL

ASB = "Anti-social behaviour"
MAX_WEIGHT = 100_000.0
COLUMNS = ("Category", "Weight", "ONS offence groups", "Note")

HARM_SOURCE = (
    "Harm weights are the Office for National Statistics Crime Severity Score (experimental statistics): "
    "each offence is weighted by the average sentence the courts give it, in days of custody (fines and "
    "community orders converted to equivalent days), so a robbery weighs about 800 and a shoplifting 13. "
    "Each police.uk category's default is the average weight of the offences it covers, weighted by how "
    "often each was recorded in England in 2017/18; some splits within theft and 'other crimes against "
    "society' are approximations (see the Note column). Anti-social behaviour is not a crime and has no "
    "weight: it is set to 0 here, a local choice you can change. Source: ONS, Crime Severity Score "
    "(Experimental Statistics) data tool, year ending March 2018, "
    "https://www.ons.gov.uk/peoplepopulationandcommunity/crimeandjustice/datasets/"
    "crimeseverityscoreexperimentalstatistics. " + OGL
)

# England 2017/18 from the ONS CSS data tool (Trafford Data Lab extract, see the module docstring):
# ONS offence group -> (Crime Severity Score per head, offences per 1,000 people). Kept to full precision
# so the exact weights below can be recomputed: 1,000 * score / rate.
ONS_GROUP_SCORES_2017_18: dict[str, tuple[float, float]] = {
    "Violence against the person": (3.4755275851056635, 23.710237595246454),
    "Sexual offences": (3.9806356747714591, 2.5405086087052764),
    "Robbery": (1.0933032126474005, 1.3672633059520609),
    "Theft offences": (3.9687030904304992, 34.471967329705961),
    "Criminal damage and arson": (0.18083385877418093, 9.9433367191944679),
    "Other crimes against society": (0.6453802348836466, 10.971434915572495),
    "Total recorded crime": (13.344383656612846, 83.004748474376711),
}

# Per-offence weights from the 2017 ONS list (as copied in public code, see the module docstring), by
# Home Office offence code, for the categories split in step 2. Codes not listed are not needed: they
# had no offences recorded in 2017/18 (old burglary codes) or fall in a balancing category.
CSS_2017_OFFENCE_WEIGHTS: dict[str, dict[str, float]] = {
    "Burglary": {"28E": 438, "28F": 438, "28G": 438, "28H": 438, "29A": 2127,
                 "30C": 117, "30D": 117, "31": 1513, "31A": 1513},
    "Bicycle theft": {"44": 10},
    "Shoplifting": {"46": 13},
    "Theft from the person": {"39": 86},
    "Other theft": {"49": 33},
    "Drugs": {"92A": 497, "92C": 11, "92D": 9, "92E": 3},
    "Possession of weapons": {"10A": 635, "10B": 327, "10C": 58, "10D": 55, "81": 1365, "90": 55},
    "Public order": {"9A": 10, "9B": 24, "62A": 365, "66": 78},
}


@dataclass(frozen=True)
class _Default:
    """One row of the default weights table."""

    category: str
    weight: float
    groups: str
    note: str


# One row per police.uk category, in the order police.uk lists them. Weights are rounded to 0.1 day.
_DEFAULTS: tuple[_Default, ...] = (
    _Default(ASB, 0.0, "None: anti-social behaviour is not a notifiable crime",
             "No ONS weight. 0 is a local choice: ASB is counted but adds no harm. Type a small weight "
             "(e.g. 5) if your partnership wants it to count."),
    _Default("Bicycle theft", 10.0, "Theft offences: bicycle theft (44)",
             "ONS 2017 weight for theft of a pedal cycle. Approximate: taken from a public copy of the list."),
    _Default("Burglary", 358.6,
             "Theft offences: domestic burglary (28E-H, 29A) and non-domestic burglary (30C-D, 31A)",
             "ONS 2017 weights (residential 438, aggravated residential 2,127, business 117, aggravated "
             "business 1,513) averaged over offences recorded in England 2017/18. Approximate."),
    _Default("Criminal damage and arson", 18.2, "Criminal damage and arson (56A-B, 58A-D, 58J)",
             "Average ONS weight of criminal damage and arson recorded in England 2017/18 (ONS data tool)."),
    _Default("Drugs", 101.0, "Other crimes against society: drug offences (92A, 92C-E)",
             "ONS 2017 weights (trafficking 497, possession of cannabis 3, other possession 9, other 11) "
             "averaged over offences recorded in England 2017/18. Approximate."),
    _Default("Other crime", 103.8,
             "Other crimes against society: miscellaneous crimes (e.g. 59 threats to damage, 86 obscene "
             "publications, 79 perverting justice, 802 dangerous driving); fraud has no CSS weight",
             "Balancing figure: with drugs, weapons and public order it matches the ONS average for "
             "other crimes against society (58.8) in England 2017/18. Approximate."),
    _Default("Other theft", 33.0, "Theft offences: other theft offences (35, 40-43, 47, 49, 49A)",
             "ONS 2017 weight for 'other theft'. Approximate: blackmail and theft by an employee weigh "
             "more and are not separated, so this may be a little low."),
    _Default("Possession of weapons", 152.6,
             "Other crimes against society: possession of weapons offences (10A-D, 81, 90)",
             "ONS 2017 weights (blades and other weapons 55-58, firearms 327-1,365) averaged over offences "
             "recorded in England 2017/18. Approximate: firearm weights matched to codes by list order; "
             "another matching gives 226."),
    _Default("Public order", 23.1, "Other crimes against society: public order offences (9A-B, 62A, 66)",
             "ONS 2017 weights (fear, alarm or distress 10, racially aggravated 24, violent disorder 365, "
             "other 78) averaged over offences recorded in England 2017/18. Approximate."),
    _Default("Robbery", 799.6, "Robbery (34A business property, 34B personal property)",
             "Average ONS weight of robbery recorded in England 2017/18 (ONS data tool)."),
    _Default("Shoplifting", 13.0, "Theft offences: shoplifting (46)",
             "ONS 2017 weight for shoplifting (two public copies of the list agree). Approximate."),
    _Default("Theft from the person", 86.0, "Theft offences: theft from the person (39)",
             "ONS 2017 weight for theft from the person. Approximate: taken from a public copy of the list."),
    _Default("Vehicle crime", 87.4,
             "Theft offences: theft from a vehicle (45), theft of a motor vehicle (37.2, 48), vehicle "
             "interference (126)",
             "Balancing figure: with the other theft categories it matches the ONS average for theft "
             "offences (115.1) in England 2017/18. Approximate."),
    _Default("Violence and sexual offences", 284.0,
             "Violence against the person (homicide, violence with and without injury, stalking and "
             "harassment) and sexual offences (rape, other sexual offences)",
             "Average ONS weight of violence against the person (146.6) and sexual offences (1,566.9) "
             "recorded in England 2017/18, combined by volume (ONS data tool)."),
)

CATEGORIES: tuple[str, ...] = tuple(row.category for row in _DEFAULTS)


def default_harm_weights() -> pd.DataFrame:
    """The default weights table: one row per police.uk category, with where each figure comes from.

    Columns: Category, Weight (float, CSS days per offence), ONS offence groups, Note.
    """
    return pd.DataFrame(
        [(row.category, float(row.weight), row.groups, row.note) for row in _DEFAULTS],
        columns=list(COLUMNS),
    )


def _key(category: object) -> str | None:
    """A category name made comparable (trimmed, case-folded); None for a blank or missing one."""
    if category is None or (isinstance(category, float) and math.isnan(category)) or category is pd.NA:
        return None
    text = str(category).strip()
    return text.casefold() or None


_CANONICAL = {category.casefold(): category for category in CATEGORIES}


def _blank(value: object) -> bool:
    """Whether a cell was left empty (None, NaN or only spaces)."""
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and not value.strip()


def _parse_weight(value: object, where: str) -> float:
    """One weight as a float, or a ValueError that says which row is at fault and why."""
    if isinstance(value, bool):
        # bool is an int in Python, but a tick-box in a weights column is a mistake, not 1 day.
        raise ValueError(f"{where}: the weight must be a number of days, not {value}.")
    if _blank(value):
        raise ValueError(f"{where}: the weight is empty. Type a number (0 leaves the category out).")
    if not isinstance(value, str | SupportsFloat | SupportsIndex):
        raise ValueError(f"{where}: '{value}' is not a number.")
    try:
        # Thousands separators are how people type big numbers; float() alone would refuse "1,200".
        number = float(value.strip().replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: '{value}' is not a number.") from None
    if math.isnan(number):
        raise ValueError(f"{where}: the weight is empty. Type a number (0 leaves the category out).")
    if number < 0:
        raise ValueError(f"{where}: the weight {number:g} is negative; weights are days and start at 0.")
    if number > MAX_WEIGHT:
        raise ValueError(
            f"{where}: the weight {number:g} is too large (more than {MAX_WEIGHT:,.0f} days; homicide, "
            "the heaviest offence, weighs about 8,000)."
        )
    return number


def _require_columns(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    """Raise a plain ValueError when a table lacks a column the calculation needs."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"The {what} must be a table, not {type(frame).__name__}.")
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"The {what} has no {', '.join(repr(c) for c in missing)} column.")


def validate_harm_weights(weights: pd.DataFrame) -> pd.DataFrame:
    """Check a weights table the user edited; return a clean copy (Category, Weight) in the standard order.

    Rows are numbered from 1, as the user sees them. Raises ValueError naming the row and category for a
    blank or unknown category, a category given twice, or a weight that is empty, not a number, negative
    or above 100,000 days; and naming the categories that are missing (every police.uk category needs a
    weight; 0 leaves one out). Category names are matched ignoring case and surrounding spaces.
    """
    _require_columns(weights, ("Category", "Weight"), "weights table")
    seen: dict[str, int] = {}
    clean: dict[str, float] = {}
    for row_number, (category, weight) in enumerate(zip(weights["Category"], weights["Weight"], strict=True),
                                                    start=1):
        key = _key(category)
        if key is None and _blank(weight):
            continue  # the empty row a table editor offers for adding one; nothing was typed in it
        if key is None:
            raise ValueError(f"Row {row_number} has no category.")
        if key not in _CANONICAL:
            raise ValueError(f"Row {row_number}: '{str(category).strip()}' is not a police.uk category.")
        name = _CANONICAL[key]
        if name in seen:
            raise ValueError(f"Row {row_number}: '{name}' appears twice (also in row {seen[name]}).")
        seen[name] = row_number
        clean[name] = _parse_weight(weight, f"Row {row_number} ({name})")
    missing = [name for name in CATEGORIES if name not in clean]
    if missing:
        raise ValueError(
            f"No weight for {', '.join(missing)}. Every police.uk category needs a weight (0 leaves one out)."
        )
    return pd.DataFrame({"Category": list(CATEGORIES), "Weight": [clean[name] for name in CATEGORIES]})


def _weight_lookup(weights: pd.DataFrame | Mapping[str, float]) -> dict[str, float]:
    """Weights by comparable category key; a partial table is fine, bad values are not."""
    if isinstance(weights, Mapping):
        pairs = list(weights.items())
    else:
        _require_columns(weights, ("Category", "Weight"), "weights table")
        pairs = list(zip(weights["Category"], weights["Weight"], strict=True))
    lookup: dict[str, float] = {}
    for row_number, (category, weight) in enumerate(pairs, start=1):
        key = _key(category)
        if key is None and _blank(weight):
            continue
        if key is None:
            raise ValueError(f"Row {row_number} of the weights has no category.")
        if key in lookup:
            raise ValueError(f"Row {row_number}: '{str(category).strip()}' is in the weights twice.")
        lookup[key] = _parse_weight(weight, f"Row {row_number} ({str(category).strip()})")
    return lookup


def harm_weighted_counts(counts: pd.DataFrame, weights: pd.DataFrame | Mapping[str, float]) -> pd.DataFrame:
    """The same rows as ``counts`` with a ``weight`` and a ``harm`` (= count x weight) column added.

    ``counts`` is long: a ``category`` and a ``count`` column plus any grouping columns (month, area...),
    which are kept as they are. ``weights`` is a weights table (Category, Weight), possibly partial, or a
    mapping of category to weight. Categories are matched ignoring case and surrounding spaces.

    A category with no weight gets weight 0 and is listed in ``frame.attrs["unweighted"]`` so the page
    can say its harm is not counted; ``frame.attrs["zero_weight"]`` lists the categories present whose
    weight is 0 by choice (such as anti-social behaviour by default).
    """
    _require_columns(counts, ("category", "count"), "counts table")
    count = _numeric_counts(counts["count"])
    lookup = _weight_lookup(weights)
    keys = [_key(category) for category in counts["category"]]
    has_key = [key is not None for key in keys]
    found = [key is not None and key in lookup for key in keys]
    result = counts.copy()
    weight = np.array([lookup.get(key, 0.0) if key is not None else 0.0 for key in keys], dtype=float)
    result["weight"] = weight
    result["harm"] = count.to_numpy() * weight
    categories = counts["category"].tolist()
    result.attrs["unweighted"] = _names(
        [c for c, k, f in zip(categories, has_key, found, strict=True) if k and not f],
        blanks=not all(has_key),
    )
    result.attrs["zero_weight"] = _names(
        [c for c, f, w in zip(categories, found, weight, strict=True) if f and w == 0]
    )
    return result


def _numeric_counts(values: pd.Series) -> pd.Series:
    """The count column as floats, or a plain ValueError when it holds something that is not a number."""
    if pd.api.types.is_bool_dtype(values):
        raise ValueError("The counts table's 'count' column must hold numbers, not true/false.")
    try:
        return pd.to_numeric(values).astype(float)
    except (TypeError, ValueError):
        raise ValueError("The counts table's 'count' column must hold numbers.") from None


def _names(categories: list[object], blanks: bool = False) -> list[str]:
    """Distinct category names, sorted, as the page would list them."""
    names = sorted({str(category).strip() for category in categories})
    return names + ["(no category)"] if blanks else names


def harm_share(counts: pd.DataFrame, weights: pd.DataFrame | Mapping[str, float]) -> pd.DataFrame:
    """Per category: count, share of all counts (%), weight, harm, share of all harm (%), most harm first.

    Columns: ``category``, ``count``, ``count_share``, ``weight``, ``harm``, ``harm_share``; shares are
    percentages (0-100) that each sum to 100, or are all 0 when there is nothing to share (no counts, or
    no harm). Rows of ``counts`` for the same category (other months or areas) are added together. Ties in
    harm are broken by count, then by name, so the order is stable. ``attrs["unweighted"]`` and
    ``attrs["zero_weight"]`` are passed on from :func:`harm_weighted_counts`.
    """
    weighted = harm_weighted_counts(counts, weights)
    table = (
        weighted.assign(category=weighted["category"].fillna("(no category)"))
        .groupby("category", as_index=False, sort=True)
        .agg(count=("count", "sum"), weight=("weight", "first"), harm=("harm", "sum"))
    )
    table.insert(2, "count_share", _percent(table["count"]))
    table["harm_share"] = _percent(table["harm"])
    table = table.sort_values(["harm", "count", "category"], ascending=[False, False, True], kind="mergesort")
    table = table.reset_index(drop=True)[["category", "count", "count_share", "weight", "harm", "harm_share"]]
    table.attrs.update(weighted.attrs)
    return table


def _percent(values: pd.Series) -> pd.Series:
    """Each value as a percentage of the total; all 0 when the total is 0 (nothing to share out)."""
    total = float(values.sum())
    if total == 0:
        return pd.Series(0.0, index=values.index)
    return values.astype(float) / total * 100
