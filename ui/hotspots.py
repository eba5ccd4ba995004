"""The Places section (Hotspots, and the guided presentation's map): hot spot cells, predictions, drawn maps and
the map's legend. The heavy work is cached once per choice; a drawn map is cached apart, from the cached cells."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from lib.core.areas import Area
from lib.hotspots import gi_star, map_png, maps, study_area
from lib.hotspots.forecast import DEFAULT_SETTINGS
from lib.hotspots.predicted import Prediction, predict
from lib.hotspots.views import SpotList, why_not_busiest
from lib.store.scope import area_scope
from ui import widgets
from ui.data import HEAVY_ENTRIES, LOOKUP_ENTRIES, MAP_ENTRIES, Store, read

NORMAL_MAP_HEIGHT = 620
# Presentation mode (24 px type, no sidebar): the map sits beside its legend in about 70% of the page's width at
# 1280 px (the narrower screen: at 1366 the area only gains a little margin), under the headline, and ends inside
# a 1280x720 screen (with the demo notice too).
PRESENT_MAP_WIDTH, PRESENT_MAP_HEIGHT = 820, 400
# What the Hotspots page opens on before anything is chosen (and what ui.warmup works out ahead of the first visitor).
DEFAULT_INDICATOR, DEFAULT_UNIT, DEFAULT_LAYER = "anti-social-behaviour", "h3", "gi"


@dataclass(frozen=True)
class DrawnMap:
    """A drawn map and its legend: only the classes of the cells drawn, the area's background, the outline."""

    deck: object
    legend: list


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
        scope = area_scope(db, area)  # resolved once for the cells and the outlines
        result = gi_star.hotspot_cells(db, scope, list(categories), start, end, unit, resolution)
        polygons = study_area.cell_polygons(result, db) if unit == "lsoa" else None
        return HotspotView(result, polygons, study_area.outlines(db, scope))

    return read(store, build)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_suggested_resolution(store: Store, area: Area) -> int:
    """The H3 resolution that gives an area about 1,500 hexagons: fine enough to see, coarse enough to test."""
    return read(store, study_area.suggested_resolution, area)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_study_cell_count(store: Store, area: Area, resolution: int) -> int:
    """How many hexagons of a resolution cover an area."""
    return len(read(store, study_area.h3_study_cells, area, resolution))


@st.cache_data(show_spinner="Predicting next month's hotspots…", max_entries=HEAVY_ENTRIES)
def load_prediction(store: Store, area: Area, categories: tuple[str, ...], end: str) -> Prediction:
    """The predicted hotspots for the month after ``end`` and their back-test on ``end``."""

    def build(db):
        scope = area_scope(db, area)
        cells = study_area.h3_study_cells(db, scope, DEFAULT_SETTINGS.resolution)
        return predict(db, scope, list(categories), end, cells)

    return read(store, build)


@st.cache_data(show_spinner="Drawing the map…", max_entries=MAP_ENTRIES)
def load_hotspot_deck(store: Store, area: Area, categories: tuple[str, ...], start: str, end: str, unit: str,
                      resolution: int, layer: str, basemap: bool, predicted: bool,
                      view_size: tuple[int, int] = maps.VIEW_SIZE_PX, plain: bool = False) -> DrawnMap:
    """The map and its legend, built once per choice: outlining thousands of predicted cells takes seconds.

    ``view_size`` is the map's size on the page in pixels, which the area is fitted to; with ``plain``, the classes
    are in plain words. In the public view the cells' counts are the protected ones (``lib.core.disclosure``),
    drawn as they are.
    """
    view = load_hotspots(store, area, categories, start, end, unit, resolution)
    cells = load_prediction(store, area, categories, end).cells if predicted and unit == "h3" else None
    deck = maps.hotspot_deck(view.result.cells, unit, view.outlines, layer=layer, polygons=view.polygons,
                             basemap=basemap, predicted=cells, view_size=view_size, plain=plain)
    legend = maps.deck_legend(view.result.cells, unit, view.outlines, layer=layer, basemap=basemap,
                              predicted=bool(cells), plain=plain)
    return DrawnMap(deck, legend)


