"""The Present section: the guided presentation's step (kept in the link as ``step``), its buttons and outline,
the assessments it presents, and the committee pack."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.core.areas import Area
from lib.reports.committee_pack import build_pack
from lib.reports.presentation import no_agreed_message, presented_versions, step_number
from ui import link
from ui.data import Selection, Store, read
from ui.modes import start_presenting
from ui.priorities import load_assessment, load_versions
from ui.widgets import table

STEP_KEY = "present_step"


def _versions(store: Store, area: Area) -> list:
    versions = load_versions(store, area.code)
    if not versions and area.parent_code:
        versions = load_versions(store, area.parent_code)
    return versions


def presented_assessments(store: Store, area: Area) -> tuple[tuple | None, tuple | None]:
    """(agreed, shown): each a (version, assessments) pair or None; the area's own, else its county's. Both are the
    last agreed assessment: a working draft is never shown to the room (``presented_versions``)."""
    agreed, shown = presented_versions(_versions(store, area))
    return tuple((v, load_assessment(store, v.id)) if v else None for v in (agreed, shown))


def unagreed_message(store: Store, area: Area) -> str:
    """What the matrix step says when no assessment is agreed yet: none started, or only a working draft."""
    return no_agreed_message(_versions(store, area))


def guided_step(count: int) -> int:
    """The step on screen (1-based), from the link's ``step`` or the session, and kept in the link."""
    raw = link.in_link("step")
    from_url = step_number(raw, range(count)) if raw is not None else None
    link.follow(STEP_KEY, from_url, link.one_of(range(1, count + 1)), 1)
    number = st.session_state[STEP_KEY]
    link.keep(STEP_KEY, "step", number)
    return number


def _move_step(by: int, count: int) -> None:
    st.session_state[STEP_KEY] = min(max(st.session_state.get(STEP_KEY, 1) + by, 1), count)


def step_buttons(number: int, count: int) -> None:
    """Previous and next, also on the left and right arrow keys (and a presenter's clicker, which sends them).

    No icons: the button shows its shortcut key (an arrow) itself, so an arrow icon as well would be doubled.
    """
    with st.container(horizontal=True, vertical_alignment="center", key="step_buttons"):
        st.button("Previous", key="step_previous", shortcut="Left",
                  disabled=number <= 1, on_click=_move_step, args=(-1, count))
        st.markdown(f"**Step {number} of {count}**")
        st.button("Next", key="step_next", shortcut="Right",
                  type="primary", disabled=number >= count, on_click=_move_step, args=(1, count))


def sequence_outline(steps: list, number: int) -> None:
    """Before the event: the whole sequence with the current step marked, and the way into presentation mode."""
    st.divider()
    st.markdown("**The sequence**")
    table(pd.DataFrame({"Step": range(1, len(steps) + 1), "Screen": [s.title for s in steps],
                        "Now": ["◀ showing" if n == number else "" for n in range(1, len(steps) + 1)]}))
    st.button("Start presenting", key="start_presenting", icon=":material/co_present:", on_click=start_presenting,
              help="Large type, controls hidden, public mode on. Move with the arrow keys or the buttons.")


@st.cache_data(show_spinner="Building the committee pack…", max_entries=4)
def load_committee_pack(selection: Selection) -> bytes:
    """The committee pack PDF for the sidebar's area and period, as the viewer may see it."""
    return read(selection.store, lambda db: build_pack(db, selection.area, selection.period))
