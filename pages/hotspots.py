"""Hotspots: where incidents concentrate, with Getis-Ord Gi* hot and cold spots and next month's predicted hotspots."""

import streamlit as st

from lib.core.catalogue import PUBLIC_PLACE_VIOLENCE
from lib.core.disclosure import PUBLIC_MODE_NOTE
from lib.hotspots import gi_star, map_style
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
from ui import data, hotspots, link, shell, widgets

selection = shell.page_start("Hotspots")
store, area, period = selection.store, selection.area, selection.period
catalogue = data.load_catalogue(store)
options = what_options(catalogue)
key = link.selectbox("What", {k: i.name for k, i in options.items()}, key="indicator",
                     default="anti-social-behaviour")
indicator = options[key]
left, right = st.columns(2)
with left:
    unit = link.choice("Cells", CELL_UNITS, key="unit", default="h3")
with right:
    layer = link.choice("Colour by", LAYERS, key="layer", default="gi")
size = AUTOMATIC
if unit == "h3":
    size = link.choice("Hexagon size", HEXAGON_SIZES, key="size", default=AUTOMATIC,
                       help="Gi* finds clusters of cells, so hexagons must be large enough for incidents to "
                            "fall in neighbouring cells. 'To fit the area' keeps about 1,500 hexagons.")
resolution = hotspots.load_suggested_resolution(store, area) if size == AUTOMATIC else int(size)
if unit == "h3" and size != AUTOMATIC:
    hexagons = hotspots.load_study_cell_count(store, area, resolution)
    if hexagons > MAX_HEXAGONS:
        st.warning(f"{HEXAGON_SIZES[size]} hexagons would cut {widgets.plain_text(area.name)} into {hexagons:,} cells, "
                   "too many to test quickly. Showing hexagons sized to fit the area instead.")
        resolution = hotspots.load_suggested_resolution(store, area)
with st.container(horizontal=True):
    basemap = link.toggle("Street map underneath (needs internet)", key="basemap",
                          help="The outlines are drawn by the dashboard, so the map reads without it.")
    show_predicted = link.toggle("Outline next month's predicted hotspots", key="predicted",
                                 disabled=unit != "h3", help="The cells covering 5% of the area that the back-tested "
                                                             "method expects to be busiest next month, and how "
                                                             "well it did on the latest month.")
if indicator.key == PUBLIC_PLACE_VIOLENCE:
    widgets.caveat_for([indicator])

categories = tuple(indicator.categories)
view = hotspots.load_hotspots(store, area, categories, period.start, period.end, unit, resolution)
# Predicting covers every small hexagon of the area (a second or two for a force area), so only when shown.
show_predicted = show_predicted and unit == "h3"
prediction = hotspots.load_prediction(store, area, categories, period.end) if show_predicted else None
result = view.result
with st.container(horizontal=True):
    for label, value in hotspot_metrics(result):
        st.metric(label, value, border=True)

deck = hotspots.load_hotspot_deck(store, area, categories, period.start, period.end, unit, resolution, layer, basemap,
                                  show_predicted)
st.pydeck_chart(deck, height=620, key="hotspots_map",
                alt=f"Map of {indicator.name} in {area.name} on {CELL_UNITS[unit]}, coloured by "
                    f"{LAYERS[layer].lower()}. The top hotspots are listed in the table below the map.")
classes = map_style.count_colours(result.cells["count"], statuses=result.cells.get("count_status"))
hotspots.map_legend(map_style.legend_items(layer, classes.breaks, predicted=show_predicted and bool(prediction.cells),
                                           withheld=map_style.any_withheld(result.cells)))
st.caption(widgets.plain_text(hotspot_caption(result, indicator, area, period)))
for note in result.notes:
    widgets.caveat(widgets.plain_text(note))
if prediction is not None:
    st.markdown(f"**Predicted hotspots.** {widgets.plain_text(prediction.sentence(indicator.name.lower()))}")

st.subheader("The top hotspots")
table = ranked_table(result)
widgets.table(table)
if result.public:
    st.caption(f"{PUBLIC_MODE_NOTE} Shares and changes are worked out from the rounded counts. The map covers whole "
               "periods only, so no two maps can be subtracted to find a small count (see docs/disclosure.md).")
title = map_title(indicator, area, period)
with st.container(horizontal=True):
    widgets.download_csv("Download the hotspot table (CSV)", table, f"hotspots_{area.code}_{key}.csv",
                         key="hotspots_csv")
    st.download_button(
        "Download the map for printing (PNG)", icon=":material/image:", on_click="ignore", key="hotspots_png",
        data=lambda: hotspots.load_hotspot_png(store, area, categories, period.start, period.end, unit, resolution,
                                               layer, title, hotspot_caption(result, indicator, area, period)),
        file_name=f"hotspots_{area.code}_{key}.png", mime="image/png",
    )
with st.expander("How hot spots are found, and how far to trust the predicted ones"):
    st.markdown(widgets.plain_text(gi_star.METHOD_NOTE))
    st.markdown(widgets.plain_text(PREDICTION_NOTE))
