"""Hotspots: where incidents concentrate, with Getis-Ord Gi* hot and cold spots and next month's predicted hotspots."""

import streamlit as st

import ui
from lib.core.catalogue import PUBLIC_PLACE_VIOLENCE
from lib.core.disclosure import PUBLIC_MODE_NOTE
from lib.hotspots import gi_star as hotspots
from lib.hotspots import maps
from lib.hotspots.views import (
    AUTOMATIC,
    CELL_UNITS,
    HEXAGON_SIZES,
    LAYERS,
    MAX_HEXAGONS,
    PREDICTION_NOTE,
    hotspot_caption,
    hotspot_metrics,
    map_title,
    ranked_table,
    what_options,
)

selection = ui.page_start("Hotspots")
store, area, period = selection.store, selection.area, selection.period
catalogue = ui.load_catalogue(store)
options = what_options(catalogue)
key = ui.url_selectbox("What", {k: i.name for k, i in options.items()}, key="indicator",
                       default="anti-social-behaviour")
indicator = options[key]
left, right = st.columns(2)
with left:
    unit = ui.url_choice("Cells", CELL_UNITS, key="unit", default="h3")
with right:
    layer = ui.url_choice("Colour by", LAYERS, key="layer", default="gi")
size = AUTOMATIC
if unit == "h3":
    size = ui.url_choice("Hexagon size", HEXAGON_SIZES, key="size", default=AUTOMATIC,
                         help="Gi* finds clusters of cells, so hexagons must be large enough for incidents to "
                              "fall in neighbouring cells. 'To fit the area' keeps about 1,500 hexagons.")
resolution = ui.load_suggested_resolution(store, area) if size == AUTOMATIC else int(size)
if unit == "h3" and size != AUTOMATIC:
    hexagons = ui.load_study_cell_count(store, area, resolution)
    if hexagons > MAX_HEXAGONS:
        st.warning(f"{HEXAGON_SIZES[size]} hexagons would cut {ui.plain_text(area.name)} into {hexagons:,} cells, "
                   "too many to test quickly. Showing hexagons sized to fit the area instead.")
        resolution = ui.load_suggested_resolution(store, area)
with st.container(horizontal=True):
    basemap = st.toggle("Street map underneath (needs internet)", key="basemap", bind="query-params",
                        help="The outlines are drawn by the dashboard, so the map reads without it.")
    show_predicted = st.toggle("Outline next month's predicted hotspots", key="predicted", bind="query-params",
                               disabled=unit != "h3", help="The cells covering 5% of the area that the back-tested "
                                                           "method expects to be busiest next month, and how "
                                                           "well it did on the latest month.")
if indicator.key == PUBLIC_PLACE_VIOLENCE:
    ui.caveat_for([indicator])

categories = tuple(indicator.categories)
view = ui.load_hotspots(store, area, categories, period.start, period.end, unit, resolution)
# Predicting covers every small hexagon of the area (a second or two for a force area), so only when shown.
show_predicted = show_predicted and unit == "h3"
prediction = ui.load_prediction(store, area, categories, period.end) if show_predicted else None
result = view.result
with st.container(horizontal=True):
    for label, value in hotspot_metrics(result):
        st.metric(label, value, border=True)

deck = ui.load_hotspot_deck(store, area, categories, period.start, period.end, unit, resolution, layer, basemap,
                            show_predicted)
st.pydeck_chart(deck, height=620, key="hotspots_map",
                alt=f"Map of {indicator.name} in {area.name} on {CELL_UNITS[unit]}, coloured by "
                    f"{LAYERS[layer].lower()}. The top hotspots are listed in the table below the map.")
classes = maps.count_colours(result.cells["count"], statuses=result.cells.get("count_status"))
ui.map_legend(maps.legend_items(layer, classes.breaks, predicted=show_predicted and bool(prediction.cells),
                                withheld=maps.any_withheld(result.cells)))
st.caption(ui.plain_text(hotspot_caption(result, indicator, area, period)))
for note in result.notes:
    ui.caveat(ui.plain_text(note))
if prediction is not None:
    st.markdown(f"**Predicted hotspots.** {ui.plain_text(prediction.sentence(indicator.name.lower()))}")

st.subheader("The top hotspots")
table = ranked_table(result)
ui.table(table)
if result.public:
    st.caption(f"{PUBLIC_MODE_NOTE} Shares and changes are worked out from the rounded counts. The map covers whole "
               "periods only, so no two maps can be subtracted to find a small count (see docs/disclosure.md).")
title = map_title(indicator, area, period)
with st.container(horizontal=True):
    ui.download_csv("Download the hotspot table (CSV)", table, f"hotspots_{area.code}_{key}.csv",
                    key="hotspots_csv")
    st.download_button(
        "Download the map for printing (PNG)", icon=":material/image:", on_click="ignore", key="hotspots_png",
        data=lambda: ui.load_hotspot_png(store, area, categories, period.start, period.end, unit, resolution, layer,
                                         title, hotspot_caption(result, indicator, area, period)),
        file_name=f"hotspots_{area.code}_{key}.png", mime="image/png",
    )
with st.expander("How hot spots are found, and how far to trust the predicted ones"):
    st.markdown(ui.plain_text(hotspots.METHOD_NOTE))
    st.markdown(ui.plain_text(PREDICTION_NOTE))
