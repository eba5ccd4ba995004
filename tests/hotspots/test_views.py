"""The Hotspots page's words: the headline, plain words for a shared screen, the technical caption for officers,
and the lists of places: hot spots only, strongest first, with cold spots and places no longer hot apart."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from lib.core.areas import Area
from lib.core.catalogue import police_indicators
from lib.core.periods import Period
from lib.hotspots import map_style, views

ASB = next(i for i in police_indicators(["Anti-social behaviour"]) if i.key == "anti-social-behaviour")
EASTBOURNE = Area("E07000061", "Eastbourne", "csp")
PERIOD = Period("custom", "Oct 2018 to Feb 2019", "2018-10", "2019-02")
JARGON = ("Gi*", "H3", "resolution", "permutation", "false discovery", "confidence", "p =")


def result(public: bool = False) -> SimpleNamespace:
    cells = pd.DataFrame({"cell": ["a", "b", "c"], "count": [9, 4, 1], "gi_class": [map_style.HOT_99,
                          map_style.HOT_90, map_style.NOT_SIGNIFICANT], "place": ["High Street", "Station Road", ""],
                          "share": [64.3, 28.6, 7.1], "change": [2, -1, 0], "trajectory": ["New", "New", "New"]})
    return SimpleNamespace(cells=cells, total=14, previous_total=12, previous_held=True, unit="h3", resolution=8,
                           previous_start="2018-05", previous_end="2018-09", permutations=9_999, public=public)


def test_headline_names_what_where_and_when_with_months_in_full():
    assert views.headline(ASB, EASTBOURNE, PERIOD) == (
        "Anti-social behaviour hot spots in Eastbourne, October 2018 to February 2019")


def test_plain_caption_has_no_jargon_and_the_officers_caption_keeps_the_method():
    plain = views.hotspot_caption(result(), ASB, EASTBOURNE, PERIOD, plain=True)
    assert "unlikely to be chance" in plain and "police.uk" in plain
    assert not any(word in plain for word in JARGON)
    technical = views.hotspot_caption(result(), ASB, EASTBOURNE, PERIOD)
    assert technical == views.method_caption(result(), ASB, EASTBOURNE, PERIOD)
    assert "H3 hexagons (resolution 8)" in technical and "9,999 permutations" in technical


def test_plain_figures_table_and_map_sentence_have_no_confidence_levels():
    labels = [label for label, _ in views.hotspot_metrics(result(), plain=True)]
    assert "Hot spot cells" in labels and not any("%" in label for label in labels)
    assert "Hot spots (90% or more)" in [label for label, _ in views.hotspot_metrics(result())]
    table = views.ranked_table(result(), plain=True)
    assert table["Hot spot class"].iloc[0] == map_style.PLAIN_GI[map_style.HOT_99]
    assert not table["Hot spot class"].str.contains("confidence").any()
    assert views.ranked_table(result())["Hot spot class"].iloc[0] == map_style.HOT_99
    for layer in ("gi", "counts"):
        sentence = views.map_sentence(layer, "h3")
        assert "partnership boundaries" in sentence and not any(word in sentence for word in JARGON)


# --- The lists: hot spots only, strongest first; cold spots; places no longer hot -----------------------------------

HOT, COLD = (map_style.HOT_99, map_style.HOT_95, map_style.HOT_90), (map_style.COLD_99, map_style.COLD_95,
                                                                     map_style.COLD_90)
NO_LONGER = views.NO_LONGER_HOT


def classed(rows: list[tuple], previous_held: bool = True, public: bool = False) -> SimpleNamespace:
    """A result from (cell, count, class now, class before, trajectory) rows, with the columns the lists read."""
    cells = pd.DataFrame(rows, columns=["cell", "count", "gi_class", "previous_gi_class", "trajectory"])
    cells["previous"] = cells["count"] + 3
    cells["change"] = cells["count"] - cells["previous"]
    cells["share"] = 100 * cells["count"] / cells["count"].sum()
    cells["place"] = "Place " + cells["cell"]
    return SimpleNamespace(cells=cells, total=int(cells["count"].sum()), previous_held=previous_held, public=public,
                           previous_start="2018-05", previous_end="2018-09")


MIXED = [
    ("busy", 589, map_style.NOT_SIGNIFICANT, map_style.NOT_SIGNIFICANT, ""),  # a busy cell among quiet ones
    ("h90", 300, map_style.HOT_90, map_style.NOT_SIGNIFICANT, "New"),
    ("h99a", 27, map_style.HOT_99, map_style.HOT_99, "Persistent"),
    ("h99b", 40, map_style.HOT_99, map_style.HOT_95, "Intensifying"),
    ("h95", 120, map_style.HOT_95, map_style.HOT_95, "Persistent"),
    ("h99zero", 0, map_style.HOT_99, map_style.NOT_SIGNIFICANT, "New"),  # no incidents, in a cluster
    ("cooled95", 60, map_style.NOT_SIGNIFICANT, map_style.HOT_95, NO_LONGER),
    ("cooled99", 10, map_style.NOT_SIGNIFICANT, map_style.HOT_99, NO_LONGER),
    ("c90", 2, map_style.COLD_90, map_style.NOT_SIGNIFICANT, ""),
    ("c99", 0, map_style.COLD_99, map_style.COLD_99, ""),
    ("c99b", 1, map_style.COLD_99, map_style.NOT_SIGNIFICANT, ""),
    ("quiet", 3, map_style.NOT_SIGNIFICANT, map_style.NOT_SIGNIFICANT, ""),
]


def test_the_top_list_holds_hot_spots_only_by_confidence_then_count():
    hot, cold, cooled = views.spot_lists(classed(MIXED))
    assert list(hot.table.index) == ["h99b", "h99a", "h99zero", "h95", "h90"]
    assert set(hot.table["Hot spot class"]) <= set(HOT)
    assert "busy" not in hot.table.index  # 589 incidents, but not a cluster
    assert list(cold.table.index) == ["c99", "c99b", "c90"]  # strongest, then the fewest incidents
    assert list(cooled.table.index) == ["cooled99", "cooled95"]  # the strongest before first
    assert set(cooled.table["Trajectory"]) == {NO_LONGER}
    assert [spot.total for spot in (hot, cold, cooled)] == [5, 3, 2] and not hot.cut
    assert list(hot.table.columns) == ["Place", "Count", "% of area total", "Change", "Hot spot class", "Trajectory"]


def test_long_lists_are_cut_and_say_how_many_there_are():
    hot, cold, _ = views.spot_lists(classed(MIXED), hot_limit=2, short_limit=1)
    assert list(hot.table.index) == ["h99b", "h99a"] and hot.cut and hot.total == 5
    assert list(cold.table.index) == ["c99"] and cold.cut


def test_every_list_says_when_it_is_empty_and_why_the_last_is_unknown_without_the_months_before():
    quiet = [("a", 5, map_style.NOT_SIGNIFICANT, "", ""), ("b", 7, map_style.NOT_SIGNIFICANT, "", "")]
    lists = views.spot_lists(classed(quiet, previous_held=False))
    assert all(spot.table.empty and spot.empty for spot in lists)
    assert lists[0].empty.startswith("No hot spots") and lists[1].empty.startswith("No cold spots")
    assert lists[2].empty.startswith("Not known") and "May to Sep 2018" in lists[2].empty
    held = views.spot_lists(classed(quiet))[2].empty
    assert held.startswith("None") and "May to Sep 2018" in held
    for spot in views.spot_lists(classed(quiet, previous_held=False), plain=True):
        assert not any(word in spot.empty for word in JARGON)


def test_plain_lists_use_plain_classes_and_public_lists_protected_counts():
    hot, _, _ = views.spot_lists(classed(MIXED), plain=True)
    assert set(hot.table["Hot spot class"]) <= {map_style.PLAIN_GI[c] for c in HOT}
    public = classed(MIXED, public=True)
    public.cells["count_status"] = ["small" if 0 < n < 5 else "" for n in public.cells["count"]]
    _, cold, _ = views.spot_lists(public)
    assert cold.table.loc["c90", "Count"] == "fewer than 5" and cold.table.loc["c99", "Count"] == "0"


def test_the_export_is_the_lists_as_shown_each_row_naming_its_list():
    lists = views.spot_lists(classed(MIXED), hot_limit=3, short_limit=1)
    export = views.list_export(lists)
    assert list(export.columns) == ["List", "Place", "Count", "% of area total", "Change", "Hot spot class",
                                    "Trajectory"]
    assert export["List"].tolist() == ["Hot spot"] * 3 + ["Cold spot", NO_LONGER]
    assert export["Place"].tolist() == [place for spot in lists for place in spot.table["Place"]]
    empty = views.list_export(views.spot_lists(classed([("a", 5, map_style.NOT_SIGNIFICANT, "", "")])))
    assert empty.empty and "List" in empty.columns


def test_why_a_busier_cell_is_not_a_hot_spot_with_this_areas_own_example():
    sentence = views.why_not_busiest(classed(MIXED))
    assert "cluster" in sentence and "neighbours" in sentence
    assert "busiest cell outside the hot spots has 589 incidents; the quietest hot spot cell has none" in sentence
    plain = views.why_not_busiest(classed(MIXED), plain=True)
    assert "busiest place outside the hot spots has 589" in plain and not any(word in plain for word in JARGON)
    # No example where the hot spots are the busiest cells.
    tidy = [("h", 50, map_style.HOT_99, "", ""), ("n", 20, map_style.NOT_SIGNIFICANT, "", "")]
    assert "Here" not in views.why_not_busiest(classed(tidy))


def test_the_example_keeps_to_the_counts_the_public_may_see():
    rows = [("h", 3, map_style.HOT_95, "", ""), ("n", 42, map_style.NOT_SIGNIFICANT, "", "")]
    public = classed(rows, public=True)
    public.cells["count"] = [float("nan"), 40.0]
    public.cells["count_status"] = ["small", ""]
    assert "has 40 incidents; the quietest hot spot cell has fewer than 5" in views.why_not_busiest(public)
    public.cells["count_status"] = ["small", "withheld"]
    assert "Here" not in views.why_not_busiest(public)


# --- On real data -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def east_sussex_asb(sussex):
    from lib.core.areas import find_area
    from lib.hotspots.gi_star import hotspot_cells
    from lib.hotspots.study_area import suggested_resolution

    county = find_area(sussex, "E10000011")
    return hotspot_cells(sussex, county, ["Anti-social behaviour"], "2018-10", "2019-02", "h3",
                         suggested_resolution(sussex, county))


def test_east_sussex_lists_only_hot_spots_though_busier_cells_are_not(east_sussex_asb):
    cells = east_sussex_asb.cells
    hot, cold, cooled = views.spot_lists(east_sussex_asb)
    in_hot = cells["gi_class"].isin(HOT)
    assert len(hot.table) == min(int(in_hot.sum()), views.HOT_LIMIT) > 0
    assert set(hot.table["Hot spot class"]) <= set(HOT)
    strength = hot.table["Hot spot class"].map({name: i for i, name in enumerate(HOT)})
    assert list(zip(strength, -hot.table["Count"], strict=True)) == sorted(zip(strength, -hot.table["Count"],
                                                                               strict=True))
    # The case the page must explain: a cell busier than a listed hot spot that is not one.
    busiest_outside, quietest_hot = cells.loc[~in_hot, "count"].max(), cells.loc[in_hot, "count"].min()
    assert busiest_outside > quietest_hot
    assert (f"busiest cell outside the hot spots has {busiest_outside:,} incidents; the quietest hot spot cell has "
            f"{quietest_hot:,}") in views.why_not_busiest(east_sussex_asb)
    assert cold.total == int(cells["gi_class"].isin(COLD).sum())
    # The store starts in October 2018, so the months before are not held: not "none", but "not known".
    assert not east_sussex_asb.previous_held and cooled.table.empty and cooled.empty.startswith("Not known")
    export = views.list_export((hot, cold, cooled))
    assert export["Place"].tolist() == [*hot.table["Place"], *cold.table["Place"]]
