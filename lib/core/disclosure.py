"""The public view's rules for small places: what an LSOA or hexagon count may show, so no person can be found.

The rules (the method and the ONS practice behind it are in ``docs/disclosure.md``):

1. **Threshold.** A count from 1 to 4 for a small place (an LSOA, a hexagon) shows as "fewer than 5". Zero is
   shown: it identifies nobody.
2. **Rounding.** Every other small-area count shows rounded to the nearest 5, and every figure worked out from
   it (its share of the area, its change, its rate per 1,000) is worked out from the rounded count. So no two
   maps (two periods, two areas, two hexagon sizes) can be subtracted to find a count: a difference of rounded
   counts is uncertain by at least 3, enough to cover every count from 1 to 4.
3. **Secondary suppression.** The area's exact total is published (on the same page and elsewhere), and the
   total less the cells shown could leave a small count on its own: one "fewer than 5" cell, or several whose
   total only fits if each is 1 (or each is 4). ``protect_counts`` audits each view against its total, as a
   reader who knows these rules would (a withheld cell holds 5 or more), and withholds the smallest other counts
   that free it, until no count but zero can be worked out exactly: not a small one, and not a larger one either,
   which a map of a nested period could be subtracted from. Where even that fails (a handful of incidents in the
   whole area), no cell is shown: only the total.
4. **Fixed periods.** Public small-area views cover whole periods only (the latest 12 months or a financial
   year, and the equal period before each for change), never a run of months chosen by hand.

CSP, district, force and county totals are shown exactly: at that size a count identifies nobody, and police.uk
publishes them. Which viewers get these rules is decided in ``lib.store.access``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

SMALL_COUNT_LIMIT = 5  # counts below this (and above zero) are suppressed at small-area level
ROUNDING_BASE = 5
FEWER_THAN_5 = "fewer than 5"
WITHHELD = "withheld"
SHOWN, SMALL = "", "small"  # the other statuses of a protected count (WITHHELD is the third)
PUBLIC_MODE_NOTE = (
    "Public mode: counts for a neighbourhood (LSOA) or hexagon are rounded to the nearest 5, counts of 1 to 4 "
    "show as 'fewer than 5', and restricted partner indicators are hidden."
)
WITHHELD_NOTE = ("Some neighbourhood counts are withheld as well, so the 'fewer than 5' counts cannot be worked "
                 "out from the area's total.")
ALL_WITHHELD_NOTE = ("Too few incidents to show by neighbourhood in the public view: counts this small could "
                     "identify someone.")


def is_small(value: object) -> bool:
    """Whether a count is 1 to 4: small enough that a person in a small place could be identified."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return not math.isnan(number) and 0 < number < SMALL_COUNT_LIMIT


def rounded_count(count: int) -> int:
    """A count of 5 or more to the nearest 5, halves up (7 -> 5, 8 -> 10)."""
    return int(ROUNDING_BASE * math.floor(count / ROUNDING_BASE + 0.5))


@dataclass(frozen=True)
class ProtectedCounts:
    """One view's small-area counts as the public sees them.

    ``values``: the rounded count (0 shown as 0), NaN where not shown; ``status``: "" shown, "small" (1 to 4),
    "withheld" (secondary suppression); ``all_withheld``: nothing can be shown at all.
    """

    values: np.ndarray
    status: np.ndarray
    all_withheld: bool = False

    def texts(self) -> list[str]:
        """Each count as the public reads it: "1,235", "fewer than 5" or "withheld"."""
        return [count_text(v, s) for v, s in zip(self.values, self.status, strict=True)]


def count_text(value: object, status: str) -> str:
    """A protected count in words ("" for a value that is not a number)."""
    if status == SMALL:
        return FEWER_THAN_5
    if status == WITHHELD:
        return WITHHELD
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(number) else f"{number:,.0f}"


def protect_counts(counts: object, total: int | None = None) -> ProtectedCounts:
    """Apply the threshold, rounding and secondary suppression to one view's counts, audited against its total.

    ``total`` is the area's exact total as published (the counts' sum unless given).
    """
    exact = np.asarray(pd.to_numeric(pd.Series(counts), errors="coerce").fillna(0), dtype=np.int64)
    total = int(exact.sum()) if total is None else int(total)
    status = np.where((exact > 0) & (exact < SMALL_COUNT_LIMIT), SMALL, SHOWN).astype(object)
    values = np.array([np.nan if s == SMALL else float(rounded_count(c) if c else 0) for c, s in
                       zip(exact, status, strict=True)], dtype=float)
    pinned = int(disclosed_cells(values, status, total).sum())
    while pinned:
        candidates = np.flatnonzero((status == SHOWN) & (exact > 0))
        if candidates.size == 0:
            return ProtectedCounts(np.full(len(exact), np.nan), np.full(len(exact), WITHHELD, dtype=object), True)
        # The smallest count that frees a worked-out cell costs the reader least. A withheld "5" frees nothing
        # when the small cells could only all be 1 (the reader knows it holds 5 or more), so with none that helps
        # the largest goes, which widens the most, and the search goes on.
        order = candidates[np.argsort(exact[candidates], kind="stable")]
        for pick in order:  # smallest first, stopping at the first that helps (or at the largest, tried last)
            after = _pinned_without(values, status, total, int(pick))
            if after < pinned:
                break
        status[pick], values[pick] = WITHHELD, np.nan
        pinned = after
    return ProtectedCounts(values, status)


