"""The pieces every page draws: text from data made safe, caveats, tables, downloads, metrics and status badges.

Nothing here reads the store, and of the session only whether the screen is a projector's (``on_projector``,
kept by ``ui.modes``): each piece draws what it is given.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import streamlit as st

from lib.core import formatting
from lib.core.catalogue import Indicator
from lib.core.export import csv_bytes
from lib.store import summary
from lib.store.summary import Headline

FULL_TABLE_ROWS = 40
DISPLAY_MODE_KEY = "display_mode"  # where ui.modes keeps this run's display mode
WORD_COLUMN_PX_PER_CHAR = 13  # about 0.6 em of the grid's 21 px type in presentation mode
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$])")
# Light tints of the Okabe-Ito palette: dark text stays above WCAG AA contrast on each, and the word in the
# cell carries the meaning for anyone who cannot tell the tints apart.
JUDGEMENT_TINTS = {
    "Better": "#cde4f5", "Worse": "#f7d9c4", "Similar": "#eeeeee", "Higher": "#e6dcf0", "Lower": "#e6dcf0",
}
# A measure's status (Green to No data) and an action's (those, Complete and Overdue): a word, an icon and a colour.
RAG_MATERIAL_ICONS = {"Green": ":material/check_circle:", "Amber": ":material/error:", "Red": ":material/cancel:",
                      "No data": ":material/help:", "Complete": ":material/task_alt:",
                      "Overdue": ":material/schedule:"}
RAG_BADGE_COLOURS = {"Green": "blue", "Amber": "orange", "Red": "red", "No data": "gray", "Complete": "violet",
                     "Overdue": "red"}


def plain_text(text: str) -> str:
    """Escape Markdown in text that came from data (area and file names), so it shows exactly as written."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def caveat(text: str) -> None:
    """A caveat the reader must not miss (an approximation, a gap in the data)."""
    st.info(text, icon=":material/info:")


def caveat_for(indicators: list[Indicator]) -> None:
    """The caveats that travel with the indicators shown (public place violence is approximated)."""
    for note in dict.fromkeys(i.note for i in indicators if i.note):
        caveat(note)


def message(text: str) -> None:
    """The one message of a screen, in large type, as plain text."""
    st.subheader(plain_text(text), anchor=False)


def on_projector() -> bool:
    """Whether this run is in presentation mode (a room, a projector)."""
    return bool(getattr(st.session_state.get(DISPLAY_MODE_KEY), "present", False))


def table(frame: pd.DataFrame, formats: dict[str, str] | None = None, labels: dict[str, str] | None = None) -> None:
    """A read-only table drawn to ``lib.core.formatting``'s rules: counts with thousands separators, rates to one
    decimal place, and an em dash (never "None" or "nan") where a value is missing.

    On a projector it is a plain table whose text wraps to fit the screen (``fitted_table``): a dataframe's grid
    scrolls sideways inside itself once its columns are wider than the screen, which a room never sees.

    Number columns stay numbers, so they still sort; ``formats`` overrides a column's number format (a printf
    format such as "%.3f"), ``labels`` a column's heading (the frame keeps its names). A column of counts some of
    which are words ("fewer than 5") is right-aligned like the numbers and wide enough for the words. Short tables
    show every row, since a scroll bar inside a table is easy to miss on a shared screen.
    """
    if on_projector():
        fitted_table(frame, labels)
        return
    shown = formatting.display_frame(frame)
    columns = {}
    for column in shown.columns:
        heading = (labels or {}).get(column)
        number_format = (formats or {}).get(column) or formatting.number_format(shown[column])
        if number_format:
            columns[column] = st.column_config.NumberColumn(heading, format=number_format)
        elif formatting.counts_in_words(shown[column]):
            # The grid sizes a column from its first rows only, and the words come last (the smallest counts):
            # sized here for the longest, at the presentation type size, so "fewer than 5" is never cut.
            longest = max(len(str(v)) for v in [heading or column, *shown[column].dropna()])
            columns[column] = st.column_config.TextColumn(heading, alignment="right",
                                                          width=longest * WORD_COLUMN_PX_PER_CHAR + 28)
        elif heading:
            columns[column] = st.column_config.Column(heading)
    height = "content" if len(shown) <= FULL_TABLE_ROWS else "auto"
    st.dataframe(shown, hide_index=True, column_config=columns, height=height, placeholder=formatting.MISSING)


def fitted_table(frame: pd.DataFrame, labels: dict[str, str] | None = None) -> None:
    """A table as text that wraps to the screen's width, numbers right-aligned and formatted as ``table`` does."""
    shown = formatting.display_frame(frame)
    numbers = [c for c in shown.columns if formatting.number_format(shown[c])
               or formatting.counts_in_words(shown[c])]
    formats = {c: _cell_formatter(shown[c]) for c in shown.columns}
    styled = (shown.style.format(formats, na_rep=formatting.MISSING).hide(axis="index")
              .set_properties(subset=numbers, **{"text-align": "right"}))
    st.table(styled.relabel_index([(labels or {}).get(c, c) for c in shown.columns], axis="columns"))


