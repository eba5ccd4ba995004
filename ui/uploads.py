"""Uploads: the upload box and Import button (on the Data, Measures and Action plan pages), the Data page's fetch
from police.uk, and what the last import did, file by file. Files go through the same importers as the command line
(``lib.uploads``, ``lib.importers.police_uk_fetch``)."""

from __future__ import annotations

import streamlit as st

from lib.core.periods import month_long, months_between, shift_months
from lib.importers import police_uk_fetch as fetching
from lib.importers.base import ImportFileError
from lib.store.db import IMPORT, open_store, store_path
from lib.store.faults import StoreError
from lib.uploads import UploadOutcome, import_uploads
from ui import signin
from ui.data import Selection, Store, clear_loaded_data, read
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
    _show_after_rerun(outcomes)


def _show_after_rerun(outcomes: list[UploadOutcome]) -> None:
    """Keep what an import did for the next run to show, forget the cached tables, and rerun, so the sidebar and
    every table show the new data (an upload's and a fetch's alike)."""
    st.session_state[UPLOAD_OUTCOMES_KEY] = outcomes
    clear_loaded_data()
    st.rerun()


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


FETCH_TIMEOUT = 60  # seconds a police.uk server may stay silent mid-download, as on the command line
ONLINE_TIMEOUT = 5  # seconds to wait when asking police.uk its latest month: the page must not hang offline
POLICE_UK_DOWNLOADS = "https://data.police.uk/data/"


@st.cache_data(ttl=60, show_spinner=False)
def _latest_published(base_url: str) -> tuple[str | None, str]:
    """police.uk's latest month, or None and why it cannot be reached (kept a minute: every rerun need not ask)."""
    try:
        return fetching.latest_published(base_url, ONLINE_TIMEOUT), ""
    except fetching.FetchError as error:
        return None, str(error)


def police_uk_fetch_form(store: Store, selection: Selection | None) -> None:
    """Fetch a force's police.uk street files for some months and import them, as ``csp fetch police-uk`` does;
    where this server cannot reach police.uk, says so and points to the upload instead. Callers draw it for editors
    only."""
    st.subheader("Fetch from police.uk")
    base_url = fetching.police_uk_base_url()
    latest, problem = _latest_published(base_url)
    if latest is None:
        st.info(plain_text(
            f"This server cannot reach police.uk, so it cannot fetch the files itself ({problem}). Download the "
            f"force's street files from {POLICE_UK_DOWNLOADS} and upload them above, or run csp fetch police-uk "
            "on a machine that can reach it."), icon=":material/cloud_off:")
        return
    forces = list(fetching.POLICE_UK_FORCES)
    force = _force_of(store, selection)
    months = months_between(fetching.FIRST_PUBLISHED_MONTH, latest)[::-1]  # newest first
    with st.form("data_fetch_form"):
        st.caption(plain_text(f"police.uk has published street data up to {month_long(latest)}. Everything is "
                              "downloaded and checked before anything is imported."))
        chosen = st.selectbox("Force", forces, index=forces.index(force) if force in forces else None,
                              placeholder="Choose a force", key="data_fetch_force")
        first = st.selectbox("From", months, index=months.index(shift_months(latest, -11)),
                             format_func=month_long, key="data_fetch_from")
        last = st.selectbox("To", months, index=0, format_func=month_long, key="data_fetch_to")
        check = st.form_submit_button("Check what it would fetch", key="data_fetch_check")
        fetch = st.form_submit_button("Fetch and import", icon=":material/download:", type="primary",
                                      key="data_fetch_import")
    if not (check or fetch):
        return
    if chosen is None:
        st.error("Choose a force first.", icon=":material/error:")
        return
    try:
        plan = fetching.plan_fetch(base_url, chosen, first, last, latest)
        if check:
            sizes = {a.url: fetching.archive_size(a.url, FETCH_TIMEOUT) for a in plan.archives}
            st.code("\n".join(plan.describe(sizes)), language=None)
        else:
            _fetch_and_import(plan)
    except LookupError as error:  # months police.uk cannot have: refused before any download
        st.error(plain_text(f"Nothing was fetched: {error.args[0]}"), icon=":material/error:")
    except (fetching.FetchError, ImportFileError, StoreError) as error:  # each leaves the store as it was
        st.error(plain_text(f"Nothing was imported: {error}"), icon=":material/error:")


def _force_of(store: Store, selection: Selection | None) -> str | None:
    """police.uk's id for the force holding the sidebar's area, where the store's lookup says which it is."""
    if selection is None:
        return None
    try:
        return read(store, fetching.force_of_area, selection.area.code)
    except LookupError:
        return None


def _fetch_and_import(plan: fetching.FetchPlan) -> None:
    if signin.current_editor() is None:  # checked again at the moment of writing, whatever the page drew
        st.error("Not imported: sign in as an editor first.", icon=":material/lock:")
        return
    downloading = st.progress(0.0, text="Downloading from police.uk")
    importing = st.progress(0.0, text="Importing")

    def bar(widget):
        return lambda fraction, text: widget.progress(min(fraction, 1.0), text=plain_text(text))

    summaries = fetching.fetch_and_import(plan, lambda: open_store(store_path(), IMPORT), FETCH_TIMEOUT,
                                          bar(downloading), bar(importing))
    _show_after_rerun([UploadOutcome(s.file_name, True, s.line()) for s in summaries])
