"""Threat, harm and risk scoring in the spirit of MoRiLE: the scales, the formula, the matrix and the ranking.

MoRiLE ("Management of Risk in Law Enforcement") ranks issues auditably by the harm they do, how likely that
harm is, how sure we are of the evidence, and how well placed the organisation is to act. The national model's
own tables are not published openly, so this is a documented MoRiLE-style model: the same questions on small
worded scales, combined by the formula in ``FORMULA_NOTE``. Every score is 0 to 100 so the matrix reads the
same each year, and every step only adds: more harm, more likelihood or a better position never lowers a score.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, SupportsInt

import pandas as pd

HARM_IMPACTS = ("physical", "psychological", "financial", "community", "environmental")
IMPACT_LEVELS = {0: "None", 1: "Low", 2: "Moderate", 3: "Substantial", 4: "Critical"}
# Geographic scope: how far the harm of one occurrence reaches, from its victims to communities and beyond.
SCOPE_LEVELS = {1: "Individuals or households", 2: "A neighbourhood or community", 3: "A district or town",
                4: "County-wide or across borders"}
FREQUENCY_LEVELS = {1: "Rare (a few a year)", 2: "Occasional (about monthly)", 3: "Frequent (about weekly)",
                    4: "Very frequent (daily or more)"}
TREND_LEVELS = {1: "Falling", 2: "Stable", 3: "Rising", 4: "Rising fast"}
VULNERABILITY_LEVELS = {1: "Rarely vulnerable", 2: "Sometimes vulnerable", 3: "Often vulnerable",
                        4: "Mostly vulnerable"}
CONFIDENCE_LEVELS = {1: "Low", 2: "Limited", 3: "Reasonable", 4: "High"}
RESOURCE_LEVELS = {1: "None", 2: "Limited", 3: "Adequate", 4: "Strong"}

SCALES: dict[str, dict[int, str]] = {
    **{impact: IMPACT_LEVELS for impact in HARM_IMPACTS},
    "scope": SCOPE_LEVELS,
    "frequency": FREQUENCY_LEVELS,
    "trend": TREND_LEVELS,
    "vulnerability": VULNERABILITY_LEVELS,
    "confidence": CONFIDENCE_LEVELS,
    "capacity": RESOURCE_LEVELS,
    "capability": RESOURCE_LEVELS,
}
SCORE_FIELDS = (*SCALES, "led_elsewhere")
FIELD_LABELS = {
    "physical": "Physical harm", "psychological": "Psychological harm", "financial": "Financial harm",
    "community": "Community harm", "environmental": "Environmental harm", "scope": "Geographic scope",
    "frequency": "Frequency", "trend": "Trend", "vulnerability": "Victim vulnerability",
    "confidence": "Confidence", "capacity": "Capacity", "capability": "Capability",
    "led_elsewhere": "Led by another body", "chosen": "Chosen as a priority", "rationale": "Rationale",
    "indicator_key": "Indicator",
}

# Harm that reaches further weighs more, but gently: harm to one household is still most of the harm.
SCOPE_WEIGHT = {1: 0.7, 2: 0.8, 3: 0.9, 4: 1.0}
LED_ELSEWHERE_FACTOR = 0.5
RISK_THRESHOLD = 40.0
POSITION_THRESHOLD = 60.0
HARM_THRESHOLD = 50.0
LIKELIHOOD_THRESHOLD = 60.0

# What to do in each part of the matrix, by (high risk, well placed).
PARTNERSHIP_PRIORITY = "Partnership priority"
LED_BY_PARTNERS = "Led by partners: support and monitor"
LOCAL_ACTION = "Manage locally"
MONITOR = "Monitor"
QUADRANTS = {(True, True): PARTNERSHIP_PRIORITY, (True, False): LED_BY_PARTNERS,
             (False, True): LOCAL_ACTION, (False, False): MONITOR}
HARM_QUADRANTS = {(True, True): "Act: serious and likely", (True, False): "Prepare: serious but rarer",
                  (False, True): "Manage: frequent, less harmful", (False, False): "Monitor"}

FORMULA_NOTE = f"""
**Scales.** Each harm (physical, psychological, financial, community, environmental) is scored
0 None · 1 Low · 2 Moderate · 3 Substantial · 4 Critical. Geographic scope, how far the harm reaches, is
1 individuals or households · 2 a neighbourhood or community · 3 a district or town · 4 county-wide or across
borders. Frequency is 1 rare · 2 about monthly · 3 about weekly · 4 daily or more; trend 1 falling · 2 stable ·
3 rising · 4 rising fast; victim vulnerability 1 rarely · 2 sometimes · 3 often · 4 mostly vulnerable.
Confidence in the evidence, capacity and capability are 1 to 4 (low or none · limited · reasonable or
adequate · high or strong), and "led by another body" is yes or no.

