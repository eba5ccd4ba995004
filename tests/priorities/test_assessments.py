"""Assessments in the store: the working draft, saved versions that never change, and the history of every change.

Every refusal is checked to leave the store byte-for-byte as it was."""

from __future__ import annotations

import json
from dataclasses import asdict, replace

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.priorities import assessments as store_assessments
from lib.priorities.assessments import (
    DRAFT,
    DRAFT_NAME,
    SAVED,
    AssessmentVersion,
    assessment_history,
    delete_draft,
    describe_history,
    draft_for,
    list_versions,
    load_version,
    previous_financial_year,
    previous_year_version,
    save_version,
    start_draft,
    update_draft,
)
from lib.priorities.scoring import SCALES, Assessment, ranked, score, what_moved
from lib.store.db import memory_store
from tests.conftest import store_fingerprint

AREA = "E22000295"
OTHER_AREA = "E22000296"
YEAR = "2027/28"
T0, T1, T2, T3 = (f"2027-0{n}-01T10:00:00+00:00" for n in (1, 2, 3, 4))
INJECTION = "x'); DROP TABLE assessment_scores; --"


def make(issue: str, **changes: object) -> Assessment:
    """A mid-scale assessment of an issue, with some fields changed."""
    middle = {field: 2 for field in SCALES}
    return Assessment(issue=issue, **{**middle, "led_elsewhere": False, **changes})


ISSUES = [
    make("Domestic abuse", physical=4, psychological=4, frequency=4, chosen=True, rationale="Highest harm",
         indicator_key="domestic-abuse"),
    make("Anti-social behaviour", community=3, frequency=4, trend=3, capacity=4),
    make("Fraud", financial=4, led_elsewhere=True, confidence=1),
    make("Road safety", physical=4, scope=3),
]


def add_areas(db) -> None:
    db.execute("INSERT INTO areas (code, name, kind) VALUES (?, 'Eastbourne', 'csp'), (?, 'Hastings', 'csp')",
               [AREA, OTHER_AREA])


@pytest.fixture
def store(db_file):
    """A store in a file (foreign keys on, as the app opens it) holding two CSPs."""
    db, _ = db_file
    add_areas(db)
    yield db
    db.close()


@pytest.fixture
def draft(store) -> AssessmentVersion:
    return start_draft(store, AREA, YEAR, ISSUES, "Ann Analyst", evidence_period="Apr 2026 to Mar 2027", when=T0)


def by_name(held: list[Assessment]) -> list[Assessment]:
    return sorted(held, key=lambda a: a.issue.casefold())


def refused(db, call, error: type[Exception] = ValueError, match: str | None = None) -> None:
    """The call raises, and the store is exactly as before."""
    before = store_fingerprint(db)
    with pytest.raises(error, match=match):
        call()
    assert store_fingerprint(db) == before


def named(db, area_code: str, year: str, name: str) -> list[AssessmentVersion]:
    """The versions of an area and year with exactly this name, read as the app reads them (list_versions)."""
    return [v for v in list_versions(db, area_code) if (v.year, v.name) == (year, name)]


def history_rows(db, version_id: int) -> list[tuple]:
    return [(h["issue"], h["field"], h["old_value"], h["new_value"]) for h in assessment_history(db, version_id)]


# --- Starting a draft and reading it back -----------------------------------------------------------------


def test_a_draft_reads_back_as_it_was_written(store, draft) -> None:
    assert load_version(store, draft.id) == by_name(ISSUES)
    pd.testing.assert_frame_equal(ranked(load_version(store, draft.id)), ranked(ISSUES))
    assert draft == AssessmentVersion(draft.id, AREA, YEAR, DRAFT_NAME, DRAFT, "Apr 2026 to Mar 2027", None,
                                      "Ann Analyst", T0)
    assert draft.is_draft and draft_for(store, AREA, YEAR) == draft
    assert named(store, AREA, YEAR, DRAFT_NAME) == [draft]
    assert draft_for(store, AREA, "2026/27") is None and draft_for(store, OTHER_AREA, YEAR) is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(
    st.builds(Assessment, issue=st.text(st.characters(codec="utf-8"), min_size=1, max_size=30).map(str.strip)
              .filter(bool), **{f: st.sampled_from(sorted(scale)) for f, scale in SCALES.items()},
              led_elsewhere=st.booleans(), chosen=st.booleans(),
              rationale=st.none() | st.text(min_size=1, max_size=40).map(str.strip).filter(bool),
              indicator_key=st.none() | st.sampled_from(["burglary", "asb", INJECTION])),
    min_size=1, max_size=8, unique_by=lambda a: a.issue.casefold()))
