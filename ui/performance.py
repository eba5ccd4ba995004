"""The Performance section: Partnership at a glance, Trends, Measures and Similar areas; their loaders, the way
into Trends from the overview, the measures' cards and targets editor, and the harm-weighted view."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from lib.core import formatting
from lib.core.areas import Area
from lib.core.catalogue import Indicator, find_indicator, headline_indicators, indicator_catalogue
from lib.core.export import download_name
from lib.core.periods import Period, custom_period, month_label, month_long, month_span, shift_months
from lib.performance import comparators, headline_measures, overview, targets, trend_labels
from lib.performance.measures import RAG_RULE, MeasureStatus, evaluate_measure, measure_basis, measure_figures
from lib.performance.tables import MeasuresGrid, grid_csp, headline_table, measures_grid, rag_grid
from lib.performance.targets import Target
from lib.reports.charts import harm_chart, scaled, sparkline
from lib.stats import harm, similar_areas, trends
from lib.store import summary
from lib.store.series import monthly_series, population_year, residents
from ui import link, modes, shell, signin
from ui.data import HEAVY_ENTRIES, LOOKUP_ENTRIES, TABLE_ENTRIES, Selection, Store, load_picker_areas, read
from ui.editing import editing_gate, save_form, show_outcome, write
from ui.uploads import upload_section
from ui.widgets import RAG_MATERIAL_ICONS, download_csv, judgement_grid, plain_text, rag_badge, show_as_table, table

EDITOR_KEY = "measures_editor"
EDIT_OUTCOME_KEY = "measures_edit_outcome"


def altair_chart(chart: alt.TopLevelMixin, **kwargs: Any) -> None:
    """Draw a chart as the mode wants it: in presentation mode with text of 18 px and more and heavier lines
    (``lib.reports.charts.scaled``); ``kwargs`` go to ``st.altair_chart``."""
    st.altair_chart(scaled(chart, modes.current_mode().present), **kwargs)


# Loaders ---------------------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_comparators(selection: Selection) -> comparators.Comparators:
    """The comparators the store can answer for the sidebar's area and period, and the one to open on."""

    def build(db):
        return comparators.comparators_for(db, selection.area, overview.overview_areas(db, selection.area)[0],
                                           selection.period)

    return read(selection.store, build)


def comparator_choice(selection: Selection, key: str = "compare") -> tuple[str, comparators.Comparators]:
    """The comparator picked (kept in the link as ``?compare=``), opening on the first the store can answer.

    Says which comparator is used when it is the default and the ones before it cannot be answered, and when the
    link asked for one this store cannot answer; in presentation mode (no controls) the link sets it.
    """
    held = load_comparators(selection)
    asked = link.in_link(key)
    comparator = link.choice("Compare with", held.answerable, key=key, default=held.default,
                             help="Only the comparisons this store can answer are offered.")
    if asked and asked in held.unanswerable:
        st.caption(plain_text(f"The link asked to compare with {comparators.COMPARATORS[asked].lower()}, which this "
                              f"store cannot answer ({held.unanswerable[asked]})."))
    return comparator, held


def compared_with(held: comparators.Comparators, comparator: str, note: str) -> str:
    """The caption naming the comparator used, and why, when it is the default, the ones before it were not."""
    why = held.why_default() if comparator == held.default else ""
    chosen = f", the first comparison this store can answer ({why})" if why else ""
    return f"**Compared with {plain_text(held.answerable[comparator])}**{plain_text(chosen)}. {note}"


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


def csp_for_measures(selection: Selection, csps: list[Area]) -> Area | None:
    """The sidebar's CSP, or (for a county, below its grid) one of its CSPs ``csps`` chosen here, remembered in the
    link as ``csp``; None when the county has no CSP with figures."""
    if selection.area.kind == "csp":
        return selection.area
    if not csps:
        return None
    st.subheader("One CSP in detail", anchor=False)
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


# Measures: every CSP at a glance, and measures without targets ---------------------------------------------

