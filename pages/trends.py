"""Trends: indicators over time for one or more areas, with confidence intervals, targets and comparisons."""

from ui.preload import require_app_shell

require_app_shell()  # before any other import: see ui.preload

import streamlit as st

from lib.core.periods import month_span, shift_months
from lib.performance.trend_labels import (
    LEVELS,
    MEASURES,
    TREND_METHOD,
    chart_labels,
    comparison_table,
    interval_words,
    plain_trend_words,
    trend_test_words,
    trend_words,
    view_when,
)
from lib.reports.charts import seasonal_chart, trend_chart
from lib.stats.trends import VIEWS, fytd_comparison, rolling_comparison, seasonal_table
from ui import data, link, modes, performance, shell, widgets

selection = shell.page_start("Trends")

store, area, period = selection.store, selection.area, selection.period
catalogue = {i.key: i for i in data.load_catalogue(store)}
others = {a.code: a for a in data.load_picker_areas(store) if a.code != area.code}
left, right = st.columns([3, 2])
with left:
    keys = link.multiselect("Indicators", {k: i.name for k, i in catalogue.items()}, key="indicator",
                            default=list(catalogue)[:1], max_selections=4,
                            placeholder="Choose up to four indicators")
with right:
    extra = link.multiselect(f"Compare {widgets.plain_text(area.name)} with", {c: a.name for c, a in others.items()},
                             key="areas", default=[], max_selections=4, placeholder="Other areas (optional)")
# With under a year held there is no rolling total to draw, so the monthly view is the useful default.
first_view = "rolling" if data.load_overview(store).months >= 12 else "monthly"
view = link.choice("View", VIEWS, key="view", default=first_view)
measure_column, level_column = st.columns(2)
with measure_column:
    measure = link.choice("Show", MEASURES, key="measure", default="count")
with level_column:
    level_key = link.choice("Confidence interval", {k: f"{k}%" for k in LEVELS}, key="level", default="95")
level = LEVELS[level_key]
indicators = [catalogue[k] for k in keys if k in catalogue]
areas = (area, *(others[c] for c in extra if c in others))
if not indicators:
    st.info("Choose an indicator above to see its trend.")
    st.stop()
# Areas a partner sent no values for: said once per indicator, and left out of the tables rather than shown as 0.
missing = {i.key: performance.load_missing_values(store, areas, i) for i in indicators}

shell.headline([i.name for i in indicators], " and ".join(a.name for a in areas)
               if len(areas) < 3 else f"{', '.join(a.name for a in areas[:-1])} and {areas[-1].name}",
               view_when(view, period.end, indicators[0].frequency))
plain = modes.plain_words()

chart_tab, table_tab, season_tab, harm_tab = link.tabs(
    ["Trend", "Year to date and rolling 12 months", "Same month in earlier years", "Harm-weighted"]
)

with chart_tab:
    for indicator in indicators:
        points = performance.load_trend_lines(store, areas, indicator, view, measure == "rate", level, period.end)
        labels = chart_labels(indicator, view, measure, level_key)
        absent = missing[indicator.key]
        if absent.areas:
            st.info(widgets.plain_text(absent.words))
        if points.empty:
            if len(absent.areas) < len(areas):  # some area has values, just none this view can draw
                st.info(widgets.plain_text(f"No figures for {indicator.name} in this view: {labels.missing}"))
            continue
        target = performance.load_target_line(store, area, indicator, view, measure)
        performance.altair_chart(
            trend_chart(points, f"{indicator.name}: {labels.view}", labels.y, f"{level_key}% CI",
                        target=target.value if target else None, target_label=target.label if target else "",
                        baseline=target.baseline if target else None),
            width="stretch", key=f"trend_chart_{indicator.key}",
            alt=f"Line chart of {indicator.name}, {labels.view}, for {', '.join(a.name for a in areas)}, with a "
                f"shaded {level_key}% interval. Switch on 'Show as a table' below for the numbers.",
        )
        markers = [(each, performance.load_trend_marker(store, each, indicator)) for each in areas]
        for each, result in markers:
            if result is not None:
                st.markdown((plain_trend_words if plain else trend_words)(widgets.plain_text(each.name), result))
        st.caption(
            f"Source: {widgets.plain_text(indicator.source)}. {labels.caption} "
            f"{interval_words(level_key, labels.method, plain)} Months: {period.span}."
            + (f" Target: {widgets.plain_text(target.explanation)}" if target else "")
        )
        if plain:
            shell.worked_out(
                f"Shaded: {level_key}% confidence interval ({labels.method}). "
                + next((trend_test_words(r) for _, r in markers if r is not None), TREND_METHOD),
                key=f"trend_{indicator.key}")
        widgets.caveat_for([indicator])
        widgets.show_as_table(points, key=f"trend_table_{indicator.key}")

with table_tab:
    st.markdown(
        f"**Financial year to date** (April to {month_span(period.end, period.end)}) against the same months a year "
        f"earlier, and the **12 months to {month_span(period.end, period.end)}** against the 12 before. "
        + ("*Beyond chance* means a change too large to be chance alone." if plain else
           "*Beyond chance* means the exact test for two counts (conditional binomial) gives p below 0.05.")
    )
    if plain:
        shell.worked_out("Beyond chance: the exact test for two counts (conditional binomial) gives p below 0.05.",
                         key="trend_comparisons")
    monthly_indicators = [i for i in indicators if i.frequency == "monthly"]
    rows = []
    for indicator in monthly_indicators:
        for each in (a for a in areas if a not in missing[indicator.key].areas):
            monthly = performance.load_monthly_series(store, each, indicator)
            rows.append((indicator, each.name, fytd_comparison(monthly, period.end, indicator.polarity)))
            rows.append((indicator, each.name, rolling_comparison(monthly, period.end, indicator.polarity)))
    if rows:
        widgets.table(comparison_table(rows))
        widgets.download_csv("Download this table (CSV)", comparison_table(rows), "year_to_date_and_rolling.csv",
                             key="trends_comparisons_csv")
    elif monthly_indicators:
        st.info("The chosen indicators have no values for the chosen areas: see the Trend tab.")
    else:
        st.info("These comparisons need monthly figures; the chosen indicators are yearly.")

with season_tab:
    for indicator in (i for i in indicators if i.frequency == "monthly"):
        monthly = performance.load_monthly_series(store, area, indicator)
        table = seasonal_table(monthly[monthly["month"] <= period.end])
        if table.empty:
            continue
        performance.altair_chart(
            seasonal_chart(table, f"{indicator.name} in {area.name}, month by month", "Count per month"),
            width="stretch", key=f"season_chart_{indicator.key}",
            alt=f"Lines of {indicator.name} in {area.name} month by month, one per financial year. Switch on "
                "'Show as a table' below for the numbers.",
        )
        st.caption(f"Source: {widgets.plain_text(indicator.source)}. Each line is one financial year (April to March).")
        widgets.show_as_table(table[["year", "month_name", "count"]].rename(
            columns={"year": "Financial year", "month_name": "Month", "count": "Count"}),
            key=f"season_table_{indicator.key}")

with harm_tab:
    performance.harm_weighted_view(store, area, shift_months(period.end, -23), period.end)
