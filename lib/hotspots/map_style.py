"""What the hotspot maps draw and in which colours and words, shared by the page's map (``lib.hotspots.maps``)
and the PNG for committee papers (``lib.hotspots.map_png``): which cells are shown, their classes (counts in quantile
classes, or Getis-Ord Gi* hot and cold spots) and fills, the boundary line colours, the legend in words, and data
text made safe to print.

A public result (``lib.core.disclosure.public_result``) carries protected counts: rounded, NaN where not shown, with a
``count_status`` of "small" (shown as "fewer than 5") or "withheld". "Fewer than 5" cells share the lightest count
class and withheld cells get a grey of their own, so a colour never tells a count of 1 to 4 apart.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import h3
import numpy as np
import pandas as pd

from lib.core.disclosure import FEWER_THAN_5, SHOWN, SMALL, SMALL_COUNT_LIMIT, WITHHELD

HOT_99, HOT_95, HOT_90 = "Hot spot, 99% confidence", "Hot spot, 95% confidence", "Hot spot, 90% confidence"
NOT_SIGNIFICANT = "Not significant"
COLD_90, COLD_95, COLD_99 = "Cold spot, 90% confidence", "Cold spot, 95% confidence", "Cold spot, 99% confidence"
GI_CLASSES = (HOT_99, HOT_95, HOT_90, NOT_SIGNIFICANT, COLD_90, COLD_95, COLD_99)
# The same classes in plain words, for a public screen and a committee room (the method is one click away).
# Short enough for a legend beside the map; the line under the map's headline says what a hot spot is.
PLAIN_GI: dict[str, str] = {
    HOT_99: "Hot spot, almost certainly not chance",
    HOT_95: "Hot spot, very unlikely to be chance",
    HOT_90: "Hot spot, unlikely to be chance",
    NOT_SIGNIFICANT: "Incidents, no clear cluster",
    COLD_90: "Cold spot, unlikely to be chance",
    COLD_95: "Cold spot, very unlikely to be chance",
    COLD_99: "Cold spot, almost certainly not chance",
}

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
# The area itself, under the cells: a pale warm grey, so the part with no incidents reads as the area (named in the
# legend) rather than as the page, and the not-significant grey and the lightest count class still stand out on it.
BACKGROUND_FILL = [238, 236, 230, 255]
NO_INCIDENTS_LABEL = "No incidents recorded"
# Withheld cells (public view, secondary suppression): a mid grey, not one of the count colours, named in the legend.
WITHHELD_FILL = [140, 140, 140, 200]
WITHHELD_LABEL = "Withheld, so small counts cannot be worked out"

# Black and thick: the partnership boundary is what members look for first, and it crosses the darkest fills (3:1
# against each; #282828 gave 2.5:1 across a 99% hot spot).
CSP_LINE = [0, 0, 0, 255]
LSOA_LINE = [100, 100, 100, 190]  # thin mid grey, for reference: 3.4:1 on white (was 2.2:1), lighter than the CSP line
PREDICTED_LINE = [0, 0, 0, 255]  # black and dashed (the boundary is solid), so not mistaken for a boundary or a class

# Data text (place and area names) as printed on a map: one line, at most this many characters.
_TEXT_LIMIT = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class CountClasses(NamedTuple):
    """The fill colour of each count and the upper bound of each quantile class (ascending)."""

    colours: list[list[int]]
    breaks: list[float]


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


def drawn_legend(cells: pd.DataFrame, unit: str, layer: str, *, predicted: bool = False, background: bool = False,
                 plain: bool = False) -> list[tuple[str, str]]:
    """The legend of a map of these cells: only the classes of the cells actually drawn, in the order of
    ``legend_items``; with ``background``, the area's background (``BACKGROUND_FILL``: the part with no incidents);
    with ``predicted``, the predicted outline. With ``plain``, the hot spot classes in plain words (``PLAIN_GI``).
    """
    _check_unit(unit)
    _check_layer(layer)
    shown = _shown_cells(cells, unit, layer)
    classes = _fills(shown, layer)
    drawn = {_hex(colour) for colour in classes.colours if colour != NO_FILL}
    items = [(label, colour) for label, colour in legend_items(layer, classes.breaks, withheld=any_withheld(shown))
             if colour in drawn]
    if plain:
        items = [(PLAIN_GI.get(label, label), colour) for label, colour in items]
    if background:
        items.append((NO_INCIDENTS_LABEL, _hex(BACKGROUND_FILL)))
    if predicted:
        items += legend_items(layer, classes.breaks, predicted=True)[-1:]
    return items


def plain_class(name: object) -> object:
    """A hot spot class in plain words (anything else as it is)."""
    return PLAIN_GI.get(name, name) if isinstance(name, str) else name


def any_withheld(cells: pd.DataFrame) -> bool:
    """Whether a public result's cells include withheld counts (the counts legend then names their grey)."""
    return "count_status" in cells and bool((cells["count_status"] == WITHHELD).any())


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


def _clean(value: object) -> str:
    """Data text for a tooltip: one line (a newline would fake a tooltip line), trimmed, of bounded length."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    text = " ".join(_CONTROL.sub(" ", str(value)).split())
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1] + "…"
