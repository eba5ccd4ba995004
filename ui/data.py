"""The store as the pages read it: where it is and who is looking (``Store``), the sidebar's choice (``Selection``),
and the cached loaders more than one section shares.

Loaders take a ``Store``: the path, a version that changes whenever the file is written (so a new import shows
without restarting the app), and the viewer (``lib.store.access``), which every read opens the store for. So a
loader's answer, and its cache entry, is what that viewer may see: restricted indicators and exact small-area counts
never reach a page the viewer may not see them on.

Every loader's key follows one pattern: the Selection when it answers for the sidebar's whole choice; otherwise
the store first, then the area (or areas, or an area's code) when it answers for one, then whatever else narrows it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlite_utils
import streamlit as st

from lib.core.areas import Area
from lib.core.catalogue import Indicator, indicator_catalogue
from lib.core.periods import Period
from lib.store import access, holdings, summary
from lib.store.access import PARTNERS, Viewer, open_for
from lib.store.db import may_build_demo, store_path
from lib.store.faults import StoreError, missing_message
from lib.store.summary import Headline, StoreOverview
from ui.modes import current_viewer

_demo_lock = threading.Lock()
# Every store file this server process has had open: one that goes missing later was deleted, not never made.
_stores_seen: set[Path] = set()

# st.cache_data keeps every answer until the process ends unless bounded, and its entries are shared by every session
# and kept for every store version and viewer: 40 Hotspots views grew the server by 190 MB. Each loader keeps at most
# this many answers, the least recently used going first, by what one answer weighs.
HEAVY_ENTRIES = 16  # hot spot cells, the overview grid, evidence, peer groups: up to a few MB each
MAP_ENTRIES = 8  # a drawn map (deck.gl layers or a PNG): a few MB each, and quick to draw again from cached cells
TABLE_ENTRIES = 64  # a chart's or a page's table for one area and period: tens of KB
LOOKUP_ENTRIES = 256  # areas, catalogues, targets, versions, single numbers: a few KB at most


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
    both files count. An empty log counts as none: the first reader of a store just checkpointed creates one, and
    that must not look like a new version (every cached view would be worked out again, warmed ones included).
    """
    stamps: list[int] = []
    for file in (path, path.with_name(path.name + "-wal")):
        stat = file.stat() if file.exists() else None
        stamps += [stat.st_mtime_ns, stat.st_size] if stat and stat.st_size else [0, 0]
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


def read(store: Store, reader, *args):
    """``reader(db, *args)`` on a connection narrowed to what the store's viewer may see (``lib.store.access``):
    no reader can return more."""
    # One connection per call: sqlite connections belong to the thread that opened them, and Streamlit
    # runs each session's script in its own thread. The results are cached, so this is rare.
    db: sqlite_utils.Database = open_for(store.path, store.viewer)
    try:
        return reader(db, *args)
    finally:
        db.close()


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_overview(store: Store) -> StoreOverview:
    """What is loaded."""
    return read(store, summary.store_overview)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_picker_areas(store: Store) -> list[Area]:
    """The areas the picker offers."""
    return read(store, summary.picker_areas)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_catalogue(store: Store) -> list[Indicator]:
    """Every indicator the store can chart that the viewer may see."""
    return read(store, indicator_catalogue)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_hidden_keys(store: Store) -> set[str]:
    """The keys of the restricted indicators hidden from this viewer (to say "figures restricted")."""
    return read(store, access.hidden_indicator_keys)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_headlines(selection: Selection) -> list[Headline]:
    """The headline counts for the chosen area and period."""
    return read(selection.store, summary.headline_counts, selection.area, selection.period)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_monthly_groups(selection: Selection) -> pd.DataFrame:
    """Monthly counts of the main category groups (long form)."""
    return read(selection.store, summary.monthly_group_counts, selection.area, selection.period)


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_monthly_categories(selection: Selection) -> pd.DataFrame:
    """Monthly counts by police.uk category (wide)."""
    return read(selection.store, summary.monthly_category_counts, selection.area, selection.period)


HOLDINGS_TABLES = {
    "coverage": holdings.coverage_by_csp,
    "coverage_over_the_border": holdings.coverage_over_the_border,
    "coverage_grid": holdings.counts_by_month_and_csp,
    "import_log": holdings.import_log,
    "rejected_reasons": holdings.rejected_reasons,
    "rejected_rows": holdings.rejected_rows,
    "indicators": holdings.indicator_catalogue,
}


@st.cache_data(show_spinner=False, max_entries=TABLE_ENTRIES)
def load_table(store: Store, name: str) -> pd.DataFrame:
    """One of the Data page's store-wide tables, by its name in ``HOLDINGS_TABLES``."""
    return read(store, HOLDINGS_TABLES[name])
