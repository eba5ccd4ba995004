"""Evidence for the priority matrix: the candidate issues, and what the data say about each of them.

Beside each issue the Priority matrix page shows how many incidents the area had in the period, the rate per
1,000 residents, the recent trend, the change on the same months a year earlier (tested for chance), the
harm-weighted volume and how concentrated the incidents are. From that evidence ``lib.priorities.suggestions``
suggests the three scores the data can speak to; every other score starts from the issue's profile, an honest
first judgement for the partnership's workshop to change. ``lib.priorities.evidence_table`` puts the evidence
in a table and in the panel's figures.

The figures come from the existing series, trend and harm code and the area's ``lib.store.scope.AreaScope``
(resolved once for all the issues); nothing here re-derives them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd
import sqlite_utils

from lib.core.areas import Area
from lib.core.catalogue import (
    FOUND_BY_POLICING,
    PUBLIC_ORDER,
    VIOLENCE,
    Indicator,
    find_indicator,
    indicator_catalogue,
    slug,
)
from lib.core.disclosure import SHOWN, protect_counts
from lib.core.periods import Period, financial_year_of, month_label, months_of_financial_year, shift_months
from lib.core.sql import placeholders
from lib.priorities.scoring import HARM_IMPACTS, Assessment, ranked
from lib.stats.harm import default_harm_weights, harm_weighted_counts
from lib.stats.statistics import SIMILAR, CountComparison, compare_counts
from lib.stats.trends import PER_RESIDENTS, WindowComparison, monthly_trend, window_comparison
from lib.store.access import hidden_indicator_keys, is_public
from lib.store.scope import LSOA_COUNTS, AreaScope, as_scope
from lib.store.series import annual_series, monthly_series, population_year, residents

SMALL_NUMBERS = 20  # fewer incidents than this in the period: limited confidence
TOP_PERCENT = 5  # concentration: the busiest 5% of the area's LSOAs

NO_DATA = "No data held"
FIGURES_RESTRICTED = "Figures restricted"
RESTRICTED_SOURCE = "a restricted partner indicator (partners only)"
RESTRICTED_WHY = ("Its figures come from a restricted partner indicator, shown only to partners who have signed in, "
                  "with public mode off.")
NOT_ENOUGH_DATA = "Not enough data"
YEARLY_TREND = "Yearly figures: no monthly trend"
NO_YEAR_EARLIER = "No figure for a year earlier"
NOT_COMPARED = "Not compared: some months of the period are not held"
REPORTING_NOTE = ("Police recorded figures reflect how often people report and how police record, as well as "
                  "how often things happen.")


@dataclass(frozen=True)
class CandidateIssue:
    """An issue the partnership may choose as a priority, where its data live and first judgements of it.

    ``indicator_key`` is the catalogue key of the figures that measure it, or None when the store can hold no
    data for it (hate crime and exploitation have no police.uk flag); ``categories`` are the police.uk
    categories it covers, for harm weights and concentration (empty for partner-only issues). ``profile``
    holds the judgements data cannot make, as starting points for the workshop; ``note`` says why.
    """

    key: str
    name: str
    indicator_key: str | None
    categories: tuple[str, ...]
    profile: dict = field(hash=False)
    note: str = ""


def _issue(
    name: str, indicator_key: str | None, categories: tuple[str, ...], harm: tuple[int, int, int, int, int],
    scope: int, vulnerability: int, position: tuple[int, int], led_elsewhere: bool, note: str,
) -> CandidateIssue:
    """One candidate, its harms given in HARM_IMPACTS order and its position as (capacity, capability)."""
    profile = dict(zip(HARM_IMPACTS, harm, strict=True))
    profile.update(scope=scope, vulnerability=vulnerability, capacity=position[0], capability=position[1],
                   led_elsewhere=led_elsewhere)
    return CandidateIssue(slug(name), name, indicator_key, categories, profile, note)


def _police(
    category: str, harm: tuple[int, int, int, int, int], scope: int, vulnerability: int,
    position: tuple[int, int], led_elsewhere: bool, note: str,
) -> CandidateIssue:
    """A police.uk category as a candidate, keyed as the catalogue keys it."""
    return _issue(category, slug(category), (category,), harm, scope, vulnerability, position, led_elsewhere, note)


# Harms in the order physical, psychological, financial, community, environmental (0 none to 4 critical).
# These are starting judgements for a workshop, not findings: each partnership should change them.
CANDIDATE_ISSUES: tuple[CandidateIssue, ...] = (
    _police("Anti-social behaviour", (1, 3, 1, 3, 2), 2, 2, (3, 3), False,
            "Harm is mostly to wellbeing and neighbourhoods; councils and the CSP lead (case reviews, PSPOs)."),
    _police("Bicycle theft", (0, 1, 2, 1, 0), 1, 1, (2, 2), False,
            "Mostly financial loss to one person; prevention is local (secure parking, marking)."),
    _police("Burglary", (1, 3, 3, 2, 0), 1, 2, (2, 3), False,
            "Lasting fear and loss to a household; police investigate, the partnership target-hardens."),
    _police("Criminal damage and arson", (1, 2, 2, 2, 2), 2, 2, (3, 3), False,
            "Damage to homes, cars and public space; councils and housing can design it out."),
    _police("Drugs", (2, 2, 1, 3, 2), 3, 3, (2, 2), True,
            "Recorded drug offences mostly measure police activity; enforcement against supply is police-led."),
    _police("Other crime", (1, 2, 2, 1, 0), 1, 2, (1, 2), True,
            "A mix of offences (threats, perverting justice, dangerous driving); police-led, little to target."),
    _police("Other theft", (0, 1, 2, 1, 0), 1, 1, (2, 2), False,
            "Mostly low-value loss to one person or business."),
    _police("Possession of weapons", (3, 2, 0, 3, 0), 2, 3, (2, 2), True,
            "Carrying weapons risks serious injury; found mostly by police searches, so police-led."),
    _police("Public order", (1, 2, 0, 2, 0), 2, 2, (3, 3), False,
            "Fear, alarm or distress in public; much of it in the night-time economy the CSP manages."),
    _police("Robbery", (3, 3, 2, 2, 0), 1, 3, (2, 2), True,
            "Violence with theft, often against young people; police-led investigation."),
    _police("Shoplifting", (0, 1, 2, 2, 0), 2, 1, (2, 2), False,
            "Loss to businesses and staff abuse; business crime partnerships and the CSP can act."),
    _police("Theft from the person", (1, 2, 2, 1, 0), 1, 3, (2, 2), False,
            "Pickpocketing and snatches, often of older or distracted people in busy places."),
    _police("Vehicle crime", (0, 1, 3, 1, 0), 1, 1, (2, 2), False,
            "Financial loss and insurance costs; prevention through car park design and advice."),
    _police("Violence and sexual offences", (4, 4, 2, 2, 0), 1, 3, (3, 3), False,
            "The most harmful category: includes domestic and sexual violence, at home and in public."),
    _issue("Public place violence", "public-place-violence", (VIOLENCE, PUBLIC_ORDER), (3, 3, 1, 3, 1), 2, 2,
           (3, 3), False, "Night-time economy violence the CSP manages with licensing and marshals. "
           "Its figures are an approximation (violence and public order in any place)."),
    _issue("Domestic abuse", "domestic-abuse-incidents", (), (4, 4, 3, 1, 0), 1, 4, (3, 3), False,
           "Severe, repeated harm to victims and children; the CSP holds domestic homicide reviews."),
    _issue("Drug misuse", None, (), (3, 3, 2, 2, 1), 3, 4, (2, 2), True,
           "Treatment is commissioned by public health and led by the Combating Drugs Partnership."),
    _issue("Road safety", "ksi-casualties", (), (4, 3, 2, 1, 0), 3, 2, (2, 2), True,
           "Deaths and serious injuries; the road safety partnership and highways authority lead."),
    _issue("Sexual exploitation", None, (), (4, 4, 1, 2, 0), 1, 4, (2, 2), True,
           "Grave harm to children and adults at risk; the safeguarding partnerships lead."),
    _issue("Criminal exploitation and county lines", None, (), (4, 4, 2, 3, 1), 4, 4, (2, 2), True,
           "Children exploited to move drugs across force borders; police and safeguarding partnerships lead."),
    _issue("Hate crime", None, (), (2, 4, 1, 4, 0), 2, 3, (3, 3), False,
           "Targets identity and divides communities; under-reported, and police.uk does not flag it."),
    _issue("Modern slavery", None, (), (4, 4, 3, 2, 0), 4, 4, (1, 2), True,
           "Grave but hidden harm; the regional anti-slavery network and police lead."),
    _issue("Serious violence", None, (), (4, 4, 2, 3, 0), 3, 3, (3, 3), True,
           "Homicide and knife crime; the Serious Violence Duty board or Violence Reduction Unit usually "
           "leads. Say no if the CSP is the duty's lead."),
    _issue("Reoffending", "proven-reoffending", (), (2, 2, 2, 2, 0), 3, 2, (2, 2), True,
           "A CSP duty, but Probation and the reducing reoffending board lead the work."),
    _issue("Accidental dwelling fires", "dwelling-fires", (), (4, 3, 3, 1, 2), 1, 4, (2, 2), True,
           "Deaths and injuries at home, mostly of older and disabled people; the fire service's prevention "
           "plan leads."),
    _issue("Youth offending", "first-time-entrants", (), (1, 2, 1, 2, 0), 2, 3, (2, 3), True,
           "Young people drawn into the justice system; the Youth Justice Service leads."),
)


def candidate_issues(catalogue: list[Indicator]) -> list[CandidateIssue]:
    """Every candidate issue, plus any police.uk category the catalogue holds that no candidate covers.

    Candidates are kept whether or not the store holds their data: their evidence then says "no data held",
    so a gap in the data shows rather than the issue silently dropping off the matrix.
    """
    covered = {c for issue in CANDIDATE_ISSUES for c in issue.categories}
    extra = [
        replace(_police(i.name, (1, 1, 1, 1, 0), 1, 2, (2, 2), False,
                        "A police.uk category new to this dashboard: every judgement starts low and needs setting."),
                key=i.key, indicator_key=i.key)
        for i in catalogue
        if i.is_police and i.categories == (i.name,) and i.name not in covered
    ]
    return list(CANDIDATE_ISSUES) + extra


@dataclass(frozen=True)
class Evidence:
    """What the data say about one issue in one area and period, in numbers and words.

    ``volume`` is the number of incidents or events (police count, partner count summed over the period, or the
    count behind a yearly partner rate); ``value`` and ``unit`` carry a partner's rate or percentage as sent.
    ``change_direction`` is Higher, Lower or Similar from the test against a year earlier (None if untested).
    """

    issue: str
    indicator_key: str | None
    volume: float | None
    rate_per_1000: float | None
    trend: str
    change_percent: float | None
    change_words: str
    harm_weighted: float | None
    concentration: float | None
    months_held: int
    source: str
    period: str
    notes: tuple[str, ...] = ()
    change_direction: str | None = None
    value: float | None = None
    unit: str = ""
    months_wanted: int = 0
    restricted: bool = False  # the figures exist but this viewer may not see them

    @property
    def has_data(self) -> bool:
        """Whether the store held any figure for the issue in the period."""
        return self.months_held > 0

    @property
    def months_missing(self) -> bool:
        """Whether some months of the period are not held."""
        return self.months_held < self.months_wanted


def no_data_evidence(issue: CandidateIssue, period: Period, why: str) -> Evidence:
    """Evidence for an issue the store holds nothing on, so the page says so instead of showing zeros."""
    return Evidence(
        issue=issue.name, indicator_key=issue.indicator_key, volume=None, rate_per_1000=None, trend=NO_DATA,
        change_percent=None, change_words=NO_DATA, harm_weighted=None, concentration=None, months_held=0,
        source=NO_DATA, period=period.span, notes=(why,), months_wanted=len(period.months),
    )


def restricted_evidence(issue: CandidateIssue, period: Period) -> Evidence:
    """Evidence for an issue whose figures this viewer may not see: it says so, and holds no figure at all."""
    return Evidence(
        issue=issue.name, indicator_key=issue.indicator_key, volume=None, rate_per_1000=None,
        trend=FIGURES_RESTRICTED, change_percent=None, change_words=FIGURES_RESTRICTED, harm_weighted=None,
        concentration=None, months_held=0, source=RESTRICTED_SOURCE, period=period.span, notes=(RESTRICTED_WHY,),
        months_wanted=len(period.months), restricted=True,
    )


def issue_evidence(
    db: sqlite_utils.Database, issue: CandidateIssue, area: Area | AreaScope, period: Period,
    catalogue: list[Indicator] | None = None, lsoa_count: int | None = None,
) -> Evidence:
    """The evidence for one issue. The area's scope, ``catalogue`` and ``lsoa_count`` can be passed in to save
    repeating them."""
    if issue.indicator_key is None:
        return no_data_evidence(issue, period, "No dashboard indicator measures this issue: score it from "
                                               "partners' knowledge and data, and say so in the rationale.")
    catalogue = indicator_catalogue(db) if catalogue is None else catalogue
    indicator = find_indicator(catalogue, issue.indicator_key)
    if indicator is None and issue.indicator_key in hidden_indicator_keys(db):
        return restricted_evidence(issue, period)
    if indicator is None:
        return no_data_evidence(issue, period, f"The store holds no '{issue.indicator_key}' figures: load "
                                               "them on the Data page, or score from partners' knowledge.")
    scope = as_scope(db, area)
    if indicator.is_police:
        return _police_evidence(db, issue, indicator, scope, period, lsoa_count)
    if indicator.frequency == "monthly" and indicator.measure == "count":
        return _monthly_partner_evidence(db, issue, indicator, scope.area, period)
    return _latest_value_evidence(db, issue, indicator, scope.area, period)


def _police_evidence(
    db: sqlite_utils.Database, issue: CandidateIssue, indicator: Indicator, scope: AreaScope, period: Period,
    lsoa_count: int | None,
) -> Evidence:
    area = scope.area
    monthly = monthly_series(db, indicator, area, end=period.end)
    counts = _monthly_evidence(db, issue, indicator, area, period, monthly, with_residents=True)
    if counts is None:
        return no_data_evidence(issue, period, f"The store holds no police.uk months in {period.span}.")
    categories = list(issue.categories or indicator.categories)
    if lsoa_count is None:
        lsoa_count = len(scope.lsoas)
    notes = [n for n in (indicator.note, _found_by_policing_note(categories), _unweighted_note(categories),
                         REPORTING_NOTE) if n]
    return replace(
        counts,
        harm_weighted=harm_weighted_volume(db, scope, categories, period),
        concentration=concentration(db, scope, categories, period, lsoa_count),
        notes=tuple(notes) + counts.notes,
    )


def _monthly_partner_evidence(
    db: sqlite_utils.Database, issue: CandidateIssue, indicator: Indicator, area: Area, period: Period
) -> Evidence:
    monthly = monthly_series(db, indicator, area, end=period.end)
    counts = _monthly_evidence(db, issue, indicator, area, period, monthly, with_residents=False)
    if counts is None:
        return no_data_evidence(issue, period, f"The store holds no '{indicator.name}' figures for "
                                               f"{area.name} in {period.span}.")
    return replace(counts, notes=_polarity_notes(indicator) + counts.notes)


def _monthly_evidence(
    db: sqlite_utils.Database, issue: CandidateIssue, indicator: Indicator, area: Area, period: Period,
    monthly: pd.DataFrame, with_residents: bool,
) -> Evidence | None:
    """Count, rate, trend and change on last year from a monthly count series (None when no month is held)."""
    held = monthly[monthly["month"].between(period.start, period.end)]
    if held.empty:
        return None
    volume = float(held["count"].sum())
    earlier = [shift_months(m, -12) for m in period.months]
    window = window_comparison(monthly, period.label, period.months, earlier, indicator.polarity)
    latest_people = residents(db, area, population_year(monthly["month"].iloc[-1])) if with_residents else None
    trend = monthly_trend(monthly, indicator.polarity, latest_people)
    wanted = len(period.months)
    return Evidence(
        issue=issue.name, indicator_key=indicator.key, volume=volume,
        rate_per_1000=_rate_per_1000(db, area, volume, period.end), trend=_trend_words(trend.direction),
        change_percent=window.change_percent if window.comparison else None,
        change_words=_change_words(window, len(held) < wanted),
        harm_weighted=None, concentration=None, months_held=len(held), source=indicator.source,
        period=period.span, notes=_count_notes(volume, len(held), wanted),
        change_direction=window.comparison.direction if window.comparison else None, months_wanted=wanted,
    )


def _latest_value_evidence(
    db: sqlite_utils.Database, issue: CandidateIssue, indicator: Indicator, area: Area, period: Period
) -> Evidence:
    """A yearly partner figure: the latest year ending by the period's end, against the year before it."""
    if indicator.frequency == "monthly":
        return no_data_evidence(issue, period, f"'{indicator.name}' is a monthly {indicator.unit}: the "
                                               "evidence panel reads only monthly counts and yearly figures.")
    years = annual_series(db, indicator, area, end=period.end)
    if years.empty:
        return no_data_evidence(issue, period, f"The store holds no '{indicator.name}' figures for "
                                               f"{area.name} for a year ending by {month_label(period.end)}.")
    latest = years.iloc[-1]
    year_before = financial_year_of(shift_months(months_of_financial_year(latest["year"])[0], -12))
    before = years[years["year"] == year_before]
    previous = before.iloc[0] if not before.empty else None
    is_count = indicator.measure == "count"
    events = _events(latest, is_count)
    comparison = _yearly_comparison(latest, previous, is_count, indicator.polarity)
    basis = "count" if is_count else "value"
    change = None
    if comparison is not None and previous is not None and previous[basis]:
        change = 100.0 * float(latest[basis] - previous[basis]) / float(previous[basis])
    rate = _rate_per_1000(db, area, events, months_of_financial_year(latest["year"])[-1]) if is_count else None
    notes = [f"Yearly figure: the latest financial year ending by {month_label(period.end)}."]
    if events is None:
        notes.append("Sent without the count behind it, so small numbers cannot be judged.")
    return Evidence(
        issue=issue.name, indicator_key=indicator.key, volume=events,
        rate_per_1000=rate,
        trend=YEARLY_TREND, change_percent=change,
        change_words=_yearly_change_words(comparison, previous is None),
        harm_weighted=None, concentration=None, months_held=12, source=indicator.source,
        period=f"{latest['year']} (financial year)",
        notes=_polarity_notes(indicator) + tuple(notes) + _count_notes(events, 12, 12),
        change_direction=comparison.direction if comparison else None,
        value=None if is_count else float(latest["value"]), unit="" if is_count else indicator.unit,
        months_wanted=12,
    )


