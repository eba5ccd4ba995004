"""The hotspot map for committee papers: a static PNG drawn with matplotlib on British National Grid, since WebGL
maps often print blank.

The same cells, classes and colours as the page's map (``lib.hotspots.maps``, through ``lib.hotspots.map_style``),
with the boundaries, a legend in words, a title, a scale bar, a north arrow and a caption ending with the licence
attribution.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from lib.core.attribution import OGL, OS_DATA
from lib.hotspots.map_shapes import (
    BRITISH_NATIONAL_GRID,
    _lsoa_shapes,
    _outline,
    _predicted_area,
    area_labels,
    h3_polygons,
)
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
)

ATTRIBUTION = f"{OGL} {OS_DATA}"
PNG_SIZE_INCHES = (10.0, 7.5)  # landscape, fits a committee paper's page width at 150 dpi
MAP_AXES = (0.02, 0.09, 0.62, 0.81)  # left, bottom, width, height (figure fractions): the legend goes on the right


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
    plain: bool = False,
) -> bytes:
    """A static map for committee papers (WebGL maps often print blank), as PNG bytes of ``size_inches`` × ``dpi``.

    Same cells, classes and colours as ``lib.hotspots.maps.hotspot_deck``, on British National Grid, with boundaries, a
    legend in words, a title, a scale bar, a north arrow and a caption line ending with the licence attribution. A
    public result's "fewer than 5" counts share the lightest class, as ``map_style.count_colours`` says. As on the
    page, the area is filled with the pale background, each partnership is named, and the legend lists only the
    classes drawn (with ``plain``, in plain words).
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
    # Bottom to top as on the page: the area, cells, thin neighbourhood lines over them, then partnership boundaries.
    if not csp.empty:
        csp.plot(ax=axes, color=_mpl(BACKGROUND_FILL), linewidth=0)
    if not cell_map.empty:
        cell_map.plot(ax=axes, color=[_mpl(c) for c in cell_map["rgba"]], linewidth=0)
    if not lsoa.empty:
        lsoa.boundary.plot(ax=axes, color=_mpl(LSOA_LINE), linewidth=0.4)
    if not csp.empty:
        csp.boundary.plot(ax=axes, color=_mpl(CSP_LINE), linewidth=2.0)
    if predicted:
        area = gpd.GeoSeries([_predicted_area(predicted, unit, polygons)], crs="EPSG:4326").to_crs(
            BRITISH_NATIONAL_GRID)
        area.boundary.plot(ax=axes, color=_mpl(PREDICTED_LINE), linewidth=1.8, linestyle=(0, (4, 2)))
    _label_areas(axes, _outline(outlines, "csp"))
    _frame(axes, figure, pd.concat([cell_map, csp]) if not cell_map.empty else pd.concat([csp, lsoa]))
    _scale_bar(axes)
    _north_arrow(axes)
    items = drawn_legend(cells, unit, layer, background=not csp.empty, plain=plain)
    _png_legend(figure, layer, items, bool(predicted), not csp.empty, not lsoa.empty, plain)
    if title:
        figure.text(0.02, 0.97, _mpl_text(title), fontsize=17, fontweight="bold", va="top")
    figure.text(0.02, 0.015, _mpl_text(_caption(caption)), fontsize=8, va="bottom", color="#333333")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


def _repeat_for_shapes(colours: list[list[int]], shapes: gpd.GeoSeries) -> list[list[int]]:
    return [colours[i] for i in shapes.index]


def _mpl(rgba: Sequence[int]) -> tuple[float, float, float, float]:
    """An RGBA colour of 0-255 channels (every map colour has all four) as matplotlib's 0-1 tuple."""
    red, green, blue, alpha = (c / 255 for c in rgba)
    return red, green, blue, alpha


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
    """Name each partnership inside its outline, as the page's map does: dark bold type with a white halo."""
    halo = [patheffects.withStroke(linewidth=3.5, foreground="white")]
    for name, x, y in area_labels(csp):
        point = gpd.GeoSeries([shapely.Point(x, y)], crs="EPSG:4326").to_crs(BRITISH_NATIONAL_GRID).iloc[0]
        axes.text(point.x, point.y, _mpl_text(_clean(name)), fontsize=11, fontweight="bold", ha="center",
                  va="center", color="#111111", path_effects=halo, zorder=6)


def _png_legend(figure: Figure, layer: str, items: list[tuple[str, str]], predicted: bool, csp: bool,
                lsoa: bool, plain: bool = False) -> None:
    """The legend in words at the right of the map: the classes drawn and the background first, then the lines."""
    handles: list[Any] = [Patch(facecolor=colour, edgecolor="#888888", label="\n".join(textwrap.wrap(label, 34)))
                          for label, colour in items]
    if csp:
        handles.append(Line2D([], [], color=_mpl(CSP_LINE), linewidth=2.0, label="Partnership (CSP) boundary"))
    if lsoa:
        handles.append(Line2D([], [], color=_mpl(LSOA_LINE), linewidth=0.8, label="Neighbourhood (LSOA) boundary"))
    if predicted:
        handles.append(Line2D([], [], color=_mpl(PREDICTED_LINE), linewidth=1.8, linestyle=(0, (4, 2)),
                              label="Predicted hot spot, next period"))
    title = "Incidents per cell" if layer == "counts" else "Hot and cold spots" if plain else (
        "Hot spot test (Getis-Ord Gi*)")
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
