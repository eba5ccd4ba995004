"""MoRiLE-style scoring: the formula by hand, bounds and monotonicity over every valid input, the ranking and its
ties, the matrix thresholds, reading loose values into an Assessment, and what moved since last year."""

from __future__ import annotations

import math
from dataclasses import asdict, replace

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lib.priorities.scoring import (
    HARM_IMPACTS,
    HARM_QUADRANTS,
    LED_BY_PARTNERS,
    LOCAL_ACTION,
    MONITOR,
    PARTNERSHIP_PRIORITY,
    POSITION_THRESHOLD,
    RANKED_COLUMNS,
    RISK_THRESHOLD,
    SCALES,
    SCOPE_LEVELS,
    SCORE_FIELDS,
    Assessment,
    check_assessment,
    describe_change,
    harm_quadrant,
    quadrant,
    ranked,
    score,
    what_moved,
)

LIKELIHOOD_FIELDS = ("frequency", "trend", "vulnerability")
HARM_FIELDS = (*HARM_IMPACTS, "scope")
POSITION_FIELDS = ("capacity", "capability")


def make(issue: str = "Issue", **changes: object) -> Assessment:
    """The worst case (every level at its top, well placed, not led elsewhere), with some fields changed."""
    top = {field: max(scale) for field, scale in SCALES.items()}
    return Assessment(issue=issue, **{**top, "led_elsewhere": False, **changes})


def level_values(field: str) -> st.SearchStrategy[int]:
    return st.sampled_from(sorted(SCALES[field]))


assessments = st.builds(
    Assessment,
    issue=st.text(min_size=1, max_size=20).filter(str.strip),
    **{field: level_values(field) for field in SCALES},
    led_elsewhere=st.booleans(),
    chosen=st.booleans(),
)


def scores_tuple(a: Assessment) -> tuple[float, ...]:
    s = score(a)
    return s.harm, s.likelihood, s.risk, s.position, s.priority


# --- The formula, by hand ---------------------------------------------------------------------------------


def test_no_harm_scores_no_harm_and_no_risk() -> None:
    a = make(**{impact: 0 for impact in HARM_IMPACTS})
    s = score(a)
    assert (s.harm, s.risk, s.priority) == (0, 0, 0)
    assert s.likelihood == 100 and s.position == 100
    assert s.quadrant == LOCAL_ACTION


def test_every_level_at_its_top_scores_100_throughout() -> None:
    s = score(make())
    assert (s.harm, s.likelihood, s.risk, s.position, s.priority) == (100, 100, 100, 100, 100)
    assert s.quadrant == PARTNERSHIP_PRIORITY


def test_led_elsewhere_halves_position_and_priority_only() -> None:
    alone, led = score(make()), score(make(led_elsewhere=True))
    assert led.position == alone.position / 2 == 50
    assert led.priority == 50
    assert (led.harm, led.likelihood, led.risk) == (alone.harm, alone.likelihood, alone.risk)
    assert led.quadrant == LED_BY_PARTNERS


def test_every_level_at_its_bottom() -> None:
    bottom = {field: min(scale) for field, scale in SCALES.items()}
    s = score(Assessment(issue="Least", **bottom, led_elsewhere=True))
    # Likelihood (2 + 1 + 1) / 16 = 25; position (1 + 1) / 8 = 25, halved = 12.5.
    assert (s.harm, s.likelihood, s.risk, s.position, s.priority) == (0, 25, 0, 12.5, 0)
    assert s.quadrant == MONITOR


def test_a_middling_issue_by_hand() -> None:
    a = make(physical=3, psychological=2, financial=1, community=0, environmental=2, scope=2,
             frequency=3, trend=2, vulnerability=3, capacity=3, capability=2)
    s = score(a)
    # Worst 3, mean 8/5 = 1.6: severity 1.5 + 0.8 = 2.3; harm 100 * 2.3 / 4 * 0.8 (neighbourhood) = 46.
    assert s.harm == pytest.approx(46.0)
    # (2 * 3 + 2 + 3) / 16 = 68.75.
    assert s.likelihood == pytest.approx(68.75)
    assert s.risk == pytest.approx(46.0 * 68.75 / 100)
    assert s.position == pytest.approx(62.5)
    assert s.priority == pytest.approx(46.0 * 68.75 / 100 * 0.625)
    assert s.quadrant == LOCAL_ACTION
    assert harm_quadrant(s.harm, s.likelihood) == "Manage: frequent, less harmful"


