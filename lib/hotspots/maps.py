"""The hotspot map on the page: a pydeck (deck.gl) map of the cells, with the CSP and LSOA boundaries drawn by us, so
it still reads on a projector with no internet and no basemap.

Cells come from the hotspot analysis as a frame of cell, count, previous, change, share, place, lsoa_name, population,
rate, gi_z, gi_p, gi_class, trajectory; ``unit`` says whether a cell is an H3 index ("h3") or an LSOA code ("lsoa",
drawn from the ``polygons`` given). The classes, colours and legend are ``lib.hotspots.map_style``'s, shared with the
PNG for committee papers (``lib.hotspots.map_png``).

A public result (``lib.core.disclosure.public_result``) carries protected counts: rounded, NaN where not shown, with a
``count_status`` and ``previous_status`` of "small" (shown as "fewer than 5") or "withheld". The map draws and words
them as they are; nothing here sees an exact small count, so nothing here can show one.

Tooltips are plain text (``{"text": ...}``), which both Streamlit and pydeck's own renderer put into the page with
``innerText``, so no data text can ever become HTML. The deck's JSON also writes ``<``, ``>`` and ``&`` as
``\\u003c`` etc., so a place name cannot close a ``<script>`` element when pydeck embeds the JSON in an HTML page.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
from pydeck.bindings.json_tools import default_serialize

from lib.core.disclosure import SHOWN, count_text
from lib.hotspots.map_shapes import DECIMALS, _lsoa_shapes, _outline, _predicted_area, area_labels, h3_polygons
from lib.hotspots.map_style import (
    BACKGROUND_FILL,
    CSP_LINE,
    LSOA_LINE,
    PREDICTED_LINE,
    _check_layer,
    _check_unit,
    _clean,
    _fills,
    _shown_cells,
    drawn_legend,
    plain_class,
)

CSP_WIDTH_PX, LSOA_WIDTH_PX, PREDICTED_WIDTH_PX = 3, 1, 4
HIGHLIGHT = [0, 0, 0, 70]  # the hovered cell darkens; deck.gl's default navy would read as another class

CARTO_LIGHT = "https://basemaps.cartocdn.com/gl/positron-gl-style/style.json"  # needs internet

SIMPLIFY_DEGREES = 0.00005  # about 5 m: invisible at street zoom, removes most vertices of detailed boundaries
# The map's size on the page, for fitting the initial zoom: the wide layout beside the sidebar at 1366 px is about
# 900 px wide; a wider map only shows more margin, a narrower guess would cut the area off.
VIEW_SIZE_PX = (860, 620)
# The area fills the map but for this margin each side, in pixels (a hexagon's overhang, and room for the outline).
VIEW_MARGIN_PX = 12
# Partnership names on the map: large dark bold type with a white halo, readable across any fill from the back of
# a room. The halo is deck.gl's SDF outline (a fraction of the glyph size).
LABEL_SIZE_PX = 22
LABEL_COLOUR = [17, 17, 17, 255]
LABEL_HALO = [255, 255, 255, 255]
LABEL_HALO_WIDTH = 4

# The tooltip. Each column is text made for it by _tooltip_texts (one line, trimmed; numbers in words), not the
# cells' own columns, which are never sent. Short names: they are repeated in every cell of the payload. Lines whose
# column is empty for every cell shown (no rates for hexagons, say) are left out of the template and the data.
TOOLTIP_LINES: tuple[tuple[str, str], ...] = (
    ("place", "{place}"),
    ("count", "Incidents: {count}"),
    ("rate", "Rate: {rate}"),
    ("change", "Change on previous period: {change}"),
    ("class", "Hot spot test: {class}"),
    ("trend", "Trend: {trend}"),
)
TOOLTIP_COLUMNS = frozenset(column for column, _ in TOOLTIP_LINES)
TOOLTIP_STYLE = {  # large type for the back of a committee room
    "fontSize": "16px",
    "lineHeight": "1.4",
    "backgroundColor": "white",
    "color": "#111111",
    "border": "1px solid #333333",
    "whiteSpace": "pre-line",
}
_JSON_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation and no raw ``<``, ``>`` or ``&``.

    pydeck indents its JSON by two spaces and puts each number of a coordinate on its own line, which makes a map
    several times larger than its data. Streamlit and pydeck's HTML export both send ``deck.to_json()``.
    """

    def to_json(self) -> str:
        """Return the deck as compact JSON that is safe to embed in an HTML ``<script>`` element."""
        text = json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))
        return re.sub("[<>&]", lambda match: _JSON_HTML_ESCAPES[match.group()], text)


