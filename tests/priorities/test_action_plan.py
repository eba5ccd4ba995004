"""The action plan: reading completion dates, checking values, overdue actions, filters, the RAG summary, adding and
editing with a history, the CSV import (one transaction, line and column in errors), export and re-import, the
editor's changed cells, and the link from actions to the measures' RAG."""

from __future__ import annotations

import csv
import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from lib.core.export import csv_bytes
from lib.importers.base import ImportFileError
from lib.priorities.action_fields import EDITABLE, IMPORT_COLUMNS, RAGS, check_action, parse_completion_date
from lib.priorities.action_plan import (
    Action,
    action_history,
    actions_frame,
    add_action,
    edited_rows,
    export_frame,
    filter_actions,
    import_actions,
    is_overdue,
    load_actions,
    measure_links,
    measures_served,
    rag_summary,
    update_action,
)
from lib.store.db import open_store
from tests.app_support import copy_store, demo_store_file
from tests.conftest import store_fingerprint, table_rows

DEMO_ACTIONS = 20
COUNTY = "X10000001"
BRACKENFORD, CASTLEBURY, HARWICK, LOWMERE, SALTCLIFFE = (f"X2200000{n}" for n in range(1, 6))
CSPS = [BRACKENFORD, CASTLEBURY, HARWICK, LOWMERE, SALTCLIFFE]
TODAY = date(2026, 10, 15)
HEADER = ("id", "priority", "area_code", "area_name", "action", "intended_outcome", "lead", "completion_date", "rag",
          "commentary", "measure_keys")
INJECTION = "x'); DROP TABLE actions; --"
FORMULAS = ("=HYPERLINK(\"http://example.com\",\"click\")", "+44 1234 567890", "-5% on last year", "@Safer Team")
WHEN = "2026-11-02T09:30:00+00:00"


@pytest.fixture
def demo_copy(tmp_path):
    """A private, writable copy of the demo store."""
    db = open_store(copy_store(demo_store_file(), tmp_path / "demo.db"))
    yield db
    db.close()


@pytest.fixture
def small_store(db):
    """An in-memory store holding only the demo's CSPs, county and action plan: quick to fingerprint."""
    db.execute("ATTACH DATABASE ? AS demo", [str(demo_store_file())])
    db.execute("INSERT INTO areas SELECT * FROM demo.areas WHERE kind IN ('csp', 'county')")
    db.execute("INSERT INTO actions SELECT * FROM demo.actions")
    db.execute("DETACH DATABASE demo")
    assert db.execute("SELECT COUNT(*) FROM actions").fetchone()[0] == DEMO_ACTIONS
    return db


def good_row(**changes: str) -> dict[str, str]:
    """A valid new action for Harwick, with some fields changed."""
    row = {
        "id": "", "priority": "Anti-social behaviour", "area_code": HARWICK, "area_name": "",
        "action": "Walkabouts with residents on the Fernbank estate", "intended_outcome": "Residents feel safer",
        "lead": "Harwick CSP", "completion_date": "March 2027", "rag": "Green", "commentary": "",
        "measure_keys": "anti-social-behaviour",
    }
    return {**row, **changes}


