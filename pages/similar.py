"""Similar areas: a CSP's rate against the average of its most similar CSPs, with control limits and rank."""

import streamlit as st

from lib.core import formatting
from lib.performance.tables import peer_frame
from lib.reports.charts import peer_chart
from lib.stats.similar_areas import FEATURE_LABELS, METHOD_NOTE
from ui import data, link, modes, performance, shell, widgets

selection = shell.page_start("Similar areas")

store, period = selection.store, selection.period
police = {i.key: i for i in data.load_catalogue(store) if i.is_police}
csp = performance.csp_for_similar(selection)
key = link.selectbox("Indicator", {k: i.name for k, i in police.items()}, key="indicator")
indicator = police[key]
result = performance.load_peer_comparison(store, csp.code, indicator.categories, period.start, period.end)
shell.headline(f"{indicator.name} per 1,000 residents", f"{csp.name} and its most similar CSPs", period.title,
               normal=f"{csp.name}: {indicator.name}, {period.title}")
if result is None:
    st.info(widgets.plain_text(performance.load_no_group_reason(store, csp.code, period.start, period.end)))
    st.stop()

with st.container(horizontal=True):
    st.metric("Rate per 1,000 residents", formatting.rate(result.rate), border=True)
    st.metric("Similar areas' average", formatting.rate(result.group_mean), border=True)
    st.metric("Against the group", result.position, border=True,
              help="Above or Below: outside the range its similar areas would usually show (the dashed lines). "
                   "Inline: within it.")
    st.metric("Rank (1 = lowest rate)", f"{result.rank} of {formatting.count(result.group_size + 1)}", border=True)
performance.altair_chart(
    peer_chart(result.peers, result.group_mean, result.lower_limit, result.upper_limit,
               f"{indicator.name} per 1,000 residents: {csp.name} and its most similar CSPs"),
    width="stretch",
    alt=f"Bar chart of {indicator.name} per 1,000 residents in {csp.name} and its {result.group_size} most similar "
        "CSPs, with the group average and control limits. Switch on 'Show as a table' below for the numbers.",
)
limits = f"{formatting.rate(result.lower_limit)} to {formatting.rate(result.upper_limit)} per 1,000"
band = (f"Dashed lines: the range similar areas would usually show, {limits}" if modes.plain_words()
        else f"Control limits {limits} (dashed lines)")
st.caption(f"Source: {widgets.plain_text(indicator.source)}, {period.span}; ONS mid-{result.population_year} "
           f"population. {band}; the solid line is the group average.")
if modes.plain_words():
    shell.worked_out("The dashed lines are funnel-plot control limits at 95% with an allowance for over-dispersion "
                     "(Spiegelhalter 2005): a rate outside them differs from the group by more than chance and the "
                     "usual spread between areas would give.", key="similar")
widgets.caveat_for([indicator])
widgets.show_as_table(peer_frame(result.peers), key="similar_table")
with st.expander("How the similar areas are chosen"):
    st.markdown(METHOD_NOTE)
    st.markdown("Features used: " + ", ".join(FEATURE_LABELS.get(f, f) for f in result.features) + ".")
    st.markdown("See `docs/similar_areas.md` for the full method.")