def _events(row: pd.Series, is_count: bool) -> float | None:
    """The count behind a yearly figure: the count itself, or a rate's numerator when it was sent."""
    if is_count:
        return float(row["count"])
    return float(row["count"]) if pd.notna(row["denominator"]) else None


def _yearly_comparison(
    latest: pd.Series, previous: pd.Series | None, is_count: bool, polarity: str
) -> CountComparison | None:
    """The exact test of this year's count (or rate, with its denominators) against last year's."""
    if previous is None:
        return None
    if is_count:
        return compare_counts(int(round(latest["count"])), int(round(previous["count"])), polarity)
    parts = (latest["count"], latest["denominator"], previous["count"], previous["denominator"])
    if any(pd.isna(p) for p in parts) or latest["denominator"] <= 0 or previous["denominator"] <= 0:
        return None
    return compare_counts(int(round(latest["count"])), int(round(previous["count"])), polarity,
                          current_exposure=float(latest["denominator"]),
                          previous_exposure=float(previous["denominator"]))


def harm_weighted_volume(
    db: sqlite_utils.Database, area: Area | AreaScope, categories: list[str], period: Period
) -> float:
    """Incidents of the categories in the period, each weighted by its ONS Crime Severity Score default (days)."""
    counts = _grouped_counts(db, as_scope(db, area), categories, period, "category")
    if counts.empty:
        return 0.0
    return float(harm_weighted_counts(counts, default_harm_weights())["harm"].sum())


