"""The Priority matrix: assessments and their versions, the scores suggested from the evidence where a year has none,
the evidence behind each issue, starting a year's draft, the scores editor and saving a version. The tables in words
are ``lib.priorities.tables``."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.core.areas import Area
from lib.core.catalogue import indicator_catalogue
from lib.core.periods import custom_period, month_span
from lib.priorities import assessments
from lib.priorities import evidence as priority_evidence
from lib.priorities.evidence import Evidence
from lib.priorities.evidence_table import evidence_figures
from lib.priorities.scoring import FIELD_LABELS, SCALES, Assessment, check_assessment, level_label
from lib.priorities.suggestions import refreshed, suggested_scores
from lib.priorities.tables import editor_frame
from lib.reports.chart_spec import vega_lite_spec
from lib.reports.charts import priority_matrix_chart
from ui.data import HEAVY_ENTRIES, LOOKUP_ENTRIES, TABLE_ENTRIES, Store, load_catalogue, read
from ui.editing import editing_gate, refuse, save_form, show_outcome, write
from ui.signin import current_editor, setup
from ui.widgets import plain_text

ASSESSMENT_EDITOR_KEY = "assessment_editor"
ASSESSMENT_OUTCOME_KEY = "assessment_outcome"
MATRIX_VIEWS = {"risk_position": "Risk against position", "harm_likelihood": "Harm against likelihood"}


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_versions(store: Store, area_code: str) -> list[assessments.AssessmentVersion]:
    """Every assessment version of one area, newest year first."""
    return read(store, assessments.list_versions, area_code)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_assessment(store: Store, version_id: int) -> list[Assessment]:
    """One version's scores, issue by issue."""
    return read(store, assessments.load_version, version_id)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_previous_assessment(store: Store, area_code: str, year: str):
    """The latest saved assessment of the year before, with its scores (None when there is none)."""

    def build(db):
        version = assessments.previous_year_version(db, area_code, year)
        return None if version is None else (version, assessments.load_version(db, version.id))

    return read(store, build)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_assessment_history(store: Store, version_id: int) -> list[dict]:
    """The changes made to one version, newest first."""
    return read(store, assessments.assessment_history, version_id)


@st.cache_data(show_spinner="Gathering the evidence for each issue…", max_entries=HEAVY_ENTRIES)
def load_evidence(store: Store, area: Area, start: str, end: str) -> dict[str, Evidence]:
    """The evidence for every candidate issue in an area and period, by issue name (an issue whose indicator the
    viewer may not see says "figures restricted", with no figure)."""

    def build(db):
        candidates = priority_evidence.candidate_issues(indicator_catalogue(db))
        return priority_evidence.evidence_by_issue(db, candidates, area, custom_period(start, end))

    return read(store, build)


def load_suggestions(store: Store, area: Area, start: str, end: str) -> list[Assessment]:
    """The scores the evidence suggests for every candidate issue, from what this viewer may see (a restricted
    issue's figures are not read, so its suggestion gives nothing of them away). Nobody has agreed them."""
    evidence = load_evidence(store, area, start, end)
    return suggested_scores(priority_evidence.candidate_issues(load_catalogue(store)), evidence)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def matrix_spec(ranked: pd.DataFrame, axes: str, thresholds: tuple[float, float],
                quadrant_labels: dict[tuple[bool, bool], str], title: str, last_year: pd.DataFrame | None = None,
                present: bool = False, suggested: bool = False) -> dict:
    """The priority matrix (``lib.reports.charts.priority_matrix_chart``, same arguments) as a finished Vega-Lite
    spec, kept for the next run: building and checking it in Altair is most of the page's work on a rerun. Draw it
    with ``st.vega_lite_chart``."""
    return vega_lite_spec(priority_matrix_chart(ranked, axes, thresholds, quadrant_labels, title, last_year=last_year,
                                                present=present, suggested=suggested))


def evidence_panel(evidence: Evidence | None) -> None:
    """The data behind one issue, each figure with its source and period."""
    if evidence is None:
        st.caption("No evidence is linked to this issue: name an indicator for it in the scores table.")
        return
    with st.container(horizontal=True):
        for label, value in evidence_figures(evidence):
            st.metric(label, value, border=True)
    st.caption(plain_text(f"Change on last year: {evidence.change_words}. Source: {evidence.source}. "
                          f"Period: {evidence.period}."))
    for note in evidence.notes:
        st.caption(plain_text(note))


# Editing ---------------------------------------------------------------------------------------------------


