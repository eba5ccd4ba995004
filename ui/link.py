"""Choices kept in the link, by one rule, so that a pasted link reopens the same view.

Every choice kept in the URL goes through ``follow`` before its widget is drawn and ``keep`` after:

- ``follow`` puts the link's value in the widget when the link names a valid choice that is not what this session
  last wrote there (a pasted link, a cell of the overview, a link from another page: the link wins); otherwise the
  session's own choice stands while it is still valid (the link merely repeats it); otherwise the link's value if
  valid (the session has lost the widget's state), else the default.
- ``keep`` writes the choice back to the link, dropping the parameter when its text is empty (an empty choice, or
  a switch at its default, keeps ordinary links short), and remembers what the link now says, so the next run
  can tell a new link from its own echo.

What a link's text means is each caller's business (``in_link``, ``flag_in_link``, ``codes_in_link`` read the
usual forms; the sidebar reads areas by name and periods by their keys); the rule above is the same for all.
``choice``, ``selectbox`` and ``multiselect`` are the page widgets built on it, each kept in the parameter named
by ``key`` and stored in the session as ``page_<key>``.

``tabs`` and ``toggle`` are kept by Streamlit itself (``bind="query-params"``), which reads, checks and writes
their parameters (a value the widget cannot take opens its default, and the default leaves the link short); they
are here so that every choice kept in the link is made in this module.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import streamlit as st


def in_link(param: str) -> str | None:
    """The link's text for a parameter (None when the link has none)."""
    return st.query_params.get(param)


def flag_in_link(param: str) -> bool | None:
    """A switch as the link says it: ``1`` on, ``0`` off, None for anything else."""
    return {"1": True, "0": False}.get(in_link(param))


def codes_in_link(param: str, options: Collection[str]) -> list[str] | None:
    """The comma-separated codes the link names that are among the options (None when the link has none)."""
    raw = in_link(param)
    return None if raw is None else [v for v in raw.split(",") if v in options]


def one_of(options: Collection) -> Callable[[object], bool]:
    """What a valid choice is for a widget of these options.

    Checked against a list, not a dict or set: a page's widget may still hold another page's list under its key.
    """
    choices = list(options)
    return lambda value: value in choices


def is_list(value: object) -> bool:
    """What a valid choice is for a multi-select: any list (its items are checked against the options later)."""
    return isinstance(value, list)


def follow(key: str, from_link: object, valid: Callable[[object], bool], default: object) -> None:
    """Set the session's value of widget ``key`` before it is drawn: the link's when new, the session's, or default.

    ``from_link`` is the choice the link names (None for none); ``valid`` says whether a value can be chosen.
    """
    linked = from_link is not None and valid(from_link)
    if linked and from_link != st.session_state.get(_written(key)):
        st.session_state[key] = from_link
    elif not valid(st.session_state.get(key)):
        st.session_state[key] = from_link if linked else default


def keep(key: str, param: str, value: object, text: str | None = None) -> None:
    """Write widget ``key``'s choice to the link parameter ``param`` and remember it.

    ``text`` is what the link shows (by default the value, a list comma-separated); empty text drops the parameter.
    """
    if text is None:
        text = ",".join(value) if isinstance(value, list) else str(value)
    if text:
        st.query_params[param] = text
        st.session_state[_written(key)] = value
    else:
        st.query_params.pop(param, None)
        st.session_state[_written(key)] = None


def keep_flag(key: str, param: str, value: bool, default: bool) -> None:
    """Keep a switch in the link only when it differs from its default, so ordinary links stay short."""
    keep(key, param, value, "" if value == default else "1" if value else "0")


def _written(key: str) -> str:
    return f"{key}_in_url"


# The page widgets ------------------------------------------------------------------------------------------


def choice(label: str, options: dict[str, str], key: str, default: str, help: str | None = None) -> str:
    """A row of buttons kept in the link parameter ``key`` (by code), so a pasted link reopens the same view."""
    widget = f"page_{key}"
    follow(widget, in_link(key), one_of(options), default)
    chosen = st.segmented_control(
        label, list(options), format_func=options.__getitem__, required=True, key=widget, help=help,
    )
    chosen = chosen if chosen in options else default
    keep(widget, key, chosen)
    return chosen


def selectbox(label: str, options: dict[str, str], key: str, default: str | None = None, **kwargs) -> str:
    """A select box kept in the link parameter ``key`` (by code)."""
    widget = f"page_{key}"
    follow(widget, in_link(key), one_of(options), default if default in options else next(iter(options)))
    chosen = st.selectbox(label, list(options), format_func=options.__getitem__, key=widget, **kwargs)
    keep(widget, key, chosen)
    return chosen


def multiselect(label: str, options: dict[str, str], key: str, default: list[str], **kwargs) -> list[str]:
    """A multi-select kept in the link parameter ``key`` as comma-separated codes."""
    widget = f"page_{key}"
    follow(widget, codes_in_link(key, options), is_list, [d for d in default if d in options])
    # A link may name more than the widget allows (a hand-edited one, say): the first ones are kept.
    st.session_state[widget] = [v for v in st.session_state[widget] if v in options][:kwargs.get("max_selections")]
    chosen = st.multiselect(label, list(options), format_func=options.__getitem__, key=widget, **kwargs)
    keep(widget, key, chosen)
    return chosen


def tabs(labels: list[str]) -> list:
    """A page's tabs, the open one kept in the link parameter ``tab`` (by its label) by Streamlit itself."""
    return st.tabs(labels, key="tab", bind="query-params")


def toggle(label: str, key: str, **kwargs) -> bool:
    """An on/off switch kept in the link parameter ``key`` (``true`` while on) by Streamlit itself."""
    return st.toggle(label, key=key, bind="query-params", **kwargs)
