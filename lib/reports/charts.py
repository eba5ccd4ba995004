"""Altair charts, built as objects so tests can check them (AppTest cannot look inside a chart)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from lib.core.periods import month_label
from lib.priorities.suggestions import SUGGESTED_LABEL

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


def monthly_groups_chart(counts: pd.DataFrame, title: str) -> alt.TopLevelMixin:
    """A line per category group over the months of a period, from a long frame of month, group, count."""
    data = counts.assign(label=counts["month"].map(month_label))
    order = list(dict.fromkeys(counts["group"]))
    legend = alt.Legend(orient="bottom", symbolType="stroke", symbolStrokeWidth=3, symbolSize=500,
                        labelLimit=0)
    return _projector_sized(
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
    )


def axis_title(text: str, chars: int = 30) -> str | list[str]:
    """A long axis title as lines of at most ``chars`` characters (Vega draws a list as lines), so a y-axis title
    stays within a short plot's height even at presentation size."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= chars:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines[0] if len(lines) == 1 else lines


def _month_axis() -> alt.Axis:
    """Months as 'Apr 25', level; labels that would overlap on a narrow chart are dropped rather than overprinted."""
    return alt.Axis(labelExpr=_month_axis_labels(), labelAngle=0, labelOverlap="greedy")


def _month_axis_labels() -> str:
    # Vega expression: '2025-04' -> 'Apr 25', so a 36-month axis stays legible without rotating labels.
    names = "['Jan','Feb','Mar','Apr','May','Jun','Jul','Aug','Sep','Oct','Nov','Dec']"
    return f"{names}[toNumber(slice(datum.value, 5, 7)) - 1] + ' ' + slice(datum.value, 2, 4)"


# Text sizes in pixels, (normal, presentation): presentation mode is read from the back of a room on a projector at
# 1366x768, so no axis, legend or chart label is under 18 px there.
AXIS_LABEL, AXIS_TITLE, LEGEND_TEXT = (14, 18), (15, 20), (15, 18)
TITLE, SUBTITLE, MARK_TEXT = (18, 26), (15, 18), (14, 18)
# Lines and their points drawn heavier in presentation mode, so a series holds up on a washed-out projector.
LINE_WIDTH, POINT_SIZE, RULE_WIDTH = (3, 5), (40, 120), (2, 3)


def _projector_sized(chart: alt.TopLevelMixin, present: bool = False) -> alt.TopLevelMixin:
    # Text in the theme's text colour: Streamlit's chart theme would draw axis and legend labels in a grey that
    # falls short of 4.5:1 on white.
    i = int(present)
    # Width fitted to the container, height grown to hold the title, axes and legends around the plot. Streamlit's
    # own default ("fit" in both directions) squeezed them all into the plot's height: the plot shrank, a long
    # y-axis title ran up past the top, and the chart title was pushed above the element and cut off under the tab
    # bar (Trends' rolling 12 months, the guided presentation's trend steps).
    return chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding")).configure_axis(
        labelFontSize=AXIS_LABEL[i], titleFontSize=AXIS_TITLE[i], labelColor=CHART_TEXT, titleColor=CHART_TEXT,
        labelLimit=0 if present else 180,
    ).configure_title(
        fontSize=TITLE[i], subtitleFontSize=SUBTITLE[i], color=CHART_TEXT, subtitleColor=CHART_TEXT,
        offset=12 if present else 8,
    ).configure_legend(
        labelFontSize=LEGEND_TEXT[i], titleFontSize=LEGEND_TEXT[i], labelLimit=0, labelColor=CHART_TEXT,
        titleColor=CHART_TEXT,
    )


def scaled(chart: alt.TopLevelMixin, present: bool) -> alt.TopLevelMixin:
    """The chart as drawn for the mode: unchanged in normal mode; in presentation mode, every axis label and title,
    legend and chart label at least 18 px, a larger chart title, and heavier lines, points and rules.

    The pages pass ``present`` from ``ui.modes.current_mode().present`` (this module knows nothing of Streamlit).
    """
    if not present:
        return chart
    bigger: Any = chart.copy(deep=True)  # type: ignore[attr-defined]  # every top-level chart is a SchemaBase
    for unit in _units(bigger):
        _heavier(unit)
    return _projector_sized(bigger, present=True)


def _units(chart: Any) -> list[Any]:
    """The single-mark charts inside a chart (layers flattened)."""
    layers: Any = getattr(chart, "layer", alt.Undefined)
    if layers is alt.Undefined:
        return [chart] if getattr(chart, "mark", alt.Undefined) is not alt.Undefined else []
    return [unit for layer in layers for unit in _units(layer)]


