"""The one UI module: cached loaders, the shared sidebar (area and period), notices, tables and downloads.

Only this module, ``app.py`` and the page files import streamlit. Loaders take a ``Store``: the path, a version
that changes whenever the file is written (so a new import shows without restarting the app), and the viewer
(``lib.store.access``), which every read opens the store for. So a loader's answer, and its cache entry, is what that
viewer may see: restricted indicators and exact small-area counts never reach a page the viewer may not see them on.
"""

from __future__ import annotations

import logging
import re
import runpy
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlite_utils
import streamlit as st

from lib.core.areas import Area, area_named, csp_codes_within, nearest_area_names
from lib.core.catalogue import Indicator, find_indicator, headline_indicators, indicator_catalogue
from lib.core.disclosure import PUBLIC_MODE_NOTE
from lib.core.editors import editing_setup, is_editor, is_partner, is_unverified
from lib.core.export import csv_bytes
from lib.core.periods import (
    LATEST_12,
    Period,
    custom_period,
    financial_year_of,
    month_label,
    month_span,
    months_between,
    parse_period,
    period_presets,
    shift_months,
)
from lib.hotspots import gi_star as hotspots
from lib.hotspots import maps
from lib.hotspots.forecast import DEFAULT_SETTINGS
from lib.hotspots.predicted import Prediction, predict
from lib.performance import overview, targets, trend_labels
from lib.performance.measures import MeasureStatus, evaluate_measure, measure_basis, measure_figures
from lib.performance.targets import Target
from lib.priorities import action_plan, assessments
from lib.priorities import evidence as priority_evidence
from lib.priorities.evidence import Evidence
from lib.priorities.scoring import FIELD_LABELS, SCALES, Assessment, check_assessment, level_label
from lib.reports.charts import harm_chart, sparkline
from lib.reports.committee_pack import build_pack
from lib.reports.presentation import presented_versions, step_number
from lib.stats import harm, similar_areas, trends
from lib.store import access, holdings, summary
from lib.store.access import PARTNERS, Viewer, open_for, viewer_for
from lib.store.db import IMPORT, may_build_demo, open_store, store_path
from lib.store.faults import StoreError, as_store_error, missing_message
from lib.store.series import monthly_series, population_year, residents
from lib.store.summary import Headline, StoreOverview
from lib.uploads import import_uploads

APP_PATH = Path(__file__).resolve().parent / "app.py"
_log = logging.getLogger("safer_communities")


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
    """What every indicator page does first: the app shell, its title, and a stop while nothing is loaded."""
    require_app_shell()
    st.title(title)
    selection = current_selection()
    if selection is None:
        caveat("No incidents are loaded yet. Import police.uk data on the Data page.")
        st.page_link("pages/data.py", label="Go to Data to import files", icon=":material/upload:")
        st.stop()
    return selection


AREA_KEY, PERIOD_KEY, MONTHS_KEY = "sidebar_area", "sidebar_period", "sidebar_months"
CUSTOM = "custom"
FULL_TABLE_ROWS = 40
UPLOAD_OUTCOMES_KEY = "data_upload_outcomes"
DEMO_NOTICE = "Synthetic demo data: the Avonmere county is generated, not real."
OGL = "Contains public sector information licensed under the Open Government Licence v3.0."
_demo_lock = threading.Lock()
# Every store file this server process has had open: one that goes missing later was deleted, not never made.
_stores_seen: set[Path] = set()
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$])")


@dataclass(frozen=True)
class Store:
    """Where the store is, a version that changes whenever it is written, and who is looking."""

    path: str
    version: tuple[int, ...]
    viewer: Viewer = access.PUBLIC

    def for_partners(self) -> Store:
        """The same store as a signed-in partner sees it (for an editor's writes, which need every figure)."""
        return Store(self.path, self.version, PARTNERS)


@dataclass(frozen=True)
class Selection:
    """What the sidebar has chosen: the store, an area and a period."""

    store: Store
    area: Area
    period: Period


def current_store() -> Store:
    """The store in use, with its current version, as this session's viewer may see it."""
    path = store_path()
    return Store(str(path), store_version(path), current_viewer())


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
    """Open the store, building the synthetic demo county first on a machine that names no store and has none.

    A store missing anywhere else (``CSP_DB`` set, or a store this server has had open) was deleted or moved, and
    the demo is never built in its place, which would show made-up figures as the partnership's: StoreError says
    the store is missing and how to restore it.
    """
    path = store_path()
    with _demo_lock:  # two first visitors at once must not both build it
        if not path.exists():
            if not may_build_demo(path) or path.resolve() in _stores_seen:
                raise StoreError(missing_message(path))
            from lib.demo import build_demo_store

            with st.spinner("First run: building the synthetic demo county, Avonmere. This takes a moment."):
                build_demo_store(path).close()
        _stores_seen.add(path.resolve())
    return current_store()


def clear_loaded_data() -> None:
    """Forget every cached table, after an import has changed the store."""
    st.cache_data.clear()


# st.cache_data keeps every answer until the process ends unless bounded, and its entries are shared by every session
# and kept for every store version and viewer: 40 Hotspots views grew the server by 190 MB. Each loader keeps at most
# this many answers, the least recently used going first, by what one answer weighs.
HEAVY_ENTRIES = 16  # hot spot cells, the overview grid, evidence, peer groups: up to a few MB each
MAP_ENTRIES = 8  # a drawn map (deck.gl layers or a PNG): a few MB each, and quick to draw again from cached cells
TABLE_ENTRIES = 64  # a chart's or a page's table for one area and period: tens of KB
LOOKUP_ENTRIES = 256  # areas, catalogues, targets, versions, single numbers: a few KB at most


def _read(store: Store, reader, *args):
    # One connection per call: sqlite connections belong to the thread that opened them, and Streamlit
    # runs each session's script in its own thread. The results are cached, so this is rare. The connection is
    # narrowed to what the store's viewer may see (lib.store.access): no reader can return more.
    db: sqlite_utils.Database = open_for(store.path, store.viewer)
    try:
        return reader(db, *args)
    finally:
        db.close()


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_overview(store: Store) -> StoreOverview:
    """What is loaded."""
    return _read(store, summary.store_overview)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_picker_areas(store: Store) -> list[Area]:
    """The areas the picker offers."""
    return _read(store, summary.picker_areas)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_headlines(selection: Selection) -> list[Headline]:
    """The headline counts for the chosen area and period."""
    return _read(selection.store, summary.headline_counts, selection.area, selection.period)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_monthly_groups(selection: Selection) -> pd.DataFrame:
    """Monthly counts of the main category groups (long form)."""
    return _read(selection.store, summary.monthly_group_counts, selection.area, selection.period)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_monthly_categories(selection: Selection) -> pd.DataFrame:
    """Monthly counts by police.uk category (wide)."""
    return _read(selection.store, summary.monthly_category_counts, selection.area, selection.period)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_table(store: Store, name: str) -> pd.DataFrame:
    """One of the Data page's store-wide tables, by its name in ``HOLDINGS_TABLES``."""
    return _read(store, HOLDINGS_TABLES[name])


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_catalogue(store: Store) -> list[Indicator]:
    """Every indicator the store can chart that the viewer may see."""
    return _read(store, indicator_catalogue)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_hidden_keys(store: Store) -> set[str]:
    """The keys of the restricted indicators hidden from this viewer (to say "figures restricted")."""
    return _read(store, access.hidden_indicator_keys)