def concentration(
    db: sqlite_utils.Database, area: Area | AreaScope, categories: list[str], period: Period, lsoa_count: int
) -> float | None:
    """% of the period's incidents in the busiest 5% of the area's LSOAs (at least one; empty LSOAs count).

    None when the area has no LSOAs known or had no incidents, where a share means nothing. In the public view
    (``lib.store.access``) the share is of the LSOAs' protected counts (``lib.core.disclosure``), and None where one of
    the busiest is not shown: the share times the volume would otherwise give its count away.
    """
    if lsoa_count <= 0:
        return None
    counts = _grouped_counts(db, as_scope(db, area), categories, period, "lsoa_code")
    total = float(counts["count"].sum()) if not counts.empty else 0.0
    if total <= 0:
        return None
    busiest = counts["count"].nlargest(busiest_lsoas(lsoa_count))
    if is_public(db):
        protected = protect_counts(counts["count"], int(total))
        top = busiest.index.to_numpy()  # positions: the frame has a plain range index
        if (protected.status[top] != SHOWN).any():
            return None
        return 100.0 * float(protected.values[top].sum()) / total
    return 100.0 * float(busiest.sum()) / total


def evidence_for(held: Assessment, evidence: dict[str, Evidence]) -> Evidence | None:
    """The evidence of an assessed issue: by its name, else by the indicator it names."""
    if held.issue in evidence:
        return evidence[held.issue]
    return next((e for e in evidence.values() if held.indicator_key and e.indicator_key == held.indicator_key),
                None)


