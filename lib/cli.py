"""Command line for the store: ``python -m lib.cli --help``.

Examples::

    python -m lib.cli import police-uk 2019-01-sussex-street.csv
    python -m lib.cli fetch police-uk --area Eastbourne --from 2024-01 --to 2024-12
    python -m lib.cli counts --area Eastbourne --category "Anti-social behaviour"
    python -m lib.cli demo
    python -m lib.cli pack --area Eastbourne --period 2025/26
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import sqlite_utils
from tqdm import tqdm

from lib.core.areas import find_area, list_areas
from lib.core.import_kinds import IMPORT_KINDS, POLICE_UK
from lib.core.periods import LATEST_12, Period, is_month, parse_period, period_presets
from lib.importers.base import ImportFileError, Progress, readable_name
from lib.importers.police_uk_fetch import POLICE_UK_BASE_URL, police_uk_base_url
from lib.store.access import PARTNERS, PUBLIC, narrow
from lib.store.counts import categories_held, monthly_counts, months_held
from lib.store.db import AREA_KINDS, IMPORT, READ, open_store, store_path
from lib.store.faults import StoreError, as_store_error


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for every command."""
    # Named as it was run: `csp` once installed, `python -m lib.cli` from the repository.
    prog = "csp" if Path(sys.argv[0]).name == "csp" else "python -m lib.cli"
    parser = argparse.ArgumentParser(prog=prog, description="Safer Communities Dashboard store.")
    parser.add_argument("--db", help="store file (default: $CSP_DB, else data/csp.db)")
    commands = parser.add_subparsers(dest="command", required=True)

    importing = commands.add_parser(
        "import", help="import files into the store (one transaction per file)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="kinds:\n" + "\n".join(f"  {k.name:<11} {k.description}" for k in IMPORT_KINDS.values())
        + "\n\nLayouts and where to download each file: docs/formats.md and the README's 'Set up your area'.",
    )
    importing.add_argument("kind", choices=list(IMPORT_KINDS), help="what the files hold")
    importing.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                           help="the file(s) to import; police-uk takes several, every other kind one")

    counts = commands.add_parser("counts", help="print monthly incident counts for an area as CSV")
    counts.add_argument("--area", required=True, help="area name or ONS code (CSP, district, county, force)")
    counts.add_argument("--category", action="append", required=True,
                        help="police.uk category, e.g. 'Anti-social behaviour' (repeat to add several)")
    counts.add_argument("--from", dest="start", metavar="YYYY-MM", type=month_argument, help="first month")
    counts.add_argument("--to", dest="end", metavar="YYYY-MM", type=month_argument, help="last month")

    _add_fetch(commands)

    areas = commands.add_parser("areas", help="list the areas the store holds")
    areas.add_argument("--kind", choices=AREA_KINDS, default="csp", help="which kind of area (default: csp)")

    commands.add_parser("rejected", help="print the rejected rows of every import by file and reason, as CSV")

    commands.add_parser("imports", help="list every import (id, kind, file, rows added), newest first, as CSV")
    removing = commands.add_parser(
        "remove-import", help="take a police.uk file's imports back out of the store (one transaction)"
    )
    removing.add_argument("file", metavar="FILE_OR_ID", help="the file name as `imports` lists it, or an import id")

    demo = commands.add_parser("demo", help="build the synthetic demo county store (replaces the store file)")
    demo.add_argument("--force", action="store_true", help="overwrite an existing store that is not a demo")

    pack = commands.add_parser("pack", help="write the committee pack (PDF) for an area and period")
    pack.add_argument("--area", required=True, help="area name or ONS code (a county or one CSP)")
    pack.add_argument("--period", default=LATEST_12,
                      help="latest-12 (the default: the latest 12 months held), a financial year such as 2025/26, "
                           "or YYYY-MM:YYYY-MM")
    pack.add_argument("--out", type=Path, help="PDF file to write (default: the pack's own name, in this folder)")
    pack.add_argument("--include-restricted", action="store_true",
                      help="a partners-only pack: restricted indicators shown and neighbourhood counts exact "
                           "(the default is the public view, fit to publish)")
    pack.add_argument("--unit", choices=("h3", "lsoa"), default="h3",
                      help="hotspot map cells: hexagons sized to the area (default) or LSOAs")
    return parser


