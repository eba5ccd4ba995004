"""Hotspot maps: the pydeck map's layers, tooltip safety and payload size, the static PNG, legends and colours."""

from __future__ import annotations

import io
import json
import math
import re

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pydeck as pdk
import pytest
import shapely
from PIL import Image

from lib.core.disclosure import protect_counts, public_cells
from lib.hotspots import map_png, map_shapes, map_style, maps

CENTRE = (50.77, 0.28)  # Eastbourne
SCRIPT = "<script>alert(1)</script>"


def cells_frame(rings: int = 4, resolution: int = 9) -> pd.DataFrame:
    """H3 cells around CENTRE in the hotspot contract's columns: hot in the middle, cold at the edge.

    Cells at distance 3 have no incidents and are not significant; their place names ("empty ...") must never be
    sent. One cell with incidents is named SCRIPT.
    """
    centre = h3.latlng_to_cell(*CENTRE, resolution)
    cells = sorted(h3.grid_disk(centre, rings))
    distance = np.array([h3.grid_distance(centre, cell) for cell in cells])
    classes = np.select(
        [distance == 0, distance == 1, distance == 2, distance == rings],
        [map_style.HOT_99, map_style.HOT_95, map_style.HOT_90, map_style.COLD_90],
        map_style.NOT_SIGNIFICANT,
    )
    count = np.where(distance == 3, 0, np.maximum(1, 12 - 2 * distance))
    count[distance == rings] = 0  # cold spots with no incidents are still drawn on the Gi* map
    previous = count + (distance % 3) - 1
    place = np.where(distance == 3, [f"empty {i}" for i in range(len(cells))],
                     [f"On or near Street {i}" for i in range(len(cells))]).astype(object)
    place[list(distance).index(1)] = SCRIPT
    return pd.DataFrame({
        "cell": cells, "count": count, "previous": previous, "change": count - previous,
        "share": count / count.sum() * 100, "place": place, "lsoa_name": "Eastbourne 001A",
        "population": np.nan, "rate": np.nan, "gi_z": 3.0 - distance, "gi_p": 0.01 * (distance + 1),
        "gi_class": classes, "trajectory": np.where(distance == 0, "Persistent", "New"),
    })


def outlines() -> dict[str, gpd.GeoDataFrame]:
    """A CSP around the cells and two LSOAs splitting it."""
    west, south, east, north = 0.25, 50.75, 0.31, 50.79
    middle = (west + east) / 2
    csp = gpd.GeoDataFrame({"name": ["Eastbourne"]}, geometry=[shapely.box(west, south, east, north)], crs=4326)
    lsoa = gpd.GeoDataFrame({"name": ["Eastbourne 001A", "Eastbourne 001B"]}, crs=4326,
                            geometry=[shapely.box(west, south, middle, north), shapely.box(middle, south, east, north)])
    return {"csp": csp, "lsoa": lsoa}


