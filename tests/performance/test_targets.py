"""CSP targets: the CSV import (one transaction, line and column in errors, history on change), editing with a
history, and finding the cells a person changed in the editor."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lib.importers.base import ImportFileError
from lib.performance.targets import (
    edited_rows,
    import_targets,
    load_targets,
    target_history,
    targets_frame,
    update_target,
)
from lib.store.db import open_store
from tests.app_support import copy_store, demo_store_file
from tests.conftest import store_fingerprint, table_rows

HEADER = ("csp_code", "csp_name", "indicator_key", "measure", "target_type", "target_value", "baseline_period",
          "target_period", "basis", "commentary")
INJECTION = "x'); DROP TABLE targets; --"
DEMO_TARGETS = 24


def good_row(**changes: str) -> dict[str, str]:
    """A valid targets row (a new measure for Brackenford), with some fields changed."""
    row = {
        "csp_code": "X22000001", "csp_name": "", "indicator_key": "anti-social-behaviour",
        "measure": "Reduce anti-social behaviour by 5% compared with 2025/26", "target_type": "percent_change",
        "target_value": "-5", "baseline_period": "2025/26", "target_period": "2026/27", "basis": "fytd",
        "commentary": "",
    }
    return {**row, **changes}


def write_csv(path: Path, rows: list[dict | None], header: tuple[str, ...] = HEADER) -> Path:
    """Write a targets CSV; a None row is written as a blank line (which keeps its line number)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        handle.write(",".join(header) + "\n")
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n", extrasaction="ignore")
        for row in rows:
            if row is None:
                handle.write("\n")
            else:
                writer.writerow(row)
    return path


def history_rows(db, since_id: int = 0) -> list[dict]:
    cursor = db.execute(
        "SELECT target_id, csp_code, indicator_key, target_period, field, old_value, new_value, changed_by, "
        "changed_at, reason FROM target_history WHERE id > ? ORDER BY id", [since_id])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture
def demo_copy(tmp_path):
    """A private, writable copy of the demo store."""
    db = open_store(copy_store(demo_store_file(), tmp_path / "demo.db"))
    yield db
    db.close()


@pytest.fixture
def small_store(db):
    """An in-memory store holding only the demo's CSPs, county and 24 targets: quick to fingerprint."""
    db.execute("ATTACH DATABASE ? AS demo", [str(demo_store_file())])
    db.execute("INSERT INTO areas SELECT * FROM demo.areas WHERE kind IN ('csp', 'county')")
    db.execute("INSERT INTO targets SELECT * FROM demo.targets")
    db.execute("DETACH DATABASE demo")
    assert db.execute("SELECT COUNT(*) FROM targets").fetchone()[0] == DEMO_TARGETS
    assert db.execute("SELECT COUNT(*) FROM areas WHERE kind = 'csp'").fetchone()[0] == 5
    return db


# --- importing a good file, again, and changed -----------------------------------------------------------------

NEW_ROWS = [
    good_row(commentary="A new measure after the summer review."),
    good_row(csp_code="", csp_name="Harwick", indicator_key="burglary",
             measure="A combined reduction of 3% in burglary in the rolling year figures", target_value="-3",
             basis="rolling_12"),
    good_row(csp_code="X22000003", indicator_key="home-safety-visits", measure="Deliver 1,600 home safety visits",
             target_type="absolute", target_value="1,600", baseline_period="", basis="year_end"),
    good_row(csp_code="X22000005", indicator_key="dwelling-fires", measure="Reduce accidental dwelling fires",
             target_type="direction", target_value="-1", basis=""),
]


