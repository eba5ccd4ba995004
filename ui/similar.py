"""Similar areas (the Performance section's last page): who a CSP is compared with, its rank among its most
similar CSPs when the peers loaded allow one, and otherwise its rate beside theirs without a rank.

The ranked comparison's loader is ``ui.performance.load_peer_comparison``; the peers and the rule for ranking are
``lib.stats.peer_basis``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.core import formatting
from lib.core.areas import Area
from lib.core.catalogue import Indicator
from lib.core.periods import Period
from lib.performance.tables import peer_frame
from lib.reports.charts import peer_chart
from lib.stats import similar_areas
from lib.stats.peer_basis import PeerBasis, basis_sentence, refusal
from ui import modes, widgets
from ui.data import HEAVY_ENTRIES, TABLE_ENTRIES, Selection, Store, read
from ui.performance import altair_chart


@st.cache_data(show_spinner="Finding similar areas…", max_entries=HEAVY_ENTRIES)
def load_peer_basis(store: Store, csp_code: str, start: str, end: str) -> PeerBasis | None:
    """Who a CSP is compared with and whether it can be ranked (None when it cannot be compared at all)."""
    return read(store, similar_areas.peer_basis, csp_code, start, end)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_compared_rates(store: Store, csp_code: str, categories: tuple[str, ...], start: str,
                        end: str) -> pd.DataFrame | None:
    """The CSP's and its peers' rates, by name and without a rank."""
    return read(store, similar_areas.compared_rates, csp_code, list(categories), start, end)


def peers_line(basis: PeerBasis) -> None:
    """How many peers and where they come from, above every figure on the page (data names as plain text)."""
    st.markdown(f"**{widgets.plain_text(basis_sentence(basis, modes.plain_words()))}**")


def ranked(result: similar_areas.PeerComparison, indicator: Indicator, csp: Area, period: Period) -> None:
    """The CSP's rate against its group: the figures, the chart with control limits and the table."""
    with st.container(horizontal=True):
        st.metric("Rate per 1,000 residents", formatting.rate(result.rate), border=True)
        st.metric("Similar areas' average", formatting.rate(result.group_mean), border=True)
        st.metric("Against the group", result.position, border=True,
                  help="Above or Below: outside the range its similar areas would usually show (the dashed lines). "
                       "Inline: within it.")
        st.metric("Rank (1 = lowest rate)", f"{result.rank} of {formatting.count(result.group_size + 1)}",
                  border=True)
    altair_chart(
        peer_chart(result.peers, result.group_mean, result.lower_limit, result.upper_limit,
                   f"{indicator.name} per 1,000 residents: {csp.name} and its most similar CSPs"),
        width="stretch",
        alt=f"Bar chart of {indicator.name} per 1,000 residents in {csp.name} and its {result.group_size} most "
            "similar CSPs, with the group average and control limits. Switch on 'Show as a table' below for the "
            "numbers.",
    )
    limits = f"{formatting.rate(result.lower_limit)} to {formatting.rate(result.upper_limit)} per 1,000"
    band = (f"Dashed lines: the range similar areas would usually show, {limits}" if modes.plain_words()
            else f"Control limits {limits} (dashed lines)")
    st.caption(f"Source: {widgets.plain_text(indicator.source)}, {period.span}; ONS mid-{result.population_year} "
               f"population. {band}; the solid line is the group average.")
    widgets.show_as_table(peer_frame(result.peers), key="similar_table")


def not_ranked(basis: PeerBasis, rates: pd.DataFrame, indicator: Indicator, period: Period) -> None:
    """Why no rank is given and what to load; then the CSP's rate beside its peers', by name, as context.

    On a projector the table comes straight after the reason, so that it starts on the first screen (the headline
    already says what it holds); the figures follow it.
    """
    plain, present = modes.plain_words(), modes.current_mode().present
    reason = refusal(basis, plain)
    if reason:
        st.warning(widgets.plain_text(reason), icon=":material/block:")
    if not present:
        _context_figures(basis, rates, plain)
        heading = (f"{indicator.name} per 1,000 residents in {basis.csp_name} and the areas it would be compared "
                   f"with" if plain else f"{indicator.name} per 1,000 residents: {basis.csp_name} and its "
                   f"{basis.peers} peers")
        st.markdown(f"**{widgets.plain_text(heading)}**, listed by name: context, not a ranking.")
    widgets.table(_rates_frame(rates, plain))
    by_name = "Listed by name: context, not a ranking. " if present else ""
    st.caption(f"{by_name}Source: {widgets.plain_text(indicator.source)}, {period.span}; ONS mid-year population.")
    if present:
        _context_figures(basis, rates, plain)


def _context_figures(basis: PeerBasis, rates: pd.DataFrame, plain: bool) -> None:
    """The CSP's rate, its peers' average, their police forces, and the rank not given, as the ranked view's four."""
    own = rates[rates["selected"]].iloc[0]
    others = rates[~rates["selected"]]
    peers = "others" if plain else "peers"
    with st.container(horizontal=True):
        st.metric("Rate per 1,000 residents", formatting.rate(own["rate"]), border=True)
        st.metric(f"Average of the {len(others)} {peers}",
                  formatting.rate(others["rate"].mean()) if len(others) else formatting.MISSING, border=True,
                  help="The plain average of their rates, as context: not a comparison with similar areas.")
        st.metric("Police forces" if plain else "Force areas",
                  formatting.count(len(basis.known_forces)), border=True,
                  help=f"The police forces the {len(others)} {peers} are in. A rank needs more than one: each "
                       "force records crime in its own way.")
        st.metric("Rank (1 = lowest rate)", "Not given", border=True)


def _rates_frame(rates: pd.DataFrame, plain: bool) -> pd.DataFrame:
    """The rates in words: one row a CSP, the one looked at marked."""
    noun = "Partnership area" if plain else "CSP"
    return pd.DataFrame({
        noun: [f"{name} (this one)" if own else name for name, own in zip(rates["name"], rates["selected"],
                                                                         strict=True)],
        "Police force area": rates["force"].where(rates["force"] != "", "not known"),
        "Rate per 1,000": rates["rate"],
        "Incidents": rates["count"],
        "Residents": rates["population"],
    })


def overview_link(selection: Selection) -> None:
    """Where a CSP is judged without peers: against its county and police force area, on the overview."""
    each = "each area" if modes.plain_words() else "each CSP"
    st.page_link("pages/overview.py", label=f"Partnership at a glance: {each} against its county and police force "
                 "area", icon=":material/grid_view:",
                 query_params={"area": selection.area.code, "period": selection.period.key})