def lsoa_fixture() -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Three LSOA polygons (one with a hole, one in two parts) and four cells, one with no polygon."""
    polygons = gpd.GeoDataFrame({"cell": ["E01000001", "E01000002", "E01000003"]}, crs=4326, geometry=[
        shapely.box(0.25, 50.75, 0.27, 50.77),
        shapely.box(0.27, 50.75, 0.29, 50.77).difference(shapely.box(0.275, 50.755, 0.28, 50.76)),
        shapely.MultiPolygon([shapely.box(0.29, 50.75, 0.30, 50.76), shapely.box(0.30, 50.76, 0.31, 50.77)]),
    ])
    cells = pd.DataFrame({
        "cell": ["E01000001", "E01000002", "E01000003", "E01999999"], "count": [12, 0, 3, 4],
        "previous": [9, 1, 3, 6], "change": [3, -1, 0, -2], "share": [63.2, 0.0, 15.8, 21.0],
        "place": ["Eastbourne 001A", "Eastbourne 001B", "Eastbourne 001C", "Nowhere 001A"],
        "lsoa_name": ["Eastbourne 001A", "Eastbourne 001B", "Eastbourne 001C", "Nowhere 001A"],
        "population": [1500.0, 1400.0, np.nan, 1600.0], "rate": [8.0, 0.0, np.nan, 2.5], "gi_z": [2.7, -2.1, 0.1, 0.0],
        "gi_p": [0.007, 0.04, 0.9, 1.0],
        "gi_class": [map_style.HOT_99, map_style.COLD_95, map_style.NOT_SIGNIFICANT, map_style.NOT_SIGNIFICANT],
        "trajectory": ["New", "Persistent", "Persistent", "New"],
    })
    return cells, polygons


def layer_ids(deck: pdk.Deck) -> list[tuple[str, str]]:
    return [(layer.type, layer.id) for layer in deck.layers]


def cells_data(deck: pdk.Deck) -> list[dict]:
    return next(layer.data for layer in deck.layers if layer.id == "cells")


def lightness(hex_colour: str) -> float:
    """CIELAB L* of a hex colour (sRGB, D65)."""
    rgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    y = float(linear @ [0.2126, 0.7152, 0.0722])
    return 116 * (y ** (1 / 3) if y > 216 / 24389 else (24389 / 27 * y + 16) / 116) - 16


def png_pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def red_on_map(pixels: np.ndarray) -> int:
    """Strong red pixels inside the map's box (the legend at the right always has a red swatch)."""
    left, bottom, width, height = map_png.MAP_AXES
    rows, columns = pixels.shape[:2]
    box = pixels[round(rows * (1 - bottom - height)):round(rows * (1 - bottom)),
                 round(columns * left):round(columns * (left + width))]
    return int(((box[..., 0] > 150) & (box[..., 1] < 90) & (box[..., 2] < 90)).sum())


# ---- the pydeck map -------------------------------------------------------------------------------------------


def test_h3_deck_has_cells_then_outlines_and_predicted_dashed_on_top():
    cells = cells_frame()
    deck = maps.hotspot_deck(cells, "h3", outlines(), layer="gi", predicted=list(cells["cell"][:3]))
    assert layer_ids(deck) == [("PolygonLayer", "area-background"), ("H3HexagonLayer", "cells"),
                               ("PathLayer", "lsoa-outlines"), ("PathLayer", "csp-outlines"),
                               ("PathLayer", "predicted"), ("TextLayer", "csp-labels")]
    spec = {layer["id"]: layer for layer in json.loads(deck.to_json())["layers"]}
    assert spec["cells"]["getHexagon"] == "@@=cell" and spec["cells"]["pickable"] is True
    assert spec["csp-outlines"]["getWidth"] > spec["lsoa-outlines"]["getWidth"]  # partnership lines stand out
    assert spec["csp-outlines"]["widthUnits"] == "pixels"
    assert spec["predicted"]["extensions"] == [{"@@type": "PathStyleExtension", "dash": True}]
    assert not any(spec[name].get("pickable")
                   for name in ("area-background", "lsoa-outlines", "csp-outlines", "predicted", "csp-labels"))


def test_empty_outlines_are_left_out_and_no_predicted_layer_without_predictions():
    deck = maps.hotspot_deck(cells_frame(), "h3", {"csp": outlines()["csp"], "lsoa": gpd.GeoDataFrame()})
    assert layer_ids(deck) == [("PolygonLayer", "area-background"), ("H3HexagonLayer", "cells"),
                               ("PathLayer", "csp-outlines"), ("TextLayer", "csp-labels")]
    assert layer_ids(maps.hotspot_deck(cells_frame(), "h3", {})) == [("H3HexagonLayer", "cells")]


def test_without_basemap_the_map_asks_for_nothing_from_the_internet():
    deck = maps.hotspot_deck(cells_frame(), "h3", outlines())
    # map_provider=None leaves pydeck's no-basemap marker; a None map_style would make Streamlit fetch Carto tiles.
    assert deck.map_provider is None
    assert deck.map_style != maps.CARTO_LIGHT
    assert "http" not in deck.to_json()


def test_with_basemap_the_carto_light_style():
    deck = maps.hotspot_deck(cells_frame(), "h3", outlines(), basemap=True)
    assert deck.map_style == maps.CARTO_LIGHT
    assert deck.map_provider == "carto"


