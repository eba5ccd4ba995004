"""Partner indicator import: the shipped example round-trips, bad values are refused with row and column."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.importers.base import ImportFileError
from lib.importers.indicators import ALL_COLUMNS, import_indicators, period_kind
from lib.importers.lookups import import_lookup
from lib.store.db import memory_store
from tests.conftest import real_file, store_fingerprint

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "example_indicators.csv"


def content(db) -> dict[str, list]:
    return {
        table: sorted(map(repr, db.execute(f"SELECT * FROM [{table}]").fetchall()))
        for table in db.table_names()
        if table != "import_log"
    }


def write_rows(path: Path, rows: list[dict[str, str]], columns=ALL_COLUMNS) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


def example_rows() -> list[dict[str, str]]:
    with open(EXAMPLE, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_example_file_round_trips(db):
    summary = import_indicators(db, EXAMPLE)
    raw = pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False)
    assert summary.rows_read == summary.rows_accepted == len(raw) > 0
    assert "synthetic" in " ".join(raw["source"]).lower()
    held = pd.read_sql_query(
        "SELECT o.indicator_key, o.area_code, o.period, o.value AS held_value, "
        "o.numerator AS held_numerator, o.denominator AS held_denominator, "
        "i.name AS held_indicator_name, i.theme AS held_theme, "
        "i.unit AS held_unit, i.polarity AS held_polarity, i.source AS held_source, "
        "i.definition AS held_definition, i.restricted AS held_restricted, a.name AS held_area_name "
        "FROM observations o JOIN indicators i ON i.key = o.indicator_key "
        "JOIN areas a ON a.code = o.area_code",
        db.conn,
    )
    merged = raw.merge(held, on=["indicator_key", "area_code", "period"], validate="one_to_one")
    assert len(merged) == len(raw)
    for column in ("value", "numerator", "denominator"):
        given_ = merged[column] != ""
        assert (merged.loc[given_, column].astype(float) == merged.loc[given_, f"held_{column}"]).all()
        assert merged.loc[~given_, f"held_{column}"].isna().all()
    for column in ("indicator_name", "theme", "unit", "polarity", "source", "definition", "area_name"):
        assert (merged[column] == merged[f"held_{column}"]).all(), column
    assert (merged["restricted"].astype(int) == merged["held_restricted"]).all()
    # The demo county's codes: five CSPs and the county, their kinds told by the code.
    kinds = dict(db.execute("SELECT code, kind FROM areas").fetchall())
    assert kinds == {**{f"X2200000{n}": "csp" for n in range(1, 6)}, "X10000001": "county"}
    polarity = dict(db.execute("SELECT key, polarity FROM indicators").fetchall())
    assert polarity["domestic-abuse-incidents"] == "higher_is_better"
    assert polarity["ksi-casualties"] == "lower_is_better"


def test_reimport_adds_nothing(db):
    import_indicators(db, EXAMPLE)
    before = content(db)
    again = import_indicators(db, EXAMPLE)
    assert (again.rows_accepted, again.rows_duplicate) == (0, again.rows_read)
    assert content(db) == before


def test_values_attach_to_real_areas_from_a_lookup(db, tmp_path):
    import_lookup(db, real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"))
    areas_before = content(db)["areas"]
    path = write_rows(
        tmp_path / "eastbourne.csv",
        [
            {
                "indicator_key": "ksi-casualties",
                "indicator_name": "KSI casualties",
                "polarity": "lower_is_better",
                "area_code": "E22000295",
                "period": "2014/15",
                "value": "41",
            },
            {
                "indicator_key": "ksi-casualties",
                "area_code": "E22000295",
                "area_name": "Not Eastbourne",
                "period": "2015/16",
                "value": "37",
            },
        ],
    )
    import_indicators(db, path)
    assert content(db)["areas"] == areas_before  # held areas are neither renamed nor duplicated
    assert db.execute("SELECT unit, restricted FROM indicators").fetchone() == ("count", 0)  # defaults
    assert db.execute("SELECT period, value FROM observations ORDER BY period").fetchall() == [
        ("2014/15", 41.0),
        ("2015/16", 37.0),
    ]


def test_a_later_file_updates_values_and_keeps_unstated_catalogue_fields(db, tmp_path):
    import_indicators(db, EXAMPLE)
    path = write_rows(
        tmp_path / "update.csv",
        [
            {
                "indicator_key": "dwelling-fires",
                "indicator_name": "Accidental dwelling fires",
                "area_code": "X22000005",
                "period": "2024-06",
                "value": "5",
            },
        ],
    )
    summary = import_indicators(db, path)
    assert summary.rows_accepted == 1
    assert db.execute(
        "SELECT value FROM observations WHERE indicator_key = 'dwelling-fires' AND period = '2024-06'"
    ).fetchone() == (5.0,)
    assert db.execute("SELECT polarity, theme FROM indicators WHERE key = 'dwelling-fires'").fetchone() == (
        "lower_is_better",
        "Fire safety",
    )


BAD_VALUES = [
    ("value", "twelve"),
    ("value", ""),
    ("value", "inf"),
    ("period", "2014/16"),
    ("period", "2014-13"),
    ("period", "14/15"),
    ("period", "2014"),
    ("polarity", "up"),
    ("restricted", "yes"),
    ("numerator", "n/a"),
    ("denominator", "0"),
    ("indicator_key", "Domestic Abuse"),
    ("area_code", ""),
]


@pytest.mark.parametrize(("column", "value"), BAD_VALUES, ids=[f"{c}={v!r}" for c, v in BAD_VALUES])
def test_bad_value_is_refused_with_row_and_column(db, tmp_path, column, value):
    import_indicators(db, EXAMPLE)  # something to keep
    rows = example_rows()
    rows[6][column] = value  # line 8 of the file: the header is line 1
    path = write_rows(tmp_path / "partner.csv", rows)
    before = store_fingerprint(db)
    with pytest.raises(ImportFileError) as caught:
        import_indicators(db, path)
    assert (caught.value.file, caught.value.row, caught.value.column) == ("partner.csv", 8, column)
    assert store_fingerprint(db) == before


@pytest.mark.parametrize("column", ["indicator_key", "indicator_name", "area_code", "period", "value"])
def test_missing_required_column_is_refused(db, tmp_path, column):
    columns = [c for c in ALL_COLUMNS if c != column]
    path = write_rows(tmp_path / "partner.csv", example_rows(), columns)
    with pytest.raises(ImportFileError) as caught:
        import_indicators(db, path)
    assert (caught.value.row, caught.value.column) == (1, column)
    assert db.execute("SELECT COUNT(*) FROM indicators").fetchone()[0] == 0


def test_misspelt_column_is_refused(db, tmp_path):
    path = tmp_path / "partner.csv"
    path.write_text(EXAMPLE.read_text().replace(",polarity,", ",polarty,", 1))
    with pytest.raises(ImportFileError) as caught:
        import_indicators(db, path)
    assert (caught.value.row, caught.value.column) == (1, "polarty")


def test_line_with_an_extra_field_is_refused(db, tmp_path):
    lines = EXAMPLE.read_text().splitlines()
    lines[4] = lines[4].replace(",Lowmere,", ",Low,mere,")  # line 5: an unquoted comma
    path = tmp_path / "partner.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ImportFileError, match="fields but the header has 14") as caught:
        import_indicators(db, path)
    assert caught.value.row == 5
    assert db.execute("SELECT COUNT(*) FROM observations").fetchone()[0] == 0


def test_catalogue_must_agree_across_rows(db, tmp_path):
    rows = example_rows()
    rows[3]["polarity"] = "lower_is_better"  # domestic abuse is higher_is_better on the other rows
    path = write_rows(tmp_path / "partner.csv", rows)
    with pytest.raises(ImportFileError) as caught:
        import_indicators(db, path)
    assert (caught.value.row, caught.value.column) == (5, "polarity")


def test_unknown_area_is_refused_unless_it_can_be_placed(db, tmp_path):
    base = {
        "indicator_key": "dwelling-fires",
        "indicator_name": "Dwelling fires",
        "period": "2024-04",
        "value": "1",
    }
    no_name = write_rows(tmp_path / "a.csv", [{**base, "area_code": "E22000295"}])
    with pytest.raises(ImportFileError) as caught:
        import_indicators(db, no_name)
    assert (caught.value.row, caught.value.column) == (2, "area_name")
    local = write_rows(tmp_path / "b.csv", [{**base, "area_code": "EASTBOURNE", "area_name": "Eastbourne"}])
    with pytest.raises(ImportFileError) as caught:
        import_indicators(db, local)
    assert (caught.value.row, caught.value.column) == (2, "area_code")
    assert db.execute("SELECT COUNT(*) FROM areas").fetchone()[0] == 0


def test_conflicting_repeat_is_refused(db, tmp_path):
    rows = example_rows()
    rows.append({**rows[0], "value": "1"})
    path = write_rows(tmp_path / "partner.csv", rows)
    with pytest.raises(ImportFileError) as caught:
        import_indicators(db, path)
    assert (caught.value.row, caught.value.column) == (len(rows) + 1, "value")


@given(start=st.integers(min_value=1900, max_value=2199))
def test_financial_year_ends_the_year_after_it_starts(start):
    assert period_kind(f"{start}/{(start + 1) % 100:02d}") == "financial_year"


@given(start=st.integers(min_value=1000, max_value=9999), end=st.integers(min_value=0, max_value=99))
def test_any_other_financial_year_ending_is_refused(start, end):
    text = f"{start}/{end:02d}"
    if end == (start + 1) % 100:
        assert period_kind(text) == "financial_year"
    else:
        with pytest.raises(ValueError, match="not a financial year"):
            period_kind(text)


@given(year=st.integers(min_value=1000, max_value=9999), month=st.integers(min_value=0, max_value=99))
def test_months_are_01_to_12(year, month):
    text = f"{year}-{month:02d}"
    if 1 <= month <= 12:
        assert period_kind(text) == "month"
    else:
        with pytest.raises(ValueError):
            period_kind(text)


@given(text=st.text(max_size=12))
def test_period_kind_never_accepts_malformed_text(text):
    try:
        kind = period_kind(text)
    except ValueError:
        return
    if kind == "month":
        assert len(text) == 7 and text[4] == "-" and 1 <= int(text[5:]) <= 12
    else:
        assert len(text) == 7 and text[4] == "/" and int(text[5:]) == (int(text[:4]) + 1) % 100


@settings(max_examples=30, deadline=None)
@given(
    values=st.lists(
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
        min_size=1,
        max_size=8,
    )
)
def test_values_round_trip_exactly(values):
    import tempfile

    db = memory_store()
    rows = [
        {
            "indicator_key": "x",
            "indicator_name": "X",
            "area_code": "X22000001",
            "area_name": "Brackenford",
            "period": f"2024-{n + 1:02d}",
            "value": repr(v),
        }
        for n, v in enumerate(values)
    ]
    with tempfile.TemporaryDirectory() as folder:
        import_indicators(db, write_rows(Path(folder) / "x.csv", rows))
    held = [v for (v,) in db.execute("SELECT value FROM observations ORDER BY period").fetchall()]
    assert held == values
