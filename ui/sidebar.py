"""The shared sidebar: the area and period every page shows, kept in the session and the link, and the source line."""

from __future__ import annotations

import streamlit as st

from lib.core.areas import Area, area_named, nearest_area_names
from lib.core.attribution import OGL
from lib.core.periods import (
    LATEST_12,
    Period,
    custom_period,
    month_label,
    months_between,
    parse_period,
    period_presets,
    shift_months,
)
from lib.store import summary
from lib.store.summary import StoreOverview
from ui import link
from ui.data import Selection, Store, load_picker_areas
from ui.modes import public_mode
from ui.widgets import plain_text

AREA_KEY, PERIOD_KEY, MONTHS_KEY = "sidebar_area", "sidebar_period", "sidebar_months"
CUSTOM = "custom"


def sidebar_selection(store: Store, overview: StoreOverview) -> Selection | None:
    """Draw the area and period pickers; remember the choice in the session and the link."""
    areas = load_picker_areas(store)
    if not areas or not overview.first_month:
        st.sidebar.info("No incidents are loaded yet. The Data page's 'Set up your area' says how to add them.")
        st.session_state["selection"] = None
        return None
    area = area_picker(areas)
    period = period_picker(overview.first_month, overview.last_month)
    link.keep(AREA_KEY, "area", area.code)
    # The link holds the period's key ('2025/26', '2025-01..2025-06'); the picker's choice is a preset or CUSTOM.
    link.keep(PERIOD_KEY, "period", period.key if period.key in _preset_keys(overview) else CUSTOM, text=period.key)
    selection = Selection(store, area, period)
    st.session_state["selection"] = selection
    return selection


def _preset_keys(overview: StoreOverview) -> set[str]:
    return {p.key for p in period_presets(overview.first_month, overview.last_month)}


def current_selection() -> Selection | None:
    """The area and period chosen in the sidebar on this run (None while the store holds no incidents)."""
    return st.session_state.get("selection")


def _area_in_link(areas: list[Area]) -> str | None:
    """The code of the area the link names, by code or by name as people write it ('?area=Herefordshire')."""
    asked = link.in_link("area")
    if not asked:
        return None
    found = area_named(areas, asked)
    if found is None:
        close = nearest_area_names(asked, areas)
        guess = f" Did you mean {' or '.join(close)}?" if close else ""
        st.warning(plain_text(f"The link names an area this dashboard does not hold ({asked!r}).{guess}"),
                   icon=":material/link_off:")
        return None
    return found.code


def area_picker(areas: list[Area]) -> Area:
    """Pick the county (or force area) or one CSP."""
    by_code = {a.code: a for a in areas}
    link.follow(AREA_KEY, _area_in_link(areas), link.one_of(by_code), areas[0].code)
    code = st.sidebar.selectbox(
        "Area", list(by_code), format_func=lambda c: summary.area_label(by_code[c]), key=AREA_KEY,
        help="A whole county or police force area, or one community safety partnership (CSP).",
    )
    return by_code[code]


def period_picker(first_held: str, last_held: str) -> Period:
    """Pick the latest 12 months, a financial year (April to March), or a custom run of months.

    The public view offers whole periods only: maps of two runs of months chosen by hand could be subtracted to
    find the small counts of the months between (``lib.core.disclosure``).
    """
    presets = {p.key: p for p in period_presets(first_held, last_held)}
    offered = [*presets] if public_mode() else [*presets, CUSTOM]
    from_url = parse_period(link.in_link("period"), first_held, last_held)
    url_choice = None if from_url is None else (from_url.key if from_url.key in presets else CUSTOM)
    link.follow(PERIOD_KEY, url_choice, link.one_of(offered), LATEST_12)
    choice = st.sidebar.selectbox(
        "Period", offered, key=PERIOD_KEY,
        format_func=lambda k: presets[k].label if k in presets else "Choose months…",
        help="Financial years run from April to March. 'Year to date' is the current, unfinished year."
             + (" The public view offers whole periods only." if public_mode() else ""),
    )
    if choice != CUSTOM:
        st.sidebar.caption(presets[choice].span)
        if url_choice == CUSTOM and public_mode():
            st.sidebar.caption("The link asked for months chosen by hand, which the public view does not offer.")
        return presets[choice]
    months = months_between(first_held, last_held)
    if from_url is not None and from_url.key not in presets:
        default = (from_url.start, from_url.end)
    else:
        default = (max(first_held, shift_months(last_held, -11)), last_held)
    # The range goes in as ``value``, not through session state: a select_slider only knows it is a range
    # slider from its value, and otherwise reads a moved range back as a single month.
    start, end = st.sidebar.select_slider(
        "Months", months, value=default, format_func=month_label, key=MONTHS_KEY
    )
    return custom_period(start, end)


def sidebar_footer(overview: StoreOverview) -> None:
    """Say where the data comes from, with the licence attribution."""
    source = (
        "Source: synthetic demo data shaped like police.uk street-level data."
        if overview.demo
        else "Source: police.uk street-level crime and anti-social behaviour data (Home Office)."
    )
    st.sidebar.caption(source)
    st.sidebar.caption(OGL)
