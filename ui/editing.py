"""Editing: where editing controls may go (``editing_gate``), the form under an editing table, and one way to write
a change, remember how it went and redraw the page to say so.

A save ends its run with ``st.rerun()`` (which stops the script by raising); each caller still returns straight
after, so the flow reads plainly.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import sqlite_utils
import streamlit as st

from lib.core.editors import is_unverified
from lib.store.db import open_store
from lib.store.faults import StoreError, as_store_error
from ui import signin
from ui.data import Store, clear_loaded_data
from ui.widgets import plain_text


def editing_gate(key: str) -> str | None:
    """Where editing controls go: the editor's email when an editor is signed in; otherwise a line saying why
    not (with a sign-in button when sign-in is set up), and None, so the caller draws no editing controls."""
    setup = signin.setup()
    if not setup.enabled:
        st.caption(f":material/lock: Editing is off: {setup.problem}. Viewing is open to everyone.")
        return None
    if not signin.logged_in():
        if st.button("Sign in to edit", key=f"{key}_sign_in", icon=":material/login:"):
            signin.sign_in(setup)
        return None
    editor = signin.current_editor()
    if editor is None:
        who = ("whose email the sign-in service has not verified" if is_unverified(st.user.get("email_verified"))
               else "who is not on the editors list")
        st.caption(f":material/lock: Signed in as {plain_text(str(st.user.get('email') or 'no email'))}, {who}, "
                   "so this is read-only.")
        return None
    st.caption(f":material/edit: Editing as {plain_text(editor)}: each change is recorded with your email.")
    return editor


def save_form(form: str, reason_key: str, reason_label: str = "Why (optional)") -> tuple[bool, str]:
    """The form under an editing table: why (recorded with each change), and Save changes."""
    with st.form(form):
        reason = st.text_input(reason_label, key=reason_key, max_chars=200)
        saved = st.form_submit_button("Save changes", icon=":material/save:", type="primary")
    return saved, reason


def show_outcome(key: str) -> None:
    """The message of the last save on this page, once."""
    outcome = st.session_state.pop(key, None)
    if outcome:
        (st.success if outcome[0] else st.error)(plain_text(outcome[1]))


def refuse(key: str, message: str) -> None:
    """Remember why nothing was saved and redraw the page, which says so (``show_outcome``). Return after it."""
    st.session_state[key] = (False, message)
    st.rerun()


def write(store: Store, key: str, change: Callable[[sqlite_utils.Database], object],
          done: Callable[[object], str]) -> None:
    """Run one change on the store, remember how it went, and redraw with fresh data. Return after it.

    ``done`` words the change's result; a function, not a format string, so braces in a name are just text. The
    editor is checked again here, at the moment of writing, whatever the page drew.
    """
    if signin.current_editor() is None:
        refuse(key, "Not saved: sign in as an editor first.")
        return
    try:
        db = open_store(store.path)
    except StoreError as error:  # read-only or damaged: refused before anything is written
        refuse(key, f"Not saved: {error}")
        return
    try:
        result = change(db)
    except (ValueError, LookupError) as error:
        st.session_state[key] = (False, f"Not saved: {error}")
    except sqlite3.Error as error:  # a full disk mid-change: the change's own transaction has rolled back
        problem = as_store_error(error, Path(store.path))
        if problem is None:
            raise
        st.session_state[key] = (False, f"Not saved: {problem}")
    else:
        st.session_state[key] = (True, done(result))
    finally:
        db.close()
    clear_loaded_data()
    st.rerun()
