"""Similar areas: a CSP's rate against the average of its most similar CSPs, with control limits and rank.

The page first says how many peers the CSP is compared with and where they come from. It ranks only when they are
enough and from more than one police force (``lib.stats.peer_basis``); otherwise it says why and what to load, and
shows the CSP's rate beside its peers' as context, without a rank.
"""

from ui.preload import require_app_shell

require_app_shell()  # before any other import: see ui.preload

import streamlit as st

from lib.stats.similar_areas import FEATURE_LABELS, METHOD_NOTE
from ui import data, link, modes, performance, shell, similar, widgets

selection = shell.page_start("Similar areas")

store, period = selection.store, selection.period
police = {i.key: i for i in data.load_catalogue(store) if i.is_police}
csp = performance.csp_for_similar(selection)
key = link.selectbox("Indicator", {k: i.name for k, i in police.items()}, key="indicator")
indicator = police[key]
basis = similar.load_peer_basis(store, csp.code, period.start, period.end)
compared = "its most similar CSPs" if basis is not None and basis.ranks else "the areas it is compared with"
shell.headline(f"{indicator.name} per 1,000 residents", f"{csp.name} and {compared}", period.title,
               normal=f"{csp.name}: {indicator.name}, {period.title}")
if basis is None:
    st.info(widgets.plain_text(performance.load_no_group_reason(store, csp.code, period.start, period.end)))
    st.stop()

similar.peers_line(basis)
result = (performance.load_peer_comparison(store, csp.code, indicator.categories, period.start, period.end)
          if basis.ranks else None)
if result is not None:
    similar.ranked(result, indicator, csp, period)
    if modes.plain_words():
        shell.worked_out("The dashed lines are funnel-plot control limits at 95% with an allowance for "
                         "over-dispersion (Spiegelhalter 2005): a rate outside them differs from the group by more "
                         "than chance and the usual spread between areas would give.", key="similar")
else:
    rates = similar.load_compared_rates(store, csp.code, indicator.categories, period.start, period.end)
    similar.not_ranked(basis, rates, indicator, period)
    similar.overview_link(selection)
widgets.caveat_for([indicator])
with st.expander("How the similar areas are chosen"):
    st.markdown(METHOD_NOTE)
    if result is not None:
        st.markdown("Features used: " + ", ".join(FEATURE_LABELS.get(f, f) for f in result.features) + ".")
    st.markdown("See `docs/similar_areas.md` for the full method.")
