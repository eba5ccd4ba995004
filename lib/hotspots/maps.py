"""Hotspot maps: a pydeck map for the page and a static PNG for committee papers.

Both draw the same cells in the same classes and colours (counts in quantile classes, or Getis-Ord Gi* hot and
cold spots), with the CSP and LSOA boundaries drawn by us, so a map still reads on a projector with no internet
and no basemap. Cells come from the hotspot analysis as a frame of cell, count, previous, change, share, place,
lsoa_name, population, rate, gi_z, gi_p, gi_class, trajectory; ``unit`` says whether a cell is an H3 index
("h3") or an LSOA code ("lsoa", drawn from the ``polygons`` given).

A public result (``lib.core.disclosure.public_result``) carries protected counts: rounded, NaN where not shown, with a
``count_status`` and ``previous_status`` of "small" (shown as "fewer than 5") or "withheld". The maps draw and word
them as they are; nothing here sees an exact small count, so nothing here can show one.

Tooltips are plain text (``{"text": ...}``), which both Streamlit and pydeck's own renderer put into the page with
``innerText``, so no data text can ever become HTML. The deck's JSON also writes ``<``, ``>`` and ``&`` as
``\\u003c`` etc., so a place name cannot close a ``<script>`` element when pydeck embeds the JSON in an HTML page.
"""

from __future__ import annotations

import io
import json
import math
import re
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from pydeck.bindings.json_tools import default_serialize

from lib.core.disclosure import FEWER_THAN_5, SHOWN, SMALL, SMALL_COUNT_LIMIT, WITHHELD, count_text

HOT_99, HOT_95, HOT_90 = "Hot spot, 99% confidence", "Hot spot, 95% confidence", "Hot spot, 90% confidence"
NOT_SIGNIFICANT = "Not significant"
COLD_90, COLD_95, COLD_99 = "Cold spot, 90% confidence", "Cold spot, 95% confidence", "Cold spot, 99% confidence"
GI_CLASSES = (HOT_99, HOT_95, HOT_90, NOT_SIGNIFICANT, COLD_90, COLD_95, COLD_99)

# Hot = red, cold = blue (as in ArcGIS), which stay apart for every common colour-vision deficiency. The tones come
# from ColorBrewer's Reds and Blues, interpolated in CIELAB so the three confidence levels of each side sit at L* 40,
# 50 and 61 over white: about 10 L* apart, and even the 90% classes reach 3:1 against the white page (WCAG 1.4.11),
# so a weak hot spot does not vanish on a washed-out projector. (They were 1.9:1 and 1.7:1; the 95% cold class 2.9:1.)
# The 99% classes keep 3:1 against the black partnership boundary drawn across them. tests/core/test_accessibility.py
# checks all of this.
GI_COLOURS: dict[str, list[int]] = {
    HOT_99: [168, 16, 22, 230],
    HOT_95: [215, 37, 34, 230],
    HOT_90: [245, 82, 57, 230],
    # Light translucent grey, 1.3:1 on white, by design: it means "incidents, but no cluster", the nearest thing to
    # nothing on this map, and must be told from the hot and cold classes (all far darker), not from the page.
    NOT_SIGNIFICANT: [190, 190, 190, 110],
    COLD_90: [63, 143, 196, 230],
    COLD_95: [30, 109, 178, 230],
    COLD_99: [8, 77, 151, 230],
}
# Five of ColorBrewer's YlOrRd tones, light = few, dark = many: none near-white (lost on a projector), and each at
# least 10 L* darker than the one before, so the classes read apart without colour. The darkest sits between YlOrRd's
# two darkest (#bd0026, #800026) so the black partnership boundary keeps 3:1 across the busiest cells (#800026 gave
# 2.3:1). The two lightest classes (1.3:1 and 2.2:1 on white) are light by design, as the low end of any sequential
# ramp must be: they mean "a few incidents", next to no fill for none; the count is in each cell's tooltip and the
# busiest cells are listed in words under the map; the other three reach 3:1.
COUNT_PALETTE: list[list[int]] = [
    [254, 217, 118, 230],
    [253, 141, 60, 230],
    [252, 78, 42, 230],
    [227, 26, 28, 230],
    [177, 0, 38, 230],
]
COUNT_CLASSES = 5
NO_FILL = [0, 0, 0, 0]
# Withheld cells (public view, secondary suppression): a mid grey, not one of the count colours, named in the legend.
WITHHELD_FILL = [140, 140, 140, 200]
WITHHELD_LABEL = "Withheld, so small counts cannot be worked out"