@st.cache_data(show_spinner="Working out the grid…", max_entries=HEAVY_ENTRIES)
def load_overview_grid(selection: Selection, comparator: str) -> tuple[list[Area], list[Indicator], list]:
    """The overview grid's areas, indicators and cells for the sidebar's period."""

    def build(db):
        areas = overview.overview_areas(db, selection.area)
        indicators = headline_indicators(indicator_catalogue(db))
        return areas, indicators, overview.overview_cells(db, areas, indicators, selection.period, comparator)

    return _read(selection.store, build)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_trend_lines(
    store: Store, indicator: Indicator, areas: tuple[Area, ...], view: str, as_rate: bool, level: float, end: str
) -> pd.DataFrame:
    """One indicator's chart points for several areas."""
    return _read(store, trends.trend_lines, indicator, list(areas), view, as_rate, level, end)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_monthly_series(store: Store, indicator: Indicator, area: Area) -> pd.DataFrame:
    """One indicator's monthly counts in one area (every month held)."""
    return _read(store, monthly_series, indicator, area)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_target_line(store: Store, indicator: Indicator, area: Area, view: str, measure: str):
    """The area's target for an indicator, in a chart's units."""
    return _read(store, trend_labels.target_line, indicator, area, view, measure)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_missing_values(store: Store, indicator: Indicator, areas: tuple[Area, ...]) -> trend_labels.MissingValues:
    """The chosen areas an indicator has no values for, with words saying where it has some."""
    return _read(store, trend_labels.missing_values, indicator, list(areas))


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_trend_marker(store: Store, indicator: Indicator, area: Area):
    """The recent-trend test on an area's five latest months (None for a yearly indicator)."""

    def build(db):
        if indicator.frequency != "monthly":
            return None
        monthly = monthly_series(db, indicator, area)
        if monthly.empty:
            return None
        people = residents(db, area, population_year(monthly["month"].iloc[-1])) if indicator.is_police else None
        return trends.monthly_trend(monthly, indicator.polarity, people)

    return _read(store, build)



@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_category_counts(store: Store, area: Area, start: str, end: str) -> pd.DataFrame:
    """Monthly counts by police.uk category (long: month, category, count) for the harm-weighted view."""
    period = custom_period(start, end)
    wide = _read(store, summary.monthly_category_counts, area, period)
    return wide.melt(id_vars="month", var_name="category", value_name="count")


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_targets(store: Store, csp_code: str | None = None) -> list[Target]:
    """Targets (all, or one CSP's)."""
    return _read(store, targets.load_targets, csp_code)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_target_history(store: Store, csp_code: str) -> list[dict]:
    """One CSP's target changes, newest first."""
    return _read(store, targets.target_history, csp_code)


@st.cache_data(show_spinner="Checking each measure…", max_entries=TABLE_ENTRIES)
def load_measure_statuses(store: Store, area: Area, latest_month: str) -> list[MeasureStatus]:
    """Every measure of one CSP the viewer may see, evaluated up to a month."""

    def build(db):
        catalogue = indicator_catalogue(db)
        return [evaluate_measure(db, t, find_indicator(catalogue, t.indicator_key), area, latest_month)
                for t in targets.load_targets(db, area.code)]

    return _read(store, build)


@st.cache_data(show_spinner="Finding similar areas…", max_entries=HEAVY_ENTRIES)
def load_peer_comparison(store: Store, csp_code: str, categories: tuple[str, ...], start: str, end: str):
    """A CSP against its most similar group (None when no group can be formed)."""
    return _read(store, similar_areas.peer_comparison, csp_code, list(categories), start, end)



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
    _remember_in_url(AREA_KEY, area.code)
    _remember_in_url(PERIOD_KEY, period.key if period.key in _preset_keys(overview) else CUSTOM)
    selection = Selection(store, area, period)
    st.session_state["selection"] = selection
    return selection


def _preset_keys(overview: StoreOverview) -> set[str]:
    return {p.key for p in period_presets(overview.first_month, overview.last_month)}


def current_selection() -> Selection | None:
    """The area and period chosen in the sidebar on this run (None while the store holds no incidents)."""
    return st.session_state.get("selection")


def _seed(key: str, from_url: object, options: list, default: object) -> None:
    """Start a widget from the URL, follow the URL when a link changed it, and fall back to the default.

    The value last written to the URL is remembered, so a link that opens another area (a cell of the
    overview, a pasted link) wins over the session's old choice, while the session's own choice stands
    when the URL simply repeats it.
    """
    written = st.session_state.get(f"{key}_in_url")
    if from_url in options and from_url != written:
        st.session_state[key] = from_url
    elif st.session_state.get(key) not in options:
        st.session_state[key] = from_url if from_url in options else default


def _remember_in_url(key: str, value: str) -> None:
    st.session_state[f"{key}_in_url"] = value


def _area_in_link(areas: list[Area]) -> str | None:
    """The code of the area the link names, by code or by name as people write it ('?area=Herefordshire')."""
    asked = st.query_params.get("area")
    if not asked:
        return None
    found = area_named(areas, asked)
    if found is None:
        close = nearest_area_names(asked, areas)
        guess = f" Did you mean {' or '.join(close)}?" if close else ""
        st.warning(plain_text(f"The link names an area this dashboard does not hold ({asked!r}).{guess}"),
                   icon=":material/link_off:")
        return None
    return found.code


def area_picker(areas: list[Area]) -> Area:
    """Pick the county (or force area) or one CSP."""
    by_code = {a.code: a for a in areas}
    _seed(AREA_KEY, _area_in_link(areas), list(by_code), areas[0].code)
    code = st.sidebar.selectbox(
        "Area", list(by_code), format_func=lambda c: summary.area_label(by_code[c]), key=AREA_KEY,
        help="A whole county or police force area, or one community safety partnership (CSP).",
    )
    return by_code[code]


def period_picker(first_held: str, last_held: str) -> Period:
    """Pick the latest 12 months, a financial year (April to March), or a custom run of months.

    The public view offers whole periods only: maps of two runs of months chosen by hand could be subtracted to
    find the small counts of the months between (``lib.core.disclosure``).
    """
    presets = {p.key: p for p in period_presets(first_held, last_held)}
    offered = [*presets] if public_mode() else [*presets, CUSTOM]
    from_url = parse_period(st.query_params.get("period"), first_held, last_held)
    url_choice = None if from_url is None else (from_url.key if from_url.key in presets else CUSTOM)
    _seed(PERIOD_KEY, url_choice, offered, LATEST_12)
    choice = st.sidebar.selectbox(
        "Period", offered, key=PERIOD_KEY,
        format_func=lambda k: presets[k].label if k in presets else "Choose months…",
        help="Financial years run from April to March. 'Year to date' is the current, unfinished year."
             + (" The public view offers whole periods only." if public_mode() else ""),
    )
    if choice != CUSTOM:
        st.sidebar.caption(presets[choice].span)
        if url_choice == CUSTOM and public_mode():
            st.sidebar.caption("The link asked for months chosen by hand, which the public view does not offer.")
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