MEASURES_GRID_KEY = "measures_grid"
# The overview's tints behind the status words, so the two grids read alike (the word carries the meaning).
_STATUS_TINTS = {"Green": "Better", "Amber": "Similar", "Red": "Worse", "Not rated": "Higher"}
_OTHER_STATUS_ICON = ":material/remove:"


@st.cache_data(show_spinner="Working out every CSP's measures…", max_entries=HEAVY_ENTRIES)
def load_measures_grid(selection: Selection) -> MeasuresGrid:
    """Every CSP of the sidebar's county (or force area) by measure: against targets where held, else against the
    comparator the store can answer."""
    return read(selection.store, measures_grid, selection.area, selection.period)


@st.cache_data(show_spinner="Comparing the headline indicators…", max_entries=TABLE_ENTRIES)
def load_headline_statuses(
    store: Store, csp: Area, period: Period
) -> tuple[comparators.Comparators, list[headline_measures.HeadlineStatus]]:
    """A CSP's headline indicators judged against the first comparator the store can answer, and that choice."""

    def build(db):
        choice = headline_measures.comparator_choice(db, csp, period)
        return choice, headline_measures.csp_headline_statuses(db, csp, period, choice.default)

    return read(store, build)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_targets_template(store: Store, csps: tuple[Area, ...], latest_month: str) -> pd.DataFrame:
    """The targets template for some CSPs: their held targets, then a row per headline indicator without one."""

    def build(db):
        held = [t for csp in csps for t in targets.load_targets(db, csp.code)]
        return headline_measures.targets_template(db, list(csps), latest_month, held)

    return read(store, build)


def measures_grid_view(selection: Selection, grid: MeasuresGrid) -> None:
    """A county's grid: every CSP by measure, the status word first in each cell; a cell opens that CSP's measures."""
    area, period = selection.area, selection.period
    if grid.against_targets:
        shell.headline("Measures against their targets", f"the CSPs of {area.name}", f"up to {month_long(period.end)}",
                       normal=f"{area.name}: every CSP's measures against their targets, up to "
                              f"{month_label(period.end)}")
    else:
        against = _against(grid.choice, grid.comparator)
        shell.headline(f"Headline indicators against {against}", f"the CSPs of {area.name}", period.title,
                       normal=f"{area.name}: every CSP's headline indicators against {against}, {period.span}")
    frame, words = rag_grid(grid.cells, grid.csps)
    clicked = judgement_grid(frame, words.map(lambda w: _STATUS_TINTS.get(w, "")), key=MEASURES_GRID_KEY,
                             present=modes.current_mode().present)
    if clicked is not None:
        csp = grid_csp(frame, *clicked, grid.csps)
        if csp is not None:
            st.switch_page("pages/measures.py", query_params={"area": csp.code, "period": period.key})
    # A projector's grid is a plain table: nothing there to select.
    select = "" if modes.current_mode().present else " Select a cell to open that CSP's measures."
    if grid.against_targets:
        st.caption("Each cell: the measure's status (✓ Green, ! Amber, ✗ Red, – No data) and its figure so far; "
                   f"— where the CSP has no target on that measure.{select}")
        measures_rule(RAG_RULE, "measures_grid")
    else:
        _headline_rule(grid.choice, grid.comparator, "measures_grid")
        st.caption("Each cell: the status and the figure for the period (a rate per 1,000 residents where population "
                   f"is held, else a count).{select}")
    download_csv("Download the grid (CSV)", frame, download_name("measures-grid", area.name),
                 key="measures_grid_csv")


