"""The shared table draws every value to ``lib.core.formatting``'s rules (issue 17: no None/nan, rates to 1 dp)."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def _table_app():
    import numpy as np
    import pandas as pd

    from ui import widgets

    widgets.table(
        pd.DataFrame({"priority": ["Road safety", None], "Count": [1234, 5], "Rate": [9.7643, np.nan],
                      "Year": [2024, 2025], "Shown": ["1,200", "fewer than 5"]}),
        labels={"priority": "Priority"},
    )


def test_a_table_formats_numbers_keeps_them_sortable_and_shows_no_none():
    app = AppTest.from_function(_table_app, default_timeout=60).run()
    assert not app.exception
    grid = app.dataframe[0]
    columns = json.loads(grid.proto.columns)
    assert "—" == grid.proto.placeholder  # a missing value shows as an em dash, not "None"
    assert "Priority" == columns["priority"]["label"]
    assert "%,d" == columns["Count"]["type_config"]["format"]
    assert "%,.1f" == columns["Rate"]["type_config"]["format"]  # 9.7643 shows as 9.8
    assert "%d" == columns["Year"]["type_config"]["format"]  # 2025, not 2,025
    assert "right" == columns["Shown"]["alignment"]
    assert columns["Shown"]["width"] >= len("fewer than 5") * 12  # room for the words, not "fewer thar"
    shown = grid.value
    assert shown["Count"].tolist() == [1234, 5] and shown["Rate"].iloc[0] == 9.7643  # still numbers
