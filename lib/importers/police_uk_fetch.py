"""Fetch police.uk street files from data.police.uk: which archives hold a force's months, download, check.

data.police.uk publishes one bulk archive a month (``/data/archive/YYYY-MM.zip``), holding that month and the 35
before it for every force, as ``YYYY-MM/YYYY-MM-<force>-street.csv`` members; its API says which month is the
latest (``/api/crimes-street-dates``). A fetch is planned as the fewest archives that hold the months asked for,
each the newest that holds them (a later archive carries crimes' later outcomes). Every archive is downloaded and
its members for the force checked before anything is imported, so a failed download imports nothing; the street
files are then imported by ``lib.importers.police_uk``, one transaction per month, as if downloaded by hand.
"""

from __future__ import annotations

import difflib
import http.client
import json
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import sqlite_utils

from lib.core.areas import find_area, force_above
from lib.core.periods import is_month, months_between, shift_months
from lib.importers.base import ImportFileError, ImportSummary, Progress, read_member
from lib.importers.street_files import COLUMNS, StreetSource, read_street_table

POLICE_UK_BASE_URL = "https://data.police.uk"
# Where police.uk is, for a server or a test that must use a mirror or a local stand-in instead.
POLICE_UK_URL_VARIABLE = "CSP_POLICE_UK_URL"
DATES_PATH = "/api/crimes-street-dates"
# How many months one archive holds: its own and the 35 before it.
ARCHIVE_MONTHS = 36
# police.uk's street-level data starts here; no archive holds an earlier month.
FIRST_PUBLISHED_MONTH = "2010-12"
# The force ids police.uk names its street files by (the 43 forces of England and Wales, British Transport Police
# and Northern Ireland).
POLICE_UK_FORCES = (
    "avon-and-somerset", "bedfordshire", "btp", "cambridgeshire", "cheshire", "city-of-london", "cleveland",
    "cumbria", "derbyshire", "devon-and-cornwall", "dorset", "durham", "dyfed-powys", "essex", "gloucestershire",
    "greater-manchester", "gwent", "hampshire", "hertfordshire", "humberside", "kent", "lancashire",
    "leicestershire", "lincolnshire", "merseyside", "metropolitan", "norfolk", "north-wales", "north-yorkshire",
    "northamptonshire", "northern-ireland", "northumbria", "nottinghamshire", "south-wales", "south-yorkshire",
    "staffordshire", "suffolk", "surrey", "sussex", "thames-valley", "warwickshire", "west-mercia", "west-midlands",
    "west-yorkshire", "wiltshire",
)
# Names people (and the ONS) give forces whose police.uk id is not simply the name, lower case and hyphenated.
_FORCE_ALIASES = {
    "british-transport": "btp",
    "hampshire-and-isle-of-wight": "hampshire",
    "police-service-of-northern-ireland": "northern-ireland",
    "psni": "northern-ireland",
}
_FORCE_SUFFIX = re.compile(r"-(police-service|police|constabulary)$")
_CITY_OF = re.compile(r"^(.+),\s*city of$")  # ONS's 'London, City of'
_CHUNK_BYTES = 1 << 20
_USER_AGENT = "safer-communities-dashboard (python urllib)"


class FetchError(Exception):
    """A download that failed or gave something other than police.uk's files: names the URL and what happened."""

    def __init__(self, url: str, what: str):
        self.url, self.what = url, what
        super().__init__(f"{url}: {what}")


@dataclass(frozen=True)
class Archive:
    """One bulk archive to download, and the months asked for that it supplies."""

    month: str
    url: str
    months: tuple[str, ...]


