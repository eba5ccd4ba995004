"""Home: the headline counts for the chosen area and period, the monthly picture, and what is loaded."""

from ui.preload import require_app_shell

require_app_shell()  # before any other import: see ui.preload

import streamlit as st

from lib.core.catalogue import PPV_NOTE
from lib.reports.charts import monthly_groups_chart
from lib.store.summary import area_label, describe_areas, group_table
from ui import data, modes, performance, shell, sidebar, widgets

store = data.current_store()
overview = data.load_overview(store)
selection = sidebar.current_selection()

present = modes.current_mode().present
if not present:  # on a projector the headline below is the heading
    st.title("Safer Communities Dashboard")

if selection is None:
    widgets.caveat("No incidents are loaded yet, so there is nothing to count. Start by importing police.uk data.")
    st.page_link("pages/data.py", label="Go to Data to import files", icon=":material/upload:")
    st.stop()

area, period = selection.area, selection.period
shell.headline("Recorded incidents", area_label(area), period.title, normal=f"{area_label(area)}: {period.title}")

headlines = data.load_headlines(selection)
widgets.headline_metrics(headlines, key="home_headlines")
earlier = headlines[0].previous_period


def comparison_notes() -> None:
    if headlines[0].previous is None:
        st.caption(f"No comparison: the store does not hold the same months a year earlier ({earlier.span}).")
    else:
        st.caption(f"Compared with the same months a year earlier ({earlier.span}). A fall shows in green.")
    st.caption(PPV_NOTE)


if not present:  # on a projector the chart comes straight after the numbers, and the notes after the chart
    comparison_notes()
monthly = data.load_monthly_groups(selection)
performance.altair_chart(
    monthly_groups_chart(monthly, f"Incidents per month in {area.name}"),
    width="stretch",
    alt=f"Line chart of incidents per month in {area.name}, {period.span}, by category. "
    "Switch on 'Show as a table' below for the numbers.",
)
st.caption(
    f"Source: {overview.dataset}, police.uk categories, {period.span}, {widgets.plain_text(area.name)}. "
    "Counts are of incidents recorded in each month."
)
if present:
    comparison_notes()
widgets.show_as_table(group_table(monthly), key="home_show_table")

st.subheader("What is loaded")
st.markdown(
    f"""
- **Dataset:** {overview.dataset}
- **Months:** {overview.span} ({overview.months} months)
- **Areas:** {describe_areas(overview.areas_by_kind)}
- **Incidents:** {overview.incidents:,} from {overview.imports:,} imports
- **Last import:** {widgets.plain_text(overview.last_import or "none yet")}
"""
)

st.subheader("Go further")
st.page_link("pages/overview.py", label="Partnership at a glance: every CSP by priority, judged against a comparator",
             icon=":material/grid_view:")
st.page_link("pages/trends.py", label="Trends: monthly, rolling 12 months and financial years, with intervals",
             icon=":material/show_chart:")
st.page_link("pages/measures.py", label="Measures: each CSP's targets and where they stand", icon=":material/flag:")
st.page_link("pages/similar.py", label="Similar areas: a CSP against its most similar CSPs",
             icon=":material/compare_arrows:")
st.page_link(
    "pages/data.py", label="Data: coverage, import log, rejected rows, uploads and downloads",
    icon=":material/database:",
)
