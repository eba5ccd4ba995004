"""Public mode: what may be shown on a public screen or in published committee papers.

Two rules, following the statistical disclosure practice of police.uk and ONS small-area releases:

- A count from 1 to 4 for a small place (an LSOA, a hexagon, a street) could point to a person, so it is shown
  as "fewer than 5". Zero is shown: it identifies nobody. A figure that would give the small count away (its
  share of the area, its change on the previous period, a rate) is blanked on the same row.
- Restricted indicators (flagged by the partner who supplied them) are for partners only and are left out.

CSP, district and county totals are not suppressed: at that size a count identifies nobody, and police.uk
publishes them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import pandas as pd

SMALL_COUNT_LIMIT = 5  # counts below this (and above zero) are suppressed at small-area level
FEWER_THAN_5 = "fewer than 5"
PUBLIC_MODE_NOTE = (
    "Public mode: counts of 1 to 4 for a neighbourhood (LSOA) or smaller are shown as 'fewer than 5', with "
    "figures that would reveal them left blank, and restricted partner indicators are hidden."
)


def is_small(value: object) -> bool:
    """Whether a count is 1 to 4: small enough that a person in a small place could be identified."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return not math.isnan(number) and 0 < number < SMALL_COUNT_LIMIT


def shown_count(value: object) -> object:
    """A small-area count as public mode shows it: "fewer than 5" for 1 to 4, otherwise unchanged."""
    return FEWER_THAN_5 if is_small(value) else value


def suppress_small_counts(frame: pd.DataFrame, counts: Sequence[str], reveal: Iterable[str] = ()) -> pd.DataFrame:
    """A copy of a small-area table fit for public view.

    ``counts`` are the count columns: a 1 to 4 in any of them becomes "fewer than 5", and the rest become text
    ("1,234"), since a column mixing words and numbers cannot be shown or sorted as numbers. ``reveal`` are columns
    from which a small count could be worked back (a share, a change, a rate): they are blanked on every row
    where any count column is small. Columns not named are left alone.
    """
    public = frame.copy()
    present = [c for c in counts if c in public.columns]
    if public.empty or not present:
        return public
    small = pd.concat([public[c].map(is_small) for c in present], axis=1).any(axis=1)
    for column in present:
        public[column] = public[column].astype(object).map(_count_text)
    for column in (c for c in reveal if c in public.columns):
        public[column] = public[column].astype(object).where(~small, None)
    return public


def _count_text(value: object) -> str | None:
    if is_small(value):
        return FEWER_THAN_5
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None if value is None or value is pd.NA else str(value)
    return None if math.isnan(number) else f"{number:,.0f}"


def public_indicators(indicators: Iterable, public: bool) -> list:
    """The indicators that may be shown: all of them, or in public mode those not restricted."""
    return [i for i in indicators if not (public and getattr(i, "restricted", False))]
