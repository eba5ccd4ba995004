"""Altair charts, built as objects so tests can check them (AppTest cannot look inside a chart)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from lib.core.periods import month_label

# Colours, checked against WCAG 2.2 AA by tests/core/test_accessibility.py. Charts are drawn on white (the theme's
# background) and read on washed-out projectors: every line, bar and rule that carries meaning reaches 3:1 against
# white (success criterion 1.4.11) and every text 4.5:1 (1.4.3); series also differ by dash, shape or a label.
#
# Series: the Okabe-Ito palette, kept where a 3 px line reaches 3:1 on white and on the baseline shade, darkened (same
# hue) where it did not: bluish green and reddish purple a little, orange to a dark brown, sky blue to a dark blue.
# Yellow is left out: no yellow dark enough for 3:1 stays apart from vermillion under deuteranopia. Simulated
# deuteranopia, protanopia and tritanopia keep every pair at least 10 CAM02-UCS units apart (the tests check it).
SERIES_COLOURS = ["#0072B2", "#D55E00", "#009D73", "#C1709E", "#6D4901", "#02567A", "#000000"]
CHART_TEXT = "#111111"  # labels drawn on the chart (Streamlit's own chart theme greys axis labels to about 3.7:1)
RULE_COLOUR = "#000000"  # targets, group averages and control limits
BASELINE_SHADE, BASELINE_OPACITY = "#777777", 0.12  # light by design: the band is named "Baseline" in words too
# The CSP's own bar against its peers: vermillion, and Okabe-Ito sky blue darkened to reach 3:1 on white.
PEER_COLOURS = {"This CSP": "#D55E00", "Similar CSP": "#3196CA"}


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
            x=alt.X("month:O", title=None, axis=_month_axis()),
            y=alt.Y("count:Q", title="Incidents per month"),
            # Colour and dash share one legend, so the lines stay apart without colour vision. Vega-Lite merges the
            # two legends only when both scales have the same domain: given here, not as a sort (which it keys apart).
            color=alt.Color("group:N", title=None, legend=legend,
                            scale=alt.Scale(domain=order, range=SERIES_COLOURS)),
            strokeDash=alt.StrokeDash("group:N", title=None, legend=legend, scale=alt.Scale(domain=order)),
            tooltip=[
                alt.Tooltip("label:N", title="Month"),
                alt.Tooltip("group:N", title="Category"),
                alt.Tooltip("count:Q", title="Incidents", format=","),
            ],
        )
        .properties(height=360)
        # Sizes for a projector at the back of a room.
        .configure_axis(labelFontSize=14, titleFontSize=15, labelColor=CHART_TEXT, titleColor=CHART_TEXT)
        .configure_title(fontSize=18, color=CHART_TEXT)
        .configure_legend(labelColor=CHART_TEXT, titleColor=CHART_TEXT)
    )


def _month_axis() -> alt.Axis:
    """Months as 'Apr 25', level; labels that would overlap on a narrow chart are dropped rather than overprinted."""
    return alt.Axis(labelExpr=_month_axis_labels(), labelAngle=0, labelOverlap="greedy")


def _month_axis_labels() -> str:
    # Vega expression: '2025-04' -> 'Apr 25', so a 36-month axis stays legible without rotating labels.
    names = "['Jan','Feb','Mar','Apr','May','Jun','Jul','Aug','Sep','Oct','Nov','Dec']"
    return f"{names}[toNumber(slice(datum.value, 5, 7)) - 1] + ' ' + slice(datum.value, 2, 4)"


def _projector_sized(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    # Text in the theme's text colour: Streamlit's chart theme would draw axis and legend labels in a grey that
    # falls short of 4.5:1 on white.
    return chart.configure_axis(
        labelFontSize=14, titleFontSize=15, labelColor=CHART_TEXT, titleColor=CHART_TEXT,
    ).configure_title(fontSize=18, color=CHART_TEXT).configure_legend(
        labelFontSize=15, titleFontSize=15, labelLimit=0, labelColor=CHART_TEXT, titleColor=CHART_TEXT,
    )


def trend_chart(
    points: pd.DataFrame, title: str, y_title: str, level_label: str,
    target: float | None = None, target_label: str = "", baseline: tuple[str, str] | None = None,
) -> alt.TopLevelMixin:
    """Lines per area with a shaded confidence interval, an optional target line and baseline band.

    ``points`` has area, period (month 'YYYY-MM' or financial year '2025/26'), value, lower, upper, note.
    """
    monthly = points["period"].str.len().eq(7).all() and points["period"].str[4].eq("-").all()
    data = points.assign(label=points["period"].map(month_label) if monthly else points["period"])
    order = list(dict.fromkeys(points["area"]))
    axis = _month_axis() if monthly else alt.Axis(labelAngle=0)
    x = alt.X("period:O", title=None, axis=axis)
    base = alt.Chart(data)
    series = alt.Scale(domain=order, range=SERIES_COLOURS)  # one domain for colour and dash: one legend
    legend = alt.Legend(orient="bottom", title=None, symbolType="stroke", symbolStrokeWidth=3, symbolSize=500,
                        symbolOpacity=1)  # not the band's faint opacity
    # The interval is a light tint of its line by design, so the line over it keeps its contrast; its bounds are in
    # the tooltip and the table under the chart, and the caption names the shading.
    band = base.mark_area(opacity=0.18).encode(
        x=x, y=alt.Y("lower:Q", title=y_title), y2="upper:Q",
        # The band shares the lines' legend: a band with no legend of its own would switch the merged one off.
        fill=alt.Fill("area:N", legend=legend, scale=series),
    )
    lines = base.mark_line(point=True, strokeWidth=3).encode(
        x=x, y=alt.Y("value:Q", title=y_title),
        color=alt.Color("area:N", legend=legend, scale=series),
        strokeDash=alt.StrokeDash("area:N", legend=legend, scale=alt.Scale(domain=order)),
        tooltip=[
            alt.Tooltip("area:N", title="Area"), alt.Tooltip("label:N", title="Period"),
            alt.Tooltip("value:Q", title=y_title, format=",.2f"),
            alt.Tooltip("lower:Q", title=f"{level_label} lower", format=",.2f"),
            alt.Tooltip("upper:Q", title=f"{level_label} upper", format=",.2f"),
            alt.Tooltip("note:N", title="Note"),
        ],
    )
    layers = [band, lines]
    if baseline is not None:
        shade = pd.DataFrame({"start": [baseline[0]], "end": [baseline[1]], "what": ["Baseline"]})
        # A backdrop must stay light for the lines over it, so the shade is named in words at its start as well.
        layers.insert(0, alt.Chart(shade).mark_rect(opacity=BASELINE_OPACITY, color=BASELINE_SHADE).encode(
            x="start:O", x2="end:O", tooltip=[alt.Tooltip("what:N", title="Shaded")]))
        layers.insert(1, alt.Chart(shade).mark_text(align="left", baseline="top", dx=4, dy=4, fontSize=14,
                                                    color=CHART_TEXT).encode(
            x="start:O", y=alt.value(0), text="what:N"))
    if target is not None:
        rule = pd.DataFrame({"target": [target], "label": [target_label or "Target"]})
        layers.append(alt.Chart(rule).mark_rule(strokeDash=[8, 4], strokeWidth=2, color=RULE_COLOUR).encode(
            y="target:Q", tooltip=[alt.Tooltip("label:N", title="Target"), alt.Tooltip("target:Q", format=",.1f")]))
        layers.append(alt.Chart(rule).mark_text(align="left", dx=4, dy=-8, fontSize=14, color=CHART_TEXT).encode(
            y="target:Q", text="label:N", x=alt.value(0)))
    chart = alt.layer(*layers).properties(height=340, title=alt.TitleParams(title, anchor="start"))
    return _projector_sized(chart)


def seasonal_chart(table: pd.DataFrame, title: str, y_title: str) -> alt.TopLevelMixin:
    """Each financial year as a line across April to March, so a month is read against the same month before.

    The years take the series colours (and dashes), not a sequential ramp: the light end of any ramp falls below
    3:1 on white, and the legend names the years in order anyway.
    """
    years = sorted(table["year"].unique().tolist())  # plain values, for the scale domain
    legend = alt.Legend(orient="bottom", title="Financial year", symbolType="stroke", symbolStrokeWidth=3)
    chart = alt.Chart(table).mark_line(point=True, strokeWidth=3).encode(
        x=alt.X("month_name:N", sort=list(dict.fromkeys(table.sort_values("order")["month_name"])), title=None,
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("count:Q", title=y_title),
        color=alt.Color("year:N", legend=legend, scale=alt.Scale(domain=years, range=SERIES_COLOURS)),
        strokeDash=alt.StrokeDash("year:N", legend=legend, scale=alt.Scale(domain=years)),
        tooltip=[alt.Tooltip("year:N", title="Year"), alt.Tooltip("month_name:N", title="Month"),
                 alt.Tooltip("count:Q", title=y_title, format=",")],
    ).properties(height=320, title=alt.TitleParams(title, anchor="start"))
    return _projector_sized(chart)


def harm_chart(table: pd.DataFrame, title: str) -> alt.TopLevelMixin:
    """Counts and harm side by side, each as an index (first year = 100), so a rise in harm shows apart."""
    legend = alt.Legend(orient="bottom", title=None, symbolType="stroke", symbolStrokeWidth=3, symbolSize=500)
    chart = alt.Chart(table).mark_line(point=True, strokeWidth=3).encode(
        x=alt.X("month:O", title=None, axis=_month_axis()),
        y=alt.Y("index:Q", title="Index (first 12 months = 100)", scale=alt.Scale(zero=False)),
        color=alt.Color("series:N", legend=legend, scale=alt.Scale(range=SERIES_COLOURS)),
        strokeDash=alt.StrokeDash("series:N", legend=legend),
        tooltip=[alt.Tooltip("month:N", title="Month"), alt.Tooltip("series:N", title="Series"),
                 alt.Tooltip("value:Q", title="Value", format=",.0f"), alt.Tooltip("index:Q", format=",.1f")],
    ).properties(height=320, title=alt.TitleParams(title, anchor="start"))
    return _projector_sized(chart)


def peer_chart(peers: pd.DataFrame, mean: float, lower: float, upper: float, title: str) -> alt.TopLevelMixin:
    """The CSP and its peers as bars by rate, with the group average and control limits as lines.

    The CSP's own bar is named '(this CSP)' as well as coloured, so it stands out without colour vision.
    """
    data = peers.assign(
        who=peers["selected"].map({True: "This CSP", False: "Similar CSP"}),
        label=[f"{n} (this CSP)" if s else n for n, s in zip(peers["name"], peers["selected"], strict=True)],
    )
    order = list(data.sort_values("rate")["label"])
    step = alt.Step(36)
    bars = alt.Chart(data).mark_bar().encode(
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelFontSize=15, labelLimit=320)),
        x=alt.X("rate:Q", title="Per 1,000 residents"),
        color=alt.Color("who:N", scale=alt.Scale(domain=list(PEER_COLOURS), range=list(PEER_COLOURS.values())),
                        legend=alt.Legend(orient="bottom", title=None)),
        tooltip=[alt.Tooltip("name:N", title="CSP"), alt.Tooltip("rate:Q", title="Rate", format=",.2f"),
                 alt.Tooltip("count:Q", title="Incidents", format=","),
                 alt.Tooltip("population:Q", title="Residents", format=",")],
    ).properties(height=step)
    lines = pd.DataFrame({"x": [mean, lower, upper],
                          "line": ["Group average", "Lower control limit", "Upper control limit"]})
    rules = alt.Chart(lines).mark_rule(strokeWidth=2, color=RULE_COLOUR).encode(
        x="x:Q",
        strokeDash=alt.StrokeDash("line:N", legend=alt.Legend(orient="bottom", title=None),
                                  scale=alt.Scale(domain=list(lines["line"]), range=[[1, 0], [6, 4], [6, 4]])),
        tooltip=[alt.Tooltip("line:N", title="Line"), alt.Tooltip("x:Q", title="Per 1,000", format=",.2f")],
    )
    chart = alt.layer(bars, rules).properties(height=step, title=alt.TitleParams(title, anchor="start"))
    return _projector_sized(chart)


def sparkline(values: list[float]) -> alt.Chart:
    """A small line of recent values, with no axes: the shape, not the numbers (those are beside it)."""
    data = pd.DataFrame({"step": range(len(values)), "value": values})
    return alt.Chart(data).mark_line(strokeWidth=2, color=SERIES_COLOURS[0]).encode(
        x=alt.X("step:Q", axis=None), y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("value:Q", title="Value", format=",.0f")],
    ).properties(height=60)


MATRIX_AXES = {
    "risk_position": ("position", "Organisational position: how well placed the partnership is (0 to 100)",
                      "risk", "Risk: harm × likelihood (0 to 100)"),
    "harm_likelihood": ("likelihood", "Likelihood (0 to 100)", "harm", "Harm (0 to 100)"),
}
# Shapes say how sure the evidence is, so confidence reads without colour.
CONFIDENCE_SHAPES = {"Low": "triangle-down", "Limited": "diamond", "Reasonable": "square", "High": "circle"}
# Chosen or not is told by the outline's width as well as the fill. "Not chosen" is a light fill (2.4:1 on white at
# the bubbles' opacity) by design, so the chosen ones stand out: every bubble has a black outline, which is what
# separates it from the white page (WCAG 1.4.11 asks that of the outline or the fill, not both).
CHOSEN_COLOURS = {"Chosen priority": "#08519c", "Not chosen": "#969696"}
CHOSEN_OUTLINE_WIDTHS = {"Chosen priority": 3, "Not chosen": 1}
BUBBLE_OUTLINE = "#000000"
QUADRANT_TEXT = "#525252"  # bold 14 px advice in each quadrant: 7.8:1 on white
THRESHOLD_RULE = "#737373"  # dashed quadrant lines: 4.7:1 on white
# Last year's place (a hollow circle) and the line from it to this year's: darker than before (#969696 and #bdbdbd,
# 3.0:1 and 1.9:1) so they reach 3:1 on white, still lighter than the black-edged bubbles of this year.
MOVEMENT_LINE, MOVEMENT_START = "#8C8C8C", "#737373"


RESTRICTED_VOLUME = "figures restricted"


def priority_matrix_chart(
    ranked: pd.DataFrame, axes: str, thresholds: tuple[float, float], quadrant_labels: dict[tuple[bool, bool], str],
    title: str, last_year: pd.DataFrame | None = None, labelled: int = 8, width: int | str = "container",
) -> alt.TopLevelMixin:
    """The threat, harm and risk matrix: a bubble per issue, sized by volume, shaped by confidence.

    ``ranked`` is ``priority_scoring.ranked`` with a ``volume`` column; ``thresholds`` are (x, y) lines; the
    labels name what to do in each quadrant, keyed by (high y, high x). With ``last_year`` (issue, x, y of the
    earlier assessment) a grey line runs from last year's place to this year's. ``width`` is "container" on
    screen and a number of pixels for a PNG.
    """
    x, x_title, y, y_title = MATRIX_AXES[axes]
    restricted = ranked["restricted"].astype(bool) if "restricted" in ranked else pd.Series(False, ranked.index)
    volume = ranked["volume"] if "volume" in ranked else pd.Series(None, ranked.index, dtype=float)
    data = ranked.assign(
        status=ranked["chosen"].map({True: "Chosen priority", False: "Not chosen"}),
        size=volume.fillna(0).clip(lower=0),
        # A restricted issue's figures are not in the data at all: it says so instead of a volume.
        volume_text=[RESTRICTED_VOLUME if r else ("" if pd.isna(v) else f"{v:,.0f}")
                     for v, r in zip(volume, restricted, strict=True)],
        label=[(f"{issue} ({RESTRICTED_VOLUME})" if r else issue) if (chosen or rank <= labelled) else ""
               for issue, chosen, rank, r in zip(ranked["issue"], ranked["chosen"], ranked["rank"], restricted,
                                                 strict=True)],
    )
    scale = alt.Scale(domain=[0, 100], nice=False)
    layers: list[alt.Chart | alt.LayerChart | alt.FacetChart] = [
        _quadrant_labels(thresholds, quadrant_labels), *_threshold_rules(thresholds),
    ]
    if last_year is not None and not last_year.empty:
        layers.append(_movement_lines(data, last_year, x, y, scale))
    points = alt.Chart(data).mark_point(filled=True, opacity=0.85, stroke=BUBBLE_OUTLINE, strokeWidth=1).encode(
        x=alt.X(f"{x}:Q", title=x_title, scale=scale),
        y=alt.Y(f"{y}:Q", title=y_title, scale=scale),
        size=alt.Size("size:Q", title="Volume in the period", scale=alt.Scale(range=[80, 2200], zero=True),
                      legend=alt.Legend(orient="bottom", format=",.0f")),
        shape=alt.Shape("confidence_label:N", title="Confidence",
                        scale=alt.Scale(domain=list(CONFIDENCE_SHAPES), range=list(CONFIDENCE_SHAPES.values())),
                        legend=alt.Legend(orient="bottom")),
        color=alt.Color("status:N", title=None, scale=alt.Scale(domain=list(CHOSEN_COLOURS),
                        range=list(CHOSEN_COLOURS.values())), legend=alt.Legend(orient="bottom")),
        strokeWidth=alt.StrokeWidth("status:N", title=None, scale=alt.Scale(
            domain=list(CHOSEN_OUTLINE_WIDTHS), range=list(CHOSEN_OUTLINE_WIDTHS.values())),
            legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("rank_label:N", title="Rank"), alt.Tooltip("issue:N", title="Issue"),
                 alt.Tooltip("priority:Q", title="Priority score", format=".1f"),
                 alt.Tooltip("risk:Q", title="Risk", format=".1f"), alt.Tooltip("harm:Q", title="Harm", format=".1f"),
                 alt.Tooltip("likelihood:Q", title="Likelihood", format=".1f"),
                 alt.Tooltip("position:Q", title="Position", format=".1f"),
                 alt.Tooltip("confidence_label:N", title="Confidence"), alt.Tooltip("quadrant:N", title="Matrix"),
                 alt.Tooltip("volume_text:N", title="Volume")],
    )
    labels = alt.Chart(data).mark_text(align="left", dx=10, dy=-8, fontSize=13, color=CHART_TEXT).encode(
        x=alt.X(f"{x}:Q", scale=scale), y=alt.Y(f"{y}:Q", scale=scale), text="label:N",
    )
    chart = alt.layer(*layers, points, labels).properties(
        title=alt.TitleParams(title, anchor="start"), height=560, width=width
    )
    return _projector_sized(chart)


def _quadrant_labels(
    thresholds: tuple[float, float], labels: dict[tuple[bool, bool], str],
) -> alt.LayerChart | alt.FacetChart:
    """Each quadrant's advice in its top corner: on the left for the low-x side, on the right for the high-x."""
    y_line = thresholds[1]
    corners = pd.DataFrame([
        {"x": 99 if high_x else 1, "y": 99 if high_y else y_line - 1, "text": text, "right": high_x}
        for (high_y, high_x), text in labels.items()
    ])
    scale = alt.Scale(domain=[0, 100], nice=False)
    sides = []
    for right in (False, True):
        side = corners[corners["right"] == right]
        sides.append(alt.Chart(side).mark_text(
            baseline="top", align="right" if right else "left", fontSize=14, fontWeight="bold", color=QUADRANT_TEXT,
        ).encode(x=alt.X("x:Q", scale=scale), y=alt.Y("y:Q", scale=scale), text="text:N"))
    return alt.layer(*sides)