**Formula** (every score runs from 0 to 100):
- Harm = 100 × (½ worst impact + ½ mean impact) ÷ 4 × scope weight
  ({', '.join(f'{SCOPE_LEVELS[k].lower()} {v}' for k, v in SCOPE_WEIGHT.items())}).
- Likelihood = 100 × (2 × frequency + trend + vulnerability) ÷ 16.
- Risk = harm × likelihood ÷ 100.
- Organisational position = 100 × (capacity + capability) ÷ 8, halved when another body already leads.
- Priority score = risk × position ÷ 100: high where the risk is high *and* the partnership is best placed.

**Matrix.** Risk of {RISK_THRESHOLD:g} or more is high; a position of {POSITION_THRESHOLD:g} or more is well placed.
High risk and well placed: *{PARTNERSHIP_PRIORITY}*. High risk, not well placed: *{LED_BY_PARTNERS}*.
Lower risk, well placed: *{LOCAL_ACTION}*. Otherwise: *{MONITOR}*. Confidence does not change the score; it
is shown by the marker, and breaks ties. The ranking is by priority score, then risk, then confidence;
equal scores share a rank.
"""


@dataclass(frozen=True)
class Assessment:
    """One issue's scores in one assessment."""

    issue: str
    physical: int
    psychological: int
    financial: int
    community: int
    environmental: int
    scope: int
    frequency: int
    trend: int
    vulnerability: int
    confidence: int
    capacity: int
    capability: int
    led_elsewhere: bool
    chosen: bool = False
    rationale: str | None = None
    indicator_key: str | None = None

    def impacts(self) -> tuple[int, ...]:
        return tuple(getattr(self, impact) for impact in HARM_IMPACTS)


@dataclass(frozen=True)
class Scores:
    """The scores the formula gives one assessment, 0 to 100 each, and where it falls in the matrix."""

    harm: float
    likelihood: float
    risk: float
    position: float
    priority: float
    quadrant: str


ASSESSMENT_FIELDS = tuple(f.name for f in fields(Assessment))


def check_assessment(values: dict, where: str = "") -> Assessment:
    """Build an Assessment from loose values (a form, a CSV row), or raise ValueError naming the wrong field."""
    issue = str(values.get("issue") or "").strip()
    if not issue:
        raise ValueError(f"{where}issue must name the issue")
    if len(issue) > 200:
        raise ValueError(f"{where}issue is longer than 200 characters")
    scores = {name: _level(values.get(name), name, scale, where) for name, scale in SCALES.items()}
    rationale = _text(values.get("rationale"))
    if rationale and len(rationale) > 2000:
        raise ValueError(f"{where}rationale is longer than 2,000 characters")
    key = _text(values.get("indicator_key"))
    return Assessment(
        issue=issue, **scores, led_elsewhere=_yes_no(values.get("led_elsewhere"), "led_elsewhere", where),
        chosen=_yes_no(values.get("chosen"), "chosen", where), rationale=rationale, indicator_key=key,
    )


def level_label(field: str, level: int) -> str:
    """A level as the editor shows it, number and words: '3 Substantial'."""
    return f"{level} {SCALES[field][level]}"


