"""Partnership at a glance: the county and each CSP by headline indicator, judged against a chosen comparator."""

from ui.preload import require_app_shell

require_app_shell()  # before any other import: see ui.preload

import streamlit as st

from lib.performance.overview import COMPARATOR_NOTES, cell_table, grid_frame, judgement_frame
from lib.performance.trend_labels import OVERVIEW_KEY_PLAIN, PLAIN_COMPARATOR_NOTES, TREND_METHOD
from ui import modes, performance, shell, widgets

selection = shell.page_start("Partnership at a glance")

comparator, comparators = performance.comparator_choice(selection)
areas, indicators, cells = performance.load_overview_grid(selection, comparator)
# On a projector the comparison's buttons are hidden: the headline names what the cells are judged against.
shell.headline(f"Headline indicators against {comparators.against(comparator)}", f"{areas[0].name} and its CSPs",
               selection.period.title,
               normal=f"{areas[0].name} and its CSPs: {selection.period.title}")

grid = grid_frame(cells, areas, indicators)
clicked = widgets.judgement_grid(grid, judgement_frame(cells, areas, indicators), key="overview_grid",
                                 present=modes.current_mode().present)
if clicked is not None:
    row, column = clicked
    performance.open_trends(indicators[row].key, next(a for a in areas if a.name == column), selection.period)

plain = modes.plain_words()
present = modes.current_mode().present
select = "" if present else " Select a cell to open it in Trends."  # a projector's grid is a plain table
technical_key = (
    "Each cell: the figure for the period (a rate per 1,000 residents where population is held, else a count), "
    "the recent trend (▲ rising, ▼ falling, ▶ no significant change, – not enough months; chi-squared test for "
    "trend on the five latest months, at the 99.8% level), and the judgement: ✓ Better, ✗ Worse, ≈ Similar, "
    "↑ Higher, ↓ Lower (no direction is better), · not compared. "
    "\\* Public place violence is approximated (see below)."
) + select
st.caption(OVERVIEW_KEY_PLAIN + select if plain else technical_key)
notes = PLAIN_COMPARATOR_NOTES if plain else COMPARATOR_NOTES
st.caption(performance.compared_with(comparators, comparator, notes[comparator]))
if plain:
    shell.worked_out(f"{technical_key} {COMPARATOR_NOTES[comparator]} The recent trend: {TREND_METHOD}",
                     key="overview")
widgets.caveat_for(indicators)
st.caption(
    f"Source: police.uk street-level data and partner indicators, {selection.period.span}. "
    "Populations: ONS mid-year estimates for the financial year's start (nearest held)."
)
widgets.show_as_table(cell_table(cells), key="overview_details", label="Show every cell's numbers and reasons")
performance.trends_links(areas, indicators, selection.period, key="overview_links")
