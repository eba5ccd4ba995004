"""CSP measures against their targets: the RAG rule, target figures, polarity, and every demo target recounted
from the store's own tables."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.core.areas import find_area
from lib.core.catalogue import Indicator, find_indicator, indicator_catalogue
from lib.performance.measures import (
    AMBER,
    GREEN,
    NO_DATA,
    RAG_ICONS,
    RAG_RULE,
    RED,
    evaluate_measure,
    measure_basis,
    measure_figures,
    measures_table,
    rag_counts,
    rag_status,
    target_figure,
    wanted_lower,
)
from lib.performance.targets import BASIS_WORDS, Target, load_targets
from lib.stats.statistics import Interval, byars_interval
from lib.store.db import open_store
from tests.app_support import demo_store_file

LATEST = "2026-09"
TARGET_YEAR, BASELINE_YEAR = "2026/27", "2025/26"
FYTD_MONTHS = ("2026-04", "2026-09")
ROLLING_MONTHS = ("2025-10", "2026-09")
BASELINE_MONTHS = ("2025-04", "2026-03")
BASELINE_SAME_MONTHS = ("2025-04", "2025-09")
PPV_CATEGORIES = ("Violence and sexual offences", "Public order")
TABLE_COLUMNS = ["Measure", "Indicator", "Basis", "Baseline", "Baseline value", "Target", "Current period", "Current",
                 "Target so far", "Projected year end", "Status", "Why", "Trend", "Commentary", "Updated"]
RANK = {RED: 0, AMBER: 1, GREEN: 2}


def make_target(**changes) -> Target:
    fields = {
        "id": 1, "csp_code": "X22000001", "indicator_key": "burglary", "measure": "Reduce burglary by 3%",
        "target_type": "percent_change", "target_value": -3.0, "baseline_period": BASELINE_YEAR,
        "target_period": TARGET_YEAR, "basis": "fytd", "commentary": None, "updated_by": None, "updated_at": None,
    }
    return Target(**{**fields, **changes})


def indicator(polarity: str) -> Indicator:
    return Indicator("some-indicator", "Some indicator", "partner", polarity=polarity)


# --- the store, its targets, and independent recounts ----------------------------------------------------------

@pytest.fixture(scope="module")
def demo_db():
    db = open_store(demo_store_file())
    yield db
    db.close()


def evaluate_all(db, latest: str) -> list:
    catalogue = indicator_catalogue(db)
    return [evaluate_measure(db, t, find_indicator(catalogue, t.indicator_key), find_area(db, t.csp_code), latest)
            for t in load_targets(db)]


@pytest.fixture(scope="module")
def statuses(demo_db):
    found = evaluate_all(demo_db, LATEST)
    assert len(found) == 24
    return found


def police_categories(db, key: str) -> tuple[str, ...]:
    """The police.uk categories behind an indicator key, worked out here rather than by the catalogue."""
    if key == "public-place-violence":
        return PPV_CATEGORIES
    held = [r[0] for r in db.execute("SELECT DISTINCT category FROM monthly_counts")]
    return tuple(c for c in held if re.sub(r"[^a-z0-9]+", "-", c.lower()).strip("-") == key)


def recount(db, csp_code: str, key: str, months: tuple[str, str]) -> float:
    """The indicator's total for a CSP over a run of months, straight from monthly_counts or observations."""
    first, last = months
    categories = police_categories(db, key)
    if categories:
        held_first, held_last = db.execute("SELECT MIN(month), MAX(month) FROM monthly_counts").fetchone()
        assert held_first <= first and last <= held_last, "the recount would run outside the months held"
        marks = ", ".join("?" for _ in categories)
        total = db.execute(
            f"SELECT COALESCE(SUM(count), 0) FROM monthly_counts WHERE csp_code = ? AND category IN ({marks}) "
            "AND month BETWEEN ? AND ?", [csp_code, *categories, first, last]).fetchone()[0]
        return float(total)
    total, months_held = db.execute(
        "SELECT SUM(value), COUNT(*) FROM observations WHERE indicator_key = ? AND area_code = ? "
        "AND period LIKE '____-__' AND period BETWEEN ? AND ?", [key, csp_code, first, last]).fetchone()
    expected_months = (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:]) + 1
    assert months_held == expected_months, f"{key} for {csp_code}: {months_held} of {expected_months} months held"
    return float(total)


def recorded_polarity(db, key: str) -> str:
    row = db.execute("SELECT polarity FROM indicators WHERE key = ?", [key]).fetchone()
    return row[0] if row else "lower_is_better"


def annual_value(db, csp_code: str, key: str, year: str) -> float | None:
    row = db.execute("SELECT value FROM observations WHERE indicator_key = ? AND area_code = ? AND period = ?",
                     [key, csp_code, year]).fetchone()
    return None if row is None else float(row[0])