def test_saving_a_version_and_reloading_it_gives_the_same_matrix(held: list[Assessment]) -> None:
    db = memory_store()
    add_areas(db)
    draft = start_draft(db, AREA, YEAR, held, "Ann Analyst", when=T0)
    saved = save_version(db, draft.id, "Agreed", "Chair", when=T1)
    for version in (draft, saved):
        loaded = load_version(db, version.id)
        assert sorted(loaded, key=lambda a: a.issue) == sorted(held, key=lambda a: a.issue)
        pd.testing.assert_frame_equal(ranked(loaded), ranked(held))


def test_starting_a_draft_records_each_issue_and_its_computed_scores(store, draft) -> None:
    history = assessment_history(store, draft.id)
    assert [(h["issue"], h["field"], h["changed_by"], h["changed_at"]) for h in history] == [
        (a.issue, "created", "Ann Analyst", T0) for a in reversed(ISSUES)]
    first = json.loads(history[-1]["new_value"])
    assert first == {k: v for k, v in asdict(ISSUES[0]).items() if k != "issue"}
    stored = store.execute(
        "SELECT issue, harm_score, likelihood_score, risk_score, position_score, priority_score "
        "FROM assessment_scores WHERE version_id = ?", [draft.id]).fetchall()
    for issue, *scores in stored:
        s = score(next(a for a in ISSUES if a.issue == issue))
        assert scores == pytest.approx([s.harm, s.likelihood, s.risk, s.position, s.priority])


def test_a_draft_takes_form_rows_and_cleans_them(store) -> None:
    row = {**asdict(make("  Burglary ")), "trend": "Rising", "led_elsewhere": "yes", "rationale": " r "}
    version = start_draft(store, AREA, YEAR, [row], "  Ann   Analyst ", when=T0)
    (held,) = load_version(store, version.id)
    assert held == make("Burglary", trend=3, led_elsewhere=True, rationale="r")
    assert version.saved_by == "Ann Analyst"


def test_an_empty_draft_can_be_started_and_is_recorded(store) -> None:
    version = start_draft(store, AREA, YEAR, [], "Ann Analyst", when=T0)
    assert load_version(store, version.id) == []
    assert history_rows(store, version.id) == [("", "created", None, None)]


def test_names_with_quotes_are_stored_as_text(store) -> None:
    version = start_draft(store, AREA, YEAR, [make(INJECTION, indicator_key=INJECTION)], INJECTION, when=T0)
    assert load_version(store, version.id) == [make(INJECTION, indicator_key=INJECTION)]
    assert "assessment_scores" in store.table_names()


@pytest.mark.parametrize(("area", "year", "issues", "who", "match"), [
    (AREA, YEAR, ISSUES, "", "say who"),
    (AREA, YEAR, ISSUES, "   ", "say who"),
    (AREA, "2027/29", ISSUES, "Ann", "financial year like 2027/28"),
    (AREA, "2027", ISSUES, "Ann", "financial year like 2027/28"),
    (AREA, "2027-04", ISSUES, "Ann", "financial year like 2027/28"),
    (AREA, "", ISSUES, "Ann", "financial year like 2027/28"),
    ("E22999999", YEAR, ISSUES, "Ann", "no area with code"),
    (AREA, YEAR, [*ISSUES, make("Fraud")], "Ann", "'Fraud' is named twice"),
    (AREA, YEAR, [*ISSUES, make("fraud ")], "Ann", "'fraud' is named twice"),
    (AREA, YEAR, [make("Fraud", physical=5)], "Ann", "Issue 1: physical must be one of"),
    (AREA, YEAR, [*ISSUES, make("x" * 201)], "Ann", "Issue 5: issue is longer than 200"),
    (AREA, YEAR, [{"issue": "Fraud"}], "Ann", "Issue 1: physical must be one of"),
])
def test_a_draft_is_refused_with_the_reason(store, area, year, issues, who, match) -> None:
    refused(store, lambda: start_draft(store, area, year, issues, who, when=T0), match=match)


