"""Property-based and fuzz tests of every importer (issue 7, Reliability).

Each test starts from a valid file (real police.uk rows from the Sussex file, or a small valid file built here)
and damages it: cut short, columns dropped, renamed, reordered or doubled, the wrong text encoding, huge
cells, bad coordinates and months, repeated rows, odd zip archives. Whatever hypothesis makes of it, the
importer must either refuse the file with an ImportFileError that names the file (and the row and column
where there is one) and leave the store exactly as it was (a checksum of every table), or import it with the
documented outcome: police.uk rows it cannot place are rejected with their reason, and every count is exact.
No other exception may escape.

Every example imports into a fresh in-memory copy of a small template store that already holds data (a real
ONS lookup, a month of East Sussex police.uk rows, indicators, targets, an action plan, population and a
boundary), so "unchanged" is checked against real content, not an empty store.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import os
import random
import sqlite3
import tracemalloc
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
import sqlite_utils
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from lib.importers.base import ImportFileError, ImportSummary
from lib.importers.boundaries import import_boundaries
from lib.importers.indicators import import_indicators
from lib.importers.lookups import import_lookup
from lib.importers.police_uk import import_police_uk
from lib.importers.population import import_population
from lib.importers.street_files import COLUMNS, REQUIRED, crime_keys
from lib.performance.targets import import_targets
from lib.priorities.action_plan import import_actions
from lib.store.db import open_store
from lib.uploads import ACTIONS, INDICATORS, POLICE_UK, TARGETS, import_uploads, safe_file_name
from tests.conftest import REPO, SUSSEX_FILE, raw_police_rows, real_file, store_fingerprint

FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
FEW = settings(FUZZ, max_examples=10)

# --- the template store and fresh copies of it -----------------------------------------------------------------

BASE_MONTH, HELD_MONTH = "2018-10", "2018-11"
DISTRICTS = ("Eastbourne ", "Hastings ")
BASE_ROWS = 240  # real police.uk rows the police.uk tests start from (about 40 KB)


class Rows(list):
    """Rows of a file, shown briefly when hypothesis prints a falsifying example."""

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


class Baselines(dict):
    def __repr__(self) -> str:
        return f"<clean imports of {', '.join(self)}>"


@pytest.fixture(scope="module")
def sussex_rows() -> list[dict[str, str]]:
    real_file("police_uk/sussex-street_2018-10_2019-02.csv.gz")
    return Rows(r for r in raw_police_rows(SUSSEX_FILE) if r["LSOA name"].startswith(DISTRICTS))


@pytest.fixture(scope="module")
def base_rows(sussex_rows) -> list[dict[str, str]]:
    """Real East Sussex rows of one month: about a fifth ASB (no Crime ID), the rest crimes."""
    return Rows([r for r in sussex_rows if r["Month"] == BASE_MONTH][:BASE_ROWS])


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def template(work, sussex_rows) -> sqlite3.Connection:
    """A small store holding a bit of everything; each example imports into a fresh in-memory copy of it."""
    path = work / "template.db"
    db = open_store(path)
    import_lookup(db, real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"))
    held = [r for r in sussex_rows if r["Month"] == HELD_MONTH][:150]
    import_police_uk(db, [write(work / "held-street.csv", police_csv(held))])
    import_indicators(db, REPO / "data" / "example_indicators.csv")
    import_targets(db, write(work / "held-targets.csv", TARGETS_CSV.replace("2014/15", "2013/14")))
    import_actions(db, write(work / "held-actions.csv", ACTIONS_CSV.replace("Speedwatch", "Speed checks")))
    import_population(db, write(work / "held-population.csv", POPULATION_CSV.replace(",2019,", ",2018,")))
    import_boundaries(db, write(work / "held.geojson", geojson([square("E22000296", "Hastings", "csp", 0.58, 50.85)])))
    db.close()
    source = sqlite3.connect(path)
    yield source
    source.close()


def fresh(template: sqlite3.Connection) -> sqlite_utils.Database:
    """A private in-memory copy of the template store, set up as open_store sets up a store."""
    conn = sqlite3.connect(":memory:")
    template.backup(conn)
    db = sqlite_utils.Database(conn)
    db.conn.isolation_level = None
    db.execute("PRAGMA foreign_keys = ON")
    return db


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


# --- what every import must do ---------------------------------------------------------------------------------

Importer = Callable[[sqlite_utils.Database, Path], ImportSummary]


def police(db: sqlite_utils.Database, path: Path) -> ImportSummary:
    return import_police_uk(db, [path])[0]


def attempt(db: sqlite_utils.Database, importer: Importer, path: Path) -> ImportSummary | ImportFileError:
    """Import a file and check the contract whatever happens: a refusal names the file and changes nothing; an
    import accounts for every row it read. Any other exception fails the test."""
    before = store_fingerprint(db)
    logged = db.execute("SELECT COUNT(*) FROM import_log").fetchone()[0]
    try:
        summary = importer(db, path)
    except ImportFileError as error:
        assert error.file == path.name or error.file.startswith(f"{path.name}:"), error
        assert str(error).startswith(f"file {error.file}")
        assert error.message.strip()
        assert error.row is None or error.row >= 1
        assert store_fingerprint(db) == before, f"a refused file changed the store: {error}"
        return error
    assert summary.rows_accepted + summary.rows_rejected + summary.rows_duplicate == summary.rows_read
    assert min(summary.rows_accepted, summary.rows_rejected, summary.rows_duplicate) >= 0
    assert db.execute("SELECT COUNT(*) FROM import_log").fetchone()[0] == logged + 1
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    return summary


def refused(db, importer: Importer, path: Path, *, row=..., column=..., words: str = "") -> ImportFileError:
    """Import a file that must be refused; check the row, column and words of the error where given."""
    outcome = attempt(db, importer, path)
    assert isinstance(outcome, ImportFileError), f"expected a refusal, got {outcome.line()}"
    if row is not ...:
        assert outcome.row == row, outcome
    if column is not ...:
        assert outcome.column == column, outcome
    assert words.lower() in outcome.message.lower(), outcome
    return outcome


def imported(db, importer: Importer, path: Path) -> ImportSummary:
    outcome = attempt(db, importer, path)
    assert isinstance(outcome, ImportSummary), f"expected an import, got: {outcome}"
    return outcome


def content(db: sqlite_utils.Database) -> str:
    """A checksum of the data, leaving out the import log (times, file names and checksums differ)."""
    return store_fingerprint(db, ignore=("import_log",))


# --- police.uk files -------------------------------------------------------------------------------------------


def police_csv(rows: list[dict[str, str]], columns: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns or list(rows[0]), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture(scope="module")
def base_import(template, base_rows, work) -> tuple[ImportSummary, str]:
    """The clean import of the base rows: every one is placed and new, so any change below is the damage's."""
    db = fresh(template)
    summary = police(db, write(work / "base-street.csv", police_csv(base_rows)))
    assert (summary.rows_read, summary.rows_accepted, summary.rows_rejected) == (BASE_ROWS, BASE_ROWS, 0)
    asb = sum(1 for r in base_rows if not r["Crime ID"])
    assert 20 <= asb <= BASE_ROWS - 20  # both kinds of key are exercised
    return summary, content(db)