def _heavier(unit: Any) -> None:
    mark = unit.mark if isinstance(unit.mark, alt.MarkDef) else alt.MarkDef(type=unit.mark)
    kind = mark.type

    def at_least(name: str, value: float) -> None:
        current = getattr(mark, name, alt.Undefined)
        if current is alt.Undefined or (isinstance(current, int | float) and current < value):
            setattr(mark, name, value)

    if kind == "line":
        at_least("strokeWidth", LINE_WIDTH[1])
        if mark.point is True:
            mark.point = alt.OverlayMarkDef(filled=True, size=POINT_SIZE[1])
    elif kind == "rule":
        at_least("strokeWidth", RULE_WIDTH[1])
    elif kind == "text":
        at_least("fontSize", MARK_TEXT[1])
    unit.mark = mark


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
        x=x, y=alt.Y("lower:Q", title=axis_title(y_title)), y2="upper:Q",
        # The band shares the lines' legend: a band with no legend of its own would switch the merged one off.
        fill=alt.Fill("area:N", legend=legend, scale=series),
    )
    lines = base.mark_line(point=True, strokeWidth=3).encode(
        x=x, y=alt.Y("value:Q", title=axis_title(y_title)),
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
        y=alt.Y("count:Q", title=axis_title(y_title)),
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
        y=alt.Y("index:Q", title=axis_title("Index (first 12 months = 100)"), scale=alt.Scale(zero=False)),
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
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
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
# Scores only suggested from the data are nobody's choice: drawn as "Not chosen", and named so in the legend.
SUGGESTED_COLOURS = {SUGGESTED_LABEL: CHOSEN_COLOURS["Not chosen"]}
BUBBLE_OUTLINE = "#000000"
BUBBLE_OPACITY = 0.85
QUADRANT_TEXT = "#525252"  # bold advice in each quadrant: 7.8:1 on white, at least 6:1 on every quadrant's tint
THRESHOLD_RULE = "#737373"  # dashed quadrant lines: 4.7:1 on white
# Each quadrant lightly shaded, keyed like the advice by (high y, high x): a warm tint where the partnership acts,
# grey where it monitors. Light by design, so the bubbles, lines and words over them keep their contrast (the tests
# check each against every tint); the quadrant is named in words in its corner, so the tint is never the only cue.
QUADRANT_TINTS = {(True, True): "#FCE9E0", (True, False): "#FDF5DC", (False, True): "#EAF3E3",
                  (False, False): "#F4F4F4"}
# Last year's place (a hollow circle) and the line from it to this year's: darker than before (#969696 and #bdbdbd,
# 3.0:1 and 1.9:1) so they reach 3:1 on white and on the tints, still lighter than the black-edged bubbles.
MOVEMENT_LINE, MOVEMENT_START = "#808080", "#737373"
LEADER_LINE = "#333333"  # from a bubble to its number when the number had to move off the bubble
# Bubble areas in square pixels, normal and presentation: the smallest still holds its rank number.
BUBBLE_SIZES = ((700, 2600), (1000, 3800))
# The plot width a matrix drawn to the container is laid out for, normal and presentation: about the narrowest the
# pages draw it at 1280 px and up (beside the sidebar; full width with no sidebar). Numbers placed apart at this width
# stay apart on a wider screen; laid out much narrower than drawn, the ones moved off their bubbles land far away.
LAYOUT_WIDTH = (820, 1150)
MATRIX_HEIGHT = (560, 420)  # normal, presentation (the one picture below a headline at 1366x768)
KEY_CHARS = (110, 130)  # characters in one line of the key under the title, normal and presentation

RESTRICTED_VOLUME = "figures restricted"


def priority_matrix_chart(
    ranked: pd.DataFrame, axes: str, thresholds: tuple[float, float], quadrant_labels: dict[tuple[bool, bool], str],
    title: str, last_year: pd.DataFrame | None = None, width: int | str = "container", present: bool = False,
    suggested: bool = False,
) -> alt.TopLevelMixin:
    """The threat, harm and risk matrix: a bubble per issue, sized by volume, shaped by confidence, numbered by rank.

    ``ranked`` is ``priority_scoring.ranked`` with a ``volume`` column; ``thresholds`` are (x, y) lines; the
    labels name what to do in each quadrant, keyed by (high y, high x), and are written in each shaded quadrant. Each
    bubble carries its rank (the ranked table's "Rank", "=2" for a shared rank), placed so that no two numbers
    overlap; the key under the title names the issue for each number. With ``last_year`` (issue, x, y of the
    earlier assessment) a grey line runs from last year's place to this year's. ``width`` is "container" on
    screen and a number of pixels for a PNG; ``present`` draws it for a room (``scaled``). ``suggested`` scores
    (nobody has agreed them) say so on a second line of the title and in the legend, so a screenshot or the PNG
    cannot pass them off as the partnership's assessment.
    """
    i = int(present)
    x, x_title, y, y_title = MATRIX_AXES[axes]
    height = MATRIX_HEIGHT[i]
    restricted = ranked["restricted"].astype(bool) if "restricted" in ranked else pd.Series(False, ranked.index)
    volume = ranked["volume"] if "volume" in ranked else pd.Series(None, ranked.index, dtype=float)
    size = volume.fillna(0).clip(lower=0).astype(float)
    colours = SUGGESTED_COLOURS if suggested else CHOSEN_COLOURS
    # One outline for every suggested bubble: a width scale of one value draws its legend's symbol over the words.
    outline = (alt.value(CHOSEN_OUTLINE_WIDTHS["Not chosen"]) if suggested else alt.StrokeWidth(
        "status:N", title=None, scale=alt.Scale(domain=list(CHOSEN_OUTLINE_WIDTHS),
                                                range=list(CHOSEN_OUTLINE_WIDTHS.values())),
        legend=alt.Legend(orient="bottom")))
    chosen_words = ranked["chosen"].map({True: "Chosen priority", False: "Not chosen"})
    data = ranked.assign(
        status=SUGGESTED_LABEL if suggested else chosen_words,
        size=size,
        # A restricted issue's figures are not in the data at all: it says so instead of a volume.
        volume_text=[RESTRICTED_VOLUME if r else ("" if pd.isna(v) else f"{v:,.0f}")
                     for v, r in zip(volume, restricted, strict=True)],
        number=ranked["rank_label"].astype(str),
        key_text=[f"{n} {issue}" + (f" ({RESTRICTED_VOLUME})" if r else "")
                  for n, issue, r in zip(ranked["rank_label"], ranked["issue"], restricted, strict=True)],
    )
    plot = (width if isinstance(width, int) else LAYOUT_WIDTH[i], height)
    top = float(size.max()) if len(size) else 0.0
    radii = [_bubble_radius(v, top, BUBBLE_SIZES[i]) for v in size]
    corners = _corner_boxes(thresholds, quadrant_labels, plot, MARK_TEXT[i])
    font = MARK_TEXT[i] + 4  # the rank numbers: plain weight (bold is the quadrants' advice), so a size larger
    places = place_numbers(list(data[x]), list(data[y]), radii, list(data["number"]), plot, font,
                           obstacles=corners)
    data = data.assign(label_x=[p[0] for p in places], label_y=[p[1] for p in places])
    on_bubble = (data["label_x"] - data[x]).abs().lt(1e-9) & (data["label_y"] - data[y]).abs().lt(1e-9)
    data = data.assign(inverse=on_bubble & data["chosen"].astype(bool) & (not suggested))
    scale = alt.Scale(domain=[0, 100], nice=False)
    layers: list[alt.Chart | alt.LayerChart | alt.FacetChart] = [
        _quadrant_shading(thresholds), _quadrant_labels(thresholds, quadrant_labels, MARK_TEXT[i]),
        *_threshold_rules(thresholds),
    ]
    if last_year is not None and not last_year.empty:
        layers.append(_movement_lines(data, last_year, x, y, scale))
    top_size = top if top > 0 else 1.0
    points = alt.Chart(data).mark_point(filled=True, opacity=BUBBLE_OPACITY, stroke=BUBBLE_OUTLINE,
                                        strokeWidth=1).encode(
        x=alt.X(f"{x}:Q", title=x_title, scale=scale),
        y=alt.Y(f"{y}:Q", title=y_title, scale=scale),
        # Volume is said in words under the title, not in a legend of its own: a row of sized circles was what
        # pushed the legends past the edge of a 1366 px screen.
        order=alt.Order("size:Q", sort="descending"),  # small bubbles drawn over large ones, never hidden
        size=alt.Size("size:Q", legend=None, scale=alt.Scale(domain=[0, top_size], range=list(BUBBLE_SIZES[i]))),
        shape=alt.Shape("confidence_label:N", title="Confidence",
                        scale=alt.Scale(domain=list(CONFIDENCE_SHAPES), range=list(CONFIDENCE_SHAPES.values())),
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
        color=alt.Color("status:N", title=None, scale=alt.Scale(domain=list(colours),
                        range=list(colours.values())), legend=alt.Legend(orient="bottom")),
        strokeWidth=outline,
        tooltip=[alt.Tooltip("rank_label:N", title="Rank"), alt.Tooltip("issue:N", title="Issue"),
                 alt.Tooltip("priority:Q", title="Priority score", format=".1f"),
                 alt.Tooltip("risk:Q", title="Risk", format=".1f"), alt.Tooltip("harm:Q", title="Harm", format=".1f"),
                 alt.Tooltip("likelihood:Q", title="Likelihood", format=".1f"),
                 alt.Tooltip("position:Q", title="Position", format=".1f"),
                 alt.Tooltip("confidence_label:N", title="Confidence"), alt.Tooltip("quadrant:N", title="Matrix"),
                 alt.Tooltip("volume_text:N", title="Volume")],
    )
    moved = data[~on_bubble]
    ends = [_leader_end(bx, by, lx, ly, n, plot, font)
            for bx, by, lx, ly, n in zip(moved[x], moved[y], moved["label_x"], moved["label_y"], moved["number"],
                                         strict=True)]
    moved = moved.assign(end_x=[e[0] for e in ends], end_y=[e[1] for e in ends])
    leaders = alt.Chart(moved).mark_rule(color=LEADER_LINE, strokeWidth=1.5).encode(
        x=alt.X(f"{x}:Q", scale=scale), y=alt.Y(f"{y}:Q", scale=scale), x2="end_x:Q", y2="end_y:Q",
    )
    where = {"x": alt.X("label_x:Q", scale=scale), "y": alt.Y("label_y:Q", scale=scale), "text": "number:N"}
    # Plain weight: bold on the chart is kept for the quadrants' advice.
    text: dict[str, Any] = {"fontSize": font, "align": "center", "baseline": "middle"}
    # A halo under each number keeps it readable over a tint, a line or another bubble: white under black, and on
    # a chosen (dark blue) bubble the bubble's own colour under white, so the number reads as part of its bubble.
    chosen_colour = CHOSEN_COLOURS["Chosen priority"]
    inverse = alt.datum.inverse
    halo = alt.Chart(data).mark_text(strokeWidth=4, strokeJoin="round", **text).encode(
        **where, color=alt.condition(inverse, alt.value(chosen_colour), alt.value("#ffffff")),
        stroke=alt.condition(inverse, alt.value(chosen_colour), alt.value("#ffffff")))
    numbers = alt.Chart(data).mark_text(**text).encode(
        **where, color=alt.condition(inverse, alt.value("#ffffff"), alt.value(CHART_TEXT)),
        tooltip=[alt.Tooltip("rank_label:N", title="Rank"), alt.Tooltip("issue:N", title="Issue")])
    subtitle = ["Numbers: rank (1 = top priority), as in the ranked table. Bubble size: volume in the period.",
                *matrix_key(list(data["key_text"]), KEY_CHARS[i])]
    chart = alt.layer(*layers, points, leaders, halo, numbers).properties(
        title=alt.TitleParams([title, SUGGESTED_LABEL] if suggested else title, subtitle=subtitle, anchor="start",
                              subtitlePadding=6), height=height, width=width,
    )
    return scaled(_projector_sized(chart), present)


def matrix_key(entries: list[str], chars: int) -> list[str]:
    """The key's entries ("1 Domestic abuse") run into lines of at most ``chars`` characters, none split."""
    lines: list[str] = []
    for entry in entries:
        if lines and len(lines[-1]) + 3 + len(entry) <= chars:
            lines[-1] += f" · {entry}"
        else:
            lines.append(entry)
    return lines


def _bubble_radius(volume: float, top: float, sizes: tuple[int, int]) -> float:
    """A bubble's radius in pixels, from the size scale (area linear in volume, from zero)."""
    low, high = sizes
    area = low + (high - low) * (volume / top if top > 0 else 0.0)
    return float((area / 3.14159) ** 0.5)


Box = tuple[float, float, float, float]  # left, top, right, bottom in pixels


def place_numbers(
    xs: list[float], ys: list[float], radii: list[float], texts: list[str], plot: tuple[int, int], font: float,
    obstacles: list[Box] | None = None,
) -> list[tuple[float, float]]:
    """Where each bubble's number goes, in data units (0 to 100 on both axes), so that no two numbers overlap.

    Deterministic: in the order given (best rank first) each number goes on its own bubble if that spot is free;
    otherwise to the first free spot on rings around the bubble (right, left, above, below, then the diagonals,
    each ring further out), inside the plot and clear of the other bubbles' centres and of the ``obstacles``
    (the quadrant words). The boxes are estimated from the font size, with a margin.
    """
    width, height = plot
    px = [x / 100 * width for x in xs]
    py = [(100 - y) / 100 * height for y in ys]
    placed: list[Box] = list(obstacles or [])
    places = []
    for i, text in enumerate(texts):
        w, h = _text_box(text, font)
        spots = [(px[i], py[i])]
        for ring in range(1, 9):
            reach = radii[i] + ring * h * 0.8
            for dx, dy in ((1, 0), (-1, 0), (0, -1), (0, 1), (0.7, -0.7), (-0.7, -0.7), (0.7, 0.7), (-0.7, 0.7)):
                spots.append((px[i] + dx * (reach + (w / 2 if dx else 0)), py[i] + dy * (reach + (h / 2 if dy else 0))))
        chosen = spots[0]
        for n, (cx, cy) in enumerate(spots):
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height
            clear = not any(_overlap(box, other) for other in placed)
            # Off its own bubble, a number must not sit on another bubble's centre (it would read as that one's).
            free = n == 0 or not any(abs(cx - px[j]) < w / 2 + 3 and abs(cy - py[j]) < h / 2 + 3
                                     for j in range(len(texts)) if j != i)
            if (inside or n == 0) and clear and free:
                chosen = (cx, cy)
                break
        placed.append((chosen[0] - w / 2, chosen[1] - h / 2, chosen[0] + w / 2, chosen[1] + h / 2))
        places.append((chosen[0] / width * 100, 100 - chosen[1] / height * 100))
    return places


def _text_box(text: str, font: float) -> tuple[float, float]:
    """A number's estimated width and height in pixels, with a margin."""
    return 0.62 * font * max(len(text), 1) + 6, font + 4


def _leader_end(
    x: float, y: float, label_x: float, label_y: float, text: str, plot: tuple[int, int], font: float,
) -> tuple[float, float]:
    """Where a leader line from the bubble at (x, y) stops: at the edge of its number's box, not under it."""
    width, height = plot
    dx, dy = (x - label_x) / 100 * width, (label_y - y) / 100 * height  # pixels, from the label toward the bubble
    w, h = _text_box(text, font)
    reach = min(w / 2 / abs(dx) if dx else float("inf"), h / 2 / abs(dy) if dy else float("inf"))
    reach = min(reach, 1.0)
    return label_x + (x - label_x) * reach, label_y + (y - label_y) * reach


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _corner_boxes(
    thresholds: tuple[float, float], labels: dict[tuple[bool, bool], str], plot: tuple[int, int], font: float,
) -> list[Box]:
    """Where the quadrant words sit, in pixels, so the numbers keep off them."""
    width, height = plot
    y_line = thresholds[1]
    boxes = []
    for (high_y, high_x), text in labels.items():
        w = 0.62 * font * len(text) + 8
        left = width * 0.99 - w if high_x else width * 0.01
        top = (100 - (99 if high_y else y_line - 1)) / 100 * height
        boxes.append((left, top, left + w, top + font + 6))
    return boxes


def _quadrant_shading(thresholds: tuple[float, float]) -> alt.LayerChart | alt.FacetChart:
    """Each quadrant as a rectangle in its own fixed tint (named in words by ``_quadrant_labels``)."""
    x_line, y_line = thresholds
    scale = alt.Scale(domain=[0, 100], nice=False)
    cells = []
    for (high_y, high_x), tint in QUADRANT_TINTS.items():
        cell = pd.DataFrame({"x": [x_line if high_x else 0], "x2": [100 if high_x else x_line],
                             "y": [y_line if high_y else 0], "y2": [100 if high_y else y_line]})
        cells.append(alt.Chart(cell).mark_rect(color=tint).encode(
            x=alt.X("x:Q", scale=scale), x2="x2:Q", y=alt.Y("y:Q", scale=scale), y2="y2:Q"))
    return alt.layer(*cells)


def _quadrant_labels(
    thresholds: tuple[float, float], labels: dict[tuple[bool, bool], str], font: float = 14,
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
            baseline="top", align="right" if right else "left", fontSize=font, fontWeight="bold", color=QUADRANT_TEXT,
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
