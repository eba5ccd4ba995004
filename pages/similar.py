"""Similar areas: a CSP's rate against the average of its most similar CSPs, with control limits and rank."""

import streamlit as st

from lib.performance.tables import peer_frame
from lib.reports.charts import peer_chart
from lib.stats.similar_areas import FEATURE_LABELS, METHOD_NOTE
from ui import data, link, performance, shell, widgets

selection = shell.page_start("Similar areas")

store, period = selection.store, selection.period
police = {i.key: i for i in data.load_catalogue(store) if i.is_police}
csp = performance.csp_for_similar(selection)
key = link.selectbox("Indicator", {k: i.name for k, i in police.items()}, key="indicator")
indicator = police[key]
result = performance.load_peer_comparison(store, csp.code, indicator.categories, period.start, period.end)
st.subheader(f"{widgets.plain_text(csp.name)}: {indicator.name}, {period.title}")
if result is None:
    st.info(widgets.plain_text(performance.load_no_group_reason(store, csp.code, period.start, period.end)))
    st.stop()

with st.container(horizontal=True):
    st.metric("Rate per 1,000 residents", f"{result.rate:,.2f}", border=True)
    st.metric("Similar areas' average", f"{result.group_mean:,.2f}", border=True)
    st.metric("Against the group", result.position, border=True,
              help="Above or Below: outside the control limits. Inline: within them.")
    st.metric("Rank (1 = lowest rate)", f"{result.rank} of {result.group_size + 1}", border=True)
st.altair_chart(
    peer_chart(result.peers, result.group_mean, result.lower_limit, result.upper_limit,
               f"{indicator.name} per 1,000 residents: {csp.name} and its most similar CSPs"),
    width="stretch",
    alt=f"Bar chart of {indicator.name} per 1,000 residents in {csp.name} and its {result.group_size} most similar "
        "CSPs, with the group average and control limits. Switch on 'Show as a table' below for the numbers.",
)
st.caption(
    f"Source: {widgets.plain_text(indicator.source)}, {period.span}; ONS mid-{result.population_year} population. "
    f"Control limits {result.lower_limit:,.2f} to {result.upper_limit:,.2f} per 1,000 (dashed lines); the solid "
    "line is the group average."
)
widgets.caveat_for([indicator])
widgets.show_as_table(peer_frame(result.peers), key="similar_table")
with st.expander("How the similar areas are chosen"):
    st.markdown(METHOD_NOTE)
    st.markdown("Features used: " + ", ".join(FEATURE_LABELS.get(f, f) for f in result.features) + ".")
    st.markdown("See `docs/similar_areas.md` for the full method.")