def test_tooltip_is_plain_text_from_the_tooltip_columns_only():
    deck = maps.hotspot_deck(cells_frame(), "h3", outlines(), layer="gi")
    tooltip = deck._tooltip
    assert "html" not in tooltip  # text tooltips are set with innerText: data can never become markup
    placeholders = set(re.findall(r"{(\w+)}", tooltip["text"]))
    assert placeholders <= maps.TOOLTIP_COLUMNS
    assert {"place", "count", "change", "class", "trend"} <= placeholders
    assert "rate" not in placeholders  # hexagons have no population
    for row in cells_data(deck):
        assert set(row) == {"cell", "fill"} | placeholders  # nothing else of the cells is sent
        assert all(isinstance(row[name], str) and "\n" not in row[name] for name in placeholders)


def test_script_in_a_place_name_is_escaped_in_the_json_and_shown_as_text():
    deck = maps.hotspot_deck(cells_frame(), "h3", outlines(), layer="gi")
    text = deck.to_json()
    assert SCRIPT not in text and "<" not in text and ">" not in text
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in text
    cells = next(layer for layer in json.loads(text)["layers"] if layer["id"] == "cells")
    places = [row["place"] for row in cells["data"]]
    assert SCRIPT in places  # the browser shows the name exactly as written


def test_compact_json_is_pydecks_json_without_the_indentation():
    deck = maps.hotspot_deck(cells_frame(), "h3", outlines(), layer="gi", predicted=["89194a04c27ffff"])
    assert "\n" not in deck.to_json()
    assert json.loads(deck.to_json()) == json.loads(pdk.Deck.to_json(deck))
    assert maps.payload_size(deck) < len(pdk.Deck.to_json(deck).encode()) / 2


def test_only_cells_with_incidents_or_a_significant_class_are_sent():
    cells = cells_frame()
    for layer in ("counts", "gi"):
        deck = maps.hotspot_deck(cells, "h3", outlines(), layer=layer)
        sent = {row["cell"] for row in cells_data(deck)}
        significant = cells["gi_class"] != map_style.NOT_SIGNIFICANT
        expected = cells["count"].gt(0) | (significant if layer == "gi" else False)
        assert sent == set(cells.loc[expected, "cell"])
        assert "empty" not in deck.to_json()


def test_payload_grows_with_cells_but_stays_under_200_bytes_a_cell():
    small, large = cells_frame(rings=4), cells_frame(rings=16)
    sizes = {}
    for name, cells in (("small", small), ("large", large)):
        deck = maps.hotspot_deck(cells, "h3", outlines(), layer="gi", predicted=list(cells["cell"][:20]))
        sizes[name] = (maps.payload_size(deck), len(cells_data(deck)))
    (small_bytes, small_cells), (large_bytes, large_cells) = sizes["small"], sizes["large"]
    assert large_bytes > small_bytes
    assert (large_bytes - small_bytes) / (large_cells - small_cells) < 200
    assert large_bytes / large_cells < 200


def test_coordinates_are_rounded_to_five_places():
    deck = maps.hotspot_deck(cells_frame(), "h3", outlines(), predicted=list(cells_frame()["cell"][:5]))
    numbers = re.findall(r"-?\d+\.\d+", json.dumps([layer.data for layer in deck.layers[1:]]))
    assert numbers and all(len(number.split(".")[1]) <= 5 for number in numbers)


def test_view_is_centred_on_the_cells_and_zoomed_to_fit_them():
    # On the Gi* map the outer ring (cold spots) is drawn: 9 cells across, then 33 (no outline: the cells are all).
    near = maps.hotspot_deck(cells_frame(rings=4), "h3", {}, layer="gi").initial_view_state
    wide = maps.hotspot_deck(cells_frame(rings=16), "h3", {}, layer="gi").initial_view_state
    assert near.latitude == pytest.approx(CENTRE[0], abs=0.005)
    assert near.longitude == pytest.approx(CENTRE[1], abs=0.005)
    assert 12 < near.zoom < 15  # about 3 km across
    assert wide.zoom == pytest.approx(near.zoom - np.log2(33 / 9), abs=0.15)  # each zoom level halves the span


