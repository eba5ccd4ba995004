"""Measures: one CSP's measures against their targets, with a stated RAG rule, and editing with a history."""

import streamlit as st

from lib.core.export import download_name
from lib.core.history import history_frame
from lib.core.periods import month_label, month_long
from lib.performance.measures import RAG_RULE, measures_table, rag_counts
from lib.performance.tables import TARGET_HISTORY_COLUMNS
from ui import performance, shell, widgets

selection = shell.page_start("Measures")

store, period = selection.store, selection.period
csp = performance.csp_for_measures(selection)
if csp is None:
    shell.headline("Measures against their targets", selection.area.name, f"up to {month_long(period.end)}")
    st.info("No CSP in the store has targets yet. Import a targets file below.")
    performance.targets_upload()
    st.stop()

statuses = performance.load_measure_statuses(store, csp, period.end)
shell.headline("Measures against their targets", f"{csp.name} CSP", f"up to {month_long(period.end)}",
               normal=f"{csp.name} CSP: measures up to {month_label(period.end)}")
if not statuses:
    st.info(f"{widgets.plain_text(csp.name)} has no measures with targets yet. Import a targets file below.")
    performance.targets_upload()
    st.stop()
widgets.rag_summary(rag_counts(statuses))
with st.expander("How the status is decided", expanded=False):
    st.markdown(RAG_RULE)
for status in statuses:
    performance.measure_card(status)
widgets.show_as_table(measures_table(statuses).drop(columns=["Trend"]), key="measures_show_table")
st.caption(
    f"Figures up to {month_label(period.end)} (the end of the sidebar's period). Sources: police.uk street-level "
    "data for police categories, partner spreadsheets for partner indicators. Trend: the last 24 months."
)
widgets.caveat_for([s.indicator for s in statuses if s.indicator])
widgets.download_csv("Download the measures (CSV)", measures_table(statuses).drop(columns=["Trend"]),
                     download_name("measures", csp.name), key="measures_csv")

st.subheader("Edit targets and commentary")
performance.targets_editor(store, csp, performance.load_targets(store, csp.code))
with st.expander("Change history"):
    history = performance.load_target_history(store, csp.code)
    if history:
        widgets.table(history_frame(history, TARGET_HISTORY_COLUMNS))
    else:
        st.caption("No changes recorded yet.")
with st.expander("Import targets from a CSV file"):
    performance.targets_upload()