def test_scope_weights_harm_from_household_to_county() -> None:
    harms = [score(make(scope=level)).harm for level in (1, 2, 3, 4)]
    assert harms == pytest.approx([70, 80, 90, 100])


def test_one_critical_impact_counts_more_than_its_share_of_the_mean() -> None:
    # Worst 4, mean 4/5: severity 2 + 0.4 = 2.4, harm 60 at county scope.
    a = make(physical=4, psychological=0, financial=0, community=0, environmental=0)
    assert score(a).harm == pytest.approx(60)


# --- Bounds and monotonicity over every valid input -------------------------------------------------------


@given(assessments)
def test_every_score_is_between_0_and_100(a: Assessment) -> None:
    for value in scores_tuple(a):
        assert 0 <= value <= 100
        assert math.isfinite(value)


@given(assessments, st.sampled_from((*HARM_FIELDS, *LIKELIHOOD_FIELDS)))
def test_more_harm_or_likelihood_never_lowers_a_score(a: Assessment, field: str) -> None:
    top = max(SCALES[field])
    if getattr(a, field) == top:
        return
    raised = replace(a, **{field: getattr(a, field) + 1})
    s, r = score(a), score(raised)
    assert r.harm >= s.harm and r.likelihood >= s.likelihood
    assert r.risk >= s.risk and r.priority >= s.priority
    assert r.position == s.position


@given(assessments, st.sampled_from(POSITION_FIELDS))
def test_more_capacity_or_capability_never_lowers_position_or_priority(a: Assessment, field: str) -> None:
    if getattr(a, field) == max(SCALES[field]):
        return
    s, r = score(a), score(replace(a, **{field: getattr(a, field) + 1}))
    assert r.position > s.position and r.priority >= s.priority
    assert (r.harm, r.likelihood, r.risk) == (s.harm, s.likelihood, s.risk)


@given(assessments)
def test_led_elsewhere_never_raises_position_or_priority(a: Assessment) -> None:
    alone, led = score(replace(a, led_elsewhere=False)), score(replace(a, led_elsewhere=True))
    assert led.position <= alone.position and led.priority <= alone.priority
    assert led.position == pytest.approx(alone.position / 2)


@given(assessments, level_values("confidence"), st.booleans(), st.text(max_size=30))
def test_confidence_chosen_and_rationale_never_change_a_score(a: Assessment, confidence: int, chosen: bool,
                                                            rationale: str) -> None:
    other = replace(a, confidence=confidence, chosen=chosen, rationale=rationale or None)
    assert score(other) == score(a)


# --- The matrix thresholds --------------------------------------------------------------------------------


def test_quadrants_exactly_at_the_thresholds_count_as_high() -> None:
    assert quadrant(RISK_THRESHOLD, POSITION_THRESHOLD) == PARTNERSHIP_PRIORITY
    assert quadrant(RISK_THRESHOLD, POSITION_THRESHOLD - 1e-9) == LED_BY_PARTNERS
    assert quadrant(RISK_THRESHOLD - 1e-9, POSITION_THRESHOLD) == LOCAL_ACTION
    assert quadrant(RISK_THRESHOLD - 1e-9, POSITION_THRESHOLD - 1e-9) == MONITOR
    assert quadrant(0, 0) == MONITOR and quadrant(100, 100) == PARTNERSHIP_PRIORITY


def test_harm_quadrants_exactly_at_the_thresholds_count_as_high() -> None:
    assert harm_quadrant(50, 60) == HARM_QUADRANTS[(True, True)]
    assert harm_quadrant(50, 59.999) == HARM_QUADRANTS[(True, False)]
    assert harm_quadrant(49.999, 60) == HARM_QUADRANTS[(False, True)]
    assert harm_quadrant(49.999, 59.999) == HARM_QUADRANTS[(False, False)]


def test_an_issue_whose_risk_is_exactly_the_threshold_is_high_risk() -> None:
    # Harm 100 * (1 + 0.6) / 4 = 40 at county scope (worst 2, mean 6/5); likelihood 100: risk exactly 40.
    a = make(physical=0, psychological=0, financial=2, community=2, environmental=2)
    s = score(a)
    assert s.risk == 40
    assert s.quadrant == PARTNERSHIP_PRIORITY
    just_under = score(replace(a, capacity=2, capability=2))
    assert just_under.position == 50 and just_under.quadrant == LED_BY_PARTNERS