def headline_measures_view(selection: Selection, csp: Area, with_rule: bool = True) -> list[Indicator]:
    """A CSP without targets: its headline indicators judged against the comparator, the rule stated (unless the
    county's grid above has stated it: ``with_rule``); returns the indicators shown (for their caveats)."""
    period = selection.period
    choice, statuses = load_headline_statuses(selection.store, csp, period)
    against = _against(choice, choice.default)
    shell.headline(f"Headline indicators against {against}", f"{csp.name} CSP", period.title,
                   normal=f"{csp.name} CSP: headline indicators against {against}, {period.span}")
    status_metrics(headline_measures.status_counts(statuses))
    table(headline_table(statuses, plain=modes.plain_words()))
    # Below the table, so on a projector the table fits the first screen under the headline, which names the comparator.
    st.info(plain_text(f"{csp.name} has no targets set, so each headline indicator (the rows of Partnership at a "
                       f"glance) is judged against {against} instead."), icon=":material/info:")
    if with_rule:
        _headline_rule(choice, choice.default, "measures_headline")
    download_csv("Download the headline indicators (CSV)", headline_table(statuses),
                 download_name("headline-indicators", csp.name), key="measures_headline_csv")
    return [s.indicator for s in statuses]


def _against(choice: comparators.Comparators | None, comparator: str) -> str:
    return headline_measures.compared_with(choice, comparator) if choice else comparator


def _headline_rule(choice: comparators.Comparators | None, comparator: str, key: str) -> None:
    """The rule, which comparator and why, and the method in "How this is worked out"."""
    if choice is None:
        return
    st.markdown(headline_measures.headline_rule(plain_text(_against(choice, comparator))))
    st.caption(plain_text(headline_measures.why_compared(choice, comparator)))
    shell.worked_out(f"How each status is decided: {overview.COMPARATOR_NOTES.get(comparator, '')} The statuses are "
                     "the judgements of Partnership at a glance for the same comparison, in RAG words: Better is "
                     "Green, Similar Amber, Worse Red. Recent trend: a chi-squared test for trend on the five latest "
                     "months, at the 99.8% level.", key=key)


def measures_rule(text: str, key: str) -> None:
    """The targets' RAG rule one click away (in presentation mode, where expanders are hidden, in "How this is
    worked out")."""
    if modes.current_mode().present:
        shell.worked_out(text, key=key)
        return
    with st.expander("How the status is decided", expanded=False):
        st.markdown(text)


def status_metrics(counts: dict[str, int]) -> None:
    """How many are at each status, as metrics with the word and an icon (never colour alone)."""
    with st.container(horizontal=True):
        for status, number in counts.items():
            icon = RAG_MATERIAL_ICONS.get(status, _OTHER_STATUS_ICON)
            st.metric(f"{icon} {status}", formatting.count(number), border=True)


def set_targets(store: Store, csps: list[Area], latest_month: str, has_targets: bool, where: str) -> None:
    """The short way to targets: a template for everyone; for a signed-in editor, the upload (and, when targets are
    held, the table to edit them). A viewer is never pointed at a control that is not on their screen; a room (in
    presentation mode, where downloads and uploads are hidden) is shown none of it."""
    if modes.current_mode().present:
        return
    st.subheader("Set targets", anchor=False)
    target_year, baseline_year = headline_measures.template_years(latest_month)
    template = load_targets_template(store, tuple(csps), latest_month)
    listed = f"the headline indicators of every CSP in {where}" if len(csps) > 1 else f"{where}'s headline indicators"
    if template["target_value"].notna().any():
        listed = f"the targets held and {listed}"
    if signin.current_editor() is not None:
        st.markdown(plain_text(
            f"Download the template, fill in a target_value on each row you want as a measure (for example -3 for a "
            f"3% reduction on {baseline_year}), delete the other rows, and import it below."))
    else:
        st.markdown(plain_text(
            f"Targets are set by the partnership's editors. The template lists {listed} in the layout the "
            f"dashboard imports, with each one's {baseline_year} figure where the store holds that whole "
            f"year: fill in a target for {target_year} on each row you want as a measure and send it to an editor."))
    download_csv("Download a targets template (CSV)", template, download_name("targets-template", where),
                 key="measures_template_csv")
    if not has_targets:
        targets_upload()


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