def hotspot_deck(
    cells: pd.DataFrame,
    unit: str,
    outlines: dict[str, gpd.GeoDataFrame] | None,
    layer: str = "counts",
    polygons: gpd.GeoDataFrame | None = None,
    basemap: bool = False,
    predicted: Sequence[str] | None = None,
    *,
    view_size: tuple[int, int] = VIEW_SIZE_PX,
    plain: bool = False,
) -> pdk.Deck:
    """A pydeck map of the cells, coloured by count class (``layer`` "counts") or Gi* class ("gi").

    Layers, bottom to top: ``cells`` (H3HexagonLayer, or PolygonLayer for LSOAs), ``lsoa-outlines`` and
    ``csp-outlines`` (PathLayers, left out when empty) and ``predicted`` (a dashed PathLayer around the predicted
    cells, only when some are given). Only cells with incidents (or, for "gi", a significant class) are sent.
    Without ``basemap`` the map asks for no tiles at all (pydeck's ``map_provider=None``: Streamlit would otherwise
    fetch a Carto style); with it, the Carto light style, which needs internet.
    A public result's protected counts are drawn and worded as they are (see the module's docstring). ``view_size``
    is the map's (width, height) in pixels on the page, which the initial zoom fits the area to (its partnership
    outlines and the cells drawn), so the area fills the map. Under the cells, the area itself is filled with a
    pale background (``map_style.BACKGROUND_FILL``), so the part with no incidents is not page white: the legend
    names it (``deck_legend``). Over everything, a ``csp-labels`` TextLayer names each partnership. With ``plain``,
    the tooltip words the hot spot class in plain words rather than as a confidence level.
    """
    _check_unit(unit)
    _check_layer(layer)
    shown = _shown_cells(cells, unit, layer)
    fills = _fills(shown, layer).colours
    texts = _tooltip_texts(shown, plain)
    if unit == "h3":
        records = [{"cell": cell, "fill": fill, **text} for cell, fill, text in zip(shown["cell"], fills, texts,
                                                                                   strict=True)]
        cells_layer = pdk.Layer("H3HexagonLayer", records, id="cells", get_hexagon="cell", get_fill_color="fill",
                                filled=True, extruded=False, stroked=False, pickable=True, auto_highlight=True,
                                highlight_color=HIGHLIGHT)
        bounds = _bounds(h3_polygons(shown["cell"]).geometry)
    else:
        shapes = _lsoa_shapes(shown, polygons)
        records = _polygon_records(shapes, fills, texts)
        cells_layer = pdk.Layer("PolygonLayer", records, id="cells", get_polygon="polygon", get_fill_color="fill",
                                filled=True, stroked=False, pickable=True, auto_highlight=True,
                                highlight_color=HIGHLIGHT)
        bounds = _bounds(shapes)
    csp, lsoa = _outline(outlines, "csp"), _outline(outlines, "lsoa")
    layers = _background_layer(csp) if not basemap else []
    layers.append(cells_layer)
    layers += _path_layer("lsoa-outlines", _paths(lsoa.geometry), LSOA_LINE, LSOA_WIDTH_PX)
    layers += _path_layer("csp-outlines", _paths(csp.geometry), CSP_LINE, CSP_WIDTH_PX)
    if predicted:
        area = _predicted_area(predicted, unit, polygons)
        layers += _path_layer("predicted", _paths(gpd.GeoSeries([area], crs="EPSG:4326")), PREDICTED_LINE,
                              PREDICTED_WIDTH_PX, dashed=True)
    bounds = _union_bounds(bounds, _bounds(csp.geometry))
    if bounds is None:
        bounds = _bounds(pd.concat([csp.geometry, lsoa.geometry]))
    view = _view_state(bounds, view_size)
    layers += _label_layer(csp, view.zoom)
    style = {"map_provider": "carto", "map_style": CARTO_LIGHT} if basemap else {"map_provider": None}
    return CompactDeck(layers=layers, initial_view_state=view, tooltip=_tooltip(texts), **style)