def test_an_issue_whose_harm_is_exactly_the_threshold_is_serious() -> None:
    # Every impact Moderate at county scope: severity 2, harm 50.
    a = make(**{impact: 2 for impact in HARM_IMPACTS}, frequency=1, trend=2, vulnerability=4)
    s = score(a)
    assert s.harm == 50 and s.likelihood == 50
    assert harm_quadrant(s.harm, s.likelihood) == "Prepare: serious but rarer"


# --- Ranking and ties -------------------------------------------------------------------------------------


def test_ranking_is_by_priority_with_competition_ranks_for_ties() -> None:
    frame = ranked([
        make("Low", capacity=1, capability=1),          # position 25: priority 25
        make("Tied B", led_elsewhere=True),             # position 50: priority 50
        make("Top"),                                    # priority 100
        make("Tied A", led_elsewhere=True),
    ])
    assert list(frame.columns) == list(RANKED_COLUMNS)
    assert list(frame["issue"]) == ["Top", "Tied A", "Tied B", "Low"]
    assert list(frame["rank"]) == [1, 2, 2, 4]
    assert list(frame["rank_label"]) == ["1", "=2", "=2", "4"]
    assert list(frame["priority"]) == pytest.approx([100, 50, 50, 25])


def test_equal_priority_is_ordered_by_risk_then_confidence_then_name() -> None:
    # Risk 100 at position 50, and risk 50 at position 100: both priority 50.
    high_risk = make("Zebra crossings", led_elsewhere=True)
    lower_risk = make("Arson", frequency=2, trend=2, vulnerability=2)
    sure = make("Mopeds", frequency=2, trend=2, vulnerability=2, confidence=4)
    unsure = make("Burglary", frequency=2, trend=2, vulnerability=2, confidence=1)
    frame = ranked([unsure, lower_risk, sure, high_risk])
    assert list(frame["issue"]) == ["Zebra crossings", "Arson", "Mopeds", "Burglary"]
    assert set(frame["rank_label"]) == {"=1"}
    assert list(frame["confidence_label"]) == ["High", "High", "High", "Low"]


def test_ranking_nothing_gives_an_empty_frame_with_the_columns() -> None:
    frame = ranked([])
    assert frame.empty and list(frame.columns) == list(RANKED_COLUMNS)


@settings(max_examples=60)
@given(st.lists(assessments, max_size=12, unique_by=lambda a: a.issue), st.integers(min_value=0, max_value=3))
def test_ranks_are_competition_ranks_of_the_priority(held: list[Assessment], copies: int) -> None:
    # Copies under other names have identical scores, so they must share a rank.
    originals = held[:copies]
    held = held + [replace(a, issue=a.issue + f" (copy {n})") for n, a in enumerate(originals)]
    assume(len({a.issue for a in held}) == len(held))
    frame = ranked(held)
    ranks, priorities = list(frame["rank"]), list(frame["priority"])
    assert ranks == sorted(ranks)
    for i, rank in enumerate(ranks):
        assert rank == 1 + sum(other < rank for other in ranks)
        assert frame["rank_label"][i] == (f"={rank}" if ranks.count(rank) > 1 else str(rank))
        for j in range(i + 1, len(ranks)):
            assert priorities[i] >= priorities[j] - 1e-9
            if priorities[i] > priorities[j] + 1e-6:
                assert ranks[i] < ranks[j]
    by_issue = dict(zip(frame["issue"], frame["rank"], strict=True))
    for n, a in enumerate(originals):
        assert by_issue[a.issue + f" (copy {n})"] == by_issue[a.issue]


def test_issues_of_exactly_equal_priority_share_a_rank_however_it_is_made_up() -> None:
    # Harm 9.625 x likelihood 56.25, and harm 12.375 x likelihood 43.75: risk and priority 5.4140625 exactly.
    first = make("First", physical=0, psychological=0, financial=0, community=1, environmental=1, scope=1,
                 frequency=1, trend=3, vulnerability=4)
    second = make("Second", physical=0, psychological=1, financial=1, community=1, environmental=1, scope=1,
                  frequency=1, trend=1, vulnerability=4)
    assert score(first).priority == pytest.approx(score(second).priority, abs=1e-12)
    frame = ranked([first, second])
    assert list(frame["rank_label"]) == ["=1", "=1"]