def csv_records(text: str) -> list[list[str]]:
    """The records an independent reader (the csv module) sees."""
    return [r for r in csv.reader(io.StringIO(text)) if r]


@FUZZ
@given(cut=st.integers(min_value=0, max_value=BASE_ROWS * 200))
@example(cut=0)
@example(cut=50)
def test_police_uk_csv_cut_short_imports_exactly_its_whole_rows_or_names_the_broken_one(
    template, base_rows, work, cut
):
    data = police_csv(base_rows).encode()
    assume(cut <= len(data))
    text = data[:cut].decode()  # the rows are ASCII
    db = fresh(template)
    outcome = attempt(db, police, write(work / "cut-street.csv", text))
    records = csv_records(text)
    header = records[0] if records else []
    missing = [c for c in REQUIRED if c not in header]
    ragged = next((n for n, r in enumerate(records[1:], start=2) if len(r) != len(header)), None)
    if missing:
        assert isinstance(outcome, ImportFileError)
        if header:
            assert (outcome.row, outcome.column) == (1, missing[0])
    elif ragged:
        assert isinstance(outcome, ImportFileError)
        assert outcome.row == ragged and "fields" in outcome.message
    else:
        assert isinstance(outcome, ImportSummary), outcome
        assert outcome.rows_read == outcome.rows_accepted == len(records) - 1


@FEW
@given(cut=st.integers(min_value=0, max_value=20_000), kind=st.sampled_from(["gz", "zip"]))
def test_police_uk_gzip_or_zip_cut_short_is_refused(template, base_rows, work, cut, kind):
    data = police_csv(base_rows).encode()
    packed = gzip.compress(data) if kind == "gz" else zip_of([("2018-10/2018-10-sussex-street.csv", data)])
    assume(cut < len(packed))
    name = "cut.csv.gz" if kind == "gz" else "cut.zip"
    error = refused(fresh(template), police, write(work / name, packed[:cut]))
    if cut >= 4:  # (three bytes of a zip, 'PK\x03', are text: a CSV without the columns)
        assert any(word in error.message for word in ("gzip", "zip", "CSV")), error


def _drop(columns: list[str], index: int) -> list[str]:
    return columns[:index] + columns[index + 1:]


@FUZZ
@given(
    operation=st.sampled_from(["drop", "rename", "double", "reorder"]),
    index=st.integers(min_value=0, max_value=len(COLUMNS) - 1),
    order=st.permutations(range(len(COLUMNS))),
)
def test_police_uk_columns_dropped_renamed_doubled_or_reordered(
    template, base_rows, base_import, work, operation, index, order
):
    columns = list(COLUMNS)
    header = list(COLUMNS)
    if operation == "drop":
        header = columns = _drop(columns, index)
    elif operation == "rename":
        header = [c + " (old)" if i == index else c for i, c in enumerate(columns)]
    elif operation == "double":
        columns, header = columns + [columns[index]], columns + [columns[index]]
    else:
        header = columns = [columns[i] for i in order]
    lines = [",".join(header)] + [",".join(row[c] for c in columns) for row in base_rows]
    db = fresh(template)
    outcome = attempt(db, police, write(work / "columns-street.csv", "\n".join(lines) + "\n"))
    twice = [c for c in COLUMNS if header.count(c) > 1]
    missing = [c for c in REQUIRED if c not in header]
    if twice:
        assert isinstance(outcome, ImportFileError)
        assert (outcome.row, outcome.column) == (1, twice[0]) and "twice" in outcome.message
    elif missing:
        assert isinstance(outcome, ImportFileError)
        assert (outcome.row, outcome.column) == (1, missing[0]) and "missing" in outcome.message
    else:
        assert isinstance(outcome, ImportSummary), outcome
        assert outcome.rows_read == BASE_ROWS and outcome.rows_rejected == 0
        if operation == "reorder" or header == list(COLUMNS):
            assert content(db) == base_import[1]  # the order of the columns makes no difference


@FUZZ
@given(
    encoding=st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "latin-1", "bom", "nul", "crlf"]),
    row=st.integers(min_value=0, max_value=BASE_ROWS - 1),
)
def test_police_uk_wrong_encodings(template, base_rows, base_import, work, encoding, row):
    rows = [dict(r) for r in base_rows]
    if encoding == "latin-1":
        rows[row]["Location"] = "On or near Caf\xe9 Street"
    if encoding == "nul":
        rows[row]["Location"] = "On or near\x00Nowhere"
    text = police_csv(rows)
    data = {
        "latin-1": text.encode("latin-1"), "bom": b"\xef\xbb\xbf" + text.encode(), "crlf": text.replace("\n", "\r\n")
        .encode(), "nul": text.encode(),
    }.get(encoding) or text.encode(encoding)
    db = fresh(template)
    outcome = attempt(db, police, write(work / "encoded-street.csv", data))
    if encoding.startswith("utf-16"):
        assert isinstance(outcome, ImportFileError)
    elif encoding == "latin-1":
        assert isinstance(outcome, ImportFileError)
        assert outcome.row == row + 2 and "UTF-8" in outcome.message
    else:
        assert isinstance(outcome, ImportSummary), outcome
        assert (outcome.rows_read, outcome.rows_accepted) == (BASE_ROWS, BASE_ROWS)
        if encoding in ("bom", "crlf"):
            assert content(db) == base_import[1]


TEXT_COLUMNS = ["Crime ID", "Reported by", "Falls within", "Location", "LSOA name", "Last outcome category", "Context"]


@FEW
@given(
    column=st.sampled_from([*TEXT_COLUMNS, "LSOA code", "Month"]),
    row=st.integers(min_value=0, max_value=BASE_ROWS - 1),
    size=st.integers(min_value=150_000, max_value=1_200_000),
    ragged=st.booleans(),
)
def test_police_uk_huge_cell(template, base_rows, work, column, row, size, ragged):
    rows = [dict(r) for r in base_rows]
    rows[row][column] = "x" * size
    text = police_csv(rows) + ("an,extra,line\n" if ragged else "")
    db = fresh(template)
    outcome = attempt(db, police, write(work / "huge-street.csv", text))
    if ragged:  # found past the huge cell (the csv module refuses cells over 128 KB unless told otherwise)
        assert isinstance(outcome, ImportFileError)
        assert outcome.row == BASE_ROWS + 2 and "fields" in outcome.message
    else:
        assert isinstance(outcome, ImportSummary), outcome
        assert outcome.rows_read == BASE_ROWS
        assert outcome.rejected_by_reason == ({"bad month": 1} if column == "Month" else {})
        if column == "Crime ID" and base_rows[row]["Crime ID"]:
            assert db.execute("SELECT 1 FROM incidents WHERE month = ? AND key = ?",
                              [BASE_MONTH, int(crime_keys(pa.array(["x" * size]))[0])]).fetchone()