def deck_legend(cells: pd.DataFrame, unit: str, outlines: dict[str, gpd.GeoDataFrame] | None, layer: str = "counts",
                basemap: bool = False, predicted: bool = False, plain: bool = False) -> list[tuple[str, str]]:
    """The legend of the map ``hotspot_deck`` draws with the same arguments: only the classes of the cells drawn,
    the area's background where it is drawn, and the predicted outline when asked for (see
    ``map_style.drawn_legend``)."""
    background = not basemap and not _outline(outlines, "csp").empty
    lsoas = _outline(outlines, "lsoa")
    if background and unit == "lsoa" and "code" in lsoas.columns and not lsoas.empty:
        # Neighbourhoods tile the area: the background shows only where one is not drawn.
        background = not set(lsoas["code"].astype(str)) <= set(_shown_cells(cells, unit, layer)["cell"].astype(str))
    return drawn_legend(cells, unit, layer, predicted=predicted, background=background, plain=plain)


def payload_size(deck: pdk.Deck) -> int:
    """Bytes of ``deck.to_json()``: what the page sends the browser (the tooltip template travels beside it)."""
    return len(deck.to_json().encode("utf-8"))


# ---- tooltips -------------------------------------------------------------------------------------------------


def _tooltip_texts(shown: pd.DataFrame, plain: bool = False) -> list[dict[str, str]]:
    """The tooltip columns of each shown cell, as plain one-line text (with ``plain``, the class in plain words)."""
    rows = []
    for row in shown.to_dict("records"):
        rows.append({
            "place": _clean(row.get("place")) or _clean(row.get("lsoa_name")),
            "count": count_text(row.get("count"), row.get("count_status", SHOWN)),
            "rate": _rate_text(row.get("rate")),
            "change": _change_text(row.get("change"), row.get("previous"), row.get("previous_status", SHOWN)),
            "class": _clean(plain_class(row.get("gi_class")) if plain else row.get("gi_class")),
            "trend": _clean(row.get("trajectory")),
        })
    used = {column for row in rows for column, text in row.items() if text}
    # Columns empty for every cell are dropped from the data as well as from the template: less to send. In a line
    # that stays, a cell without the value says so rather than showing "Rate:" and nothing.
    return [{column: text or "not known" for column, text in row.items() if column in used} for row in rows]


def _tooltip(texts: list[dict[str, str]]) -> dict[str, Any]:
    """A plain-text tooltip (rendered with innerText, so never HTML) of the lines that have data."""
    used = set(texts[0]) if texts else {"place", "count"}
    lines = [line for column, line in TOOLTIP_LINES if column in used]
    return {"text": "\n".join(lines), "style": TOOLTIP_STYLE}


def _whole(value: object) -> int | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else int(round(number))


def _rate_text(rate: object) -> str:
    try:
        number = float(rate)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(number) else f"{number:,.1f} per 1,000 residents"


def _change_text(change: object, previous: object, previous_status: str) -> str:
    """Change on the previous period in words, e.g. "up 3 (was 9)", "no change (was 4)", "was fewer than 5".

    In a public result the change is worked out from the protected counts, so it is blank where either count is
    not shown, and only "was ..." is said.
    """
    was = count_text(previous, previous_status)
    change_n = _whole(change)
    if change_n is None:
        return f"was {was}" if was else ""
    direction = "up" if change_n > 0 else "down" if change_n < 0 else "no change"
    amount = f" {abs(change_n):,}" if change_n else ""
    return f"{direction}{amount} (was {was})" if was else direction + amount


# ---- the area and its names ------------------------------------------------------------------------------------


def _background_layer(csp: gpd.GeoDataFrame) -> list[pdk.Layer]:
    """The partnerships' area filled with the pale background, under the cells (none without outlines)."""
    if csp.empty:
        return []
    shapes = csp.geometry.reset_index(drop=True)
    records = [{"polygon": record["polygon"]}
               for record in _polygon_records(shapes, [[]] * len(shapes), [{}] * len(shapes))]
    return [pdk.Layer("PolygonLayer", records, id="area-background", get_polygon="polygon",
                      get_fill_color=list(BACKGROUND_FILL), filled=True, stroked=False, pickable=False)]


