"""The charts: the priority matrix (what it encodes, its numbers and key, its PNG for papers, drawn by vl-convert with
no browser) and every chart's presentation-mode sizes."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from lib import demo
from lib.core.accessibility import NON_TEXT_AA, TEXT_AA, contrast_ratio, over
from lib.priorities.scoring import POSITION_THRESHOLD, QUADRANTS, RISK_THRESHOLD, ranked
from lib.priorities.suggestions import SUGGESTED_LABEL
from lib.priorities.tables import ranked_table
from lib.reports import charts
from lib.reports.charts import CONFIDENCE_SHAPES, chart_png, place_numbers, priority_matrix_chart


def matrix_frame():
    frame = ranked(demo.agreed_assessment())
    frame["volume"] = np.linspace(10, 9000, len(frame))
    return frame


def layers(spec: dict) -> list[dict]:
    found = []
    for layer in spec.get("layer", []):
        found += layers(layer) if "layer" in layer else [layer]
    return found


def test_the_matrix_encodes_volume_confidence_and_choice_with_quadrant_advice():
    chart = priority_matrix_chart(matrix_frame(), "risk_position", (POSITION_THRESHOLD, RISK_THRESHOLD), QUADRANTS,
                                  "Avonmere")
    spec = chart.to_dict()
    points = next(layer for layer in layers(spec) if layer["mark"].get("type") == "point")
    encoding = points["encoding"]
    assert (encoding["x"]["field"], encoding["y"]["field"]) == ("position", "risk")
    assert encoding["size"]["field"] == "size"
    assert encoding["shape"]["scale"]["range"] == list(CONFIDENCE_SHAPES.values())
    texts = {str(v) for layer in layers(spec) if layer["mark"].get("type") == "text"
             for v in _data_values(spec, layer, layer["encoding"]["text"]["field"])}
    assert set(QUADRANTS.values()) <= texts
    key = " · ".join(spec["title"]["subtitle"])
    assert "Domestic abuse" in key and "Road safety" in key  # the chosen priorities are named on the chart (its key)


def test_suggested_scores_say_so_in_the_title_and_the_legend_and_nothing_is_drawn_as_chosen():
    frame = matrix_frame()  # the demo's agreed scores, some chosen: a suggestion is nobody's choice all the same
    spec = priority_matrix_chart(frame, "risk_position", (POSITION_THRESHOLD, RISK_THRESHOLD), QUADRANTS,
                                 "Avonmere: priorities for 2027/28", suggested=True).to_dict()
    assert spec["title"]["text"] == ["Avonmere: priorities for 2027/28", SUGGESTED_LABEL]
    assert "suggested from the data, not agreed by the partnership" in " ".join(spec["title"]["text"]).lower()
    points = next(layer for layer in layers(spec) if layer["mark"].get("type") == "point")
    colour = points["encoding"]["color"]
    assert colour["scale"]["domain"] == [SUGGESTED_LABEL]  # the legend's one entry names it
    assert colour["scale"]["range"] == [charts.CHOSEN_COLOURS["Not chosen"]]
    assert set(_data_values(spec, points, "status")) == {SUGGESTED_LABEL}
    agreed = matrix_spec(frame)
    assert agreed["title"]["text"] == "Avonmere" and SUGGESTED_LABEL not in json.dumps(agreed)


def test_the_suggested_matrix_png_draws_no_bubble_or_number_as_chosen():
    chart = priority_matrix_chart(matrix_frame(), "risk_position", (POSITION_THRESHOLD, RISK_THRESHOLD), QUADRANTS,
                                  "Avonmere", width=900, suggested=True)
    image = np.asarray(Image.open(io.BytesIO(chart_png(chart))).convert("RGB")).astype(int)
    dark_blue = ((image[..., 2] > 120) & (image[..., 0] < 40) & (image[..., 1] < 110)).sum()
    assert dark_blue < 50  # no bubble drawn as a chosen priority


def _data_values(spec: dict, layer: dict, field: str) -> list:
    """The values of one field in the data a layer draws (its own, or the chart's top-level data)."""
    name = layer.get("data", spec.get("data", {})).get("name")
    return [row.get(field) for row in spec.get("datasets", {}).get(name, [])]


def test_last_years_place_adds_a_line_per_issue_held_both_years():
    frame = matrix_frame()
    last = frame.assign(risk=frame["risk"] - 5).head(6)
    chart = priority_matrix_chart(frame, "harm_likelihood", (60, 50), QUADRANTS, "Avonmere", last_year=last)
    lines = [layer for layer in layers(chart.to_dict()) if layer["mark"].get("type") == "line"]
    assert 1 == len(lines) and lines[0]["encoding"]["detail"]["field"] == "issue"


def test_the_matrix_png_is_a_real_picture_of_the_right_size():
    chart = priority_matrix_chart(matrix_frame(), "risk_position", (POSITION_THRESHOLD, RISK_THRESHOLD), QUADRANTS,
                                  "Avonmere", width=900)
    png = chart_png(chart)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    assert image.shape[1] >= 1800  # 900 px at scale 2, plus axes and legends
    dark_blue = ((image[..., 2] > 120) & (image[..., 0] < 40) & (image[..., 1] < 110)).sum()
    assert dark_blue > 500  # the chosen priorities' bubbles are drawn


def matrix_spec(frame=None, present=False, width: int | str = "container") -> dict:
    frame = matrix_frame() if frame is None else frame
    return priority_matrix_chart(frame, "risk_position", (POSITION_THRESHOLD, RISK_THRESHOLD), QUADRANTS, "Avonmere",
                                 width=width, present=present).to_dict()


def number_layers(spec: dict) -> list[dict]:
    return [layer for layer in layers(spec) if layer["mark"].get("type") == "text"
            and layer["encoding"]["text"].get("field") == "number"]


def test_every_bubble_carries_the_rank_the_ranked_table_shows_and_the_key_names_it():
    frame = matrix_frame()
    spec = matrix_spec(frame)
    numbers = number_layers(spec)
    assert numbers  # the halo and the number over it
    drawn = _data_values(spec, numbers[-1], "number")
    table = ranked_table(frame)
    assert drawn == list(table["Rank"]) and len(drawn) == len(frame)  # every bubble identified, "=2" for a tie
    key = spec["title"]["subtitle"]
    for rank, issue in zip(table["Rank"], table["Issue"], strict=True):
        assert any(f"{rank} {issue}" in line for line in key), (rank, issue)


def test_numbers_never_overlap_even_where_bubbles_coincide():
    frame = matrix_frame()
    # Five issues on one spot, as equal scores put them, and two more a hair apart.
    frame.loc[:4, ["position", "risk"]] = [87.5, 52.0]
    frame.loc[5:6, ["position", "risk"]] = [[99.0, 99.0], [99.5, 99.5]]
    spec = matrix_spec(frame, width=900)
    values = _data_values(spec, number_layers(spec)[-1], "number")
    xs = _data_values(spec, number_layers(spec)[-1], "label_x")
    ys = _data_values(spec, number_layers(spec)[-1], "label_y")
    font = charts.MARK_TEXT[0] + 4
    boxes = [(x / 100 * 900, (100 - y) / 100 * 560, 0.62 * font * len(v) + 6, font + 4)
             for v, x, y in zip(values, xs, ys, strict=True)]
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            (xa, ya, wa, ha), (xb, yb, wb, hb) = boxes[a], boxes[b]
            assert abs(xa - xb) >= (wa + wb) / 2 or abs(ya - yb) >= (ha + hb) / 2, (values[a], values[b])
    # Nothing runs off the plot: every number inside 0 to 100 on both axes.
    assert all(0 <= x <= 100 for x in xs) and all(0 <= y <= 100 for y in ys)
    # A number moved off its bubble has a leader line back to it.
    leaders = [layer for layer in layers(spec) if layer["mark"].get("type") == "rule" and "x2" in layer["encoding"]]
    assert leaders and len(_data_values(spec, leaders[0], "issue")) >= 4


def test_place_numbers_keeps_a_free_number_on_its_bubble_and_is_deterministic():
    args = ([10.0, 50.0, 50.0], [10.0, 50.0, 50.0], [8.0, 8.0, 8.0], ["1", "2", "3"], (800, 500), 18)
    first = place_numbers(*args)
    assert first == place_numbers(*args)
    assert first[0] == pytest.approx((10.0, 10.0)) and first[1] == pytest.approx((50.0, 50.0))
    assert first[2] != pytest.approx((50.0, 50.0))  # the third shares the second's spot, so it moves


def test_quadrants_are_shaded_and_named_with_their_action_words_at_readable_contrast():
    spec = matrix_spec()
    rects = [layer for layer in layers(spec) if layer["mark"].get("type") == "rect"]
    tints = [layer["mark"]["color"] for layer in rects]
    assert sorted(tints) == sorted(charts.QUADRANT_TINTS.values())  # four quadrants, each in its tint
    spans = sorted((_data_values(spec, layer, "x")[0], _data_values(spec, layer, "y")[0]) for layer in rects)
    assert spans == sorted([(0, 0), (0, RISK_THRESHOLD), (POSITION_THRESHOLD, 0), (POSITION_THRESHOLD, RISK_THRESHOLD)])
    words = {str(v) for layer in layers(spec) if layer["mark"].get("type") == "text"
             for v in _data_values(spec, layer, layer["encoding"]["text"]["field"])}
    assert set(QUADRANTS.values()) <= words
    for tint in tints:
        assert contrast_ratio(charts.QUADRANT_TEXT, tint) >= TEXT_AA
        assert contrast_ratio(charts.CHART_TEXT, tint) >= TEXT_AA
        for line in (charts.THRESHOLD_RULE, charts.MOVEMENT_LINE, charts.MOVEMENT_START, charts.LEADER_LINE,
                     over(charts.CHOSEN_COLOURS["Chosen priority"], tint, charts.BUBBLE_OPACITY)):
            assert contrast_ratio(line, tint) >= NON_TEXT_AA, (line, tint)


def test_the_matrix_legend_stays_small_enough_for_a_1366_screen():
    spec = matrix_spec(present=True)
    points = next(layer for layer in layers(spec) if layer["mark"].get("type") == "point")
    assert points["encoding"]["size"]["legend"] is None  # volume said in words under the title instead
    assert "Bubble size" in spec["title"]["subtitle"][0]
    # Each line of the key fits the width the matrix is laid out for, at the presentation size.
    assert all(len(line) <= charts.KEY_CHARS[1] for line in spec["title"]["subtitle"][1:])


def sample_charts(present: bool) -> dict[str, dict]:
    months = ["2025-01", "2025-02", "2025-03"]
    points = pd.DataFrame({"area": ["Avonmere"] * 3, "period": months, "value": [1.0, 2, 3], "lower": [0.5, 1, 2],
                           "upper": [2.0, 3, 4], "note": [""] * 3})
    groups = pd.DataFrame({"month": months, "group": ["ASB"] * 3, "count": [5, 6, 7]})
    season = pd.DataFrame({"year": ["2024/25"] * 2, "month_name": ["Apr", "May"], "order": [0, 1], "count": [4, 5]})
    harm = pd.DataFrame({"month": months, "series": ["Incidents (count)"] * 3, "value": [10.0, 11, 12],
                         "index": [100.0, 110, 120]})
    peers = pd.DataFrame({"name": ["A", "B"], "selected": [True, False], "rate": [1.0, 2.0], "count": [5, 9],
                          "population": [5000, 4500]})
    built = {
        "trend": charts.trend_chart(points, "Title", "Incidents in the 12 months to each month", "95% CI", target=2.5,
                                    target_label="Target", baseline=("2025-01", "2025-02")),
        "monthly_groups": charts.monthly_groups_chart(groups, "Incidents"),
        "seasonal": charts.seasonal_chart(season, "By month", "Count"),
        "harm": charts.harm_chart(harm, "Harm"),
        "peer": charts.peer_chart(peers, 1.5, 1.0, 2.0, "Peers"),
        "sparkline": charts.sparkline([1.0, 2.0, 3.0]),
    }
    specs = {name: charts.scaled(chart, present).to_dict() for name, chart in built.items()}
    specs["matrix"] = matrix_spec(present=present)
    return specs


@pytest.mark.parametrize("name", ["trend", "monthly_groups", "seasonal", "harm", "peer", "sparkline", "matrix"])
def test_presentation_mode_sizes_every_chart_for_the_back_of_the_room(name):
    normal, present = sample_charts(False)[name], sample_charts(True)[name]
    config = present["config"]
    assert config["axis"]["labelFontSize"] >= 18 and config["axis"]["titleFontSize"] >= 18
    assert config["legend"]["labelFontSize"] >= 18 and config["legend"]["titleFontSize"] >= 18
    assert config["title"]["fontSize"] > max(18, normal.get("config", {}).get("title", {}).get("fontSize", 18))
    assert config["title"]["subtitleFontSize"] >= 18
    for layer in layers(present) or [present]:
        mark = layer["mark"] if isinstance(layer["mark"], dict) else {"type": layer["mark"]}
        if mark["type"] == "text":
            assert mark.get("fontSize", 0) >= 18, mark
        if mark["type"] == "line":
            assert mark.get("strokeWidth", 0) >= 4, mark
        # No explicit size below 18 px anywhere in the encodings (an axis or legend's own size beats the config).
        for channel in layer.get("encoding", {}).values():
            for part in ("axis", "legend"):
                if isinstance(channel, dict) and isinstance(channel.get(part), dict):
                    assert channel[part].get("labelFontSize", 18) >= 18, (name, channel)


def test_normal_mode_is_left_as_built():
    built = charts.sparkline([1.0, 2.0])
    assert charts.scaled(built, False) is built


@pytest.mark.parametrize("name", ["trend", "monthly_groups", "seasonal", "harm", "peer"])
def test_every_series_colour_a_chart_uses_reaches_3_to_1_on_white(name):
    spec = sample_charts(True)[name]
    colours = [c for layer in layers(spec) or [spec]
               for channel in ("color", "fill") if isinstance(layer.get("encoding", {}).get(channel), dict)
               for c in layer["encoding"][channel].get("scale", {}).get("range", [])]
    assert colours
    assert all(contrast_ratio(c, "#ffffff") >= NON_TEXT_AA for c in colours), colours


def test_charts_grow_to_hold_their_titles_instead_of_clipping_them():
    # Streamlit's default "fit" squeezed title, axes and legend into the plot's height, which pushed a long title
    # off the top of the element (under the tab bar); "fit-x" keeps the width fitted and lets the height grow.
    for name, spec in sample_charts(True).items():
        assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}, name
    trend = sample_charts(True)["trend"]
    line = next(layer for layer in layers(trend) if layer["mark"]["type"] == "line")
    assert line["encoding"]["y"]["title"] == ["Incidents in the 12 months to", "each month"]