@pytest.mark.parametrize("column", [*TEXT_COLUMNS, "LSOA code", "Crime type", "Month"])
def test_one_huge_cell_does_not_widen_every_text_of_its_column(template, base_rows, work, column):
    """numpy's astype(str) pads every string to the longest: one 1 MB place made each of a file's 100,000 places
    4 MB (and one 1 MB LSOA code each of its 35,000 LSOA codes), enough to exhaust the machine's memory."""
    rows = [dict(r) for r in base_rows]
    rows[0][column] = "E01" + "x" * 1_000_000
    path = write(work / "one-huge-cell-street.csv", police_csv(rows))
    db = fresh(template)
    tracemalloc.start()
    try:
        imported(db, police, path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # About 4 MB normally; it was 4 MB more for each different text (112 places, 21 LSOA codes, 13 crime types).
    assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MB for one 1 MB cell"


def _arrow_number(text: str) -> float | None:
    """How pyarrow's CSV reader (which the importer uses) reads a coordinate: a float, None for none, or raises."""
    table = pacsv.read_csv(
        io.BytesIO(b"x\n" + text.encode() + b"\n"),
        convert_options=pacsv.ConvertOptions(column_types={"x": pa.float64()}, null_values=[""]),
        read_options=pacsv.ReadOptions(),
        parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
    )
    return table.column("x")[0].as_py()


def _reads_as_number(text: str) -> bool:
    try:
        _arrow_number(text)
    except pa.ArrowInvalid:
        return False
    return True


_CELL_TEXT = st.text(st.characters(blacklist_characters=',"\r\n', blacklist_categories=("Cs",)), max_size=8)
OUT_OF_RANGE = st.one_of(
    st.floats(min_value=180.000001, max_value=1e300), st.floats(max_value=-180.000001, min_value=-1e300)
).map(repr)
NO_NUMBER = st.sampled_from(["", "nan", "NaN", "-nan"])
INFINITE = st.sampled_from(["inf", "-inf", "Infinity", "1e400", "-1e999"])
NOT_A_NUMBER = st.one_of(
    st.sampled_from(["abc", "1_0", "\u0661\u0662", "0x10", "--1", "1.2.3", "50.8N", "\u00bd", " 1 2"]),
    _CELL_TEXT.filter(lambda t: t.strip() != "" and not _reads_as_number(t)),
)


def _reason(lon: str, lat: str) -> str | None:
    """The reason the importer must give for these coordinates (in its order of rules), or None to keep it."""
    x, y = _arrow_number(lon), _arrow_number(lat)
    if x is None or y is None or math.isnan(x) or math.isnan(y):
        return "no coordinates"
    if abs(x) > 180 or abs(y) > 90:
        return "coordinates out of range"
    return None


@FUZZ
@given(
    damage=st.dictionaries(
        st.integers(min_value=0, max_value=BASE_ROWS - 1),
        st.tuples(st.sampled_from(["Longitude", "Latitude", "both"]),
                  st.one_of(OUT_OF_RANGE, NO_NUMBER, INFINITE, NOT_A_NUMBER)),
        min_size=1, max_size=12,
    )
)
@example(damage={3: ("Longitude", "1_0")})
@example(damage={3: ("Latitude", "\u0661")})
@example(damage={5: ("both", "nan"), 9: ("Latitude", "91"), 10: ("Longitude", "inf")})
def test_police_uk_bad_coordinates_are_rejected_with_the_reason_or_the_file_refused(
    template, base_rows, work, damage
):
    rows = [dict(r) for r in base_rows]
    for row, (column, value) in damage.items():
        for name in (["Longitude", "Latitude"] if column == "both" else [column]):
            rows[row][name] = value
    db = fresh(template)
    outcome = attempt(db, police, write(work / "coordinates-street.csv", police_csv(rows)))
    unreadable = [(row + 2, name) for row in sorted(damage) for name in ("Longitude", "Latitude")
                  if not _reads_as_number(rows[row][name])]
    if unreadable:
        assert isinstance(outcome, ImportFileError)
        assert (outcome.row, outcome.column) == unreadable[0], outcome
        assert "not a number" in outcome.message
        return
    expected = {row + 2: _reason(rows[row]["Longitude"], rows[row]["Latitude"]) for row in damage}
    expected = {line: reason for line, reason in expected.items() if reason}
    assert isinstance(outcome, ImportSummary), outcome
    assert outcome.rejected_by_reason == dict(Counter(expected.values()))
    assert outcome.rows_accepted == BASE_ROWS - len(expected)
    held = dict(db.execute("SELECT row_number, reason FROM rejected_rows WHERE import_id = ?",
                           [outcome.import_id]).fetchall())
    assert held == expected


BAD_MONTHS = st.one_of(
    st.sampled_from(["2019-13", "19-01", "", "2019-00", "2019-1", "201901", "2019/01", "2019-01 ", "Jan 2019",
                     "2019-01-01", "0000-00"]),
    _CELL_TEXT.filter(lambda t: not (len(t) == 7 and t[:4].isascii() and t[:4].isdigit() and t[4] == "-"
                                     and t[5:] in {f"{m:02d}" for m in range(1, 13)})),
)


@FUZZ
@given(damage=st.dictionaries(st.integers(min_value=0, max_value=BASE_ROWS - 1), BAD_MONTHS, min_size=1,
                              max_size=20))
def test_police_uk_bad_months_are_rejected_and_the_good_rows_counted(template, base_rows, work, damage):
    rows = [dict(r) for r in base_rows]
    for row, month in damage.items():
        rows[row]["Month"] = month
    db = fresh(template)
    summary = imported(db, police, write(work / "months-street.csv", police_csv(rows)))
    assert summary.rejected_by_reason == {"bad month": len(damage)}
    assert summary.rows_accepted == BASE_ROWS - len(damage)
    rejected = db.execute("SELECT row_number, month FROM rejected_rows WHERE import_id = ? ORDER BY 1",
                          [summary.import_id]).fetchall()
    assert rejected == [(row + 2, month or None) for row, month in sorted(damage.items())]
    assert db.execute("SELECT COUNT(*) FROM incidents WHERE month NOT GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'"
                      ).fetchone()[0] == 0


@FUZZ
@given(copies=st.lists(st.integers(min_value=0, max_value=BASE_ROWS - 1), min_size=1, max_size=30),
       seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_police_uk_repeated_rows_crimes_once_asb_as_often_as_it_happened(template, base_rows, work, copies, seed):
    rows = list(base_rows) + [base_rows[i] for i in copies]
    random.Random(seed).shuffle(rows)
    asb_copies = sum(1 for i in copies if not base_rows[i]["Crime ID"])
    path = write(work / "repeats-street.csv", police_csv(rows))
    db = fresh(template)
    first = imported(db, police, path)
    assert (first.rows_read, first.rows_accepted, first.rows_duplicate) == (
        len(rows), BASE_ROWS + asb_copies, len(copies) - asb_copies)
    # The same rows again, in another order, add nothing.
    random.Random(seed + 1).shuffle(rows)
    held = content(db)
    again = imported(db, police, write(work / "repeats-again-street.csv", police_csv(rows)))
    assert (again.rows_accepted, again.rows_duplicate) == (0, len(rows))
    assert content(db) == held


CRIME_IDS = st.one_of(
    st.text(st.characters(blacklist_characters=',"\r\n', blacklist_categories=("Cs",)), min_size=1, max_size=70),
    st.text("0123456789abcdef", min_size=16, max_size=80),
    st.text("0123456789", min_size=17, max_size=25),
).filter(lambda t: t.strip() != "")


@FUZZ
@given(extra_ids=st.lists(CRIME_IDS, min_size=1, max_size=8, unique=True), first_base=st.booleans())
@example(extra_ids=["short-id"], first_base=True)
@example(extra_ids=["20190100000000001", "20190100000000002"], first_base=True)
def test_police_uk_a_crime_keeps_its_key_whatever_else_its_file_holds(
    template, base_rows, work, extra_ids, first_base
):
    """A row's key was worked out from the whole file's IDs: one odd Crime ID made every crime of a file new."""
    extra = [dict(base_rows[i % BASE_ROWS], **{"Crime ID": crime_id}) for i, crime_id in enumerate(extra_ids)]
    assume(not {r["Crime ID"] for r in base_rows} & set(extra_ids))
    # Two police.uk-shaped IDs (64 bytes, the first 16 hex digits) with the same first 16 digits are the same
    # crime, by design.
    digests = [i[:16].lower() for i in [*extra_ids, *(r["Crime ID"] for r in base_rows)]
               if len(i.encode()) == 64 and all(c in "0123456789abcdefABCDEF" for c in i[:16])]
    assume(len(digests) == len(set(digests)))
    base = write(work / "base-street.csv", police_csv(base_rows))
    more = write(work / "more-street.csv", police_csv(base_rows + extra))
    db = fresh(template)
    if first_base:
        imported(db, police, base)
        summary = imported(db, police, more)
        assert (summary.rows_accepted, summary.rows_duplicate) == (len(extra), BASE_ROWS)
    else:
        assert imported(db, police, more).rows_accepted == BASE_ROWS + len(extra)
        assert imported(db, police, base).rows_accepted == 0


def test_numeric_crime_ids_that_share_16_digits_are_different_crimes():
    ids = pa.array(["20190100000000001", "20190100000000002", "b8d4eb2436d53945" + "0" * 48, None])
    keys = crime_keys(ids)
    assert len(set(keys[:3].tolist())) == 3 and keys[3] == 0
    # A police.uk ID keeps the key it has in a file of nothing but police.uk IDs.
    assert keys[2] == crime_keys(pa.array(["b8d4eb2436d53945" + "0" * 48]))[0]


# --- police.uk zip archives ------------------------------------------------------------------------------------


def zip_of(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members:
            if name.endswith("/"):
                archive.writestr(zipfile.ZipInfo(name), b"")
            else:
                archive.writestr(name, data)
    return buffer.getvalue()


MEMBER_KINDS = ["street", "outcomes", "directory", "nested zip", "binary", "empty street", "traversal",
                "long name", "not street csv"]


@FUZZ
@given(kinds=st.lists(st.sampled_from(MEMBER_KINDS), max_size=6), split=st.integers(min_value=1, max_value=239))
@example(kinds=[], split=1)
@example(kinds=["directory", "outcomes"], split=1)
def test_police_uk_zip_with_odd_members(template, base_rows, work, kinds, split):
    street = [r for r in base_rows[:split]], [r for r in base_rows[split:]]
    members: list[tuple[str, bytes]] = []
    expected_rows, broken = 0, None
    for number, kind in enumerate(kinds):
        part = street[number % 2] or base_rows[:1]
        name = f"2018-10/2018-10-part{number}-street.csv"
        if kind == "street":
            members.append((name, police_csv(part).encode()))
            expected_rows += len(part)
        elif kind == "traversal":  # never extracted, only read: its rows count like any other member's
            members.append((f"../../2018-10-up{number}-street.csv", police_csv(part).encode()))
            expected_rows += len(part)
        elif kind == "long name":
            members.append((f"{'x' * 5000}{number}-street.csv", police_csv(part).encode()))
            expected_rows += len(part)
        elif kind == "outcomes":
            members.append((f"2018-10/2018-10-part{number}-outcomes.csv", b"Crime ID,Month\nabc,2018-10\n"))
        elif kind == "not street csv":
            members.append((f"2018-10/readme{number}.txt", b"\x00\x01binary"))
        elif kind == "directory":
            members.append((f"2018-10/folder{number}-street.csv/", b""))
        else:
            data = {"nested zip": zip_of([(name, police_csv(part).encode())]), "binary": bytes(range(256)) * 40,
                    "empty street": b""}[kind]
            members.append((name, data))
            broken = broken or name
    db = fresh(template)
    outcome = attempt(db, police, write(work / "archive.zip", zip_of(members)))
    if broken:
        assert isinstance(outcome, ImportFileError)
    elif expected_rows == 0:
        assert isinstance(outcome, ImportFileError) and "no *-street.csv" in outcome.message
    else:
        assert isinstance(outcome, ImportSummary), outcome
        assert outcome.rows_read == expected_rows


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=1, max_value=255)), min_size=1,
                      max_size=4),
       stored=st.booleans())