def _threshold_rules(thresholds: tuple[float, float]) -> list[alt.Chart]:
    x_line, y_line = thresholds
    style: dict[str, Any] = {"color": THRESHOLD_RULE, "strokeDash": [6, 4], "strokeWidth": 1.5}
    return [alt.Chart(pd.DataFrame({"x": [x_line]})).mark_rule(**style).encode(x="x:Q"),
            alt.Chart(pd.DataFrame({"y": [y_line]})).mark_rule(**style).encode(y="y:Q")]


def _movement_lines(
    data: pd.DataFrame, last_year: pd.DataFrame, x: str, y: str, scale: alt.Scale,
) -> alt.LayerChart | alt.FacetChart:
    """A line from each issue's place last year to its place now (both ends in one frame, ordered)."""
    before = last_year[["issue", x, y]].assign(order=0)
    now = data[data["issue"].isin(before["issue"])][["issue", x, y]].assign(order=1)
    paths = pd.concat([before[before["issue"].isin(now["issue"])], now], ignore_index=True)
    line = alt.Chart(paths).mark_line(color=MOVEMENT_LINE, strokeWidth=2).encode(
        x=alt.X(f"{x}:Q", scale=scale), y=alt.Y(f"{y}:Q", scale=scale), detail="issue:N", order="order:Q",
    )
    start = alt.Chart(paths[paths["order"] == 0]).mark_point(color=MOVEMENT_START, size=40, strokeWidth=1.5).encode(
        x=alt.X(f"{x}:Q", scale=scale), y=alt.Y(f"{y}:Q", scale=scale),
        tooltip=[alt.Tooltip("issue:N", title="Last year: issue")],
    )
    return alt.layer(line, start)


def chart_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """A chart as a PNG for papers, drawn by vl-convert with no browser and no network."""
    import io

    buffer = io.BytesIO()
    chart.save(buffer, format="png", scale_factor=scale)
    return buffer.getvalue()
