"""The public view as an attacker sees it: every page, tab and guided step, reached every way the public can reach
it, and every export, searched for what public mode promises to hide.

What is collected from each run: every element's text (markdown, captions, metrics, pickers' options), every
table's cells, every chart's spec and data, every map's JSON, and every file its download buttons would give
(CSV, PDF text; for the PNGs, the chart spec or map cells they are drawn from). In it there must be:

- no restricted indicator's name, source or definition, and none of its figures for the area shown;
- in small-area views, no count of 1 to 4, and no rate, share or change amount beside a count not shown.

The test reads the app only through AppTest and the store only through sqlite3, so the same file can be run against
an older version of the dashboard to show what leaked there.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import sys
from collections.abc import Iterator

import pandas as pd
import pytest
import streamlit as st
from google.protobuf import text_format
from pypdf import PdfReader
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from tests.app_support import APP, demo_store_file

COUNTY, CSP = "X10000001", "X22000002"
PAGES = ["pages/home.py", "pages/overview.py", "pages/trends.py", "pages/measures.py", "pages/similar.py",
         "pages/hotspots.py", "pages/priorities.py", "pages/actions.py", "pages/present.py", "pages/pack.py",
         "pages/data.py"]
# Every way the public reaches the dashboard: public mode, presentation mode, and turning public mode off without
# being a signed-in partner (not signed in at all, or signed in as someone who is not a partner).
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-only",
        "client_id": "safer-communities", "client_secret": "test-only",
        "server_metadata_url": "https://login.example.invalid/v2.0/.well-known/openid-configuration"}
OUTSIDER = "someone@example.org"
MODES = {"public": ({"public": "1"}, None), "present": ({"present": "1"}, None),
         "off, not signed in": ({"public": "0"}, None), "off, not a partner": ({"public": "0"}, OUTSIDER)}
# What the pages try, on top of their defaults, to reach every table, tab and export.
PAGE_QUERIES = {
    "pages/trends.py": {"indicator": "domestic-abuse-incidents,anti-social-behaviour,ksi-casualties",
                        "areas": ",".join(f"X2200000{n}" for n in range(1, 6))},
    "pages/hotspots.py": {"indicator": "drugs", "unit": "lsoa", "layer": "counts"},
    "pages/priorities.py": {"issue": "Domestic abuse"},
}
# A figure as a whole number: not part of a longer one (tables are collected tab-separated, so a comma before it
# is a thousands separator).
NUMBER = r"(?<![\d.])(?<!\d,){}(?![\d]|,\d)"


# ---- Running a page and collecting everything it shows or gives ---------------------------------------------------


def _elements(node) -> Iterator:
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for child in children.values():
        yield from _elements(child)


class Seen:
    """Everything one run shows or gives away, as text, plus the structured parts the small-count checks read."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.tables: list[pd.DataFrame] = []
        self.maps: list[dict] = []
        self.exports: dict[str, bytes] = {}

    def add_run(self, app: AppTest) -> None:
        for element in _elements(app._tree):
            if element.type == "dataframe":
                frame = element.value
                frame = frame.data if hasattr(frame, "data") else frame  # a Styler's frame
                self.tables.append(frame)
                self.text.append(frame.to_csv(index=False, sep="\t"))
            elif element.type == "vega_lite_chart":
                self.text.append(element.proto.spec)
                for dataset in element.proto.datasets:
                    self.text.append(convert_arrow_bytes_to_pandas_df(dataset.data.data).to_csv(index=False, sep="\t"))
            elif element.type == "deck_gl_json_chart":
                self.maps.append(json.loads(element.proto.json))
                self.text.append(element.proto.json + element.proto.tooltip)
            else:
                self.text.append(text_format.MessageToString(element.proto, as_utf8=True))

    def add_export(self, name: str, data: bytes | str) -> None:
        data = data.encode() if isinstance(data, str) else data
        self.exports[name] = data
        if name.endswith(".csv"):
            table = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
            self.tables.append(table)
            self.text.append(table.to_csv(index=False, sep="\t"))
        elif name.endswith(".pdf"):
            self.text.append("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))

    @property
    def everything(self) -> str:
        return "\n".join(self.text)


@pytest.fixture
def seen(monkeypatch) -> Seen:
    """A Seen that also records what every download button would give and what every PNG is drawn from."""
    import lib.hotspots.map_png
    import lib.reports.charts

    found = Seen()
    original = st.download_button

    def download_button(label, data, file_name=None, *args, **kwargs):
        found.add_export(file_name or label, data() if callable(data) else data)
        return original(label, data, file_name, *args, **kwargs)

    def recording(module, name, describe):
        real = getattr(module, name)

        def wrapper(*args, **kwargs):
            found.text.append(describe(*args, **kwargs))
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    monkeypatch.setattr(st, "download_button", download_button)
    recording(lib.reports.charts, "chart_png", lambda chart, *a, **k: chart.to_json())
    recording(lib.hotspots.map_png, "hotspot_png",
              lambda cells, *a, **k: cells.to_csv(index=False) + str(k.get("title", "")) + str(k.get("caption", "")))
    return found


def run(monkeypatch, store, page: str, query: dict[str, str], email: str | None, seen: Seen) -> AppTest:
    monkeypatch.setenv("CSP_DB", str(store))
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.query_params.update(query)
    if email:
        app.secrets["auth"] = AUTH
        app.secrets["editors"] = {"emails": ["editor@avonmere.example.gov.uk"]}
        app.user = {"is_logged_in": True, "email": email, "name": "Someone"}
    app.switch_page(page)
    app.run()
    assert not app.exception, (page, query, [e.value for e in app.exception])
    seen.add_run(app)
    return app


# ---- What must not be there ---------------------------------------------------------------------------------------


def restricted_secrets(store, area: str, months: list[str]) -> dict[str, str]:
    """Each restricted indicator's name, source and definition, and its figures for the area in the months."""
    with sqlite3.connect(store) as db:
        found = {}
        for key, name, source, definition in db.execute(
                "SELECT key, name, source, definition FROM indicators WHERE restricted = 1"):
            found |= {f"name of {key}": name, f"source of {key}": source}
            if definition:
                found[f"definition of {key}"] = definition
            areas = [area] + [c for (c,) in db.execute("SELECT code FROM areas WHERE parent_code = ?", [area])]
            marks = ", ".join("?" for _ in areas)
            total = db.execute(f"SELECT SUM(value) FROM observations WHERE indicator_key = ? AND area_code IN "
                               f"({marks}) AND period IN ({', '.join('?' for _ in months)})",
                               [key, *areas, *months]).fetchone()[0]
            if total:
                found[f"volume of {key}"] = total
    return found


def leaks_of_restricted(text: str, secrets: dict[str, object]) -> list[str]:
    leaks = []
    for what, value in secrets.items():
        if isinstance(value, str):
            if value in text:
                leaks.append(what)
        else:
            number = int(round(float(value)))
            pattern = "|".join(NUMBER.format(re.escape(form)) for form in (f"{number:,}", str(number)))
            if re.search(pattern, text):
                leaks.append(f"{what} ({number:,})")
    return leaks


SMALL = re.compile(r"^\s*[1-4]\s*$")
HIDDEN = ("fewer than 5", "withheld")


def small_count_leaks(seen: Seen) -> list[str]:
    """Counts of 1 to 4 in small-area views, and rates, shares or changes beside counts not shown."""
    leaks = []
    for deck in seen.maps:
        for layer in deck.get("layers", []):
            if layer.get("id") != "cells":
                continue
            for cell in layer.get("data", []):
                count = str(cell.get("count", ""))
                if SMALL.match(count):
                    leaks.append(f"map cell count {count} at {cell.get('place')}")
                if count in HIDDEN and cell.get("rate", "not known") != "not known":
                    leaks.append(f"map rate {cell['rate']} beside {count} at {cell.get('place')}")
                if count in HIDDEN and re.match(r"(up|down) \d", str(cell.get("change", ""))):
                    leaks.append(f"map change {cell['change']} beside {count} at {cell.get('place')}")
                if re.search(r"was [1-4]\)", str(cell.get("change", ""))):
                    leaks.append(f"map previous count in {cell['change']} at {cell.get('place')}")
    for table in seen.tables:
        if "Count" not in table.columns or not ({"Hot spot class", "Trajectory"} & set(table.columns)):
            continue
        for _, row in table.iterrows():
            count = str(row["Count"])
            if SMALL.match(count):
                leaks.append(f"table count {count} at {row.get('Place')}")
            if count in HIDDEN:
                for column in ("% of area total", "Change"):
                    if column in row and str(row[column]) not in ("", "nan", "None", "<NA>"):
                        leaks.append(f"table {column} {row[column]} beside {count} at {row.get('Place')}")
    return leaks


# ---- The attack ------------------------------------------------------------------------------------------------


def latest_12(store) -> list[str]:
    with sqlite3.connect(store) as db:
        last = db.execute("SELECT MAX(month) FROM csp_monthly_counts").fetchone()[0]
    months = pd.period_range(end=last, periods=12, freq="M")
    return [str(m) for m in months]


@pytest.mark.parametrize("page", PAGES, ids=[p[6:-3] for p in PAGES])
def test_the_public_view_of_every_page_holds_no_restricted_figure_or_small_count(monkeypatch, seen, page):
    store = demo_store_file()
    months = latest_12(store)
    for mode, (query, email) in MODES.items():
        for area in ((COUNTY, CSP) if mode == "off, not signed in" else (COUNTY,)):
            before = len(seen.text)
            app = run(monkeypatch, store, page, {**PAGE_QUERIES.get(page, {}), **query, "area": area}, email, seen)
            if page == "pages/present.py":  # every step of the guided sequence
                while not app.button(key="step_next").proto.disabled:
                    app.button(key="step_next").click().run()
                    assert not app.exception
                    seen.add_run(app)
            shown = "\n".join(seen.text[before:])
            leaks = leaks_of_restricted(shown, restricted_secrets(store, area, months))
            assert not leaks, f"{page} ({mode}, {area}) shows {leaks}"
    assert not small_count_leaks(seen), small_count_leaks(seen)


SUSSEX_VIEWS = [
    ("pages/hotspots.py", {"area": "E22000295", "indicator": "drugs", "unit": "lsoa", "layer": "counts"}),
    ("pages/hotspots.py", {"area": "E22000295", "indicator": "bicycle-theft", "unit": "lsoa", "layer": "gi"}),
    ("pages/hotspots.py", {"area": "E22000295", "indicator": "possession-of-weapons", "layer": "counts"}),
    ("pages/hotspots.py", {"area": "E10000011", "indicator": "theft-from-the-person", "layer": "counts",
                           "size": "9"}),
    ("pages/present.py", {"area": "E22000295", "step": "3"}),
    ("pages/priorities.py", {"area": "E22000295"}),
    ("pages/pack.py", {"area": "E22000295"}),
    ("pages/data.py", {"area": "E22000295"}),
]


@pytest.mark.parametrize(("page", "query"), SUSSEX_VIEWS, ids=[f"{p[6:-3]}-{q.get('indicator', q['area'])}"
                                                               for p, q in SUSSEX_VIEWS])
def test_real_small_counts_never_reach_the_public(monkeypatch, seen, sussex_store_path, page, query):
    for extra, email in MODES.values():
        run(monkeypatch, sussex_store_path, page, {**query, **extra}, email, seen)
    assert seen.maps or page != "pages/hotspots.py", "the hotspot page should draw its map"
    assert not small_count_leaks(seen), small_count_leaks(seen)
    # Rejected rows are single incidents with their place and month: never listed in public.
    assert "Rejected rows" not in seen.exports and "rejected" not in " ".join(seen.exports).lower()


# ---- The same search finds them where they may be shown: a signed-in partner with public mode off -----------------

PARTNER = "officer@police.avonmere.example.uk"


def run_as_partner(monkeypatch, store, page: str, query: dict[str, str], seen: Seen) -> AppTest:
    monkeypatch.setenv("CSP_DB", str(store))
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.query_params.update(query)
    app.secrets["auth"] = AUTH
    app.secrets["partners"] = {"emails": [PARTNER]}
    app.user = {"is_logged_in": True, "email": PARTNER, "name": "Officer"}
    app.switch_page(page)
    app.run()
    assert not app.exception
    seen.add_run(app)
    return app


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/trends.py", "pages/priorities.py", "pages/data.py"])
def test_the_search_finds_restricted_figures_where_partners_may_see_them(monkeypatch, seen, page):
    store = demo_store_file()
    run_as_partner(monkeypatch, store, page, {**PAGE_QUERIES.get(page, {}), "public": "0"}, seen)
    leaks = leaks_of_restricted(seen.everything, restricted_secrets(store, COUNTY, latest_12(store)))
    assert any(leak.startswith("name of") for leak in leaks), leaks
    if page in ("pages/trends.py", "pages/priorities.py"):
        assert any(leak.startswith("volume of") for leak in leaks), leaks


def test_the_search_finds_small_counts_where_partners_may_see_them(monkeypatch, seen, sussex_store_path):
    # The hot spot lists hold only hot, cold and former hot spots, so one view's tables may hold no small count:
    # the search must find them somewhere in the Hotspots views a partner opens.
    for page, query in SUSSEX_VIEWS[:4]:
        run_as_partner(monkeypatch, sussex_store_path, page, {**query, "public": "0"}, seen)
    assert any(leak.startswith("map cell count") for leak in small_count_leaks(seen))
    assert any(leak.startswith("table count") for leak in small_count_leaks(seen))


# ---- Differencing: what a reader can work out from two public views ------------------------------------------------
#
# The reader model is written here from what a public view shows, apart from lib.core.disclosure's own audit: a count
# shown as 0 is 0; "10" is 8 to 12 ("5" is 5 to 7, since 3 and 4 show as "fewer than 5"); "fewer than 5" is 1 to
# 4; "withheld" is 5 up to the total (anything up to the total when every cell is withheld); and the cells add up
# to the area's total, which is shown exactly. Two views of nested periods (or of an area and a larger one) give
# the difference of each cell, which must add up to the difference of the totals.


def what_a_reader_knows(counts: pd.Series, status: pd.Series, total: int) -> tuple[pd.Series, pd.Series]:
    """Each cell's lowest and highest possible count, from the view alone and then with its total."""
    value = counts.fillna(-1).astype(int)
    low = pd.Series(0, index=counts.index)
    high = pd.Series(0, index=counts.index)
    every_cell_withheld = (status == "withheld").all()
    for cell in counts.index:
        if status[cell] == "small":
            low[cell], high[cell] = 1, 4
        elif status[cell] == "withheld":
            low[cell], high[cell] = (0 if every_cell_withheld else 5), total
        elif value[cell] > 0:
            low[cell], high[cell] = (5, 7) if value[cell] == 5 else (value[cell] - 2, value[cell] + 2)
    return with_total(low, high, total)


def with_total(low: pd.Series, high: pd.Series, total: int) -> tuple[pd.Series, pd.Series]:
    """Each cell's range once the cells must add up to ``total`` (the rest at their extremes)."""
    return (low.clip(lower=total - (high.sum() - high)), high.clip(upper=total - (low.sum() - low)))


def worked_out(low: pd.Series, high: pd.Series, exact: pd.Series) -> list[str]:
    """Cells whose count the reader pins down although it is not 0 (the view shows 0 exactly, and may)."""
    pinned = (low == high) & (exact != 0)
    return [f"{cell} ({int(exact[cell])})" for cell in low.index[pinned]]


def public_views(store, area_code: str, categories: list[str], unit: str, resolution: int) -> dict:
    """Every public view of the periods the public can choose, with its period before, keyed by (start, end):
    (shown counts, statuses, total, exact counts)."""
    from lib.core.areas import find_area
    from lib.core.periods import period_presets
    from lib.hotspots.gi_star import hotspot_cells
    from lib.store.access import PUBLIC, narrow
    from lib.store.counts import months_held
    from tests.conftest import read_only

    public, direct = narrow(read_only(store), PUBLIC), read_only(store)
    area = find_area(public, area_code)
    held = months_held(public)
    views = {}
    for period in period_presets(held[0], held[-1]):
        args = (area, categories, period.start, period.end, unit, resolution)
        shown = hotspot_cells(public, *args, permutations=19)
        exact = hotspot_cells(direct, *args, permutations=19)
        cells, truth = shown.cells.set_index("cell"), exact.cells.set_index("cell")
        views[(shown.start, shown.end)] = (cells["count"], cells["count_status"], shown.total, truth["count"])
        if shown.previous_held:
            views[(shown.previous_start, shown.previous_end)] = (
                cells["previous"], cells["previous_status"], shown.previous_total, truth["previous"].astype(int))
    return views


def inside(inner: tuple[str, str], outer: tuple[str, str]) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1] and inner != outer


