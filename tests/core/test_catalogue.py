"""The indicator catalogue: keys, police.uk groups, units and what they measure, and the demo store's catalogue."""

from __future__ import annotations

import re
import sqlite3

import pytest
import sqlite_utils
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.core.areas import Area, upsert_areas
from lib.core.catalogue import (
    ALL_CRIME,
    HEADLINE_KEYS,
    POLICE_SOURCE,
    PPV_NOTE,
    PUBLIC_PLACE_VIOLENCE,
    Indicator,
    find_indicator,
    headline_indicators,
    indicator_catalogue,
    partner_indicators,
    police_indicators,
    slug,
)
from tests.app_support import demo_store_file

ASB, VIOLENCE, PUBLIC_ORDER = "Anti-social behaviour", "Violence and sexual offences", "Public order"
# The fourteen police.uk street-level categories.
POLICE_UK_CATEGORIES = [
    ASB, "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs", "Other crime", "Other theft",
    "Possession of weapons", PUBLIC_ORDER, "Robbery", "Shoplifting", "Theft from the person", "Vehicle crime",
    VIOLENCE,
]
FAST = settings(max_examples=200, deadline=None)


@pytest.fixture(scope="module")
def demo():
    """The demo store, read-only so no test here can change it for another."""
    db = sqlite_utils.Database(sqlite3.connect(f"file:{demo_store_file()}?mode=ro", uri=True))
    yield db
    db.close()


# --- slug -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Anti-social behaviour", "anti-social-behaviour"),
        ("Violence and sexual offences", "violence-and-sexual-offences"),
        ("Criminal damage and arson", "criminal-damage-and-arson"),
        ("  Theft from the person!  ", "theft-from-the-person"),
        ("KSI (casualties)", "ksi-casualties"),
        ("Rate per 1,000 -- 2024/25", "rate-per-1-000-2024-25"),
        ("---", ""),
    ],
)
def test_slug(text, key):
    assert slug(text) == key


@FAST
@given(st.text(max_size=40))
def test_slug_is_lower_ascii_words_joined_by_single_hyphens_and_idempotent(text):
    key = slug(text)
    assert re.fullmatch(r"([a-z0-9]+(-[a-z0-9]+)*)?", key)
    assert slug(key) == key


# --- police.uk indicators ---------------------------------------------------------------------------------


def test_police_indicators_one_per_category_then_the_two_groups():
    indicators = police_indicators(POLICE_UK_CATEGORIES)
    keys = [i.key for i in indicators]
    assert keys == [slug(c) for c in POLICE_UK_CATEGORIES] + [PUBLIC_PLACE_VIOLENCE, ALL_CRIME]
    assert len(set(keys)) == len(keys)
    for indicator, category in zip(indicators, POLICE_UK_CATEGORIES, strict=False):
        assert (indicator.name, indicator.categories, indicator.kind) == (category, (category,), "police")
        assert indicator.is_police and indicator.source == POLICE_SOURCE
        assert indicator.frequency == "monthly" and indicator.measure == "count" and indicator.per == 1.0
        assert category in indicator.definition


def test_polarity_asb_lower_is_better_and_policing_found_crime_neutral():
    by_key = {i.key: i for i in police_indicators(POLICE_UK_CATEGORIES)}
    assert by_key["anti-social-behaviour"].polarity == "lower_is_better"
    assert "not crimes" in by_key["anti-social-behaviour"].definition
    assert by_key["drugs"].polarity == "neutral"
    assert by_key["possession-of-weapons"].polarity == "neutral"
    assert "proactive policing" in by_key["drugs"].definition
    neutral = {k for k, i in by_key.items() if i.polarity == "neutral"}
    assert neutral == {"drugs", "possession-of-weapons"}
    assert {i.polarity for k, i in by_key.items() if k not in neutral} == {"lower_is_better"}


def test_public_place_violence_is_exactly_violence_and_public_order_and_carries_its_caveat():
    ppv = find_indicator(police_indicators(POLICE_UK_CATEGORIES), PUBLIC_PLACE_VIOLENCE)
    assert ppv is not None
    assert set(ppv.categories) == {VIOLENCE, PUBLIC_ORDER} and len(ppv.categories) == 2
    assert ppv.polarity == "lower_is_better"
    assert "approx" in ppv.name.lower()
    assert ppv.note == PPV_NOTE and ppv.definition == PPV_NOTE
    assert ppv.short_name.endswith("*")
    # Only the group carries the caveat.
    assert find_indicator(police_indicators(POLICE_UK_CATEGORIES), "burglary").note == ""


def test_all_crime_is_every_category_but_asb():
    categories = police_indicators(POLICE_UK_CATEGORIES)
    everything = find_indicator(categories, ALL_CRIME)
    assert set(everything.categories) == set(POLICE_UK_CATEGORIES) - {ASB}
    assert len(everything.categories) == len(POLICE_UK_CATEGORIES) - 1
    assert everything.polarity == "lower_is_better"