def test_import_adds_new_targets_with_created_history(demo_copy, tmp_path):
    held_before = table_rows(demo_copy, "targets")
    assert len(held_before) == DEMO_TARGETS
    assert table_rows(demo_copy, "target_history") == []
    path = write_csv(tmp_path / "targets_2026.csv", NEW_ROWS)

    summary = import_targets(demo_copy, path)

    assert (summary.rows_read, summary.rows_accepted, summary.rows_duplicate) == (4, 4, 0)
    assert table_rows(demo_copy, "targets")[:DEMO_TARGETS] == held_before  # held targets untouched
    new = {(t.csp_code, t.indicator_key): t for t in load_targets(demo_copy) if t.id > DEMO_TARGETS}
    assert set(new) == {("X22000001", "anti-social-behaviour"), ("X22000003", "burglary"),
                        ("X22000003", "home-safety-visits"), ("X22000005", "dwelling-fires")}
    asb = new["X22000001", "anti-social-behaviour"]
    assert (asb.target_type, asb.target_value, asb.baseline_period, asb.target_period, asb.basis) == (
        "percent_change", -5.0, "2025/26", "2026/27", "fytd")
    assert asb.commentary == "A new measure after the summer review."
    assert new["X22000003", "burglary"].basis == "rolling_12"  # found by name
    visits = new["X22000003", "home-safety-visits"]
    assert (visits.target_value, visits.baseline_period, visits.commentary) == (1600.0, None, None)
    assert new["X22000005", "dwelling-fires"].basis == "fytd"  # the default for a blank basis
    assert {t.updated_by for t in new.values()} == {"import of targets_2026.csv"}

    history = history_rows(demo_copy)
    assert len(history) == 4
    assert {(h["target_id"], h["csp_code"], h["indicator_key"]) for h in history} == {
        (t.id, t.csp_code, t.indicator_key) for t in new.values()}
    for entry in history:
        assert entry["field"] == "created"
        assert (entry["old_value"], entry["new_value"]) == (None, None)
        assert entry["changed_by"] == "import of targets_2026.csv"
        assert entry["target_period"] == "2026/27"
    log = demo_copy.execute("SELECT kind, file_name, rows_read, rows_accepted FROM import_log ORDER BY id DESC"
                            ).fetchone()
    assert log == ("targets", "targets_2026.csv", 4, 4)


def test_importing_the_same_file_again_changes_nothing_but_the_log(demo_copy, tmp_path):
    path = write_csv(tmp_path / "targets_2026.csv", NEW_ROWS)
    import_targets(demo_copy, path)
    targets, history = table_rows(demo_copy, "targets"), table_rows(demo_copy, "target_history")
    fingerprint = store_fingerprint(demo_copy, ignore=("import_log",))
    logged = demo_copy.execute("SELECT COUNT(*) FROM import_log").fetchone()[0]

    again = import_targets(demo_copy, path)

    assert again.rows_read == len(NEW_ROWS)
    assert again.rows_duplicate == again.rows_read
    assert again.rows_accepted == 0
    assert table_rows(demo_copy, "targets") == targets
    assert table_rows(demo_copy, "target_history") == history
    assert store_fingerprint(demo_copy, ignore=("import_log",)) == fingerprint
    assert demo_copy.execute("SELECT COUNT(*) FROM import_log").fetchone()[0] == logged + 1


def test_a_changed_file_updates_only_the_changed_fields_with_history(demo_copy, tmp_path):
    import_targets(demo_copy, write_csv(tmp_path / "targets_2026.csv", NEW_ROWS))
    before = {t.id: t for t in load_targets(demo_copy)}
    last_history = demo_copy.execute("SELECT MAX(id) FROM target_history").fetchone()[0]
    burglary = next(t for t in before.values() if (t.csp_code, t.indicator_key) == ("X22000001", "burglary"))
    assert burglary.target_value == -3.0 and burglary.commentary is None
    changed_rows = [
        good_row(commentary="Revised: the dispersal order starts in November."),  # commentary only
        NEW_ROWS[1] | {"basis": "fytd", "target_value": "-4"},  # two fields
        NEW_ROWS[2],  # unchanged
        NEW_ROWS[3],  # unchanged
        good_row(indicator_key="burglary", measure=burglary.measure, target_value="-4"),  # a held demo target
    ]
    path = write_csv(tmp_path / "targets_2026_v2.csv", changed_rows)

    summary = import_targets(demo_copy, path)

    assert (summary.rows_read, summary.rows_accepted, summary.rows_duplicate) == (5, 3, 2)
    after = {t.id: t for t in load_targets(demo_copy)}
    assert set(after) == set(before)  # nothing added
    ids = {(t.csp_code, t.indicator_key): t.id for t in after.values()}
    expected = {
        (ids["X22000001", "anti-social-behaviour"], "commentary"): (
            "A new measure after the summer review.", "Revised: the dispersal order starts in November."),
        (ids["X22000003", "burglary"], "target_value"): ("-3.0", "-4.0"),
        (ids["X22000003", "burglary"], "basis"): ("rolling_12", "fytd"),
        (burglary.id, "target_value"): ("-3.0", "-4.0"),
    }
    history = history_rows(demo_copy, last_history)
    assert {(h["target_id"], h["field"]): (h["old_value"], h["new_value"]) for h in history} == expected
    assert len(history) == len(expected)  # one row per changed field
    assert {h["changed_by"] for h in history} == {"import of targets_2026_v2.csv"}
    for target_id, target in after.items():
        fields = {field for (changed_id, field) in expected if changed_id == target_id}
        was = before[target_id]
        for name in ("csp_code", "indicator_key", "measure", "target_type", "target_value", "baseline_period",
                     "target_period", "basis", "commentary"):
            if name not in fields:
                assert getattr(target, name) == getattr(was, name), (target_id, name)
        if fields:
            assert target.updated_by == "import of targets_2026_v2.csv"
        else:
            assert (target.updated_by, target.updated_at) == (was.updated_by, was.updated_at)
    assert after[burglary.id].target_value == -4.0
    assert after[ids["X22000003", "burglary"]].basis == "fytd"