def test_police_uk_damaged_zip_or_gzip_is_refused_or_imported_never_crashes(template, base_rows, work, edits,
                                                                            stored):
    data = police_csv(base_rows[:60]).encode()
    for kind in ("zip", "gz"):
        packed = bytearray(
            zip_of([("2018-10/2018-10-a-street.csv", data)], zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
            if kind == "zip" else gzip.compress(data)
        )
        for position, flip in edits:
            packed[position % len(packed)] ^= flip
        outcome = attempt(fresh(template), police, write(work / f"damaged.{'zip' if kind == 'zip' else 'csv.gz'}",
                                                         bytes(packed)))
        if isinstance(outcome, ImportSummary):
            assert outcome.rows_read <= 60 + 1


def test_zip_archive_edge_cases_are_refused_clearly(template, base_rows, work):
    data = police_csv(base_rows[:20]).encode()
    cases = {
        "empty.zip": (zip_of([]), "no *-street.csv"),
        "encrypted.zip": (_encrypted_zip("2018-10-a-street.csv", data), "cannot be read"),
        "bad-crc.zip": (_bad_crc_zip("2018-10-a-street.csv", data), "cannot be read"),
        "bad-name.zip": (_bad_utf8_name_zip(data), "zip"),
        "unknown-method.zip": (_unknown_method_zip("2018-10-a-street.csv", data), "cannot be read"),
        "cut.zip": (zip_of([("2018-10-a-street.csv", data)])[:100], "zip"),
    }
    for name, (packed, words) in cases.items():
        refused(fresh(template), police, write(work / name, packed), words=words)


def _encrypted_zip(name: str, data: bytes) -> bytes:
    packed = bytearray(zip_of([(name, data)], zipfile.ZIP_STORED))
    for header in (b"PK\x03\x04", b"PK\x01\x02"):  # set the 'encrypted' flag in both headers
        at = packed.find(header)
        flag_at = at + (6 if header == b"PK\x03\x04" else 8)
        packed[flag_at] |= 0x01
    return bytes(packed)


def _bad_crc_zip(name: str, data: bytes) -> bytes:
    packed = bytearray(zip_of([(name, data)], zipfile.ZIP_STORED))
    at = packed.find(data[:40])
    packed[at + 10] ^= 0x01  # a changed byte in the stored data: the CRC no longer matches
    return bytes(packed)


def _bad_utf8_name_zip(data: bytes) -> bytes:
    packed = bytearray(zip_of([("2018-10-\xe9-street.csv", data)], zipfile.ZIP_STORED))
    for header, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = packed.find(header)
        packed[at + flag_offset + 1] |= 0x08  # claims UTF-8 names ...
    return bytes(packed).replace("2018-10-\xe9".encode(), b"2018-10-\xff\xfe")  # ... but the name is not


def _unknown_method_zip(name: str, data: bytes) -> bytes:
    packed = bytearray(zip_of([(name, data)], zipfile.ZIP_STORED))
    for header, method_offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = packed.find(header)
        packed[at + method_offset] = 99  # AES / unknown
    return bytes(packed)


# --- the CSV importers: population, lookup, indicators, targets, actions ----------------------------------------

POPULATION_CSV = """area_code,area_name,year,population,aged_0_17,aged_18_64,aged_65_plus,area_hectares
E22000295,Eastbourne,2019,103745,,,,
E22000296,Hastings,2019,92855,19000,53000,20855,2972
E22000298,Lewes,2019,103268,19500,57000,26768,
E22000300,Rother,2019,95656,,,,51158
E22000301,Wealden,2019,161475,30000,88000,43475,83539.5
E07000061,Eastbourne,2019,"103,745",,,,
"""

LOOKUP_CSV = """district_code,district_name,csp_code,csp_name,county_code,county_name,force_code,force_name
E07000061,Eastbourne,E22000295,Eastbourne,E10000011,East Sussex,E23000033,Sussex
E07000062,Hastings,E22000296,Hastings,E10000011,East Sussex,E23000033,Sussex
E07000063,Lewes,E22000298,Lewes,E10000011,East Sussex,E23000033,Sussex
E07000064,Rother,E22000300,Rother,E10000011,East Sussex,E23000033,Sussex
E07000065,Wealden,E22000301,Wealden,E10000011,East Sussex,E23000033,Sussex
E06000043,Brighton and Hove,E22000292,Brighton and Hove,,,E23000033,Sussex
"""

_INDICATOR_HEADER = ("indicator_key,indicator_name,theme,unit,polarity,source,definition,restricted,area_code,"
                     "area_name,period,value,numerator,denominator")
INDICATORS_CSV = "\n".join([
    _INDICATOR_HEADER,
    "ksi-casualties,People killed or seriously injured on the roads,Road safety,count,lower_is_better,"
    "Road Safety Partnership,\"Casualties, by financial year\",0,E22000295,Eastbourne,2014/15,41,,",
    "ksi-casualties,,,,,,,,E22000296,Hastings,2014/15,38,,",
    "ksi-casualties,,,,,,,,E22000301,Wealden,2014/15,97,,",
    "fte-rate,First-time entrants to youth justice,Youth justice,rate_per_100000,lower_is_better,YOT,,0,"
    "E22000295,Eastbourne,2014/15,410.5,36,8768",
    "fte-rate,,,,,,,,E22000298,,2014-06,380,,",
    "fte-rate,,,,,,,,E22000999,A new CSP,2014/15,1e2,1,1000",
]) + "\n"

TARGETS_CSV = """csp_code,indicator_key,measure,target_type,target_value,baseline_period,target_period,basis,commentary
E22000295,public-place-violence,A 3% reduction in public place violent crime,percent_change,-3,2013/14,2014/15,fytd,
E22000295,home-safety-visits,"Deliver 1,600 home safety visits",absolute,"1,600",,2014/15,year_end,On track.
E22000301,burglary,A combined reduction of 5% in the rolling year,percent_change,-5%,2013/14,2014/15,rolling_12,
E22000296,dwelling-fires,Reduce accidental dwelling fires,direction,-1,2013/14,2014/15,,"Two lines
of commentary"
"""

ACTIONS_CSV = """id,priority,area_code,action,intended_outcome,lead,completion_date,rag,commentary,measure_keys
,Alcohol,,Targeted campaigns to reduce risky drinking,Less harmful drinking,Public Health,March 2015,Green,,
,Road safety,E22000301,Grow Speedwatch,Slower traffic in villages,Wealden CSP,Ongoing,A,14 villages.,ksi-casualties
,Domestic abuse,E22000295,Launch the strategy,"Safe, equal relationships",Safer ES,31/05/2014,Complete,"Launched
in May.",domestic-abuse-incidents
,Road safety,E22000296,Speedwatch,Less speeding,Hastings CSP,2015-03-31,r,,
"""


@dataclass(frozen=True)
class CsvKind:
    """A CSV importer, a valid file for it, and what its format documents."""

    name: str  # the file name (no 'midYYYY' in it, so a population file must carry its year)
    importer: Importer
    text: str
    required: tuple[str, ...]  # dropping one of these refuses the file on line 1, naming it
    free_text: tuple[str, int]  # (column, row) where any text may go
    longest: int | None  # the most characters that column holds (longer is refused), None for no limit
    repeats: str  # a row given twice in one file: 'duplicate' (counted as already held) or 'refused'

    @property
    def rows(self) -> int:
        return len(csv_records(self.text)) - 1


CSV_KINDS = [
    CsvKind("population.csv", import_population, POPULATION_CSV, ("area_code", "year", "population"),
            ("area_name", 2), None, "duplicate"),
    CsvKind("lookup.csv", import_lookup, LOOKUP_CSV, tuple(csv_records(LOOKUP_CSV)[0]), ("district_name", 3), None,
            "duplicate"),
    CsvKind("indicators.csv", import_indicators, INDICATORS_CSV,
            ("indicator_key", "indicator_name", "area_code", "period", "value"), ("area_name", 2), None,
            "duplicate"),
    CsvKind("targets.csv", import_targets, TARGETS_CSV,
            ("csp_code", "indicator_key", "measure", "target_type", "target_value", "target_period"),
            ("commentary", 1), 2000, "duplicate"),
    CsvKind("actions.csv", import_actions, ACTIONS_CSV, ("priority", "action"), ("commentary", 0), 2000,
            "refused"),
]
KIND_IDS = [kind.name.removesuffix(".csv") for kind in CSV_KINDS]
CSV_KIND = st.sampled_from(CSV_KINDS)


def stable(db: sqlite_utils.Database) -> str:
    """The data a file put in the store, less what depends on the clock (the import log, change times)."""
    ignore = ("import_log", "target_history", "action_history", "targets", "actions")
    rows = [store_fingerprint(db, ignore=ignore)]
    rows += db.execute("SELECT csp_code, indicator_key, target_period, measure, target_type, target_value, "
                       "baseline_period, basis, commentary FROM targets ORDER BY 1, 2, 3").fetchall()
    rows += db.execute("SELECT priority, area_code, action, intended_outcome, lead, completion_date, rag, "
                       "commentary, measure_keys FROM actions ORDER BY 1, 2, 3").fetchall()
    return repr(rows)


@pytest.fixture(scope="module")
def csv_baselines(template, work) -> dict[str, tuple[ImportSummary, str]]:
    """Each valid file's clean import into the template: the outcome damaged files are compared with."""
    found = Baselines()
    for kind in CSV_KINDS:
        db = fresh(template)
        summary = imported(db, kind.importer, write(work / kind.name, kind.text))
        assert summary.rows_read == kind.rows and summary.rows_accepted > 0, summary.line()
        found[kind.name] = summary, stable(db)
    return found


def counts(summary: ImportSummary) -> tuple[int, int, int, int]:
    return summary.rows_read, summary.rows_accepted, summary.rows_duplicate, summary.rows_rejected


def csv_text(records: list[list[str]], line_end: str = "\n") -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=line_end).writerows(records)
    return out.getvalue()