def ranked_with_volume(held: list[Assessment], evidence: dict[str, Evidence]) -> pd.DataFrame:
    """The ranking (``priority_scoring.ranked``) with each issue's volume from its evidence, for the bubble sizes,
    and ``restricted`` where its figures are hidden from this viewer (no volume then: "figures restricted")."""
    frame = ranked(held)
    by_issue = {a.issue: a for a in held}  # ranked() refuses an issue scored twice
    found = [evidence_for(by_issue[issue], evidence) for issue in frame["issue"]]
    frame["volume"] = [e.volume if e is not None else None for e in found]
    frame["restricted"] = [bool(e is not None and e.restricted) for e in found]
    return frame


def busiest_lsoas(lsoa_count: int) -> int:
    """How many LSOAs make the busiest 5%: 5% of them rounded up, and at least one (61 LSOAs -> 4, 60 -> 3)."""
    return max(1, (lsoa_count * TOP_PERCENT + 99) // 100)


def _grouped_counts(
    db: sqlite_utils.Database, scope: AreaScope, categories: list[str], period: Period, by: str
) -> pd.DataFrame:
    """Incidents of some categories in the period, per category (from the CSP totals where the area is made of
    CSPs) or per LSOA (from ``monthly_counts``)."""
    marks = placeholders(categories)
    table = scope.table if by == "category" else LSOA_COUNTS
    rows = db.execute(
        f"SELECT {by}, SUM(count) FROM {table} WHERE {scope.where} AND category IN ({marks}) "
        f"AND month BETWEEN ? AND ? GROUP BY {by}",
        [*scope.params, *categories, period.start, period.end],
    ).fetchall()
    return pd.DataFrame(rows, columns=["category" if by == "category" else by, "count"])


def _rate_per_1000(db: sqlite_utils.Database, area: Area, count: float | None, month: str) -> float | None:
    if count is None:
        return None
    people = residents(db, area, population_year(month))
    return None if people is None else count / people.population * PER_RESIDENTS


def _trend_words(direction: str) -> str:
    """The trend marker's direction; 'Could not be calculated' only happens with fewer than five months."""
    return NOT_ENOUGH_DATA if direction == "Could not be calculated" else direction


def _p_words(p_value: float) -> str:
    return f"p = {p_value:.3f}" if p_value >= 0.001 else "p < 0.001"


def _change_words(window: WindowComparison, months_missing: bool) -> str:
    if window.comparison is None:
        return NOT_COMPARED if months_missing else NO_YEAR_EARLIER
    return _verdict(window.comparison.direction, window.comparison.p_value)


def _yearly_change_words(comparison: CountComparison | None, no_previous: bool) -> str:
    if comparison is None:
        return NO_YEAR_EARLIER if no_previous else "Not compared: the figures were sent without their counts"
    return _verdict(comparison.direction, comparison.p_value)


def _verdict(direction: str, p_value: float) -> str:
    """'Higher than last year (beyond chance, p = 0.003)' or 'Similar to last year (within chance, p = 0.41)'."""
    if direction == SIMILAR:
        return f"Similar to last year (within chance, {_p_words(p_value)})"
    return f"{direction} than last year (beyond chance, {_p_words(p_value)})"


def _count_notes(volume: float | None, held: int, wanted: int) -> tuple[str, ...]:
    notes = []
    if volume is not None and volume < SMALL_NUMBERS:
        notes.append(f"Fewer than {SMALL_NUMBERS} in the period: small numbers swing by chance.")
    if held < wanted:
        notes.append(f"Only {held} of the period's {wanted} months are held.")
    if held < 12:
        notes.append(f"{held} months scaled up to a year for the frequency: a season can bias it.")
    return tuple(notes)


def _found_by_policing_note(categories: list[str]) -> str:
    found = [c for c in categories if c in FOUND_BY_POLICING]
    if not found:
        return ""
    return f"{', '.join(found)}: mostly found by police activity, so a rise can mean more proactive policing."


def _unweighted_note(categories: list[str]) -> str:
    weights = default_harm_weights().set_index("Category")["Weight"]
    unweighted = [c for c in categories if weights.get(c, 0.0) == 0]
    if not unweighted:
        return ""
    return (f"{', '.join(unweighted)} has no Crime Severity Score weight (0 by default), so adds nothing to the "
            "harm-weighted volume.")


def _polarity_notes(indicator: Indicator) -> tuple[str, ...]:
    if indicator.polarity == "higher_is_better":
        return (f"For '{indicator.name}' a rise counts as better (for example, more victims coming forward): "
                "more recorded does not simply mean more harm.",)
    return ()


def all_evidence(
    db: sqlite_utils.Database, issues: list[CandidateIssue], area: Area | AreaScope, period: Period
) -> list[Evidence]:
    """The evidence for each issue, in the order given (the area's scope, the catalogue and LSOA count read once)."""
    scope = as_scope(db, area)
    catalogue = indicator_catalogue(db)
    lsoa_count = len(scope.lsoas) if any(i.categories for i in issues) else 0
    return [issue_evidence(db, issue, scope, period, catalogue, lsoa_count) for issue in issues]


def evidence_by_issue(
    db: sqlite_utils.Database, issues: list[CandidateIssue], area: Area | AreaScope, period: Period
) -> dict[str, Evidence]:
    """``all_evidence`` by issue name, as the matrix, its ranking and the pack look it up."""
    return {issue.name: found for issue, found in zip(issues, all_evidence(db, issues, area, period), strict=True)}
