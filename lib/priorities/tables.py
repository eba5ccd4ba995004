"""The Priority matrix and Action plan in words: the ranked list, this year against last, the evidence, the scores
and their change history, as the pages show them and the downloads hold them."""

from __future__ import annotations

import pandas as pd

from lib.core import formatting
from lib.core.periods import financial_year_of, shift_months
from lib.priorities import assessments
from lib.priorities.evidence import Evidence
from lib.priorities.evidence_table import COLUMNS, evidence_rows
from lib.priorities.scoring import FIELD_LABELS, SCALES, Assessment, level_label

# With lib.core.history.history_frame: the columns the action plan's change history has beyond the shared ones.
ACTION_HISTORY_COLUMNS = {"action_id": "Action id", "action": "Action"}


def assessment_years(versions: list[assessments.AssessmentVersion], latest_month: str) -> list[str]:
    """The years to offer: next financial year (the one being chosen for) and every year assessed."""
    coming = financial_year_of(shift_months(latest_month, 12))
    return sorted({coming, *(v.year for v in versions)}, reverse=True)


def version_label(version: assessments.AssessmentVersion) -> str:
    """A version as the picker shows it."""
    if version.status == assessments.DRAFT:
        return f"{version.name} (being edited)"
    return f"{version.name} (saved {(version.saved_at or '')[:10]} by {version.saved_by})"


def ranked_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The ranked list in words, as shown beside the matrix and downloaded as CSV."""
    return pd.DataFrame({
        "Rank": frame["rank_label"], "Issue": frame["issue"], "Priority score": frame["priority"].round(1),
        "Risk": frame["risk"].round(1), "Harm": frame["harm"].round(1), "Likelihood": frame["likelihood"].round(1),
        "Position": frame["position"].round(1), "Confidence": frame["confidence_label"],
        "Matrix": frame["quadrant"], "Chosen": frame["chosen"].map({True: "Chosen", False: ""}),
        "Led by another body": frame["led_elsewhere"].map({True: "Yes", False: "No"}),
        "Rationale": frame["rationale"].fillna(""),
    })


def movement_table(moved: pd.DataFrame) -> pd.DataFrame:
    """This year's ranking against last year's, in words."""
    def rounded(values: pd.Series) -> pd.Series:
        return values.map(lambda v: "" if v is None or pd.isna(v) else f"{v:.1f}")

    return pd.DataFrame({
        "Issue": moved["issue"], "Rank now": moved["rank_now"].map(_whole), "Rank last year": moved["rank_before"]
        .map(_whole), "Moved": moved["moved"], "Risk now": rounded(moved["risk_now"]),
        "Risk last year": rounded(moved["risk_before"]), "Chosen now": moved["chosen_now"].map({True: "Yes",
                                                                                               False: ""}),
        "Chosen last year": moved["chosen_before"].map({True: "Yes", False: ""}), "Why": moved["why"],
    })


def _whole(value: float | None) -> str:
    return "" if value is None or pd.isna(value) else str(int(value))


def evidence_frame(evidence: dict[str, Evidence], keys: bool = True) -> pd.DataFrame:
    """Every candidate issue's evidence as one table; without ``keys``, no column of indicator keys (an officer's
    handle for a targets file, a slug to anyone else).

    A column no issue has a figure for (partner figures in a store of police.uk data alone, the change on a year
    earlier in a store's first year) is left out rather than shown as a column of dashes. A missing word is the
    em dash of ``lib.core.formatting``; missing numbers stay missing, so the column still sorts, and the table
    shows them as the em dash too.
    """
    frame = evidence_rows(list(evidence.values()))
    if not keys:
        frame = frame.drop(columns=[COLUMNS["indicator_key"]])
    empty = [c for c in frame.columns if c != COLUMNS["issue"] and frame[c].map(_blank).all()]
    frame = frame.drop(columns=empty)
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].map(formatting.text)
    return frame


def _blank(value: object) -> bool:
    return formatting.is_missing(value) or (isinstance(value, str) and not value.strip())


def scores_in_words(held: Assessment) -> pd.DataFrame:
    """One issue's scores as a two-column table of words, each level with its number as the editor shows it
    ('0 None', '3 Substantial'): a bare "None" would read as a missing value."""
    values = {**{FIELD_LABELS[f]: level_label(f, getattr(held, f)) for f in SCALES},
              FIELD_LABELS["led_elsewhere"]: "Yes" if held.led_elsewhere else "No",
              FIELD_LABELS["chosen"]: "Yes" if held.chosen else "No"}
    return pd.DataFrame({"Question": list(values), "Score": list(values.values())})


def editor_frame(held: list[Assessment]) -> pd.DataFrame:
    """A draft's scores as the scores editor shows them: one row per issue, each level in words."""
    return pd.DataFrame([_editor_row(a) for a in held])


def _editor_row(a: Assessment) -> dict[str, object]:
    row: dict[str, object] = {"issue": a.issue}
    row |= {f: level_label(f, getattr(a, f)) for f in SCALES}
    row |= {"led_elsewhere": a.led_elsewhere, "chosen": a.chosen, "rationale": a.rationale or "",
            "indicator_key": a.indicator_key or ""}
    return row


def assessment_history_frame(history: list[dict]) -> pd.DataFrame:
    """An assessment's change history in words ('Trend: Stable → Rising')."""
    return pd.DataFrame({
        "When": [row["changed_at"] for row in history], "Who": [row["changed_by"] for row in history],
        "Issue": [row["issue"] for row in history],
        "Change": [assessments.describe_history(row) for row in history],
        "Why": [row["reason"] or "" for row in history],
    })