def _add_fetch(commands: argparse._SubParsersAction) -> None:
    fetch = commands.add_parser("fetch", help="download published data and import it in one go")
    sources = fetch.add_subparsers(dest="source", required=True, metavar="SOURCE")
    police = sources.add_parser(
        "police-uk", help="a force's police.uk street files, from data.police.uk's monthly archives",
        description="Download a force's police.uk street files for some months and import them (one transaction "
                    "per month). Everything is downloaded and checked before anything is imported, so a failed "
                    "download leaves the store as it was.")
    force = police.add_mutually_exclusive_group(required=True)
    force.add_argument("--force", metavar="FORCE",
                       help="police.uk force id or force area name: sussex, 'Devon & Cornwall', 'Metropolitan Police'")
    force.add_argument("--area", metavar="NAME_OR_CODE",
                       help="a CSP, district or county of the store: its force's files are fetched (needs the "
                            "district -> CSP -> force lookup imported)")
    police.add_argument("--from", dest="start", metavar="YYYY-MM", type=month_argument, required=True,
                        help="first month")
    police.add_argument("--to", dest="end", metavar="YYYY-MM", type=month_argument,
                        help="last month (default: the latest police.uk has published)")
    police.add_argument("--base-url", default=police_uk_base_url(),
                        help="where police.uk's archives and API are (default: $CSP_POLICE_UK_URL if set, else "
                             f"{POLICE_UK_BASE_URL})")
    police.add_argument("--timeout", type=float, default=60, metavar="SECONDS",
                        help="give up on a server silent for this long (default: %(default)s)")
    police.add_argument("--dry-run", action="store_true",
                        help="print the force, months and archive URLs (and sizes) only: nothing is downloaded or "
                             "imported (default: off)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        code = _COMMANDS[args.command](args)
        sys.stdout.flush()  # here, so that a reader who has gone is met below rather than at exit
        return code
    except BrokenPipeError:
        # `areas | head`: the reader took what it wanted and closed the pipe. Not an error; Python's own flush at
        # exit must not meet the closed pipe again either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (ImportFileError, StoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except sqlite3.Error as error:
        # A store that fails mid-command (damage met while reading, a full disk) is said in one line, like any
        # other fault of the store; an SQLite error that is not the store's fault keeps its traceback.
        problem = as_store_error(error, store_path(args.db))
        if problem is None:
            raise
        print(f"error: {problem}", file=sys.stderr)
        return 2
    except LookupError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 2


def _import(args: argparse.Namespace) -> int:
    # One message for a missing file whatever the kind (each reader would otherwise word its own OS error).
    for path in args.paths:
        if not path.exists():
            raise ImportFileError(readable_name(path), "no such file")
    db = open_store(args.db, IMPORT)
    # The importer is imported only now, so that `--help` and `counts` stay quick and need no geodata stack.
    importer = IMPORT_KINDS[args.kind].importer()
    if args.kind == POLICE_UK:
        with tqdm(total=100, unit="%", disable=None, file=sys.stderr) as bar:
            summaries = importer(db, args.paths, progress=_on_bar(bar))
    else:
        summaries = [importer(db, path) for path in args.paths]
    for summary in summaries:
        print(summary.line())
    return 0


def _on_bar(bar: tqdm) -> Progress:
    """A progress callback (share done, what is happening) drawn on a terminal bar of 100 steps."""
    def progress(fraction: float, text: str) -> None:
        bar.set_description(text[:50])
        bar.update(round(fraction * 100) - bar.n)

    return progress


def _fetch(args: argparse.Namespace) -> int:
    from lib.importers import police_uk_fetch as fetching

    if args.area:
        force = fetching.force_of_area(open_store(args.db, READ), args.area)
    else:
        force = fetching.force_slug(args.force)
    try:
        latest = fetching.latest_published(args.base_url, args.timeout)
        plan = fetching.plan_fetch(args.base_url, force, args.start, args.end, latest)
        if args.dry_run:
            sizes = {a.url: fetching.archive_size(a.url, args.timeout) for a in plan.archives}
            print("\n".join([*plan.describe(sizes), "dry run: nothing downloaded or imported"]))
            return 0
        print("\n".join(plan.describe()))
        with tqdm(total=100, unit="%", disable=None, file=sys.stderr) as downloading, \
                tqdm(total=100, unit="%", disable=None, file=sys.stderr) as importing:
            summaries = fetching.fetch_and_import(plan, lambda: open_store(args.db, IMPORT), args.timeout,
                                                  _on_bar(downloading), _on_bar(importing))
    except fetching.FetchError as error:
        print(f"error: {error}; nothing was imported", file=sys.stderr)
        return 2
    for summary in summaries:
        print(summary.line())
    added = sum(s.rows_accepted for s in summaries)
    print(f"fetched {len(plan.months)} months of {force}: {added:,} incidents added")
    return 0


def _counts(args: argparse.Namespace) -> int:
    db = open_store(args.db, READ)
    area = find_area(db, args.area)
    held = {c.casefold(): c for c in categories_held(db)}
    unknown = [c for c in args.category if c.casefold() not in held]
    if unknown:
        raise LookupError(f"no category {unknown[0]!r}; the store holds: {', '.join(held.values())}")
    series = monthly_counts(db, area, [held[c.casefold()] for c in args.category], args.start, args.end)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["month", "count"])
    writer.writerows(series.itertuples(index=False, name=None))
    return 0