def test_view_fits_the_whole_extent_in_the_map_size_given():
    cells, polygons = lsoa_fixture()
    for width, height in ((700, 500), (1200, 700), (400, 600)):
        view = maps.hotspot_deck(cells, "lsoa", {}, polygons=polygons, view_size=(width, height)).initial_view_state
        # Web Mercator pixels per degree of longitude at this zoom; the extent is 0.06 degrees wide.
        assert 0.06 * 512 * 2**view.zoom / 360 <= width
        assert 0.06 * 512 * 2**view.zoom / 360 > width * 0.6  # but not lost in the middle either


def test_view_falls_back_to_the_outlines_then_to_england():
    empty = cells_frame().iloc[:0]
    view = maps.hotspot_deck(empty, "h3", outlines()).initial_view_state
    assert view.latitude == pytest.approx(50.77, abs=0.01) and view.longitude == pytest.approx(0.28, abs=0.01)
    assert maps.hotspot_deck(empty, "h3", {}).initial_view_state.zoom == 5.5


def test_lsoa_deck_draws_polygons_with_holes_rates_and_predicted_outline():
    cells, polygons = lsoa_fixture()
    deck = maps.hotspot_deck(cells, "lsoa", {"lsoa": polygons}, layer="gi", polygons=polygons,
                             predicted=["E01000001", "E01000002"])
    assert layer_ids(deck) == [("PolygonLayer", "cells"), ("PathLayer", "lsoa-outlines"), ("PathLayer", "predicted")]
    rows = cells_data(deck)
    assert [row["place"] for row in rows] == ["Eastbourne 001A", "Eastbourne 001B", "Eastbourne 001C",
                                              "Eastbourne 001C"]  # two parts; the LSOA with no polygon is left out
    assert len(rows[1]["polygon"]) == 2  # outer ring and hole
    assert rows[0]["rate"] == "8.0 per 1,000 residents" and rows[2]["rate"] == "not known"
    assert rows[0]["change"] == "up 3 (was 9)" and rows[2]["change"] == "no change (was 3)"
    assert "Rate: {rate}" in deck._tooltip["text"]
    predicted = next(layer for layer in deck.layers if layer.id == "predicted").data
    assert len(predicted) == 2  # the two neighbours share one outline (plus the hole), not one each


def test_a_public_result_is_drawn_and_worded_as_protected():
    cells, polygons = lsoa_fixture()
    public, _ = public_cells(cells, total=19, previous_total=19)
    rows = cells_data(maps.hotspot_deck(public, "lsoa", {}, polygons=polygons))
    by_place = {row["place"]: row for row in rows}
    assert by_place["Eastbourne 001C"]["count"] == "fewer than 5"
    assert by_place["Eastbourne 001C"]["change"] == "was fewer than 5"  # no amount beside a count not shown
    assert by_place["Eastbourne 001A"]["count"] == "10"  # 12, rounded to the nearest 5
    assert by_place["Eastbourne 001A"]["change"] == "no change (was 10)"  # 9, rounded
    assert by_place["Eastbourne 001A"]["rate"] == "6.7 per 1,000 residents"  # of the rounded count


def test_bad_unit_or_layer_is_refused():
    with pytest.raises(ValueError, match="unit"):
        maps.hotspot_deck(cells_frame(), "grid", {})
    with pytest.raises(ValueError, match="layer"):
        maps.hotspot_deck(cells_frame(), "h3", {}, layer="kde")


# ---- colours and legends --------------------------------------------------------------------------------------


def test_count_colours_breaks_rise_and_more_incidents_are_never_lighter():
    counts = [0, 0, 1, 1, 2, 3, 3, 4, 6, 9, 15, 40]
    colours, breaks = map_style.count_colours(counts)
    assert breaks == sorted(set(breaks)) and 1 <= len(breaks) <= map_style.COUNT_CLASSES
    assert breaks[-1] == 40
    assert colours[0] == colours[1] == map_style.NO_FILL
    shades = [lightness(map_style._hex(colour)) for colour in colours[2:]]
    assert shades == sorted(shades, reverse=True)


