"""Safer Communities Dashboard: the router. Opens the store, draws the shared sidebar, runs the page."""

from ui.preload import load_page_modules

load_page_modules()  # first, and one visitor at a time: concurrent first imports deadlock (ui.preload)

import streamlit as st  # noqa: E402

from ui import data, modes, shell, sidebar, signin, warmup  # noqa: E402

st.set_page_config(page_title="Safer Communities Dashboard", page_icon="🛡️", layout="wide")

# The mode first: the store is opened for this viewer (public unless a signed-in partner turns public mode off).
mode = modes.display_mode()
sections = {
    "": [st.Page("pages/home.py", title="Home", icon=":material/home:", default=True)],
    "Performance": [
        st.Page("pages/overview.py", title="Partnership at a glance", icon=":material/grid_view:"),
        st.Page("pages/trends.py", title="Trends", icon=":material/show_chart:"),
        st.Page("pages/measures.py", title="Measures", icon=":material/flag:"),
        st.Page("pages/similar.py", title="Similar areas", icon=":material/compare_arrows:"),
    ],
    "Places": [st.Page("pages/hotspots.py", title="Hotspots", icon=":material/local_fire_department:")],
    "Priorities": [
        st.Page("pages/priorities.py", title="Priority matrix", icon=":material/bubble_chart:"),
        st.Page("pages/actions.py", title="Action plan", icon=":material/checklist:"),
    ],
    "Present": [
        st.Page("pages/present.py", title="Guided presentation", icon=":material/co_present:"),
        st.Page("pages/pack.py", title="Committee pack", icon=":material/picture_as_pdf:"),
    ],
    "Store": [st.Page("pages/data.py", title="Data", icon=":material/database:")],
}
page = st.navigation(
    sections,
    # The top bar in every mode: on a projector the sidebar is hidden, and elsewhere it keeps the area and period
    # pickers in view at its top.
    position="top",
)
with shell.failing_plainly():
    store = data.ensure_store()
    # Once per store version: at the first visit, and after an import (whose rerun meets the new version).
    warmup.warm_in_background(store)
    overview = data.load_overview(store)
    sidebar.sidebar_selection(store, overview)
    modes.mode_switches(mode)
    signin.partner_sign_in()
    signin.sign_in_status()
    sidebar.sidebar_footer(overview)
    shell.demo_notice(overview)
    modes.mode_banner(mode, modes.section_place(sections, page), notice=shell.projector_notice(overview))
    page.run()
