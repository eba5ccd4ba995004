"""Colour and charts against WCAG 2.2 AA: contrast of every colour the dashboard uses, colour-vision deficiency, and
series told apart by more than colour.

Backgrounds: the theme's white page (charts and maps are drawn on it) and its grey secondary background (the
sidebar and widgets). Text needs 4.5:1 (3:1 when large); lines, bars, bubbles, rules and map fills that carry
meaning need 3:1 against what they are drawn on (1.4.11). A colour that is light by design is listed in EXEMPT by
name with the reason, and the reason is tested instead.

Colour-vision deficiency is simulated with colorspacious (a development requirement): Machado, Oliveira and
Fernandes (2009) at severity 100, that is deuteranopia, protanopia and tritanopia, and distances are CAM02-UCS
Delta E' (Luo, Cui and Li 2006), in which about 1 is a just-noticeable difference between large patches.
"""

from __future__ import annotations

import functools
import itertools
import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import vl_convert
from colorspacious import cspace_convert, deltaE

from lib import demo
from lib.core.accessibility import (
    LARGE_TEXT_AA,
    NON_TEXT_AA,
    TEXT_AA,
    contrast_ratio,
    over,
    relative_luminance,
    rgb,
    text_threshold,
)
from lib.hotspots import map_style, maps
from lib.priorities.scoring import POSITION_THRESHOLD, QUADRANTS, RISK_THRESHOLD, ranked
from lib.reports import charts
from ui import widgets

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"
THEME = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["theme"]
WHITE = "#ffffff"
PAGE, SIDEBAR = THEME["backgroundColor"], THEME["secondaryBackgroundColor"]
CAPTION_OPACITY = 0.6  # Streamlit draws captions, help and other secondary text at 60% of the text colour

DEFICIENCIES = ("deuteranomaly", "protanomaly", "tritanomaly")  # at severity 100: -anopia
# Series colours and hot-against-cold are categories told apart at a glance, often as 3 px lines or small bubbles,
# where a difference must be many times the large-patch threshold. 10 units is what the Okabe-Ito palette (the
# reference colour-blind-safe set) itself keeps between its weakest pair under any of the three simulations (11.0,
# orange against reddish purple, tritanopia), rounded down.
MIN_CATEGORY_DISTANCE = 10.0
# Neighbouring classes of an ordered ramp (Gi* confidence levels, count classes) are large filled cells read against
# a legend, and are ordered by lightness, which every dichromacy keeps: about five just-noticeable differences, with
# the order of lightness unchanged under each simulation.
MIN_STEP_DISTANCE = 5.0

BASELINE = over(charts.BASELINE_SHADE, WHITE, charts.BASELINE_OPACITY)
BUBBLE_OPACITY = 0.85  # checked against the chart below
WORDS_UNDER_MAP = "the count and class are in each cell's tooltip; the busiest cells are listed in words under the map"

# Colours that carry meaning but are light by design, by name, with why the meaning does not rest on their contrast.
# The contrast test fails for an exempt colour that reaches 3:1, so this list cannot go stale.
EXEMPT = {
    "maps.GI_COLOURS[Not significant]": "means 'incidents, but no cluster': told from the hot and cold classes, which "
                                        "are all far darker, not from the page",
    "maps.COUNT_PALETTE[0]": "the light end of a sequential ramp: 'a few incidents', next to no fill for none; "
                             + WORDS_UNDER_MAP,
    "maps.COUNT_PALETTE[1]": "the light end of a sequential ramp; " + WORDS_UNDER_MAP,
    "charts.CHOSEN_COLOURS[Not chosen]": "every bubble has a black outline, which separates it from the page; chosen "
                                         "or not is also told by the outline's width",
    "charts.BASELINE_SHADE": "a backdrop behind the lines must stay light; the band is named 'Baseline' in words",
    **{f"charts.trend_chart interval[{i}]": "a tint of its own line, which runs through it; the bounds are in the "
                                            "tooltip and the table under the chart"
       for i in range(len(charts.SERIES_COLOURS))},
}


def units(spec: dict) -> list[dict]:
    """The single-mark views of a chart spec (layers flattened)."""
    found = []
    for layer in spec.get("layer", [spec]):
        found += units(layer) if "layer" in layer else [layer] if "mark" in layer else []
    return found