def test_count_colours_with_few_distinct_counts_or_none():
    colours, breaks = map_style.count_colours([2, 2, 2])
    assert breaks == [2] and colours == [map_style.COUNT_PALETTE[-1]] * 3
    assert map_style.count_colours([]) == ([], [])
    assert map_style.count_colours([0, 0]).breaks == []


def test_count_palette_steps_in_lightness():
    shades = [lightness(map_style._hex(colour)) for colour in map_style.COUNT_PALETTE]
    assert all(lighter - darker >= 9 for lighter, darker in zip(shades, shades[1:], strict=False))


def test_gi_legend_names_the_classes_in_order_with_distinct_lightness():
    items = map_style.legend_items("gi")
    assert [label for label, _ in items] == list(map_style.GI_CLASSES)
    assert all(re.fullmatch(r"#[0-9a-f]{6}", colour) for _, colour in items)
    shade = {label: lightness(colour) for label, colour in items}
    for strongest, middle, weakest in ((map_style.HOT_99, map_style.HOT_95, map_style.HOT_90),
                                       (map_style.COLD_99, map_style.COLD_95, map_style.COLD_90)):
        assert shade[middle] - shade[strongest] >= 10 and shade[weakest] - shade[middle] >= 10
    assert min(shade[name] for name in map_style.GI_CLASSES if name != map_style.NOT_SIGNIFICANT) + 10 <= shade[
        map_style.NOT_SIGNIFICANT]
    red, _, _ = (int(items[0][1][i:i + 2], 16) for i in (1, 3, 5))
    assert red > 150 and int(items[-1][1][5:7], 16) > 150  # hot is red, cold is blue


def test_counts_legend_in_words_matches_the_breaks():
    _, breaks = map_style.count_colours([1, 1, 2, 3, 5, 8, 13, 21, 34])
    items = map_style.legend_items("counts", breaks, predicted=True)
    labels = [label for label, _ in items]
    assert len(items) == len(breaks) + 1
    assert labels[0].startswith("1 ") and all("incident" in label for label in labels[:-1])
    assert labels[-2].endswith("34 incidents")
    assert "dashed" in labels[-1]
    assert map_style.legend_items("counts", [1, 3]) == [("1 incident", map_style._hex(map_style.COUNT_PALETTE[0])),
                                                   ("2 to 3 incidents", map_style._hex(map_style.COUNT_PALETTE[-1]))]
    with pytest.raises(ValueError):
        map_style.legend_items("counts")


# ---- geometry -------------------------------------------------------------------------------------------------


def test_h3_polygons_are_the_hexagons_around_their_cells():
    cells = list(cells_frame()["cell"][:10])
    frame = map_shapes.h3_polygons(cells)
    assert list(frame["cell"]) == cells and frame.crs.to_epsg() == 4326
    for cell, polygon in zip(frame["cell"], frame.geometry, strict=True):
        lat, lng = h3.cell_to_latlng(cell)
        assert polygon.contains(shapely.Point(lng, lat)) and len(polygon.exterior.coords) == 7
    assert map_shapes.h3_polygons([]).empty


# ---- the static map -------------------------------------------------------------------------------------------


def test_png_is_a_png_of_the_size_asked_for_with_red_hot_spots():
    png = map_png.hotspot_png(cells_frame(), "h3", outlines(), layer="gi", title="Violence, April to March 2025/26",
                           caption="Source: police.uk", predicted=list(cells_frame()["cell"][:3]))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = png_pixels(png)
    assert pixels.shape == (1125, 1500, 3)  # 10 x 7.5 inches at 150 dpi
    assert pixels.var() > 0
    assert red_on_map(pixels) > 1000


def test_png_size_follows_dpi_and_has_no_red_without_hot_spots():
    cells = cells_frame()
    cells["gi_class"] = cells["gi_class"].where(~cells["gi_class"].str.startswith("Hot"), map_style.NOT_SIGNIFICANT)
    pixels = png_pixels(map_png.hotspot_png(cells, "h3", outlines(), layer="gi", dpi=100))
    assert pixels.shape == (750, 1000, 3)
    assert red_on_map(pixels) == 0


