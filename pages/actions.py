"""Action plan: what the partnership said it would do for each priority, who leads, by when, and how it is going."""

from ui.preload import require_app_shell

require_app_shell()  # before any other import: see ui.preload

from datetime import date

import streamlit as st

from lib.core.history import history_frame
from lib.core.periods import month_label
from lib.priorities import action_plan
from lib.priorities.tables import ACTION_HISTORY_COLUMNS
from ui import actions, data, link, shell, uploads, widgets

selection = shell.page_start("Action plan")
store, area, period = selection.store, selection.area, selection.period
plan = actions.load_actions(store)
today = date.today()
if not plan:
    shell.headline("Action plan", area.name, f"status on {today:%-d %B %Y}")
    st.info("No action plan is loaded yet. Import one as a CSV file below (layout in docs/formats.md).")
    uploads.upload_section("actions", "Action plan CSV", ["csv"], key="actions_upload")
    st.stop()

names = actions.area_names(store)
counties = actions.load_csps_of_counties(store)
with st.container(horizontal=True):
    priorities = link.multiselect("Priority", {p: p for p in dict.fromkeys(a.priority for a in plan)},
                                  key="priority", default=[], placeholder="All priorities")
    held_areas = {a.area_code or "": names.get(a.area_code or "", a.area_code) for a in plan}
    # A CSP's officers see their own actions and the county-wide and partnership-wide ones they share.
    shared = [county for county, csps in counties.items() if area.code in csps]
    default_areas = [c for c in (area.code, *shared, "") if c in held_areas] if area.kind == "csp" else []
    wheres = link.multiselect("Area", held_areas, key="where", default=default_areas, placeholder="All areas")
    leads = link.multiselect("Lead", {lead: lead for lead in sorted({a.lead for a in plan if a.lead})},
                             key="lead", default=[], placeholder="All leads")
    rags = link.multiselect("RAG", {r: r for r in action_plan.RAGS}, key="rag", default=[], placeholder="Any status")
overdue_only = link.choice("Show", {"all": "All actions", "overdue": "Overdue only"}, key="show",
                           default="all") == "overdue"
shown = action_plan.filter_actions(
    plan, priorities=priorities, area_codes=[w or None for w in wheres], leads=leads, rags=rags,
    overdue_only=overdue_only, today=today,
)

shell.headline(f"Action plan: {len(shown)} of {len(plan)} actions", area.name, f"status on {today:%-d %B %Y}",
               normal=f"RAG status by priority ({len(shown)} of {len(plan)} actions shown)")
summary = action_plan.rag_summary(shown, today)
widgets.rag_summary({rag: int(summary.iloc[-1][rag]) for rag in (*action_plan.RAGS, "Overdue")}
                    if not summary.empty else {})
widgets.table(summary, labels={"priority": "Priority"})
st.caption(f"Overdue: the completion date has passed ({today:%d %b %Y}) and the action is not complete. "
           f"Measure statuses are as at {month_label(period.end)}; see Measures for how they are decided.")

rags_of_measures = actions.load_measure_rags(store, period.end)
restricted = data.load_hidden_keys(store)
indicator_names = actions.indicator_names(store)
for priority in dict.fromkeys(a.priority for a in shown):
    st.subheader(widgets.plain_text(priority))
    for action in (a for a in shown if a.priority == priority):
        actions.action_card(action, names, action_plan.is_overdue(action, today),
                            action_plan.measure_links(action, rags_of_measures, counties, restricted),
                            indicator_names)

st.subheader("Edit, import and export")
widgets.download_csv("Download the action plan (CSV)", action_plan.export_frame(plan), "action_plan.csv",
                     key="actions_csv")
with st.expander("Edit the actions shown, or add one"):
    actions.actions_editor(store, shown, names)
with st.expander("Import an action plan from a CSV file"):
    st.caption("Rows with an id, or the same priority, area and action, update the held action; others are added.")
    uploads.upload_section("actions", "Action plan CSV", ["csv"], key="actions_upload")
with st.expander("Change history"):
    history = actions.load_action_history(store)
    if history:
        widgets.table(history_frame(history, ACTION_HISTORY_COLUMNS))
    else:
        st.caption("No changes recorded yet.")