# Presentation and public mode -------------------------------------------------------------------------------

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
    present_url, public_url = _url_flag("present"), _url_flag("public")
    was_presenting = st.session_state.get(PRESENT_KEY, False)
    _seed(PRESENT_KEY, present_url, [True, False], False)
    if st.session_state[PRESENT_KEY] and not was_presenting and public_url is None:
        st.session_state[PUBLIC_KEY] = True
    _seed(PUBLIC_KEY, public_url, [True, False], st.session_state[PRESENT_KEY])
    if current_partner() is None:
        st.session_state[PUBLIC_KEY] = True
    mode = DisplayMode(st.session_state[PRESENT_KEY], st.session_state[PUBLIC_KEY])
    st.session_state["display_mode"] = mode
    return mode


def mode_switches(mode: DisplayMode) -> None:
    """Draw the two switches in the sidebar and keep them in the link when they differ from their defaults."""
    partner = current_partner() is not None
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
    _flag_into_url(PRESENT_KEY, "present", mode.present, default=False)
    _flag_into_url(PUBLIC_KEY, "public", mode.public, default=mode.present or not partner)


def partner_sign_in() -> None:
    """In the sidebar, for someone not signed in where sign-in is set up: the way to partners-only figures."""
    setup = editing_setup(_secrets())
    if _logged_in() or not setup.sign_in:
        return
    if st.sidebar.button("Sign in (partners and editors)", key="partner_sign_in", icon=":material/login:",
                         type="tertiary", help="Partners see restricted indicators and exact neighbourhood counts "
                                               "with public mode off; editors can change targets and plans."):
        st.login(setup.provider) if setup.provider else st.login()


def current_mode() -> DisplayMode:
    """The display mode chosen on this run (a public screen until the sidebar has decided)."""
    return st.session_state.get("display_mode", DisplayMode(False, True))


def public_mode() -> bool:
    """Whether this screen is public: small-area counts protected and restricted indicators hidden."""
    return current_mode().public


def current_partner() -> str | None:
    """The signed-in partner's email on this run, or None (nobody signed in, or not a partner)."""
    if not _logged_in():
        return None
    email = st.user.get("email")
    if not is_partner(editing_setup(_secrets()), email, st.user.get("email_verified")):
        return None
    return str(email).strip().lower()


def current_viewer() -> Viewer:
    """What this session may see (``lib.store.access``): partners' figures only for a signed-in partner in private
    mode."""
    return viewer_for(public_mode(), current_partner() is not None)


def _url_flag(param: str) -> bool | None:
    return {"1": True, "0": False}.get(st.query_params.get(param))


def _flag_into_url(key: str, param: str, value: bool, default: bool) -> None:
    """Put a switch in the link only when it differs from its default, so ordinary links stay short."""
    if value == default:
        st.query_params.pop(param, None)
        _remember_in_url(key, None)
    else:
        st.query_params[param] = "1" if value else "0"
        _remember_in_url(key, value)


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
    """On every page while the store is the synthetic demo: say plainly that the data is not real.

    On a projector it is one line of plain text rather than a box, so the screen keeps room for its message.
    """
    if overview.demo and current_mode().present:
        st.caption(f":material/science: **{DEMO_NOTICE}**")
    elif overview.demo:
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
    if current_editor() is None:  # checked again at the moment of writing, whatever the page drew
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


def download_csv(label: str, frame: pd.DataFrame, file_name: str, key: str) -> None:
    """A download button for a spreadsheet-safe CSV of the frame."""
    st.download_button(
        label, data=csv_bytes(frame), file_name=file_name, mime="text/csv", key=key,
        on_click="ignore", icon=":material/download:", disabled=frame.empty,
    )


# Shared pieces of the indicator pages ---------------------------------------------------------------------

# Light tints of the Okabe-Ito palette: dark text stays above WCAG AA contrast on each, and the word in the
# cell carries the meaning for anyone who cannot tell the tints apart.
JUDGEMENT_TINTS = {
    "Better": "#cde4f5", "Worse": "#f7d9c4", "Similar": "#eeeeee", "Higher": "#e6dcf0", "Lower": "#e6dcf0",
}


def _follow_url(key: str, param: str, options: list, default: object, multi: bool = False) -> None:
    """Seed a page widget from its URL parameter (codes, comma-separated when several), as the sidebar does:
    a link that changed the parameter wins; otherwise the session's own choice stands."""
    raw, current = st.query_params.get(param), st.session_state.get(key)
    if multi:
        from_url = None if raw is None else [v for v in raw.split(",") if v in options]
        valid = isinstance(current, list)
    else:
        from_url = raw if raw in options else None
        valid = current in options
    if from_url is not None and from_url != st.session_state.get(f"{key}_in_url"):
        st.session_state[key] = from_url
    elif not valid:
        st.session_state[key] = default


def _into_url(key: str, param: str, value: object) -> None:
    text = ",".join(value) if isinstance(value, list) else str(value)
    if text:
        st.query_params[param] = text
    elif param in st.query_params:
        del st.query_params[param]  # an empty choice keeps the link short
    _remember_in_url(key, value)


def url_choice(label: str, options: dict[str, str], key: str, default: str, help: str | None = None) -> str:
    """A row of buttons kept in the URL parameter ``key`` (by code), so a pasted link reopens the same view."""
    widget = f"page_{key}"
    _follow_url(widget, key, list(options), default)
    choice = st.segmented_control(
        label, list(options), format_func=options.__getitem__, required=True, key=widget, help=help,
    )
    choice = choice if choice in options else default
    _into_url(widget, key, choice)
    return choice


def url_selectbox(label: str, options: dict[str, str], key: str, default: str | None = None, **kwargs) -> str:
    """A select box kept in the URL parameter ``key`` (by code)."""
    widget = f"page_{key}"
    _follow_url(widget, key, list(options), default if default in options else next(iter(options)))
    choice = st.selectbox(label, list(options), format_func=options.__getitem__, key=widget, **kwargs)
    _into_url(widget, key, choice)
    return choice


def url_multiselect(label: str, options: dict[str, str], key: str, default: list[str], **kwargs) -> list[str]:
    """A multi-select kept in the URL parameter ``key`` as comma-separated codes."""
    widget = f"page_{key}"
    _follow_url(widget, key, list(options), [d for d in default if d in options], multi=True)
    # A link may name more than the widget allows (a hand-edited one, say): the first ones are kept.
    st.session_state[widget] = [v for v in st.session_state[widget] if v in options][:kwargs.get("max_selections")]
    chosen = st.multiselect(label, list(options), format_func=options.__getitem__, key=widget, **kwargs)
    _into_url(widget, key, chosen)
    return chosen


def judgement_grid(grid: pd.DataFrame, words: pd.DataFrame, key: str) -> tuple[int, str] | None:
    """The overview's grid: words in every cell, a tint behind them; returns the cell the user selected.

    The first column labels the rows and is not a cell to select.
    """

    label = grid.columns[0]

    def tint(column: pd.Series) -> list[str]:
        if column.name == label:
            return ["font-weight: bold"] * len(column)
        return [f"background-color: {JUDGEMENT_TINTS.get(w, '#ffffff')}; color: #111111" for w in words[column.name]]

    event = st.dataframe(
        grid.style.apply(tint, axis=0), hide_index=True, on_select="rerun", selection_mode="single-cell", key=key,
        height="content", row_height=44,
    )
    cells = event.selection.cells if event and event.selection else []
    for row, column in cells:
        if column != label:
            return int(row), column
    return None


