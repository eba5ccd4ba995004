"""A chart kept as a finished Vega-Lite spec (lib.reports.chart_spec): the same chart as Altair would write, with its
data inline, whatever data transformer another thread has switched on, and the chart it came from untouched."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from lib import demo
from lib.priorities.scoring import POSITION_THRESHOLD, QUADRANTS, RISK_THRESHOLD, ranked
from lib.reports.chart_spec import DEFAULT_THEME_VIEW, vega_lite_spec
from lib.reports.charts import priority_matrix_chart


def matrix():
    frame = ranked(demo.agreed_assessment())
    frame["volume"] = np.linspace(10, 9000, len(frame))
    frame.loc[frame.index[0], "volume"] = np.nan  # a missing volume must arrive as null, not NaN
    return priority_matrix_chart(frame, "risk_position", (POSITION_THRESHOLD, RISK_THRESHOLD), QUADRANTS, "Avonmere")


def rows(spec: dict) -> list[list[dict]]:
    """Each dataset's rows, in a stable order, to compare two specs whose datasets are named differently."""
    return sorted((sorted(values, key=repr) for values in spec.get("datasets", {}).values()), key=repr)


def without_data(spec: dict) -> dict:
    """The spec with the datasets' names and contents left out (what draws them, not what they are called)."""
    if isinstance(spec, dict):
        return {k: without_data(v) for k, v in spec.items() if k not in ("datasets", "name")}
    if isinstance(spec, list):
        return [without_data(v) for v in spec]
    return spec


def test_the_spec_is_the_chart_altair_writes_with_the_same_rows_inline():
    chart = matrix()
    altairs = chart.to_dict()  # Altair's default transformer: the frames' rows inline, under datasets
    kept = vega_lite_spec(chart)
    assert rows(kept) == rows(altairs)
    for name, value in DEFAULT_THEME_VIEW.items():  # Streamlit draws Altair charts without the default theme
        assert altairs["config"]["view"][name] == value
        assert name not in kept["config"].get("view", {})
    altairs["config"].pop("view")
    assert without_data(kept) == without_data(altairs)
    assert None in [row.get("volume") for dataset in kept["datasets"].values() for row in dataset]


def test_dates_arrive_as_text_and_charts_inside_charts_carry_their_data():
    months = pd.date_range("2024-04-01", periods=6, freq="MS")
    table = pd.DataFrame({"month": months, "value": [4.0, 5.0, np.nan, 6.0, 7.0, 8.0]})
    line = alt.Chart(table).mark_line().encode(x="month:T", y="value:Q")
    dots = alt.Chart(table.head(2)).mark_point().encode(x="month:T", y="value:Q")
    spec = vega_lite_spec(alt.vconcat(alt.layer(line, dots), line))
    datasets = list(spec["datasets"].values())
    assert sorted(len(d) for d in datasets) == [2, 6]
    assert [row["month"][:10] for row in max(datasets, key=len)] == [f"{m:%Y-%m-%d}" for m in months]
    assert [row["value"] for row in max(datasets, key=len)][2] is None


def test_another_threads_data_transformer_cannot_take_the_data_away():
    # Streamlit switches Altair's global transformer to its own while it converts a chart in some session's
    # thread; a conversion that went through the transformer would hand this chart's rows to that one.
    taken: list = []

    def elsewhere(data, **_):
        taken.append(data)
        return {"name": "taken-elsewhere"}

    alt.data_transformers.register("elsewhere", elsewhere)
    with alt.data_transformers.enable("elsewhere"):
        kept = vega_lite_spec(matrix())
    assert not taken
    assert "taken-elsewhere" not in str(kept)
    assert sum(len(dataset) for dataset in kept["datasets"].values()) > len(QUADRANTS)


def test_the_chart_it_came_from_keeps_its_frames():
    chart = matrix()
    before = [type(layer.data) for layer in chart.layer]
    vega_lite_spec(chart)
    assert [type(layer.data) for layer in chart.layer] == before
    assert pd.DataFrame in before