def start_assessment(store: Store, area: Area, year: str, start: str, end: str) -> None:
    """Start a year's working draft: from last year's scores refreshed with the evidence, or the evidence alone."""
    previous = load_previous_assessment(store, area.code, year)
    options = {"evidence": "The evidence alone: suggested scores for every candidate issue"}
    if previous:
        options = {"previous": f"Last year's assessment ({previous[0].name}), with frequency, trend and "
                               "confidence refreshed from the data", **options}
    if current_editor() is None and setup().enabled:
        # Said to viewers instead of pointing at a button they do not have.
        st.caption(f"Partners who sign in as editors can start the {year} draft from these suggestions.")
    who = editing_gate("assessment_start")
    if who is None:
        return
    with st.form("assessment_start"):
        source = st.radio("Start from", list(options), format_func=options.__getitem__, key="assessment_source")
        started = st.form_submit_button(f"Start the {year} assessment", icon=":material/add:", type="primary")
    if started:
        # An editor is a partner: the draft's suggestions use every figure, whatever the screen is showing.
        evidence = load_evidence(store.for_partners(), area, start, end)
        held = previous[1] if source == "previous" and previous else None
        _start_draft(store, area, year, held, evidence, who, month_span(start, end))
    show_outcome(ASSESSMENT_OUTCOME_KEY)


def _start_draft(store: Store, area: Area, year: str, previous: list[Assessment] | None,
                 evidence: dict[str, Evidence], who: str, evidence_period: str) -> None:
    if previous is None:
        first = suggested_scores(priority_evidence.candidate_issues(load_catalogue(store.for_partners())), evidence)
    else:
        first = [refreshed(a, priority_evidence.evidence_for(a, evidence)) for a in previous]
    write(store, ASSESSMENT_OUTCOME_KEY, lambda db: assessments.start_draft(
        db, area.code, year, first, who, evidence_period=evidence_period), lambda _: f"Started the {year} draft.")


def assessment_editor(store: Store, version: assessments.AssessmentVersion, held: list[Assessment]) -> None:
    """Edit the working draft's scores; each change is stored with who, when and why."""
    who = editing_gate("assessment")
    if who is None:
        return
    frame = editor_frame(held)
    edited = st.data_editor(
        frame, hide_index=True, key=ASSESSMENT_EDITOR_KEY, num_rows="dynamic",
        column_config=_assessment_columns(), column_order=list(frame.columns),
    )
    saved, reason = save_form("assessment_save", "assessment_reason", "Why (recorded with each change)")
    if saved:
        _save_assessment(store, version, edited, who, reason)
    show_outcome(ASSESSMENT_OUTCOME_KEY)


def _assessment_columns() -> dict:
    columns = {"issue": st.column_config.TextColumn("Issue", required=True, max_chars=200, pinned=True)}
    for field, scale in SCALES.items():
        columns[field] = st.column_config.SelectboxColumn(
            FIELD_LABELS[field], options=[level_label(field, level) for level in scale], required=True)
    return columns | {
        "led_elsewhere": st.column_config.CheckboxColumn("Led by another body"),
        "chosen": st.column_config.CheckboxColumn("Chosen"),
        "rationale": st.column_config.TextColumn("Rationale", width="large", max_chars=2000),
        "indicator_key": st.column_config.TextColumn("Indicator", help="The indicator its evidence comes from"),
    }


def _save_assessment(store: Store, version: assessments.AssessmentVersion, edited: pd.DataFrame, who: str,
                     reason: str) -> None:
    try:
        rows = [check_assessment(row, where=f"Row {n}: ") for n, row in
                enumerate(edited.dropna(how="all").to_dict("records"), start=1)]
    except ValueError as error:
        refuse(ASSESSMENT_OUTCOME_KEY, f"Not saved: {error}")
        return
    write(store, ASSESSMENT_OUTCOME_KEY, lambda db: assessments.update_draft(
        db, version.id, rows, who, reason or None), lambda count: f"Saved {count} change(s) by {who}.")


def save_version_form(store: Store, version: assessments.AssessmentVersion) -> None:
    """Save the working draft as a named version of the year, which can no longer change."""
    who = current_editor()
    if who is None:
        return
    st.markdown("**Save the whole assessment as a version** (for example, as agreed at the partnership event)")
    with st.form("assessment_version"):
        name = st.text_input("Name of the version", key="version_name", max_chars=100,
                             placeholder="Agreed at the partnership event")
        note = st.text_input("Note (optional)", key="version_note", max_chars=500)
        saved = st.form_submit_button("Save as a version", icon=":material/bookmark_add:", type="primary")
    if saved:
        write(store, ASSESSMENT_OUTCOME_KEY, lambda db: assessments.save_version(
            db, version.id, name, who, note or None), lambda _: f"Saved the version {name!r}.")
    show_outcome(ASSESSMENT_OUTCOME_KEY)