def test_a_second_draft_for_the_same_area_and_year_is_refused(store, draft) -> None:
    refused(store, lambda: start_draft(store, AREA, YEAR, ISSUES[:1], "Bob", when=T1), match="already exists")
    assert start_draft(store, OTHER_AREA, YEAR, ISSUES, "Bob", when=T1).area_code == OTHER_AREA
    assert start_draft(store, AREA, "2028/29", ISSUES, "Bob", when=T1).year == "2028/29"


# --- Editing the draft ------------------------------------------------------------------------------------


def test_an_edit_records_exactly_the_changed_fields(store, draft) -> None:
    edited = [replace(ISSUES[0], trend=3, chosen=False), replace(ISSUES[1], rationale="Top public concern"),
              replace(ISSUES[2], led_elsewhere=False, indicator_key="fraud"), ISSUES[3]]
    written = update_draft(store, draft.id, edited, "Bob Officer", reason="Board review", when=T1)
    assert written == 5
    history = assessment_history(store, draft.id)
    changes = [h for h in history if h["field"] != "created"]
    assert sorted((h["issue"], h["field"], h["old_value"], h["new_value"]) for h in changes) == sorted([
        ("Domestic abuse", "trend", "2", "3"),
        ("Domestic abuse", "chosen", "yes", "no"),
        ("Anti-social behaviour", "rationale", None, "Top public concern"),
        ("Fraud", "led_elsewhere", "yes", "no"),
        ("Fraud", "indicator_key", None, "fraud"),
    ])
    assert {(h["changed_by"], h["changed_at"], h["reason"]) for h in changes} == {("Bob Officer", T1, "Board review")}
    assert history[:5] == changes  # newest first
    assert load_version(store, draft.id) == by_name(edited)
    assert draft_for(store, AREA, YEAR).saved_by == "Bob Officer"
    assert draft_for(store, AREA, YEAR).saved_at == T1
    fraud = store.execute("SELECT position_score, priority_score FROM assessment_scores "
                          "WHERE version_id = ? AND issue = 'Fraud'", [draft.id]).fetchone()
    assert list(fraud) == pytest.approx([score(edited[2]).position, score(edited[2]).priority])


def test_an_edit_that_changes_nothing_writes_nothing(store, draft) -> None:
    before = store_fingerprint(store)
    assert update_draft(store, draft.id, list(reversed(ISSUES)), "Bob", reason="Looked again", when=T1) == 0
    as_form_rows = [{**asdict(a), "trend": str(a.trend), "led_elsewhere": "yes" if a.led_elsewhere else "no"}
                    for a in ISSUES]
    assert update_draft(store, draft.id, as_form_rows, "Bob", when=T1) == 0
    assert store_fingerprint(store) == before


def test_issues_added_and_removed_are_recorded_whole(store, draft) -> None:
    added = make("Shoplifting", frequency=4)
    written = update_draft(store, draft.id, [ISSUES[0], ISSUES[2], added], "Bob", when=T1)
    assert written == 3
    rows = [(h["issue"], h["field"]) for h in assessment_history(store, draft.id) if h["changed_at"] == T1]
    assert sorted(rows) == [("Anti-social behaviour", "removed"), ("Road safety", "removed"),
                            ("Shoplifting", "added")]
    history = {h["issue"]: h for h in assessment_history(store, draft.id) if h["changed_at"] == T1}
    assert json.loads(history["Shoplifting"]["new_value"])["frequency"] == 4
    assert history["Shoplifting"]["old_value"] is None
    removed = json.loads(history["Road safety"]["old_value"])
    assert Assessment(issue="Road safety", **removed) == ISSUES[3]
    assert load_version(store, draft.id) == by_name([ISSUES[0], ISSUES[2], added])


