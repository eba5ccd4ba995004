"""The priority matrix chart: what it encodes, and its PNG for papers (drawn by vl-convert, no browser)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from lib import demo
from lib.priorities.scoring import POSITION_THRESHOLD, QUADRANTS, RISK_THRESHOLD, ranked
from lib.reports.charts import CONFIDENCE_SHAPES, chart_png, priority_matrix_chart


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
    assert {"Domestic abuse", "Road safety"} <= texts  # the chosen priorities are named on the chart


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
