"""Scores to start the priority matrix from: frequency, trend and confidence suggested by the evidence.

Every other score starts from the issue's profile (``lib.priorities.evidence.CandidateIssue``), a first
judgement for the partnership's workshop to change. ``SUGGESTION_NOTE`` says on the page how the suggestions are
made; ``refreshed`` brings an earlier assessment up to date with new evidence, keeping every judgement.
``suggested_scores`` is the whole matrix suggested for an area with no assessment yet: shown to everyone as a
suggestion (``SUGGESTED_LABEL``), and an editor's first draft.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lib.priorities.evidence import SMALL_NUMBERS, CandidateIssue, Evidence
from lib.priorities.scoring import HARM_IMPACTS, Assessment
from lib.stats.statistics import HIGHER, LOWER

RISING_FAST_PERCENT = 20.0
# Incidents a year at which frequency steps up: about monthly, about weekly, daily.
FREQUENCY_STEPS = ((12, 1), (52, 2), (365, 3))
MIDDLE = 2  # frequency and trend where the evidence cannot say

# Said wherever suggested scores are drawn, so nobody takes them for the partnership's agreed assessment.
SUGGESTED_LABEL = "Suggested from the data, not agreed by the partnership"

PROFILE_FIELDS = (*HARM_IMPACTS, "scope", "vulnerability", "capacity", "capability", "led_elsewhere")

SUGGESTION_NOTE = f"""
**Where the suggested scores come from.** Three scores are suggested from the evidence; the rest start from
each issue's profile, a first judgement written for this dashboard for the workshop to change (harm, scope,
vulnerability, capacity, capability and whether another body leads). A suggestion is a starting point: change
any score the partnership knows better, and say why in the rationale.

- **Frequency** from the incidents a year in the area (the period's count scaled to 12 months): fewer than 12
  is 1 rare, fewer than 52 is 2 about monthly, fewer than 365 is 3 about weekly, 365 or more is 4 daily or
  more. For a yearly partner rate or percentage the count of people or events behind it is used, where sent.
- **Trend** from the period against the same months a year earlier, tested with the exact conditional test
  for two Poisson counts at 95% (as on the Trends page): lower beyond chance is 1 falling, a change within
  chance is 2 stable, higher beyond chance is 3 rising, and higher beyond chance by {RISING_FAST_PERCENT:g}% or
  more is 4 rising fast. The trend scores how often the issue is recorded, whichever way is better for the
  measure (more domestic abuse reporting is wanted, but it is still more abuse to respond to).
- **Confidence** 1 low where no data are held; 2 limited with fewer than {SMALL_NUMBERS} incidents, with
  months of the period missing, or for a partner rate sent without its count; otherwise 3 reasonable.
  4 high is never suggested: only people who know the data's gaps can give it.
- Where data are held but cannot give a frequency or a trend (no count, or no figure a year earlier), that
  score starts in the middle, at 2.

**Refreshing with new data** keeps every judgement of the earlier assessment (harm, scope, vulnerability,
capacity, capability, led by another body, chosen, rationale) and replaces only frequency, trend and
confidence, each only where the new evidence can speak to it: an issue with no data, or no figure a year
earlier, keeps its earlier score, and a confidence of 4 given by people stays while the data are complete.
"""


def suggested_frequency(evidence: Evidence) -> int:
    """Frequency from incidents a year (the period scaled to 12 months); 2 where there is no count."""
    if evidence.volume is None or not evidence.has_data:
        return MIDDLE
    per_year = evidence.volume * 12 / evidence.months_held
    return next((level for below, level in FREQUENCY_STEPS if per_year < below), 4)


def suggested_trend(evidence: Evidence) -> int:
    """Trend from the tested change on a year earlier; 2 where there is no such test."""
    if evidence.change_direction == LOWER:
        return 1
    if evidence.change_direction == HIGHER:
        rising_fast = evidence.change_percent is not None and round(evidence.change_percent, 9) >= RISING_FAST_PERCENT
        return 4 if rising_fast else 3
    return MIDDLE


def suggested_confidence(evidence: Evidence) -> int:
    """1 with no data; 2 with small numbers, missing months or no count; otherwise 3 (4 is for people to give)."""
    if not evidence.has_data:
        return 1
    if evidence.volume is None or evidence.volume < SMALL_NUMBERS or evidence.months_missing:
        return 2
    return 3


def suggested_assessment(issue: CandidateIssue, evidence: Evidence) -> Assessment:
    """A first assessment: frequency, trend and confidence from the evidence, the rest from the issue's profile."""
    profile = {name: issue.profile[name] for name in PROFILE_FIELDS}
    return Assessment(
        issue=issue.name, frequency=suggested_frequency(evidence), trend=suggested_trend(evidence),
        confidence=suggested_confidence(evidence), indicator_key=issue.indicator_key, **profile,
    )


def suggested_scores(candidates: list[CandidateIssue], evidence: dict[str, Evidence]) -> list[Assessment]:
    """Every candidate issue's suggested first assessment, from its evidence (``evidence`` by issue name, as
    ``lib.priorities.evidence.evidence_by_issue`` gives it for the same candidates). None of them is chosen:
    choosing is the partnership's."""
    return [suggested_assessment(issue, evidence[issue.name]) for issue in candidates]


def refreshed(previous: Assessment, evidence: Evidence) -> Assessment:
    """An earlier assessment with frequency, trend and confidence brought up to date where the evidence can speak.

    Every judgement (harm, scope, vulnerability, position, led elsewhere, chosen, rationale) is kept. With no
    data nothing changes; without a count frequency is kept, and without a year-earlier test the trend is kept.
    """
    if not evidence.has_data:
        return previous
    suggested = suggested_confidence(evidence)
    # A 4 is people's judgement of data they know well; complete data (a suggested 3) does not take it away.
    keep_high = previous.confidence == 4 and suggested == 3
    changes: dict[str, Any] = {"confidence": previous.confidence if keep_high else suggested}
    if evidence.volume is not None:
        changes["frequency"] = suggested_frequency(evidence)
    if evidence.change_direction is not None:
        changes["trend"] = suggested_trend(evidence)
    return replace(previous, **changes)