def test_a_bad_row_after_good_rows_keeps_none_of_them(demo_copy, tmp_path):
    fingerprint = store_fingerprint(demo_copy)
    rows = [
        good_row(),  # line 2: a new target
        good_row(indicator_key="burglary", measure="Reduce burglary by 4%", target_value="-4"),  # line 3: update
        None,  # line 4: blank
        good_row(indicator_key="shoplifting", target_value="minus three"),  # line 5: bad
    ]
    path = write_csv(tmp_path / "half_good.csv", rows)

    with pytest.raises(ImportFileError) as caught:
        import_targets(demo_copy, path)

    assert (caught.value.file, caught.value.row, caught.value.column) == ("half_good.csv", 5, "target_value")
    assert store_fingerprint(demo_copy) == fingerprint
    assert len(load_targets(demo_copy)) == DEMO_TARGETS


# --- files that are refused ------------------------------------------------------------------------------------

BAD_ROWS = {
    "unknown csp_code": (good_row(csp_code="X22000099"), "csp_code"),
    "a county is not a CSP": (good_row(csp_code="X10000001"), "csp_code"),
    "unknown csp_name": (good_row(csp_code="", csp_name="Nowhere"), "csp_name"),
    "bad indicator key": (good_row(indicator_key="Burglary & theft"), "indicator_key"),
    "blank indicator key": (good_row(indicator_key=""), "indicator_key"),
    "target_period 2014/16": (good_row(target_period="2014/16"), "target_period"),
    "target_period 2014": (good_row(target_period="2014"), "target_period"),
    "target_period a month": (good_row(target_period="2026-04"), "target_period"),
    "target_type not allowed": (good_row(target_type="percentage"), "target_type"),
    "non-numeric target_value": (good_row(target_value="about 3"), "target_value"),
    "blank target_value": (good_row(target_value=""), "target_value"),
    "nan target_value": (good_row(target_value="nan"), "target_value"),
    "% change out of range": (good_row(target_value="2000"), "target_value"),
    "direction of 2": (good_row(target_type="direction", target_value="2"), "target_value"),
    "direction of 0": (good_row(target_type="direction", target_value="0"), "target_value"),
    "negative absolute": (good_row(target_type="absolute", target_value="-100", baseline_period=""), "target_value"),
    "percent_change without baseline": (good_row(baseline_period=""), "baseline_period"),
    "direction without baseline": (good_row(target_type="direction", target_value="-1", baseline_period=""),
                                   "baseline_period"),
    "baseline 2025": (good_row(baseline_period="2025"), "baseline_period"),
    "baseline 2025/27": (good_row(baseline_period="2025/27"), "baseline_period"),
    "basis not allowed": (good_row(basis="monthly"), "basis"),
    "blank measure": (good_row(measure=""), "measure"),
    "measure over 2,000 characters": (good_row(measure="Reduce ASB " + "x" * 1990), "measure"),
    "commentary over 2,000 characters": (good_row(commentary="On track. " * 201), "commentary"),
}


