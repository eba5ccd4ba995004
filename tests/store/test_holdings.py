"""The Data page's tables (coverage, import log, rejected rows, indicators) and its uploads."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from lib.importers.indicators import import_indicators
from lib.store.db import open_store
from lib.store.holdings import (
    counts_by_month_and_csp,
    coverage_by_csp,
    coverage_over_the_border,
    import_log,
    indicator_catalogue,
    rejected_reasons,
    rejected_rows,
)
from lib.uploads import INDICATORS, POLICE_UK, import_uploads, safe_file_name
from tests.app_support import demo_store_file
from tests.conftest import SUSSEX_FILE, real_file


@pytest.fixture
def sussex(sussex_store_path):
    db = open_store(sussex_store_path)
    yield db
    db.close()


def test_coverage_by_csp_matches_a_recount(sussex):
    raw = pd.read_csv(SUSSEX_FILE, dtype=str, keep_default_na=False)
    eastbourne = raw[raw["LSOA name"].str.startswith("Eastbourne ") & (raw["Longitude"] != "")]
    row = coverage_by_csp(sussex).set_index("CSP").loc["Eastbourne"]
    assert ("East Sussex", "Oct 2018", "Feb 2019", 5, len(eastbourne)) == (
        row["Within"], row["First month"], row["Last month"], row["Months with incidents"], row["Incidents"]
    )


def test_coverage_splits_the_force_from_strays_over_the_border(sussex):
    raw = pd.read_csv(SUSSEX_FILE, dtype=str, keep_default_na=False)
    lookup = pd.read_csv(real_file("lookups/lsoa11_lad_csp17_pfa17_lookup_ew.csv.gz"), dtype=str)
    force_of = dict(zip(lookup["csp17nm"], lookup["pfa17nm"], strict=False))
    offered, strays = coverage_by_csp(sussex), coverage_over_the_border(sussex)
    assert {"Sussex"} == {force_of[name] for name in offered["CSP"]}
    assert 13 == len(offered)
    assert "Sussex" not in {force_of[name] for name in strays["CSP"]}
    placed = raw[(raw["Longitude"] != "") & (raw["LSOA code"] != "")]
    assert len(placed) == offered["Incidents"].sum() + strays["Incidents"].sum()


def test_counts_by_month_and_csp_add_up_to_the_coverage(sussex):
    grid = counts_by_month_and_csp(sussex)
    assert ["Oct 2018", "Nov 2018", "Dec 2018", "Jan 2019", "Feb 2019"] == list(grid["Month"])
    coverage = pd.concat([coverage_by_csp(sussex), coverage_over_the_border(sussex)])
    assert coverage.set_index("CSP")["Incidents"].to_dict() == grid.drop(columns="Month").sum().to_dict()


def test_import_log_is_newest_first(sussex):
    log = import_log(sussex)
    assert "sussex-street_2018-10_2019-02.csv.gz" == log.iloc[0]["File"]
    assert list(log["Import"]) == sorted(log["Import"], reverse=True)


def test_rejected_rows_and_reasons(sussex):
    reasons = rejected_reasons(sussex)
    rows = rejected_rows(sussex)
    held = sussex.execute("SELECT COUNT(*) FROM rejected_rows").fetchone()[0]
    assert held == reasons["Rows"].sum() == len(rows)  # the Data page's two tables cover every rejected row
    assert 3 == reasons.set_index("Reason").loc["no LSOA", "Rows"]  # the 3 Sussex rows without an LSOA
    assert 2 == len(rejected_rows(sussex, limit=2))


def test_indicator_catalogue_on_the_demo():
    db = open_store(demo_store_file())
    try:
        catalogue = indicator_catalogue(db)
    finally:
        db.close()
    assert len(catalogue) >= 1
    assert set(catalogue["Restricted"]) <= {"Yes", "No"}
    assert set(catalogue["Direction"]) <= {"Higher is better", "Lower is better", "No direction is better"}
    assert catalogue["Definition"].str.len().gt(0).all() and catalogue["Source"].str.len().gt(0).all()


# The required columns only: source, definition and the other catalogue columns are optional (docs/formats.md).
WITHOUT_OPTIONAL_COLUMNS = (
    "indicator_key,indicator_name,area_code,area_name,period,value\n"
    "repeat-victims,Repeat victims of domestic abuse,E22000295,Eastbourne,2018-10,12\n"
)


def test_indicators_without_optional_columns_read_as_blank_not_nan(db, tmp_path):
    path = tmp_path / "indicators.csv"
    path.write_text(WITHOUT_OPTIONAL_COLUMNS)
    import_indicators(db, path)
    row = indicator_catalogue(db).iloc[0]
    assert ("Repeat victims of domestic abuse", "", "", "") == (
        row["Indicator"], row["Theme"], row["Definition"], row["Source"])
    # Not only blank-looking: every text field is a string, so the page's "or 'not given'" fallbacks apply.
    texts = row.drop(["Values"])
    assert all(isinstance(value, str) for value in texts), texts.to_dict()


def test_an_upload_goes_through_the_same_importer(db_file):
    db, _ = db_file
    outcomes = import_uploads(db, POLICE_UK, [("sussex.csv.gz", SUSSEX_FILE.read_bytes())])
    assert [("sussex.csv.gz", True)] == [(o.file_name, o.imported) for o in outcomes]
    assert outcomes[0].message.startswith("police-uk sussex.csv.gz: 57,491 rows read, 57,488 added")
    assert ["sussex.csv.gz"] == [r[0] for r in db.execute("SELECT file_name FROM import_log")]


def test_a_refused_upload_is_reported_and_the_rest_still_import(db_file):
    db, _ = db_file
    header = gzip.decompress(SUSSEX_FILE.read_bytes()).split(b"\n", 3)
    good = b"\n".join(header[:3]) + b"\n"
    outcomes = import_uploads(db, POLICE_UK, [("notes.csv", b"just,some\ntext\n"), ("two-rows.csv", good)])
    assert [False, True] == [o.imported for o in outcomes]
    assert "notes.csv" in outcomes[0].message and "column" in outcomes[0].message
    assert 1 == db.execute("SELECT COUNT(*) FROM import_log").fetchone()[0]


def test_a_refused_indicator_file_names_the_problem(db_file):
    db, _ = db_file
    outcomes = import_uploads(db, INDICATORS, [("indicators.csv", b"indicator_key,value\nx,1\n")])
    assert [False] == [o.imported for o in outcomes]
    assert outcomes[0].message.startswith("file indicators.csv")


@pytest.mark.parametrize(
    ("name", "safe"),
    [("2024-01-sussex-street.csv", "2024-01-sussex-street.csv"), ("../../etc/passwd", "passwd"),
     ("C:\\Users\\me\\data.zip", "data.zip"), ("..", "upload"), ("", "upload")],
)
def test_uploaded_names_cannot_leave_the_temporary_folder(name, safe):
    assert safe == safe_file_name(name)
