"""Similar areas and Hotspots answer their question on real data (issue 18), under Streamlit's AppTest.

Similar areas says how many peers a CSP is compared with and where they come from, and ranks it only when they are
a full group from more than one police force; otherwise it says why, what to load, and shows the rates without a
rank. The Hotspots page's top list holds hot spots only, strongest first. Each runs on the real Sussex store, the
real Suffolk store, the demo county, and (for a rank on real data) Sussex and Suffolk loaded together. What is
expected is worked out apart from the app: the CSPs of each force from the ONS lookup, the demo's from its areas.
"""

from __future__ import annotations

import csv
import sqlite3

import pytest

from lib.hotspots import map_style
from lib.stats.peer_basis import GROUP_SIZE, MIN_PEERS
from tests.app_support import PARTNER, copy_store, demo_store_file, metric_values, open_page
from tests.conftest import real_file
from tests.two_force_store import sussex_and_suffolk

HOT = (map_style.HOT_99, map_style.HOT_95, map_style.HOT_90)
PLAIN_HOT = tuple(map_style.PLAIN_GI[name] for name in HOT)
RANK = "Rank (1 = lowest rate)"
REFUSALS = ("Not ranked.", "No rank is given.")  # for officers, and in plain words


@pytest.fixture(scope="module")
def stores(sussex_store_path, suffolk_store_path, tmp_path_factory) -> dict:
    """Private copies of each store (the app may migrate a store it opens), and Sussex with Suffolk loaded too."""
    folder = tmp_path_factory.mktemp("places")
    return {
        "sussex": copy_store(sussex_store_path, folder / "sussex.db"),
        "suffolk": copy_store(suffolk_store_path, folder / "suffolk.db"),
        "demo": copy_store(demo_store_file(), folder / "demo.db"),
        "two forces": sussex_and_suffolk(sussex_store_path, folder / "two.db"),
    }