# --- the RAG rule ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("current, interval, goal, lower, rag", [
    (90, Interval(75, 105, 0.95), 100, True, GREEN),  # below the goal
    (100, Interval(85, 115, 0.95), 100, True, GREEN),  # equal: met
    (110, Interval(95, 125, 0.95), 100, True, AMBER),  # above, goal inside the interval
    (110, Interval(100, 125, 0.95), 100, True, AMBER),  # goal on the interval's limit: still chance
    (130, Interval(110, 150, 0.95), 100, True, RED),  # the whole interval above
    (110, Interval(95, 125, 0.95), 100, False, GREEN),  # higher wanted: above the goal
    (100, Interval(85, 115, 0.95), 100, False, GREEN),
    (90, Interval(75, 105, 0.95), 100, False, AMBER),
    (90, Interval(75, 100, 0.95), 100, False, AMBER),
    (70, Interval(55, 85, 0.95), 100, False, RED),  # the whole interval below
])
def test_rag_status(current, interval, goal, lower, rag):
    got, reason = rag_status(current, interval, goal, lower)
    assert got == rag
    assert reason


def test_the_rag_rule_is_stated_for_every_status():
    for status in (GREEN, AMBER, RED, NO_DATA):
        assert f"**{status}**" in RAG_RULE
    assert "95%" in RAG_RULE


@settings(max_examples=300, deadline=None)
@given(current=st.integers(0, 50_000), better_by=st.integers(0, 50_000),
       goal=st.floats(0, 50_000, allow_nan=False), lower=st.booleans())
def test_a_better_figure_never_has_a_worse_rag(current, better_by, goal, lower):
    better = max(current - better_by, 0) if lower else current + better_by
    was, _ = rag_status(current, byars_interval(current), goal, lower)
    now, _ = rag_status(better, byars_interval(better), goal, lower)
    assert RANK[now] >= RANK[was], (current, better, goal, lower)


# --- target figures and which way is better --------------------------------------------------------------------

def test_target_figure_for_a_percent_change():
    assert target_figure(make_target(target_value=-3.0), 491.0) == pytest.approx(491 * 0.97)
    assert target_figure(make_target(target_value=5.0), 4108.0) == pytest.approx(4108 * 1.05)
    assert target_figure(make_target(target_value=-100.0), 250.0) == pytest.approx(0.0)
    assert target_figure(make_target(target_value=-3.0), None) is None


def test_target_figure_for_an_absolute_number_ignores_the_baseline():
    target = make_target(target_type="absolute", target_value=1600.0, baseline_period=None)
    assert target_figure(target, None) == 1600.0
    assert target_figure(target, 75.0) == 1600.0


def test_target_figure_for_a_direction_is_the_baseline():
    assert target_figure(make_target(target_type="direction", target_value=-1.0), 44.0) == 44.0
    assert target_figure(make_target(target_type="direction", target_value=1.0), 44.0) == 44.0
    assert target_figure(make_target(target_type="direction", target_value=-1.0), None) is None


@pytest.mark.parametrize("target_type, value, polarity, lower", [
    ("percent_change", -3.0, "higher_is_better", True),  # the sign wins over the polarity
    ("percent_change", 5.0, "lower_is_better", False),
    ("direction", -1.0, "higher_is_better", True),
    ("direction", 1.0, "lower_is_better", False),
    ("percent_change", 0.0, "lower_is_better", True),  # no sign: the polarity decides
    ("percent_change", 0.0, "higher_is_better", False),
    ("absolute", 900.0, "higher_is_better", False),
    ("absolute", 900.0, "lower_is_better", True),
    ("absolute", 900.0, "neutral", False),
])
def test_wanted_lower(target_type, value, polarity, lower):
    assert wanted_lower(make_target(target_type=target_type, target_value=value), indicator(polarity)) is lower


def test_wanted_lower_without_an_indicator():
    assert wanted_lower(make_target(target_value=-3.0), None) is True
    assert wanted_lower(make_target(target_type="absolute", target_value=10.0), None) is False


# --- every demo target, recounted ------------------------------------------------------------------------------