def differencing_leaks(views: dict, pairs: list[tuple] | None = None) -> list[str]:
    """What the reader works out from each view, and from each pair (smaller, larger): by default every pair of
    nested periods."""
    leaks = []
    known = {key: what_a_reader_knows(counts, status, total) for key, (counts, status, total, _) in views.items()}
    for key, (low, high) in known.items():
        leaks += [f"{key}: {cell}" for cell in worked_out(low, high, views[key][3])]
    if pairs is None:
        pairs = [(a, b) for a in views for b in views if inside(a, b)]
    for small_key, big_key in pairs:
        (low_s, high_s), (low_b, high_b) = known[small_key], known[big_key]
        between = views[big_key][2] - views[small_key][2]
        low_d, high_d = with_total((low_b - high_s).clip(lower=0), high_b - low_s, between)
        exact_d = views[big_key][3] - views[small_key][3]
        small_d = exact_d.between(1, 4)
        leaks += [f"{big_key} less {small_key}: {cell}" for cell in
                  worked_out(low_d[small_d], high_d[small_d], exact_d[small_d])]
        # Each view again, knowing the other and the difference.
        for key, low_v, high_v in ((small_key, (low_b - high_d).clip(lower=low_s), (high_b - low_d).clip(upper=high_s)),
                                   (big_key, (low_s + low_d).clip(lower=low_b), (high_s + high_d).clip(upper=high_b))):
            hidden = views[key][1] != ""
            leaks += [f"{key} through the other: {cell}" for cell in
                      worked_out(low_v[hidden], high_v[hidden], views[key][3][hidden])]
    return leaks