def _level(raw: object, name: str, scale: dict[int, str], where: str) -> int:
    words = {label.casefold(): level for level, label in scale.items()}
    words |= {f"{level} {label}".casefold(): level for level, label in scale.items()}
    text = str(raw).strip() if raw is not None else ""
    if text.casefold() in words:
        return words[text.casefold()]
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if number in scale:
        return int(number)
    allowed = ", ".join(f"{level} ({label})" for level, label in scale.items())
    raise ValueError(f"{where}{name} must be one of {allowed}, not {raw!r}")


def _text(raw: object) -> str | None:
    """Text from a form or file, None when blank or missing (pandas gives NaN or NA for an empty cell)."""
    if raw is None or (not isinstance(raw, str) and pd.isna(raw)):
        return None
    return str(raw).strip() or None


def _yes_no(raw: object, name: str, where: str) -> bool:
    if isinstance(raw, bool):
        return raw
    text = (_text(raw) or "").casefold()
    if text in ("", "0", "0.0", "no", "n", "false"):
        return False
    if text in ("1", "1.0", "yes", "y", "true"):
        return True
    raise ValueError(f"{where}{name} must be yes or no, not {raw!r}")


def harm_score(a: Assessment) -> float:
    """Harm, 0 to 100: the worst impact and the mean impact equally, weighted by how widely it spreads."""
    impacts = a.impacts()
    severity = 0.5 * max(impacts) + 0.5 * sum(impacts) / len(impacts)
    return 100.0 * severity / 4 * SCOPE_WEIGHT[a.scope]


def likelihood_score(a: Assessment) -> float:
    """Likelihood, 25 to 100: frequency counts double, then trend and victim vulnerability."""
    return 100.0 * (2 * a.frequency + a.trend + a.vulnerability) / 16


def risk_score(a: Assessment) -> float:
    """Risk, 0 to 100: harm times likelihood."""
    return harm_score(a) * likelihood_score(a) / 100


def position_score(a: Assessment) -> float:
    """How well placed the partnership is to lead, 12.5 to 100: capacity and capability, halved if led elsewhere."""
    placed = 100.0 * (a.capacity + a.capability) / 8
    return placed * (LED_ELSEWHERE_FACTOR if a.led_elsewhere else 1.0)


def priority_score(a: Assessment) -> float:
    """Risk where the partnership is best placed to act: risk times position, 0 to 100."""
    return risk_score(a) * position_score(a) / 100


def quadrant(risk: float, position: float) -> str:
    """What to do with an issue at this risk and position."""
    return QUADRANTS[(risk >= RISK_THRESHOLD, position >= POSITION_THRESHOLD)]


def harm_quadrant(harm: float, likelihood: float) -> str:
    """What to do with an issue at this harm and likelihood (the other view of the matrix)."""
    return HARM_QUADRANTS[(harm >= HARM_THRESHOLD, likelihood >= LIKELIHOOD_THRESHOLD)]


def score(a: Assessment) -> Scores:
    """Every score for one assessment."""
    risk, position = risk_score(a), position_score(a)
    return Scores(harm=harm_score(a), likelihood=likelihood_score(a), risk=risk, position=position,
                  priority=risk * position / 100, quadrant=quadrant(risk, position))


RANKED_COLUMNS = ("rank", "rank_label", "issue", "priority", "risk", "harm", "likelihood", "position",
                  "confidence", "confidence_label", "quadrant", "harm_quadrant", "chosen", "led_elsewhere",
                  "indicator_key", "rationale")


