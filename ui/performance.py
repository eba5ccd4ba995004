"""The Performance section: Partnership at a glance, Trends, Measures and Similar areas; their loaders, the way
into Trends from the overview, the measures' cards and targets editor, and the harm-weighted view."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from lib.core.areas import Area
from lib.core.catalogue import Indicator, find_indicator, headline_indicators, indicator_catalogue
from lib.core.periods import Period, custom_period, month_span, shift_months
from lib.performance import overview, targets, trend_labels
from lib.performance.measures import MeasureStatus, evaluate_measure, measure_basis, measure_figures
from lib.performance.targets import Target
from lib.reports.charts import harm_chart, scaled, sparkline
from lib.stats import harm, similar_areas, trends
from lib.store import summary
from lib.store.series import monthly_series, population_year, residents
from ui import link, modes
from ui.data import HEAVY_ENTRIES, LOOKUP_ENTRIES, TABLE_ENTRIES, Selection, Store, load_picker_areas, read
from ui.editing import editing_gate, save_form, show_outcome, write
from ui.uploads import upload_section
from ui.widgets import plain_text, rag_badge, show_as_table, table

EDITOR_KEY = "measures_editor"
EDIT_OUTCOME_KEY = "measures_edit_outcome"


def altair_chart(chart: alt.TopLevelMixin, **kwargs: Any) -> None:
    """Draw a chart as the mode wants it: in presentation mode with text of 18 px and more and heavier lines
    (``lib.reports.charts.scaled``); ``kwargs`` go to ``st.altair_chart``."""
    st.altair_chart(scaled(chart, modes.current_mode().present), **kwargs)


# Loaders ---------------------------------------------------------------------------------------------------


@st.cache_data(show_spinner="Working out the grid…", max_entries=HEAVY_ENTRIES)
def load_overview_grid(selection: Selection, comparator: str) -> tuple[list[Area], list[Indicator], list]:
    """The overview grid's areas, indicators and cells for the sidebar's period."""

    def build(db):
        areas = overview.overview_areas(db, selection.area)
        indicators = headline_indicators(indicator_catalogue(db))
        return areas, indicators, overview.overview_cells(db, areas, indicators, selection.period, comparator)

    return read(selection.store, build)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_trend_lines(
    store: Store, areas: tuple[Area, ...], indicator: Indicator, view: str, as_rate: bool, level: float, end: str
) -> pd.DataFrame:
    """One indicator's chart points for several areas."""
    return read(store, trends.trend_lines, indicator, list(areas), view, as_rate, level, end)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_monthly_series(store: Store, area: Area, indicator: Indicator) -> pd.DataFrame:
    """One indicator's monthly counts in one area (every month held)."""
    return read(store, monthly_series, indicator, area)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_target_line(store: Store, area: Area, indicator: Indicator, view: str, measure: str):
    """The area's target for an indicator, in a chart's units."""
    return read(store, trend_labels.target_line, indicator, area, view, measure)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_missing_values(store: Store, areas: tuple[Area, ...], indicator: Indicator) -> trend_labels.MissingValues:
    """The chosen areas an indicator has no values for, with words saying where it has some."""
    return read(store, trend_labels.missing_values, indicator, list(areas))


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_trend_marker(store: Store, area: Area, indicator: Indicator):
    """The recent-trend test on an area's five latest months (None for a yearly indicator)."""

    def build(db):
        if indicator.frequency != "monthly":
            return None
        monthly = monthly_series(db, indicator, area)
        if monthly.empty:
            return None
        people = residents(db, area, population_year(monthly["month"].iloc[-1])) if indicator.is_police else None
        return trends.monthly_trend(monthly, indicator.polarity, people)

    return read(store, build)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_category_counts(store: Store, area: Area, start: str, end: str) -> pd.DataFrame:
    """Monthly counts by police.uk category (long: month, category, count) for the harm-weighted view."""
    period = custom_period(start, end)
    wide = read(store, summary.monthly_category_counts, area, period)
    return wide.melt(id_vars="month", var_name="category", value_name="count")


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_targets(store: Store, csp_code: str | None = None) -> list[Target]:
    """Targets (all, or one CSP's)."""
    return read(store, targets.load_targets, csp_code)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_target_history(store: Store, csp_code: str) -> list[dict]:
    """One CSP's target changes, newest first."""
    return read(store, targets.target_history, csp_code)