def test_renaming_an_issue_is_a_removal_and_an_addition(store, draft) -> None:
    renamed = [replace(ISSUES[0], issue="Domestic abuse and stalking"), *ISSUES[1:]]
    assert update_draft(store, draft.id, renamed, "Bob", when=T1) == 2
    assert {h["field"] for h in assessment_history(store, draft.id) if h["changed_at"] == T1} == {"added", "removed"}


def test_every_issue_can_be_removed(store, draft) -> None:
    assert update_draft(store, draft.id, [], "Bob", when=T1) == len(ISSUES)
    assert load_version(store, draft.id) == []


@pytest.mark.parametrize(("issues", "who", "match"), [
    ([replace(ISSUES[0], trend=4)], "", "say who"),
    ([replace(ISSUES[0], trend=4), replace(ISSUES[0], trend=1)], "Bob", "named twice"),
    ([replace(ISSUES[0], trend=9)], "Bob", "Issue 1: trend must be one of"),
    ([{**asdict(ISSUES[0]), "chosen": "perhaps"}], "Bob", "Issue 1: chosen must be yes or no"),
])
def test_a_bad_edit_is_refused_and_changes_nothing(store, draft, issues, who, match) -> None:
    refused(store, lambda: update_draft(store, draft.id, issues, who, when=T1), match=match)


def test_an_edit_to_a_missing_version_is_refused(store, draft) -> None:
    refused(store, lambda: update_draft(store, draft.id + 99, ISSUES, "Bob"), LookupError, "no assessment version")


def test_an_edit_failing_part_way_leaves_the_store_as_it_was(store, draft, monkeypatch) -> None:
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    # The scores are deleted and rewritten before the history is written: a failure there must undo them.
    monkeypatch.setattr(store_assessments, "_log", fail)
    edited = [replace(a, trend=4) for a in ISSUES[1:]]
    refused(store, lambda: update_draft(store, draft.id, edited, "Bob", when=T1), RuntimeError, "disk full")
    monkeypatch.undo()
    assert load_version(store, draft.id) == by_name(ISSUES)
    assert update_draft(store, draft.id, edited, "Bob", when=T1) == len(ISSUES)


# --- Saved versions ---------------------------------------------------------------------------------------


def test_saving_copies_the_draft_into_a_version_that_cannot_change(store, draft) -> None:
    saved = save_version(store, draft.id, "  Agreed at the   partnership event ", "Chair", note="Board 12 March",
                         when=T1)
    assert saved == AssessmentVersion(saved.id, AREA, YEAR, "Agreed at the partnership event", SAVED,
                                      "Apr 2026 to Mar 2027", "Board 12 March", "Chair", T1)
    assert load_version(store, saved.id) == load_version(store, draft.id) == by_name(ISSUES)
    copied = "SELECT issue, harm_score, likelihood_score, risk_score, position_score, priority_score " \
             "FROM assessment_scores WHERE version_id = ? ORDER BY issue"
    assert store.execute(copied, [saved.id]).fetchall() == store.execute(copied, [draft.id]).fetchall()
    assert assessment_history(store, saved.id) == [{
        "changed_at": T1, "changed_by": "Chair", "issue": "", "field": "saved", "old_value": None,
        "new_value": "Agreed at the partnership event", "reason": "Board 12 March"}]
    assert draft_for(store, AREA, YEAR) == draft
    refused(store, lambda: update_draft(store, saved.id, [replace(ISSUES[0], trend=1)], "Bob"),
            match="^saved versions cannot be changed; ")
    refused(store, lambda: delete_draft(store, saved.id, "Bob"), match="^saved versions cannot be changed; ")
    refused(store, lambda: save_version(store, saved.id, "Copy", "Bob"), match="^saved versions cannot be changed; ")


def test_editing_the_draft_after_saving_leaves_the_saved_version_alone(store, draft) -> None:
    saved = save_version(store, draft.id, "Agreed", "Chair", when=T1)
    update_draft(store, draft.id, [replace(a, trend=4) for a in ISSUES], "Bob", when=T2)
    assert load_version(store, saved.id) == by_name(ISSUES)
    again = save_version(store, draft.id, "Refreshed in June", "Chair", when=T3)
    assert {a.trend for a in load_version(store, again.id)} == {4}