@pytest.mark.parametrize("kind", CSV_KINDS, ids=KIND_IDS)
def test_each_valid_file_imports_and_again_adds_nothing(template, work, csv_baselines, kind):
    db = fresh(template)
    path = write(work / kind.name, kind.text)
    first = imported(db, kind.importer, path)
    assert counts(first) == counts(csv_baselines[kind.name][0])
    held = stable(db)
    again = imported(db, kind.importer, path)
    assert (again.rows_accepted, again.rows_duplicate) == (0, again.rows_read - again.rows_rejected)
    assert stable(db) == held
    gzipped = imported(fresh(template), kind.importer, write(work / f"{kind.name}.gz", gzip.compress(kind.text
                                                                                                     .encode())))
    assert counts(gzipped) == counts(first)


@FUZZ
@given(kind=CSV_KIND, cut=st.integers(min_value=0, max_value=1200))
def test_csv_cut_short_is_refused_or_imports_no_more_than_it_holds(template, work, kind, cut):
    data = kind.text.encode()
    assume(cut < len(data))
    text = data[:cut].decode(errors="ignore")
    outcome = attempt(fresh(template), kind.importer, write(work / kind.name, data[:cut]))
    records = csv_records(text)
    # A record cut short (fewer fields than the header) must refuse the file, not import with blanks.
    if records and any(len(r) < len(records[0]) and any(f.strip() for f in r) for r in records[1:]):
        assert isinstance(outcome, ImportFileError), outcome
        assert outcome.row is not None
    if isinstance(outcome, ImportSummary):
        assert outcome.rows_read <= kind.rows


