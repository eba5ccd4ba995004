"""Uploads: the upload box and Import button (on the Data, Measures and Action plan pages), and what the last upload
did, file by file. Files go through the same importers as the command line (``lib.uploads``)."""

from __future__ import annotations

import streamlit as st

from lib.store.db import IMPORT, open_store, store_path
from lib.store.faults import StoreError
from lib.uploads import import_uploads
from ui import signin
from ui.data import clear_loaded_data
from ui.editing import editing_gate
from ui.widgets import plain_text

UPLOAD_OUTCOMES_KEY = "data_upload_outcomes"


def upload_form(kind: str, label: str, types: list[str], key: str) -> None:
    """An upload box and an Import button (callers draw it for editors only); files go through the same importers
    as the command line."""
    with st.form(f"{key}_form", clear_on_submit=True):
        files = st.file_uploader(label, type=types, accept_multiple_files=True, key=f"{key}_files")
        submitted = st.form_submit_button(
            "Import", icon=":material/upload:", type="primary", key=f"{key}_import"
        )
    if submitted and files:
        _import_files(kind, files)


def _import_files(kind: str, files: list) -> None:
    if signin.current_editor() is None:  # checked again at the moment of writing, whatever the page drew
        st.error("Not imported: sign in as an editor first.", icon=":material/lock:")
        return
    try:
        db = open_store(store_path(), IMPORT)
    except StoreError as error:  # read-only, damaged: refused before anything is read or written
        st.error(plain_text(f"Not imported: {error}"), icon=":material/error:")
        return
    bar = st.progress(0.0, text="Starting the import")
    try:
        outcomes = import_uploads(
            db, kind, [(f.name, f.getvalue()) for f in files],
            progress=lambda fraction, text: bar.progress(min(fraction, 1.0), text=plain_text(text)),
        )
    finally:
        db.close()
    st.session_state[UPLOAD_OUTCOMES_KEY] = outcomes
    clear_loaded_data()
    st.rerun()  # so the sidebar and every table show the new data


def show_upload_outcomes() -> None:
    """One line per file of the last upload: what was imported, or why the file was refused."""
    for outcome in st.session_state.get(UPLOAD_OUTCOMES_KEY, []):
        if outcome.imported:
            st.success(plain_text(outcome.message), icon=":material/check_circle:")
        else:
            st.error(plain_text(outcome.message), icon=":material/error:")


def upload_section(kind: str, label: str, types: list[str], key: str) -> None:
    """What the last upload did, then the form for an editor (for anyone else, a line saying why not)."""
    show_upload_outcomes()
    if editing_gate(key):
        upload_form(kind, label, types, key=key)