def test_groups_follow_the_categories_held():
    only_order = police_indicators([PUBLIC_ORDER])
    assert [i.key for i in only_order] == ["public-order", PUBLIC_PLACE_VIOLENCE, ALL_CRIME]
    assert find_indicator(only_order, PUBLIC_PLACE_VIOLENCE).categories == (PUBLIC_ORDER,)
    # ASB alone: no crimes, so neither group.
    assert [i.key for i in police_indicators([ASB])] == ["anti-social-behaviour"]
    # No violence and no public order: no public place violence, but all crime still.
    burglary = police_indicators([ASB, "Burglary"])
    assert [i.key for i in burglary] == ["anti-social-behaviour", "burglary", ALL_CRIME]
    assert find_indicator(burglary, ALL_CRIME).categories == ("Burglary",)
    assert police_indicators([]) == []


# --- units: what an indicator measures --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "measure", "per"),
    [
        ("rate per 100,000 aged 10-17", "rate", 100_000.0),
        ("rate_per_1000", "rate", 1000.0),
        ("Rate per 1,000 population", "rate", 1000.0),
        ("per 10000", "rate", 10_000.0),
        ("percent", "proportion", 1.0),
        ("Percentage", "proportion", 1.0),
        ("%", "proportion", 1.0),
        ("proportion", "proportion", 1.0),
        ("count", "count", 1.0),
        ("incidents", "count", 1.0),
    ],
)
def test_measure_and_per_of_a_unit(unit, measure, per):
    indicator = Indicator("x", "X", "partner", unit=unit)
    assert indicator.measure == measure
    assert indicator.per == per
    assert not indicator.is_police


def test_short_name_falls_back_to_the_name():
    assert Indicator("anti-social-behaviour", "Anti-social behaviour", "police").short_name == "ASB"
    assert Indicator("burglary", "Burglary", "police").short_name == "Burglary"


# --- the demo store's catalogue ---------------------------------------------------------------------------


def test_demo_catalogue_puts_headlines_first_in_order_then_the_rest_by_name(demo):
    catalogue = indicator_catalogue(demo)
    keys = [i.key for i in catalogue]
    assert len(set(keys)) == len(keys)
    held_categories = [r[0] for r in demo.execute("SELECT DISTINCT category FROM monthly_counts")]
    held_partner = [r[0] for r in demo.execute("SELECT DISTINCT indicator_key FROM observations")]
    assert set(keys) == {slug(c) for c in held_categories} | set(held_partner) | {PUBLIC_PLACE_VIOLENCE, ALL_CRIME}
    headline = [k for k in HEADLINE_KEYS if k in keys]
    assert headline == list(HEADLINE_KEYS)  # the demo holds every headline priority
    assert keys[: len(headline)] == headline
    rest = catalogue[len(headline):]
    assert [i.name for i in rest] == sorted(i.name for i in rest)
    assert [i.key for i in headline_indicators(catalogue)] == headline


def test_demo_partner_indicators_frequency_polarity_and_units_come_from_the_store(demo):
    partner = {i.key: i for i in partner_indicators(demo)}
    rows = demo.execute(
        "SELECT i.key, i.name, i.polarity, i.unit, i.source, SUM(o.period GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'), "
        "SUM(o.period GLOB '[0-9][0-9][0-9][0-9]/[0-9][0-9]') "
        "FROM indicators i JOIN observations o ON o.indicator_key = i.key GROUP BY i.key"
    ).fetchall()
    assert set(partner) == {r[0] for r in rows}
    for key, name, polarity, unit, source, monthly, yearly in rows:
        indicator = partner[key]
        assert (indicator.name, indicator.polarity, indicator.unit, indicator.source) == (name, polarity, unit, source)
        assert indicator.kind == "partner" and not indicator.is_police
        assert indicator.frequency == ("monthly" if monthly else "annual")
        assert bool(monthly) != bool(yearly)  # the demo sends each indicator at one frequency
    assert partner["first-time-entrants"].frequency == "annual"
    assert partner["first-time-entrants"].measure == "rate"
    assert partner["first-time-entrants"].per == 100_000.0
    for key in ("domestic-abuse-incidents", "ksi-casualties", "dwelling-fires", "home-safety-visits"):
        assert partner[key].frequency == "monthly" and partner[key].measure == "count"
    assert partner["domestic-abuse-incidents"].polarity == "higher_is_better"
    assert partner["ksi-casualties"].polarity == "lower_is_better"


def test_partner_indicators_without_observations_are_not_listed(db):
    db["indicators"].insert({"key": "marac-referrals", "name": "MARAC referrals", "polarity": "higher_is_better",
                             "unit": "count"}, alter=False)
    assert partner_indicators(db) == []
    assert find_indicator(indicator_catalogue(db), "marac-referrals") is None
    upsert_areas(db, [Area("E22000295", "Eastbourne", "csp")])
    db["observations"].insert({"indicator_key": "marac-referrals", "area_code": "E22000295", "period": "2024/25",
                               "value": 12.0}, alter=False)
    [marac] = partner_indicators(db)
    assert (marac.key, marac.frequency, marac.polarity, marac.source) == (
        "marac-referrals", "annual", "higher_is_better", "partner data")
    db["observations"].insert({"indicator_key": "marac-referrals", "area_code": "E22000295", "period": "2025-04",
                               "value": 1.0}, alter=False)
    assert partner_indicators(db)[0].frequency == "monthly"  # any monthly value makes it a monthly indicator