@FUZZ
@given(kind=CSV_KIND, operation=st.sampled_from(["drop", "rename", "double", "reorder"]),
       index=st.integers(min_value=0, max_value=20), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_csv_columns_dropped_renamed_doubled_or_reordered(template, work, csv_baselines, kind, operation, index,
                                                          seed):
    records = csv_records(kind.text)
    header = records[0]
    index %= len(header)
    column = header[index]
    if operation == "drop":
        records = [r[:index] + r[index + 1:] for r in records]
    elif operation == "rename":
        records[0] = [c + "_old" if i == index else c for i, c in enumerate(header)]
    elif operation == "double":
        records = [r + [r[index]] for r in records]
    else:
        order = list(range(len(header)))
        random.Random(seed).shuffle(order)
        records = [[r[i] for i in order] for r in records]
    db = fresh(template)
    outcome = attempt(db, kind.importer, write(work / kind.name, csv_text(records)))
    if operation == "double":
        assert isinstance(outcome, ImportFileError)
        assert (outcome.row, outcome.column) == (1, column) and "twice" in outcome.message
    elif operation == "drop" and column in kind.required:
        assert isinstance(outcome, ImportFileError)
        assert (outcome.row, outcome.column) == (1, column), outcome
    elif operation == "rename" and column in kind.required:
        assert isinstance(outcome, ImportFileError) and outcome.row == 1, outcome
    elif operation == "reorder":
        assert isinstance(outcome, ImportSummary), outcome
        assert counts(outcome) == counts(csv_baselines[kind.name][0])
        assert stable(db) == csv_baselines[kind.name][1]


@FUZZ
@given(kind=CSV_KIND, encoding=st.sampled_from(["utf-16", "utf-16-le", "latin-1", "bom", "nul", "crlf"]))
def test_csv_wrong_encodings(template, work, csv_baselines, kind, encoding):
    records = csv_records(kind.text)
    column, row = kind.free_text
    at = records[0].index(column)
    if encoding == "latin-1":
        records[row + 1][at] = "Caf\xe9 " + records[row + 1][at]
    if encoding == "nul":
        records[row + 1][at] = "a\x00b " + records[row + 1][at]
    text = csv_text(records)
    data = {"latin-1": text.encode("latin-1"), "bom": b"\xef\xbb\xbf" + text.encode(), "nul": text.encode(),
            "crlf": csv_text(records, "\r\n").encode()}.get(encoding) or text.encode(encoding)
    db = fresh(template)
    outcome = attempt(db, kind.importer, write(work / kind.name, data))
    if encoding in ("utf-16", "latin-1"):
        assert isinstance(outcome, ImportFileError) and "UTF-8" in outcome.message, outcome
    elif encoding == "utf-16-le":  # no BOM: ASCII as UTF-16 is valid UTF-8 full of NULs, and nothing fits
        assert isinstance(outcome, ImportFileError), outcome
    elif encoding in ("bom", "crlf"):
        assert isinstance(outcome, ImportSummary), outcome
        assert counts(outcome) == counts(csv_baselines[kind.name][0])
        assert stable(db) == csv_baselines[kind.name][1]


@FEW
@given(kind=CSV_KIND, size=st.integers(min_value=140_000, max_value=1_100_000), lines=st.integers(0, 3))
def test_csv_huge_cell(template, work, csv_baselines, kind, size, lines):
    """A cell of up to 1 MB, over several lines or not (the csv module refused cells over 128 KB)."""
    records = csv_records(kind.text)
    column, row = kind.free_text
    records[row + 1][records[0].index(column)] = "\n".join(["x" * (size // (lines + 1))] * (lines + 1))
    # ... and a bad record after it, so the line numbers past the huge cell are checked too.
    bad = list(records[-1])
    bad[records[0].index(kind.required[-1])] = ""
    db = fresh(template)
    outcome = attempt(db, kind.importer, write(work / kind.name, csv_text(records)))
    if kind.longest is not None:
        assert isinstance(outcome, ImportFileError), outcome
        assert (outcome.row, outcome.column) == (row + 2, column) and f"{kind.longest:,}" in outcome.message
        return
    assert isinstance(outcome, ImportSummary), outcome
    assert outcome.rows_read == kind.rows
    outcome = attempt(fresh(template), kind.importer, write(work / kind.name, csv_text(records + [bad])))
    assert isinstance(outcome, ImportFileError), outcome
    assert outcome.row == kind.text.count("\n") + lines + 1, outcome  # the bad record's line in an editor


@FUZZ
@given(kind=CSV_KIND, copies=st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=4))
def test_csv_repeated_rows(template, work, csv_baselines, kind, copies):
    records = csv_records(kind.text)
    copies = [c % kind.rows for c in copies]
    db = fresh(template)
    outcome = attempt(db, kind.importer, write(work / kind.name, csv_text(records + [records[c + 1] for c in copies])))
    if kind.repeats == "refused":
        assert isinstance(outcome, ImportFileError) and "also on line" in outcome.message, outcome
        assert outcome.row == kind.text.count("\n") + 1  # the first repeat's line
    else:
        assert isinstance(outcome, ImportSummary), outcome
        base = csv_baselines[kind.name][0]
        assert outcome.rows_read == base.rows_read + len(copies)
        assert outcome.rows_accepted <= base.rows_accepted + len(copies)
        assert stable(db) == csv_baselines[kind.name][1]  # the same data: a repeat adds nothing new


@FUZZ
@given(kind=CSV_KIND,
       edits=st.lists(st.tuples(st.sampled_from(["flip", "insert", "delete"]), st.integers(min_value=0),
                                st.binary(min_size=1, max_size=4)), min_size=1, max_size=6),
       gzipped=st.booleans())
def test_csv_random_damage_never_crashes(template, work, kind, edits, gzipped):
    data = bytearray(kind.text.encode())
    if gzipped:
        data = bytearray(gzip.compress(bytes(data)))
    for operation, position, chunk in edits:
        at = position % (len(data) + 1)
        if operation == "flip" and at < len(data):
            data[at] ^= chunk[0] or 1
        elif operation == "insert":
            data[at:at] = chunk
        else:
            del data[at: at + len(chunk)]
    attempt(fresh(template), kind.importer, write(work / (kind.name + (".gz" if gzipped else "")), bytes(data)))


POPULATION_VALUES = st.one_of(
    st.integers(min_value=-10, max_value=10**25).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "103,745", "1,0", "1e5", "1e30", "-0", "12.0", "12.5", " 7 ", "seven", "9223372036854775808",
                     "9007199254740993"]),
)


@FUZZ
@given(column=st.sampled_from(["population", "aged_0_17", "area_hectares"]), value=POPULATION_VALUES)
@example(column="aged_0_17", value="")  # the documented example leaves the age bands blank
@example(column="population", value="1e30")
def test_population_numbers(template, work, column, value):
    text = ("area_code,area_name,year,population,aged_0_17,aged_18_64,aged_65_plus,area_hectares\n"
            + csv_text([["E22000295", "Eastbourne", "2019", "103745", "", "", "", ""]]))
    records = csv_records(text)
    records[1][records[0].index(column)] = value
    db = fresh(template)
    outcome = attempt(db, import_population, write(work / "population.csv", csv_text(records)))
    if isinstance(outcome, ImportFileError):
        assert (outcome.row, outcome.column) == (2, column), outcome
        return
    held = db.execute(f"SELECT {column} FROM population WHERE area_code = 'E22000295' AND year = 2019").fetchone()[0]
    if value.strip() == "":
        assert column != "population" and held is None
    else:
        number = float(value.strip().replace(",", ""))
        assert held == number and number >= 0
        if column != "area_hectares":
            assert isinstance(held, int) and number.is_integer() and number <= 2**53


def test_documented_population_examples_import(template, work):
    """docs/formats.md: blank age bands and a blank year in a wide file mean no figure; both were refused."""
    tidy = "area_code,area_name,year,population,aged_0_17,aged_18_64,aged_65_plus,area_hectares\n" \
           "E22000295,Eastbourne,2019,103745,,,,\n"
    wide = "csp17cd,csp17nm,pop_mid2019,pop_mid2020\nE22000295,Eastbourne,103745,\nE22000296,Hastings,,92855\n"
    db = fresh(template)
    assert imported(db, import_population, write(work / "tidy.csv", tidy)).rows_accepted == 1
    assert counts(imported(db, import_population, write(work / "wide.csv", wide))) == (2, 1, 1, 0)
    assert db.execute("SELECT area_code, year, population FROM population WHERE year >= 2019 ORDER BY 1, 2"
                      ).fetchall() == [("E22000295", 2019, 103745), ("E22000296", 2020, 92855)]


@pytest.mark.parametrize("raw", ["1e300", "99999999999999999999", "9223372036854775807"])
def test_an_action_id_beyond_any_held_one_adds_the_action(template, work, raw):
    path = write(work / "actions.csv", f"id,priority,action\n{raw},Road safety,Speed checks on the A22\n")
    db = fresh(template)
    summary = imported(db, import_actions, path)
    assert summary.rows_accepted == 1
    assert db.execute("SELECT COUNT(*) FROM actions WHERE action = 'Speed checks on the A22'").fetchone()[0] == 1


def test_a_targets_file_without_target_value_is_refused_on_line_1(template, work):
    records = [r[:4] + r[5:] for r in csv_records(TARGETS_CSV)]
    refused(fresh(template), import_targets, write(work / "targets.csv", csv_text(records)), row=1,
            column="target_value", words="missing")


@pytest.mark.parametrize("importer", [c.importer for c in CSV_KINDS] + [police, import_boundaries],
                         ids=KIND_IDS + ["police-uk", "boundaries"])
def test_a_file_name_that_is_not_utf8_is_logged_readably(template, work, importer):
    """On Linux a Latin-1 file name reaches Python with lone surrogates, which the store cannot hold."""
    kind = next((k for k in CSV_KINDS if k.importer is importer), None)
    data = kind.text if kind else (police_csv([dict(zip(COLUMNS, FIRST_POLICE_ROW, strict=True))])
                                   if importer is police else GEOJSON)
    path = Path(os.fsdecode(bytes(work) + b"/caf\xe9-street.csv"))  # a str holding the surrogate \udce9
    write(path, data)
    db = fresh(template)
    summary = imported(db, importer, path)
    assert summary.file_name == "caf\ufffd-street.csv"
    assert db.execute("SELECT file_name FROM import_log ORDER BY id DESC LIMIT 1").fetchone()[0] == summary.file_name


FIRST_POLICE_ROW = ("b8d4eb2436d53945fdf32d37ee70fa9612387cce43fa7e4a0c3c1f26ecd8db94", "2018-10", "Sussex Police",
                    "Sussex Police", "0.290000", "50.770000", "On or near Somewhere", "E01020990",
                    "Eastbourne 001A", "Other theft", "Unable to prosecute suspect", "")


# --- boundaries (GeoJSON) ---------------------------------------------------------------------------------------


def square(code: str, name: str, kind: str, lon: float, lat: float, size: float = 0.05) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Feature", "properties": {"code": code, "name": name, "kind": kind},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def geojson(features: list[dict]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


FEATURES = [
    square("E22000295", "Eastbourne", "csp", 0.22, 50.75),
    square("E22000298", "Lewes", "csp", 0.0, 50.85, 0.1),
    square("E22000300", "Rother", "csp", 0.45, 50.9),
    square("E22000999", "A new CSP", "csp", 1.0, 51.0),
]
GEOJSON = geojson(FEATURES)


def test_boundaries_valid_file_imports_and_again_adds_nothing(template, work):
    db = fresh(template)
    path = write(work / "csps.geojson", GEOJSON)
    assert counts(imported(db, import_boundaries, path)) == (4, 4, 0, 0)
    held = stable(db)
    assert counts(imported(db, import_boundaries, path)) == (4, 0, 4, 0)
    assert stable(db) == held


POSITION_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-10**400, max_value=10**400),
    st.sampled_from([True, None, "0.1", [], [0.1], {"lon": 0.1}]),
)