@pytest.mark.parametrize(("name", "match"), [
    ("", "give the version a name"), ("   ", "give the version a name"), (DRAFT_NAME, "draft's own name"),
    ("working DRAFT", "draft's own name"), ("Agreed", "already called 'Agreed'"),
    ("  agreed ", "already called 'Agreed'"), ("x" * 201, "longer than 200"),
])
def test_a_version_name_must_be_new_for_the_area_and_year(store, draft, name, match) -> None:
    save_version(store, draft.id, "Agreed", "Chair", when=T1)
    refused(store, lambda: save_version(store, draft.id, name, "Chair", when=T2), match=match)


def test_the_same_name_can_be_used_in_another_year_or_area(store, draft) -> None:
    save_version(store, draft.id, "Agreed", "Chair", when=T1)
    for area, year in ((AREA, "2028/29"), (OTHER_AREA, YEAR)):
        other = start_draft(store, area, year, ISSUES, "Ann", when=T1)
        assert save_version(store, other.id, "Agreed", "Chair", when=T2).name == "Agreed"


def test_saving_needs_a_name_a_person_and_some_issues(store, draft) -> None:
    refused(store, lambda: save_version(store, draft.id, "Agreed", " "), match="say who")
    refused(store, lambda: save_version(store, draft.id + 99, "Agreed", "Chair"), LookupError)
    empty = start_draft(store, OTHER_AREA, YEAR, [], "Ann", when=T0)
    refused(store, lambda: save_version(store, empty.id, "Agreed", "Chair"), match="no issues to save")


# --- Versions over the years ------------------------------------------------------------------------------


def test_previous_year_version_is_the_latest_saved_version_of_the_year_before(store) -> None:
    earlier = start_draft(store, AREA, "2026/27", ISSUES, "Ann", when=T0)
    first = save_version(store, earlier.id, "First cut", "Chair", when=T1)
    latest = save_version(store, earlier.id, "Agreed", "Chair", when=T2)
    update_draft(store, earlier.id, ISSUES[:1], "Ann", when=T3)  # the draft is newer but was never agreed
    older = start_draft(store, AREA, "2025/26", ISSUES, "Ann", when=T3)
    save_version(store, older.id, "Agreed long ago", "Chair", when=T3)
    other = start_draft(store, OTHER_AREA, "2026/27", ISSUES, "Ann", when=T3)
    save_version(store, other.id, "Hastings agreed", "Chair", when=T3)
    assert previous_year_version(store, AREA, YEAR) == latest
    assert first != latest
    assert previous_year_version(store, AREA, "2026/27").name == "Agreed long ago"
    assert previous_year_version(store, AREA, "2025/26") is None
    assert previous_year_version(store, OTHER_AREA, YEAR).name == "Hastings agreed"
    with pytest.raises(ValueError, match="financial year"):
        previous_year_version(store, AREA, "2027")


def test_previous_year_version_ignores_a_draft_alone(store) -> None:
    start_draft(store, AREA, "2026/27", ISSUES, "Ann", when=T0)
    assert previous_year_version(store, AREA, YEAR) is None


def test_previous_financial_year() -> None:
    assert previous_financial_year("2027/28") == "2026/27"
    assert previous_financial_year("2000/01") == "1999/00"
    assert previous_financial_year("2100/01") == "2099/00"


def test_this_years_assessment_against_last_years(store) -> None:
    last = start_draft(store, AREA, "2026/27", ISSUES, "Ann", when=T0)
    save_version(store, last.id, "Agreed", "Chair", when=T1)
    this = start_draft(store, AREA, YEAR, [replace(ISSUES[2], trend=4), *ISSUES[:2]], "Ann", when=T2)
    before = previous_year_version(store, AREA, YEAR)
    moved = what_moved(load_version(store, this.id), load_version(store, before.id)).set_index("issue")
    assert moved.at["Fraud", "why"] == f"Trend: {SCALES['trend'][2]} → {SCALES['trend'][4]}"
    assert moved.at["Road safety", "moved"] == "Not assessed"


