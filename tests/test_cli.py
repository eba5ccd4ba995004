"""The command line: the issue's contract (import then counts), errors, and that README documents it."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from lib.cli import IMPORT_KINDS, build_parser, main
from tests.conftest import FETCH_MONTHS, REPO, SUSSEX_FILE, raw_police_rows, real_file


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


# `fetch police-uk`: data.police.uk is played by a server on localhost, its archive built in the test from the real
# Sussex file (tests/police_uk_archive.py); nothing reaches the internet.
ARCHIVE = "/data/archive/2019-02.zip"


def _month_tables(db) -> dict[str, list[tuple]]:
    """What a store holds of police.uk, per month: incidents, counts by CSP and category, and rows rejected."""
    return {
        "incidents": db.execute("SELECT month, COUNT(*) FROM incidents GROUP BY 1 ORDER BY 1").fetchall(),
        "counts": db.execute("SELECT month, csp_code, category, SUM(count) FROM monthly_counts "
                             "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3").fetchall(),
        "rejected": db.execute("SELECT month, reason, COUNT(*) FROM rejected_rows GROUP BY 1, 2 ORDER BY 1, 2")
        .fetchall(),
    }


def _fetch(store: Path, base_url: str, *args: str) -> int:
    return main(["--db", str(store), "fetch", "police-uk", *args, "--base-url", base_url, "--timeout", "20"])


def test_fetch_imports_exactly_what_importing_the_file_does_and_again_adds_nothing(
        fetch_store, lookup_store_path, police_uk, tmp_path, capsys):
    from lib.importers.police_uk import import_police_uk
    from lib.store.db import open_store
    from tests.app_support import copy_store
    from tests.conftest import store_fingerprint

    assert _fetch(fetch_store, police_uk.base_url, "--area", "Eastbourne", "--from", "2018-10", "--to", "2019-02") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["police.uk street files for sussex: 2018-10 to 2019-02 (5 months)",
                       f"  {police_uk.base_url}{ARCHIVE} -> 2018-10 to 2019-02"]
    assert [line.split(":")[0] for line in out[2:7]] == [f"police-uk {m}-sussex-street.csv" for m in FETCH_MONTHS]
    assert out[7].startswith("fetched 5 months of sussex: ")
    direct = open_store(copy_store(lookup_store_path, tmp_path / "direct.db"))
    import_police_uk(direct, [SUSSEX_FILE])
    fetched = open_store(fetch_store)
    assert _month_tables(fetched) == _month_tables(direct)
    assert [m for m, _ in _month_tables(fetched)["incidents"]] == FETCH_MONTHS
    assert list(tmp_path.joinpath("tmp").iterdir()) == []  # the downloads are gone
    before = store_fingerprint(fetched, ignore=("import_log",))
    logged = fetched.execute("SELECT COUNT(*) FROM import_log").fetchone()[0]

    # Again, naming the force this time: every row is already held.
    assert _fetch(fetch_store, police_uk.base_url, "--force", "Sussex", "--from", "2018-10", "--to", "2019-02") == 0
    assert "fetched 5 months of sussex: 0 incidents added" in capsys.readouterr().out
    assert store_fingerprint(fetched, ignore=("import_log",)) == before
    assert fetched.execute("SELECT COUNT(*), SUM(rows_accepted) FROM import_log WHERE id > ?", [logged]).fetchone() \
        == (5, 0)


def test_a_fetch_dry_run_lists_the_archives_and_changes_nothing(fetch_store, police_uk, capsys):
    from lib.store.db import open_store
    from tests.conftest import store_fingerprint

    before = store_fingerprint(open_store(fetch_store))
    assert _fetch(fetch_store, police_uk.base_url, "--area", "Hastings", "--from", "2018-12", "--dry-run") == 0
    size = (police_uk.site / ARCHIVE.lstrip("/")).stat().st_size
    assert capsys.readouterr().out.splitlines() == [
        "police.uk street files for sussex: 2018-12 to 2019-02 (3 months)",
        f"  {police_uk.base_url}{ARCHIVE} ({size / 1e6:,.1f} MB) -> 2018-12 to 2019-02",
        "dry run: nothing downloaded or imported",
    ]
    assert police_uk.downloads() == []  # the archive was only asked its size
    assert store_fingerprint(open_store(fetch_store)) == before


@pytest.mark.parametrize(("failure", "message"), [
    ("half", "not a readable zip archive: is the download cut short?"),
    ("dropped", "the download was cut short: "),
    (404, "not found (HTTP 404): police.uk has no such file"),
    (500, "the server failed (HTTP 500 Internal Server Error)"),
])
def test_a_failed_download_is_one_line_naming_the_url_and_imports_nothing(
        fetch_store, police_uk, tmp_path, capsys, failure, message):
    from lib.store.db import open_store
    from tests.conftest import store_fingerprint

    if failure == "half":  # the server sends a zip cut in half, and says that is all there is
        police_uk.halved.add(ARCHIVE)
    elif failure == "dropped":  # the server announces the whole archive and stops halfway
        police_uk.cut_short.add(ARCHIVE)
    else:
        police_uk.failures[ARCHIVE] = failure
    before = store_fingerprint(open_store(fetch_store))
    code = _fetch(fetch_store, police_uk.base_url, "--force", "sussex", "--from", "2018-10")
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"error: {police_uk.base_url}{ARCHIVE}: {message}"), err
    assert err.rstrip().endswith("; nothing was imported")
    assert store_fingerprint(open_store(fetch_store)) == before
    assert list(tmp_path.joinpath("tmp").iterdir()) == []


def test_a_failure_at_the_second_archive_imports_nothing_from_the_first(fetch_store, police_uk, capsys, monkeypatch):
    from lib.importers import police_uk_fetch
    from lib.store.db import open_store
    from tests.conftest import store_fingerprint

    monkeypatch.setattr(police_uk_fetch, "ARCHIVE_MONTHS", 3)  # 2018-10 to 2018-12 from 2018-12.zip, then 2019-02's
    police_uk.failures[ARCHIVE] = 404
    before = store_fingerprint(open_store(fetch_store))
    assert _fetch(fetch_store, police_uk.base_url, "--force", "sussex", "--from", "2018-10") == 2
    assert f"error: {police_uk.base_url}{ARCHIVE}: not found (HTTP 404)" in capsys.readouterr().err
    assert police_uk.downloads() == ["/data/archive/2018-12.zip", ARCHIVE]
    assert store_fingerprint(open_store(fetch_store)) == before


def test_a_fetch_from_a_server_that_is_not_there_fails_plainly(fetch_store, capsys):
    from tests.police_uk_archive import closed_port_url

    url = closed_port_url()
    assert _fetch(fetch_store, url, "--force", "sussex", "--from", "2018-10") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {url}/api/crimes-street-dates: cannot reach the server (") and err.count("\n") == 1


def test_fetch_help_names_every_option_and_its_default():
    result = subprocess.run([sys.executable, "-m", "lib.cli", "fetch", "police-uk", "--help"],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for option in ("--force FORCE", "--area NAME_OR_CODE", "--from YYYY-MM", "--to YYYY-MM", "--base-url",
                   "--timeout SECONDS", "--dry-run"):
        assert option in text, option
    assert "(default: $CSP_POLICE_UK_URL if set, else https://data.police.uk)" in text and "(default: 60)" in text


def _parsers(parser=None, path=()):
    """Every parser of the command line, with the words that reach it ('fetch police-uk')."""
    import argparse

    parser = parser or build_parser()
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*path, name))


def test_every_command_and_option_has_help():
    """In the spirit of sqlite-utils' documentation tests: a command or option added without help fails here."""
    import argparse

    missing = []
    for path, parser in _parsers():
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if isinstance(action, argparse._SubParsersAction):
                missing += [f"{' '.join(path)} {c.dest}" for c in action._choices_actions if not c.help]
            elif not action.help:
                missing.append(f"{' '.join(path) or 'csp'} {'/'.join(action.option_strings) or action.dest}")
    assert not missing, f"no help text: {missing}"


