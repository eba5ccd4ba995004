"""The one UI module: cached loaders, the shared sidebar (area and period), notices, tables and downloads.

Only this module, ``app.py`` and the page files import streamlit. Loaders take a ``Store`` (the path and a
version that changes whenever the file is written), so a new import shows without restarting the app.
"""

from __future__ import annotations

import re
import runpy
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlite_utils
import streamlit as st

from lib import holdings, summary
from lib.areas import Area
from lib.export import csv_bytes
from lib.periods import (
    LATEST_12,
    Period,
    custom_period,
    month_label,
    months_between,
    parse_period,
    period_presets,
    shift_months,
)
from lib.store import open_store, store_path
from lib.summary import Headline, StoreOverview
from lib.uploads import import_uploads

APP_PATH = Path(__file__).resolve().parent / "app.py"


def require_app_shell() -> None:
    """Run app.py instead when Streamlit has opened this page file on its own.

    On the first run of a new server Streamlit still treats a folder named ``pages/`` as legacy multipage
    pages, so a deep link (``/data?area=...``) would run the page without the router, sidebar or notices.
    Running app.py here lets ``st.navigation`` take over (from then on for the whole server) and run the page.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        runpy.run_path(str(APP_PATH), run_name="__main__")
        st.stop()


AREA_KEY, PERIOD_KEY, MONTHS_KEY = "sidebar_area", "sidebar_period", "sidebar_months"
CUSTOM = "custom"
FULL_TABLE_ROWS = 40
UPLOAD_OUTCOMES_KEY = "data_upload_outcomes"
DEMO_NOTICE = "Synthetic demo data: the Avonmere county is generated, not real."
OGL = "Contains public sector information licensed under the Open Government Licence v3.0."
_demo_lock = threading.Lock()
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$])")


@dataclass(frozen=True)
class Store:
    """Where the store is, and a version that changes whenever it is written."""

    path: str
    version: tuple[int, ...]


@dataclass(frozen=True)
class Selection:
    """What the sidebar has chosen: the store, an area and a period."""

    store: Store
    area: Area
    period: Period


def current_store() -> Store:
    """The store in use, with its current version."""
    path = store_path()
    return Store(str(path), store_version(path))


def store_version(path: Path) -> tuple[int, ...]:
    """Modification times and sizes of the store and its write-ahead log.

    In WAL mode a write lands in ``-wal`` and the main file can keep its mtime until a checkpoint, so
    both files count.
    """
    stamps: list[int] = []
    for file in (path, path.with_name(path.name + "-wal")):
        stat = file.stat() if file.exists() else None
        stamps += [stat.st_mtime_ns, stat.st_size] if stat else [0, 0]
    return tuple(stamps)


def ensure_store() -> Store:
    """Open the store, building the synthetic demo county first on a machine that has none."""
    path = store_path()
    with _demo_lock:  # two first visitors at once must not both build it
        if not path.exists():
            from lib.demo import build_demo_store

            with st.spinner("First run: building the synthetic demo county, Avonmere. This takes a moment."):
                build_demo_store(path).close()
    return current_store()


def clear_loaded_data() -> None:
    """Forget every cached table, after an import has changed the store."""
    st.cache_data.clear()


def _read(store: Store, reader, *args):
    # One connection per call: sqlite connections belong to the thread that opened them, and Streamlit
    # runs each session's script in its own thread. The results are cached, so this is rare.
    db: sqlite_utils.Database = open_store(store.path)
    try:
        return reader(db, *args)
    finally:
        db.close()


@st.cache_data(show_spinner=False)
def load_overview(store: Store) -> StoreOverview:
    """What is loaded."""
    return _read(store, summary.store_overview)


@st.cache_data(show_spinner=False)
def load_picker_areas(store: Store) -> list[Area]:
    """The areas the picker offers."""
    return _read(store, summary.picker_areas)


@st.cache_data(show_spinner=False)
def load_headlines(selection: Selection) -> list[Headline]:
    """The headline counts for the chosen area and period."""
    return _read(selection.store, summary.headline_counts, selection.area, selection.period)


@st.cache_data(show_spinner=False)
def load_monthly_groups(selection: Selection) -> pd.DataFrame:
    """Monthly counts of the main category groups (long form)."""
    return _read(selection.store, summary.monthly_group_counts, selection.area, selection.period)


@st.cache_data(show_spinner=False)
def load_monthly_categories(selection: Selection) -> pd.DataFrame:
    """Monthly counts by police.uk category (wide)."""
    return _read(selection.store, summary.monthly_category_counts, selection.area, selection.period)


@st.cache_data(show_spinner=False)
def load_table(store: Store, name: str) -> pd.DataFrame:
    """One of the Data page's store-wide tables, by its name in ``HOLDINGS_TABLES``."""
    return _read(store, HOLDINGS_TABLES[name])