DIFFERENCING = [
    ("demo", "X22000002", ["Drugs"], "lsoa", 9),
    ("demo", "X22000002", ["Possession of weapons"], "h3", 9),
    ("demo", "X10000001", ["Bicycle theft"], "h3", 8),
    ("sussex", "E22000295", ["Drugs"], "lsoa", 9),
    ("sussex", "E22000295", ["Possession of weapons"], "h3", 9),
]


@pytest.mark.parametrize(("which", "area", "categories", "unit", "resolution"), DIFFERENCING,
                         ids=[f"{w}-{a}-{c[0]}-{u}" for w, a, c, u, _ in DIFFERENCING])
def test_no_small_count_can_be_worked_out_from_the_periods_the_public_view_offers(
        which, area, categories, unit, resolution, sussex_store_path):
    store = demo_store_file() if which == "demo" else sussex_store_path
    views = public_views(store, area, categories, unit, resolution)
    statuses = pd.concat([status for _, status, _, _ in views.values()])
    assert (statuses == "small").any(), "the views must hold small counts, or this proves little"
    if which == "demo":
        assert any(inside(a, b) for a in views for b in views), "the demo's periods must nest, or this proves little"
    assert not differencing_leaks(views)


def test_no_small_count_can_be_worked_out_from_an_area_and_the_county_around_it(sussex_store_path):
    # At one hexagon size the county's map holds the CSP's cells, with the neighbours' incidents added. This reader
    # is told more than a real one: the county's exact total over just those cells.
    csp = public_views(sussex_store_path, "E22000295", ["Theft from the person"], "h3", 9)
    county = public_views(sussex_store_path, "E10000011", ["Theft from the person"], "h3", 9)
    for key, (counts, status, total, exact) in county.items():
        common = csp[key][0].index
        outside = int(exact.sum() - exact[common].sum())
        views = {"csp": csp[key], "county": (counts[common], status[common], total - outside, exact[common])}
        assert (views["county"][1] == "small").any() or (views["csp"][1] == "small").any()
        assert not differencing_leaks(views, pairs=[("csp", "county")]), key


