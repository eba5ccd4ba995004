"""The guided sequence for the annual partnership event: which screens, in what order, each with one message.

The strategy lead walks the room through the picture in a fixed order: where we are overall, then for each
priority its trend and where it happens, then the matrix that chooses next year's priorities, and last the
action plan. Each step carries one sentence that says what the screen shows, worked out from the figures, so
the slide and the spoken message agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from lib.core.periods import month_long
from lib.priorities.action_plan import RAGS, Action, is_overdue
from lib.priorities.assessments import DRAFT, AssessmentVersion
from lib.stats.trends import WindowComparison
from lib.store.summary import Headline, shown_count

OVERVIEW, TREND, HOTSPOTS, NO_FIGURES = "overview", "trend", "hotspots", "no_figures"
MATRIX, ACTIONS = "matrix", "actions"
NO_ASSESSMENT = "No threat, harm and risk assessment has been started yet."
RESTRICTED_NOTE = ("Its figures come from a restricted partner indicator, for partners only, so they are not shown "
                   "in public mode.")
NOT_HELD_NOTE = "The dashboard holds no figures for it: partners report on it at the event."
# The overview's message is about the two problems every CSP reports on.
OVERVIEW_GROUPS = ("asb", "ppv")
# With no agreed priorities yet, the event still opens on the two problems every CSP reports on.
FALLBACK_PRIORITIES = (("Anti-social behaviour", "anti-social-behaviour"),
                       ("Public place violence", "public-place-violence"))


@dataclass(frozen=True)
class Step:
    """One screen of the guided sequence."""

    kind: str
    title: str
    priority: str = ""
    indicator_key: str = ""


def presented_versions(versions: Sequence[AssessmentVersion]) -> tuple[AssessmentVersion | None,
                                                                       AssessmentVersion | None]:
    """(the agreed assessment whose priorities are being reported on, the one the matrix shows).

    Both are the last agreed one: the latest saved version. A working draft (next year's, still being scored) is
    never put in front of the room: with no saved version the matrix step says plainly that none is agreed yet.
    """
    saved = [v for v in versions if v.status != DRAFT]
    agreed = max(saved, key=lambda v: (v.year, v.saved_at or "", v.id), default=None)
    return agreed, agreed


def no_agreed_message(versions: Sequence[AssessmentVersion]) -> str:
    """What the matrix step says when no assessment is agreed: none started, or only a working draft."""
    drafts = sorted({v.year for v in versions if v.status == DRAFT})
    if not drafts:
        return NO_ASSESSMENT
    return (f"No threat, harm and risk assessment has been agreed yet. The {_listed(drafts)} assessment is a working "
            "draft, so its matrix is not shown until the partnership agrees it.")


def headline(what: str | Sequence[str], where: str, when: str) -> str:
    """What a screen shows, where and when, said above its picture: 'Anti-social behaviour in Eastbourne, rolling
    12 months to February 2019'. Several things are listed: 'Burglary and drugs in ...'; a period's title reads
    on in the sentence: 'Latest 12 months (...)' becomes 'latest 12 months (...)'."""
    names = [what] if isinstance(what, str) else list(what)
    things = _listed(names[:1] + [_in_sentence(n) for n in names[1:]]) if names else "Every indicator"
    return f"{things} in {where}, {_in_sentence(when) if when else when}"


def chosen_priorities(ranked: pd.DataFrame) -> list[tuple[str, str]]:
    """The chosen issues of a ranked assessment (``priority_scoring.ranked``), best first: (issue, indicator key)."""
    if ranked.empty:
        return []
    chosen = ranked[ranked["chosen"].astype(bool)]
    return [(issue, key or "") for issue, key in zip(chosen["issue"], chosen["indicator_key"], strict=True)]


def event_sequence(priorities: Sequence[tuple[str, str]], charted: Iterable[str], mapped: Iterable[str]) -> list[Step]:
    """The screens in order: overview; each priority's trend (if charted) and hotspot map (if mapped), or one screen
    saying it has no figures to show; the matrix; the action plan.

    ``priorities`` are (issue, indicator key); with none, ASB and public place violence.
    """
    charted, mapped = set(charted), set(mapped)
    priorities = list(priorities) or list(FALLBACK_PRIORITIES)
    steps = [Step(OVERVIEW, "Where we are")]
    for number, (issue, key) in enumerate(priorities, start=1):
        label = f"Priority {number} of {len(priorities)}: {issue}"
        if key in charted:
            steps.append(Step(TREND, f"{label}. How it is going", issue, key))
        if key in mapped:
            steps.append(Step(HOTSPOTS, f"{label}. Where it happens", issue, key))
        if key not in charted and key not in mapped:
            steps.append(Step(NO_FIGURES, label, issue, key))
    steps.append(Step(MATRIX, "The priorities we agreed"))
    steps.append(Step(ACTIONS, "What we are doing about it"))
    return steps


def step_number(raw: object, steps: Sequence[Step]) -> int:
    """The 1-based step a link asks for, kept within the sequence (the first step for anything unreadable)."""
    try:
        number = int(str(raw))
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), len(steps))


def overview_message(area_name: str, headlines: Sequence[Headline], span: str = "") -> str:
    """One sentence on the headline counts against a year earlier, e.g. 'In Avonmere, Oct 2025 to Sep 2026,
    anti-social behaviour fell by 8% on a year earlier; public place violence rose by 3%.' (``span``: when)."""
    parts = [_headline_change(h) for h in headlines if h.group.key in OVERVIEW_GROUPS]
    return f"In {area_name}, {span + ', ' if span else ''}" + "; ".join(parts) + "."


def _headline_change(headline: Headline) -> str:
    name = _in_sentence(headline.group.label)
    if headline.change_percent is None:
        return f"{name}: {shown_count(headline.count)} (no figure for a year earlier)"
    now = shown_count(headline.count)
    if round(headline.change_percent) == 0:
        return f"{name} was unchanged on a year earlier, at {now}"
    return f"{name} {_moved(headline.change_percent)} on a year earlier, to {now}"


def trend_message(indicator_name: str, area_name: str, window: WindowComparison) -> str:
    """One sentence on the latest 12 months against the 12 before, saying whether the change is beyond chance."""
    if window.comparison is None or window.change_percent is None:
        return (f"{indicator_name} in {area_name}: {window.count:,.0f} in the latest 12 months held; "
                "not enough months for a comparison with the year before.")
    chance = "beyond chance" if window.comparison.beyond_chance else "within the range chance would give"
    return (f"{indicator_name} in {area_name} {_moved(window.change_percent)} over the 12 months to "
            f"{month_long(window.months[1])} "
            f"({window.count:,.0f} against {window.earlier:,.0f}), {chance}.")


def hotspot_message(indicator_name: str, hot_spots: int, share_percent: float, total: int) -> str:
    """One sentence on concentration: how many hot spots, and what share of the incidents they hold."""
    if total == 0:
        return f"No {_in_sentence(indicator_name)} incidents were recorded in the period."
    if hot_spots == 0:
        return f"No significant hot spots of {_in_sentence(indicator_name)}: incidents are spread across the area."
    spots = "hot spot" if hot_spots == 1 else "hot spots"
    return (f"{share_percent:.0f}% of {_in_sentence(indicator_name)} incidents fell in {hot_spots:,} {spots} "
            f"({'a cluster' if hot_spots == 1 else 'clusters'} of high counts, unlikely to be chance).")


def matrix_message(year: str, ranked: pd.DataFrame) -> str:
    """One sentence on the matrix: how many issues were assessed and which are chosen."""
    if ranked.empty:
        return NO_ASSESSMENT
    chosen = [issue for issue, _ in chosen_priorities(ranked)]
    if not chosen:
        return f"{len(ranked)} issues assessed for {year}; none chosen as a priority yet."
    return f"{len(ranked)} issues assessed for {year}; {len(chosen)} chosen as priorities: {_listed(chosen)}."


def actions_message(actions: Sequence[Action], today: date) -> str:
    """One sentence on the action plan: how many actions, by RAG in words, and how many are overdue."""
    if not actions:
        return "No action plan is loaded yet."
    counts = {rag: sum(a.rag == rag for a in actions) for rag in RAGS}
    by_rag = ", ".join(f"{n} {rag}" for rag, n in counts.items() if n)
    overdue = sum(is_overdue(a, today) for a in actions)
    return f"{len(actions)} actions: {by_rag}; {overdue} overdue."


def about_area(where: str, message: str) -> str:
    """A step's message led by the area it is about, for a screen whose title does not say where: 'Eastbourne: no
    action plan is loaded yet.' (the room may have seen several areas' screens that day)."""
    return f"{where}: {_in_sentence(message)}"


def _in_sentence(name: str) -> str:
    """A name inside a sentence: 'Anti-social behaviour' -> 'anti-social behaviour', but 'ASB' stays 'ASB'."""
    return name if name[1:2].isupper() else name[:1].lower() + name[1:]


def _moved(percent: float) -> str:
    if round(percent) == 0:
        return "was unchanged"
    return f"{'rose' if percent > 0 else 'fell'} by {abs(percent):.0f}%"


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
