"""Priority matrix: threat, harm and risk scores per issue, the evidence behind them, and next year's choice."""

from ui.preload import require_app_shell

require_app_shell()  # before any other import: see ui.preload

import streamlit as st

from lib.core.export import download_name
from lib.priorities.evidence import evidence_for, ranked_with_volume
from lib.priorities.scoring import (
    FORMULA_NOTE,
    HARM_QUADRANTS,
    HARM_THRESHOLD,
    LIKELIHOOD_THRESHOLD,
    POSITION_THRESHOLD,
    QUADRANTS,
    RISK_THRESHOLD,
    what_moved,
)
from lib.priorities.suggestions import SUGGESTED_LABEL, SUGGESTION_NOTE
from lib.priorities.tables import (
    assessment_history_frame,
    assessment_years,
    evidence_frame,
    movement_table,
    ranked_table,
    scores_in_words,
    version_label,
)
from lib.reports.charts import chart_png, priority_matrix_chart
from ui import link, modes, priorities, shell, widgets

selection = shell.page_start("Priority matrix")
store, area, period = selection.store, selection.area, selection.period
name = widgets.plain_text(area.name)

versions = priorities.load_versions(store, area.code)
years = assessment_years(versions, period.end)
year = link.selectbox("Priorities for the financial year", {y: y for y in years}, key="year", default=years[0])
of_year = [v for v in versions if v.year == year]
evidence = priorities.load_evidence(store, area, period.start, period.end)
# With no assessment of the year, everyone sees the matrix the evidence suggests, said to be only that.
suggested = not of_year
if suggested:
    version = None
    held = priorities.load_suggestions(store, area, period.start, period.end)
    previous = None
    when, scores_by = f"priorities for {year}, {SUGGESTED_LABEL.lower()}", SUGGESTED_LABEL
    if not modes.current_mode().present:  # a room reads it in the headline and on the chart
        st.info(f"{name} has no threat, harm and risk assessment for {year} yet. The matrix shows the scores "
                f"suggested from the data for {period.span}, not agreed by the partnership: a starting point for "
                "its workshop.")
        priorities.start_assessment(store, area, year, period.start, period.end)
else:
    # A year already agreed opens on its latest saved version; the coming year on its working draft.
    saved = [v for v in of_year if v.status == "saved"]
    version_id = int(link.selectbox("Version", {str(v.id): version_label(v) for v in of_year}, key="version",
                                    default=str((saved or of_year)[0].id)))
    version = next(v for v in of_year if v.id == version_id)
    held = priorities.load_assessment(store, version.id)
    previous = priorities.load_previous_assessment(store, area.code, year)
    when, scores_by = f"priorities for {year} ({version.name})", version.name
frame = ranked_with_volume(held, evidence)

axes = link.choice("Matrix", priorities.MATRIX_VIEWS, key="axes", default="risk_position")
if axes == "risk_position":
    thresholds, labels = (POSITION_THRESHOLD, RISK_THRESHOLD), QUADRANTS
else:
    thresholds, labels = (LIKELIHOOD_THRESHOLD, HARM_THRESHOLD), HARM_QUADRANTS
last_frame = None
if not suggested:
    trail = link.choice("Last year's place", {"hide": "Hide", "show": "Show"}, key="trail", default="hide",
                        help="A grey line from each issue's place in last year's saved assessment to this one.")
    last_frame = ranked_with_volume(previous[1], evidence) if previous and trail == "show" else None


title = f"{area.name}: priorities for {year}"


def matrix_png() -> bytes:
    """The matrix as a picture for a report: 900 px wide, drawn as on a screen, not for a room."""
    return chart_png(priority_matrix_chart(frame, axes, thresholds, labels, title, last_year=last_frame, width=900,
                                           suggested=suggested))


shell.headline("Threat, harm and risk matrix", area.name, when)
spec = priorities.matrix_spec(frame, axes, thresholds, labels, title, last_frame,
                              present=modes.current_mode().present, suggested=suggested)
st.vega_lite_chart(spec, width="stretch",
                   alt=f"Bubble chart of the {len(frame)} issues {'suggested' if suggested else 'assessed'} for "
                       f"{year}, placed by {priorities.MATRIX_VIEWS[axes].lower()}. The ranked table below lists the "
                       "same scores.")
lead = (f"Suggested from the data for {year}, not agreed by the partnership: frequency, trend and confidence from "
        "the figures, every other score from the issue's starting profile (see How the scores work)" if suggested
        else f"{scores_by}, {year}")
st.caption(widgets.plain_text(
    f"{lead}. Bubble size: volume in {period.span} (police.uk street-level data and partner "
    f"returns). Shape: confidence in the evidence. Dashed lines: risk {RISK_THRESHOLD:g} and position "
    f"{POSITION_THRESHOLD:g}, or harm {HARM_THRESHOLD:g} and likelihood {LIKELIHOOD_THRESHOLD:g}."))
st.download_button("Download the matrix (PNG)", data=matrix_png, mime="image/png",
                   file_name=download_name("suggested priority matrix" if suggested else "priority matrix",
                                           area.name, year, suffix=".png"),
                   icon=":material/image:", on_click="ignore", key="matrix_png")

st.subheader("Ranked by priority score" + (" (suggested, not agreed)" if suggested else ""))
table = ranked_table(frame)
# Nothing is chosen in a suggestion: choosing is the partnership's, so the column would only be empty.
widgets.table(table[["Rank", "Issue", "Priority score", "Risk", "Harm", "Likelihood", "Position", "Confidence",
                     "Matrix", *([] if suggested else ["Chosen"])]])
widgets.download_csv("Download the ranked list (CSV)", table,
                     download_name("suggested priorities" if suggested else "priorities", area.name, year),
                     key="ranked_csv")

st.subheader("One issue: its evidence and its scores")
issues = {a.issue: a for a in held}
chosen_issue = link.selectbox("Issue", {i: i for i in frame["issue"]}, key="issue")
evidence_side, scores_side = st.columns([3, 2])
with evidence_side:
    st.markdown(f"**Evidence for {widgets.plain_text(chosen_issue)}** in {name}")
    priorities.evidence_panel(evidence_for(issues[chosen_issue], evidence))
with scores_side:
    st.markdown(f"**Scores** ({widgets.plain_text(scores_by)})")
    widgets.table(scores_in_words(issues[chosen_issue]))

if version is None:  # suggested: nothing to edit, compare or trace yet
    all_evidence, method = link.tabs(["All the evidence", "How the scores work"])
else:
    editing, moved, all_evidence, history, method = link.tabs(
        ["Edit the scores", "This year against last", "All the evidence", "Change history", "How the scores work"]
    )
    with editing:
        if version.status == "draft":
            priorities.assessment_editor(store, version, held)
            priorities.save_version_form(store, version)
        else:
            st.info("Saved versions cannot be changed. Choose the working draft to edit the scores.")
    with moved:
        if previous is None:
            st.caption(f"No saved assessment of the year before {year} to compare with.")
        else:
            st.caption(widgets.plain_text(f"This version against {previous[0].name} ({previous[0].year})."))
            widgets.table(movement_table(what_moved(held, previous[1])))
    with history:
        changes = priorities.load_assessment_history(store, version.id)
        widgets.table(assessment_history_frame(changes)) if changes else st.caption("No changes recorded yet.")
with all_evidence:
    widgets.table(evidence_frame(evidence, keys=not modes.plain_words()))
    st.caption(widgets.plain_text(f"Period: {period.label}. Each row's source is in its Source column."))
with method:
    st.markdown(FORMULA_NOTE)
    st.markdown(SUGGESTION_NOTE)