def open_trends(indicator_key: str, area: Area, period: Period) -> None:
    """Go to Trends showing one indicator for one area and period."""
    st.switch_page("pages/trends.py", query_params={"indicator": indicator_key, "area": area.code,
                                                     "period": period.key})


def trends_links(areas: list[Area], indicators: list[Indicator], period: Period, key: str) -> None:
    """Keyboard-friendly links into Trends: pick an area and an indicator, then follow the link."""
    with st.expander("Open an indicator in Trends"):
        left, right = st.columns(2)
        area = left.selectbox("Area", areas, format_func=lambda a: a.name, key=f"{key}_area")
        indicator = right.selectbox("Indicator", indicators, format_func=lambda i: i.name, key=f"{key}_indicator")
        st.page_link("pages/trends.py", label=f"Open {indicator.name} for {area.name} in Trends",
                     icon=":material/show_chart:",
                     query_params={"indicator": indicator.key, "area": area.code, "period": period.key})


def caveat_for(indicators: list[Indicator]) -> None:
    """The caveats that travel with the indicators shown (public place violence is approximated)."""
    for note in dict.fromkeys(i.note for i in indicators if i.note):
        caveat(note)



# Measures ------------------------------------------------------------------------------------------------

EDITOR_KEY = "measures_editor"
EDIT_OUTCOME_KEY = "measures_edit_outcome"


def csp_for_measures(selection: Selection) -> Area | None:
    """The sidebar's CSP, or (for a county) a CSP with targets chosen here, remembered in the URL as ``csp``."""
    if selection.area.kind == "csp":
        return selection.area
    codes = {t.csp_code for t in load_targets(selection.store)}
    csps = [a for a in load_picker_areas(selection.store) if a.code in codes]
    if not csps:
        return None
    by_code = {a.code: a for a in csps}
    code = url_selectbox("CSP", {c: a.name for c, a in by_code.items()}, key="csp",
                         help="Pick a CSP in the sidebar to stay on it across pages.")
    return by_code[code]


RAG_MATERIAL_ICONS = {"Green": ":material/check_circle:", "Amber": ":material/error:", "Red": ":material/cancel:",
                      "No data": ":material/help:"}
RAG_BADGE_COLOURS = {"Green": "blue", "Amber": "orange", "Red": "red", "No data": "gray"}


def rag_summary(counts: dict[str, int]) -> None:
    """How many measures are at each status, as metrics with the status word and an icon."""
    with st.container(horizontal=True):
        for rag, number in counts.items():
            st.metric(f"{RAG_MATERIAL_ICONS[rag]} {rag}", number, border=True)


def rag_badge(rag: str) -> None:
    """A RAG status as a badge with its word and an icon, never colour alone."""
    st.badge(rag, icon=RAG_MATERIAL_ICONS.get(rag), color=RAG_BADGE_COLOURS.get(rag, "gray"))


def measure_card(status: MeasureStatus) -> None:
    """One measure: its words, status, the numbers behind the status, a sparkline and the latest commentary."""
    target = status.target
    with st.container(border=True):
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(f"#### {plain_text(target.measure)}")
            rag_badge(status.rag)
        figures = measure_figures(status)
        with st.container(horizontal=True):
            for label, value in figures:
                st.metric(label, value)
        st.caption(plain_text(f"{status.rag}: {status.reason}. {measure_basis(status)}"))
        if len(status.sparkline) > 1:
            st.altair_chart(sparkline(status.sparkline), width="stretch", height=70,
                            alt=f"Small line chart of the last {len(status.sparkline)} months of this measure.")
        if target.commentary:
            st.markdown(f"**Commentary:** {plain_text(target.commentary)}")
        if target.updated_by:
            st.caption(plain_text(f"Last updated by {target.updated_by}, {(target.updated_at or '')[:10]}"))


def _secrets() -> Mapping:
    # No secrets file at all is the usual case on a laptop: it simply means editing is off.
    try:
        return st.secrets.to_dict()
    except Exception:
        return {}


def _logged_in() -> bool:
    # st.user has no is_logged_in at all until sign-in is set up.
    return bool(st.user.get("is_logged_in", False))


def current_editor() -> str | None:
    """The signed-in editor's email on this run, or None (editing off, nobody signed in, or not an editor)."""
    setup = editing_setup(_secrets())
    if not setup.enabled or not _logged_in():
        return None
    email = st.user.get("email")
    # Recorded in lower case, so one person's changes read the same whatever case the provider sends.
    return str(email).strip().lower() if is_editor(setup, email, st.user.get("email_verified")) else None


def editing_gate(key: str) -> str | None:
    """Where editing controls go: the editor's email when an editor is signed in; otherwise a line saying why
    not (with a sign-in button when sign-in is set up), and None, so the caller draws no editing controls."""
    setup = editing_setup(_secrets())
    if not setup.enabled:
        st.caption(f":material/lock: Editing is off: {setup.problem}. Viewing is open to everyone.")
        return None
    if not _logged_in():
        if st.button("Sign in to edit", key=f"{key}_sign_in", icon=":material/login:"):
            st.login(setup.provider) if setup.provider else st.login()
        return None
    editor = current_editor()
    if editor is None:
        who = ("whose email the sign-in service has not verified" if is_unverified(st.user.get("email_verified"))
               else "who is not on the editors list")
        st.caption(f":material/lock: Signed in as {plain_text(str(st.user.get('email') or 'no email'))}, {who}, "
                   "so this is read-only.")
        return None
    st.caption(f":material/edit: Editing as {plain_text(editor)}: each change is recorded with your email.")
    return editor


def sign_in_status() -> None:
    """In the sidebar: who is signed in, and the way out."""
    if not _logged_in():
        return
    st.sidebar.caption(f":material/person: Signed in as {plain_text(str(st.user.get('email') or ''))}")
    if st.sidebar.button("Sign out", key="sign_out", icon=":material/logout:", type="tertiary"):
        st.logout()


def targets_editor(store: Store, csp: Area, held: list[Target]) -> None:
    """Edit a CSP's targets and commentary in a table; each change is stored with who, when and why."""
    if not held:
        st.caption("No targets to edit yet.")
        return
    who = editing_gate("targets")
    if who is None:
        return
    frame = targets.targets_frame(held)
    edited = st.data_editor(
        frame, hide_index=True, key=EDITOR_KEY, disabled=["id", "indicator_key", "target_period"],
        column_config=targets_editor_columns(), column_order=[c for c in frame.columns if c != "id"],
    )
    saved, reason = save_form("measures_save", "edit_reason")
    if saved:
        _save_target_edits(store, frame, edited, who, reason)
    show_outcome(EDIT_OUTCOME_KEY)


def save_form(form: str, reason_key: str, reason_label: str = "Why (optional)") -> tuple[bool, str]:
    """The form under an editing table: why (recorded with each change), and Save changes."""
    with st.form(form):
        reason = st.text_input(reason_label, key=reason_key, max_chars=200)
        saved = st.form_submit_button("Save changes", icon=":material/save:", type="primary")
    return saved, reason