@FUZZ
@given(feature=st.integers(min_value=0, max_value=len(FEATURES) - 1), point=st.integers(min_value=0, max_value=4),
       axis=st.integers(min_value=0, max_value=1), value=POSITION_VALUES)
@example(feature=0, point=1, axis=0, value=10**400)
@example(feature=1, point=2, axis=1, value=float("nan"))
def test_boundaries_bad_coordinates_are_refused_naming_the_feature(template, work, feature, point, axis, value):
    features = json.loads(GEOJSON)["features"]
    ring = features[feature]["geometry"]["coordinates"][0]
    ring[point][axis] = value
    db = fresh(template)
    outcome = attempt(db, import_boundaries, write(work / "csps.geojson", json.dumps({
        "type": "FeatureCollection", "features": features})))
    usable = all(_is_coordinate(v, limit) for position in ring for v, limit in zip(position, (180, 90), strict=True))
    closed = usable and [round(v, 5) for v in ring[0]] == [round(v, 5) for v in ring[4]]
    if closed:
        assert isinstance(outcome, ImportSummary), outcome
    else:
        assert isinstance(outcome, ImportFileError), outcome
        assert (outcome.row, outcome.column) == (feature + 1, "geometry"), outcome


def _is_coordinate(value: object, limit: float) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value)) and abs(float(value)) <= limit
    except OverflowError:
        return False