def mark_type(unit: dict) -> str:
    return unit["mark"]["type"] if isinstance(unit["mark"], dict) else unit["mark"]


COLOUR_CHANNELS = ("color", "fill", "stroke")
NON_COLOUR_CHANNELS = ("strokeDash", "shape", "strokeWidth", "text")


def coloured_by(layer: dict) -> dict[str, dict]:
    """The layer's colour channels that encode a field (not a fixed value), by channel."""
    encoding = layer.get("encoding", {})
    return {channel: encoding[channel] for channel in COLOUR_CHANNELS if "field" in encoding.get(channel, {})}


@functools.cache  # built once; the tests only read the specs
def multi_series_charts() -> dict[str, dict]:
    months = ["2025-01", "2025-02", "2025-03"]
    groups = pd.DataFrame({"month": months * 2, "group": ["ASB"] * 3 + ["Violence"] * 3, "count": [5, 6, 7, 1, 2, 3]})
    points = pd.DataFrame({"area": ["Avonmere"] * 3 + ["Brookfield"] * 3, "period": months * 2,
                           "value": [1.0, 2, 3, 2, 3, 4], "lower": [0.5, 1, 2, 1, 2, 3], "upper": [2.0, 3, 4, 3, 4, 5],
                           "note": [""] * 6})
    season = pd.DataFrame({"year": ["2023/24"] * 2 + ["2024/25"] * 2, "month_name": ["Apr", "May"] * 2,
                           "order": [0, 1] * 2, "count": [4, 5, 6, 7]})
    harm = pd.DataFrame({"month": months * 2, "series": ["Incidents (count)"] * 3 + ["Harm (severity-weighted)"] * 3,
                         "value": [10.0, 11, 12, 20, 21, 22], "index": [100.0, 110, 120, 100, 105, 110]})
    frame = ranked(demo.agreed_assessment())
    frame["volume"] = np.linspace(10, 9000, len(frame))
    return {
        "monthly_groups_chart": charts.monthly_groups_chart(groups, "Incidents").to_dict(),
        "trend_chart": charts.trend_chart(points, "Rate", "Per 1,000", "95% CI", target=2.5, target_label="Target",
                                          baseline=("2025-01", "2025-02")).to_dict(),
        "seasonal_chart": charts.seasonal_chart(season, "By month", "Count").to_dict(),
        "harm_chart": charts.harm_chart(harm, "Harm").to_dict(),
        "priority_matrix_chart": charts.priority_matrix_chart(
            frame, "risk_position", (POSITION_THRESHOLD, RISK_THRESHOLD), QUADRANTS, "Matrix").to_dict(),
    }


def non_text_colours() -> dict[str, str]:
    """Every colour of a graphical object that carries meaning, as seen on the white page, by name."""
    named = {f"charts.SERIES_COLOURS[{i}]": c for i, c in enumerate(charts.SERIES_COLOURS)}
    named |= {f"charts.PEER_COLOURS[{k}]": c for k, c in charts.PEER_COLOURS.items()}
    named |= {f"charts.CHOSEN_COLOURS[{k}]": over(c, WHITE, BUBBLE_OPACITY) for k, c in charts.CHOSEN_COLOURS.items()}
    named |= {f"charts.{name}": getattr(charts, name) for name in
              ("RULE_COLOUR", "THRESHOLD_RULE", "MOVEMENT_LINE", "MOVEMENT_START", "BUBBLE_OUTLINE")}
    named["charts.BASELINE_SHADE"] = BASELINE
    named |= {f"charts.trend_chart interval[{i}]": over(c, WHITE, interval_opacity())
              for i, c in enumerate(charts.SERIES_COLOURS)}
    named |= {f"maps.GI_COLOURS[{k}]": over(c) for k, c in map_style.GI_COLOURS.items()}
    named |= {f"maps.COUNT_PALETTE[{i}]": over(c) for i, c in enumerate(map_style.COUNT_PALETTE)}
    named |= {f"maps.{name}": over(getattr(map_style, name)) for name in ("CSP_LINE", "LSOA_LINE", "PREDICTED_LINE")}
    return named


def interval_opacity() -> float:
    """The opacity of the trend chart's confidence interval band, as drawn."""
    band = next(layer for layer in units(multi_series_charts()["trend_chart"]) if mark_type(layer) == "area")
    return band["mark"]["opacity"]