def _cell_formatter(column: pd.Series) -> Callable[[object], str]:
    number_format = formatting.number_format(column)
    if number_format == formatting.PLAIN_FORMAT:  # a year or an id: no separator
        return lambda value: formatting.MISSING if formatting.is_missing(value) else f"{value:.0f}"
    if number_format == formatting.COUNT_FORMAT:
        return formatting.count
    if number_format == formatting.RATE_FORMAT:
        return formatting.rate
    return formatting.text


def show_as_table(frame: pd.DataFrame, key: str, label: str = "Show as a table") -> None:
    """A switch that shows a chart's numbers as a table, for screen readers and for reading off values."""
    if st.toggle(label, key=key):
        table(frame)


def download_csv(label: str, frame: pd.DataFrame, file_name: str, key: str) -> None:
    """A download button for a spreadsheet-safe CSV of the frame: full-precision numbers, no "None" or "nan"."""
    st.download_button(
        label, data=csv_bytes(frame), file_name=file_name, mime="text/csv", key=key,
        on_click="ignore", icon=":material/download:", disabled=frame.empty,
    )


def headline_metrics(headlines: list[Headline], key: str) -> None:
    """The headline counts as bordered metrics, a row per group of measures.

    Every headline is a count of harm, so a fall is good: hence ``delta_color="inverse"``.
    """
    for number, row in enumerate(summary.HEADLINE_ROWS):
        with st.container(horizontal=True, key=f"{key}_{number}"):
            for headline in (h for h in headlines if h.group in row):
                change = summary.shown_change(headline)
                st.metric(
                    headline.group.label,
                    summary.shown_count(headline.count),
                    delta=change,
                    delta_color="inverse",
                    delta_description=None if change is None else "on a year earlier",
                    help=headline.group.note,
                    border=True,
                )


def indicator_cards(catalogue: pd.DataFrame) -> None:
    """One card per partner indicator: its name, what it measures, where it comes from, and who may see it."""
    for indicator in catalogue.to_dict("records"):
        with st.container(border=True):
            with st.container(horizontal=True, vertical_alignment="center"):
                st.markdown(f"**{plain_text(indicator['Indicator'])}**")
                if indicator["Restricted"] == "Yes":
                    st.badge("Restricted: partners only", icon=":material/lock:", color="orange")
            facts = [str(indicator[c]) for c in ("Theme", "Unit", "Direction") if indicator[c]]
            first, last = indicator["First period"], indicator["Last period"]
            facts.append(f"{formatting.count(indicator['Values'])} values, {formatting.text(first)} to "
                         f"{formatting.text(last)}")
            st.caption(plain_text(" · ".join(facts)))
            st.markdown(plain_text(indicator["Definition"] or "No definition given."))
            st.caption(f"Source: {plain_text(indicator['Source'] or 'not given')}")


def judgement_grid(grid: pd.DataFrame, words: pd.DataFrame, key: str, present: bool = False
                   ) -> tuple[int, str] | None:
    """The overview's grid: words in every cell, a tint behind them; returns the cell the user selected.

    The first column labels the rows and is not a cell to select. On a projector (``present``) it is a plain table
    instead, whose text wraps to fit the screen (a dataframe's grid scrolls sideways inside itself at 1280 px), with
    the areas as rows when there are more areas than indicators; nothing is selected there.
    """
    label = grid.columns[0]
    if present:
        _fitted_grid(grid, words)
        return None

    def tint(column: pd.Series) -> list[str]:
        if column.name == label:
            return ["font-weight: bold"] * len(column)
        return [f"background-color: {JUDGEMENT_TINTS.get(w, '#ffffff')}; color: #111111" for w in words[column.name]]

    event = st.dataframe(
        grid.style.apply(tint, axis=0), hide_index=True, on_select="rerun", selection_mode="single-cell", key=key,
        height="content", row_height=44,
    )
    cells = event.selection.cells if event and event.selection else []
    for row, column in cells:
        if column != label:
            return int(row), column
    return None


def _fitted_grid(grid: pd.DataFrame, words: pd.DataFrame) -> None:
    label = grid.columns[0]
    if len(grid.columns) - 1 > len(grid):  # more areas than indicators: the areas go down the side
        grid = grid.set_index(label).T.rename_axis("Area").reset_index()
        words = words.set_index(label).T.rename_axis("Area").reset_index()
        label = "Area"

    def tint(column: pd.Series) -> list[str]:
        if column.name == label:
            return ["font-weight: bold"] * len(column)
        return [f"background-color: {JUDGEMENT_TINTS.get(w, '#ffffff')}; color: #111111" for w in words[column.name]]

    st.table(grid.style.apply(tint, axis=0), hide_index=True)


def rag_summary(counts: dict[str, int]) -> None:
    """How many measures are at each status, as metrics with the status word and an icon."""
    with st.container(horizontal=True):
        for rag, number in counts.items():
            st.metric(f"{RAG_MATERIAL_ICONS[rag]} {rag}", formatting.count(number), border=True)


def rag_badge(rag: str) -> None:
    """A RAG status as a badge with its word and an icon, never colour alone."""
    st.badge(rag, icon=RAG_MATERIAL_ICONS.get(rag), color=RAG_BADGE_COLOURS.get(rag, "gray"))
