"""The Data page's "Set up your area": pick the force and CSP, see which files are held, what each adds and where
to get it, and download a template for the partnership's own figures."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.core.areas import Area, force_above
from lib.core.export import download_name
from lib.store import area_setup
from lib.store.series import population_year
from ui.data import LOOKUP_ENTRIES, TABLE_ENTRIES, Selection, Store, read
from ui.modes import current_mode
from ui.widgets import download_csv, plain_text, table

SETUP_COMMAND = "python -m lib.cli --db data/csp.db import KIND FILE"


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_forces(store: Store) -> list[Area]:
    """The force areas the store's lookup names."""
    return read(store, area_setup.forces_in_lookup)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_csps_of_force(store: Store, force: Area) -> list[Area]:
    """A force area's CSPs."""
    return read(store, area_setup.csps_of_force, force)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_force_of(store: Store, area: Area) -> Area | None:
    """The force area holding an area."""
    return read(store, force_above, area)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_setup_steps(store: Store, force: Area, csp: Area, year: int) -> list[area_setup.SetupStep]:
    """What the CSP's store holds, step by step."""
    return read(store, area_setup.setup_steps, force, csp, year)


def set_up_your_area(store: Store, selection: Selection | None) -> None:
    """The whole "Set up your area" path."""
    st.subheader("Set up your area")
    if not current_mode().present:  # on a projector the pickers are hidden, and the table is the message
        st.markdown(
            "A real CSP's dashboard is built in minutes from open data (police.uk and ONS files), then grows with "
            "the partnership's own figures. Pick your force and CSP to see what is held, what is missing and where "
            "to get it."
        )
    forces = load_forces(store)
    if not forces:
        st.info("This store holds no force areas yet: the first file to import is the district → CSP → force "
                "lookup (step 1 below).")
        _how_to_import()
        return
    force, csp = _pick_force_and_csp(store, forces, selection)
    if csp is None:
        st.caption(plain_text(f"The lookup names no CSP of {force.name}."))
        return
    year = population_year(selection.period.end) if selection else 2019
    steps = load_setup_steps(store, force, csp, year)
    table(_steps_frame(steps))
    missing = [s for s in steps if not s.held]
    if missing:
        st.markdown(f"**Still missing for {plain_text(csp.name)}:** "
                    + plain_text("; ".join(s.name for s in missing)) + ".")
    _where_to_get(steps)
    _templates(csp)
    _how_to_import()


def _pick_force_and_csp(store: Store, forces: list[Area], selection: Selection | None) -> tuple[Area, Area | None]:
    left, right = st.columns(2)
    chosen = load_force_of(store, selection.area) if selection else None
    by_code = {f.code: f for f in forces}
    force_code = left.selectbox("Police force area", list(by_code), format_func=lambda c: by_code[c].name,
                              index=list(by_code).index(chosen.code) if chosen and chosen.code in by_code else 0,
                              key="setup_force")
    force = by_code[force_code]
    csps = {c.code: c for c in load_csps_of_force(store, force)}
    if not csps:
        return force, None
    default = selection.area.code if selection and selection.area.code in csps else next(iter(csps))
    csp_code = right.selectbox("Community safety partnership (CSP)", list(csps), format_func=lambda c: csps[c].name,
                            index=list(csps).index(default), key="setup_csp")
    return force, csps[csp_code]


def _steps_frame(steps: list[area_setup.SetupStep]) -> pd.DataFrame:
    return pd.DataFrame([{
        "Step": f"{number}. {step.name}", "Held": "✓ Held" if step.held else "✗ Missing", "Now": step.status,
    } for number, step in enumerate(steps, start=1)])


def _where_to_get(steps: list[area_setup.SetupStep]) -> None:
    with st.expander("What each file adds, where to get it, and how to import it"):
        for number, step in enumerate(steps, start=1):
            st.markdown(f"**{number}. {plain_text(step.name)}** ({step.group.lower()}). Once held: "
                        f"{plain_text(step.shows)} Source: {plain_text(step.source)}.")
            st.code(step.command, language=None)  # plain: highlighted tokens fail contrast


def _templates(csp: Area) -> None:
    st.markdown("**Templates for the partnership's own figures** (CSV, in the layout the importer reads; "
                "docs/formats.md describes every column):")
    left, middle, right = st.columns(3)
    with left:
        download_csv("Partner indicators template", area_setup.indicators_template(csp),
                     download_name("partner indicators template", csp.name), key="setup_indicators_template")
    with middle:
        download_csv("Action plan template", area_setup.actions_template(csp),
                     download_name("action plan template", csp.name), key="setup_actions_template")
    with right:
        st.caption("The targets template, with each headline indicator's baseline, is on the Measures page. "
                   "The threat, harm and risk assessment starts from the suggested scores on the Priority matrix.")


def _how_to_import() -> None:
    st.caption("Files are imported from the command line at the repository's root, in the order of the steps (the "
               "README's 'Set up your area' shows each command), with the store named by --db:")
    st.code(SETUP_COMMAND, language=None)  # a block, not inline code in a caption: that fails contrast