def simulate(colour: str, deficiency: str | None) -> np.ndarray:
    """The colour (sRGB, 0 to 1) as seen with a colour-vision deficiency, or as it is with None."""
    value = np.array(rgb(colour)) / 255
    if deficiency is None:
        return value
    space = {"name": "sRGB1+CVD", "cvd_type": deficiency, "severity": 100}
    return np.clip(cspace_convert(value, space, "sRGB1"), 0, 1)


def distance(a: str, b: str, deficiency: str | None) -> float:
    """CAM02-UCS Delta E' between two colours as seen with the deficiency."""
    return float(deltaE(simulate(a, deficiency), simulate(b, deficiency), input_space="sRGB1"))


def closest_pair(colours: list[str], deficiency: str | None) -> tuple[float, str, str]:
    return min((distance(a, b, deficiency), a, b) for a, b in itertools.combinations(colours, 2))


def lightness(colour: str, deficiency: str | None) -> float:
    """CAM02-UCS J' of the colour as seen with the deficiency."""
    return float(cspace_convert(simulate(colour, deficiency), "sRGB1", "CAM02-UCS")[0])


# ---- the contrast arithmetic -----------------------------------------------------------------------------------


def test_contrast_ratio_matches_known_wcag_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#fff", "white") == pytest.approx(1.0)
    # The well-known boundary: #767676 is the lightest grey with 4.5:1 on white, #777777 just fails.
    assert contrast_ratio("#767676", WHITE) == pytest.approx(4.54, abs=0.01) and contrast_ratio("#767676", WHITE) >= 4.5
    assert contrast_ratio("#777777", WHITE) < TEXT_AA
    assert contrast_ratio("#0072B2", WHITE) == pytest.approx(contrast_ratio(WHITE, "#0072b2"))  # order, case
    assert contrast_ratio("#E69F00", WHITE) == pytest.approx(2.25, abs=0.01)  # Okabe-Ito orange: fails 3:1


def test_relative_luminance_uses_the_srgb_threshold():
    assert relative_luminance("#ff0000") == pytest.approx(0.2126)
    assert relative_luminance("#00ff00") == pytest.approx(0.7152)
    # 10/255 = 0.0392 is below 0.04045 (linear part), 11/255 = 0.0431 above it (power part).
    assert relative_luminance("#0a0a0a") == pytest.approx(10 / 255 / 12.92)
    assert relative_luminance("#0b0b0b") == pytest.approx(((11 / 255 + 0.055) / 1.055) ** 2.4)


def test_thresholds_blending_and_parsing():
    assert (TEXT_AA, LARGE_TEXT_AA, NON_TEXT_AA) == (4.5, 3.0, 3.0)
    assert text_threshold(24) == text_threshold(18.66, bold=True) == LARGE_TEXT_AA
    assert text_threshold(18.66) == text_threshold(18, bold=True) == text_threshold(14, bold=True) == TEXT_AA
    assert over([0, 0, 0, 255]) == "#000000" and over([0, 0, 0, 0]) == WHITE
    assert over("#000000", WHITE, 0.5) == "#808080" and over([200, 100, 0]) == "#c86400"
    for bad in ("#12345", "blue", "#gggggg"):
        with pytest.raises(ValueError):
            rgb(bad)


def test_the_simulation_finds_a_known_confusion():
    # Red against green (Tableau's pair) is the classic deuteranope confusion; blue against orange is not.
    assert distance("#d62728", "#2ca02c", None) > 50
    assert distance("#d62728", "#2ca02c", "deuteranomaly") < MIN_CATEGORY_DISTANCE
    assert distance("#0072B2", "#E69F00", "deuteranomaly") > 30


# ---- the theme -------------------------------------------------------------------------------------------------


def test_theme_text_reaches_aa_on_both_backgrounds_even_faded():
    for background in (PAGE, SIDEBAR):
        assert contrast_ratio(THEME["textColor"], background) >= TEXT_AA
        caption = over(THEME["textColor"], background, CAPTION_OPACITY)
        assert contrast_ratio(caption, background) >= TEXT_AA, (background, caption)


