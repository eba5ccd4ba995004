"""The Action plan: its loaders, each action's card, the statuses of the measures the actions serve, and the
editor (every row checked before any is written)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.core.areas import csp_codes_within
from lib.priorities import action_plan
from lib.store import summary
from ui.data import LOOKUP_ENTRIES, TABLE_ENTRIES, Store, load_catalogue, load_picker_areas, read
from ui.editing import editing_gate, refuse, save_form, show_outcome, write
from ui.performance import load_measure_statuses
from ui.widgets import plain_text, rag_badge

ACTIONS_EDITOR_KEY = "actions_editor"
ACTIONS_OUTCOME_KEY = "actions_outcome"


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_actions(store: Store) -> list[action_plan.Action]:
    """Every action of the partnership plan."""
    return read(store, action_plan.load_actions)


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_action_history(store: Store) -> list[dict]:
    """Changes to the action plan, newest first."""
    return read(store, action_plan.action_history)


@st.cache_data(show_spinner="Checking the measures the actions serve…", max_entries=TABLE_ENTRIES)
def load_measure_rags(store: Store, latest_month: str) -> dict[tuple[str, str], str]:
    """Every CSP measure's latest status the viewer may see, by (CSP code, indicator key)."""
    csps = [a for a in load_picker_areas(store) if a.kind == "csp"]
    return {(csp.code, status.target.indicator_key): status.rag
            for csp in csps for status in load_measure_statuses(store, csp, latest_month)}


@st.cache_data(show_spinner=False, max_entries=LOOKUP_ENTRIES)
def load_csps_of_counties(store: Store) -> dict[str, list[str]]:
    """County code -> its CSP codes (for summarising the measures of a county-wide action)."""

    def build(db):
        return {a.code: csp_codes_within(db, a) for a in summary.picker_areas(db) if a.kind == "county"}

    return read(store, build)


def indicator_names(store: Store) -> dict[str, str]:
    """Indicator key -> its catalogue name, for the measures an action serves."""
    return {i.key: i.name for i in load_catalogue(store)}


def area_names(store: Store) -> dict[str, str]:
    """Area code -> name for the CSPs and counties, with '' for partnership-wide actions."""
    return {"": action_plan.PARTNERSHIP_WIDE, **{a.code: a.name for a in load_picker_areas(store)}}


def action_card(action: action_plan.Action, names: dict[str, str], overdue: bool,
                measures: list[tuple[str, str]], indicator_names: dict[str, str] | None = None) -> None:
    """One action: what, why, who, by when, its RAG and commentary, and the measures it serves (each indicator
    by its name, ``indicator_names``, never its key)."""
    with st.container(border=True):
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(f"**{plain_text(action.action)}**")
            rag_badge(action.rag or "No data")
            if overdue:
                st.badge("Overdue", icon=":material/schedule:", color="red")
        due = action.completion_date or "Ongoing"
        where = names.get(action.area_code or "", action.area_code or action_plan.PARTNERSHIP_WIDE)
        st.caption(plain_text(f"Lead: {action.lead or 'not named'} · {where} · Due: {due}"))
        if action.intended_outcome:
            st.markdown(f"*Intended outcome:* {plain_text(action.intended_outcome)}")
        if action.commentary:
            st.markdown(f"*Commentary:* {plain_text(action.commentary)}")
        if measures:
            st.caption(plain_text("Measures served: " + action_plan.measures_served(measures, indicator_names or {})))
        if action.updated_by:
            updated = f" {action.last_updated}" if action.last_updated else ""
            st.caption(plain_text(f"Last updated{updated} by {action.updated_by}"))


def actions_editor(store: Store, shown: list[action_plan.Action], names: dict[str, str]) -> None:
    """Edit the actions shown, or add new ones; each change is stored with who, when and why."""
    who = editing_gate("actions")
    if who is None:
        return
    frame = action_plan.actions_frame(shown)
    edited = st.data_editor(
        frame, hide_index=True, key=ACTIONS_EDITOR_KEY, num_rows="dynamic",
        column_config=_action_columns(names), column_order=[c for c in frame.columns if c != "id"],
    )
    saved, reason = save_form("actions_save", "actions_reason")
    if saved:
        _save_actions(store, frame, edited, who, reason)
    show_outcome(ACTIONS_OUTCOME_KEY)


def _action_columns(names: dict[str, str]) -> dict:
    return {
        "priority": st.column_config.TextColumn("Priority", required=True, max_chars=200),
        "area_code": st.column_config.SelectboxColumn("Area", options=list(names), format_func=names.get),
        "action": st.column_config.TextColumn("Action", width="large", required=True, max_chars=2000),
        "intended_outcome": st.column_config.TextColumn("Intended outcome", width="medium", max_chars=2000),
        "lead": st.column_config.TextColumn("Lead", max_chars=200),
        "completion_date": st.column_config.DateColumn("Completion date", format="YYYY-MM-DD",
                                                       help="Leave empty for an ongoing action"),
        "rag": st.column_config.SelectboxColumn("RAG", options=list(action_plan.RAGS), required=True),
        "commentary": st.column_config.TextColumn("Commentary", width="large", max_chars=2000),
        "measure_keys": st.column_config.TextColumn("Measures", help="Indicator keys, comma-separated"),
    }


def _save_actions(store: Store, before: pd.DataFrame, after: pd.DataFrame, who: str, reason: str) -> None:
    changes = action_plan.edited_rows(before, after)
    added = [row for row in after.to_dict("records") if pd.isna(row.get("id"))]
    held = before.set_index("id")
    try:  # every row is checked before any is written, so a bad row saves nothing
        for number, row in enumerate(added, start=1):
            action_plan.check_action(row, where=f"New row {number}: ")
        for action_id, fields in changes.items():
            action_plan.check_action({**held.loc[action_id].to_dict(), **fields}, where=f"Action {action_id}: ")
    except ValueError as error:
        refuse(ACTIONS_OUTCOME_KEY, f"Not saved: {error}")
        return

    def apply(db) -> int:
        count = sum(action_plan.update_action(db, i, fields, who, reason or None) for i, fields in changes.items())
        for row in added:
            action_plan.add_action(db, {k: v for k, v in row.items() if k != "id"}, who)
        return count + len(added)

    write(store, ACTIONS_OUTCOME_KEY, apply, lambda count: f"Saved {count} change(s) by {who}.")