def test_an_exact_tie_in_risk_is_broken_by_confidence() -> None:
    # Harm 8.25 x likelihood 37.5, and harm 12.375 x likelihood 25: risk 3.09375 exactly; the surer comes first.
    unsure = make("Unsure", physical=0, psychological=1, financial=1, community=1, environmental=1, scope=1,
                  frequency=1, trend=1, vulnerability=1, confidence=1)
    sure = make("Sure", physical=0, psychological=0, financial=0, community=0, environmental=1, scope=1,
                frequency=1, trend=1, vulnerability=3, confidence=4)
    assert score(sure).risk == pytest.approx(score(unsure).risk, abs=1e-12)
    assert list(ranked([unsure, sure])["issue"]) == ["Sure", "Unsure"]


# --- Reading loose values ---------------------------------------------------------------------------------


def loose(**changes: object) -> dict:
    """A form row for a valid assessment, all text, with some fields changed."""
    row = {field: str(level) for field, level in asdict(make("Burglary")).items() if field in SCALES}
    return {"issue": "Burglary", **row, "led_elsewhere": "no", **changes}


def test_check_assessment_reads_numbers_numeric_text_and_words() -> None:
    a = check_assessment(loose(physical=3, psychological=2.0, financial=" 1 ", community="0.0", environmental="none",
                               scope=SCOPE_LEVELS[2].upper(), trend="RISING FAST", frequency="rare (a few a year)",
                               vulnerability="3 Often vulnerable", confidence="reasonable", capacity="none",
                               capability="Strong"))
    assert (a.physical, a.psychological, a.financial, a.community, a.environmental) == (3, 2, 1, 0, 0)
    assert (a.scope, a.trend, a.frequency, a.vulnerability) == (2, 4, 1, 3)
    # 'None' is 0 on the impact scale but 1 (the lowest) on the resources scale.
    assert (a.confidence, a.capacity, a.capability) == (3, 1, 4)
    assert isinstance(a.physical, int) and isinstance(a.psychological, int)


def test_check_assessment_gives_back_what_it_was_given() -> None:
    a = make("Domestic abuse", physical=2, scope=3, led_elsewhere=True, chosen=True, rationale="Why",
             indicator_key="domestic-abuse")
    assert check_assessment(asdict(a)) == a


def test_check_assessment_cleans_text() -> None:
    a = check_assessment(loose(issue="  Burglary ", rationale="  " + "x" * 2000, indicator_key="  "))
    assert a.issue == "Burglary"
    assert a.rationale == "x" * 2000
    assert a.indicator_key is None
    with pytest.raises(ValueError, match="rationale is longer than 2,000"):
        check_assessment(loose(rationale="x" * 2001))
    assert check_assessment(loose(rationale="   ")).rationale is None


@pytest.mark.parametrize(("field", "value"), [
    ("physical", 5), ("physical", -1), ("environmental", "6"), ("scope", 0), ("scope", "0"), ("frequency", 2.5),
    ("trend", "Rising slowly"), ("vulnerability", None), ("confidence", ""), ("capacity", "lots"),
    ("capability", float("nan")), ("frequency", "Rare"), ("trend", True),
])
def test_check_assessment_refuses_a_level_off_its_scale_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=rf"^Row 4: {field} must be one of "):
        check_assessment(loose(**{field: value}), where="Row 4: ")


@pytest.mark.parametrize(("issue", "message"), [("", "issue must name"), ("   ", "issue must name"),
                                                (None, "issue must name"), ("x" * 201, "longer than 200")])
