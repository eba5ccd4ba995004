"""How the dashboard is being shown: presentation mode (a room, a projector) and public mode (a shared screen).

The two switches live in the sidebar and the link (``present=1``, ``public=0/1``). Public mode decides what the
store is opened for (``current_viewer``): it can be off only for a signed-in partner.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lib.core.disclosure import PUBLIC_MODE_NOTE
from lib.store.access import Viewer, viewer_for
from ui import link, signin

PRESENT_KEY, PUBLIC_KEY = "sidebar_present", "sidebar_public"
# Our own fixed stylesheet (no data or user text in it): big type and full contrast for the back of a room, the
# sidebar and every input control hidden so the screen shows only the picture. Navigation moves to the top bar.
PRESENTATION_CSS = """<style>
html { font-size: 24px; }
.stApp { color: #000000; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #000000 !important; }
[data-testid="stMainBlockContainer"] { padding-top: 4rem; }
h1 { font-size: 2.4rem !important; }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSelectbox"], [data-testid="stMultiSelect"], [data-testid="stButtonGroup"],
[data-testid="stCheckbox"], [data-testid="stRadio"], [data-testid="stSlider"], [data-testid="stTextInput"],
[data-testid="stNumberInput"], [data-testid="stTextArea"], [data-testid="stFileUploader"], [data-testid="stForm"],
[data-testid="stDownloadButton"], [data-testid="stExpander"] { display: none !important; }
.stApp a { text-decoration: underline; }
</style>"""


@dataclass(frozen=True)
class DisplayMode:
    """How the dashboard is being shown: presented to a room, and whether the screen is public."""

    present: bool
    public: bool


def display_mode() -> DisplayMode:
    """The presentation and public switches, from the link (``present=1``, ``public=0/1``) or the session.

    Entering presentation mode switches public mode on, unless the link says ``public=0``: a room is a public
    place. Public mode can be off only for a signed-in partner: for everyone else it is on, whatever the link says.
    Read before the page is chosen (it moves the navigation); ``mode_switches`` draws the switches.
    """
    present_url, public_url = link.flag_in_link("present"), link.flag_in_link("public")
    was_presenting = st.session_state.get(PRESENT_KEY, False)
    link.follow(PRESENT_KEY, present_url, link.one_of([True, False]), False)
    if st.session_state[PRESENT_KEY] and not was_presenting and public_url is None:
        st.session_state[PUBLIC_KEY] = True
    link.follow(PUBLIC_KEY, public_url, link.one_of([True, False]), st.session_state[PRESENT_KEY])
    if signin.current_partner() is None:
        st.session_state[PUBLIC_KEY] = True
    mode = DisplayMode(st.session_state[PRESENT_KEY], st.session_state[PUBLIC_KEY])
    st.session_state["display_mode"] = mode
    return mode


def mode_switches(mode: DisplayMode) -> None:
    """Draw the two switches in the sidebar and keep them in the link when they differ from their defaults."""
    partner = signin.current_partner() is not None
    st.sidebar.toggle(
        "Presentation mode", key=PRESENT_KEY, on_change=_entered_presentation,
        help="Large type and high contrast for a room, controls hidden. Public mode comes on with it.",
    )
    st.sidebar.toggle(
        "Public mode", key=PUBLIC_KEY, disabled=not partner,
        help="For a shared screen or published papers: neighbourhood counts rounded, small ones shown as 'fewer "
             "than 5', restricted partner indicators hidden."
             + ("" if partner else " Only a partner who has signed in can turn it off."),
    )
    link.keep_flag(PRESENT_KEY, "present", mode.present, default=False)
    link.keep_flag(PUBLIC_KEY, "public", mode.public, default=mode.present or not partner)


def current_mode() -> DisplayMode:
    """The display mode chosen on this run (a public screen until the sidebar has decided)."""
    return st.session_state.get("display_mode", DisplayMode(False, True))


def public_mode() -> bool:
    """Whether this screen is public: small-area counts protected and restricted indicators hidden."""
    return current_mode().public


def current_viewer() -> Viewer:
    """What this session may see (``lib.store.access``): partners' figures only for a signed-in partner in private
    mode."""
    return viewer_for(public_mode(), signin.current_partner() is not None)


def start_presenting() -> None:
    """Switch presentation mode on (a button's callback), with public mode as the switch itself does."""
    st.session_state[PRESENT_KEY] = True
    _entered_presentation()


def _entered_presentation() -> None:
    if st.session_state.get(PRESENT_KEY):
        st.session_state[PUBLIC_KEY] = True


def _leave_presentation() -> None:
    st.session_state[PRESENT_KEY] = False


def mode_banner(mode: DisplayMode) -> None:
    """Say on screen which mode is on; in presentation mode, restyle the page and offer the way out."""
    if mode.present:
        st.html(PRESENTATION_CSS)
    if not (mode.present or mode.public):
        return
    with st.container(horizontal=True, vertical_alignment="center", key="mode_banner"):
        if mode.present:
            st.caption(":material/visibility: **Public mode:** neighbourhood counts rounded, small ones and "
                       "restricted indicators hidden." if mode.public
                       else ":material/lock_open: **Public mode is off.**")
            st.button("Leave presentation mode", key="leave_presentation", on_click=_leave_presentation,
                      type="tertiary", icon=":material/close_fullscreen:")
        else:
            st.caption(f":material/visibility: **Public mode:** {PUBLIC_MODE_NOTE.removeprefix('Public mode: ')}")