def targets_editor_columns() -> dict:
    """Column settings for the targets editor: choices where the store allows only some values."""
    return {
        "measure": st.column_config.TextColumn("Measure", width="large", required=True, max_chars=2000),
        "indicator_key": st.column_config.TextColumn("Indicator"),
        "target_type": st.column_config.SelectboxColumn("Type", options=list(targets.TARGET_TYPES), required=True),
        "target_value": st.column_config.NumberColumn(
            "Value", help="% change (e.g. -3), a number to reach, or -1 / 1 for a direction", required=True),
        "baseline_period": st.column_config.TextColumn("Baseline", help="A financial year, e.g. 2025/26"),
        "target_period": st.column_config.TextColumn("Target year"),
        "basis": st.column_config.SelectboxColumn("Basis", options=list(targets.BASES), required=True),
        "commentary": st.column_config.TextColumn("Commentary", width="large", max_chars=2000),
    }


def _save_target_edits(store: Store, before: pd.DataFrame, after: pd.DataFrame, who: str, reason: str) -> None:
    changes = targets.edited_rows(before, after)
    _write(store, EDIT_OUTCOME_KEY, lambda db: sum(
        targets.update_target(db, target_id, fields, who, reason or None) for target_id, fields in changes.items()
    ), lambda count: f"Saved {count} change(s) by {who}.")


def history_frame(history: list[dict]) -> pd.DataFrame:
    """The change history in words."""
    frame = pd.DataFrame(history)
    return frame.rename(columns={
        "changed_at": "When", "changed_by": "Who", "indicator_key": "Indicator", "target_period": "Year",
        "field": "What changed", "old_value": "Before", "new_value": "After", "reason": "Why",
    })


def targets_upload() -> None:
    """Upload a targets CSV (layout in docs/formats.md); held targets are updated, with history."""
    show_upload_outcomes()
    if editing_gate("targets_upload"):
        upload_form("targets", "Targets CSV", ["csv"], key="targets_upload")


# Similar areas ---------------------------------------------------------------------------------------------


def csp_for_similar(selection: Selection) -> Area:
    """The sidebar's CSP, or (for a county) one of its CSPs chosen here, remembered in the URL as ``csp``."""
    if selection.area.kind == "csp":
        return selection.area
    csps = [a for a in load_picker_areas(selection.store) if a.kind == "csp"]
    by_code = {a.code: a for a in csps}
    code = url_selectbox("CSP", {c: a.name for c, a in by_code.items()}, key="csp",
                         help="Pick a CSP in the sidebar to stay on it across pages.")
    return by_code[code]


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_no_group_reason(store: Store, csp_code: str, start: str, end: str) -> str:
    """Why a CSP has no similar-areas group."""
    reason = _read(store, similar_areas.no_group_reason, csp_code, start, end)
    return reason or "No similar-areas group could be formed for this indicator and period."


def peer_frame(peers: pd.DataFrame) -> pd.DataFrame:
    """The peers as a table in words."""
    return peers.assign(rate=peers["rate"].round(2), distance=peers["distance"].round(2)).rename(columns={
        "code": "Code", "name": "CSP", "rate": "Rate per 1,000", "count": "Incidents", "population": "Residents",
        "distance": "Distance (0 = identical)", "rank": "Rank", "selected": "This CSP",
    })


# The harm-weighted view ------------------------------------------------------------------------------------


def harm_weighted_view(store: Store, area: Area, start: str, end: str) -> None:
    """Counts beside harm: each incident weighted by its offence's severity, with weights the user can edit."""
    st.markdown(
        "A count of minor offences can hide a rise in serious harm. Here each crime counts by the severity "
        "weight of its category, so a robbery weighs more than a shoplifting. Edit the weights to try others; "
        "your edits last for this visit only."
    )
    defaults = harm.default_harm_weights()
    edited = st.data_editor(
        defaults, hide_index=True, key="harm_weights", disabled=["Category", "ONS offence groups", "Note"],
        column_config={"Weight": st.column_config.NumberColumn("Weight", min_value=0.0, format="%.1f",
                                                               required=True)},
    )
    try:
        weights = harm.validate_harm_weights(edited)
    except ValueError as error:
        st.error(f"Those weights cannot be used: {plain_text(str(error))}. The default weights are used instead.")
        weights = harm.validate_harm_weights(defaults)
    st.caption(plain_text(harm.HARM_SOURCE))
    counts = load_category_counts(store, area, start, end)
    weighted = harm.harm_weighted_counts(counts, weights)
    index = trends.count_and_harm_index(weighted)
    st.altair_chart(harm_chart(index, f"Incidents and harm in {area.name}, {month_span(start, end)}"),
                    width="stretch", alt=f"Two lines, incidents and harm-weighted incidents in {area.name}, each "
                                         "indexed to 100. Switch on 'Show as a table' below for the numbers.")
    st.caption(f"Source: police.uk street-level data, {month_span(start, end)}, {plain_text(area.name)}. Both "
               "lines are indexed to their first 12 months' average (= 100): they show how each moved, not its size.")
    show_as_table(index.pivot(index="month", columns="series", values="value").round(0).reset_index(),
                  key="harm_show_table")
    latest = counts[counts["month"] > shift_months(end, -12)]
    st.markdown(f"**Where the harm lies, {month_span(shift_months(end, -11), end)}**")
    share = harm.harm_share(latest, weights)
    table(share.round({"count_share": 1, "harm_share": 1, "harm": 0, "weight": 1}).rename(columns={
        "category": "Category", "count": "Incidents", "count_share": "% of incidents", "weight": "Weight",
        "harm": "Harm (incidents × weight)", "harm_share": "% of harm",
    }))


# Hotspots --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HotspotView:
    """What the Hotspots page draws: the Gi* result, the LSOA shapes (for the LSOA unit) and the outlines."""

    result: object
    polygons: object
    outlines: dict


@st.cache_data(show_spinner="Finding hot spots…", max_entries=HEAVY_ENTRIES)
def load_hotspots(store: Store, area: Area, categories: tuple[str, ...], start: str, end: str, unit: str,
                  resolution: int) -> HotspotView:
    """Counts per cell, Gi* classes and trajectories, and the shapes to draw them (computed once, then cached)."""

    def build(db):
        result = hotspots.hotspot_cells(db, area, list(categories), start, end, unit, resolution)
        polygons = hotspots.cell_polygons(result, db) if unit == "lsoa" else None
        return HotspotView(result, polygons, hotspots.outlines(db, area))

    return _read(store, build)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_suggested_resolution(store: Store, area: Area) -> int:
    """The H3 resolution that gives an area about 1,500 hexagons: fine enough to see, coarse enough to test."""
    return _read(store, hotspots.suggested_resolution, area)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_study_cell_count(store: Store, area: Area, resolution: int) -> int:
    """How many hexagons of a resolution cover an area."""
    return len(_read(store, hotspots.h3_study_cells, area, resolution))


@st.cache_data(show_spinner="Predicting next month's hotspots…", max_entries=HEAVY_ENTRIES)
def load_prediction(store: Store, area: Area, categories: tuple[str, ...], end: str) -> Prediction:
    """The predicted hotspots for the month after ``end`` and their back-test on ``end``."""

    def build(db):
        cells = hotspots.h3_study_cells(db, area, DEFAULT_SETTINGS.resolution)
        return predict(db, area, list(categories), end, cells)

    return _read(store, build)


@st.cache_data(show_spinner="Drawing the map…", max_entries=MAP_ENTRIES)
def load_hotspot_deck(store: Store, area: Area, categories: tuple[str, ...], start: str, end: str, unit: str,
                      resolution: int, layer: str, basemap: bool, predicted: bool):
    """The map, built once per choice: outlining thousands of predicted cells takes seconds, so it is cached.

    In the public view the cells' counts are the protected ones (``lib.core.disclosure``), drawn as they are.
    """
    view = load_hotspots(store, area, categories, start, end, unit, resolution)
    cells = load_prediction(store, area, categories, end).cells if predicted and unit == "h3" else None
    return maps.hotspot_deck(view.result.cells, unit, view.outlines, layer=layer, polygons=view.polygons,
                             basemap=basemap, predicted=cells)