@pytest.mark.parametrize("bad_row, column", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_a_bad_row_refuses_the_file_naming_line_and_column(small_store, tmp_path, bad_row, column):
    fingerprint = store_fingerprint(small_store)
    good = good_row(indicator_key="burglary", measure="Reduce burglary by 4%", target_value="-4")  # an update
    path = write_csv(tmp_path / "targets.csv", [good, bad_row])

    with pytest.raises(ImportFileError) as caught:
        import_targets(small_store, path)

    error = caught.value
    assert (error.file, error.row, error.column) == ("targets.csv", 3, column)
    assert "targets.csv" in str(error) and "row 3" in str(error) and repr(column) in str(error)
    assert store_fingerprint(small_store) == fingerprint


@pytest.mark.parametrize("dropped, column", [
    (("measure",), "measure"),
    (("target_period",), "target_period"),
    (("indicator_key", "target_type"), "indicator_key"),
    (("csp_code", "csp_name"), "csp_code"),
])
def test_a_missing_required_column_is_named_on_line_1(small_store, tmp_path, dropped, column):
    fingerprint = store_fingerprint(small_store)
    header = tuple(c for c in HEADER if c not in dropped)
    path = write_csv(tmp_path / "short.csv", [good_row()], header=header)

    with pytest.raises(ImportFileError) as caught:
        import_targets(small_store, path)

    assert (caught.value.file, caught.value.row, caught.value.column) == ("short.csv", 1, column)
    assert column in caught.value.message
    assert store_fingerprint(small_store) == fingerprint


def test_a_bad_row_after_a_multi_line_commentary_names_its_editor_line(small_store, tmp_path):
    rows = [good_row(commentary="First line of the note.\nSecond line of the note."),  # lines 2 and 3
            good_row(indicator_key="shoplifting", target_type="weekly")]  # line 4
    path = write_csv(tmp_path / "multiline.csv", rows)
    assert path.read_text(encoding="utf-8").splitlines()[3].startswith("X22000001,,shoplifting,")

    with pytest.raises(ImportFileError) as caught:
        import_targets(small_store, path)

    assert (caught.value.row, caught.value.column) == (4, "target_type")


def test_a_blank_csp_code_without_a_name_column_is_named_as_csp_code(small_store, tmp_path):
    fingerprint = store_fingerprint(small_store)
    header = tuple(c for c in HEADER if c != "csp_name")
    path = write_csv(tmp_path / "codes.csv", [good_row(), good_row(csp_code="", indicator_key="burglary")], header)

    with pytest.raises(ImportFileError) as caught:
        import_targets(small_store, path)

    assert store_fingerprint(small_store) == fingerprint
    assert (caught.value.row, caught.value.column) == (3, "csp_code")


def test_csp_names_match_whatever_their_case(small_store, tmp_path):
    rows = [good_row(csp_code="", csp_name="bRACKENFORD"),
            good_row(csp_code="", csp_name="SALTCLIFFE", indicator_key="burglary", measure="Reduce burglary")]
    path = write_csv(tmp_path / "names.csv", [rows[0], rows[1]])

    summary = import_targets(small_store, path)

    assert summary.rows_accepted == 2
    added = [(t.csp_code, t.indicator_key) for t in load_targets(small_store) if t.id > DEMO_TARGETS]
    assert sorted(added) == [("X22000001", "anti-social-behaviour"), ("X22000005", "burglary")]


# --- SQL injection ---------------------------------------------------------------------------------------------

def test_an_injection_in_csp_name_is_refused_as_plain_text(small_store, tmp_path):
    path = write_csv(tmp_path / "evil.csv", [good_row(csp_code="", csp_name=INJECTION)])

    with pytest.raises(ImportFileError) as caught:
        import_targets(small_store, path)

    assert (caught.value.row, caught.value.column) == (2, "csp_name")
    assert INJECTION in caught.value.message
    assert "targets" in small_store.table_names()
    assert len(load_targets(small_store)) == DEMO_TARGETS


def test_an_injection_in_an_indicator_key_is_refused(small_store, tmp_path):
    path = write_csv(tmp_path / "evil.csv", [good_row(indicator_key=INJECTION)])
    with pytest.raises(ImportFileError) as caught:
        import_targets(small_store, path)
    assert (caught.value.row, caught.value.column) == (2, "indicator_key")
    assert len(load_targets(small_store)) == DEMO_TARGETS


def test_an_injection_in_text_fields_is_stored_as_plain_text(small_store, tmp_path):
    path = write_csv(tmp_path / "evil.csv", [good_row(measure=INJECTION, commentary=INJECTION)])

    import_targets(small_store, path)
    update_target(small_store, 1, {"commentary": INJECTION}, who="Bob'); DROP TABLE target_history; --",
                  reason=INJECTION)

    assert {"targets", "target_history"} <= set(small_store.table_names())
    held = load_targets(small_store)
    assert len(held) == DEMO_TARGETS + 1
    new = next(t for t in held if t.id > DEMO_TARGETS)
    assert (new.measure, new.commentary) == (INJECTION, INJECTION)
    first = next(t for t in held if t.id == 1)
    assert (first.commentary, first.updated_by) == (INJECTION, "Bob'); DROP TABLE target_history; --")
    latest = target_history(small_store)[0]
    assert (latest["new_value"], latest["reason"]) == (INJECTION, INJECTION)


# --- update_target ---------------------------------------------------------------------------------------------

def test_update_target_records_who_when_and_why(small_store):
    before = next(t for t in load_targets(small_store) if t.id == 1)
    assert (before.indicator_key, before.target_value, before.commentary) == ("burglary", -3.0, None)
    when = "2026-11-02T10:15:00+00:00"

    changed = update_target(small_store, 1, {"target_value": "-4", "commentary": "Revised after Q1"},
                            who="  A. Officer ", reason="Q1 review", when=when)

    assert changed == 2
    after = next(t for t in load_targets(small_store) if t.id == 1)
    assert (after.target_value, after.commentary) == (-4.0, "Revised after Q1")
    assert (after.updated_by, after.updated_at) == ("A. Officer", when)
    for name in ("csp_code", "indicator_key", "measure", "target_type", "baseline_period", "target_period",
                 "basis"):
        assert getattr(after, name) == getattr(before, name)
    history = history_rows(small_store)
    assert {h["field"]: (h["old_value"], h["new_value"]) for h in history} == {
        "target_value": ("-3.0", "-4.0"), "commentary": (None, "Revised after Q1")}
    assert len(history) == 2
    for entry in history:
        assert (entry["target_id"], entry["csp_code"], entry["indicator_key"], entry["target_period"]) == (
            1, "X22000001", "burglary", "2026/27")
        assert (entry["changed_by"], entry["changed_at"], entry["reason"]) == ("A. Officer", when, "Q1 review")
    assert [h["field"] for h in target_history(small_store, "X22000001")] == ["commentary", "target_value"]
    assert target_history(small_store, "X22000002") == []


def test_update_target_stamps_the_time_now_when_not_given(small_store):
    started = datetime.now(UTC).replace(microsecond=0)
    assert update_target(small_store, 2, {"basis": "rolling_12"}, who="A. Officer") == 1
    stamp = datetime.fromisoformat(history_rows(small_store)[0]["changed_at"])
    assert started <= stamp <= datetime.now(UTC)
    assert next(t for t in load_targets(small_store) if t.id == 2).updated_at == stamp.isoformat()


def test_update_target_with_nothing_changed_writes_nothing(small_store):
    fingerprint = store_fingerprint(small_store)
    held = next(t for t in load_targets(small_store) if t.id == 1)
    same = {"target_value": "-3", "measure": f"  {held.measure} ", "commentary": "", "basis": "fytd",
            "csp_code": "X22000002"}  # csp_code is not editable: ignored
    assert update_target(small_store, 1, same, who="A. Officer") == 0
    assert update_target(small_store, 1, {}, who="A. Officer") == 0
    assert store_fingerprint(small_store) == fingerprint


@pytest.mark.parametrize("who", ["", "   ", None])
def test_update_target_needs_to_know_who(small_store, who):
    fingerprint = store_fingerprint(small_store)
    with pytest.raises(ValueError, match="who"):
        update_target(small_store, 1, {"target_value": -4}, who=who)
    assert store_fingerprint(small_store) == fingerprint


@pytest.mark.parametrize("changes", [
    {"target_value": "lots"},
    {"target_value": float("nan")},
    {"target_value": None},
    {"target_type": "weekly"},
    {"target_type": "direction"},  # -3 is not -1 or 1
    {"target_type": "absolute", "target_value": -10},
    {"basis": "monthly"},
    {"baseline_period": "2025"},
    {"baseline_period": ""},  # a % change needs one
    {"measure": "   "},
    {"measure": "m" * 2001},
    {"commentary": "c" * 2001},
    {"commentary": "This part is fine", "target_value": "x"},  # nothing is kept when any field is bad
], ids=str)
def test_update_target_refuses_bad_values_leaving_the_row(small_store, changes):
    fingerprint = store_fingerprint(small_store)
    with pytest.raises(ValueError):
        update_target(small_store, 1, changes, who="A. Officer")
    assert store_fingerprint(small_store) == fingerprint


def test_update_target_of_an_unknown_id_is_a_lookup_error(small_store):
    fingerprint = store_fingerprint(small_store)
    with pytest.raises(LookupError, match="999"):
        update_target(small_store, 999, {"target_value": -4}, who="A. Officer")
    assert store_fingerprint(small_store) == fingerprint


# --- the editor: which cells changed ---------------------------------------------------------------------------

def test_edited_rows_finds_exactly_the_changed_cells(small_store):
    held = load_targets(small_store, "X22000001")
    before = targets_frame(held)
    assert list(before.columns) == ["id", "indicator_key", "target_period", "measure", "target_type",
                                    "target_value", "baseline_period", "basis", "commentary"]
    by_key = {t.indicator_key: t.id for t in held}
    assert [t.commentary for t in held].count(None) == 4
    assert before["commentary"].isna().sum() == 4  # missing text is NaN in the frame shown
    # The editor hands back plain objects: missing cells as None, and rows perhaps in another order.
    after = before.astype(object).where(before.notna(), None)
    assert after.isna().sum().sum() == 5 and after["commentary"].tolist().count(None) == 4
    row = {key: after.index[after["id"] == target_id][0] for key, target_id in by_key.items()}
    after.at[row["burglary"], "commentary"] = "Now with a note"  # missing -> text
    after.at[row["vehicle-crime"], "target_value"] = -4.5
    after.at[row["vehicle-crime"], "commentary"] = None  # text -> None
    after.at[row["home-safety-visits"], "measure"] = "Deliver 950 home safety visits"
    after = after.iloc[::-1].reset_index(drop=True)

    changes = edited_rows(before, after)

    assert changes == {
        by_key["burglary"]: {"commentary": "Now with a note"},
        by_key["vehicle-crime"]: {"target_value": -4.5, "commentary": None},
        by_key["home-safety-visits"]: {"measure": "Deliver 950 home safety visits"},
    }
    unchanged = before.astype(object).where(before.notna(), None)
    assert edited_rows(before, unchanged) == {}  # NaN shown, None returned: equal
    assert edited_rows(unchanged, before) == {}  # None shown, NaN returned: equal
    assert edited_rows(before, before.copy(deep=True)) == {}
    saved = sum(update_target(small_store, target_id, fields, who="Editor") for target_id, fields in changes.items())
    assert saved == 4
    stored = {t.id: t for t in load_targets(small_store, "X22000001")}
    assert stored[by_key["burglary"]].commentary == "Now with a note"
    assert stored[by_key["vehicle-crime"]].commentary is None
    assert edited_rows(targets_frame(list(stored.values())), after) == {}


def test_text_of_2000_characters_is_kept_whole_and_longer_text_is_refused_not_cut(small_store):
    update_target(small_store, 1, {"measure": "m" * 2000, "commentary": "c" * 2000}, who="A. Officer")
    held = next(t for t in load_targets(small_store) if t.id == 1)
    assert (held.measure, held.commentary) == ("m" * 2000, "c" * 2000)
    with pytest.raises(ValueError, match="commentary is 2,001 characters long; the most is 2,000"):
        update_target(small_store, 1, {"commentary": "c" * 2001}, who="A. Officer")
    assert "c" * 2000 == next(t for t in load_targets(small_store) if t.id == 1).commentary