def _label_layer(csp: gpd.GeoDataFrame, zoom: float) -> list[pdk.Layer]:
    """Each partnership's name at a point inside its outline: large dark text with a white halo, placed so that
    no two names overlap at the initial zoom (see ``_placed``)."""
    labels = _placed(area_labels(csp), csp, zoom)
    if not labels:
        return []
    records = [{"name": _clean(name), "position": [round(x, DECIMALS), round(y, DECIMALS)]} for name, x, y in labels]
    return [pdk.Layer("TextLayer", records, id="csp-labels", get_position="position", get_text="name",
                      get_size=LABEL_SIZE_PX, size_units='"pixels"', get_color=LABEL_COLOUR,
                      font_family='"Source Sans Pro, Arial, Helvetica, sans-serif"', font_weight=700,
                      font_settings={"sdf": True, "fontSize": 64, "buffer": 10}, outline_width=LABEL_HALO_WIDTH,
                      outline_color=LABEL_HALO, get_text_anchor='"middle"', get_alignment_baseline='"center"',
                      character_set='"auto"', billboard=True, pickable=False)]


def _placed(labels: list[tuple[str, float, float]], csp: gpd.GeoDataFrame,
            zoom: float) -> list[tuple[str, float, float]]:
    """The labels moved, where two would overlap on screen at ``zoom``, to the nearest free spot still inside
    their own partnership: a line up or down, or half a name sideways. Bigger areas are placed first; a name that
    finds no free spot stays where it was."""
    scale = 512 * 2**zoom  # Web Mercator pixels round the world
    shapes = dict(zip(csp["name"].astype(str), csp.geometry, strict=True)) if "name" in csp.columns else {}
    height = LABEL_SIZE_PX * 1.25
    boxes: list[tuple[float, float, float, float]] = []
    placed = []
    for name, lng, lat in labels:
        width = len(name) * LABEL_SIZE_PX * 0.62 + 2 * LABEL_HALO_WIDTH
        x, y = (lng + 180) / 360 * scale, (1 - _mercator_y(lat) / math.pi) / 2 * scale
        spot = (x, y)
        for dx, dy in ((0, 0), (0, -1), (0, 1), (-0.5, 0), (0.5, 0), (0, -2), (0, 2), (-0.5, -1), (0.5, 1)):
            cx, cy = x + dx * width, y + dy * height
            box = (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
            if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
                continue
            if (dx, dy) == (0, 0) or name not in shapes or shapes[name].contains(shapely.Point(_lnglat(cx, cy, scale))):
                spot = (cx, cy)
                boxes.append(box)
                break
        placed.append((name, *_lnglat(*spot, scale)))
    return placed


def _lnglat(x: float, y: float, scale: float) -> tuple[float, float]:
    """Web Mercator pixels (``scale`` round the world) back to longitude and latitude."""
    return x / scale * 360 - 180, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / scale))))


# ---- geometry -------------------------------------------------------------------------------------------------


def _polygon_records(shapes: gpd.GeoSeries, fills: list[list[int]], texts: list[dict[str, str]]) -> list[dict]:
    """PolygonLayer rows: one per polygon part (rings rounded, holes kept), each with its cell's fill and text."""
    simplified = shapely.simplify(shapes.values, SIMPLIFY_DEGREES, preserve_topology=True)
    records = []
    for row, shape in zip(shapes.index, simplified, strict=True):
        for part in shapely.get_parts(shape):
            if part.geom_type != "Polygon" or part.is_empty:
                continue
            rings = [_rounded(part.exterior.coords), *(_rounded(ring.coords) for ring in part.interiors)]
            records.append({"polygon": rings, "fill": fills[row], **texts[row]})
    return records


def _paths(geometry: gpd.GeoSeries) -> list[list[list[float]]]:
    """Every ring or line of the geometry as a rounded path, for a PathLayer."""
    if geometry.empty:
        return []
    simplified = shapely.simplify(geometry.values, SIMPLIFY_DEGREES, preserve_topology=True)
    lines = [part.boundary if part.geom_type == "Polygon" else part for part in shapely.get_parts(simplified)]
    lines = [line for line in shapely.get_parts(lines) if not line.is_empty]
    if not lines:
        return []
    # Every path rounded at once (a force area's outlines are thousands of rings), then split back into paths.
    return _rounded_paths(*shapely.get_coordinates(lines, return_index=True))


