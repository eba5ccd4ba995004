"""Words for the Hotspots page: the choices offered, the headline figures, the caption and the lists of places.

The page lists hot spots only, strongest first; cold spots and the places that are no longer hot spots have short
lists of their own, each saying when it is empty; one sentence says why a busier place need not be a hot spot.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass

import pandas as pd

from lib.core.areas import Area
from lib.core.attribution import OGL
from lib.core.catalogue import PUBLIC_PLACE_VIOLENCE, Indicator
from lib.core.disclosure import FEWER_THAN_5, SHOWN, SMALL, SMALL_COUNT_LIMIT, WITHHELD, count_text
from lib.core.periods import Period, month_span
from lib.hotspots.gi_star import top_hotspots
from lib.hotspots.map_style import COLD_90, COLD_95, COLD_99, HOT_90, HOT_95, HOT_99, PLAIN_GI

CELL_UNITS = {"h3": "Hexagons", "lsoa": "LSOAs (neighbourhoods)"}
LAYERS = {"gi": "Hot and cold spots (Gi*)", "counts": "Number of incidents"}
AUTOMATIC = "auto"
HEXAGON_SIZES = {AUTOMATIC: "To fit the area", "7": "Very large (5 km²)", "8": "Large (0.7 km²)",
                 "9": "Medium (0.1 km²)", "10": "Small (0.015 km²)"}
# Above this many hexagons a Gi* test with 9,999 permutations takes minutes, too long for a page.
MAX_HEXAGONS = 12_000
PREDICTION_NOTE = (
    "Predicted hotspots are the cells covering 5% of the area with the most incidents over the last 12 months, "
    "with a little weight from nearby cells to break ties. With their outline switched on, the sentence above the "
    "hotspot table tests that on this area's own data: "
    "the cells predicted from the months before the period's last month, scored on that month. The method was "
    "chosen by a back-test on real police.uk ASB (benchmarks/hotspot_pai.py), tuned on Lancashire's first half "
    "of 2022 and judged on the months after and on Sussex. There it beat plain grid counts and kernel density "
    "by the Predictive Accuracy Index at 1% and 5% of the area: in Lancashire (July to December 2022) its "
    "hotspots held 52% of the next month's ASB in 1% of the area and 88% in 5%; in Sussex (November 2018 to "
    "February 2019), 62% in 1% and 83% in 5%. Past concentration is a good guide, not a promise."
)
# The priorities partnerships map first, then every other police.uk category.
FIRST_CHOICES = ("anti-social-behaviour", PUBLIC_PLACE_VIOLENCE, "public-order", "criminal-damage-and-arson", "drugs")


def what_options(catalogue: list[Indicator]) -> dict[str, Indicator]:
    """The police.uk indicators that can be mapped, the usual priorities first."""
    police = {i.key: i for i in catalogue if i.is_police}
    first = [k for k in FIRST_CHOICES if k in police]
    return {k: police[k] for k in first + sorted(set(police) - set(first), key=lambda k: police[k].name)}


def _is_hot(classes) -> object:
    return classes.str.startswith("Hot spot")


def hot_spot_share(result) -> tuple[int, float]:
    """How many cells are hot spots (90% or more), and the % of the area's incidents inside them."""
    cells = result.cells
    hot = cells[_is_hot(cells["gi_class"])]
    share = 100 * hot["count"].sum() / result.total if result.total else 0.0
    return len(hot), float(share)


def hotspot_metrics(result, plain: bool = False) -> list[tuple[str, str]]:
    """The figures beside the map: incidents, hot spots found, and the share of incidents inside them.

    With ``plain`` (a public screen, a committee room) the hot spots are counted without the confidence level.
    """
    hot, share = hot_spot_share(result)
    change = result.total - result.previous_total
    return [
        ("Incidents", f"{result.total:,}"),
        ("Change on the previous period", f"{change:+,}" if result.previous_held else "not held"),
        ("Hot spot cells" if plain else "Hot spots (90% or more)", f"{hot:,}"),
        ("Incidents inside hot spots", f"{share:.0f}%"),
    ]


