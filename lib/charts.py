"""Altair charts, built as objects so tests can check them (AppTest cannot look inside a chart)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from lib.periods import month_label


def monthly_groups_chart(counts: pd.DataFrame, title: str) -> alt.Chart:
    """A line per category group over the months of a period, from a long frame of month, group, count."""
    data = counts.assign(label=counts["month"].map(month_label))
    order = list(dict.fromkeys(counts["group"]))
    legend = alt.Legend(orient="bottom", symbolType="stroke", symbolStrokeWidth=3, symbolSize=500,
                        labelFontSize=15, labelLimit=0)
    return (
        alt.Chart(data, title=alt.TitleParams(title, anchor="start"))
        .mark_line(point=True, strokeWidth=3)
        .encode(
            x=alt.X("month:O", title=None, axis=alt.Axis(labelExpr=_month_axis_labels(), labelAngle=0)),
            y=alt.Y("count:Q", title="Incidents per month"),
            # Colour and dash share one legend, so the lines stay apart without colour vision.
            color=alt.Color("group:N", title=None, sort=order, legend=legend),
            strokeDash=alt.StrokeDash("group:N", title=None, sort=order, legend=legend),
            tooltip=[
                alt.Tooltip("label:N", title="Month"),
                alt.Tooltip("group:N", title="Category"),
                alt.Tooltip("count:Q", title="Incidents", format=","),
            ],
        )
        .properties(height=360)
        # Sizes for a projector at the back of a room.
        .configure_axis(labelFontSize=14, titleFontSize=15)
        .configure_title(fontSize=18)
    )


def _month_axis_labels() -> str:
    # Vega expression: '2025-04' -> 'Apr 25', so a 36-month axis stays legible without rotating labels.
    names = "['Jan','Feb','Mar','Apr','May','Jun','Jul','Aug','Sep','Oct','Nov','Dec']"
    return f"{names}[toNumber(slice(datum.value, 5, 7)) - 1] + ' ' + slice(datum.value, 2, 4)"