def test_png_of_lsoas_counts_and_of_nothing():
    cells, polygons = lsoa_fixture()
    png = map_png.hotspot_png(cells, "lsoa", {"lsoa": polygons}, layer="counts", polygons=polygons,
                           title="Costs $5 a $head$", dpi=72)  # dollars must not start mathtext
    assert png_pixels(png).var() > 0
    empty = map_png.hotspot_png(cells.iloc[:0], "h3", {}, dpi=50)
    assert png_pixels(empty).shape == (375, 500, 3)


def test_public_count_classes_never_split_counts_below_five():
    counts = [1, 1, 1, 2, 2, 3, 4, 4, 5, 6, 9, 12, 30, 31, 80]
    private = map_style.count_colours(counts)
    protected = protect_counts(counts)
    public = map_style.count_colours(protected.values, statuses=protected.status)
    assert len({tuple(c) for n, c in zip(counts, private.colours, strict=True) if n < 5}) > 1  # would tell them apart
    assert len({tuple(c) for n, c in zip(counts, public.colours, strict=True) if n < 5}) == 1
    assert public.breaks[0] == 4
    assert map_style.legend_items("counts", public.breaks)[0][0] == "Fewer than 5 incidents"
    assert all(low == high or low >= 5
               for low, high in _legend_ranges(map_style.legend_items("counts", public.breaks)[1:]))
    # A lightest class that already runs past 4 is left as it is: it gives nothing away.
    assert map_style.count_colours([np.nan, 10, 10, 10], classes=1, statuses=["small", "", "", ""]).breaks == [10]
    # Withheld counts get a grey of their own, which the legend names.
    withheld = map_style.count_colours([np.nan, np.nan, 10], statuses=["small", "withheld", ""])
    assert withheld.colours[1] == map_style.WITHHELD_FILL != withheld.colours[0]
    assert map_style.legend_items("counts", withheld.breaks, withheld=True)[-1][0] == map_style.WITHHELD_LABEL


def _legend_ranges(items):
    for label, _ in items:
        numbers = [int(n.replace(",", "")) for n in re.findall(r"[\d,]+", label)]
        yield numbers[0], numbers[-1]


def test_public_png_and_deck_draw_small_counts_as_one_class():
    protected = protect_counts([1, 3, 8, 20, 30])
    cells = pd.DataFrame({"cell": list("abcde"), "count": protected.values, "count_status": protected.status,
                          "gi_class": ["Not significant"] * 5, "place": list("ABCDE"), "lsoa_name": list("ABCDE")})
    polygons = gpd.GeoDataFrame({"cell": list("abcde")}, geometry=[shapely.box(i, 51, i + 0.01, 51.01)
                                                                  for i in range(5)], crs="EPSG:4326")
    deck = maps.hotspot_deck(cells, "lsoa", None, layer="counts", polygons=polygons)
    data = json.loads(deck.to_json())["layers"][0]["data"]
    assert [d["count"] for d in data] == ["fewer than 5", "fewer than 5", "10", "20", "30"]
    assert data[0]["fill"] == data[1]["fill"] != data[2]["fill"]


def test_the_printed_caption_names_each_licence_once():
    caption = "Source: police.uk. Contains public sector information licensed under the Open Government Licence v3.0."
    text = map_png._caption(caption)
    assert 1 == text.count("Open Government Licence") and 1 == text.count("Contains OS data")
    assert map_png._caption("").startswith("Contains public sector information")


def test_the_predicted_outline_is_the_union_of_the_predicted_hexagons():
    # Three separate clusters, one with a hole: H3's own tracing must give what unioning each hexagon gives.
    centre = h3.latlng_to_cell(50.77, 0.28, 10)
    far = h3.grid_ring(centre, 30)[0]
    cells = [*h3.grid_ring(centre, 2), *h3.grid_ring(centre, 3), *h3.grid_disk(far, 2), h3.grid_ring(centre, 15)[3]]
    outline = map_shapes._predicted_area(cells, "h3", None)
    union = shapely.union_all([shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(c)]) for c in cells])
    assert 3 == len(shapely.get_parts(outline))
    assert 1 == sum(len(part.interiors) for part in shapely.get_parts(outline))  # the hole in the middle ring
    assert outline.symmetric_difference(union).area < 1e-6 * union.area
    assert map_shapes._predicted_area(["not a cell"], "h3", None).is_empty


