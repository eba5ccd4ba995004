"""Every indicator the dashboard can chart: police.uk categories, the groups built from them, partner indicators.

An indicator's key is the slug of its name ('Anti-social behaviour' -> 'anti-social-behaviour'), the same key
targets use. police.uk indicators are monthly counts; partner indicators are whatever the partner sent:
monthly or yearly counts, rates with a numerator and denominator, or proportions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlite_utils

# The police.uk categories the headline measures are built from.
ASB = "Anti-social behaviour"
VIOLENCE = "Violence and sexual offences"
PUBLIC_ORDER = "Public order"
PPV_NOTE = (
    "Public place violence is an approximation: violence and sexual offences plus public order. police.uk "
    "has no 'public place' flag, so it includes violence in homes."
)
POLICE_SOURCE = "police.uk street-level crime and anti-social behaviour data (Home Office)"
PUBLIC_PLACE_VIOLENCE = "public-place-violence"
ALL_CRIME = "all-crime"
# What police activity finds rather than what victims report: a rise is not plainly worse.
FOUND_BY_POLICING = ("Drugs", "Possession of weapons")
# The priorities a partnership reports on first, in the order the overview shows them.
HEADLINE_KEYS = (
    "anti-social-behaviour",
    PUBLIC_PLACE_VIOLENCE,
    "domestic-abuse-incidents",
    "burglary",
    "shoplifting",
    "drugs",
    "ksi-casualties",
    "criminal-damage-and-arson",
    "vehicle-crime",
    ALL_CRIME,
)
# Column headings for the overview grid, where ten full names would not fit a projector's width.
SHORT_NAMES = {
    "anti-social-behaviour": "ASB",
    PUBLIC_PLACE_VIOLENCE: "Public place violence*",
    "domestic-abuse-incidents": "Domestic abuse",
    "ksi-casualties": "Killed or seriously injured",
    "criminal-damage-and-arson": "Criminal damage",
    "violence-and-sexual-offences": "Violence",
    ALL_CRIME: "All crime",
}
_PER = re.compile(r"per[\s_]*([\d,]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Indicator:
    """Something counted or measured per area and period, with which way is good and where it comes from."""

    key: str
    name: str
    kind: str  # "police" or "partner"
    polarity: str = "lower_is_better"
    unit: str = "count"
    source: str = POLICE_SOURCE
    definition: str = ""
    categories: tuple[str, ...] = ()  # police.uk categories added up (police indicators only)
    frequency: str = "monthly"  # or "annual" (financial years)
    restricted: bool = False

    @property
    def measure(self) -> str:
        """'count', 'rate' (numerator per ``per`` of a denominator) or 'proportion'."""
        unit = self.unit.lower()
        if unit in ("percent", "percentage", "%", "proportion"):
            return "proportion"
        return "rate" if _PER.search(unit) else "count"

    @property
    def per(self) -> float:
        """For a rate: the 'per 100,000' figure of its unit; 1 otherwise."""
        found = _PER.search(self.unit)
        return float(found.group(1).replace(",", "")) if found else 1.0

    @property
    def short_name(self) -> str:
        """A short heading for narrow places (the overview grid)."""
        return SHORT_NAMES.get(self.key, self.name)

    @property
    def is_police(self) -> bool:
        """Whether the indicator is counted from police.uk rows (so it has LSOA detail and hotspots)."""
        return self.kind == "police"

    @property
    def note(self) -> str:
        """A caveat that must travel with the indicator wherever it is shown."""
        return PPV_NOTE if self.key == PUBLIC_PLACE_VIOLENCE else ""


def slug(text: str) -> str:
    """Turn a name into an indicator key: 'Anti-social behaviour' -> 'anti-social-behaviour'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def police_indicators(categories: list[str]) -> list[Indicator]:
    """One indicator per police.uk category held, plus public place violence and all crime."""
    singles = [
        Indicator(
            slug(c), c, "police",
            polarity="neutral" if c in FOUND_BY_POLICING else "lower_is_better",
            definition=_category_definition(c), categories=(c,),
        )
        for c in categories
    ]
    groups = []
    if VIOLENCE in categories or PUBLIC_ORDER in categories:
        groups.append(Indicator(
            PUBLIC_PLACE_VIOLENCE, "Public place violence (approx.)", "police", definition=PPV_NOTE,
            categories=tuple(c for c in (VIOLENCE, PUBLIC_ORDER) if c in categories),
        ))
    crimes = tuple(c for c in categories if c != ASB)
    if crimes:
        groups.append(Indicator(
            ALL_CRIME, "All crime (not ASB)", "police", categories=crimes,
            definition="Every police.uk crime category; anti-social behaviour is counted separately.",
        ))
    return singles + groups


def _category_definition(category: str) -> str:
    if category == ASB:
        return "Anti-social behaviour incidents reported to the police (not crimes)."
    if category in FOUND_BY_POLICING:
        return (f"police.uk category '{category}'. Mostly found by police activity, so a rise can mean more "
                "proactive policing: no direction is judged better.")
    return f"police.uk category '{category}'."


def partner_indicators(db: sqlite_utils.Database) -> list[Indicator]:
    """The partner indicators the store holds values for, from the indicators table."""
    rows = db.execute(
        "SELECT i.key, i.name, i.polarity, i.unit, i.source, i.definition, i.restricted, "
        "MAX(o.period LIKE '____-__') FROM indicators i JOIN observations o ON o.indicator_key = i.key "
        "GROUP BY i.key ORDER BY i.name"
    ).fetchall()
    return [
        Indicator(
            key, name, "partner", polarity=polarity, unit=unit or "count", source=source or "partner data",
            definition=definition or "", frequency="monthly" if monthly else "annual", restricted=bool(restricted),
        )
        for key, name, polarity, unit, source, definition, restricted, monthly in rows
    ]


def indicator_catalogue(db: sqlite_utils.Database) -> list[Indicator]:
    """Every indicator the store can chart: headline priorities first, then the rest by name."""
    categories = [r[0] for r in db.execute("SELECT DISTINCT category FROM csp_monthly_counts ORDER BY category")]
    everything = police_indicators(categories) + partner_indicators(db)
    rank = {key: number for number, key in enumerate(HEADLINE_KEYS)}
    return sorted(everything, key=lambda i: (rank.get(i.key, len(rank)), i.name))


def find_indicator(catalogue: list[Indicator], key: str) -> Indicator | None:
    """The indicator with this key, if the catalogue has it."""
    return next((i for i in catalogue if i.key == key), None)


def headline_indicators(catalogue: list[Indicator]) -> list[Indicator]:
    """The catalogue's headline priorities, in the overview's order."""
    return [i for i in catalogue if i.key in HEADLINE_KEYS]