@st.cache_data(show_spinner="Drawing the map for printing…", max_entries=MAP_ENTRIES)
def load_hotspot_png(store: Store, area: Area, categories: tuple[str, ...], start: str, end: str, unit: str,
                     resolution: int, layer: str, title: str, caption: str) -> bytes:
    """The map as a PNG for committee papers (WebGL maps often print blank)."""
    view = load_hotspots(store, area, categories, start, end, unit, resolution)
    return maps.hotspot_png(view.result.cells, unit, view.outlines, layer=layer, polygons=view.polygons,
                            title=title, caption=caption)


def map_legend(items: list[tuple[str, str]]) -> None:
    """The map's legend in words, each beside its colour swatch, drawn as a table (no raw HTML)."""
    legend = pd.DataFrame({"Colour": ["" for _ in items], "Meaning": [label for label, _ in items]})
    colours = [colour for _, colour in items]
    styled = legend.style.apply(lambda column: [f"background-color: {c}" for c in colours], subset=["Colour"])
    st.dataframe(styled, hide_index=True, height="content", width=520,
                 column_config={"Colour": st.column_config.TextColumn(width=60)})


# Priority matrix -------------------------------------------------------------------------------------------

ASSESSMENT_EDITOR_KEY = "assessment_editor"
ASSESSMENT_OUTCOME_KEY = "assessment_outcome"
MATRIX_VIEWS = {"risk_position": "Risk against position", "harm_likelihood": "Harm against likelihood"}


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_versions(store: Store, area_code: str) -> list[assessments.AssessmentVersion]:
    """Every assessment version of one area, newest year first."""
    return _read(store, assessments.list_versions, area_code)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_assessment(store: Store, version_id: int) -> list[Assessment]:
    """One version's scores, issue by issue."""
    return _read(store, assessments.load_version, version_id)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_previous_assessment(store: Store, area_code: str, year: str):
    """The latest saved assessment of the year before, with its scores (None when there is none)."""

    def build(db):
        version = assessments.previous_year_version(db, area_code, year)
        return None if version is None else (version, assessments.load_version(db, version.id))

    return _read(store, build)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_assessment_history(store: Store, version_id: int) -> list[dict]:
    """The changes made to one version, newest first."""
    return _read(store, assessments.assessment_history, version_id)


@st.cache_data(show_spinner="Gathering the evidence for each issue…", max_entries=HEAVY_ENTRIES)
def load_evidence(store: Store, area: Area, start: str, end: str) -> dict[str, Evidence]:
    """The evidence for every candidate issue in an area and period, by issue name (an issue whose indicator the
    viewer may not see says "figures restricted", with no figure)."""

    def build(db):
        candidates = priority_evidence.candidate_issues(indicator_catalogue(db))
        found = priority_evidence.all_evidence(db, candidates, area, custom_period(start, end))
        return {c.name: e for c, e in zip(candidates, found, strict=True)}

    return _read(store, build)


def assessment_years(versions: list[assessments.AssessmentVersion], latest_month: str) -> list[str]:
    """The years to offer: next financial year (the one being chosen for) and every year assessed."""
    coming = financial_year_of(shift_months(latest_month, 12))
    return sorted({coming, *(v.year for v in versions)}, reverse=True)


def version_label(version: assessments.AssessmentVersion) -> str:
    """A version as the picker shows it."""
    if version.status == assessments.DRAFT:
        return f"{version.name} (being edited)"
    return f"{version.name} (saved {(version.saved_at or '')[:10]} by {version.saved_by})"


def ranked_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The ranked list in words, as shown beside the matrix and downloaded as CSV."""
    return pd.DataFrame({
        "Rank": frame["rank_label"], "Issue": frame["issue"], "Priority score": frame["priority"].round(1),
        "Risk": frame["risk"].round(1), "Harm": frame["harm"].round(1), "Likelihood": frame["likelihood"].round(1),
        "Position": frame["position"].round(1), "Confidence": frame["confidence_label"],
        "Matrix": frame["quadrant"], "Chosen": frame["chosen"].map({True: "Chosen", False: ""}),
        "Led by another body": frame["led_elsewhere"].map({True: "Yes", False: "No"}),
        "Rationale": frame["rationale"].fillna(""),
    })


def start_assessment(store: Store, area: Area, year: str, start: str, end: str) -> None:
    """Start a year's working draft: from last year's scores refreshed with the evidence, or the evidence alone."""
    previous = load_previous_assessment(store, area.code, year)
    options = {"evidence": "The evidence alone: suggested scores for every candidate issue"}
    if previous:
        options = {"previous": f"Last year's assessment ({previous[0].name}), with frequency, trend and "
                               "confidence refreshed from the data", **options}
    who = editing_gate("assessment_start")
    if who is None:
        return
    with st.form("assessment_start"):
        source = st.radio("Start from", list(options), format_func=options.__getitem__, key="assessment_source")
        started = st.form_submit_button(f"Start the {year} assessment", icon=":material/add:", type="primary")
    if started:
        # An editor is a partner: the draft's suggestions use every figure, whatever the screen is showing.
        evidence = load_evidence(store.for_partners(), area, start, end)
        held = previous[1] if source == "previous" and previous else None
        _start_draft(store, area, year, held, evidence, who, month_span(start, end))
    show_outcome(ASSESSMENT_OUTCOME_KEY)


def _start_draft(store: Store, area: Area, year: str, previous: list[Assessment] | None,
                 evidence: dict[str, Evidence], who: str, evidence_period: str) -> None:
    if previous is None:
        catalogue = load_catalogue(store.for_partners())
        first = [priority_evidence.suggested_assessment(c, evidence[c.name])
                 for c in priority_evidence.candidate_issues(catalogue)]
    else:
        first = [priority_evidence.refreshed(a, priority_evidence.evidence_for(a, evidence)) for a in previous]
    _write(store, ASSESSMENT_OUTCOME_KEY, lambda db: assessments.start_draft(
        db, area.code, year, first, who, evidence_period=evidence_period), lambda _: f"Started the {year} draft.")


def assessment_editor(store: Store, version: assessments.AssessmentVersion, held: list[Assessment]) -> None:
    """Edit the working draft's scores; each change is stored with who, when and why."""
    who = editing_gate("assessment")
    if who is None:
        return
    frame = pd.DataFrame([_editor_row(a) for a in held])
    edited = st.data_editor(
        frame, hide_index=True, key=ASSESSMENT_EDITOR_KEY, num_rows="dynamic",
        column_config=_assessment_columns(), column_order=list(frame.columns),
    )
    saved, reason = save_form("assessment_save", "assessment_reason", "Why (recorded with each change)")
    if saved:
        _save_assessment(store, version, edited, who, reason)
    show_outcome(ASSESSMENT_OUTCOME_KEY)


def _editor_row(a: Assessment) -> dict:
    row = {"issue": a.issue}
    row |= {f: level_label(f, getattr(a, f)) for f in SCALES}
    row |= {"led_elsewhere": a.led_elsewhere, "chosen": a.chosen, "rationale": a.rationale or "",
            "indicator_key": a.indicator_key or ""}
    return row


