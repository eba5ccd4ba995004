"""Reporting periods: financial years (April to March, written '2024/25'), the latest 12 months, custom runs.

Months are ``YYYY-MM`` strings throughout, as in the store. A period is always clipped to the months the store
holds, and its label says so, so a screen never claims a full year it does not have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LATEST_12 = "latest-12"
_FINANCIAL_YEAR = re.compile(r"^(\d{4})/(\d{2})$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_CUSTOM = re.compile(r"^(\d{4}-\d{2})\.\.(\d{4}-\d{2})$")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FULL_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                     "October", "November", "December")


@dataclass(frozen=True)
class Period:
    """A run of whole months, with the key that names it in a URL and a plain-words label."""

    key: str
    label: str
    start: str
    end: str

    @property
    def months(self) -> list[str]:
        """Every month in the period, oldest first."""
        return months_between(self.start, self.end)

    @property
    def span(self) -> str:
        """The months covered, in words: 'Apr to Sep 2025'."""
        return month_span(self.start, self.end)

    @property
    def title(self) -> str:
        """Label and months together, for headings and captions: '2026/27 year to date (Apr to Sep 2026)'."""
        return f"{self.label} ({self.span})"


def is_month(text: str) -> bool:
    """Whether text is a valid YYYY-MM month."""
    return bool(_MONTH.match(text))


def _year_month(month: str) -> tuple[int, int]:
    if not is_month(month):
        raise ValueError(f"not a YYYY-MM month: {month!r}")
    return int(month[:4]), int(month[5:])


def shift_months(month: str, count: int) -> str:
    """Return the month ``count`` months after (or before, if negative) the given one."""
    year, number = _year_month(month)
    index = year * 12 + (number - 1) + count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(start: str, end: str) -> list[str]:
    """Every month from start to end inclusive (empty if start is after end)."""
    months, month = [], start
    while month <= end:
        months.append(month)
        month = shift_months(month, 1)
    return months


def month_label(month: str) -> str:
    """'2025-04' -> 'Apr 2025'."""
    year, number = _year_month(month)
    return f"{_MONTH_NAMES[number - 1]} {year}"


def month_long(month: str) -> str:
    """'2019-02' -> 'February 2019', for a headline read from the back of a room."""
    year, number = _year_month(month)
    return f"{_FULL_MONTH_NAMES[number - 1]} {year}"


def month_span(start: str, end: str) -> str:
    """Plain words for a run of months: 'Apr to Sep 2025', 'Oct 2025 to Sep 2026', 'Apr 2025'."""
    if start == end:
        return month_label(start)
    if start[:4] == end[:4]:
        return f"{_MONTH_NAMES[_year_month(start)[1] - 1]} to {month_label(end)}"
    return f"{month_label(start)} to {month_label(end)}"


def financial_year_of(month: str) -> str:
    """The financial year (April to March) a month falls in: '2025-03' -> '2024/25'."""
    year, number = _year_month(month)
    return _financial_year_starting(year if number >= 4 else year - 1)


def _financial_year_starting(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def months_of_financial_year(financial_year: str) -> list[str]:
    """The twelve months of a financial year: '2024/25' -> ['2024-04', ..., '2025-03']."""
    match = _FINANCIAL_YEAR.match(financial_year)
    if not match or int(match[2]) != (int(match[1]) + 1) % 100:
        raise ValueError(f"not a financial year like '2024/25': {financial_year!r}")
    return months_between(f"{match[1]}-04", f"{int(match[1]) + 1}-03")


def latest_12_months(first_held: str, last_held: str) -> Period:
    """The 12 months ending with the latest month held (fewer if the store holds fewer).

    With fewer held the label says how many, in words that read on their own: 'The 5 months held', whose title is
    'The 5 months held (Oct 2018 to Feb 2019)'.
    """
    start = max(shift_months(last_held, -11), first_held)
    held = len(months_between(start, last_held))
    label = "Latest 12 months" if held == 12 else ("The one month held" if held == 1 else f"The {held} months held")
    return Period(LATEST_12, label, start, last_held)


def financial_year_period(financial_year: str, first_held: str, last_held: str) -> Period | None:
    """A financial year clipped to the months held, labelled 'year to date' or 'part year' when clipped."""
    months = months_of_financial_year(financial_year)
    start, end = max(months[0], first_held), min(months[-1], last_held)
    if start > end:
        return None
    if start == months[0] and end == months[-1]:
        label = financial_year
    elif start == months[0]:
        label = f"{financial_year} year to date"
    else:
        label = f"{financial_year} (part year held)"
    return Period(financial_year, label, start, end)


def custom_period(start: str, end: str) -> Period:
    """A custom run of months; its key is 'YYYY-MM..YYYY-MM'."""
    if start > end:
        start, end = end, start
    return Period(f"{start}..{end}", "Custom months", start, end)


def period_presets(first_held: str, last_held: str) -> list[Period]:
    """The periods offered in the picker: latest 12 months, then each financial year held, newest first."""
    newest, oldest = (int(financial_year_of(m)[:4]) for m in (last_held, first_held))
    years = [_financial_year_starting(y) for y in range(newest, oldest - 1, -1)]
    periods = [financial_year_period(y, first_held, last_held) for y in years]
    return [latest_12_months(first_held, last_held)] + [p for p in periods if p is not None]


def is_whole_period(start: str, end: str, first_held: str, last_held: str) -> bool:
    """Whether ``start``..``end`` is one of the periods the picker offers (the latest 12 months or a financial
    year), not a run of months chosen by hand. The public view maps only these (see ``lib.core.disclosure``)."""
    return any((p.start, p.end) == (start, end) for p in period_presets(first_held, last_held))


def parse_period(key: str | None, first_held: str, last_held: str) -> Period | None:
    """The period a URL key names (a preset key or 'YYYY-MM..YYYY-MM'), or None if it names nothing held."""
    if not key:
        return None
    for preset in period_presets(first_held, last_held):
        if preset.key == key:
            return preset
    match = _CUSTOM.match(key)
    if not match or not (is_month(match[1]) and is_month(match[2])):
        return None
    start, end = sorted((match[1], match[2]))
    start, end = max(start, first_held), min(end, last_held)
    return custom_period(start, end) if start <= end else None


def previous_comparable(period: Period) -> Period:
    """The same months a year earlier, the comparison the partnership's reports use."""
    start, end = shift_months(period.start, -12), shift_months(period.end, -12)
    return Period(f"{start}..{end}", "Same months a year earlier", start, end)