# Black and thick: the partnership boundary is what members look for first, and it crosses the darkest fills (3:1
# against each; #282828 gave 2.5:1 across a 99% hot spot).
CSP_LINE = [0, 0, 0, 255]
LSOA_LINE = [100, 100, 100, 190]  # thin mid grey, for reference: 3.4:1 on white (was 2.2:1), lighter than the CSP line
PREDICTED_LINE = [0, 0, 0, 255]  # black and dashed (the boundary is solid), so not mistaken for a boundary or a class
CSP_WIDTH_PX, LSOA_WIDTH_PX, PREDICTED_WIDTH_PX = 3, 1, 4
HIGHLIGHT = [0, 0, 0, 70]  # the hovered cell darkens; deck.gl's default navy would read as another class

CARTO_LIGHT = "https://basemaps.cartocdn.com/gl/positron-gl-style/style.json"  # needs internet
ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right."
)

DECIMALS = 5  # about 1 m: finer than the boundaries themselves, and keeps the JSON small
SIMPLIFY_DEGREES = 0.00005  # about 5 m: invisible at street zoom, removes most vertices of detailed boundaries
# The map's size on the page, for fitting the initial zoom: Streamlit's centred layout is about 700 px wide; a wider
# map only shows more margin, a narrower guess would cut the data off.
VIEW_SIZE_PX = (700, 500)
PNG_SIZE_INCHES = (10.0, 7.5)  # landscape, fits a committee paper's page width at 150 dpi
MAP_AXES = (0.02, 0.09, 0.62, 0.81)  # left, bottom, width, height (figure fractions): the legend goes on the right
BRITISH_NATIONAL_GRID = "EPSG:27700"  # metres, so the PNG's scale bar is true and shapes are not stretched

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
_TEXT_LIMIT = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_JSON_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


