"""A chart as a finished Vega-Lite spec that carries its own data, so a page can keep it and draw it again without
Altair building and checking it afresh: for the priority matrix that work is about 0.4 s of every run on 2 cores,
where drawing a kept spec takes a few milliseconds."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

# Charts that hold other charts, and the properties that hold them.
COMPOSITIONS = ("layer", "vconcat", "hconcat", "concat")
# Altair's default theme: its only setting, a size for a view that has none of its own. Streamlit draws Altair
# charts without it, so a kept spec leaves it out too.
DEFAULT_THEME_VIEW = {"continuousWidth": 300, "continuousHeight": 300}


def vega_lite_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """``chart`` as a Vega-Lite spec with every table of its data inline (records under ``datasets``), checked
    against the Vega-Lite schema; ``chart`` itself is left as it was.

    Altair turns a data frame into data through a *global* data transformer, and Streamlit swaps in its own
    transformer (and theme) while it converts a chart, in whichever session's thread is drawing one. The frames
    are made inline data here first, so no transformer is involved and a conversion in another thread cannot
    take this chart's data away.
    """
    spec = _with_inline_data(chart).to_dict()
    _drop_default_theme(spec)
    return spec


def _with_inline_data(chart: Any) -> Any:
    """A shallow copy of ``chart`` (and of the charts inside it) with each data frame replaced by inline records,
    as Altair's own default transformer writes them (``alt.to_values``: dates as ISO text, missing values as null)."""
    copy = chart.copy(deep=False)
    data = getattr(copy, "data", alt.Undefined)
    if isinstance(data, pd.DataFrame):
        copy.data = alt.InlineData(values=alt.to_values(data)["values"])
    for name in COMPOSITIONS:
        parts = getattr(copy, name, alt.Undefined)
        if isinstance(parts, list):
            setattr(copy, name, [_with_inline_data(part) for part in parts])
    return copy


def _drop_default_theme(spec: dict[str, Any]) -> None:
    config = spec.get("config", {})
    view = config.get("view", {})
    for name, value in DEFAULT_THEME_VIEW.items():
        if view.get(name) == value:
            del view[name]
    if "view" in config and not view:
        del config["view"]