@st.cache_data(show_spinner="Drawing the map for printing…", max_entries=MAP_ENTRIES)
def load_hotspot_png(store: Store, area: Area, categories: tuple[str, ...], start: str, end: str, unit: str,
                     resolution: int, layer: str, title: str, caption: str, plain: bool = False) -> bytes:
    """The map as a PNG for committee papers (WebGL maps often print blank)."""
    view = load_hotspots(store, area, categories, start, end, unit, resolution)
    return map_png.hotspot_png(view.result.cells, unit, view.outlines, layer=layer, polygons=view.polygons,
                               title=title, caption=caption, plain=plain)


def map_legend(items: list[tuple[str, str]], wrap: bool = False) -> None:
    """The map's legend in words, each beside its colour swatch, drawn as a table (no raw HTML).

    With ``wrap`` (a legend in a narrow column beside the map, in presentation mode), a static table whose words
    wrap rather than being cut off.
    """
    legend = pd.DataFrame({"Colour": ["" for _ in items], "Meaning": [label for label, _ in items]})
    colours = [colour for _, colour in items]
    styled = legend.style.apply(lambda column: [f"background-color: {c}; width: 2.5rem" for c in colours],
                                subset=["Colour"])
    if wrap:
        st.table(styled.hide(axis="index"))
        return
    st.dataframe(styled, hide_index=True, height="content", width=520,
                 column_config={"Colour": st.column_config.TextColumn(width=60)})


def map_height(present: bool) -> int:
    """The map's height in pixels: in presentation mode, what is left of a 1280x720 screen below the headline."""
    return PRESENT_MAP_HEIGHT if present else NORMAL_MAP_HEIGHT


def map_view_size(present: bool) -> tuple[int, int]:
    """The map's (width, height) on the page, for fitting the area to it (see ``lib.hotspots.maps``)."""
    return (PRESENT_MAP_WIDTH, PRESENT_MAP_HEIGHT) if present else (maps.VIEW_SIZE_PX[0], NORMAL_MAP_HEIGHT)


def warm_default_map(store: Store, area: Area, categories: tuple[str, ...], start: str, end: str) -> None:
    """Work out the map the page opens on (default cells and colouring, hexagons sized to the area, no street map,
    no prediction, plain words as in public and presentation mode), at both sizes: on a screen and on a projector."""
    resolution = load_suggested_resolution(store, area)
    for present in (False, True):
        load_hotspot_deck(store, area, categories, start, end, DEFAULT_UNIT, resolution, DEFAULT_LAYER, False, False,
                          map_view_size(present), True)


# The lists under the map ---------------------------------------------------------------------------------------

LIST_HEADINGS = {"hot": "Hot spots", "cold": "Cold spots", "no_longer": "No longer hot spots"}
LIST_ORDER = {
    "hot": ("Strongest first: 99%, then 95%, then 90% confidence; then the most incidents.",
            "Most certain first, then the most incidents."),
    "cold": ("Strongest first: 99%, then 95%, then 90% confidence; then the fewest incidents.",
             "Most certain first, then the fewest incidents."),
    "no_longer": ("Hot spots of the months before that are not hot spots now, strongest then first.",
                  "Places that were hot spots in the months before and are not now."),
}


def spot_lists(lists: tuple[SpotList, ...], result, plain: bool) -> None:
    """The hot spots, then why a busier place need not be one, then the short lists of cold spots and of places
    that are no longer hot spots; each list says what order it is in, and says so when it is empty."""
    for spot in lists:
        st.subheader(LIST_HEADINGS[spot.kind], anchor=False)
        _spot_list(spot, plain)
        if spot.kind == "hot":
            st.markdown(widgets.plain_text(why_not_busiest(result, plain)))


def _spot_list(spot: SpotList, plain: bool) -> None:
    if spot.table.empty:
        st.markdown(widgets.plain_text(spot.empty))
        return
    order = LIST_ORDER[spot.kind][1 if plain else 0]
    shown = f" Showing {len(spot.table):,} of {spot.total:,}." if spot.cut else ""
    st.caption(widgets.plain_text(order + shown))
    widgets.table(spot.table.reset_index(drop=True))  # the cell's id means nothing to a reader
