"""Words for the Hotspots page: the choices offered, the headline figures, the caption and the ranked table."""

from __future__ import annotations

import calendar

from lib.core.areas import Area
from lib.core.attribution import OGL
from lib.core.catalogue import PUBLIC_PLACE_VIOLENCE, Indicator
from lib.core.disclosure import count_text
from lib.core.periods import Period, month_span
from lib.hotspots.gi_star import top_hotspots
from lib.hotspots.map_style import PLAIN_GI

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
    """The top hotspots as the page shows and exports them.

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