def headline(indicator: Indicator, area: Area, period: Period) -> str:
    """The presentation headline, months in full: 'Anti-social behaviour hot spots in Eastbourne, October 2018 to
    February 2019'."""
    return f"{indicator.name} hot spots in {area.name}, {_full_span(period.start, period.end)}"


def _full_span(start: str, end: str) -> str:
    def month(text: str) -> str:
        return f"{calendar.month_name[int(text[5:7])]} {text[:4]}"

    return month(start) if start == end else f"{month(start)} to {month(end)}"


def map_sentence(layer: str, unit: str) -> str:
    """What the map shows, in plain words, for the line under the headline."""
    cells = "neighbourhood (LSOA)" if unit == "lsoa" else "small hexagonal area"
    if layer == "gi":
        return (f"Each {cells} is coloured red where it sits in a hot spot: a cluster of high counts, unlikely to "
                "be chance; blue for a cold spot, a cluster of low counts. Black lines are the partnership "
                "boundaries.")
    return (f"Each {cells} is coloured by its number of incidents: the darker, the more. Black lines are the "
            "partnership boundaries.")


def map_title(indicator: Indicator, area: Area, period: Period) -> str:
    """'Anti-social behaviour hot spots in Eastbourne, Oct 2018 to Feb 2019'."""
    return f"{indicator.name} hot spots in {area.name}, {period.span}"


def hotspot_caption(result, indicator: Indicator, area: Area, period: Period, plain: bool = False) -> str:
    """Source, period, cells and method in one line, for the page and the printed map.

    With ``plain`` (a public screen, a committee room), the method in plain words, with no grid resolution or
    permutation count: the technical caption then goes one click away (``method_caption``).
    """
    if plain:
        return (f"Source: police.uk street-level data (Home Office), {indicator.name}, {area.name}, {period.span}. "
                "A hot spot is a cluster of places with high counts, unlikely to be chance; a cold spot, a cluster "
                f"of low counts.{_approximation(indicator)} {OGL}")
    return method_caption(result, indicator, area, period)


def method_caption(result, indicator: Indicator, area: Area, period: Period) -> str:
    """The technical caption for officers: source, period, cells, Gi* permutations and the false discovery rate."""
    unit = "LSOAs" if result.unit == "lsoa" else f"H3 hexagons (resolution {result.resolution})"
    previous = month_span(result.previous_start, result.previous_end)
    note = _approximation(indicator)
    return (
        f"Source: police.uk street-level data (Home Office), {indicator.name}, {area.name}, {period.span}; "
        f"change against {previous}. Counted on {unit}. Hot and cold spots: Getis-Ord Gi* with "
        f"{result.permutations:,} permutations, false discovery rate controlled.{note} "
        f"{OGL}"
    )


def _approximation(indicator: Indicator) -> str:
    return " Public place violence is approximated by violence and sexual offences plus public order." if (
        indicator.key == PUBLIC_PLACE_VIOLENCE) else ""


def ranked_table(result, limit: int = 15, plain: bool = False):
    """The busiest places of every class, the strongest hot spots first: the committee pack's "top places" table.
    The page lists hot spots only (``spot_lists``).

    A public result's counts are the protected ones: "fewer than 5" or "withheld" where not shown, and the share
    and change (worked out from the protected counts) blank beside them. With ``plain``, the hot spot class is in
    plain words (``map_style.PLAIN_GI``).
    """
    table = top_hotspots(result, limit)
    if plain:
        table = table.assign(**{"Hot spot class": table["Hot spot class"].map(lambda name: PLAIN_GI.get(name, name))})
    if not result.public:
        return table
    cells = result.cells.set_index("cell").reindex(table.index)
    return table.assign(Count=[count_text(v, s) for v, s in zip(cells["count"], cells["count_status"], strict=True)])


