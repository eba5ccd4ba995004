"""Warming the standard views: every area's opening pages, worked out once in the background, so the first visitors
after a server start or an import do not each pay the cold cost together.

The caches (``st.cache_data``) are shared by every session of the server, and keyed by the store's version, so
a warm-up is needed once per version: when the server starts (``python -m ui.serve``), when a session first meets
a store version nobody has warmed (the first visit to a server started with ``streamlit run``, or after an import
from the command line), and straight after an import on the Data page. The views warmed are the ones a visitor
opens on without choosing anything: the public view, the latest 12 months, each area of the picker, on Home, the
overview, Measures (a county's grid, then its first CSP's measures or headline indicators), Similar areas (its CSP's
group for the first police indicator), Hotspots (its default indicator and cells) and the Priority matrix's
evidence. ``CSP_WARM_UP=off`` turns it off (the tests do, except those of the warm-up itself, so that each test's
store is not warmed in vain).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass

from streamlit.logger import get_logger

from lib.core.catalogue import Indicator
from lib.core.periods import latest_12_months
from lib.hotspots.views import what_options
from lib.store.access import PUBLIC
from ui import hotspots, performance, priorities, similar
from ui.data import (
    HEAVY_ENTRIES,
    Selection,
    Store,
    load_catalogue,
    load_headlines,
    load_monthly_groups,
    load_overview,
    load_picker_areas,
)

# Streamlit's own logger, so the server's log says when the views are warm (at its level, "info" by default).
_log = get_logger(__name__)
THREAD_NAME = "csp-warm-up"


class _NoContextWarnings(logging.Filter):
    """The warm-up runs the cached loaders outside any visitor's script run, on purpose: Streamlit's warning that
    the thread has no script run context is noise there (and only there)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != THREAD_NAME


logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_NoContextWarnings())
_lock = threading.Lock()
# The store versions warmed (or being warmed) by this server process: (path, version).
_warmed: set[tuple[str, tuple[int, ...]]] = set()
# The areas warmed: the picker's first (its default area, then the next), no more than half of what the heavy caches
# keep, so warming a national store does not push out what visitors have just opened.
WARM_AREAS = HEAVY_ENTRIES // 2
WARM_UP_VARIABLE = "CSP_WARM_UP"


def warm_up_enabled() -> bool:
    """Whether this server warms the standard views (on unless ``$CSP_WARM_UP`` is off, 0 or no)."""
    return os.environ.get(WARM_UP_VARIABLE, "on").strip().lower() not in {"off", "0", "no", "false"}


@dataclass(frozen=True)
class WarmUp:
    """What one warm-up did: the views worked out, and how long it took."""

    views: tuple[str, ...]
    seconds: float


def warm_in_background(store: Store) -> threading.Thread | None:
    """Start warming this store version's standard views in a background thread, once per version per process.

    Returns the thread when this call started it (None when the version is warmed already or being warmed), so a
    caller that must wait (a test, the server's start) can join it.
    """
    if not warm_up_enabled():
        return None
    key = (store.path, store.version)
    with _lock:
        if key in _warmed:
            return None
        _warmed.add(key)
    thread = threading.Thread(target=_warm_quietly, args=(store,), name=THREAD_NAME, daemon=True)
    thread.start()
    return thread


def _warm_quietly(store: Store) -> None:
    # A warm-up is a courtesy: whatever goes wrong, the visitor's own run works it out (and says what failed).
    try:
        done = warm_standard_views(store)
        _log.info("Warmed the opening views of %d areas in %.1f s", len(done.views), done.seconds)
    except Exception:  # noqa: BLE001 - logged, never raised into the server
        _log.warning("warming the standard views failed", exc_info=True)


def warm_standard_views(store: Store) -> WarmUp:
    """Work out every area's opening views (public view, latest 12 months) into the shared caches."""
    started = time.perf_counter()
    public = Store(store.path, store.version, PUBLIC)
    overview = load_overview(public)
    if not overview.first_month or not overview.last_month:
        return WarmUp((), time.perf_counter() - started)
    period = latest_12_months(overview.first_month, overview.last_month)
    catalogue = load_catalogue(public)
    mapped = what_options(catalogue).get(hotspots.DEFAULT_INDICATOR)
    views: list[str] = []
    for area in load_picker_areas(public)[:WARM_AREAS]:
        selection = Selection(public, area, period)
        load_headlines(selection)
        load_monthly_groups(selection)
        performance.load_overview_grid(selection, performance.load_comparators(selection).default)
        if mapped is not None:
            hotspots.warm_default_map(public, area, tuple(mapped.categories), period.start, period.end)
        priorities.load_evidence(public, area, period.start, period.end)
        _warm_measures(selection)
        _warm_similar(selection, catalogue)
        views.append(area.name)
    return WarmUp(tuple(views), time.perf_counter() - started)


def _warm_measures(selection: Selection) -> None:
    """Measures as it opens: a county's or force area's grid, then its first CSP's measures against targets or,
    where it has none (a real CSP's first store), its headline indicators against a comparator."""
    csp = selection.area
    if csp.kind != "csp":
        csps = performance.load_measures_grid(selection).csps
        if not csps:
            return
        csp = csps[0]
    if not performance.load_measure_statuses(selection.store, csp, selection.period.end):
        performance.load_headline_statuses(selection.store, csp, selection.period)  # no targets: the headline view


def _warm_similar(selection: Selection, catalogue: list[Indicator]) -> None:
    """Similar areas as it opens: the area's CSP (a county's first CSP in the picker), its first police indicator."""
    store, period = selection.store, selection.period
    csps = [selection.area] if selection.area.kind == "csp" else [
        a for a in load_picker_areas(store) if a.kind == "csp"]
    police = [i for i in catalogue if i.is_police]
    if not csps or not police:
        return
    csp, categories = csps[0], tuple(police[0].categories)
    basis = similar.load_peer_basis(store, csp.code, period.start, period.end)
    if basis is None:
        performance.load_no_group_reason(store, csp.code, period.start, period.end)
    elif basis.ranks:
        performance.load_peer_comparison(store, csp.code, categories, period.start, period.end)
    else:
        similar.load_compared_rates(store, csp.code, categories, period.start, period.end)