def test_theme_primary_colour_reaches_aa_as_text_and_under_white_text():
    assert contrast_ratio(THEME["primaryColor"], PAGE) >= TEXT_AA  # also white text on a primary button
    assert contrast_ratio(THEME["primaryColor"], SIDEBAR) >= TEXT_AA
    assert THEME["base"] == "light" and PAGE.lower() == WHITE  # what the charts and maps assume


def test_theme_chart_colours_are_the_series_colours():
    assert [c.lower() for c in THEME["chartCategoricalColors"]] == [c.lower() for c in charts.SERIES_COLOURS]


def test_badges_and_status_words_meet_aa_and_never_rely_on_colour():
    used = set(widgets.RAG_BADGE_COLOURS.values()) | {"orange", "red", "green"}  # "Restricted" badge, metric deltas
    for colour in sorted(used):
        text, background = THEME[f"{colour}TextColor"], THEME[f"{colour}BackgroundColor"]
        assert contrast_ratio(text, background) >= TEXT_AA, colour
    # Every status has its own icon beside its word.
    assert set(widgets.RAG_BADGE_COLOURS) <= set(widgets.RAG_MATERIAL_ICONS)
    icons = [widgets.RAG_MATERIAL_ICONS[status] for status in widgets.RAG_BADGE_COLOURS]
    assert len(set(icons)) == len(icons)
    assert contrast_ratio(THEME["blueTextColor"], PAGE) >= TEXT_AA  # links take blueTextColor


def test_judgement_tints_keep_dark_text_at_aa():
    for word, tint in widgets.JUDGEMENT_TINTS.items():
        assert contrast_ratio("#111111", tint) >= TEXT_AA, word


# ---- graphical objects and chart text --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(non_text_colours()))
def test_graphical_objects_reach_3_to_1_on_white_unless_exempt_by_name(name):
    ratio = contrast_ratio(non_text_colours()[name], WHITE)
    if name in EXEMPT:
        # Light by design (see EXEMPT); once it passes, the exemption must go, so the list cannot go stale.
        assert ratio < NON_TEXT_AA, f"{name} now reaches {ratio:.2f}:1: drop its exemption"
    else:
        assert ratio >= NON_TEXT_AA, f"{name}: {ratio:.2f}:1 on white"


def test_exemptions_name_colours_the_dashboard_uses():
    assert set(EXEMPT) <= set(non_text_colours())


def test_series_lines_keep_3_to_1_across_the_baseline_shade():
    for colour in charts.SERIES_COLOURS:
        assert contrast_ratio(colour, BASELINE) >= NON_TEXT_AA, colour


def test_rules_stay_visible_across_the_peer_bars():
    for colour in charts.PEER_COLOURS.values():
        assert contrast_ratio(charts.RULE_COLOUR, colour) >= NON_TEXT_AA, colour


def test_chart_text_colours():
    assert contrast_ratio(charts.CHART_TEXT, WHITE) >= TEXT_AA
    # Quadrant advice is 14 px bold: not "large", so 4.5:1.
    assert contrast_ratio(charts.QUADRANT_TEXT, WHITE) >= text_threshold(14, bold=True) == TEXT_AA


def test_map_boundaries_stay_visible_across_every_fill():
    fills = [over(c) for name, c in map_style.GI_COLOURS.items()] + [over(c) for c in map_style.COUNT_PALETTE]
    for line in (map_style.CSP_LINE, map_style.PREDICTED_LINE):
        for fill in fills:
            assert contrast_ratio(over(line), fill) >= NON_TEXT_AA, (line, fill)


def test_map_tooltip_text():
    style = maps.TOOLTIP_STYLE
    assert contrast_ratio(style["color"], style["backgroundColor"]) >= TEXT_AA
    assert float(style["fontSize"].removesuffix("px")) >= 16


def test_not_significant_is_lighter_than_every_hot_or_cold_class():
    grey = relative_luminance(over(map_style.GI_COLOURS[map_style.NOT_SIGNIFICANT]))
    others = [relative_luminance(over(c)) for k, c in map_style.GI_COLOURS.items() if k != map_style.NOT_SIGNIFICANT]
    assert grey > max(others)
    # Darker than the lightest significant class by a clear step, so the grey never reads as a weak hot spot.
    assert contrast_ratio(over(map_style.GI_COLOURS[map_style.NOT_SIGNIFICANT]),
                          over(map_style.GI_COLOURS[map_style.HOT_90])) >= 2
    assert map_style.NOT_SIGNIFICANT in [label for label, _ in map_style.legend_items("gi")]