class CountClasses(NamedTuple):
    """The fill colour of each count and the upper bound of each quantile class (ascending)."""

    colours: list[list[int]]
    breaks: list[float]


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation and no raw ``<``, ``>`` or ``&``.

    pydeck indents its JSON by two spaces and puts each number of a coordinate on its own line, which makes a map
    several times larger than its data. Streamlit and pydeck's HTML export both send ``deck.to_json()``.
    """

    def to_json(self) -> str:
        """Return the deck as compact JSON that is safe to embed in an HTML ``<script>`` element."""
        text = json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))
        return re.sub("[<>&]", lambda match: _JSON_HTML_ESCAPES[match.group()], text)


def count_colours(
    counts: Iterable[float], classes: int = COUNT_CLASSES, *, statuses: Iterable[str] | None = None
) -> CountClasses:
    """Colour counts in quantile classes of the cells with any incidents; zero counts get no fill.

    Quantiles of whole counts often coincide, so there may be fewer classes than asked for; the classes then take
    colours spread across the whole palette, and ``legend_items("counts", breaks)`` names the same colours.
    ``statuses`` (a public result's ``count_status``) marks the protected counts: "fewer than 5" cells join the
    lightest class, which then runs at least from 1 to 4, so a colour never tells a count of 1 to 4 apart from the
    others below 5; withheld cells get their own grey.
    """
    values = np.asarray(list(counts), dtype=float)
    withheld = np.zeros(len(values), dtype=bool)
    if statuses is not None:
        status = np.asarray(list(statuses), dtype=object)
        values = np.where(status == SMALL, SMALL_COUNT_LIMIT - 1, values)
        withheld = status == WITHHELD
    values = np.where(np.isnan(values), 0, values)
    positive = values[values > 0]
    if positive.size == 0:
        return CountClasses([list(WITHHELD_FILL if w else NO_FILL) for w in withheld], [])
    quantiles = np.quantile(positive, np.linspace(0, 1, classes + 1)[1:], method="higher")
    if statuses is not None:
        quantiles = np.maximum(quantiles, SMALL_COUNT_LIMIT - 1)
    breaks = [_plain_number(b) for b in np.unique(quantiles)]
    palette = _spread_palette(len(breaks))
    index = np.searchsorted(np.asarray(breaks, dtype=float), values, side="left")
    colours = [list(WITHHELD_FILL) if w else list(palette[i]) if v > 0 else list(NO_FILL)
               for v, i, w in zip(values, index, withheld, strict=True)]
    return CountClasses(colours, breaks)


def legend_items(layer: str, breaks: Sequence[float] | None = None, predicted: bool = False,
                 withheld: bool = False) -> list[tuple[str, str]]:
    """The legend as (label in words, hex colour as seen on a white page), for the page to draw.

    ``layer`` "gi" names the seven Gi* classes; "counts" names the classes of ``breaks`` from ``count_colours``,
    and with ``withheld`` the grey of withheld cells. With ``predicted``, a last item names the dashed outline of
    the cells predicted to be hot next period.
    """
    _check_layer(layer)
    if layer == "gi":
        items = [(name, _hex(GI_COLOURS[name])) for name in GI_CLASSES]
    else:
        if breaks is None:
            raise ValueError("legend_items('counts') needs the breaks returned by count_colours")
        items = [(label, _hex(colour)) for label, colour in zip(_count_labels(breaks), _spread_palette(len(breaks)),
                                                                 strict=True)]
        if withheld:
            items.append((WITHHELD_LABEL, _hex(WITHHELD_FILL)))
    if predicted:
        items.append(("Predicted hot spot next period (dashed black outline)", _hex(PREDICTED_LINE)))
    return items


def any_withheld(cells: pd.DataFrame) -> bool:
    """Whether a public result's cells include withheld counts (the counts legend then names their grey)."""
    return "count_status" in cells and bool((cells["count_status"] == WITHHELD).any())


def h3_polygons(cells: Iterable[str]) -> gpd.GeoDataFrame:
    """The hexagon of each H3 cell as a WGS84 polygon, with the cell in a ``cell`` column."""
    cells = list(cells)
    # h3 gives (lat, lng) pairs; shapely wants (x, y) = (lng, lat).
    rings = [[(lng, lat) for lat, lng in h3.cell_to_boundary(cell)] for cell in cells]
    return gpd.GeoDataFrame({"cell": cells}, geometry=shapely.polygons(rings) if rings else [], crs="EPSG:4326")


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
) -> pdk.Deck:
    """A pydeck map of the cells, coloured by count class (``layer`` "counts") or Gi* class ("gi").

    Layers, bottom to top: ``cells`` (H3HexagonLayer, or PolygonLayer for LSOAs), ``lsoa-outlines`` and
    ``csp-outlines`` (PathLayers, left out when empty) and ``predicted`` (a dashed PathLayer around the predicted
    cells, only when some are given). Only cells with incidents (or, for "gi", a significant class) are sent.
    Without ``basemap`` the map asks for no tiles at all (pydeck's ``map_provider=None``: Streamlit would otherwise
    fetch a Carto style); with it, the Carto light style, which needs internet.
    A public result's protected counts are drawn and worded as they are (see the module's docstring). ``view_size``
    is the map's (width, height) in pixels on the page, which the initial zoom fits the cells to.
    """
    _check_unit(unit)
    _check_layer(layer)
    shown = _shown_cells(cells, unit, layer)
    fills = _fills(shown, layer).colours
    texts = _tooltip_texts(shown)
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
    layers = [cells_layer]
    layers += _path_layer("lsoa-outlines", _paths(lsoa.geometry), LSOA_LINE, LSOA_WIDTH_PX)
    layers += _path_layer("csp-outlines", _paths(csp.geometry), CSP_LINE, CSP_WIDTH_PX)
    if predicted:
        area = _predicted_area(predicted, unit, polygons)
        layers += _path_layer("predicted", _paths(gpd.GeoSeries([area], crs="EPSG:4326")), PREDICTED_LINE,
                              PREDICTED_WIDTH_PX, dashed=True)
    if bounds is None:
        bounds = _bounds(pd.concat([csp.geometry, lsoa.geometry]))
    style = {"map_provider": "carto", "map_style": CARTO_LIGHT} if basemap else {"map_provider": None}
    return CompactDeck(layers=layers, initial_view_state=_view_state(bounds, view_size), tooltip=_tooltip(texts),
                       **style)


