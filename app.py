"""Safer Communities Dashboard: the router. Opens the store, draws the shared sidebar, runs the page."""

import streamlit as st

import ui

st.set_page_config(page_title="Safer Communities Dashboard", page_icon="🛡️", layout="wide")

store = ui.ensure_store()
overview = ui.load_overview(store)
page = st.navigation(
    [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("pages/data.py", title="Data", icon=":material/database:"),
    ]
)
ui.sidebar_selection(store, overview)
ui.sidebar_footer(overview)
ui.demo_notice(overview)
page.run()
