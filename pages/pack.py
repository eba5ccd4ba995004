"""Committee pack: one PDF for the papers, with the overview, measures, trends, maps, matrix and action plan."""

from ui.preload import require_app_shell

require_app_shell()  # before any other import: see ui.preload

import shlex

import streamlit as st

from lib.reports.committee_pack import PACK_SECTIONS, pack_file_name
from ui import modes, present, shell, widgets

selection = shell.page_start("Committee pack")
area, period = selection.area, selection.period
public = selection.store.viewer.public
shell.headline("Committee pack", area.name, period.title)

st.markdown(f"A PDF for committee papers on **{widgets.plain_text(area.name)}**, {period.title}: "
            + ", ".join(s.lower() if n else s for n, s in enumerate(PACK_SECTIONS)) + ". "
            "Charts and maps are drawn as images, so they print; every page says its source and period.")
if public:
    st.caption("Public mode is on, so the pack is fit for published papers: neighbourhood counts are rounded, "
               "counts of 1 to 4 show as 'fewer than 5' and restricted partner indicators are left out.")
else:
    widgets.caveat("Public mode is off: the pack will include restricted partner indicators and exact neighbourhood "
                   "counts. Mark it 'not for publication', or switch public mode on in the sidebar first.")
st.download_button(
    "Build and download the committee pack (PDF)", icon=":material/picture_as_pdf:", type="primary",
    data=lambda: present.load_committee_pack(selection), file_name=pack_file_name(area, period),
    mime="application/pdf", on_click="ignore", key="pack_pdf",
)
st.caption("Building the pack takes a few seconds.")
if not modes.current_mode().present:  # the command line is for officers, not a room
    st.caption("The same pack from the command line:")
    st.code(f"python -m lib.cli pack --area {shlex.quote(area.name)} --period {shlex.quote(period.key)}",
            language=None)  # plain text: the highlighter's colours fall below WCAG AA contrast
