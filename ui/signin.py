"""Who is signed in: the sign-in setup from the app's secrets, the partner and the editor on this run, and the
sidebar's ways in and out.

Both the display modes (a partner may turn public mode off) and editing (an editor may save) ask this module, so
it stands below both.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from lib.core.editors import EditingSetup, editing_setup, is_editor, is_partner
from ui.widgets import plain_text


def _secrets() -> Mapping:
    # No secrets file at all is the usual case on a laptop: it simply means editing is off.
    try:
        return st.secrets.to_dict()
    except Exception:
        return {}


def setup() -> EditingSetup:
    """How sign-in and editing are set up, from the secrets."""
    return editing_setup(_secrets())


def logged_in() -> bool:
    """Whether someone is signed in on this run."""
    # st.user has no is_logged_in at all until sign-in is set up.
    return bool(st.user.get("is_logged_in", False))


def current_partner() -> str | None:
    """The signed-in partner's email on this run, or None (nobody signed in, or not a partner)."""
    if not logged_in():
        return None
    email = st.user.get("email")
    if not is_partner(setup(), email, st.user.get("email_verified")):
        return None
    return str(email).strip().lower()


def current_editor() -> str | None:
    """The signed-in editor's email on this run, or None (editing off, nobody signed in, or not an editor)."""
    editing = setup()
    if not editing.enabled or not logged_in():
        return None
    email = st.user.get("email")
    # Recorded in lower case, so one person's changes read the same whatever case the provider sends.
    return str(email).strip().lower() if is_editor(editing, email, st.user.get("email_verified")) else None


def sign_in(editing: EditingSetup) -> None:
    """Send the browser to the sign-in service."""
    st.login(editing.provider) if editing.provider else st.login()


def partner_sign_in() -> None:
    """In the sidebar, for someone not signed in where sign-in is set up: the way to partners-only figures."""
    editing = setup()
    if logged_in() or not editing.sign_in:
        return
    if st.sidebar.button("Sign in (partners and editors)", key="partner_sign_in", icon=":material/login:",
                         type="tertiary", help="Partners see restricted indicators and exact neighbourhood counts "
                                               "with public mode off; editors can change targets and plans."):
        sign_in(editing)


def sign_in_status() -> None:
    """In the sidebar: who is signed in, and the way out."""
    if not logged_in():
        return
    st.sidebar.caption(f":material/person: Signed in as {plain_text(str(st.user.get('email') or ''))}")
    if st.sidebar.button("Sign out", key="sign_out", icon=":material/logout:", type="tertiary"):
        st.logout()
