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
from ui.widgets import DISPLAY_MODE_KEY

PRESENT_KEY, PUBLIC_KEY = "sidebar_present", "sidebar_public"
# The top bar's section holding the current page is marked by the banner's key, this prefix and the section's place
# (``mode_banner``): the stylesheet below stays one fixed text, with a rule for each place.
CURRENT_SECTION_KEY, TOP_BAR_PLACES = "mode_banner_in_section", 8
_CURRENT_SECTION_RULES = "\n".join(
    f'.stApp:has(.st-key-{CURRENT_SECTION_KEY}_{n}) [data-testid="stTopNav"] > div:nth-child({n + 1}) '
    '[data-testid="stTopNavSection"]' + ("," if n < TOP_BAR_PLACES - 1 else "")
    for n in range(TOP_BAR_PLACES)
)
# Our own fixed stylesheets (no data or user text in them). In every mode, the pages are in the top bar, where the
# current page (or its section) is underlined and bold, and no other item is (Streamlit's own sidebar menu puts its
# section headings inside the list of pages, which screen readers announce as a broken list).
NAVIGATION_CSS = """<style>
[data-testid="stElementContainer"]:has(> [data-testid="stMarkdown"] style) { display: none !important; }
[data-testid="stTopNav"] a, [data-testid="stTopNav"] p { text-decoration: none !important; }
[data-testid="stTopNav"] a[aria-current="page"],
""" + _CURRENT_SECTION_RULES + """ {
  text-decoration: underline !important; text-decoration-thickness: 0.15em !important;
  text-underline-offset: 0.3em; font-weight: 700; border-bottom: 0.2em solid #0b5cad; }
[data-testid="stTopNav"] a[aria-current="page"] p,
""" + _CURRENT_SECTION_RULES.replace('"stTopNavSection"]', '"stTopNavSection"] p') + """ {
  text-decoration: underline !important; font-weight: 700; }
</style>"""
# In presentation mode: big type and full contrast for the back of a room, the sidebar and every input control
# hidden so the screen shows only the picture. Tables read at 20 px (a dataframe's grid takes its type from the root
# size: 0.875 x 24 = 21 px). Gaps are tight so the one visual starts in the first screen; only "How this is worked
# out" (ui.shell.worked_out) stays of the expanders.
PRESENTATION_CSS = """<style>
html { font-size: 24px; }
.stApp { color: #000000; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #000000 !important; }
[data-testid="stMainBlockContainer"] { padding: 3.6rem 1.25rem 2rem; max-width: 100%; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0.4rem !important; }
h1 { font-size: 1.5rem !important; padding: 0 0 0.2rem !important; }
h2, h3 { font-size: 1.25rem !important; padding: 0.1rem 0 0.35rem !important; }
h4 { font-size: 1.05rem !important; padding: 0 !important; }
[data-testid="stHeading"] [data-testid="stMarkdownContainer"] { margin-bottom: 0 !important; }
[data-testid="stMetric"] > div { padding: 0.25rem 0.7rem !important; }
[data-testid="stMetricValue"] { font-size: 1.6rem !important; }
[data-testid="stMetricDelta"] { font-size: 0.8rem !important; }
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * { white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; height: auto !important; }
[data-testid="stTable"] table { width: 100%; table-layout: auto; }
[data-testid="stTable"] th, [data-testid="stTable"] td { font-size: 0.85rem !important; padding: 0.2rem 0.4rem;
  white-space: normal; overflow-wrap: anywhere; color: #000000 !important; }
[data-testid="stTable"] :is(th, td) * { white-space: normal !important; overflow-wrap: anywhere !important; }
[data-testid="stTable"] th, [data-testid="stTable"] th * { font-weight: 700; overflow-wrap: break-word !important; }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSelectbox"], [data-testid="stMultiSelect"], [data-testid="stButtonGroup"],
[data-testid="stCheckbox"], [data-testid="stRadio"], [data-testid="stSlider"], [data-testid="stTextInput"],
[data-testid="stNumberInput"], [data-testid="stTextArea"], [data-testid="stFileUploader"], [data-testid="stForm"],
[data-testid="stDownloadButton"], [data-testid="stExpander"]:not([class*="st-key-worked_out"]):not(
[class*="st-key-worked_out"] *), [class*="st-key-current_section"] { display: none !important; }
[data-testid="stMain"] a { text-decoration: underline; }
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
    st.session_state[DISPLAY_MODE_KEY] = mode
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
    return st.session_state.get(DISPLAY_MODE_KEY, DisplayMode(False, True))


def public_mode() -> bool:
    """Whether this screen is public: small-area counts protected and restricted indicators hidden."""
    return current_mode().public


def plain_words() -> bool:
    """Whether the screen speaks in plain words (public or presentation mode: councillors, a room), the methods
    one click away; officers in normal mode read the technical captions."""
    mode = current_mode()
    return mode.present or mode.public


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


def section_place(sections: dict[str, list], page: object) -> int | None:
    """Where the page's section sits in the top bar (0 for the pages with no section, which come first), from the
    navigation's sections and the page ``st.navigation`` chose."""
    url = getattr(page, "url_path", None)
    return next((n for n, pages in enumerate(sections.values()) if any(p.url_path == url for p in pages)), None)


def mode_banner(mode: DisplayMode, section: int | None = None, notice: str = "") -> None:
    """Say on screen which mode is on, and mark the current page's section in the top bar (its place,
    ``section_place``); in presentation mode, restyle the page and offer the way out. A ``notice`` (the demo's) goes
    on the line above the mode's, in the same block, so the two take as little of a projector's screen as they can.
    """
    # Markdown, not st.html: its renderer is loaded with the first caption, so the stylesheet is in place before a
    # dataframe first draws (a grid takes its type size once, when it first draws).
    st.markdown(NAVIGATION_CSS, unsafe_allow_html=True)
    if mode.present:
        st.markdown(PRESENTATION_CSS, unsafe_allow_html=True)
    # The key also says where the current page's section is (the pages with no section, such as Home, are links
    # the top bar marks itself).
    marked = section and f"{CURRENT_SECTION_KEY}_{min(section, TOP_BAR_PLACES - 1)}"
    with st.container(horizontal=True, vertical_alignment="center", key=marked or "mode_banner"):
        if mode.present:
            said = (":material/visibility: **Public mode:** neighbourhood counts rounded, small ones and "
                    "restricted indicators hidden." if mode.public else ":material/lock_open: **Public mode is off.**")
            st.caption(f":material/science: **{notice}**  \n{said}" if notice else said)
            st.button("Leave presentation mode", key="leave_presentation", on_click=_leave_presentation,
                      type="tertiary", icon=":material/close_fullscreen:")
        elif mode.public:
            st.caption(f":material/visibility: **Public mode:** {PUBLIC_MODE_NOTE.removeprefix('Public mode: ')}")
        else:  # a signed-in partner: the figures on screen may not be shared
            st.caption(":material/lock_open: **Public mode is off:** exact neighbourhood counts and restricted "
                       "partner indicators are shown. Not for a shared screen.")
