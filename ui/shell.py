"""The app shell around every page: failing in plain words, the start of an indicator page, and the notice that the
data is synthetic. (Running under app.py's router is ui.preload's.)"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import streamlit as st

from lib.core.attribution import DEMO_NOTICE
from lib.reports.presentation import headline as headline_words
from lib.store.db import store_path
from lib.store.faults import StoreError, as_store_error
from lib.store.summary import StoreOverview
from ui.data import Selection
from ui.modes import current_mode, plain_words
from ui.sidebar import current_selection
from ui.widgets import caveat, plain_text

_log = logging.getLogger("safer_communities")
# Expanders keyed with this prefix stay on screen in presentation mode (ui.modes.PRESENTATION_CSS).
WORKED_OUT_KEY = "worked_out"


@contextmanager
def failing_plainly() -> Iterator[None]:
    """Run the app shell and its page. If they fail, the viewer reads what failed in plain words and the trace goes
    to the server's log, with a reference to find it by: a traceback shows server paths and package versions to
    anyone, and Streamlit's own message offers to "Ask ChatGPT".

    Where the configuration asks for error details (``client.showErrorDetails`` "full" or "stacktrace", a
    developer's setting; the shipped config says "none"), the error is raised again for Streamlit to show.
    """
    try:
        yield
    except Exception as error:  # st.stop, st.rerun and st.switch_page raise BaseException: they pass straight through
        problem = store_problem(error)
        if problem is not None:
            # The store's own fault (missing, damaged, read-only, its disk full) is no bug: its message says what
            # is wrong and how to put it right, so it is shown as it is, and no trace is needed.
            _log.warning("The store cannot be used: %s", problem)
            st.error(plain_text(str(problem)), icon=":material/database:")
            return
        reference = uuid.uuid4().hex[:8]
        _log.exception("The dashboard failed (reference %s)", reference)
        st.error(f"Sorry, this page could not be shown: something went wrong while working out its figures. "
                 f"Try another area or period, or tell the dashboard's administrator (reference {reference}).",
                 icon=":material/error:")
        if st.get_option("client.showErrorDetails") in ("full", "stacktrace", True):
            raise


def store_problem(error: BaseException) -> StoreError | None:
    """The store's own fault behind an error, in plain words (None for any other error)."""
    if isinstance(error, StoreError):
        return error
    return as_store_error(error, store_path()) if isinstance(error, sqlite3.Error) else None


def page_start(title: str) -> Selection:
    """What every indicator page does first: its title, and a stop while nothing is loaded.

    In presentation mode the title is left out: the page's headline (``headline``: what, where, when) is its heading
    there, and the top bar already names the page. An empty ``title`` draws none in either mode.
    """
    if title and not current_mode().present:
        st.title(title)
    selection = current_selection()
    if selection is None:
        caveat("No incidents are loaded yet. The Data page's 'Set up your area' says how to add them.")
        st.page_link("pages/data.py", label="Go to Data to import files", icon=":material/upload:")
        st.stop()
    return selection


def demo_notice(overview: StoreOverview) -> None:
    """On every page while the store is the synthetic demo: say plainly that the data is not real.

    On a projector it is a line of the mode's banner instead (``projector_notice``), so the screen keeps room for
    its message.
    """
    if overview.demo and not current_mode().present:
        st.warning(DEMO_NOTICE, icon=":material/science:")


def projector_notice(overview: StoreOverview) -> str:
    """What the banner says above the mode on a projector: that the data is synthetic, while it is."""
    return DEMO_NOTICE if overview.demo else ""


def headline(what: str | Sequence[str], where: str, when: str, normal: str = "") -> None:
    """In presentation mode, what the screen shows, where and when, above its picture (the pickers are hidden, so
    the room could not otherwise tell): 'Anti-social behaviour in Eastbourne, rolling 12 months to February 2019'.
    In normal mode the pickers say it: the page's own subheading ``normal`` (plain text) is drawn, if any."""
    if current_mode().present:
        st.subheader(plain_text(headline_words(what, where, when)), anchor=False)
    elif normal:
        st.subheader(plain_text(normal))


def worked_out(technical: str, key: str) -> None:
    """The method behind a screen's words: for officers (normal mode) a caption, in public and presentation mode
    one click away in "How this is worked out" (the one expander presentation mode shows: its key says so)."""
    if not plain_words():
        st.caption(technical)
        return
    with st.expander("How this is worked out", key=f"{WORKED_OUT_KEY}_{key}"):
        st.caption(technical)