# --- The page's lists: hot spots, cold spots, and places that are no longer hot spots ------------------------------

HOT_LIMIT = 15  # rows of the hot spot list
SHORT_LIMIT = 5  # rows of the cold spot and "no longer a hot spot" lists
NO_LONGER_HOT = "No longer a hot spot"
# Strongest first: a 99% hot spot before a 95% one before a 90% one (and the same for cold spots).
HOT_ORDER = {HOT_99: 0, HOT_95: 1, HOT_90: 2}
COLD_ORDER = {COLD_99: 0, COLD_95: 1, COLD_90: 2}
LIST_NAMES = {"hot": "Hot spot", "cold": "Cold spot", "no_longer": NO_LONGER_HOT}


@dataclass(frozen=True)
class SpotList:
    """One list of places as the page shows and exports it, how many places qualify in all, and what to say when
    there are none."""

    kind: str  # "hot", "cold" or "no_longer" (``LIST_NAMES``)
    table: pd.DataFrame
    total: int
    empty: str  # the sentence shown in place of an empty list

    @property
    def cut(self) -> bool:
        """Whether more places qualify than the list shows."""
        return self.total > len(self.table)


def spot_lists(result, plain: bool = False, hot_limit: int = HOT_LIMIT,
               short_limit: int = SHORT_LIMIT) -> tuple[SpotList, SpotList, SpotList]:
    """The hot spots (99% before 95% before 90% confidence, then the most incidents), the cold spots (strongest,
    then the fewest incidents) and the places that were hot spots in the previous period and are not now (the
    strongest then, then the most incidents then).

    Hot and cold spots are listed whatever their own count: Gi* judges a cell with its neighbours, so a cell with
    few incidents can sit in a hot spot (the map colours it so). Columns and protection as ``ranked_table``.
    """
    cells = result.cells
    hot = _ordered(cells, cells["gi_class"].map(HOT_ORDER), cells["count"], descending=True)
    cold = _ordered(cells, cells["gi_class"].map(COLD_ORDER), cells["count"], descending=False)
    before = cells["previous_gi_class"].map(HOT_ORDER).where(cells["trajectory"] == NO_LONGER_HOT)
    cooled = _ordered(cells, before, pd.to_numeric(cells["previous"], errors="coerce"), descending=True)
    hot_empty, cold_empty = _empty_hot_and_cold(plain)
    return (SpotList("hot", _rows(result, hot.head(hot_limit), plain), len(hot), hot_empty),
            SpotList("cold", _rows(result, cold.head(short_limit), plain), len(cold), cold_empty),
            SpotList("no_longer", _rows(result, cooled.head(short_limit), plain), len(cooled),
                     _empty_no_longer(result, plain)))


def _ordered(cells: pd.DataFrame, strength: pd.Series, counts: pd.Series, descending: bool) -> pd.DataFrame:
    """The cells with a ``strength`` (0 strongest; NaN for cells not in the list), strongest first, then by count
    (a count not shown in the public view last), then by cell so the order never depends on the rows' order."""
    chosen = cells.assign(_strength=strength, _count=counts)[strength.notna()]
    return chosen.sort_values(["_strength", "_count", "cell"], ascending=[True, not descending, True],
                              na_position="last", kind="stable")


def _rows(result, cells: pd.DataFrame, plain: bool) -> pd.DataFrame:
    """The list's columns, as ``ranked_table``: a public result's counts in words where not shown."""
    classes = cells["gi_class"].map(lambda name: PLAIN_GI.get(name, name)) if plain else cells["gi_class"]
    table = pd.DataFrame({
        "Place": cells["place"].where(cells["place"] != "", cells["cell"]),
        "Count": cells["count"],
        "% of area total": cells["share"].round(1),
        "Change": cells["change"],
        "Hot spot class": classes,
        "Trajectory": cells["trajectory"],
    })
    table.index = pd.Index(cells["cell"], name="cell")
    if result.public:
        table["Count"] = [count_text(v, s) for v, s in zip(cells["count"], cells["count_status"], strict=True)]
    return table


