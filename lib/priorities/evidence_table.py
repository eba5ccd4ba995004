"""The evidence of the priority matrix as a table (one row per issue) and as the evidence panel's figures."""

from __future__ import annotations

import pandas as pd

from lib.priorities.evidence import Evidence

COLUMNS = {
    "issue": "Issue",
    "volume": "Volume",
    "rate_per_1000": "Rate per 1,000 residents",
    "value": "Partner figure",
    "unit": "Partner figure unit",
    "trend": "Trend",
    "change_percent": "Change on last year %",
    "change_words": "Change on last year",
    "harm_weighted": "Harm-weighted volume (days of custody)",
    "concentration": "Top 5% of LSOAs hold %",
    "months_held": "Months held",
    "source": "Source",
    "period": "Period",
    "notes": "Notes",
    "indicator_key": "Indicator key",
}


def evidence_rows(evidence: list[Evidence]) -> pd.DataFrame:
    """One row per issue's evidence, with readable column names and units."""
    rows = []
    for item in evidence:
        row = {column: getattr(item, name) for name, column in COLUMNS.items()}
        row[COLUMNS["notes"]] = " ".join(item.notes)
        rows.append(row)
    numbers = [COLUMNS[name] for name in ("volume", "rate_per_1000", "value", "change_percent", "harm_weighted",
                                          "concentration")]
    return pd.DataFrame(rows, columns=list(COLUMNS.values())).astype({column: float for column in numbers})


def evidence_figures(evidence: Evidence) -> list[tuple[str, str]]:
    """The evidence panel's figures as (label, value shown), with a dash where the data cannot say."""
    def number(value: float | None, digits: int = 0, suffix: str = "") -> str:
        return "–" if value is None else f"{value:,.{digits}f}{suffix}"

    change = "–" if evidence.change_percent is None else f"{evidence.change_percent:+.1f}%"
    figures = [("Volume", number(evidence.volume)), ("Rate per 1,000", number(evidence.rate_per_1000, 2))]
    if evidence.value is not None and evidence.unit:
        figures.append((f"Figure ({evidence.unit})", number(evidence.value, 1)))
    return figures + [
        ("Recent trend (5 latest months)", evidence.trend), ("Change on last year", change),
        ("Harm-weighted volume (days of custody)", number(evidence.harm_weighted)),
        ("Top 5% of LSOAs hold", number(evidence.concentration, 0, "%")),
    ]