def payload_size(deck: pdk.Deck) -> int:
    """Bytes of ``deck.to_json()``: what the page sends the browser (the tooltip template travels beside it)."""
    return len(deck.to_json().encode("utf-8"))


def hotspot_png(
    cells: pd.DataFrame,
    unit: str,
    outlines: dict[str, gpd.GeoDataFrame] | None,
    layer: str = "gi",
    polygons: gpd.GeoDataFrame | None = None,
    title: str = "",
    caption: str = "",
    dpi: int = 150,
    *,
    predicted: Sequence[str] | None = None,
    size_inches: tuple[float, float] = PNG_SIZE_INCHES,
) -> bytes:
    """A static map for committee papers (WebGL maps often print blank), as PNG bytes of ``size_inches`` × ``dpi``.

    Same cells, classes and colours as ``hotspot_deck``, on British National Grid, with boundaries, a legend in
    words, a title, a scale bar, a north arrow and a caption line ending with the licence attribution. A public
    result's "fewer than 5" counts share the lightest class, as ``count_colours`` says.
    """
    _check_unit(unit)
    _check_layer(layer)
    shown = _shown_cells(cells, unit, layer)
    classes = _fills(shown, layer)
    shapes = h3_polygons(shown["cell"]).geometry if unit == "h3" else _lsoa_shapes(shown, polygons)
    colours = classes.colours if unit == "h3" else _repeat_for_shapes(classes.colours, shapes)
    cell_map = gpd.GeoDataFrame({"rgba": colours}, geometry=list(shapes), crs="EPSG:4326").to_crs(
        BRITISH_NATIONAL_GRID)
    csp = _outline(outlines, "csp").to_crs(BRITISH_NATIONAL_GRID)
    lsoa = _outline(outlines, "lsoa").to_crs(BRITISH_NATIONAL_GRID)

    figure = Figure(figsize=size_inches, dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_axes(MAP_AXES)
    # Bottom to top as on the page: cells, then thin neighbourhood lines over them, then partnership boundaries.
    if not cell_map.empty:
        cell_map.plot(ax=axes, color=[_mpl(c) for c in cell_map["rgba"]], linewidth=0)
    if not lsoa.empty:
        lsoa.boundary.plot(ax=axes, color=_mpl(LSOA_LINE), linewidth=0.4)
    if not csp.empty:
        csp.boundary.plot(ax=axes, color=_mpl(CSP_LINE), linewidth=2.0)
        _label_areas(axes, csp)
    if predicted:
        area = gpd.GeoSeries([_predicted_area(predicted, unit, polygons)], crs="EPSG:4326").to_crs(
            BRITISH_NATIONAL_GRID)
        area.boundary.plot(ax=axes, color=_mpl(PREDICTED_LINE), linewidth=1.8, linestyle=(0, (4, 2)))
    _frame(axes, figure, cell_map if not cell_map.empty else pd.concat([csp, lsoa]))
    _scale_bar(axes)
    _north_arrow(axes)
    _png_legend(figure, layer, classes.breaks, any_withheld(shown), bool(predicted), not csp.empty, not lsoa.empty)
    if title:
        figure.text(0.02, 0.97, _mpl_text(title), fontsize=17, fontweight="bold", va="top")
    figure.text(0.02, 0.015, _mpl_text(_caption(caption)), fontsize=8, va="bottom", color="#333333")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


# ---- cells and classes ----------------------------------------------------------------------------------------


def _check_unit(unit: str) -> None:
    if unit not in ("h3", "lsoa"):
        raise ValueError(f"unit must be 'h3' or 'lsoa', not {unit!r}")


def _check_layer(layer: str) -> None:
    if layer not in ("counts", "gi"):
        raise ValueError(f"layer must be 'counts' or 'gi', not {layer!r}")


def _shown_cells(cells: pd.DataFrame, unit: str, layer: str) -> pd.DataFrame:
    """The cells worth drawing: with incidents, or (Gi* map) in a significant class. Never every cell."""
    counts = pd.to_numeric(cells["count"], errors="coerce").fillna(0)
    keep = counts > 0
    if "count_status" in cells:  # a public result: protected counts are drawn too, as what they are
        keep |= cells["count_status"] != SHOWN
    if layer == "gi":
        keep |= cells["gi_class"].isin(set(GI_CLASSES) - {NOT_SIGNIFICANT})
    if unit == "h3":
        # One malformed cell should not take the whole map down: it simply cannot be drawn.
        keep &= cells["cell"].map(lambda cell: isinstance(cell, str) and h3.is_valid_cell(cell)).astype(bool)
    return cells[keep].reset_index(drop=True)


def _fills(shown: pd.DataFrame, layer: str) -> CountClasses:
    """Fill colours of the shown cells (and, for counts, the class breaks the legend needs)."""
    if layer == "counts":
        return count_colours(shown["count"], statuses=shown["count_status"] if "count_status" in shown else None)
    grey = GI_COLOURS[NOT_SIGNIFICANT]
    return CountClasses([list(GI_COLOURS.get(name, grey)) for name in shown["gi_class"]], [])


def _spread_palette(classes: int) -> list[list[int]]:
    """``classes`` colours from COUNT_PALETTE, light to dark, always ending on the darkest."""
    if classes <= 0:
        return []
    last = len(COUNT_PALETTE) - 1
    if classes == 1:
        return [COUNT_PALETTE[last]]
    return [COUNT_PALETTE[round(i * last / (classes - 1))] for i in range(classes)]


def _count_labels(breaks: Sequence[float]) -> list[str]:
    """Words for count classes: "1 incident", "2 to 4 incidents", ... (each class runs up to its break)."""
    labels, low = [], 1.0
    for high in breaks:
        low_text, high_text = _number(low), _number(high)
        if low == 1 and high == SMALL_COUNT_LIMIT - 1:
            labels.append(f"{FEWER_THAN_5[0].upper()}{FEWER_THAN_5[1:]} incidents")
        elif low_text == high_text:
            labels.append(f"{high_text} incident{'' if high == 1 else 's'}")
        else:
            labels.append(f"{low_text} to {high_text} incidents")
        low = math.floor(high) + 1
    return labels


def _plain_number(value: float) -> float:
    """A whole number as int, so JSON and labels read "12" rather than "12.0"."""
    return int(value) if float(value).is_integer() else float(value)


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def _hex(rgba: Sequence[int]) -> str:
    """The colour as it looks over a white page (alpha blended), so a legend swatch matches the map."""
    alpha = rgba[3] / 255 if len(rgba) > 3 else 1.0
    return "#" + "".join(f"{round(c * alpha + 255 * (1 - alpha)):02x}" for c in rgba[:3])


def _mpl(rgba: Sequence[int]) -> tuple[float, ...]:
    return tuple(c / 255 for c in rgba)


# ---- tooltips -------------------------------------------------------------------------------------------------


def _tooltip_texts(shown: pd.DataFrame) -> list[dict[str, str]]:
    """The tooltip columns of each shown cell, as plain one-line text."""
    rows = []
    for row in shown.to_dict("records"):
        rows.append({
            "place": _clean(row.get("place")) or _clean(row.get("lsoa_name")),
            "count": count_text(row.get("count"), row.get("count_status", SHOWN)),
            "rate": _rate_text(row.get("rate")),
            "change": _change_text(row.get("change"), row.get("previous"), row.get("previous_status", SHOWN)),
            "class": _clean(row.get("gi_class")),
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


def _clean(value: object) -> str:
    """Data text for a tooltip: one line (a newline would fake a tooltip line), trimmed, of bounded length."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    text = " ".join(_CONTROL.sub(" ", str(value)).split())
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1] + "…"


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


# ---- geometry -------------------------------------------------------------------------------------------------


def _outline(outlines: dict[str, gpd.GeoDataFrame] | None, key: str) -> gpd.GeoDataFrame:
    """One outline layer in WGS84, or an empty frame when it is missing."""
    frame = (outlines or {}).get(key)
    if frame is None or len(frame) == 0 or not isinstance(frame, gpd.GeoDataFrame):
        return gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:4326")
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    return frame.set_crs("EPSG:4326") if frame.crs is None else frame.to_crs("EPSG:4326")


def _lsoa_shapes(shown: pd.DataFrame, polygons: gpd.GeoDataFrame | None) -> gpd.GeoSeries:
    """The polygon of each shown LSOA (keyed by a ``cell`` column, or the index), in shown order, WGS84.

    An LSOA with no polygon cannot be drawn and is left out; the index keeps the row of ``shown`` it belongs to.
    """
    if polygons is None or len(polygons) == 0:
        return gpd.GeoSeries([], crs="EPSG:4326")
    polygons = polygons.set_crs("EPSG:4326") if polygons.crs is None else polygons.to_crs("EPSG:4326")
    keys = polygons["cell"] if "cell" in polygons.columns else pd.Series(polygons.index, index=polygons.index)
    by_cell = pd.Series(polygons.geometry.values, index=keys.astype(str).values)
    by_cell = by_cell[~by_cell.index.duplicated()]
    geometry = shown["cell"].astype(str).map(by_cell)
    geometry = geometry[geometry.notna()]
    return gpd.GeoSeries(geometry, crs="EPSG:4326")


def _repeat_for_shapes(colours: list[list[int]], shapes: gpd.GeoSeries) -> list[list[int]]:
    return [colours[i] for i in shapes.index]


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


def _predicted_area(predicted: Sequence[str], unit: str, polygons: gpd.GeoDataFrame | None) -> shapely.Geometry:
    """The predicted cells as one (multi)polygon, so neighbouring cells share one outline."""
    cells = list(dict.fromkeys(str(cell) for cell in predicted))
    if unit == "h3":
        valid = [cell for cell in cells if h3.is_valid_cell(cell)]
        if not valid:
            return shapely.GeometryCollection()
        # H3 traces the outline of a set of cells itself: for a county's 11,000 cells, a twentieth of the time
        # of unioning their hexagons, and the same shape.
        return shapely.geometry.shape(h3.cells_to_h3shape(valid).__geo_interface__)
    shapes = _lsoa_shapes(pd.DataFrame({"cell": cells}), polygons)
    # Edges can differ in the last digits between neighbours: a small snap closes the seams.
    return shapely.union_all(shapely.set_precision(shapes.values, 10**-(DECIMALS + 2)))


def _bounds(geometry: gpd.GeoSeries | Iterable) -> tuple[float, float, float, float] | None:
    geometry = geometry if isinstance(geometry, gpd.GeoSeries) else gpd.GeoSeries(list(geometry))
    geometry = geometry[geometry.notna() & ~geometry.is_empty]
    if geometry.empty:
        return None
    west, south, east, north = geometry.total_bounds
    return float(west), float(south), float(east), float(north)


def _view_state(bounds: tuple[float, float, float, float] | None, view_size: tuple[int, int]) -> pdk.ViewState:
    """A view centred on the bounds, zoomed so they fill a map of ``view_size`` pixels with a margin."""
    if bounds is None:
        return pdk.ViewState(latitude=52.5, longitude=-1.5, zoom=5.5)  # England
    west, south, east, north = bounds
    # Web Mercator: the world is 512 px wide at zoom 0; latitude stretches by the Mercator y.
    mercator_south, mercator_north = _mercator_y(south), _mercator_y(north)
    span_x = max(east - west, 1e-6) / 360
    span_y = max(mercator_north - mercator_south, 1e-6) / (2 * math.pi)
    width, height = view_size
    zoom = min(math.log2(width / (512 * span_x)), math.log2(height / (512 * span_y))) - 0.25
    centre_lat = math.degrees(math.atan(math.sinh((mercator_south + mercator_north) / 2)))
    return pdk.ViewState(latitude=round(centre_lat, DECIMALS), longitude=round((west + east) / 2, DECIMALS),
                         zoom=round(max(1.0, min(zoom, 17.0)), 2), pitch=0, bearing=0)


def _mercator_y(latitude: float) -> float:
    return math.asinh(math.tan(math.radians(latitude)))


# ---- the static map -------------------------------------------------------------------------------------------


def _frame(axes, figure: Figure, shown: gpd.GeoDataFrame) -> None:
    """Limits around what is drawn (5% margin) widened to the axes' shape, so the map fills its box at true scale."""
    if not shown.empty:
        west, south, east, north = shown.total_bounds
        pad = max(east - west, north - south, 500) * 0.05
        west, south, east, north = west - pad, south - pad, east + pad, north + pad
        width_in, height_in = figure.get_size_inches()
        box_ratio = (MAP_AXES[2] * width_in) / (MAP_AXES[3] * height_in)
        if (east - west) / (north - south) < box_ratio:
            grow = ((north - south) * box_ratio - (east - west)) / 2
            west, east = west - grow, east + grow
        else:
            grow = ((east - west) / box_ratio - (north - south)) / 2
            south, north = south - grow, north + grow
        axes.set_xlim(west, east)
        axes.set_ylim(south, north)
    else:
        axes.text(0.5, 0.5, "No incidents to map", transform=axes.transAxes, ha="center", fontsize=14)
    axes.set_aspect("equal", adjustable="box")
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_xlabel("")  # geopandas labels the axes with the CRS's "Easting [metre]": noise on a map
    axes.set_ylabel("")
    for spine in axes.spines.values():
        spine.set_color("#999999")


def _scale_bar(axes) -> None:
    """A scale bar about a fifth of the map wide, in a round number of metres or kilometres (BNG is in metres)."""
    west, east = axes.get_xlim()
    south, north = axes.get_ylim()
    if not (math.isfinite(east - west) and east > west):
        return
    target = (east - west) / 5
    magnitude = 10 ** math.floor(math.log10(target))
    length = max(step * magnitude for step in (1, 2, 5) if step * magnitude <= target)
    x, y = west + (east - west) * 0.04, south + (north - south) * 0.04
    height = (north - south) * 0.008
    axes.add_patch(Rectangle((x, y), length, height, facecolor="black", edgecolor="black", zorder=5))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    axes.text(x, y + height * 2, label, fontsize=10, va="bottom", zorder=5,
              bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1})


def _north_arrow(axes) -> None:
    axes.annotate("N", xy=(0.95, 0.96), xytext=(0.95, 0.86), xycoords="axes fraction", ha="center", va="center",
                  fontsize=13, fontweight="bold", arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.5})


def _label_areas(axes, csp: gpd.GeoDataFrame) -> None:
    """Name the partnerships when the map shows several; one name alone would only repeat the title."""
    if len(csp) < 2 or "name" not in csp.columns:
        return
    for name, point in zip(csp["name"], csp.geometry.representative_point(), strict=True):
        axes.text(point.x, point.y, _mpl_text(_clean(name)), fontsize=10, ha="center", va="center", color="#222222",
                  bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.6, "pad": 1})