def _empty_hot_and_cold(plain: bool) -> tuple[str, str]:
    if plain:
        return ("No hot spots: no cluster of places has more incidents than chance would give.",
                "No cold spots: no cluster of places has fewer incidents than chance would give.")
    return ("No hot spots: no cluster of cells passes Gi* at 90% confidence or more.",
            "No cold spots: no cluster of cells passes Gi* at 90% confidence or more.")


def _empty_no_longer(result, plain: bool) -> str:
    before = month_span(result.previous_start, result.previous_end)
    if not result.previous_held:
        return (f"Not known: the months before ({before}) are not held, so whether any place has stopped being a "
                "hot spot cannot be told.")
    return (f"None: no place that was a hot spot in {before} has stopped being one."
            if plain else f"None: no cell that was a hot spot in {before} has stopped being one.")


def list_export(lists: tuple[SpotList, ...]) -> pd.DataFrame:
    """The lists as shown, one after another in one table, each row saying which list it is in: the CSV download."""
    frames = [spot.table.reset_index(drop=True).assign(List=LIST_NAMES[spot.kind]) for spot in lists]
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return pd.DataFrame(columns=["List", "Place", "Count", "% of area total", "Change", "Hot spot class",
                                     "Trajectory"])
    joined = pd.concat(frames, ignore_index=True)
    return joined[["List", *(c for c in joined.columns if c != "List")]]


def why_not_busiest(result, plain: bool = False) -> str:
    """Why a place with fewer incidents can be a hot spot when a busier one is not, in one sentence; with this
    area's own example when its busiest place outside the hot spots has more incidents than its smallest hot spot.
    """
    if plain:
        general = ("Why a place with fewer incidents can be a hot spot when a busier one is not: each place is judged "
                   "together with the places around it, against the average for the whole area, so a hot spot is a "
                   "cluster of busy places, and one busy place among quiet neighbours is not a cluster.")
    else:
        general = ("Why a smaller cell can be a hot spot when a bigger one is not: Gi* judges each cell together with "
                   "its neighbours against the whole area's average, so a hot spot is a cluster of high counts, not "
                   "one busy cell; a busy cell among quiet neighbours is not a cluster.")
    example = _example(result, plain)
    return f"{general} {example}" if example else general


def _example(result, plain: bool) -> str:
    """This area's busiest cell outside the hot spots against its quietest hot spot cell, where the first is busier.

    Public counts are the protected ones: a "fewer than 5" hot spot is quieter than any count shown, and with a
    count withheld the busiest or quietest cannot be told, so no example is given.
    """
    cells = result.cells
    status = cells["count_status"] if "count_status" in cells else pd.Series(SHOWN, index=cells.index)
    if (status == WITHHELD).any():
        return ""
    in_hot = cells["gi_class"].isin(list(HOT_ORDER))
    hot = cells.loc[in_hot & (status == SHOWN), "count"]
    small_hot = bool((in_hot & (status == SMALL)).any())
    outside = cells.loc[~in_hot & (status == SHOWN), "count"]
    if outside.empty or (hot.empty and not small_hot):
        return ""
    if not hot.empty and hot.min() == 0:
        floor, quietest = 0.0, "none"
    elif small_hot:
        floor, quietest = SMALL_COUNT_LIMIT - 1, FEWER_THAN_5
    else:
        floor, quietest = float(hot.min()), f"{hot.min():,.0f}"
    if outside.max() <= floor:
        return ""
    unit = "place" if plain else "cell"
    return (f"Here the busiest {unit} outside the hot spots has {outside.max():,.0f} incidents; the quietest hot "
            f"spot {unit} has {quietest}.")