def ranked(assessments: list[Assessment]) -> pd.DataFrame:
    """The issues best first: by priority score, then risk, then confidence; equal scores share a rank."""
    rows = []
    for a in assessments:
        s = score(a)
        rows.append({
            "issue": a.issue, "priority": s.priority, "risk": s.risk, "harm": s.harm, "likelihood": s.likelihood,
            "position": s.position, "confidence": a.confidence, "confidence_label": CONFIDENCE_LEVELS[a.confidence],
            "quadrant": s.quadrant, "harm_quadrant": harm_quadrant(s.harm, s.likelihood), "chosen": a.chosen,
            "led_elsewhere": a.led_elsewhere, "indicator_key": a.indicator_key, "rationale": a.rationale,
        })
    frame = pd.DataFrame(rows, columns=[c for c in RANKED_COLUMNS if c not in ("rank", "rank_label")])
    repeated = frame["issue"][frame["issue"].duplicated()].tolist()
    if repeated:
        raise ValueError(f"each issue can be scored once; repeated: {', '.join(repeated)}")
    if frame.empty:
        return pd.DataFrame(columns=list(RANKED_COLUMNS))
    # Every exact priority is a multiple of 1/1024 and every risk of 1/64 (the scales are small integers and
    # the weights short decimals), so these integer keys compare equal scores as equal, free of float noise.
    frame = frame.assign(_key=(frame["priority"] * 4096).round().astype(int),
                         _risk=(frame["risk"] * 128).round().astype(int)).sort_values(
        ["_key", "_risk", "confidence", "issue"], ascending=[False, False, False, True], kind="stable"
    )
    frame["rank"] = frame["_key"].rank(method="min", ascending=False).astype(int)
    shared = frame["rank"].duplicated(keep=False)
    frame["rank_label"] = frame["rank"].astype(str).where(~shared, "=" + frame["rank"].astype(str))
    return frame.drop(columns=["_key", "_risk"]).reset_index(drop=True)[list(RANKED_COLUMNS)]


def describe_change(field: str, old: int | str | None, new: int | str | None) -> str:
    """One changed field in words: 'Trend: Stable → Rising'."""
    return f"{FIELD_LABELS.get(field, field)}: {_field_words(field, old)} → {_field_words(field, new)}"


def _field_words(field: str, value: int | str | None) -> str:
    if field in SCALES and value is not None:
        return SCALES[field].get(int(value), str(value))
    if field in ("led_elsewhere", "chosen"):
        return "yes" if value else "no"
    return "(none)" if value in (None, "") else str(value)


def what_moved(this_year: list[Assessment], last_year: list[Assessment]) -> pd.DataFrame:
    """This year's ranking against last year's: each issue's rank and risk then and now, and why it moved."""
    now, before = ranked(this_year).set_index("issue"), ranked(last_year).set_index("issue")
    was = {a.issue: a for a in last_year}
    is_ = {a.issue: a for a in this_year}
    rows = []
    for issue in list(now.index) + [i for i in before.index if i not in now.index]:
        rows.append({
            "issue": issue,
            "rank_now": _get(now, issue, "rank"), "rank_before": _get(before, issue, "rank"),
            "risk_now": _get(now, issue, "risk"), "risk_before": _get(before, issue, "risk"),
            "quadrant_now": _get(now, issue, "quadrant"), "quadrant_before": _get(before, issue, "quadrant"),
            "chosen_now": bool(_get(now, issue, "chosen") or False),
            "chosen_before": bool(_get(before, issue, "chosen") or False),
            "moved": _movement(_get(now, issue, "rank"), _get(before, issue, "rank")),
            "why": _why(is_.get(issue), was.get(issue)),
        })
    return pd.DataFrame(rows)


def _get(frame: pd.DataFrame, issue: str, column: str) -> Any:
    return frame.at[issue, column] if issue in frame.index else None


def _movement(rank_now: SupportsInt | None, rank_before: SupportsInt | None) -> str:
    if rank_before is None:
        return "New"
    if rank_now is None:
        return "Not assessed"
    step = int(rank_before) - int(rank_now)
    if step == 0:
        return "Same rank"
    return f"Up {step}" if step > 0 else f"Down {-step}"


def _why(now: Assessment | None, before: Assessment | None) -> str:
    if before is None:
        return "Not assessed last year"
    if now is None:
        return "Not assessed this year"
    old, new = asdict(before), asdict(now)
    changes = [describe_change(f, old[f], new[f]) for f in (*SCORE_FIELDS, "chosen") if old[f] != new[f]]
    return "; ".join(changes) or "No score changed"