def _assessment_columns() -> dict:
    columns = {"issue": st.column_config.TextColumn("Issue", required=True, max_chars=200, pinned=True)}
    for field, scale in SCALES.items():
        columns[field] = st.column_config.SelectboxColumn(
            FIELD_LABELS[field], options=[level_label(field, level) for level in scale], required=True)
    return columns | {
        "led_elsewhere": st.column_config.CheckboxColumn("Led by another body"),
        "chosen": st.column_config.CheckboxColumn("Chosen"),
        "rationale": st.column_config.TextColumn("Rationale", width="large", max_chars=2000),
        "indicator_key": st.column_config.TextColumn("Indicator", help="The indicator its evidence comes from"),
    }


def _save_assessment(store: Store, version: assessments.AssessmentVersion, edited: pd.DataFrame, who: str,
                     reason: str) -> None:
    try:
        rows = [check_assessment(row, where=f"Row {n}: ") for n, row in
                enumerate(edited.dropna(how="all").to_dict("records"), start=1)]
    except ValueError as error:
        _outcome(ASSESSMENT_OUTCOME_KEY, False, f"Not saved: {error}")
    _write(store, ASSESSMENT_OUTCOME_KEY, lambda db: assessments.update_draft(
        db, version.id, rows, who, reason or None), lambda count: f"Saved {count} change(s) by {who}.")


def save_version_form(store: Store, version: assessments.AssessmentVersion) -> None:
    """Save the working draft as a named version of the year, which can no longer change."""
    who = current_editor()
    if who is None:
        return
    st.markdown("**Save the whole assessment as a version** (for example, as agreed at the partnership event)")
    with st.form("assessment_version"):
        name = st.text_input("Name of the version", key="version_name", max_chars=100,
                             placeholder="Agreed at the partnership event")
        note = st.text_input("Note (optional)", key="version_note", max_chars=500)
        saved = st.form_submit_button("Save as a version", icon=":material/bookmark_add:", type="primary")
    if saved:
        _write(store, ASSESSMENT_OUTCOME_KEY, lambda db: assessments.save_version(
            db, version.id, name, who, note or None), lambda _: f"Saved the version {name!r}.")
    show_outcome(ASSESSMENT_OUTCOME_KEY)


def evidence_panel(evidence: Evidence | None) -> None:
    """The data behind one issue, each figure with its source and period."""
    if evidence is None:
        st.caption("No evidence is linked to this issue: name an indicator for it in the scores table.")
        return
    with st.container(horizontal=True):
        for label, value in priority_evidence.evidence_figures(evidence):
            st.metric(label, value, border=True)
    st.caption(plain_text(f"Change on last year: {evidence.change_words}. Source: {evidence.source}. "
                          f"Period: {evidence.period}."))
    for note in evidence.notes:
        st.caption(plain_text(note))


def scores_in_words(held: Assessment) -> pd.DataFrame:
    """One issue's scores as a two-column table of words."""
    values = {**{FIELD_LABELS[f]: SCALES[f][getattr(held, f)] for f in SCALES},
              FIELD_LABELS["led_elsewhere"]: "Yes" if held.led_elsewhere else "No",
              FIELD_LABELS["chosen"]: "Yes" if held.chosen else "No"}
    return pd.DataFrame({"Question": list(values), "Score": list(values.values())})


def show_outcome(key: str) -> None:
    """The message of the last save on this page, once."""
    outcome = st.session_state.pop(key, None)
    if outcome:
        (st.success if outcome[0] else st.error)(plain_text(outcome[1]))


def _outcome(key: str, ok: bool, message: str) -> None:
    st.session_state[key] = (ok, message)
    st.rerun()


def _write(store: Store, key: str, change, done) -> None:
    """Run one change on the store, remember how it went, and redraw with fresh data.

    ``done`` words the change's result; a function, not a format string, so braces in a name are just text. The
    editor is checked again here, at the moment of writing, whatever the page drew.
    """
    if current_editor() is None:
        _outcome(key, False, "Not saved: sign in as an editor first.")
    try:
        db = open_store(store.path)
    except StoreError as error:  # read-only or damaged: refused before anything is written
        _outcome(key, False, f"Not saved: {error}")
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


def movement_table(moved: pd.DataFrame) -> pd.DataFrame:
    """This year's ranking against last year's, in words."""
    def rounded(values: pd.Series) -> pd.Series:
        return values.map(lambda v: "" if v is None or pd.isna(v) else f"{v:.1f}")

    return pd.DataFrame({
        "Issue": moved["issue"], "Rank now": moved["rank_now"].map(_whole), "Rank last year": moved["rank_before"]
        .map(_whole), "Moved": moved["moved"], "Risk now": rounded(moved["risk_now"]),
        "Risk last year": rounded(moved["risk_before"]), "Chosen now": moved["chosen_now"].map({True: "Yes",
                                                                                               False: ""}),
        "Chosen last year": moved["chosen_before"].map({True: "Yes", False: ""}), "Why": moved["why"],
    })