def _rounded(coords: Iterable[Sequence[float]]) -> list[list[float]]:
    """Coordinates to DECIMALS places, without the repeats rounding makes."""
    points = np.asarray(coords, dtype=float)
    return _rounded_paths(points, np.zeros(len(points), dtype=int))[0] if points.size else []


def _rounded_paths(coords: np.ndarray, path: np.ndarray) -> list[list[list[float]]]:
    """Coordinates (with the path each belongs to) to DECIMALS places, without the repeats rounding makes, as one
    list per path."""
    coords = np.round(coords[:, :2], DECIMALS)
    keep = np.ones(len(coords), dtype=bool)
    keep[1:] = (coords[1:] != coords[:-1]).any(axis=1) | (path[1:] != path[:-1])
    coords, path = coords[keep], path[keep]
    return [part.tolist() for part in np.split(coords, np.flatnonzero(np.diff(path)) + 1)]


def _path_layer(layer_id: str, paths: list[list[list[float]]], colour: list[int], width: float,
                dashed: bool = False) -> list[pdk.Layer]:
    """A PathLayer of lines ``width`` pixels wide (as a one-item list), or no layer when there is nothing to draw."""
    if not paths:
        return []
    dash = {}
    if dashed:
        # Streamlit's deck.gl knows PathStyleExtension; where it is missing the line is simply drawn solid.
        dash = {"extensions": [{"@@type": "PathStyleExtension", "dash": True}], "get_dash_array": [3, 2],
                "dash_justified": True}
    layer = pdk.Layer("PathLayer", [{"path": path} for path in paths], id=layer_id, get_path="path",
                      get_color=colour, get_width=width, width_units='"pixels"', width_min_pixels=width,
                      joint_rounded=True, pickable=False, **dash)
    return [layer]


def _bounds(geometry: gpd.GeoSeries | Iterable) -> tuple[float, float, float, float] | None:
    geometry = geometry if isinstance(geometry, gpd.GeoSeries) else gpd.GeoSeries(list(geometry))
    geometry = geometry[geometry.notna() & ~geometry.is_empty]
    if geometry.empty:
        return None
    west, south, east, north = geometry.total_bounds
    return float(west), float(south), float(east), float(north)


def _union_bounds(*bounds: tuple[float, float, float, float] | None) -> tuple[float, float, float, float] | None:
    held = [b for b in bounds if b is not None]
    if not held:
        return None
    return (min(b[0] for b in held), min(b[1] for b in held), max(b[2] for b in held), max(b[3] for b in held))


def _view_state(bounds: tuple[float, float, float, float] | None, view_size: tuple[int, int]) -> pdk.ViewState:
    """A view centred on the bounds, zoomed so they fill a map of ``view_size`` pixels but for a small margin."""
    if bounds is None:
        return pdk.ViewState(latitude=52.5, longitude=-1.5, zoom=5.5)  # England
    west, south, east, north = bounds
    # Web Mercator: the world is 512 px wide at zoom 0; latitude stretches by the Mercator y.
    mercator_south, mercator_north = _mercator_y(south), _mercator_y(north)
    span_x = max(east - west, 1e-6) / 360
    span_y = max(mercator_north - mercator_south, 1e-6) / (2 * math.pi)
    width, height = (max(size - 2 * VIEW_MARGIN_PX, 50) for size in view_size)
    zoom = min(math.log2(width / (512 * span_x)), math.log2(height / (512 * span_y)))
    centre_lat = math.degrees(math.atan(math.sinh((mercator_south + mercator_north) / 2)))
    return pdk.ViewState(latitude=round(centre_lat, DECIMALS), longitude=round((west + east) / 2, DECIMALS),
                         zoom=math.floor(max(1.0, min(zoom, 17.0)) * 100) / 100, pitch=0, bearing=0)


def _mercator_y(latitude: float) -> float:
    return math.asinh(math.tan(math.radians(latitude)))