def test_check_assessment_refuses_a_missing_or_overlong_issue(issue: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_assessment(loose(issue=issue))
    assert check_assessment(loose(issue="x" * 200)).issue == "x" * 200


@pytest.mark.parametrize(("raw", "expected"), [
    (True, True), (False, False), ("yes", True), ("Y", True), ("TRUE", True), ("1", True), (1, True), (1.0, True),
    ("no", False), ("N", False), ("false", False), ("0", False), (0, False), ("", False), (None, False),
    (float("nan"), False), (" Yes ", True),
])
def test_yes_or_no(raw: object, expected: bool) -> None:
    assert check_assessment(loose(led_elsewhere=raw, chosen=raw)).led_elsewhere is expected
    assert check_assessment(loose(chosen=raw)).chosen is expected


@pytest.mark.parametrize("raw", ["maybe", 2, "yes please", "-1"])
def test_yes_or_no_refuses_anything_else_naming_the_field(raw: object) -> None:
    with pytest.raises(ValueError, match="^led_elsewhere must be yes or no"):
        check_assessment(loose(led_elsewhere=raw))
    with pytest.raises(ValueError, match="^chosen must be yes or no"):
        check_assessment(loose(chosen=raw))


@given(assessments)
def test_check_assessment_round_trips_every_valid_assessment(a: Assessment) -> None:
    assert check_assessment(asdict(a)) == replace(a, issue=a.issue.strip())


# --- What moved since last year ---------------------------------------------------------------------------


def last_and_this_year() -> tuple[list[Assessment], list[Assessment]]:
    last = [
        make("Alpha"),                                               # 100
        make("Bravo", capacity=3),                                   # 87.5
        make("Charlie", trend=2, capacity=3, capability=3),          # 87.5 likelihood x 75 position = 65.6
        make("Delta", trend=1, capacity=2, capability=2),            # 81.25 x 50 = 40.6
        make("Foxtrot", trend=1, capacity=1, capability=1),          # 81.25 x 25 = 20.3
    ]
    this = [
        make("Alpha"),                                               # 100: rank 1 -> 1
        make("Charlie", trend=3, capacity=4, capability=4),          # 93.75: rank 3 -> 2
        make("Bravo", capacity=3, chosen=True),                      # 87.5: rank 2 -> 3
        make("Foxtrot", trend=4, capacity=3, capability=4),          # 87.5: shares rank 3, up from 5
        make("Echo", led_elsewhere=True),                            # 50: new, rank 5
    ]
    return this, last


def test_what_moved_gives_each_issues_movement() -> None:
    this, last = last_and_this_year()
    moved = what_moved(this, last).set_index("issue")
    assert list(moved.index) == ["Alpha", "Charlie", "Bravo", "Foxtrot", "Echo", "Delta"]
    assert moved["moved"].to_dict() == {"Alpha": "Same rank", "Charlie": "Up 1", "Bravo": "Down 1",
                                        "Foxtrot": "Up 2", "Echo": "New", "Delta": "Not assessed"}
    assert pd.isna(moved.at["Delta", "rank_now"]) and pd.isna(moved.at["Echo", "rank_before"])
    assert moved.at["Foxtrot", "rank_now"] == 3 and moved.at["Foxtrot", "rank_before"] == 5
    assert moved.at["Charlie", "risk_now"] == pytest.approx(93.75)
    assert moved.at["Charlie", "risk_before"] == pytest.approx(87.5)
    assert moved.at["Bravo", "chosen_now"] and not moved.at["Bravo", "chosen_before"]


def test_what_moved_says_why_in_words() -> None:
    this, last = last_and_this_year()
    why = what_moved(this, last).set_index("issue")["why"].to_dict()
    assert why["Alpha"] == "No score changed"
    assert why["Charlie"] == "Trend: Stable → Rising; Capacity: Adequate → Strong; Capability: Adequate → Strong"
    assert why["Bravo"] == "Chosen as a priority: no → yes"
    assert why["Foxtrot"] == "Trend: Falling → Rising fast; Capacity: None → Adequate; Capability: None → Strong"
    assert why["Echo"] == "Not assessed last year"
    assert why["Delta"] == "Not assessed this year"


def test_what_moved_names_a_change_of_lead_and_of_harm() -> None:
    moved = what_moved([make("Fraud", led_elsewhere=True, financial=2, scope=3)], [make("Fraud")])
    assert moved["why"][0] == (f"Financial harm: Critical → Moderate; Geographic scope: {SCOPE_LEVELS[4]} → "
                               f"{SCOPE_LEVELS[3]}; Led by another body: no → yes")
    assert moved["moved"][0] == "Same rank"


def test_describe_change_in_words() -> None:
    assert describe_change("trend", 2, 3) == "Trend: Stable → Rising"
    assert describe_change("physical", 0, 4) == "Physical harm: None → Critical"
    assert describe_change("capacity", 1, 2) == "Capacity: None → Limited"
    assert describe_change("led_elsewhere", False, True) == "Led by another body: no → yes"
    assert describe_change("rationale", None, "Rising") == "Rationale: (none) → Rising"
    assert set(SCORE_FIELDS) <= {*SCALES, "led_elsewhere"}