def test_the_installed_name_is_csp(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["/somewhere/.venv/bin/csp"])
    assert build_parser().prog == "csp"
    monkeypatch.setattr(sys, "argv", ["/repo/lib/cli.py"])
    assert build_parser().prog == "python -m lib.cli"


def test_import_help_describes_every_kind(capsys):
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    shown = capsys.readouterr().out
    for kind in IMPORT_KINDS.values():
        assert f"  {kind.name} " in shown and kind.description[:40] in " ".join(shown.split()), kind.name


@pytest.mark.parametrize("kind", list(IMPORT_KINDS))
def test_a_missing_file_reads_the_same_for_every_kind(tmp_path, capsys, kind):
    store = tmp_path / "csp.db"
    assert main(["--db", str(store), "import", kind, str(tmp_path / "nowhere" / "gone.csv")]) == 2
    assert capsys.readouterr().err.strip() == "error: file gone.csv: no such file"
    assert not store.exists()  # nothing was opened, so nothing was created


def test_every_option_with_a_default_says_it():
    import argparse

    silent = [f"{' '.join(path)} {'/'.join(action.option_strings)}"
              for path, parser in _parsers() for action in parser._actions
              if action.option_strings and action.default not in (None, False, argparse.SUPPRESS)
              and "default" not in (action.help or "")]
    assert not silent, f"options whose help does not give their default: {silent}"