@st.cache_data(show_spinner="Checking each measure…", max_entries=TABLE_ENTRIES)
def load_measure_statuses(store: Store, area: Area, latest_month: str) -> list[MeasureStatus]:
    """Every measure of one CSP the viewer may see, evaluated up to a month."""

    def build(db):
        catalogue = indicator_catalogue(db)
        return [evaluate_measure(db, t, find_indicator(catalogue, t.indicator_key), area, latest_month)
                for t in targets.load_targets(db, area.code)]

    return read(store, build)


@st.cache_data(show_spinner="Finding similar areas…", max_entries=HEAVY_ENTRIES)
def load_peer_comparison(store: Store, csp_code: str, categories: tuple[str, ...], start: str, end: str):
    """A CSP against its most similar group (None when no group can be formed)."""
    return read(store, similar_areas.peer_comparison, csp_code, list(categories), start, end)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_no_group_reason(store: Store, csp_code: str, start: str, end: str) -> str:
    """Why a CSP has no similar-areas group."""
    reason = read(store, similar_areas.no_group_reason, csp_code, start, end)
    return reason or "No similar-areas group could be formed for this indicator and period."


# Partnership at a glance -----------------------------------------------------------------------------------


def open_trends(indicator_key: str, area: Area, period: Period) -> None:
    """Go to Trends showing one indicator for one area and period."""
    st.switch_page("pages/trends.py", query_params={"indicator": indicator_key, "area": area.code,
                                                     "period": period.key})


def trends_links(areas: list[Area], indicators: list[Indicator], period: Period, key: str) -> None:
    """Keyboard-friendly links into Trends: pick an area and an indicator, then follow the link."""
    with st.expander("Open an indicator in Trends"):
        left, right = st.columns(2)
        area = left.selectbox("Area", areas, format_func=lambda a: a.name, key=f"{key}_area")
        indicator = right.selectbox("Indicator", indicators, format_func=lambda i: i.name, key=f"{key}_indicator")
        st.page_link("pages/trends.py", label=f"Open {indicator.name} for {area.name} in Trends",
                     icon=":material/show_chart:",
                     query_params={"indicator": indicator.key, "area": area.code, "period": period.key})


# Trends: the harm-weighted view ----------------------------------------------------------------------------


def harm_weighted_view(store: Store, area: Area, start: str, end: str) -> None:
    """Counts beside harm: each incident weighted by its offence's severity, with weights the user can edit."""
    st.markdown(
        "A count of minor offences can hide a rise in serious harm. Here each crime counts by the severity "
        "weight of its category, so a robbery weighs more than a shoplifting. Edit the weights to try others; "
        "your edits last for this visit only."
    )
    defaults = harm.default_harm_weights()
    edited = st.data_editor(
        defaults, hide_index=True, key="harm_weights", disabled=["Category", "ONS offence groups", "Note"],
        column_config={"Weight": st.column_config.NumberColumn("Weight", min_value=0.0, format="%.1f",
                                                               required=True)},
    )
    try:
        weights = harm.validate_harm_weights(edited)
    except ValueError as error:
        st.error(f"Those weights cannot be used: {plain_text(str(error))}. The default weights are used instead.")
        weights = harm.validate_harm_weights(defaults)
    st.caption(plain_text(harm.HARM_SOURCE))
    counts = load_category_counts(store, area, start, end)
    weighted = harm.harm_weighted_counts(counts, weights)
    index = trends.count_and_harm_index(weighted)
    altair_chart(harm_chart(index, f"Incidents and harm in {area.name}, {month_span(start, end)}"),
                 width="stretch", alt=f"Two lines, incidents and harm-weighted incidents in {area.name}, each "
                                      "indexed to 100. Switch on 'Show as a table' below for the numbers.")
    st.caption(f"Source: police.uk street-level data, {month_span(start, end)}, {plain_text(area.name)}. Both "
               "lines are indexed to their first 12 months' average (= 100): they show how each moved, not its size.")
    show_as_table(index.pivot(index="month", columns="series", values="value").round(0).reset_index(),
                  key="harm_show_table")
    latest = counts[counts["month"] > shift_months(end, -12)]
    st.markdown(f"**Where the harm lies, {month_span(shift_months(end, -11), end)}**")
    share = harm.harm_share(latest, weights)
    table(share.round({"count_share": 1, "harm_share": 1, "harm": 0, "weight": 1}).rename(columns={
        "category": "Category", "count": "Incidents", "count_share": "% of incidents", "weight": "Weight",
        "harm": "Harm (incidents × weight)", "harm_share": "% of harm",
    }))