@dataclass(frozen=True)
class FetchPlan:
    """What a fetch downloads: one force's months, from the fewest archives that hold them."""

    force: str
    months: tuple[str, ...]
    archives: tuple[Archive, ...]

    def describe(self, sizes: dict[str, int | None] | None = None) -> list[str]:
        """The plan in words, a line per archive (with its size where known), for ``--dry-run`` and a real run."""
        lines = [f"police.uk street files for {self.force}: {_span(self.months)} ({len(self.months)} months)"]
        for archive in self.archives:
            size = (sizes or {}).get(archive.url)
            shown = f" ({size / 1e6:,.1f} MB)" if size is not None else ""
            lines.append(f"  {archive.url}{shown} -> {_span(archive.months)}")
        return lines


def _span(months: tuple[str, ...]) -> str:
    return months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"


def police_uk_base_url() -> str:
    """police.uk's address: ``$CSP_POLICE_UK_URL`` where set (a mirror, or a test's local server), else the real one."""
    return os.environ.get(POLICE_UK_URL_VARIABLE) or POLICE_UK_BASE_URL


def force_slug(name: str) -> str:
    """police.uk's id for a force, from the id itself or the force area's name as people or the ONS write it.

    'Sussex' -> 'sussex', 'Metropolitan Police' -> 'metropolitan', 'London, City of' -> 'city-of-london',
    'Devon & Cornwall' -> 'devon-and-cornwall'. Raises LookupError, with the nearest ids, for a force police.uk
    does not publish.
    """
    text = _CITY_OF.sub(r"city of \1", name.strip().casefold()).replace("&", " and ")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    for candidate in (slug, _FORCE_SUFFIX.sub("", slug)):  # 'Sussex Police' is 'sussex'
        candidate = _FORCE_ALIASES.get(candidate, candidate)
        if candidate in POLICE_UK_FORCES:
            return candidate
    close = difflib.get_close_matches(slug, POLICE_UK_FORCES, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else f"; police.uk's forces: {', '.join(POLICE_UK_FORCES)}"
    raise LookupError(f"no police.uk force called {name!r}{hint}")


def force_of_area(db: sqlite_utils.Database, name: str) -> str:
    """The police.uk id of the force holding an area of the store (a CSP, district, county or the force itself)."""
    area = find_area(db, name)
    force = force_above(db, area)
    if force is None:
        raise LookupError(
            f"the store knows no police force above {area.name}: import the district -> CSP -> force lookup "
            "(such as lad17_csp17_pfa17_lookup_ew.csv) first, or name the force with --force"
        )
    return force_slug(force.name)


def latest_published(base_url: str, timeout: float) -> str:
    """The latest month of street data police.uk has published, from its API's list of months."""
    url = base_url.rstrip("/") + DATES_PATH
    body = _get(url, timeout)
    try:
        months = [entry["date"] for entry in json.loads(body)]
    except (ValueError, TypeError, KeyError):
        months = []
    if not months or not all(isinstance(m, str) and is_month(m) for m in months):
        raise FetchError(url, "not police.uk's list of months published (is the base URL right?)")
    return max(months)


def plan_fetch(base_url: str, force: str, first: str, last: str | None, latest: str) -> FetchPlan:
    """The archives to download for a force's months ``first`` to ``last`` (the latest published if None).

    Each archive is the newest that still holds the earliest month not yet covered, so the months come from as few
    archives as can hold them, with the latest outcomes police.uk has given.
    """
    last = last or latest
    if first > last:
        raise LookupError(f"the first month asked for, {first}, is after the last, {last}")
    if last > latest:
        raise LookupError(f"police.uk has published street data up to {latest}; {last} is not out yet")
    if first < FIRST_PUBLISHED_MONTH:
        raise LookupError(f"police.uk's street data starts in {FIRST_PUBLISHED_MONTH}; {first} is before it")
    months = months_between(first, last)
    archives: list[Archive] = []
    left = months
    while left:
        month = min(shift_months(left[0], ARCHIVE_MONTHS - 1), latest)
        held = tuple(m for m in left if m <= month)
        archives.append(Archive(month, f"{base_url.rstrip('/')}/data/archive/{month}.zip", held))
        left = [m for m in left if m > month]
    return FetchPlan(force, tuple(months), tuple(archives))


def archive_size(url: str, timeout: float) -> int | None:
    """An archive's size in bytes, asked of the server without downloading it (None where it does not say)."""
    try:
        with urllib.request.urlopen(_request(url, "HEAD"), timeout=timeout) as response:
            length = response.headers.get("Content-Length")
    except urllib.error.HTTPError as error:
        if error.code in (403, 405, 501):  # a server that answers no HEAD: the size is simply unknown
            return None
        raise _http_failure(url, error) from None
    except (OSError, http.client.HTTPException) as error:
        raise _network_failure(url, error, timeout) from None
    return int(length) if length and length.isdigit() else None


def download_street_files(plan: FetchPlan, folder: Path, timeout: float,
                          progress: Progress | None = None) -> list[Path]:
    """Download the plan's archives into ``folder`` and extract the force's street files, checked, one per month.

    Raises FetchError, naming the URL, at the first archive that cannot be downloaded or does not hold what police.uk
    publishes; nothing has been imported by then. Each archive is deleted once its members are out (a national
    archive is well over a gigabyte).
    """
    files: list[Path] = []
    for number, archive in enumerate(plan.archives):
        def report(fraction: float, text: str, number: int = number) -> None:
            if progress:
                progress((number + fraction) / len(plan.archives), text)

        zipped = folder / f"archive-{archive.month}.zip"
        _download(archive.url, zipped, timeout, report)
        files += _extract_street_files(zipped, archive, plan.force, folder)
        zipped.unlink()
    if progress:
        progress(1.0, "downloaded")
    return files


def fetch_and_import(plan: FetchPlan, open_to_write: Callable[[], sqlite_utils.Database], timeout: float,
                     download_progress: Progress | None = None,
                     import_progress: Progress | None = None) -> list[ImportSummary]:
    """Download and check every month of the plan, then import them (one transaction per month).

    The store is opened to write only once everything is downloaded and checked, so a failed download (FetchError)
    leaves it exactly as it was; the temporary folder, with every archive in it, goes when the import is done or
    has failed.
    """
    # Imported here: the importer brings the geodata stack, which a dry run and the command line's --help need not load.
    from lib.importers.police_uk import import_police_uk

    with tempfile.TemporaryDirectory(prefix="police-uk-") as folder:
        files: list[str | Path] = [*download_street_files(plan, Path(folder), timeout, download_progress)]
        db = open_to_write()
        try:
            return import_police_uk(db, files, progress=import_progress)
        finally:
            db.close()


def _request(url: str, method: str = "GET") -> urllib.request.Request:
    return urllib.request.Request(url, method=method, headers={"User-Agent": _USER_AGENT})


def _get(url: str, timeout: float) -> bytes:
    try:
        with urllib.request.urlopen(_request(url), timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        raise _http_failure(url, error) from None
    except (OSError, http.client.HTTPException) as error:
        raise _network_failure(url, error, timeout) from None


def _download(url: str, target: Path, timeout: float, report: Progress) -> None:
    """Stream a URL to a file, saying how far it has got; a body shorter than the server announced is an error."""
    name = PurePosixPath(url).name
    got = 0
    try:
        with urllib.request.urlopen(_request(url), timeout=timeout) as response, open(target, "wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            _check_room(url, target.parent, total)
            while chunk := response.read(_CHUNK_BYTES):
                out.write(chunk)
                got += len(chunk)
                report(got / total if total else 0.0, f"downloading {name} ({got / 1e6:,.0f} MB)")
    except urllib.error.HTTPError as error:
        raise _http_failure(url, error) from None
    except http.client.IncompleteRead as error:
        raise FetchError(url, f"the download was cut short after {got + len(error.partial):,} bytes") from None
    except (OSError, http.client.HTTPException) as error:
        raise _network_failure(url, error, timeout) from None
    if total is not None and got < total:
        raise FetchError(url, f"the download was cut short: {got:,} of {total:,} bytes")


def _check_room(url: str, folder: Path, size: int | None) -> None:
    """Refuse at once a download the disk cannot hold, rather than filling it and failing near the end."""
    free = shutil.disk_usage(folder).free
    if size is not None and size > free:
        raise FetchError(url, f"needs {size / 1e9:,.1f} GB but {folder} has {free / 1e9:,.1f} GB free "
                              "(set TMPDIR to a folder with room)")


def _http_failure(url: str, error: urllib.error.HTTPError) -> FetchError:
    if error.code == 404:
        return FetchError(url, "not found (HTTP 404): police.uk has no such file")
    side = "the server failed" if error.code >= 500 else "refused"
    return FetchError(url, f"{side} (HTTP {error.code} {error.reason})")


def _network_failure(url: str, error: Exception, timeout: float) -> FetchError:
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, TimeoutError):
        return FetchError(url, f"no answer within {timeout:g} s")
    if isinstance(error, urllib.error.URLError):
        return FetchError(url, f"cannot reach the server ({reason})")
    return FetchError(url, f"the download failed ({error})")


# What reading a damaged archive can raise: a bad CRC or a cut end (BadZipFile, EOFError), damaged deflate data.
_DAMAGED = (zipfile.BadZipFile, EOFError, zlib.error)


def _extract_street_files(zipped: Path, archive: Archive, force: str, folder: Path) -> list[Path]:
    """Write out the force's street CSV for each month the archive supplies, each checked as police.uk's."""
    try:
        bundle = zipfile.ZipFile(zipped)
    except _DAMAGED as error:
        raise FetchError(archive.url, f"not a readable zip archive: is the download cut short? ({error})") from None
    with bundle:
        members = {PurePosixPath(n).name: n for n in bundle.namelist()}
        return [_extract_month(bundle, members, archive, force, month, folder) for month in archive.months]


def _extract_month(bundle: zipfile.ZipFile, members: dict[str, str], archive: Archive, force: str, month: str,
                   folder: Path) -> Path:
    name = f"{month}-{force}-street.csv"
    if name not in members:
        raise FetchError(archive.url, _missing_member(members, force, month, name))
    try:
        # Reading a member checks its CRC, so the members used are proved whole without unpacking the rest of a
        # national archive (which testzip would).
        data = read_member(bundle, members[name], name)
    except _DAMAGED as error:
        raise FetchError(archive.url, f"{members[name]} is damaged: is the download cut short? ({error})") from None
    except ImportFileError as error:
        raise FetchError(archive.url, f"{members[name]} cannot be read ({error.message})") from None
    try:
        _check_street_file(data, name)
    except ImportFileError as error:
        place = (f", row {error.row}" if error.row else "") + (f", column {error.column!r}" if error.column else "")
        raise FetchError(archive.url, f"{members[name]} is not a police.uk street file{place}: {error.message}") \
            from None
    target = folder / name
    target.write_bytes(data)
    return target


def _missing_member(members: dict[str, str], force: str, month: str, name: str) -> str:
    if any(n.endswith(f"-{force}-street.csv") for n in members):
        return f"holds no street file for {force} in {month} ({name}): police.uk published none for that month"
    held = sorted({m.group(1) for n in members if (m := re.fullmatch(r"\d{4}-\d{2}-(.+)-street\.csv", n))})
    return f"holds no street files for {force} at all (it holds {', '.join(held) or 'no street files'})"


def _check_street_file(data: bytes, name: str) -> None:
    """police.uk's exact header, and every row readable as the importer reads it; ImportFileError if not."""
    header = data.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace")
    if header.split(",") != COLUMNS:
        raise ImportFileError(name, f"its header is {header[:200]!r}, not police.uk's street columns", row=1)
    read_street_table(data, StreetSource(Path(name)))