def test_every_demo_measure_agrees_with_a_recount(demo_db, statuses):
    judged = 0
    for status in statuses:
        target = status.target
        assert (target.target_period, status.indicator.key) == (TARGET_YEAR, target.indicator_key)
        if target.indicator_key == "first-time-entrants":
            continue  # annual: see test_an_annual_target_year_not_held_is_no_data
        judged += 1
        csp, key = target.csp_code, target.indicator_key
        rolling = target.basis == "rolling_12"
        current = recount(demo_db, csp, key, ROLLING_MONTHS if rolling else FYTD_MONTHS)
        assert status.current == pytest.approx(current), target
        if target.baseline_period:
            assert target.baseline_period == BASELINE_YEAR
            baseline = recount(demo_db, csp, key, BASELINE_MONTHS)
            assert status.baseline == pytest.approx(baseline), target
        else:
            baseline = None
            assert status.baseline is None
        if target.target_type == "percent_change":
            goal = baseline * (1 + target.target_value / 100)
        else:
            goal = target.target_value if target.target_type == "absolute" else baseline
        assert status.target_figure == pytest.approx(goal), target
        if rolling:
            assert status.so_far_target == pytest.approx(goal)
            assert status.projected == pytest.approx(current)
            assert status.current_label == "Rolling 12 months (Oct 2025 to Sep 2026)"
        else:
            share = recount(demo_db, csp, key, BASELINE_SAME_MONTHS) / baseline if baseline else 6 / 12
            assert 0.3 < share < 0.7
            assert status.so_far_target == pytest.approx(goal * share), target
            assert status.projected == pytest.approx(current / share), target
            assert status.current_label == "2026/27 year to date (Apr to Sep 2026)"
        if target.target_type in ("percent_change", "direction"):
            lower = target.target_value < 0
        else:
            lower = recorded_polarity(demo_db, key) == "lower_is_better"
        interval = byars_interval(current, 0.95)
        assert status.interval == interval
        assert status.wants_lower is lower
        expected_rag, expected_reason = rag_status(current, interval, goal if rolling else goal * share, lower)
        assert (status.rag, status.reason) == (expected_rag, expected_reason), target
        assert status.sparkline and status.sparkline[-1] == pytest.approx(
            recount(demo_db, csp, key, (LATEST, LATEST)))
    assert judged == 23


def test_public_place_violence_is_violence_plus_public_order(demo_db, statuses):
    ppv = [s for s in statuses if s.target.indicator_key == "public-place-violence"]
    assert len(ppv) == 2
    for status in ppv:
        parts = sum(recount(demo_db, status.target.csp_code, key, FYTD_MONTHS)
                    for key in ("violence-and-sexual-offences", "public-order"))
        assert status.current == pytest.approx(parts)
        assert parts > recount(demo_db, status.target.csp_code, "violence-and-sexual-offences", FYTD_MONTHS)


def test_an_annual_target_year_not_held_is_no_data(demo_db, statuses):
    (status,) = [s for s in statuses if s.target.indicator_key == "first-time-entrants"]
    target = status.target
    assert status.indicator.frequency == "annual"
    assert annual_value(demo_db, target.csp_code, target.indicator_key, TARGET_YEAR) is None
    assert status.rag == NO_DATA
    assert TARGET_YEAR in status.reason
    assert (status.current, status.interval, status.projected) == (None, None, None)
    baseline = annual_value(demo_db, target.csp_code, target.indicator_key, BASELINE_YEAR)
    assert baseline is not None and status.baseline == pytest.approx(baseline)


def test_an_annual_target_year_held_is_judged_on_that_year(demo_db):
    catalogue = indicator_catalogue(demo_db)
    fte = find_indicator(catalogue, "first-time-entrants")
    checked = 0
    for csp in ("X22000001", "X22000002", "X22000003"):
        target = make_target(csp_code=csp, indicator_key="first-time-entrants", target_type="direction",
                             target_value=-1.0, baseline_period="2024/25", target_period=BASELINE_YEAR,
                             basis="year_end")
        status = evaluate_measure(demo_db, target, fte, find_area(demo_db, csp), LATEST)
        current = annual_value(demo_db, csp, "first-time-entrants", BASELINE_YEAR)
        baseline = annual_value(demo_db, csp, "first-time-entrants", "2024/25")
        assert (status.current, status.baseline, status.target_figure) == pytest.approx((current, baseline, baseline))
        assert status.interval.lower <= current <= status.interval.upper
        assert status.interval.upper > status.interval.lower
        assert (status.rag, status.reason) == rag_status(current, status.interval, baseline, True)
        checked += 1
    assert checked == 3


def test_before_the_target_year_fytd_measures_have_no_data(demo_db):
    early = evaluate_all(demo_db, "2026-03")
    fytd = [s for s in early if s.target.basis == "fytd"]
    assert len(fytd) >= 15
    for status in fytd:
        assert status.rag == NO_DATA, status.target
        assert TARGET_YEAR in status.reason
        assert (status.current, status.so_far_target, status.projected) == (None, None, None)
        if status.target.indicator_key != "first-time-entrants" and status.target.baseline_period:
            expected = recount(demo_db, status.target.csp_code, status.target.indicator_key, BASELINE_MONTHS)
            assert status.baseline == pytest.approx(expected)
    assert rag_counts(early)[NO_DATA] == len(early)


