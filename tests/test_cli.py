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


def test_a_month_that_does_not_exist_is_an_error_not_an_empty_answer(sussex_store_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--db", str(sussex_store_path), "counts", "--area", "Hastings", "--category", "Drugs",
              "--from", "2019-13"])
    assert exited.value.code == 2
    assert "'2019-13' is not a month written YYYY-MM" in capsys.readouterr().err


def test_a_misspelt_area_gets_the_nearest_name_and_the_areas_command(sussex_store_path, capsys):
    assert main(["--db", str(sussex_store_path), "counts", "--area", "Eastborne", "--category", "Drugs"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: no area called 'Eastborne'; did you mean Eastbourne? (the `areas` command lists them)")


def test_an_ons_name_is_found_by_the_short_name_people_use(tmp_path, capsys):
    db = tmp_path / "csp.db"
    assert main(["--db", str(db), "import", "lookup", str(real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"))]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "areas", "--kind", "csp"]) == 0
    assert "E22000326,\"Herefordshire, County of\"" in capsys.readouterr().out
    # No incidents are held, so no category: the area itself was found.
    assert main(["--db", str(db), "counts", "--area", "Herefordshire", "--category", "Drugs"]) == 2
    assert "no category 'Drugs'" in capsys.readouterr().err


def test_a_folder_given_as_a_file_is_one_clear_line(tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    result = run_cli("import", "police-uk", str(folder), db=tmp_path / "csp.db")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: file downloads: a folder, not a file: name the files in it (such as folder/*.csv)"]


def test_output_cut_short_by_a_pager_or_head_is_not_an_error(sussex_store_path):
    # `areas --kind lsoa | head -1`: head closes the pipe after a line; the command stops quietly.
    shell = (f"{sys.executable} -m lib.cli --db {sussex_store_path} areas --kind lsoa | head -1; "
             "echo \"status ${PIPESTATUS[0]}\"")
    result = subprocess.run(["bash", "-c", shell], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.stdout.splitlines() == ["code,name,kind,parent_code,provisional", "status 0"]
    assert result.stderr == ""


def test_imports_are_listed_and_one_removed_from_the_command_line(tmp_path):
    db = tmp_path / "csp.db"
    assert run_cli("import", "police-uk", str(SUSSEX_FILE), db=db).returncode == 0
    listed = run_cli("imports", db=db)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[1].startswith(f"1,police-uk,{SUSSEX_FILE.name},57491,")
    removed = run_cli("remove-import", SUSSEX_FILE.name, db=db)
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.startswith(f"removed {SUSSEX_FILE.name} (import 1): 57,")
    assert run_cli("imports", db=db).stdout.strip().count("\n") == 0  # the header alone
    unknown = run_cli("remove-import", "nope.csv", db=db)
    assert (unknown.returncode, unknown.stderr.strip()) == (
        2, "error: no import of a file called 'nope.csv' (the `imports` command lists them)")


@pytest.mark.parametrize("kind", ["police-uk", "lookup", "population", "indicators", "targets", "actions"])
def test_a_quoted_field_never_closed_is_one_clear_line(tmp_path, kind):
    # The quote swallows the rest of the file into one huge field.
    row = ",2019-01,X,X,0.28,50.77,On or near X,E01020988,Eastbourne 001A,Drugs,,\n"
    broken = tmp_path / "unclosed.csv"
    header = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
              "Last outcome category,Context\n")
    broken.write_text(header + row + row.replace("On or", '"On or') + row * 20_000)
    result = run_cli("import", kind, str(broken), db=tmp_path / "csp.db")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: file unclosed.csv, row 3")