HOLDINGS_TABLES = {
    "coverage": holdings.coverage_by_csp,
    "coverage_over_the_border": holdings.coverage_over_the_border,
    "coverage_grid": holdings.counts_by_month_and_csp,
    "import_log": holdings.import_log,
    "rejected_reasons": holdings.rejected_reasons,
    "rejected_rows": holdings.rejected_rows,
    "indicators": holdings.indicator_catalogue,
}


# The shared sidebar ------------------------------------------------------------------------------------


def sidebar_selection(store: Store, overview: StoreOverview) -> Selection | None:
    """Draw the area and period pickers; remember the choice in the session and the URL."""
    areas = load_picker_areas(store)
    if not areas or not overview.first_month:
        st.sidebar.info("No incidents are loaded yet. Import police.uk files on the Data page.")
        st.session_state["selection"] = None
        return None
    area = area_picker(areas)
    period = period_picker(overview.first_month, overview.last_month)
    st.query_params.update({"area": area.code, "period": period.key})
    selection = Selection(store, area, period)
    st.session_state["selection"] = selection
    return selection


def current_selection() -> Selection | None:
    """The area and period chosen in the sidebar on this run (None while the store holds no incidents)."""
    return st.session_state.get("selection")


def _seed(key: str, from_url: object, options: list, default: object) -> None:
    """Start a widget from the URL on a new session, and fall back to the default if its value has gone."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = from_url if from_url in options else default


def area_picker(areas: list[Area]) -> Area:
    """Pick the county (or force area) or one CSP."""
    by_code = {a.code: a for a in areas}
    _seed(AREA_KEY, st.query_params.get("area"), list(by_code), areas[0].code)
    code = st.sidebar.selectbox(
        "Area", list(by_code), format_func=lambda c: summary.area_label(by_code[c]), key=AREA_KEY,
        help="A whole county or police force area, or one community safety partnership (CSP).",
    )
    return by_code[code]


def period_picker(first_held: str, last_held: str) -> Period:
    """Pick the latest 12 months, a financial year (April to March), or a custom run of months."""
    presets = {p.key: p for p in period_presets(first_held, last_held)}
    from_url = parse_period(st.query_params.get("period"), first_held, last_held)
    url_choice = None if from_url is None else (from_url.key if from_url.key in presets else CUSTOM)
    _seed(PERIOD_KEY, url_choice, [*presets, CUSTOM], LATEST_12)
    choice = st.sidebar.selectbox(
        "Period", [*presets, CUSTOM], key=PERIOD_KEY,
        format_func=lambda k: presets[k].label if k in presets else "Choose months…",
        help="Financial years run from April to March. 'Year to date' is the current, unfinished year.",
    )
    if choice != CUSTOM:
        st.sidebar.caption(presets[choice].span)
        return presets[choice]
    months = months_between(first_held, last_held)
    if from_url is not None and from_url.key not in presets:
        default = (from_url.start, from_url.end)
    else:
        default = (max(first_held, shift_months(last_held, -11)), last_held)
    # The range goes in as ``value``, not through session state: a select_slider only knows it is a range
    # slider from its value, and otherwise reads a moved range back as a single month.
    start, end = st.sidebar.select_slider(
        "Months", months, value=default, format_func=month_label, key=MONTHS_KEY
    )
    return custom_period(start, end)


def sidebar_footer(overview: StoreOverview) -> None:
    """Say where the data comes from, with the licence attribution."""
    source = (
        "Source: synthetic demo data shaped like police.uk street-level data."
        if overview.demo
        else "Source: police.uk street-level crime and anti-social behaviour data (Home Office)."
    )
    st.sidebar.caption(source)
    st.sidebar.caption(OGL)


# Notices, tables and downloads -------------------------------------------------------------------------


def headline_metrics(headlines: list[Headline], key: str) -> None:
    """The headline counts as bordered metrics, a row per group of measures.

    Every headline is a count of harm, so a fall is good: hence ``delta_color="inverse"``.
    """
    for number, row in enumerate(summary.HEADLINE_ROWS):
        with st.container(horizontal=True, key=f"{key}_{number}"):
            for headline in (h for h in headlines if h.group in row):
                change = summary.shown_change(headline)
                st.metric(
                    headline.group.label,
                    summary.shown_count(headline.count),
                    delta=change,
                    delta_color="inverse",
                    delta_description=None if change is None else "on a year earlier",
                    help=headline.group.note,
                    border=True,
                )


def demo_notice(overview: StoreOverview) -> None:
    """On every page while the store is the synthetic demo: say plainly that the data is not real."""
    if overview.demo:
        st.warning(DEMO_NOTICE, icon=":material/science:")


def plain_text(text: str) -> str:
    """Escape Markdown in text that came from data (area and file names), so it shows exactly as written."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def caveat(text: str) -> None:
    """A caveat the reader must not miss (an approximation, a gap in the data)."""
    st.info(text, icon=":material/info:")