def test_versions_are_listed_newest_year_first_then_the_draft_then_newest_saved(store) -> None:
    old = start_draft(store, AREA, "2026/27", ISSUES, "Ann", when=T0)
    old_saved = save_version(store, old.id, "Agreed", "Chair", when=T1)
    new = start_draft(store, AREA, YEAR, ISSUES, "Ann", when=T1)
    first = save_version(store, new.id, "First cut", "Chair", when=T2)
    second = save_version(store, new.id, "Agreed", "Chair", when=T3)
    hastings = start_draft(store, OTHER_AREA, YEAR, ISSUES, "Ann", when=T3)
    new, old = draft_for(store, AREA, YEAR), draft_for(store, AREA, "2026/27")
    assert list_versions(store, AREA) == [new, second, first, old, old_saved]
    assert list_versions(store) == [new, second, first, hastings, old, old_saved]
    assert list_versions(store, "E22999999") == []
    assert named(store, AREA, YEAR, "First cut") == [first]
    assert named(store, AREA, YEAR, "first cut") == []


# --- History and deleting a draft -------------------------------------------------------------------------


def test_history_is_newest_first_and_reads_in_words(store, draft) -> None:
    update_draft(store, draft.id, [replace(ISSUES[0], trend=3), *ISSUES[1:]], "Bob", when=T1)
    update_draft(store, draft.id, [replace(ISSUES[0], trend=3, led_elsewhere=True), *ISSUES[1:3]], "Cat", when=T2)
    history = assessment_history(store, draft.id)
    assert [h["changed_at"] for h in history] == sorted((h["changed_at"] for h in history), reverse=True)
    assert list(history[0]) == ["changed_at", "changed_by", "issue", "field", "old_value", "new_value", "reason"]
    words = [describe_history(h) for h in history if h["changed_at"] != T0]
    assert words == ["Removed", "Led by another body: no → yes", f"Trend: {SCALES['trend'][2]} → {SCALES['trend'][3]}"]
    saved = save_version(store, draft.id, "Agreed", "Chair", when=T3)
    assert describe_history(assessment_history(store, saved.id)[0]) == "Saved as 'Agreed'"


def test_a_draft_can_be_deleted_and_started_again(store, draft) -> None:
    saved = save_version(store, draft.id, "Agreed", "Chair", when=T1)
    refused(store, lambda: delete_draft(store, draft.id, ""), match="say who")
    delete_draft(store, draft.id, "Ann", reason="Starting again from the evidence", when=T2)
    assert draft_for(store, AREA, YEAR) is None
    assert store.execute("SELECT COUNT(*) FROM assessment_scores WHERE version_id = ?", [draft.id]).fetchone() == (0,)
    assert history_rows(store, draft.id)[0] == ("", "deleted", None, None)
    assert load_version(store, saved.id) == by_name(ISSUES)
    again = start_draft(store, AREA, YEAR, ISSUES[:1], "Ann", when=T3)
    assert again.id != draft.id and load_version(store, again.id) == ISSUES[:1]


def test_a_deleted_drafts_id_is_never_reused_so_histories_never_mix(store, draft) -> None:
    delete_draft(store, draft.id, "Ann", when=T1)
    again = start_draft(store, AREA, YEAR, ISSUES[:1], "Ann", when=T2)
    assert again.id > draft.id
    assert [(h["issue"], h["field"]) for h in assessment_history(store, again.id)] == [(ISSUES[0].issue, "created")]
    assert [h["field"] for h in assessment_history(store, draft.id)][:1] == ["deleted"]


def test_a_stored_level_off_its_scale_is_refused_by_name(store, draft) -> None:
    store.execute("UPDATE assessment_scores SET scope = 7 WHERE issue = 'Fraud'")
    with pytest.raises(ValueError, match="stored issue 'Fraud': scope must be one of"):
        load_version(store, draft.id)


def test_loading_a_missing_version_is_an_error(store) -> None:
    with pytest.raises(LookupError, match="no assessment version with id 5"):
        load_version(store, 5)
