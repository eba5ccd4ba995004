"""The Hotspots page's words: the headline, plain words for a shared screen, the technical caption for officers."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

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