def _whole(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(int(value))


def evidence_frame(evidence: dict[str, Evidence]) -> pd.DataFrame:
    """Every candidate issue's evidence as one table."""
    return priority_evidence.evidence_rows(list(evidence.values()))


def assessment_history_frame(history: list[dict]) -> pd.DataFrame:
    """An assessment's change history in words ('Trend: Stable → Rising')."""
    return pd.DataFrame({
        "When": [row["changed_at"] for row in history], "Who": [row["changed_by"] for row in history],
        "Issue": [row["issue"] for row in history],
        "Change": [assessments.describe_history(row) for row in history],
        "Why": [row["reason"] or "" for row in history],
    })


# Action plan -----------------------------------------------------------------------------------------------

ACTIONS_EDITOR_KEY = "actions_editor"
ACTIONS_OUTCOME_KEY = "actions_outcome"
PARTNERSHIP_WIDE = "Partnership-wide"
RAG_MATERIAL_ICONS |= {"Complete": ":material/task_alt:", "Overdue": ":material/schedule:"}
RAG_BADGE_COLOURS |= {"Complete": "violet", "Overdue": "red"}


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_actions(store: Store) -> list[action_plan.Action]:
    """Every action of the partnership plan."""
    return _read(store, action_plan.load_actions)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_action_history(store: Store) -> list[dict]:
    """Changes to the action plan, newest first."""
    return _read(store, action_plan.action_history)


@st.cache_data(show_spinner="Checking the measures the actions serve…", max_entries=TABLE_ENTRIES)
def load_measure_rags(store: Store, latest_month: str) -> dict[tuple[str, str], str]:
    """Every CSP measure's latest status the viewer may see, by (CSP code, indicator key)."""
    csps = [a for a in load_picker_areas(store) if a.kind == "csp"]
    return {(csp.code, status.target.indicator_key): status.rag
            for csp in csps for status in load_measure_statuses(store, csp, latest_month)}


def area_names(store: Store) -> dict[str, str]:
    """Area code -> name for the CSPs and counties, with '' for partnership-wide actions."""
    return {"": PARTNERSHIP_WIDE, **{a.code: a.name for a in load_picker_areas(store)}}


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_csps_of_counties(store: Store) -> dict[str, list[str]]:
    """County code -> its CSP codes (for summarising the measures of a county-wide action)."""

    def build(db):
        return {a.code: csp_codes_within(db, a) for a in summary.picker_areas(db) if a.kind == "county"}

    return _read(store, build)


def action_card(action: action_plan.Action, names: dict[str, str], overdue: bool,
                measures: list[tuple[str, str]]) -> None:
    """One action: what, why, who, by when, its RAG and commentary, and the measures it serves."""
    with st.container(border=True):
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(f"**{plain_text(action.action)}**")
            rag_badge(action.rag or "No data")
            if overdue:
                st.badge("Overdue", icon=":material/schedule:", color="red")
        due = action.completion_date or "Ongoing"
        where = names.get(action.area_code or "", action.area_code or PARTNERSHIP_WIDE)
        st.caption(plain_text(f"Lead: {action.lead or 'not named'} · {where} · Due: {due}"))
        if action.intended_outcome:
            st.markdown(f"*Intended outcome:* {plain_text(action.intended_outcome)}")
        if action.commentary:
            st.markdown(f"*Commentary:* {plain_text(action.commentary)}")
        if measures:
            st.caption(plain_text("Measures served: " + "; ".join(f"{key}: {words}" for key, words in measures)))
        if action.updated_by:
            st.caption(plain_text(f"Last updated {action.last_updated or ''} by {action.updated_by}"))


def actions_editor(store: Store, shown: list[action_plan.Action], names: dict[str, str]) -> None:
    """Edit the actions shown, or add new ones; each change is stored with who, when and why."""
    who = editing_gate("actions")
    if who is None:
        return
    frame = action_plan.actions_frame(shown)
    edited = st.data_editor(
        frame, hide_index=True, key=ACTIONS_EDITOR_KEY, num_rows="dynamic",
        column_config=_action_columns(names), column_order=[c for c in frame.columns if c != "id"],
    )
    saved, reason = save_form("actions_save", "actions_reason")
    if saved:
        _save_actions(store, frame, edited, who, reason)
    show_outcome(ACTIONS_OUTCOME_KEY)


def _action_columns(names: dict[str, str]) -> dict:
    return {
        "priority": st.column_config.TextColumn("Priority", required=True, max_chars=200),
        "area_code": st.column_config.SelectboxColumn("Area", options=list(names), format_func=names.get),
        "action": st.column_config.TextColumn("Action", width="large", required=True, max_chars=2000),
        "intended_outcome": st.column_config.TextColumn("Intended outcome", width="medium", max_chars=2000),
        "lead": st.column_config.TextColumn("Lead", max_chars=200),
        "completion_date": st.column_config.DateColumn("Completion date", format="YYYY-MM-DD",
                                                       help="Leave empty for an ongoing action"),
        "rag": st.column_config.SelectboxColumn("RAG", options=list(action_plan.RAGS), required=True),
        "commentary": st.column_config.TextColumn("Commentary", width="large", max_chars=2000),
        "measure_keys": st.column_config.TextColumn("Measures", help="Indicator keys, comma-separated"),
    }


def _save_actions(store: Store, before: pd.DataFrame, after: pd.DataFrame, who: str, reason: str) -> None:
    changes = action_plan.edited_rows(before, after)
    added = [row for row in after.to_dict("records") if pd.isna(row.get("id"))]
    held = before.set_index("id")
    try:  # every row is checked before any is written, so a bad row saves nothing
        for number, row in enumerate(added, start=1):
            action_plan.check_action(row, where=f"New row {number}: ")
        for action_id, fields in changes.items():
            action_plan.check_action({**held.loc[action_id].to_dict(), **fields}, where=f"Action {action_id}: ")
    except ValueError as error:
        _outcome(ACTIONS_OUTCOME_KEY, False, f"Not saved: {error}")

    def apply(db) -> int:
        count = sum(action_plan.update_action(db, i, fields, who, reason or None) for i, fields in changes.items())
        for row in added:
            action_plan.add_action(db, {k: v for k, v in row.items() if k != "id"}, who)
        return count + len(added)

    _write(store, ACTIONS_OUTCOME_KEY, apply, lambda count: f"Saved {count} change(s) by {who}.")


def action_history_frame(history: list[dict]) -> pd.DataFrame:
    """The action plan's change history in words."""
    return pd.DataFrame(history).rename(columns={
        "changed_at": "When", "changed_by": "Who", "action_id": "Action id", "action": "Action",
        "field": "What changed", "old_value": "Before", "new_value": "After", "reason": "Why",
    })


# Guided presentation ---------------------------------------------------------------------------------------

STEP_KEY = "present_step"


def presented_assessments(store: Store, area: Area) -> tuple[tuple | None, tuple | None]:
    """(agreed, shown): each a (version, assessments) pair or None; the area's own, else its county's."""
    versions = load_versions(store, area.code)
    if not versions and area.parent_code:
        versions = load_versions(store, area.parent_code)
    agreed, shown = presented_versions(versions)
    return tuple((v, load_assessment(store, v.id)) if v else None for v in (agreed, shown))


def guided_step(count: int) -> int:
    """The step on screen (1-based), from the link's ``step`` or the session, and kept in the link."""
    raw = st.query_params.get("step")
    from_url = step_number(raw, range(count)) if raw is not None else None
    _seed(STEP_KEY, from_url, list(range(1, count + 1)), 1)
    number = st.session_state[STEP_KEY]
    st.query_params["step"] = str(number)
    _remember_in_url(STEP_KEY, number)
    return number


def _move_step(by: int, count: int) -> None:
    st.session_state[STEP_KEY] = min(max(st.session_state.get(STEP_KEY, 1) + by, 1), count)


def step_buttons(number: int, count: int) -> None:
    """Previous and next, also on the left and right arrow keys (and a presenter's clicker, which sends them)."""
    with st.container(horizontal=True, vertical_alignment="center", key="step_buttons"):
        st.button("Previous", key="step_previous", icon=":material/arrow_back:", shortcut="Left",
                  disabled=number <= 1, on_click=_move_step, args=(-1, count))
        st.markdown(f"**Step {number} of {count}**")
        st.button("Next", key="step_next", icon=":material/arrow_forward:", icon_position="right", shortcut="Right",
                  type="primary", disabled=number >= count, on_click=_move_step, args=(1, count))


def message(text: str) -> None:
    """The one message of a screen, in large type, as plain text."""
    st.subheader(plain_text(text), anchor=False)


def sequence_outline(steps: list, number: int) -> None:
    """Before the event: the whole sequence with the current step marked, and the way into presentation mode."""
    st.divider()
    st.markdown("**The sequence**")
    table(pd.DataFrame({"Step": range(1, len(steps) + 1), "Screen": [s.title for s in steps],
                        "Now": ["◀ showing" if n == number else "" for n in range(1, len(steps) + 1)]}))
    st.button("Start presenting", key="start_presenting", icon=":material/co_present:", on_click=_start_presenting,
              help="Large type, controls hidden, public mode on. Move with the arrow keys or the buttons.")


def _start_presenting() -> None:
    st.session_state[PRESENT_KEY] = True
    _entered_presentation()


@st.cache_data(show_spinner="Building the committee pack…", max_entries=4)
def load_committee_pack(selection: Selection) -> bytes:
    """The committee pack PDF for the sidebar's area and period, as the viewer may see it."""
    return _read(selection.store, lambda db: build_pack(db, selection.area, selection.period))