def _areas(args: argparse.Namespace) -> int:
    areas = list_areas(open_store(args.db, READ), args.kind)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["code", "name", "kind", "parent_code", "provisional"])
    for area in areas:
        writer.writerow([area.code, area.name, area.kind, area.parent_code or "", int(area.provisional)])
    return 0


def _rejected(args: argparse.Namespace) -> int:
    db = open_store(args.db, READ)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["file_name", "reason", "rows"])
    writer.writerows(
        db.execute(
            "SELECT file_name, reason, COUNT(*) FROM rejected_rows GROUP BY file_name, reason ORDER BY 1, 3 DESC"
        ).fetchall()
    )
    return 0


def _imports(args: argparse.Namespace) -> int:
    from lib.store.holdings import import_log

    import_log(open_store(args.db, READ)).to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def _remove_import(args: argparse.Namespace) -> int:
    from lib.importers.removal import remove_import

    print(remove_import(open_store(args.db, IMPORT), args.file).line())
    return 0


def _demo(args: argparse.Namespace) -> int:
    from lib.demo import build_demo_store
    from lib.store.db import is_demo

    path = store_path(args.db)
    if path.exists() and not args.force and not is_demo(open_store(path)):
        raise LookupError(f"{path} holds real data; pass --force to replace it with the demo")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    # A bar on a terminal (make run builds the demo before the server starts); none when the output is piped.
    with tqdm(total=100, unit="%", disable=None, file=sys.stderr) as bar:
        build_demo_store(path, progress=_on_bar(bar)).close()
    print(f"demo store written to {path}")
    return 0


_MONTH_RANGE = re.compile(r"^(\d{4}-\d{2}):(\d{4}-\d{2})$")
def month_argument(text: str) -> str:
    """A month given on the command line, as YYYY-MM: '2019-13' or 'Jan 2019' is an error, not an empty answer."""
    if not is_month(text.strip()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a month written YYYY-MM, such as 2019-01")
    return text.strip()


def pack_period(db: sqlite_utils.Database, key: str) -> Period:
    """The period a --period names: a preset key ('latest-12', '2025/26') or 'YYYY-MM:YYYY-MM'."""
    held = months_held(db)
    if not held:
        raise LookupError("the store holds no incidents yet, so there is nothing to report")
    first, last = held[0], held[-1]
    period = parse_period(_MONTH_RANGE.sub(r"\1..\2", key.strip()), first, last)
    if period is None:
        keys = ", ".join(p.key for p in period_presets(first, last))
        raise LookupError(f"no period {key!r} in the months held ({first} to {last}); use one of {keys}, "
                          "or YYYY-MM:YYYY-MM")
    return period


def _pack(args: argparse.Namespace) -> int:
    # Imported here: the pack needs reportlab, the chart and map renderers, which other commands do not.
    from lib.reports.committee_pack import build_pack, pack_file_name
    from lib.reports.pdf_layout import page_count

    db = open_store(args.db, READ)
    # Public (the default): the store is read through the same gate as the dashboard's public view.
    narrow(db, PARTNERS if args.include_restricted else PUBLIC)
    area = find_area(db, args.area)
    period = pack_period(db, args.period)
    started = time.perf_counter()
    pdf = build_pack(db, area, period, unit=args.unit)
    seconds = time.perf_counter() - started
    out = args.out or Path(pack_file_name(area, period))
    out.write_bytes(pdf)
    print(f"wrote {out} ({page_count(pdf)} pages, {len(pdf) / 1024:,.0f} KB) in {seconds:.1f} s")
    return 0


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "import": _import,
    "fetch": _fetch,
    "counts": _counts,
    "areas": _areas,
    "rejected": _rejected,
    "imports": _imports,
    "remove-import": _remove_import,
    "demo": _demo,
    "pack": _pack,
}

if __name__ == "__main__":
    sys.exit(main())