def table(frame: pd.DataFrame) -> None:
    """A read-only table, with thousands separators in its number columns.

    Short tables show every row, since a scroll bar inside a table is easy to miss on a shared screen.
    """
    numbers = {
        column: st.column_config.NumberColumn(format="localized")
        for column in frame.columns
        if pd.api.types.is_integer_dtype(frame[column])
    }
    height = "content" if len(frame) <= FULL_TABLE_ROWS else "auto"
    st.dataframe(frame, hide_index=True, column_config=numbers, height=height)


def indicator_cards(catalogue: pd.DataFrame) -> None:
    """One card per partner indicator: its name, what it measures, where it comes from, and who may see it."""
    for indicator in catalogue.to_dict("records"):
        with st.container(border=True):
            with st.container(horizontal=True, vertical_alignment="center"):
                st.markdown(f"**{plain_text(indicator['Indicator'])}**")
                if indicator["Restricted"] == "Yes":
                    st.badge("Restricted: partners only", icon=":material/lock:", color="orange")
            facts = [str(indicator[c]) for c in ("Theme", "Unit", "Direction") if indicator[c]]
            first, last = indicator["First period"], indicator["Last period"]
            facts.append(f"{indicator['Values']:,} values, {first} to {last}")
            st.caption(plain_text(" · ".join(facts)))
            st.markdown(plain_text(indicator["Definition"] or "No definition given."))
            st.caption(f"Source: {plain_text(indicator['Source'] or 'not given')}")


def show_as_table(frame: pd.DataFrame, key: str, label: str = "Show as a table") -> None:
    """A switch that shows a chart's numbers as a table, for screen readers and for reading off values."""
    if st.toggle(label, key=key):
        table(frame)


def upload_form(kind: str, label: str, types: list[str], key: str) -> None:
    """An upload box and an Import button; files go through the same importers as the command line."""
    with st.form(f"{key}_form", clear_on_submit=True):
        files = st.file_uploader(label, type=types, accept_multiple_files=True, key=f"{key}_files")
        submitted = st.form_submit_button(
            "Import", icon=":material/upload:", type="primary", key=f"{key}_import"
        )
    if submitted and files:
        _import_files(kind, files)


def _import_files(kind: str, files: list) -> None:
    bar = st.progress(0.0, text="Starting the import")
    db = open_store(store_path())
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


def download_csv(label: str, frame: pd.DataFrame, file_name: str, key: str) -> None:
    """A download button for a spreadsheet-safe CSV of the frame."""
    st.download_button(
        label, data=csv_bytes(frame), file_name=file_name, mime="text/csv", key=key,
        on_click="ignore", icon=":material/download:", disabled=frame.empty,
    )
