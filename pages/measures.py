"""Measures: is each CSP on track? At a county, every CSP's statuses in one grid; for one CSP, its measures against
their targets (with a stated RAG rule and editing with a history), or, where no targets are set, its headline
indicators against the first comparator the store can answer. A targets template for everyone sets targets."""

from ui.preload import require_app_shell

require_app_shell()  # before any other import: see ui.preload

import streamlit as st

from lib.core.export import download_name
from lib.core.history import history_frame
from lib.core.periods import month_label, month_long
from lib.performance.measures import RAG_RULE, measures_table, rag_counts
from lib.performance.tables import TARGET_HISTORY_COLUMNS
from ui import modes, performance, shell, widgets

selection = shell.page_start("Measures")

store, period = selection.store, selection.period
county_csps, targets_rule_stated, headline_rule_stated = None, False, False
if selection.area.kind != "csp":
    grid = performance.load_measures_grid(selection)
    if grid.cells:
        performance.measures_grid_view(selection, grid)
    county_csps = grid.csps
    if grid.cells and modes.current_mode().present:
        st.stop()  # on a projector the grid is the one message; one CSP's detail is for the page in normal mode
    # The grid states its rule once; the CSP's detail below does not repeat the same one.
    targets_rule_stated = bool(grid.cells) and grid.against_targets
    headline_rule_stated = bool(grid.cells) and not grid.against_targets
csp = performance.csp_for_measures(selection, county_csps or [])
if csp is None:
    shell.headline("Measures", selection.area.name, f"up to {month_long(period.end)}")
    st.info(widgets.plain_text(f"No CSP in {selection.area.name} holds figures yet, so there are no measures to "
                               "show. Import police.uk data on the Data page."))
    st.stop()

statuses = performance.load_measure_statuses(store, csp, period.end)
if statuses:
    shell.headline("Measures against their targets", f"{csp.name} CSP", f"up to {month_long(period.end)}",
                   normal=f"{csp.name} CSP: measures up to {month_label(period.end)}")
    widgets.rag_summary(rag_counts(statuses))
    if not targets_rule_stated:
        performance.measures_rule(RAG_RULE, "measures_targets")
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
else:
    widgets.caveat_for(performance.headline_measures_view(selection, csp, with_rule=not headline_rule_stated))
    st.caption(f"Source: police.uk street-level data and partner indicators, {period.span}. Populations: ONS "
               "mid-year estimates for the financial year's start (nearest held).")

template_csps = county_csps if county_csps and selection.area.kind != "csp" else [csp]
where = selection.area.name if len(template_csps) > 1 else csp.name
performance.set_targets(store, template_csps, period.end, has_targets=bool(statuses), where=where)
if statuses:
    st.subheader("Edit targets and commentary", anchor=False)
    performance.targets_editor(store, csp, performance.load_targets(store, csp.code))
    with st.expander("Change history"):
        history = performance.load_target_history(store, csp.code)
        if history:
            widgets.table(history_frame(history, TARGET_HISTORY_COLUMNS))
        else:
            st.caption("No changes recorded yet.")
    with st.expander("Import targets from a CSV file"):
        performance.targets_upload()