# ---- a map a committee can read -------------------------------------------------------------------------------


def two_partnerships() -> dict[str, gpd.GeoDataFrame]:
    """Two CSPs side by side around the cells, one a crescent whose centroid falls outside it."""
    west, south, east, north = 0.22, 50.74, 0.34, 50.80
    middle = (west + east) / 2
    crescent = shapely.box(middle, south, east, north).difference(shapely.box(middle, 50.75, 0.33, 50.79))
    csp = gpd.GeoDataFrame({"name": ["Eastbourne", "Wealden"]}, crs=4326,
                           geometry=[shapely.box(west, south, middle, north), crescent])
    return {"csp": csp, "lsoa": gpd.GeoDataFrame()}


def test_every_partnership_is_named_inside_its_outline_in_large_dark_type_with_a_white_halo():
    areas = two_partnerships()
    spec = {layer["id"]: layer for layer in json.loads(maps.hotspot_deck(cells_frame(), "h3", areas).to_json())
            ["layers"]}
    labels = spec["csp-labels"]
    assert labels["@@type"] == "TextLayer" and labels["getText"] == "@@=name"
    assert sorted(row["name"] for row in labels["data"]) == ["Eastbourne", "Wealden"]
    for row in labels["data"]:
        outline = areas["csp"].set_index("name").geometry[row["name"]]
        assert outline.contains(shapely.Point(row["position"]))  # inside, even for the crescent
    assert labels["getSize"] >= 18 and labels["sizeUnits"] == "pixels"
    assert max(labels["getColor"][:3]) < 60 and labels["outlineColor"][:3] == [255, 255, 255]
    assert labels["outlineWidth"] > 0 and labels["fontSettings"]["sdf"] is True


def test_the_area_is_drawn_as_a_background_the_legend_names_and_nothing_is_white_without_a_name():
    cells = cells_frame()
    deck = maps.hotspot_deck(cells, "h3", outlines(), layer="gi")
    spec = {layer["id"]: layer for layer in json.loads(deck.to_json())["layers"]}
    background = spec["area-background"]["getFillColor"]
    assert background[3] == 255 and background[:3] != [255, 255, 255]
    legend = dict(maps.deck_legend(cells, "h3", outlines(), layer="gi"))
    assert legend[map_style.NO_INCIDENTS_LABEL] == map_style._hex(map_style.BACKGROUND_FILL)
    # Every fill drawn is in the legend, and no fill is (near) white.
    drawn = {map_style._hex(row["fill"]) for row in cells_data(deck)} | {map_style._hex(background)}
    assert drawn <= set(legend.values())
    assert all(lightness(colour) < 96 for colour in drawn)
    # With no outline there is no background, and the legend does not claim one.
    assert map_style.NO_INCIDENTS_LABEL not in dict(maps.deck_legend(cells, "h3", {}, layer="gi"))


def test_the_legend_lists_exactly_the_classes_on_the_map():
    cells = cells_frame()
    no_cold = cells.assign(gi_class=cells["gi_class"].replace({map_style.COLD_90: map_style.NOT_SIGNIFICANT}))
    for frame in (cells, no_cold):
        deck = maps.hotspot_deck(frame, "h3", {}, layer="gi")
        drawn = {map_style._hex(row["fill"]) for row in cells_data(deck)}
        legend = maps.deck_legend(frame, "h3", {}, layer="gi")
        assert {colour for _, colour in legend} == drawn
        assert [label for label, _ in legend] == [name for name in map_style.GI_CLASSES
                                                  if map_style._hex(map_style.GI_COLOURS[name]) in drawn]
    assert map_style.COLD_90 not in dict(maps.deck_legend(no_cold, "h3", {}, layer="gi"))
    assert map_style.COLD_99 not in dict(maps.deck_legend(cells, "h3", {}, layer="gi"))
    counts = maps.deck_legend(cells, "h3", {}, layer="counts")
    drawn = {map_style._hex(row["fill"]) for row in cells_data(maps.hotspot_deck(cells, "h3", {}, layer="counts"))}
    assert {colour for _, colour in counts} == drawn
    predicted = maps.deck_legend(cells, "h3", outlines(), layer="gi", predicted=True)
    assert predicted[-1][0].startswith("Predicted") and predicted[-2][0] == map_style.NO_INCIDENTS_LABEL