def _png_legend(figure: Figure, layer: str, breaks: list[float], withheld: bool, predicted: bool, csp: bool,
                lsoa: bool) -> None:
    """The legend in words at the right of the map: classes first, then the lines."""
    handles: list[Any] = []
    if layer == "gi":
        handles = [Patch(facecolor=_mpl(GI_COLOURS[name]), edgecolor="#888888", label=name) for name in GI_CLASSES]
    else:
        handles = [Patch(facecolor=colour, edgecolor="#888888", label=label)
                   for label, colour in legend_items("counts", breaks, withheld=withheld)]
    if csp:
        handles.append(Line2D([], [], color=_mpl(CSP_LINE), linewidth=2.0, label="Partnership (CSP) boundary"))
    if lsoa:
        handles.append(Line2D([], [], color=_mpl(LSOA_LINE), linewidth=0.8, label="Neighbourhood (LSOA) boundary"))
    if predicted:
        handles.append(Line2D([], [], color=_mpl(PREDICTED_LINE), linewidth=1.8, linestyle=(0, (4, 2)),
                              label="Predicted hot spot, next period"))
    title = "Hot spot test (Getis-Ord Gi*)" if layer == "gi" else "Incidents per cell"
    figure.legend(handles=handles, loc="center left", bbox_to_anchor=(0.655, 0.5), fontsize=11, title=title,
                  title_fontsize=12, frameon=False, alignment="left")


def _caption(caption: str) -> str:
    """The caption with each attribution sentence once: callers' captions often end with the licence already."""
    missing = [f"{part}." for part in ATTRIBUTION.rstrip(".").split(". ") if part not in caption]
    text = " ".join([f"{caption.strip().rstrip('.')}." if caption.strip() else "", *missing]).strip()
    return "\n".join(textwrap.wrap(text, width=170))


def _mpl_text(text: str) -> str:
    """Text matplotlib prints as given: an unescaped pair of ``$`` would otherwise start mathtext."""
    return text.replace("$", r"\$")
