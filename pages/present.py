"""Guided presentation: the annual event's screens in order, one message each, moved through with next/previous."""

from ui.preload import require_app_shell

require_app_shell()  # before any other import: see ui.preload

from datetime import date

import streamlit as st

from lib.hotspots.views import headline, hot_spot_share, hotspot_caption, map_sentence, method_caption, what_options
from lib.performance.trend_labels import LEVELS, chart_labels
from lib.priorities import action_plan
from lib.priorities.evidence import ranked_with_volume
from lib.priorities.scoring import POSITION_THRESHOLD, QUADRANTS, RISK_THRESHOLD, ranked
from lib.priorities.tables import ranked_table
from lib.reports import presentation
from lib.reports.charts import trend_chart
from lib.stats.trends import rolling_comparison
from ui import actions, data, hotspots, modes, performance, present, priorities, sidebar, widgets

selection = sidebar.current_selection()
if selection is None:
    st.title("Guided presentation")
    widgets.caveat("No incidents are loaded yet, so there is nothing to present. The Data page's 'Set up your area' "
                   "says how to add them.")
    st.stop()
store, area, period = selection.store, selection.area, selection.period
catalogue = {i.key: i for i in data.load_catalogue(store)}
mappable = what_options(list(catalogue.values()))
agreed, shown = present.presented_assessments(store, area)
chosen = presentation.chosen_priorities(ranked(agreed[1])) if agreed else []
steps = presentation.event_sequence(chosen, catalogue, mappable)
number = present.guided_step(len(steps))
step = steps[number - 1]


def overview_step() -> None:
    headlines = data.load_headlines(selection)
    widgets.message(presentation.overview_message(area.name, headlines, period.span))
    widgets.headline_metrics(headlines, key="present_headlines")
    st.caption(f"Source: police.uk street-level data, {period.span}, compared with the same months a year earlier.")


def trend_step() -> None:
    indicator = catalogue[step.indicator_key]
    monthly = indicator.frequency == "monthly"
    view = "rolling" if monthly and data.load_overview(store).months >= 12 else "monthly" if monthly else "yearly"
    if monthly:
        monthly_counts = performance.load_monthly_series(store, area, indicator)
        window = rolling_comparison(monthly_counts, period.end, indicator.polarity)
        widgets.message(presentation.trend_message(indicator.name, area.name, window))
    labels = chart_labels(indicator, view, "count", "95")
    points = performance.load_trend_lines(store, (area,), indicator, view, False, LEVELS["95"], period.end)
    if points.empty:
        st.info(f"No figures for {indicator.name} in {area.name}: {labels.missing}")
        return
    target = performance.load_target_line(store, area, indicator, view, "count")
    chart = trend_chart(points, f"{indicator.name}: {labels.view}", labels.y, "95% CI",
                        target=target.value if target else None, target_label=target.label if target else "",
                        baseline=target.baseline if target else None)
    performance.altair_chart(chart, width="stretch", key="present_trend",
                             alt=f"Line chart of {indicator.name} in {area.name}, {labels.view}, with a shaded 95% "
                                 "interval.")
    st.caption(f"Source: {widgets.plain_text(indicator.source)}. {labels.caption} {period.span}.")
    widgets.show_as_table(points, key="present_trend_table")


def hotspots_step() -> None:
    indicator = mappable[step.indicator_key]
    categories = tuple(indicator.categories)
    resolution = hotspots.load_suggested_resolution(store, area)
    view = hotspots.load_hotspots(store, area, categories, period.start, period.end, "h3", resolution)
    hot, share = hot_spot_share(view.result)
    mode = modes.current_mode()
    plain = mode.present or mode.public
    # Under the step's title, what is mapped, where and when.
    widgets.message(headline(indicator, area, period))
    drawn = hotspots.load_hotspot_deck(store, area, categories, period.start, period.end, "h3", resolution, "gi",
                                       False, False, hotspots.map_view_size(True), plain)
    picture, key_column = st.columns([2.4, 1], vertical_alignment="top")
    with picture:
        st.pydeck_chart(drawn.deck, height=hotspots.map_height(True), key="present_map",
                        alt=f"Map of {indicator.name} hot and cold spots in {area.name}, with each partnership named.")
    with key_column:
        hotspots.map_legend(drawn.legend, wrap=True)
    widgets.message(presentation.hotspot_message(indicator.name, hot, share, view.result.total))
    st.caption(widgets.plain_text(map_sentence("gi", "h3")))
    st.caption(widgets.plain_text(hotspot_caption(view.result, indicator, area, period, plain=plain)))
    if plain:
        with st.expander("How this is worked out"):
            st.caption(widgets.plain_text(method_caption(view.result, indicator, area, period)))


def no_figures_step() -> None:
    restricted = step.indicator_key in data.load_hidden_keys(store)
    note = presentation.RESTRICTED_NOTE if restricted else presentation.NOT_HELD_NOTE
    widgets.message(presentation.about_area(area.name, note))


def matrix_step() -> None:
    if shown is None:  # no agreed assessment: a working draft is never put in front of the room
        widgets.message(presentation.about_area(area.name, present.unagreed_message(store, area)))
        return
    version, held = shown
    frame = ranked_with_volume(held, priorities.load_evidence(store, area, period.start, period.end))
    widgets.message(presentation.about_area(area.name, presentation.matrix_message(version.year, frame)))
    spec = priorities.matrix_spec(frame, "risk_position", (POSITION_THRESHOLD, RISK_THRESHOLD), QUADRANTS,
                                  f"{area.name}: priorities for {version.year} ({version.name})",
                                  present=modes.current_mode().present)
    st.vega_lite_chart(spec, width="stretch", key="present_matrix",
                    alt="Bubble chart of risk against the partnership's position for each issue assessed.")
    widgets.table(ranked_table(frame)[["Rank", "Issue", "Priority score", "Matrix", "Chosen"]].head(8))


def actions_step() -> None:
    plan = actions.load_actions(store)
    today = date.today()
    widgets.message(presentation.about_area(area.name, presentation.actions_message(plan, today)))
    if not plan:
        return
    summary = action_plan.rag_summary(plan, today)
    widgets.rag_summary({rag: int(summary.iloc[-1][rag]) for rag in (*action_plan.RAGS, "Overdue")})
    widgets.table(summary)
    st.caption(f"Overdue: the completion date has passed ({today:%d %b %Y}) and the action is not complete.")


st.title(step.title)
{
    presentation.OVERVIEW: overview_step, presentation.TREND: trend_step, presentation.HOTSPOTS: hotspots_step,
    presentation.NO_FIGURES: no_figures_step, presentation.MATRIX: matrix_step, presentation.ACTIONS: actions_step,
}[step.kind]()
present.step_buttons(number, len(steps))
if not modes.current_mode().present:
    present.sequence_outline(steps, number)