def test_months_chosen_by_hand_are_refused_in_the_public_view(sussex_store_path):
    # The attack: October to February against October to January gives each LSOA's February.
    from lib.core.areas import find_area
    from lib.hotspots.gi_star import hotspot_cells
    from lib.store.access import PUBLIC, narrow
    from tests.conftest import read_only

    public = narrow(read_only(sussex_store_path), PUBLIC)
    eastbourne = find_area(public, "E22000295")
    hotspot_cells(public, eastbourne, ["Drugs"], "2018-10", "2019-02", "lsoa", permutations=19)  # the whole period
    with pytest.raises(ValueError, match="whole periods"):
        hotspot_cells(public, eastbourne, ["Drugs"], "2018-10", "2019-01", "lsoa", permutations=19)


def test_the_same_reader_finds_the_counts_that_threshold_suppression_alone_would_give_away(monkeypatch):
    # Without rounding (counts of 5 and more shown exactly, as before public mode had the rounding rule), nested
    # periods give small counts away: the reader above is not vacuous.
    import lib.core.disclosure

    monkeypatch.setattr(lib.core.disclosure, "rounded_count", lambda count: count)

    rounded_reader = what_a_reader_knows

    def exact_reader(counts, status, total):
        low, high = rounded_reader(counts, status, total)
        shown = (status == "") & (counts > 0)
        return with_total(low.where(~shown, counts), high.where(~shown, counts), total)

    monkeypatch.setattr(sys.modules[__name__], "what_a_reader_knows", exact_reader)
    views = public_views(demo_store_file(), "X22000002", ["Drugs"], "lsoa", 9)
    assert any(" less " in leak for leak in differencing_leaks(views))