def test_a_past_years_rolling_target_is_judged_within_that_year(demo_db):
    catalogue = indicator_catalogue(demo_db)
    target = make_target(csp_code="X22000004", target_value=-5.0, baseline_period="2024/25",
                         target_period=BASELINE_YEAR, basis="rolling_12")
    status = evaluate_measure(demo_db, target, find_indicator(catalogue, "burglary"),
                              find_area(demo_db, "X22000004"), LATEST)
    assert status.baseline == pytest.approx(recount(demo_db, "X22000004", "burglary", ("2024-04", "2025-03")))
    assert status.current == pytest.approx(recount(demo_db, "X22000004", "burglary", BASELINE_MONTHS))
    assert status.current_label == "Rolling 12 months (Apr 2025 to Mar 2026)"


def test_a_baseline_year_not_held_is_no_data(demo_db):
    catalogue = indicator_catalogue(demo_db)
    target = make_target(baseline_period="2022/23")  # police data start in 2023-10
    status = evaluate_measure(demo_db, target, find_indicator(catalogue, "burglary"),
                              find_area(demo_db, "X22000001"), LATEST)
    assert (status.rag, status.baseline, status.target_figure) == (NO_DATA, None, None)
    assert "baseline" in status.reason


def test_an_indicator_not_held_is_no_data(demo_db):
    target = make_target(indicator_key="hate-incidents")
    status = evaluate_measure(demo_db, target, None, find_area(demo_db, "X22000001"), LATEST)
    assert status.rag == NO_DATA
    assert status.current is None and status.sparkline == []


# --- the table, the counts and the cards -----------------------------------------------------------------------

def test_measures_table_has_one_row_per_status(statuses):
    table = measures_table(statuses)
    assert list(table.columns) == TABLE_COLUMNS
    assert len(table) == len(statuses)
    for (_, row), status in zip(table.iterrows(), statuses, strict=True):
        assert row["Measure"] == status.target.measure
        assert row["Indicator"] == status.indicator.name
        assert row["Basis"] == BASIS_WORDS[status.target.basis]
        assert row["Status"] == f"{RAG_ICONS[status.rag]} {status.rag}"
        assert row["Why"] == status.reason
        assert row["Commentary"] == (status.target.commentary or "")
        assert row["Updated"] == f"{status.target.updated_by} {status.target.updated_at[:10]}"
        if status.current is not None:
            assert row["Current"] == pytest.approx(status.current)
            assert row["Target so far"] == pytest.approx(status.so_far_target)


def test_rag_counts_add_up_to_the_number_of_targets(demo_db, statuses):
    counts = rag_counts(statuses)
    assert set(counts) == {GREEN, AMBER, RED, NO_DATA}
    assert sum(counts.values()) == len(statuses) == len(load_targets(demo_db))
    assert counts == {rag: Counter(s.rag for s in statuses)[rag] for rag in counts}
    assert counts[NO_DATA] == 1


def test_measure_figures_name_the_target_year_and_never_project_a_rolling_year(demo_db, statuses):
    early = evaluate_all(demo_db, "2026-03")
    rolling = [s for s in statuses + early if s.target.basis == "rolling_12"]
    assert len(rolling) == 2 and rolling[0].projected is not None
    for status in statuses + early:
        figures = measure_figures(status)
        labels = [label for label, _ in figures]
        assert f"Target for {status.target.target_period}" in labels
        assert any(TARGET_YEAR in label for label in labels)
        if status.target.baseline_period:
            assert f"Baseline {status.target.baseline_period}" in labels
        if status.target.basis == "rolling_12":
            assert "Projected year end" not in labels
            assert "Target for the months so far" not in labels
        elif status.projected is not None:
            assert dict(figures)["Projected year end"] == f"{status.projected:,.0f}"
            assert dict(figures)[status.current_label] == f"{status.current:,.0f}"
        if status.current is None:
            assert "Projected year end" not in labels
    made_up = replace(rolling[0], projected=999.0, so_far_target=1.0)
    assert "Projected year end" not in [label for label, _ in measure_figures(made_up)]


def test_measure_basis_in_words(statuses):
    words = {s.target.id: measure_basis(s) for s in statuses}
    by_key = {(s.target.csp_code, s.target.indicator_key): s.target.id for s in statuses}
    assert words[by_key["X22000001", "burglary"]] == (
        "Target: -3% on 2025/26, lower is better; measured as financial year to date.")
    assert "higher is better" in words[by_key["X22000001", "domestic-abuse-incidents"]]
    assert "a number to reach: 900" in words[by_key["X22000001", "home-safety-visits"]]
    assert "higher is better" in words[by_key["X22000001", "home-safety-visits"]]
    assert "direction only, down on 2025/26" in words[by_key["X22000004", "dwelling-fires"]]
    assert "rolling 12 months" in words[by_key["X22000004", "burglary"]]