def test_light_count_classes_are_the_low_end_and_counts_are_in_words():
    exempt = [i for i in range(len(map_style.COUNT_PALETTE)) if f"maps.COUNT_PALETTE[{i}]" in EXEMPT]
    assert exempt == list(range(len(exempt)))  # only the light end of the ramp, never a busy class
    assert ("count", "Incidents: {count}") in maps.TOOLTIP_LINES


# ---- colour-vision deficiency ----------------------------------------------------------------------------------


@pytest.mark.parametrize("deficiency", [None, *DEFICIENCIES])
def test_categorical_palettes_stay_apart(deficiency):
    palettes = {
        "series": charts.SERIES_COLOURS,
        "peer": list(charts.PEER_COLOURS.values()),
        "chosen": [over(c, WHITE, BUBBLE_OPACITY) for c in charts.CHOSEN_COLOURS.values()],
    }
    for name, colours in palettes.items():
        gap, a, b = closest_pair(colours, deficiency)
        assert gap >= MIN_CATEGORY_DISTANCE, (name, deficiency, a, b, round(gap, 1))
    hot = [over(map_style.GI_COLOURS[k]) for k in (map_style.HOT_99, map_style.HOT_95, map_style.HOT_90)]
    cold = [over(map_style.GI_COLOURS[k]) for k in (map_style.COLD_99, map_style.COLD_95, map_style.COLD_90)]
    grey = over(map_style.GI_COLOURS[map_style.NOT_SIGNIFICANT])
    for a, b in [*itertools.product(hot, cold), *((c, grey) for c in hot + cold)]:
        assert distance(a, b, deficiency) >= MIN_CATEGORY_DISTANCE, (deficiency, a, b)


@pytest.mark.parametrize("deficiency", [None, *DEFICIENCIES])
def test_ordered_classes_keep_their_order_and_steps(deficiency):
    ramps = {
        "hot": [map_style.GI_COLOURS[k] for k in (map_style.HOT_90, map_style.HOT_95, map_style.HOT_99)],
        "cold": [map_style.GI_COLOURS[k] for k in (map_style.COLD_90, map_style.COLD_95, map_style.COLD_99)],
        "counts": map_style.COUNT_PALETTE,
    }
    for name, ramp in ramps.items():
        seen = [over(c) for c in ramp]  # light to dark
        shades = [lightness(c, deficiency) for c in seen]
        assert shades == sorted(shades, reverse=True), (name, deficiency)
        for a, b in itertools.pairwise(seen):
            assert distance(a, b, deficiency) >= MIN_STEP_DISTANCE, (name, deficiency, a, b)


# ---- charts: series told apart by more than colour -------------------------------------------------------------


@pytest.mark.parametrize("name", ["monthly_groups_chart", "trend_chart", "seasonal_chart", "harm_chart",
                                  "priority_matrix_chart"])
def test_every_colour_coded_field_is_also_coded_without_colour(name):
    spec = multi_series_charts()[name]
    layers = units(spec)
    coloured = {channel["field"] for layer in layers for channel in coloured_by(layer).values()}
    assert coloured, f"{name} colours no series"
    for field in coloured:
        carriers = {channel for layer in layers for channel in NON_COLOUR_CHANNELS
                    if layer.get("encoding", {}).get(channel, {}).get("field") == field}
        assert carriers, f"{name}: {field} is told apart by colour alone"
        # Where a layer colours a field, a line of it carries the dash (an interval band lies under its line).
        for layer in layers:
            fields = {channel["field"] for channel in coloured_by(layer).values()}
            if field in fields and mark_type(layer) == "line":
                assert any(layer["encoding"].get(channel, {}).get("field") == field
                           for channel in NON_COLOUR_CHANNELS), f"{name}: a {field} line without a dash"