PROPERTY_VALUES = st.one_of(
    st.none(), st.just(""), st.just("   "), st.text(max_size=20), st.integers(), st.lists(st.integers(), max_size=2),
    st.sampled_from(["\ud800", "E22\u0000000295", "x" * 1_000_000, "E22000295"]),
)


@FUZZ
@given(feature=st.integers(min_value=0, max_value=len(FEATURES) - 1),
       name=st.sampled_from(["code", "name", "kind", "parent_code"]), value=PROPERTY_VALUES, drop=st.booleans())
@example(feature=2, name="name", value="\ud800", drop=False)
def test_boundaries_bad_properties_are_refused_naming_the_feature(template, work, feature, name, value, drop):
    features = json.loads(GEOJSON)["features"]
    properties = features[feature]["properties"]
    if drop:
        properties.pop(name, None)
    else:
        properties[name] = value
    db = fresh(template)
    outcome = attempt(db, import_boundaries, write(work / "csps.geojson", json.dumps({
        "type": "FeatureCollection", "features": features})))
    if isinstance(outcome, ImportFileError):
        assert 1 <= outcome.row <= len(FEATURES), outcome
    given_text = "" if drop or value is None else " ".join(str(value).split())
    if name in ("code", "name", "kind") and not given_text:
        assert isinstance(outcome, ImportFileError), outcome
    if isinstance(value, str) and "\ud800" in value and not drop:
        assert isinstance(outcome, ImportFileError) and outcome.column == name, outcome


@FUZZ
@given(damage=st.sampled_from(["cut", "latin-1", "bom", "utf-16", "nul", "deep", "deep crs", "twice", "gzip cut",
                               "empty", "not a collection", "British grid"]),
       cut=st.integers(min_value=0, max_value=2000))
def test_boundaries_damaged_files(template, work, damage, cut):
    text = GEOJSON
    data = {
        "cut": text.encode()[: cut % len(text)],
        "latin-1": text.replace("Lewes", "Lew\xe9s").encode("latin-1"),
        "bom": b"\xef\xbb\xbf" + text.encode(),
        "utf-16": text.encode("utf-16"),
        "nul": text.replace("Lewes", "Lew\x00es").encode(),
        "deep": text.replace('"coordinates": [[[0.22', '"coordinates": ' + "[" * 100_000 + "]" * 100_000
                             + ', "x": [[[0.22').encode(),
        "deep crs": text.replace('{"type": "FeatureCollection"', '{"crs": ' + "[" * 50_000 + "]" * 50_000
                                 + ', "type": "FeatureCollection"').encode(),
        "twice": geojson(FEATURES + FEATURES[1:2]).encode(),
        "gzip cut": gzip.compress(text.encode())[: cut % 200],
        "empty": b"",
        "not a collection": b'{"type": "Topology"}',
        "British grid": text.replace('{"type": "FeatureCollection"', '{"crs": {"properties": {"name": '
                                     '"urn:ogc:def:crs:EPSG::27700"}}, "type": "FeatureCollection"').encode(),
    }[damage]
    outcome = attempt(fresh(template), import_boundaries, write(work / "csps.geojson", data))
    if damage in ("bom", "utf-16"):  # json reads any UTF, with or without its byte-order mark
        assert isinstance(outcome, ImportSummary) and outcome.rows_accepted == 4, outcome
    else:
        assert isinstance(outcome, ImportFileError), outcome
    if damage == "twice":
        assert outcome.row == 5 and "already outlined by feature 2" in outcome.message


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(min_value=0), st.binary(min_size=1, max_size=3)), min_size=1,
                      max_size=5), gzipped=st.booleans())
def test_boundaries_random_damage_never_crashes(template, work, edits, gzipped):
    data = bytearray(gzip.compress(GEOJSON.encode()) if gzipped else GEOJSON.encode())
    for position, chunk in edits:
        at = position % len(data)
        data[at: at + len(chunk)] = chunk
    attempt(fresh(template), import_boundaries, write(work / ("csps.geojson" + (".gz" if gzipped else "")),
                                                      bytes(data)))


# --- uploads from the Data page ---------------------------------------------------------------------------------

COMPRESSED = (".gz", ".zip", ".bz2", ".xz", ".zst", ".tar", ".tgz")
UPLOAD_KINDS = {POLICE_UK: None, INDICATORS: INDICATORS_CSV, TARGETS: TARGETS_CSV, ACTIONS: ACTIONS_CSV}


@FUZZ
@given(kind=st.sampled_from(list(UPLOAD_KINDS)), name=st.text(max_size=300), garbage=st.booleans(),
       data=st.binary(max_size=200))
@example(kind=INDICATORS, name="a\x00b.csv", garbage=False, data=b"")
@example(kind=INDICATORS, name="\xe9" * 200 + ".csv", garbage=False, data=b"")
@example(kind=TARGETS, name="../../etc/passwd", garbage=False, data=b"")
@example(kind=ACTIONS, name="caf\udce9.csv", garbage=False, data=b"")
def test_uploads_are_imported_or_reported_never_raised(template, base_rows, kind, name, garbage, data):
    content = data if garbage else (UPLOAD_KINDS[kind] or police_csv(base_rows[:20])).encode()
    safe = safe_file_name(name)
    # A name ending .gz or .zip says the content is compressed: a plain file under it is rightly refused.
    assume(garbage or not safe.lower().endswith(COMPRESSED))
    db = fresh(template)
    before = store_fingerprint(db)
    outcomes = import_uploads(db, kind, [(name, content)])
    assert len(outcomes) == 1
    outcome = outcomes[0]
    assert outcome.file_name == safe and "/" not in safe and "\x00" not in safe
    assert 0 < len(safe.encode("utf-8")) <= 200
    if outcome.imported:
        assert db.execute("SELECT file_name FROM import_log ORDER BY id DESC LIMIT 1").fetchone()[0] == safe
    else:
        assert outcome.message.startswith(f"file {safe}") and store_fingerprint(db) == before
    if not garbage:
        assert outcome.imported, outcome.message