def test_the_plain_legend_and_tooltip_say_hot_spot_in_words_not_confidence_levels():
    cells = cells_frame()
    legend = [label for label, _ in maps.deck_legend(cells, "h3", outlines(), layer="gi", plain=True)]
    assert legend[0] == map_style.PLAIN_GI[map_style.HOT_99]
    assert not any("%" in label or "confidence" in label for label in legend)
    deck = maps.hotspot_deck(cells, "h3", outlines(), layer="gi", plain=True)
    assert not any("confidence" in row["class"] for row in cells_data(deck))


def test_the_initial_view_holds_the_whole_area_and_the_area_fills_most_of_it():
    areas = two_partnerships()
    west, south, east, north = areas["csp"].total_bounds
    for width, height in ((700, 430), (860, 620), (1100, 450), (500, 700)):
        view = maps.hotspot_deck(cells_frame(), "h3", areas, view_size=(width, height)).initial_view_state
        scale = 512 * 2**view.zoom  # Web Mercator pixels round the world at this zoom

        def x(lng: float, scale: float = scale) -> float:
            return (lng + 180) / 360 * scale

        def y(lat: float, scale: float = scale) -> float:
            return (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * scale

        left, right = x(view.longitude) - width / 2, x(view.longitude) + width / 2
        top, bottom = y(view.latitude) - height / 2, y(view.latitude) + height / 2
        assert left <= x(west) and x(east) <= right and top <= y(north) and y(south) <= bottom  # nothing cut off
        # The area fills the map one way or the other, but for a narrow margin.
        assert max((x(east) - x(west)) / width, (y(south) - y(north)) / height) > 0.9


def test_names_of_neighbouring_partnerships_do_not_overlap_and_stay_inside_their_own_area():
    names = ["Brackenford Borough", "Castlebury District", "Harwick"]
    shapes = [shapely.box(0.25, 50.70, 0.26, 50.80), shapely.box(0.26, 50.70, 0.27, 50.80),
              shapely.box(0.27, 50.70, 0.45, 50.80)]
    areas = {"csp": gpd.GeoDataFrame({"name": names}, geometry=shapes, crs=4326)}
    deck = maps.hotspot_deck(cells_frame().iloc[:0], "h3", areas, view_size=(700, 430))
    labels = next(layer.data for layer in deck.layers if layer.id == "csp-labels")
    scale = 512 * 2**deck.initial_view_state.zoom
    boxes = []
    for row in labels:
        lng, lat = row["position"]
        assert dict(zip(names, shapes, strict=True))[row["name"]].contains(shapely.Point(lng, lat))
        x = (lng + 180) / 360 * scale
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * scale
        half_width, half_height = len(row["name"]) * maps.LABEL_SIZE_PX * 0.3, maps.LABEL_SIZE_PX * 0.6
        boxes.append((x - half_width, y - half_height, x + half_width, y + half_height))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


def test_neighbourhoods_that_cover_the_area_leave_no_background_to_name():
    cells, polygons = lsoa_fixture()
    areas = {"csp": outlines()["csp"], "lsoa": polygons.rename(columns={"cell": "code"})}
    every = cells.assign(count=[12, 2, 3, 4])
    assert map_style.NO_INCIDENTS_LABEL not in dict(maps.deck_legend(every, "lsoa", areas, layer="counts"))
    assert map_style.NO_INCIDENTS_LABEL in dict(maps.deck_legend(cells, "lsoa", areas, layer="counts"))  # one at 0
