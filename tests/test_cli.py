"""The command line: the issue's contract (import then counts), errors, and that README documents it."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from lib.cli import IMPORT_KINDS, build_parser, main
from tests.conftest import REPO, SUSSEX_FILE, raw_police_rows, real_file


def run_cli(*args: str, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lib.cli", "--db", str(db), *args],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )


def test_import_then_counts_prints_the_true_monthly_counts(tmp_path):
    db = tmp_path / "csp.db"
    imported = run_cli("import", "police-uk", str(real_file("police_uk/sussex-street_2018-10_2019-02.csv.gz")),
                       db=db)
    assert imported.returncode == 0, imported.stderr
    assert "57,491 rows read" in imported.stdout
    printed = run_cli("counts", "--area", "Eastbourne", "--category", "Anti-social behaviour", db=db)
    assert printed.returncode == 0, printed.stderr
    expected = Counter(
        r["Month"] for r in raw_police_rows(SUSSEX_FILE)
        if r["LSOA name"].startswith("Eastbourne ") and r["Crime type"] == "Anti-social behaviour"
    )
    lines = printed.stdout.strip().splitlines()
    assert lines[0] == "month,count"
    assert lines[1:] == [f"{month},{expected[month]}" for month in sorted(expected)]


def test_counts_with_a_month_range_and_two_categories(sussex_store_path, capsys):
    assert main(["--db", str(sussex_store_path), "counts", "--area", "E22000296", "--category", "public order",
                 "--category", "Violence and sexual offences", "--from", "2018-11", "--to", "2018-12"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    expected = Counter(
        r["Month"] for r in raw_police_rows(SUSSEX_FILE)
        if r["LSOA name"].startswith("Hastings ")
        and r["Crime type"] in {"Public order", "Violence and sexual offences"}
    )
    assert lines == ["month,count", f"2018-11,{expected['2018-11']}", f"2018-12,{expected['2018-12']}"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["counts", "--area", "Atlantis", "--category", "Drugs"], "no area called 'Atlantis'"),
        (["counts", "--area", "Hastings", "--category", "Littering"], "no category 'Littering'"),
        (["counts", "--area", "x' OR 1=1 --", "--category", "Drugs"], "no area called"),
    ],
)
def test_bad_arguments_get_a_clear_error(sussex_store_path, capsys, args, message):
    assert main(["--db", str(sussex_store_path), *args]) == 2
    assert message in capsys.readouterr().err


def test_a_bad_file_exits_non_zero_naming_row_and_column(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
        "Last outcome category,Context\n,2019-01,X,X,abc,50.8,On or near A,E01000001,Eastbourne 001A,Drugs,,\n"
    )
    result = run_cli("import", "police-uk", str(bad), db=tmp_path / "csp.db")
    assert result.returncode == 2
    assert "bad.csv, row 2, column 'Longitude'" in result.stderr


def test_every_command_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text()
    commands = build_parser()._subparsers._group_actions[0].choices
    for command in commands:
        assert f"python -m lib.cli {command}" in readme or f"lib.cli {command}" in readme, command
    for kind in IMPORT_KINDS:
        assert f"import {kind}" in readme, kind