def _pinned_without(values: np.ndarray, status: np.ndarray, total: int, cell: int) -> int:
    """How many cells would still be worked out with ``cell`` withheld as well."""
    trial_values, trial_status = values.copy(), status.copy()
    trial_status[cell], trial_values[cell] = WITHHELD, np.nan
    return int(disclosed_cells(trial_values, trial_status, total).sum())


def reader_ranges(values: np.ndarray, status: np.ndarray, total: int) -> tuple[np.ndarray, np.ndarray]:
    """What a reader can tell of each count from the cell alone: its lowest and highest possible values."""
    lo, hi = np.zeros(len(values)), np.zeros(len(values))
    for i, (value, state) in enumerate(zip(values, status, strict=True)):
        if state == SMALL:
            lo[i], hi[i] = 1, SMALL_COUNT_LIMIT - 1
        elif state == WITHHELD:
            lo[i], hi[i] = SMALL_COUNT_LIMIT, max(total, SMALL_COUNT_LIMIT)
        elif value == 0:
            lo[i], hi[i] = 0, 0
        else:  # rounded to the nearest 5: "5" holds 5 to 7, since 3 and 4 show as "fewer than 5"
            lo[i], hi[i] = max(SMALL_COUNT_LIMIT, value - 2), value + 2
    return lo, hi


def feasible_ranges(lo: np.ndarray, hi: np.ndarray, total: int) -> tuple[np.ndarray, np.ndarray]:
    """Each count's possible range once the cells must add up to ``total`` (exact for one sum constraint)."""
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    others_lo, others_hi = lo.sum() - lo, hi.sum() - hi
    return np.maximum(lo, total - others_hi), np.minimum(hi, total - others_lo)


def disclosed_cells(values: np.ndarray, status: np.ndarray, total: int) -> np.ndarray:
    """The cells whose exact count follows from the others and the total, zeros apart.

    A "fewer than 5" cell worked out is a small count given away. A rounded or withheld count worked out gives
    nothing away on its own, but a map of a shorter or longer period could then be subtracted from it (a year
    worked out exactly, less its first eight months, leaves the last four): so no count but zero may be exact.
    """
    low, high = feasible_ranges(*reader_ranges(values, status, total), total)
    not_zero = ~((np.asarray(status) == SHOWN) & (np.nan_to_num(np.asarray(values, dtype=float), nan=1.0) == 0))
    return not_zero & (low >= high)


def public_cells(cells: pd.DataFrame, total: int, previous_total: int | None) -> tuple[pd.DataFrame, bool]:
    """A small-area table (``count``, ``previous``, ``change``, ``share``, ``rate``, ``population``, ``gi_z``,
    ``gi_p``) as the public view holds it, and whether every cell had to be withheld.

    Counts become protected values with their statuses (``count_status``, ``previous_status``); share, change and
    rate are worked out again from the protected values (blank where a count is not shown); the Gi* z-scores and
    p-values go, since together they would let the counts be solved for. The classes stay.
    """
    now = protect_counts(cells["count"], total)
    public = cells.copy()
    public["count"], public["count_status"] = now.values, now.status
    if previous_total is None or cells["previous"].isna().all():
        public["previous"], public["previous_status"] = np.nan, SHOWN
    else:
        before = protect_counts(cells["previous"], previous_total)
        public["previous"], public["previous_status"] = before.values, before.status
    public["change"] = public["count"] - public["previous"]
    public["share"] = public["count"] / total * 100 if total else np.nan
    if "rate" in public:
        public["rate"] = public["count"] / public["population"] * 1000
    for column in ("gi_z", "gi_p"):
        if column in public:
            public[column] = np.nan
    return public, now.all_withheld


def public_result(result):
    """A hotspot result (``lib.hotspots.gi_star.HotspotResult``) as the public view holds it."""
    cells, all_withheld = public_cells(result.cells, result.total,
                                       result.previous_total if result.previous_held else None)
    # A place is named by the streets of its incidents: a withheld cell is named by its neighbourhood alone, or
    # the street names would say it holds incidents.
    withheld = cells["count_status"] == WITHHELD
    cells.loc[withheld, "place"] = cells.loc[withheld, "lsoa_name"]
    notes = list(result.notes)
    if all_withheld:
        notes.insert(0, ALL_WITHHELD_NOTE)
    elif (cells["count_status"] == WITHHELD).any() or (cells["previous_status"] == WITHHELD).any():
        notes.insert(0, WITHHELD_NOTE)
    return replace(result, cells=cells, public=True, all_withheld=all_withheld, notes=tuple(notes))