# Measures --------------------------------------------------------------------------------------------------


def csp_for_measures(selection: Selection) -> Area | None:
    """The sidebar's CSP, or (for a county) a CSP with targets chosen here, remembered in the link as ``csp``."""
    if selection.area.kind == "csp":
        return selection.area
    codes = {t.csp_code for t in load_targets(selection.store)}
    csps = [a for a in load_picker_areas(selection.store) if a.code in codes]
    if not csps:
        return None
    return _csp_picker(csps)


def measure_card(status: MeasureStatus) -> None:
    """One measure: its words, status, the numbers behind the status, a sparkline and the latest commentary."""
    target = status.target
    with st.container(border=True):
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(f"#### {plain_text(target.measure)}")
            rag_badge(status.rag)
        # The picture first, so on a projector it is on the first screen; then the figures, on one row there (their
        # labels wrap).
        if len(status.sparkline) > 1:
            altair_chart(sparkline(status.sparkline), width="stretch", height=70,
                         alt=f"Small line chart of the last {len(status.sparkline)} months of this measure.")
        with st.container(horizontal=True, wrap=not modes.current_mode().present):
            for label, value in measure_figures(status):
                st.metric(label, value)
        st.caption(plain_text(f"{status.rag}: {status.reason}. {measure_basis(status)}"))
        if target.commentary:
            st.markdown(f"**Commentary:** {plain_text(target.commentary)}")
        if target.updated_by:
            st.caption(plain_text(f"Last updated by {target.updated_by}, {(target.updated_at or '')[:10]}"))


def targets_editor(store: Store, csp: Area, held: list[Target]) -> None:
    """Edit a CSP's targets and commentary in a table; each change is stored with who, when and why."""
    if not held:
        st.caption("No targets to edit yet.")
        return
    who = editing_gate("targets")
    if who is None:
        return
    frame = targets.targets_frame(held)
    edited = st.data_editor(
        frame, hide_index=True, key=EDITOR_KEY, disabled=["id", "indicator_key", "target_period"],
        column_config=targets_editor_columns(), column_order=[c for c in frame.columns if c != "id"],
    )
    saved, reason = save_form("measures_save", "edit_reason")
    if saved:
        _save_target_edits(store, frame, edited, who, reason)
    show_outcome(EDIT_OUTCOME_KEY)


def targets_editor_columns() -> dict:
    """Column settings for the targets editor: choices where the store allows only some values."""
    return {
        "measure": st.column_config.TextColumn("Measure", width="large", required=True, max_chars=2000),
        "indicator_key": st.column_config.TextColumn("Indicator"),
        "target_type": st.column_config.SelectboxColumn("Type", options=list(targets.TARGET_TYPES), required=True),
        "target_value": st.column_config.NumberColumn(
            "Value", help="% change (e.g. -3), a number to reach, or -1 / 1 for a direction", required=True),
        "baseline_period": st.column_config.TextColumn("Baseline", help="A financial year, e.g. 2025/26"),
        "target_period": st.column_config.TextColumn("Target year"),
        "basis": st.column_config.SelectboxColumn("Basis", options=list(targets.BASES), required=True),
        "commentary": st.column_config.TextColumn("Commentary", width="large", max_chars=2000),
    }


def _save_target_edits(store: Store, before: pd.DataFrame, after: pd.DataFrame, who: str, reason: str) -> None:
    changes = targets.edited_rows(before, after)
    write(store, EDIT_OUTCOME_KEY, lambda db: sum(
        targets.update_target(db, target_id, fields, who, reason or None) for target_id, fields in changes.items()
    ), lambda count: f"Saved {count} change(s) by {who}.")


def targets_upload() -> None:
    """Upload a targets CSV (layout in docs/formats.md); held targets are updated, with history."""
    upload_section("targets", "Targets CSV", ["csv"], key="targets_upload")


# Similar areas ---------------------------------------------------------------------------------------------


def csp_for_similar(selection: Selection) -> Area:
    """The sidebar's CSP, or (for a county) one of its CSPs chosen here, remembered in the link as ``csp``."""
    if selection.area.kind == "csp":
        return selection.area
    return _csp_picker([a for a in load_picker_areas(selection.store) if a.kind == "csp"])


def _csp_picker(csps: list[Area]) -> Area:
    by_code = {a.code: a for a in csps}
    code = link.selectbox("CSP", {c: a.name for c, a in by_code.items()}, key="csp",
                          help="Pick a CSP in the sidebar to stay on it across pages.")
    return by_code[code]