def write_csv(path: Path, rows: list[dict], header: tuple[str, ...] = HEADER) -> Path:
    """Write an action plan CSV with the csv module (quoting cells with commas, quotes or line breaks)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def history_rows(db, since_id: int = 0) -> list[dict]:
    cursor = db.execute("SELECT action_id, field, old_value, new_value, changed_by, changed_at, reason "
                        "FROM action_history WHERE id > ? ORDER BY id", [since_id])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def an_action(**changes) -> Action:
    """A plain action to test the pure functions with."""
    fields = dict(id=1, priority="Road safety", area_code=None, action="Speedwatch", intended_outcome=None,
                  lead="Lowmere CSP", completion_date="2026-10-14", rag="Amber", commentary=None,
                  measure_keys=("ksi-casualties",), last_updated=None, updated_by=None)
    return Action(**{**fields, **changes})


# --- completion dates and checking values ----------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("2027-03-31", "2027-03-31"),
    ("March 2027", "2027-03-31"),
    ("Mar 2027", "2027-03-31"),
    ("mar. 2027", "2027-03-31"),
    ("  December   2015 ", "2015-12-31"),
    ("Sept 2026", "2026-09-30"),
    ("February 2028", "2028-02-29"),  # a leap year's last day
    ("June 2014", "2014-06-30"),
    ("31/03/2027", "2027-03-31"),
    ("1/4/2027", "2027-04-01"),  # UK day first, not 4 January
    ("", None),
    ("   ", None),
    ("Ongoing", None),
    ("ONGOING", None),
    (None, None),
    (math.nan, None),
    (pd.NaT, None),
    (date(2027, 3, 31), "2027-03-31"),
    (pd.Timestamp("2027-03-31"), "2027-03-31"),
])
def test_completion_dates_are_read_as_plans_write_them(raw, expected):
    assert parse_completion_date(raw) == expected


@pytest.mark.parametrize("raw", ["2027-02-30", "31/13/2027", "03/31/2027", "Spring 2027", "Marchy 2027",
                                 "April 2014 (DVDS), July 2014 (DVPO)", "2027", "next year", "27-03-31"])
def test_an_unreadable_completion_date_is_refused_with_examples(raw):
    with pytest.raises(ValueError, match="completion_date") as error:
        parse_completion_date(raw)
    assert "March 2027" in str(error.value) and "Ongoing" in str(error.value)


def test_check_action_cleans_the_editable_fields():
    clean = check_action({
        "priority": "  Road safety ", "area_code": " x22000004 ", "action": "Grow Speedwatch\r\nto 20 villages",
        "intended_outcome": "", "lead": None, "completion_date": "Mar 2027", "rag": "amber",
        "commentary": math.nan, "measure_keys": " KSI-casualties , burglary,ksi-casualties,",
        "last_updated": "ignored",
    })
    assert clean == {
        "priority": "Road safety", "area_code": LOWMERE, "action": "Grow Speedwatch\nto 20 villages",
        "intended_outcome": None, "lead": None, "completion_date": "2027-03-31", "rag": "Amber",
        "commentary": None, "measure_keys": "ksi-casualties,burglary",
    }
    assert list(clean) == list(EDITABLE)


@pytest.mark.parametrize(("word", "rag"), [("R", "Red"), ("a", "Amber"), ("GREEN", "Green"), ("c", "Complete"),
                                           ("complete", "Complete"), ("", None)])
def test_rag_is_any_case_or_its_first_letter(word, rag):
    assert check_action({"priority": "P", "action": "A", "rag": word})["rag"] == rag


def test_measure_keys_may_be_a_tuple_and_blank_is_none():
    assert check_action({"priority": "P", "action": "A", "measure_keys": ("burglary", "drugs")})[
        "measure_keys"] == "burglary,drugs"
    assert check_action({"priority": "P", "action": "A", "measure_keys": " , "})["measure_keys"] is None


@pytest.mark.parametrize(("changes", "field"), [
    ({"priority": "  "}, "priority"),
    ({"priority": None}, "priority"),
    ({"action": ""}, "action"),
    ({"rag": "Purple"}, "rag"),
    ({"rag": "Blue/Green"}, "rag"),
    ({"measure_keys": "burglary,Anti social behaviour"}, "measure_keys"),
    ({"measure_keys": "-burglary"}, "measure_keys"),
    ({"commentary": "x" * 2001}, "commentary"),
    ({"action": "y" * 2001}, "action"),
    ({"area_code": "Harwick"}, "area_code"),
    ({"completion_date": "Spring 2027"}, "completion_date"),
])
def test_check_action_names_the_wrong_field(changes, field):
    values = {"priority": "Road safety", "action": "Speedwatch", **changes}
    with pytest.raises(ValueError) as error:
        check_action(values, where="line 7: ")
    assert str(error.value).startswith(f"line 7: {field}")


def test_text_of_the_longest_length_is_kept_whole():
    assert check_action({"priority": "P", "action": "A", "commentary": "z" * 2000})["commentary"] == "z" * 2000


# --- overdue, filters and the summary ---------------------------------------------------------------------------

def test_overdue_is_past_the_date_and_not_complete():
    today = date(2026, 10, 15)
    assert is_overdue(an_action(completion_date="2026-10-14", rag="Amber"), today)
    assert is_overdue(an_action(completion_date="2026-10-14", rag=None), today)  # not yet rated
    assert not is_overdue(an_action(completion_date="2026-10-15", rag="Red"), today)  # due today
    assert not is_overdue(an_action(completion_date="2026-10-14", rag="Complete"), today)
    assert not is_overdue(an_action(completion_date=None, rag="Red"), today)  # ongoing
    assert is_overdue(an_action(completion_date="2026-10-15", rag="Red"), date(2026, 10, 16))


def test_filters_combine_and_empty_means_no_filter(small_store):
    actions = load_actions(small_store)
    assert filter_actions(actions) == actions
    assert filter_actions(actions, priorities=[], area_codes=[], leads=[], rags=[]) == actions
    roads = filter_actions(actions, priorities=["Road safety"])
    assert [a.action for a in roads] == [
        "Deliver the road safety communications calendar",
        "Agree a single road safety strategy with neighbouring counties",
        "Scope 20mph zones near schools", "Grow Community Speedwatch to 20 villages"]
    assert {a.area_code for a in filter_actions(actions, area_codes=[HARWICK])} == {HARWICK}
    assert len(filter_actions(actions, area_codes=[HARWICK])) == 3
    assert {a.lead for a in filter_actions(actions, leads=["Harwick CSP", "Lowmere CSP"])} == {
        "Harwick CSP", "Lowmere CSP"}
    red_roads = filter_actions(actions, priorities=["Road safety"], rags=["Red"])
    assert [a.action for a in red_roads] == ["Agree a single road safety strategy with neighbouring counties"]
    overdue = filter_actions(actions, overdue_only=True, today=TODAY)
    assert {a.action for a in overdue} == {
        "Set up a drop-in advice session at Harwick library",  # 2026-09-30, Red
        "Extend CCTV coverage along Marine Parade and the pier",  # 2026-08-31, Amber
        "Agree a single road safety strategy with neighbouring counties",  # 2026-07-31, Red
    }
    assert filter_actions(actions, overdue_only=True, today=date(2026, 1, 1)) == []


def test_a_partnership_wide_action_is_found_by_a_none_area(small_store):
    new_id = add_action(small_store, {"priority": "Road safety", "action": "Regional summit"}, who="Ann")
    actions = load_actions(small_store)
    assert [a.id for a in filter_actions(actions, area_codes=[None])] == [new_id]
    assert [a.id for a in filter_actions(actions, rags=[None])] == [new_id]


def test_rag_summary_matches_a_count_in_sql(demo_copy):
    add_action(demo_copy, {"priority": "Road safety", "action": "Not yet rated", "completion_date": "1/1/2026"},
               who="Ann")
    summary = rag_summary(load_actions(demo_copy), TODAY)

    assert list(summary.columns) == ["priority", "Red", "Amber", "Green", "Complete", "Overdue", "Total"]
    assert all(summary[c].dtype == "int64" for c in summary.columns[1:])
    priorities = [p for (p,) in demo_copy.execute("SELECT DISTINCT priority FROM actions ORDER BY priority")]
    assert summary["priority"].tolist() == [*priorities, "All priorities"]
    expected = {p: {"Red": 0, "Amber": 0, "Green": 0, "Complete": 0, "Overdue": 0, "Total": 0} for p in priorities}
    for priority, rag, count in demo_copy.execute(
            "SELECT priority, rag, COUNT(*) FROM actions WHERE rag IS NOT NULL GROUP BY priority, rag"):
        expected[priority][rag] = count
    for priority, overdue, total in demo_copy.execute(
            "SELECT priority, SUM(completion_date < ? AND COALESCE(rag, '') != 'Complete'), COUNT(*) "
            "FROM actions GROUP BY priority", [TODAY.isoformat()]):
        expected[priority].update(Overdue=overdue, Total=total)
    expected["All priorities"] = {c: sum(row[c] for row in expected.values()) for c in expected[priorities[0]]}
    assert summary.set_index("priority").to_dict("index") == expected
    assert expected["All priorities"]["Total"] == DEMO_ACTIONS + 1
    assert expected["All priorities"]["Overdue"] == 4
    assert expected["Road safety"]["Total"] > sum(expected["Road safety"][r] for r in RAGS)  # the unrated one


def test_rag_summary_of_no_actions_is_a_row_of_zeros():
    summary = rag_summary([], TODAY)
    assert summary.to_dict("records") == [{"priority": "All priorities", "Red": 0, "Amber": 0, "Green": 0,
                                           "Complete": 0, "Overdue": 0, "Total": 0}]


# --- reading the plan -------------------------------------------------------------------------------------------

def test_load_actions_orders_by_priority_then_area_then_id(small_store):
    actions = load_actions(small_store)
    assert len(actions) == DEMO_ACTIONS
    keys = [(a.priority, a.area_code or "", a.id) for a in actions]
    assert keys == sorted(keys)
    keys_of = {a.id: a.measure_keys for a in actions}
    for action_id, text in small_store.execute("SELECT id, measure_keys FROM actions"):
        assert keys_of[action_id] == (tuple(text.split(",")) if text else ())
    assert keys_of[6] == ("public-place-violence", "violence-and-sexual-offences", "public-order")


def test_an_area_sees_its_own_its_countys_and_partnership_wide_actions(small_store):
    wide = add_action(small_store, {"priority": "Partnership working", "action": "Annual report"}, who="Ann")
    harwick = load_actions(small_store, HARWICK)
    expected = {i for (i,) in small_store.execute(
        "SELECT id FROM actions WHERE area_code IN (?, ?) OR area_code IS NULL", [HARWICK, COUNTY])}
    assert {a.id for a in harwick} == expected
    assert wide in expected and {a.area_code for a in harwick} == {HARWICK, COUNTY, None}
    county = load_actions(small_store, COUNTY)
    assert {a.area_code for a in county} == {COUNTY, None}  # not the CSPs' own actions


# --- adding and changing, with a history ------------------------------------------------------------------------

def test_add_action_writes_the_action_and_a_created_history_row(small_store):
    values = {"priority": "Drugs", "area_code": SALTCLIFFE, "action": "Close two cuckooed flats",
              "completion_date": "December 2026", "rag": "a", "measure_keys": "drugs"}
    new_id = add_action(small_store, values, who=" Ann Lee ", when=WHEN)

    added = next(a for a in load_actions(small_store) if a.id == new_id)
    assert (added.priority, added.area_code, added.completion_date, added.rag, added.measure_keys) == (
        "Drugs", SALTCLIFFE, "2026-12-31", "Amber", ("drugs",))
    assert (added.last_updated, added.updated_by) == ("2026-11-02", "Ann Lee")
    assert history_rows(small_store) == [{
        "action_id": new_id, "field": "created", "old_value": None, "new_value": "Close two cuckooed flats",
        "changed_by": "Ann Lee", "changed_at": WHEN, "reason": "added"}]


@pytest.mark.parametrize(("values", "who", "message"), [
    ({"priority": "Drugs", "action": "Close flats"}, "  ", "say who"),
    ({"priority": "Drugs", "action": ""}, "Ann", "action is required"),
    ({"priority": "Drugs", "action": "Close flats", "area_code": "X22000009"}, "Ann", "not a CSP or county"),
    ({"priority": "Domestic abuse", "area_code": COUNTY,
      "action": "Launch the Avonmere domestic abuse strategy 2026-2031"}, "Ann", "already"),
])
def test_add_action_refusals_leave_the_store_unchanged(small_store, values, who, message):
    before = store_fingerprint(small_store)
    with pytest.raises(ValueError, match=message):
        add_action(small_store, values, who=who)
    assert store_fingerprint(small_store) == before


def test_update_action_records_each_changed_field(small_store):
    action = next(a for a in load_actions(small_store, HARWICK) if a.lead == "Harwick CSP" and a.rag == "Red")
    changes = {"rag": "green", "commentary": "New venue found at the community centre.",
               "completion_date": action.completion_date, "lead": action.lead, "id": 999, "updated_by": "Mallory"}

    changed = update_action(small_store, action.id, changes, who="Harwick CSP officer", reason="Q3 update",
                            when=WHEN)

    assert changed == 2
    after = next(a for a in load_actions(small_store) if a.id == action.id)
    assert (after.rag, after.commentary) == ("Green", "New venue found at the community centre.")
    assert (after.last_updated, after.updated_by) == ("2026-11-02", "Harwick CSP officer")
    assert (after.action, after.lead, after.completion_date) == (action.action, action.lead, action.completion_date)
    assert history_rows(small_store) == [
        {"action_id": action.id, "field": "rag", "old_value": "Red", "new_value": "Green",
         "changed_by": "Harwick CSP officer", "changed_at": WHEN, "reason": "Q3 update"},
        {"action_id": action.id, "field": "commentary", "old_value": action.commentary,
         "new_value": "New venue found at the community centre.", "changed_by": "Harwick CSP officer",
         "changed_at": WHEN, "reason": "Q3 update"},
    ]
    newest = action_history(small_store, action.id)
    assert [h["field"] for h in newest] == ["commentary", "rag"]  # newest first
    assert newest[0]["action"] == action.action and newest[0]["area_code"] == HARWICK


def test_update_with_nothing_new_changes_nothing(small_store):
    action = load_actions(small_store)[0]
    before = store_fingerprint(small_store)
    same = {"rag": action.rag.upper(), "measure_keys": ",".join(action.measure_keys), "lead": f" {action.lead} "}
    assert update_action(small_store, action.id, same, who="Ann") == 0
    assert store_fingerprint(small_store) == before


def test_update_refusals_leave_the_store_unchanged(small_store):
    first, second = load_actions(small_store, COUNTY)[:2]
    before = store_fingerprint(small_store)
    with pytest.raises(ValueError, match="say who"):
        update_action(small_store, first.id, {"rag": "Red"}, who="")
    with pytest.raises(LookupError, match="no action with id 999"):
        update_action(small_store, 999, {"rag": "Red"}, who="Ann")
    with pytest.raises(ValueError, match=f"action {second.id} is already"):
        update_action(small_store, first.id, {"priority": second.priority, "action": second.action}, who="Ann")
    with pytest.raises(ValueError, match="^rag"):
        update_action(small_store, first.id, {"rag": "Purple", "commentary": "x"}, who="Ann")
    with pytest.raises(ValueError, match="not a CSP or county"):
        update_action(small_store, first.id, {"area_code": "X23000001"}, who="Ann")  # the force
    assert store_fingerprint(small_store) == before


def test_history_of_the_whole_plan_is_newest_first(small_store):
    one = add_action(small_store, {"priority": "P", "action": "One"}, who="Ann", when="2026-11-01T10:00:00+00:00")
    two = add_action(small_store, {"priority": "P", "action": "Two"}, who="Bob", when="2026-11-03T10:00:00+00:00")
    update_action(small_store, one, {"rag": "G"}, who="Cy", when="2026-11-02T10:00:00+00:00")
    assert [(h["action_id"], h["field"], h["changed_by"]) for h in action_history(small_store)] == [
        (two, "created", "Bob"), (one, "rag", "Cy"), (one, "created", "Ann")]
    assert [h["field"] for h in action_history(small_store, one)] == ["rag", "created"]


# --- importing --------------------------------------------------------------------------------------------------

NEW_ROWS = [
    good_row(),
    good_row(area_code="", area_name="saltcliffe", action="Seafront patrol plan", completion_date="31/12/2026",
             rag="a", measure_keys="anti-social-behaviour, public-order"),
    good_row(area_code="", priority="Partnership working", action="Publish the annual report",
             completion_date="Ongoing", rag="", measure_keys="", lead=""),
    good_row(area_code=COUNTY, action="Two-line commentary", commentary="First line, with a comma.\nSecond \"line\"."),
    good_row(action=INJECTION, commentary="Robert'); DROP TABLE action_history;--"),
]


def test_import_adds_new_actions_with_created_history(small_store, tmp_path):
    held_before = table_rows(small_store, "actions")
    path = write_csv(tmp_path / "plan_2026.csv", NEW_ROWS)

    summary = import_actions(small_store, path)

    assert (summary.rows_read, summary.rows_accepted, summary.rows_duplicate) == (5, 5, 0)
    assert table_rows(small_store, "actions")[:DEMO_ACTIONS] == held_before
    new = {a.action: a for a in load_actions(small_store) if a.id > DEMO_ACTIONS}
    assert set(new) == {r["action"] for r in NEW_ROWS}
    fernbank = new["Walkabouts with residents on the Fernbank estate"]
    assert (fernbank.area_code, fernbank.completion_date, fernbank.rag) == (HARWICK, "2027-03-31", "Green")
    seafront = new["Seafront patrol plan"]
    assert (seafront.area_code, seafront.completion_date, seafront.rag, seafront.measure_keys) == (
        SALTCLIFFE, "2026-12-31", "Amber", ("anti-social-behaviour", "public-order"))
    report = new["Publish the annual report"]
    assert (report.area_code, report.completion_date, report.rag, report.lead, report.measure_keys) == (
        None, None, None, None, ())
    assert new["Two-line commentary"].commentary == "First line, with a comma.\nSecond \"line\"."
    assert new[INJECTION].commentary == "Robert'); DROP TABLE action_history;--"  # stored verbatim
    assert {a.updated_by for a in new.values()} == {"import of plan_2026.csv"}
    history = history_rows(small_store)
    assert sorted(h["action_id"] for h in history) == sorted(a.id for a in new.values())
    assert {(h["field"], h["changed_by"], h["reason"]) for h in history} == {
        ("created", "import of plan_2026.csv", "imported")}
    log = small_store.execute("SELECT kind, file_name, rows_read, rows_accepted FROM import_log").fetchall()
    assert log == [("actions", "plan_2026.csv", 5, 5)]


def test_importing_the_same_file_again_changes_nothing_but_the_log(small_store, tmp_path):
    path = write_csv(tmp_path / "plan_2026.csv", NEW_ROWS)
    import_actions(small_store, path, who="Ann")
    actions, history = table_rows(small_store, "actions"), table_rows(small_store, "action_history")
    fingerprint = store_fingerprint(small_store, ignore=("import_log",))

    again = import_actions(small_store, path, who="Bob")

    assert (again.rows_read, again.rows_accepted, again.rows_duplicate) == (5, 0, 5)
    assert table_rows(small_store, "actions") == actions
    assert table_rows(small_store, "action_history") == history
    assert store_fingerprint(small_store, ignore=("import_log",)) == fingerprint
    assert small_store.execute("SELECT COUNT(*) FROM import_log").fetchone()[0] == 2


def test_a_row_with_a_held_id_updates_that_action(small_store, tmp_path):
    held = next(a for a in load_actions(small_store) if a.id == 5)
    row = {**export_frame([held]).iloc[0].astype(str).to_dict(), "rag": "Amber",
           "action": "Set up a drop-in advice session at Harwick community centre"}
    path = write_csv(tmp_path / "q3.csv", [row], header=IMPORT_COLUMNS)

    summary = import_actions(small_store, path, who="Harwick CSP officer")

    assert (summary.rows_read, summary.rows_accepted, summary.rows_duplicate) == (1, 1, 0)
    after = next(a for a in load_actions(small_store) if a.id == 5)
    assert (after.rag, after.action, after.updated_by) == (
        "Amber", "Set up a drop-in advice session at Harwick community centre", "Harwick CSP officer")
    assert {(h["field"], h["old_value"], h["new_value"], h["reason"]) for h in history_rows(small_store)} == {
        ("rag", "Red", "Amber", "imported"), ("action", held.action, after.action, "imported")}


def test_a_row_without_an_id_updates_the_action_with_its_priority_area_and_text(small_store, tmp_path):
    held = next(a for a in load_actions(small_store) if a.id == 17)  # Lowmere's Speedwatch
    row = {**export_frame([held]).iloc[0].astype(str).to_dict(), "id": "", "commentary": "16 villages now."}
    summary = import_actions(small_store, write_csv(tmp_path / "q3.csv", [row], header=IMPORT_COLUMNS))
    assert (summary.rows_accepted, len(load_actions(small_store))) == (1, DEMO_ACTIONS)
    assert [(h["action_id"], h["field"]) for h in history_rows(small_store)] == [(17, "commentary")]


def test_a_bad_rag_on_line_4_refuses_the_whole_file(small_store, tmp_path):
    rows = [good_row(), good_row(action="Second"), good_row(action="Third", rag="Purple")]
    path = write_csv(tmp_path / "bad.csv", rows)
    before = store_fingerprint(small_store)

    with pytest.raises(ImportFileError) as error:
        import_actions(small_store, path)

    assert (error.value.row, error.value.column) == (4, "rag")
    assert "row 4" in str(error.value) and "'rag'" in str(error.value) and "Purple" in str(error.value)
    assert store_fingerprint(small_store) == before


def test_an_error_after_a_multi_line_cell_names_the_editors_line(small_store, tmp_path):
    rows = [good_row(commentary="one\ntwo\nthree"), good_row(action="Second", completion_date="Spring 2027")]
    path = write_csv(tmp_path / "bad.csv", rows)
    before = store_fingerprint(small_store)
    with pytest.raises(ImportFileError) as error:
        import_actions(small_store, path)
    assert (error.value.row, error.value.column) == (5, "completion_date")  # header 1, rows on lines 2-4 and 5
    assert store_fingerprint(small_store) == before


@pytest.mark.parametrize(("row", "line", "column", "message"), [
    (good_row(area_code="", area_name="Nowhere"), 3, "area_name", "no CSP or county called 'Nowhere'"),
    (good_row(area_code="X22000009"), 3, "area_code", "no CSP or county with code"),
    (good_row(id="seven"), 3, "id", "whole number"),
    (good_row(id="-2"), 3, "id", "whole number"),
    (good_row(priority=""), 3, "priority", "priority is required"),
    (good_row(measure_keys="burglary;drugs"), 3, "measure_keys", "indicator keys"),
    (good_row(commentary="c" * 2001), 3, "commentary", "2,001 characters"),
    (good_row(priority="Domestic abuse", action="Set up a drop-in advice session at Harwick library", id="6"), 3,
     "action", "already has this priority"),  # action 6 would become Harwick's action 5
    (good_row(), 3, "action", "also on line 2"),
])
def test_bad_rows_are_refused_by_line_and_column(small_store, tmp_path, row, line, column, message):
    path = write_csv(tmp_path / "bad.csv", [good_row(), row])
    before = store_fingerprint(small_store)
    with pytest.raises(ImportFileError, match=message) as error:
        import_actions(small_store, path)
    assert (error.value.row, error.value.column) == (line, column)
    assert store_fingerprint(small_store) == before


@pytest.mark.parametrize(("header", "column", "message"), [
    (("priority", "area_code", "lead"), "action", "missing column"),
    (("priority", "action", "completion dates"), "completion dates", "unknown column"),
])
def test_a_file_with_wrong_columns_is_refused(small_store, tmp_path, header, column, message):
    path = write_csv(tmp_path / "bad.csv", [good_row()], header=header)
    before = store_fingerprint(small_store)
    with pytest.raises(ImportFileError, match=message) as error:
        import_actions(small_store, path)
    assert (error.value.row, error.value.column) == (1, column)
    assert store_fingerprint(small_store) == before


def test_headings_as_plans_write_them_are_accepted(small_store, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text("Priority,Action,Outcome,Lead,Completion Date,RAG\n"
                    "Road safety,Speed awareness in schools,Safer journeys,Road Safety Team,March 2015,G\n",
                    encoding="utf-8")
    import_actions(small_store, path)
    (added,) = [a for a in load_actions(small_store) if a.id > DEMO_ACTIONS]
    assert (added.action, added.intended_outcome, added.completion_date, added.rag) == (
        "Speed awareness in schools", "Safer journeys", "2015-03-31", "Green")


# --- exporting, and the round trip ------------------------------------------------------------------------------

def test_export_has_the_import_layout(small_store):
    frame = export_frame(load_actions(small_store))
    assert list(frame.columns) == list(IMPORT_COLUMNS) == ["id", *EDITABLE]
    assert len(frame) == DEMO_ACTIONS
    row = frame.set_index("id").loc[6]
    assert row["measure_keys"] == "public-place-violence,violence-and-sexual-offences,public-order"
    assert row["completion_date"] == "2027-03-31" and row["area_code"] == CASTLEBURY
    assert export_frame([]).columns.tolist() == list(IMPORT_COLUMNS)


def test_export_then_import_adds_and_changes_nothing(small_store, tmp_path):
    for number, text in enumerate(FORMULAS):
        add_action(small_store, {"priority": "Formulas", "action": text, "commentary": text, "lead": text,
                                 "completion_date": "" if number else "March 2027"}, who="Ann")
    add_action(small_store, {"priority": "P", "action": INJECTION, "commentary": "multi\nline, \"quoted\""},
               who="Ann")
    fingerprint = store_fingerprint(small_store, ignore=("import_log",))
    path = tmp_path / "plan.csv"
    path.write_bytes(csv_bytes(export_frame(load_actions(small_store))))
    assert b"'=HYPERLINK" in path.read_bytes()  # made safe for a spreadsheet

    summary = import_actions(small_store, path)

    held = DEMO_ACTIONS + len(FORMULAS) + 1
    assert (summary.rows_read, summary.rows_accepted, summary.rows_duplicate) == (held, 0, held)
    assert store_fingerprint(small_store, ignore=("import_log",)) == fingerprint
    stored = {a.action: a for a in load_actions(small_store)}
    for text in FORMULAS:
        assert (stored[text].commentary, stored[text].lead) == (text, text)  # verbatim, no quote added


def test_an_exported_file_edited_in_a_spreadsheet_imports_its_edits_only(small_store, tmp_path):
    frame = export_frame(load_actions(small_store))
    frame["completion_date"] = frame["completion_date"].map(
        lambda d: d if d == "Ongoing" else date.fromisoformat(d).strftime("%d/%m/%Y"))  # as Excel saves dates
    frame.loc[frame["id"] == 3, "rag"] = "Green"
    path = tmp_path / "plan.csv"
    path.write_bytes(csv_bytes(frame))
    summary = import_actions(small_store, path)
    assert (summary.rows_accepted, summary.rows_duplicate) == (1, DEMO_ACTIONS - 1)
    assert [(h["action_id"], h["field"], h["new_value"]) for h in history_rows(small_store)] == [(3, "rag", "Green")]


# --- the editor -------------------------------------------------------------------------------------------------

def test_actions_frame_has_dates_for_a_date_column(small_store):
    frame = actions_frame(load_actions(small_store))
    assert list(frame.columns) == ["id", *EDITABLE]
    assert all(isinstance(d, date) for d in frame["completion_date"])
    ongoing = actions_frame([an_action(completion_date=None, measure_keys=())]).iloc[0]
    assert ongoing["completion_date"] is None and pd.isna(ongoing["measure_keys"])


def test_edited_rows_ignores_what_the_editor_hands_back_unchanged(small_store):
    add_action(small_store, {"priority": "P", "action": "Sparse"}, who="Ann")  # mostly blank fields
    before = actions_frame(load_actions(small_store))
    assert edited_rows(before, before.copy()) == {}
    after = before.copy()
    after["completion_date"] = [d.isoformat() if d else pd.NaT for d in after["completion_date"]]
    after = after.astype({c: object for c in EDITABLE if c != "completion_date"})
    after = after.where(after.notna(), math.nan)
    assert edited_rows(before, after) == {}


def test_edited_rows_reports_changed_cells_by_id(small_store):
    before = actions_frame(load_actions(small_store))
    after = before.copy()
    after.loc[after["id"] == 5, "rag"] = "Amber"
    after.loc[after["id"] == 5, "completion_date"] = date(2026, 12, 31)
    after.loc[after["id"] == 7, "commentary"] = None
    added = pd.DataFrame([{"id": None, "priority": "New", "action": "Added in the editor"}])
    changes = edited_rows(before, pd.concat([after, added], ignore_index=True))
    assert changes == {5: {"rag": "Amber", "completion_date": "2026-12-31"}, 7: {"commentary": None}}
    assert update_action(small_store, 5, changes[5], who="Ann") == 2


# --- the link to the measures -----------------------------------------------------------------------------------

STATUSES = {
    (CASTLEBURY, "public-place-violence"): "Green",
    (SALTCLIFFE, "public-place-violence"): "Red",
    (HARWICK, "anti-social-behaviour"): "Amber",
    (CASTLEBURY, "anti-social-behaviour"): "Green",
    (SALTCLIFFE, "anti-social-behaviour"): "Green",
    (BRACKENFORD, "burglary"): "No data",
    ("E22000295", "anti-social-behaviour"): "Red",  # another county's CSP
}
COUNTIES = {COUNTY: CSPS, "E10000011": ["E22000295"]}


def test_a_csps_action_shows_that_csps_measure():
    action = an_action(area_code=HARWICK, measure_keys=("anti-social-behaviour", "criminal-damage-and-arson"))
    assert measure_links(action, STATUSES, COUNTIES) == [("anti-social-behaviour", "Amber"),
                                                         ("criminal-damage-and-arson", "No target")]
    assert measure_links(an_action(area_code=BRACKENFORD, measure_keys=("burglary",)), STATUSES, COUNTIES) == [
        ("burglary", "No data")]


def test_a_county_action_counts_its_csps_measures():
    action = an_action(area_code=COUNTY, measure_keys=("public-place-violence", "anti-social-behaviour",
                                                       "ksi-casualties"))
    assert measure_links(action, STATUSES, COUNTIES) == [
        ("public-place-violence", "1 Green, 1 Red"), ("anti-social-behaviour", "2 Green, 1 Amber"),
        ("ksi-casualties", "No target")]


def test_a_partnership_wide_action_counts_every_csp():
    action = an_action(area_code=None, measure_keys=("anti-social-behaviour",))
    assert measure_links(action, STATUSES, COUNTIES) == [("anti-social-behaviour", "2 Green, 1 Amber, 1 Red")]
    assert measure_links(an_action(measure_keys=()), STATUSES, COUNTIES) == []


def test_the_measures_served_are_named_not_slugged():
    action = an_action(area_code=COUNTY, measure_keys=("anti-social-behaviour", "ksi-casualties"))
    names = {"anti-social-behaviour": "Anti-social behaviour"}
    shown = measures_served(measure_links(action, STATUSES, COUNTIES), names)
    assert "Anti-social behaviour: 2 Green, 1 Amber; Ksi casualties: No target" == shown
    assert "anti-social-behaviour" not in shown
    assert "" == measures_served([], names)
