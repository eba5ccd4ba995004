"""Hotspots: where incidents concentrate, with Getis-Ord Gi* hot and cold spots and next month's predicted hotspots.

In presentation mode the screen reads: headline (what, where, when), the map beside its legend, then the figures and
the table; the controls (hidden on a projector) are drawn last, so they leave no gap above the map.
"""

from ui.preload import require_app_shell

require_app_shell()  # before any other import: see ui.preload

import streamlit as st

from lib.core.catalogue import PUBLIC_PLACE_VIOLENCE
from lib.core.disclosure import PUBLIC_MODE_NOTE
from lib.hotspots import gi_star
from lib.hotspots.views import (
    AUTOMATIC,
    CELL_UNITS,
    HEXAGON_SIZES,
    LAYERS,
    MAX_HEXAGONS,
    PREDICTION_NOTE,
    headline,
    hotspot_caption,
    hotspot_metrics,
    list_export,
    map_sentence,
    map_title,
    method_caption,
    spot_lists,
    what_options,
)
from ui import data, hotspots, link, modes, shell, widgets

mode = modes.current_mode()
selection = shell.page_start("Hotspots")
store, area, period = selection.store, selection.area, selection.period
plain = mode.present or mode.public  # plain words on a shared screen; the method is one click away
catalogue = data.load_catalogue(store)
options = what_options(catalogue)
body = st.container()
controls = st.container() if mode.present else body
if not mode.present:  # officers choose first; on a projector the (hidden) controls go last
    body = st.container()
with controls:
    key = link.selectbox("What", {k: i.name for k, i in options.items()}, key="indicator",
                         default=hotspots.DEFAULT_INDICATOR)
    indicator = options[key]
    left, right = st.columns(2)
    with left:
        unit = link.choice("Cells", CELL_UNITS, key="unit", default=hotspots.DEFAULT_UNIT)
    with right:
        layer = link.choice("Colour by", LAYERS, key="layer", default=hotspots.DEFAULT_LAYER)
    size = AUTOMATIC
    if unit == "h3":
        size = link.choice("Hexagon size", HEXAGON_SIZES, key="size", default=AUTOMATIC,
                           help="Gi* finds clusters of cells, so hexagons must be large enough for incidents to "
                                "fall in neighbouring cells. 'To fit the area' keeps about 1,500 hexagons.")
    resolution = hotspots.load_suggested_resolution(store, area) if size == AUTOMATIC else int(size)
    if unit == "h3" and size != AUTOMATIC:
        hexagons = hotspots.load_study_cell_count(store, area, resolution)
        if hexagons > MAX_HEXAGONS:
            st.warning(f"{HEXAGON_SIZES[size]} hexagons would cut {widgets.plain_text(area.name)} into "
                       f"{hexagons:,} cells, too many to test quickly. Showing hexagons sized to fit the area instead.")
            resolution = hotspots.load_suggested_resolution(store, area)
    with st.container(horizontal=True):
        basemap = link.toggle("Street map underneath (needs internet)", key="basemap",
                              help="The outlines are drawn by the dashboard, so the map reads without it.")
        show_predicted = link.toggle("Outline next month's predicted hotspots", key="predicted",
                                     disabled=unit != "h3", help="The cells covering 5% of the area that the "
                                                                 "back-tested method expects to be busiest next "
                                                                 "month, and how well it did on the latest month.")

categories = tuple(indicator.categories)
view = hotspots.load_hotspots(store, area, categories, period.start, period.end, unit, resolution)
# Predicting covers every small hexagon of the area (a second or two for a force area), so only when shown.
show_predicted = show_predicted and unit == "h3"
prediction = hotspots.load_prediction(store, area, categories, period.end) if show_predicted else None
result = view.result
caption = hotspot_caption(result, indicator, area, period, plain=plain)
drawn = hotspots.load_hotspot_deck(store, area, categories, period.start, period.end, unit, resolution, layer,
                                   basemap, show_predicted, hotspots.map_view_size(mode.present), plain)
alt = (f"Map of {indicator.name} in {area.name} on {CELL_UNITS[unit]}, coloured by {LAYERS[layer].lower()}, with "
       "each partnership named. The hot spots are listed in the table below the map.")


def metrics() -> None:
    with st.container(horizontal=True):
        for label, value in hotspot_metrics(result, plain=plain):
            st.metric(label, value, border=True)


with body:
    if indicator.key == PUBLIC_PLACE_VIOLENCE:
        widgets.caveat_for([indicator])
    if mode.present:
        widgets.message(headline(indicator, area, period))
        picture, key_column = st.columns([2.4, 1], vertical_alignment="top")
        with picture:
            st.pydeck_chart(drawn.deck, height=hotspots.map_height(True), key="hotspots_map", alt=alt)
        with key_column:
            hotspots.map_legend(drawn.legend, wrap=True)
        st.caption(widgets.plain_text(map_sentence(layer, unit)))
        metrics()
    else:
        widgets.message(headline(indicator, area, period))
        metrics()
        st.pydeck_chart(drawn.deck, height=hotspots.map_height(False), key="hotspots_map", alt=alt)
        hotspots.map_legend(drawn.legend)
    st.caption(widgets.plain_text(caption))
    for note in result.notes:
        widgets.caveat(widgets.plain_text(note))
    if prediction is not None:
        st.markdown(f"**Predicted hotspots.** {widgets.plain_text(prediction.sentence(indicator.name.lower()))}")

    lists = spot_lists(result, plain=plain)
    hotspots.spot_lists(lists, result, plain)
    table = list_export(lists)
    if result.public:
        st.caption(f"{PUBLIC_MODE_NOTE} Shares and changes are worked out from the rounded counts. The map covers "
                   "whole periods only, so no two maps can be subtracted to find a small count (see "
                   "docs/disclosure.md).")
    title = map_title(indicator, area, period)
    with st.container(horizontal=True):
        widgets.download_csv("Download these lists (CSV)", table, f"hotspots_{area.code}_{key}.csv",
                             key="hotspots_csv")
        st.download_button(
            "Download the map for printing (PNG)", icon=":material/image:", on_click="ignore", key="hotspots_png",
            data=lambda: hotspots.load_hotspot_png(store, area, categories, period.start, period.end, unit,
                                                   resolution, layer, title, caption, plain),
            file_name=f"hotspots_{area.code}_{key}.png", mime="image/png",
        )
    with st.expander("How this is worked out"):
        if plain:  # the officers' caption, a caption here too
            st.caption(widgets.plain_text(method_caption(result, indicator, area, period)))
        st.markdown(widgets.plain_text(gi_star.METHOD_NOTE))
        st.markdown(widgets.plain_text(PREDICTION_NOTE))