def force_csps(*forces: str) -> dict[str, str]:
    """CSP code -> its force area's name, for the CSPs of some force areas, from the ONS lookup."""
    with open(real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"), encoding="utf-8-sig", newline="") as handle:
        return {row["CSP17CD"]: row["PFA17NM"] for row in csv.DictReader(handle) if row["PFA17NM"] in forces}


def demo_csps(store) -> dict[str, str]:
    with sqlite3.connect(store) as db:
        force = db.execute("SELECT name FROM areas WHERE kind = 'force'").fetchone()[0]
        return {code: force for (code,) in db.execute("SELECT code FROM areas WHERE kind = 'csp'")}


def loaded(store_name: str, stores: dict) -> dict[str, str]:
    """The CSPs whose police data each store holds, and their force areas, from outside the app."""
    if store_name == "demo":
        return demo_csps(stores["demo"])
    return force_csps(*{"sussex": ["Sussex"], "suffolk": ["Suffolk"], "two forces": ["Sussex", "Suffolk"]}[store_name])


def unescaped(elements) -> list[str]:
    return [e.value.replace("\\", "") for e in elements]


# --- Similar areas ---------------------------------------------------------------------------------------------

SIMILAR_CASES = [
    ("sussex", "E22000295"),  # Eastbourne
    ("sussex", "E10000011"),  # the East Sussex county: the page asks which CSP
    ("suffolk", "E22000273"),  # Ipswich
    ("suffolk", "E10000029"),  # the Suffolk county
    ("demo", "X22000002"),  # Castlebury
    ("demo", "X10000001"),  # the demo county
    ("two forces", "E22000295"),  # Eastbourne, with Suffolk loaded as well
]


@pytest.mark.parametrize("plain", [False, True], ids=["officers", "public"])
@pytest.mark.parametrize(("store_name", "area"), SIMILAR_CASES)
def test_similar_areas_says_how_many_peers_and_where_from_then_ranks_or_says_why_not(
        monkeypatch, stores, store_name, area, plain):
    app = open_page(monkeypatch, stores[store_name], "pages/similar.py", area=area,
                    **({} if plain else {"editor": PARTNER}))
    assert not app.exception
    csp = area if area[1:3] == "22" else app.selectbox(key="page_csp").value
    csps = loaded(store_name, stores)
    assert csp in csps
    peers = min(len(csps) - 1, GROUP_SIZE)
    forces = sorted(set(csps.values()))
    peers_line = next(text for text in unescaped(app.markdown) if text.startswith("**Compared with"))
    assert f"Compared with {peers} {'other partnership areas' if plain else 'peers'}" in peers_line
    assert all(force in peers_line for force in forces)
    metrics = metric_values(app)
    ranks = peers >= MIN_PEERS and len(forces) > 1
    if ranks:
        assert f"from {len(forces)} force areas" in peers_line or f"in {len(forces)} police force areas" in peers_line
        rank, of = metrics[RANK].split(" of ")
        assert 1 <= int(rank) <= int(of) == peers + 1
        assert metrics["Against the group"] in {"Above", "Inline", "Below"}
        assert not [text for text in unescaped(app.warning) if text.startswith(REFUSALS)]
        chart = app.get("vega_lite_chart")[0]  # the group with its control limits, described for a screen reader
        assert len(chart.proto.alt) > 20 and any("table" in t.label.lower() for t in app.toggle)
        return
    assert ("the only ones loaded" if plain else "the only CSPs loaded") in peers_line
    warning = next(text for text in unescaped(app.warning) if text.startswith(REFUSALS))
    assert warning.startswith(REFUSALS[1] if plain else REFUSALS[0])
    assert f"{MIN_PEERS}" in warning and forces[0] in warning and "police.uk" in warning
    assert ("other police forces" if plain else "other forces") in warning
    assert metrics[RANK] == "Not given" and "Against the group" not in metrics
    assert metrics["Police forces" if plain else "Force areas"] == "1"
    # The CSP beside its peers, every one of them, listed by name: context without a rank.
    table = next(d.value for d in app.dataframe if "Rate per 1,000" in d.value.columns)
    names = table["Partnership area" if plain else "CSP"].tolist()
    assert len(names) == len(csps) and names == sorted(names)
    assert sum(name.endswith("(this one)") for name in names) == 1
    assert "Rank" not in table.columns
    assert set(table["Police force area"]) == set(forces)
    assert any(link.label.startswith("Partnership at a glance") for link in app.get("page_link"))


# --- Hotspots ----------------------------------------------------------------------------------------------------

HOTSPOT_CASES = [("sussex", "E22000295"), ("sussex", "E10000011"), ("suffolk", "E22000273"),
                 ("suffolk", "E10000029"), ("demo", "X22000005")]


def hotspot_tables(app) -> list:
    return [d.value for d in app.dataframe if "Hot spot class" in d.value.columns]


@pytest.mark.parametrize(("store_name", "area"), HOTSPOT_CASES)
def test_the_top_list_holds_hot_spots_only_strongest_first(monkeypatch, stores, store_name, area):
    app = open_page(monkeypatch, stores[store_name], "pages/hotspots.py", area=area,
                    indicator="anti-social-behaviour", editor=PARTNER)
    assert not app.exception
    hot_cells = int(metric_values(app)["Hot spots (90% or more)"].replace(",", ""))
    headings = [s.value for s in app.subheader]
    assert headings[-3:] == ["Hot spots", "Cold spots", "No longer hot spots"]
    assert hot_cells, "every area here has ASB hot spots, or this test proves little"
    tables = hotspot_tables(app)
    hot = tables[0]
    assert len(hot) == min(hot_cells, 15)
    assert set(hot["Hot spot class"]) <= set(HOT)
    order = [(HOT.index(name), -count) for name, count in zip(hot["Hot spot class"], hot["Count"], strict=True)]
    assert order == sorted(order), "99% before 95% before 90%, then the most incidents"
    # No other list holds a cell of no class unless it was a hot spot before.
    for table in tables[1:]:
        plain_now = table["Hot spot class"] == map_style.NOT_SIGNIFICANT
        assert (table.loc[plain_now, "Trajectory"] == "No longer a hot spot").all()
    why = next(text for text in unescaped(app.markdown) if text.startswith("Why a smaller cell"))
    assert "cluster" in why
    # Each short list is a table or says it is empty.
    said = " ".join(unescaped(app.markdown))
    cold = [t for t in tables if t["Hot spot class"].str.startswith("Cold spot").any()]
    assert cold or "No cold spots" in said
    cooled = [t for t in tables if (t["Trajectory"] == "No longer a hot spot").any()]
    assert cooled or "Not known: the months before" in said or "None: no cell that was a hot spot" in said


def test_on_sussex_the_list_no_longer_puts_a_quiet_cell_above_a_busier_one_without_saying_why(monkeypatch, stores):
    """East Sussex's busiest ASB cell is not a hot spot: the list leaves it out and the page says why."""
    app = open_page(monkeypatch, stores["sussex"], "pages/hotspots.py", area="E10000011",
                    indicator="anti-social-behaviour", editor=PARTNER)
    hot = hotspot_tables(app)[0]
    why = next(text for text in unescaped(app.markdown) if text.startswith("Why a smaller cell"))
    busiest = int(why.split("busiest cell outside the hot spots has ")[1].split(" ")[0].replace(",", ""))
    assert busiest > hot["Count"].min()  # the case the page must explain, from the page's own numbers
    assert f"the quietest hot spot cell has {hot['Count'].min():,}" in why
    assert "Not known: the months before (May to Sep 2018) are not held" in " ".join(unescaped(app.markdown))


def test_public_hotspots_speak_plainly_and_keep_the_map_first_on_a_projector(monkeypatch, stores):
    app = open_page(monkeypatch, stores["sussex"], "pages/hotspots.py", area="E22000295",
                    indicator="anti-social-behaviour", present="1")
    assert not app.exception
    order = [node.type for node in _in_order(app.main) if node.type in ("deck_gl_json_chart", "table", "dataframe")]
    assert order[0] == "deck_gl_json_chart", "the map is the first visual"
    hot = next(t.value for t in app.table if "Hot spot class" in t.value.columns)
    assert set(hot["Hot spot class"]) <= set(PLAIN_HOT)
    counts = set(hot["Count"].astype(str))
    assert "fewer than 5" in counts and not counts & {"1", "2", "3", "4"}  # the public view's protected counts
    assert any(text.startswith("Why a place with fewer incidents") for text in unescaped(app.markdown))
    assert not any("Gi*" in text for text in unescaped(app.markdown) if text.startswith("Why"))


def _in_order(node):
    """Every element of an AppTest tree, in the order drawn."""
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for key in sorted(children):
        yield from _in_order(children[key])