@pytest.mark.parametrize("name", ["monthly_groups_chart", "trend_chart", "seasonal_chart", "harm_chart"])
def test_series_take_the_checked_colours_and_dark_text(name):
    spec = multi_series_charts()[name]
    ranges = [channel["scale"].get("range") for layer in units(spec) for channel in coloured_by(layer).values()]
    assert ranges and all(r == charts.SERIES_COLOURS for r in ranges), name  # not the theme's or Vega's defaults
    config = spec["config"]
    assert config["axis"]["labelColor"] == config["axis"]["titleColor"] == charts.CHART_TEXT
    assert config["legend"]["labelColor"] == config["title"]["color"] == charts.CHART_TEXT
    for layer in units(spec):
        if mark_type(layer) == "text":  # labels drawn on the chart, not Streamlit's first series colour
            assert layer["mark"].get("color") == charts.CHART_TEXT, name


@pytest.mark.parametrize("name", ["monthly_groups_chart", "trend_chart", "seasonal_chart", "harm_chart",
                                  "priority_matrix_chart"])
def test_colour_and_its_second_channel_share_one_legend(name):
    # Vega-Lite merges two legends only when their scales have the same domain; otherwise the colour legend shows
    # plain strokes and the dash legend has invisible symbols, and a dash cannot be matched to its name.
    legends = vl_convert.vegalite_to_vega(json.dumps(multi_series_charts()[name])).get("legends", [])
    merged = [legend for legend in legends
              if {"stroke", "fill"} & set(legend) and set(NON_COLOUR_CHANNELS) & set(legend)]
    assert len(merged) == 1, (name, legends)
    # Its symbols as strong as the marks, not as faint as an interval band.
    encoded = merged[0].get("encode", {}).get("symbols", {}).get("update", {}).get("opacity", {}).get("value", 1)
    assert merged[0].get("symbolOpacity", encoded) >= BUBBLE_OPACITY, name


def test_the_trend_chart_gives_the_interval_in_words():
    layers = units(multi_series_charts()["trend_chart"])
    line = next(layer for layer in layers if mark_type(layer) == "line")
    assert {"lower", "upper"} <= {tip["field"] for tip in line["encoding"]["tooltip"]}


def test_the_trend_chart_names_its_baseline_in_words():
    layers = units(multi_series_charts()["trend_chart"])
    shade = next(layer for layer in layers if mark_type(layer) == "rect")
    assert shade["mark"]["color"] == charts.BASELINE_SHADE and shade["mark"]["opacity"] == charts.BASELINE_OPACITY
    assert any(mark_type(layer) == "text" and layer["encoding"]["text"]["field"] == "what" for layer in layers)


def test_the_matrix_tells_chosen_priorities_by_outline_as_well_as_fill():
    spec = multi_series_charts()["priority_matrix_chart"]
    points = next(layer for layer in units(spec) if mark_type(layer) == "point" and "size" in layer["encoding"])
    assert points["mark"]["stroke"] == charts.BUBBLE_OUTLINE and points["mark"]["opacity"] == BUBBLE_OPACITY
    width = points["encoding"]["strokeWidth"]
    assert width["field"] == points["encoding"]["color"]["field"] == "status"
    widths = dict(zip(width["scale"]["domain"], width["scale"]["range"], strict=True))
    assert widths["Chosen priority"] > widths["Not chosen"]
    texts = [layer for layer in units(spec) if mark_type(layer) == "text"]
    quadrant = [layer for layer in texts if layer["mark"].get("fontWeight") == "bold"]
    assert quadrant and all(layer["mark"]["color"] == charts.QUADRANT_TEXT for layer in quadrant)


def test_the_peer_chart_names_the_csp_as_well_as_colouring_it():
    peers = pd.DataFrame({"name": ["Avonmere", "Brookfield", "Castleton"], "selected": [True, False, False],
                          "rate": [3.0, 2.0, 4.0], "count": [30, 20, 40], "population": [10_000] * 3})
    spec = charts.peer_chart(peers, 3.0, 1.5, 4.5, "Peers").to_dict()
    bars = next(layer for layer in units(spec) if mark_type(layer) == "bar")
    scale = bars["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == charts.PEER_COLOURS
    labels = [row["label"] for rows in spec["datasets"].values() for row in rows if "label" in row]
    assert labels and [label.endswith("(this CSP)") for label in labels] == [True, False, False]
    rules = next(layer for layer in units(spec) if mark_type(layer) == "rule")
    assert rules["mark"]["color"] == charts.RULE_COLOUR and rules["encoding"]["strokeDash"]["field"] == "line"
